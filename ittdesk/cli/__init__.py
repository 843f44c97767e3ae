"""``ittdesk <subcommand>``: each subcommand parses, calls services, prints, returns an exit code.

Exit 0 ok, 1 input refused (nothing changed), 2 usage. Errors are one line each on stderr,
never a traceback (set ITTDESK_DEBUG=1 to see one).

Subcommands live in modules beside this one; each has ``register(subparsers)`` that adds its
parser with ``set_defaults(run=function)``. Add a module to ``COMMAND_MODULES`` to add commands.
What only the desktop app can do (a PDF, opening the window) comes in from ``main.py`` as a
``desktop.Desktop``: the core never imports ``ui``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings
from collections.abc import Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from .. import __version__
from ..errors import IttDeskError, IttDeskWarning, plain_message
from .desktop import Desktop

# The opening (ittdesk.db: peewee and the models) is imported where a command opens: main.py
# imports this module to tell a subcommand from the desktop app, whose first paint waits for
# no peewee.

if TYPE_CHECKING:
    from ..location import Location

COMMAND_MODULES = [
    "ittdesk.cli.core_commands",
    "ittdesk.cli.attention_commands",
    "ittdesk.cli.privacy_commands",
    "ittdesk.cli.agreement_commands",
    "ittdesk.cli.export_commands",
    "ittdesk.cli.import_commands",
    "ittdesk.cli.leadership_commands",
    "ittdesk.cli.programme_commands",
    "ittdesk.cli.settings_commands",
    "ittdesk.cli.contacts_commands",
    "ittdesk.cli.letters_commands",
    "ittdesk.cli.mail_commands",
    "ittdesk.cli.postgres_commands",
    "ittdesk.cli.register_commands",
    "ittdesk.cli.mentor_funding_commands",
    "ittdesk.cli.placement_commands",
    "ittdesk.cli.maintenance_commands",
]


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse prints usage and exits 2; keep that, one line
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


def open_db(args: argparse.Namespace, *, create: bool = False, **options: Any) -> Location:
    """Open the database a command names, after checking enough to refuse a damaged file.

    Only commands that may create a database (``demo``, the importers) pass ``create``; every
    other one refuses a database that does not exist yet (a mistyped ``--db`` would otherwise
    make an empty one and answer "nothing found"), creating no file. ``options`` go to
    ``db.open_database``."""
    from .. import db
    from ..errors import DatabaseOpenError

    location = db.resolve(getattr(args, "db", None))
    if location.kind == "sqlite":
        assert location.path is not None
        if not create:
            found = db.inspect_file(location.path)
            if not found.exists or (found.is_empty and not found.problem):
                raise DatabaseOpenError(f"There is no ITT Desk database at {location.path}.")
        from ..integrity import opening_problem

        problem = opening_problem(location.path)
        if problem:
            raise DatabaseOpenError(problem)
        return db.open_database(location.url, **options)
    if create:
        return db.open_database(location.url, **options)
    opened = db.open_database(location.url, migrate=False, daily_backup=False)
    from .. import migrations
    from ..models import database

    if not database.table_exists("schema_version"):
        db.close_database()
        raise DatabaseOpenError(f"There is no ITT Desk database at {location.display}.")
    if options.get("migrate", True):
        migrations.migrate(opened)
    return opened


def main(argv: Sequence[str] | None = None, *, desktop: Desktop | None = None) -> int:
    """Run one subcommand; ``desktop`` (from ``main.py``) lends it ui/'s renderer and window."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        args.desktop = desktop  # read through desktop.pdf_renderer(args) / app_opener(args)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if not getattr(args, "run", None):
        parser.print_usage(sys.stderr)
        return 2
    debug = bool(os.environ.get("ITTDESK_DEBUG"))
    failed = False
    previous_hook = sys.unraisablehook
    with warnings.catch_warnings():
        warnings.simplefilter("always", IttDeskWarning)
        warnings.showwarning = _show_warning
        if not debug:
            # A half-written workbook abandoned on a full disk fails again when it is collected
            # ("Exception ignored in ..." with a stack each); the one-line error has said it all.
            sys.unraisablehook = _quiet_unraisable
        try:
            location = db_location_warning(args)
            if location:
                print(f"ittdesk: warning: {location}", file=sys.stderr)
            code = int(args.run(args) or 0)
            sys.stdout.flush()  # a closed pipe shows here, not after main has returned
            return code
        except BrokenPipeError:
            # ``ittdesk audit | head``: the reader has had enough. Stop quietly as Unix tools
            # do; stdout goes to devnull so the interpreter's last flush cannot complain.
            _stdout_to_devnull()
            return 1
        except UsageError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            failed = True
            _print_error("interrupted; nothing was changed")
            return 1
        except Exception as exc:
            failed = True
            if debug and not isinstance(exc, IttDeskError):
                raise
            _print_error(plain_message(exc))
            return 1
        finally:
            from ..db import close_database

            try:
                close_database()
            except Exception:  # the connection is already gone (server lost): nothing to close
                pass
            if failed:
                gc.collect()  # while the quiet hook is in place
            sys.unraisablehook = previous_hook


def _print_error(message: str) -> None:
    try:
        print(f"ittdesk: {message}", file=sys.stderr)
    except OSError:  # stderr itself is closed: nothing more can be said
        pass


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """ITT Desk's own warnings as one line; libraries' warnings only with ITTDESK_DEBUG."""
    if issubclass(category, IttDeskWarning):
        _print_error(f"warning: {message}")
    elif os.environ.get("ITTDESK_DEBUG"):
        print(warnings.formatwarning(message, category, filename, lineno, line),
              file=sys.stderr, end="")


def _quiet_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """Errors raised while an abandoned object is cleaned up are not shown (see main)."""


def _stdout_to_devnull() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it)
        pass
