"""Foundation subcommands: version, demo, backup, restore, check, who."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__, backup, db, migrations, restore
from ..errors import DatabaseOpenError, RefusedError
from . import db_option, open_db
from .desktop import app_opener


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("version", help="print the version and the schema version")
    db_option(p)
    p.set_defaults(run=cmd_version)

    p = sub.add_parser("demo", help="fill an empty database with a fictional partnership")
    db_option(p)
    p.add_argument("--seed", type=int, default=2025, help="random seed (same seed, same data)")
    p.add_argument("--open", action="store_true",
                   help="open the app on it afterwards (if it already has records, just open it)")
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("backup", help="copy the database to OUT (safe while the app is running)")
    db_option(p)
    p.add_argument("out", type=Path, metavar="OUT")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a checked backup FILE")
    db_option(p)
    p.add_argument("file", type=Path, metavar="FILE")
    p.set_defaults(run=cmd_restore)

    p = sub.add_parser("check", help="integrity and foreign-key check; never writes")
    db_option(p)
    p.add_argument("file", type=Path, nargs="?", metavar="FILE",
                   help="a database or backup file (default: the database)")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("who", help="who has the database open: user and computer, one line each")
    db_option(p)
    p.set_defaults(run=cmd_who)


def cmd_who(args: argparse.Namespace) -> int:
    """On SQLite, the desktop apps (a command is too short to list); on PostgreSQL, every
    session of ITT Desk, this command's own among them."""
    from .. import presence

    location = open_db(args)
    seats = presence.connected()
    for seat in seats:
        print(presence.describe(seat))
    if not seats:
        print(f"Nobody else has {location.display} open.")
    return 0


def cmd_version(args: argparse.Namespace) -> int:
    print(f"ITT Desk {__version__} (schema {migrations.latest()})")
    location = db.resolve(args.db)
    print(f"database: {location.display}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import build_demo, has_records

    open_app = app_opener(args) if args.open else None  # refused before anything is built
    location = open_db(args, create=True)
    if args.open and has_records():
        print(f"{location.display} already has records; opening it as it is.")
    else:
        summary = build_demo(seed=args.seed)
        print(f"Demo partnership created in {location.display}:")
        for name, count in summary.items():
            print(f"  {count:5d} {name}")
    if open_app is not None:
        db.close_database()
        return open_app(location.url)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    location = db.resolve(args.db)
    if location.kind == "sqlite" and not (location.path and location.path.exists()):
        raise RefusedError(f"There is no database at {location.display}")
    dest = backup.backup_to(location, args.out)
    print(f"Backed up {location.display} to {dest}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    location = db.resolve(args.db)
    if location.kind == "sqlite" and location.path and location.path.exists():
        try:  # open, to read how many automatic backups to keep
            db.open_database(location.url, daily_backup=False)
        except DatabaseOpenError:
            pass  # damaged or not ours: the restore keeps it aside, unwritten
    kept = restore.restore(location, args.file)
    db.open_database(location.url, daily_backup=False)  # migrates a backup from an older version
    print(f"Restored {location.display} from {args.file}")
    if kept:
        print(f"The database as it was before is kept in {kept}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if args.file is None:
        location = db.resolve(args.db)
        if location.kind != "sqlite":
            db.open_database(location.url, migrate=False, daily_backup=False)
            version = migrations.current_version()
            print(f"{location.display}: reachable, schema {version}")
            return 0
        assert location.path is not None  # an SQLite location is a file
        path = location.path
    else:
        path = args.file
    report = backup.check_file(path)
    if report.ok:
        print(f"{report.path}: ok (schema {report.schema_version})")
        for message in report.messages:
            print(f"  note: {message}")
        return 0
    for message in report.messages:
        print(f"ittdesk: {report.path}: {message}", file=sys.stderr)
    return 1
