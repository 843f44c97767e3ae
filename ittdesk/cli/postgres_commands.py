"""``ittdesk postgres setup URL``: a shared database's schema and the role staff connect as.

Run by the provider's IT person, connected as the database's owner (or an administrator); see
``ittdesk.postgres_setup``. The password of the app's role comes from an environment variable
(``--password-from-env VAR``), never from the command line, where other users of the computer
and the shell's history could read it.
"""

from __future__ import annotations

import argparse
import os

from ..errors import RefusedError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ..postgres_setup import DEFAULT_ROLE

    p = sub.add_parser("postgres", help="set up a shared PostgreSQL database (for IT staff)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True,
                               parser_class=type(p))
    setup = actions.add_parser(
        "setup", help="create or upgrade the schema and the role staff connect as",
        description="Connected as the database's owner or an administrator (URL), create the "
                    "tables (or bring them up to date) and a login role for staff with only the "
                    "privileges the app needs: it cannot change or delete audit entries, nor "
                    "the schema. Run it again after installing a new version of ITT Desk. "
                    "Prints the URL staff should use.")
    setup.add_argument("url", metavar="URL", help="postgresql://owner@host/db of the owner")
    setup.add_argument("--role", default=DEFAULT_ROLE, metavar="NAME",
                       help=f"the application role to create or update (default {DEFAULT_ROLE})")
    setup.add_argument("--password-from-env", metavar="VAR", default=None,
                       help="the environment variable holding the role's password (required "
                            "for a new role; without it an existing role keeps its password)")
    setup.set_defaults(run=cmd_setup)


def cmd_setup(args: argparse.Namespace) -> int:
    from ..postgres_setup import setup

    password = None
    if args.password_from_env is not None:
        password = os.environ.get(args.password_from_env)
        if not password:
            raise RefusedError(f"The environment variable {args.password_from_env} is not set "
                               "or empty; nothing was changed.")
    result = setup(args.url, role=args.role, password=password)
    for line in result.done:
        print(line)
    print(f"Staff connect with: {result.staff_url}")
    print(f"  (each adds the password: postgresql://{args.role}:PASSWORD@..., or puts it in a "
          ".pgpass file)")
    return 0
