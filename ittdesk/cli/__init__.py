"""``ittdesk <subcommand>``: each subcommand parses, calls services, prints, returns an exit code.

Exit 0 ok, 1 input refused (nothing changed), 2 usage. Errors are one line each on stderr,
never a traceback (set ITTDESK_DEBUG=1 to see one).

Subcommands live in modules beside this one; each has ``register(subparsers)`` that adds its
parser with ``set_defaults(run=function)``. Add a module to ``COMMAND_MODULES`` to add commands.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from .. import __version__
from ..errors import IttDeskError

COMMAND_MODULES = [
    "ittdesk.cli.core_commands",
    "ittdesk.cli.attention_commands",
    "ittdesk.cli.privacy_commands",
    "ittdesk.cli.agreement_commands",
    "ittdesk.cli.export_commands",
    "ittdesk.cli.import_commands",
    "ittdesk.cli.leadership_commands",
]


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage and exits 2; keep that, one line
        raise UsageError(f"{self.prog}: {message}")


def db_option(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--db`` works before or after the subcommand."""
    parser.add_argument(
        "--db", metavar="PATH_OR_URL",
        default=None if top else argparse.SUPPRESS,
        help="database file or URL (sqlite:///PATH, postgresql://user@host/db); "
             "default: $ITTDESK_DATABASE or the per-user data folder",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ittdesk", description="ITT Desk: run a teacher-training partnership.")
    parser.add_argument("--version", action="version", version=f"ITT Desk {__version__}")
    db_option(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def has_subcommand(argv: Sequence[str]) -> bool:
    """True when the arguments name a subcommand (or ask for help); otherwise the GUI opens."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--db":
            skip = True
            continue
        if arg.startswith("--db="):
            continue
        return True
    return False


def db_location_warning(args: argparse.Namespace) -> str | None:
    """A network-share warning for the database the command will use, if any."""
    from ..db import resolve

    try:
        return resolve(getattr(args, "db", None)).warning
    except IttDeskError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if not getattr(args, "run", None):
        parser.print_usage(sys.stderr)
        return 2
    try:
        location = db_location_warning(args)
        if location:
            print(f"ittdesk: warning: {location}", file=sys.stderr)
        return int(args.run(args) or 0)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except IttDeskError as exc:
        print(f"ittdesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ittdesk: interrupted; nothing was changed", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, not a stack
        if os.environ.get("ITTDESK_DEBUG"):
            raise
        print(f"ittdesk: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        from ..db import close_database

        close_database()
