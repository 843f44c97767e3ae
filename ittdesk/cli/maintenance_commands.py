"""``ittdesk maintenance status|start``: whole-database work by the provider's IT person.

``status`` says whether maintenance is on, by whom, and who else is connected. ``start`` holds
maintenance until Enter (or Ctrl+C, or the end of its input): on PostgreSQL everyone else stays
connected read-only and is told "Maintenance by X" (``ittdesk.maintenance``); on SQLite the file
is held alone (``sqlite_file.sole_use``, refused while anyone has it open, as restore is), so it
can be copied or checked with nothing writing to it. Maintenance ends with the command: there
is no ``end`` to forget (a crashed or closed session lets go by itself).
"""

from __future__ import annotations

import argparse
import sys

from . import db_option, open_db


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("maintenance", help="whole-database work: others read-only meanwhile "
                                           "(for IT staff)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True,
                               parser_class=type(p))
    status = actions.add_parser("status", help="is maintenance on, by whom; who is connected")
    db_option(status)
    status.set_defaults(run=cmd_status)
    start = actions.add_parser(
        "start", help="hold maintenance until Enter is pressed",
        description="Hold the database for maintenance until Enter (or Ctrl+C). On PostgreSQL "
                    "everyone else can still read and is told who is at it; their saves are "
                    "refused until it ends. On SQLite nobody else may have the file open.")
    db_option(start)
    start.set_defaults(run=cmd_start)


def cmd_status(args: argparse.Namespace) -> int:
    from .. import maintenance

    location = open_db(args)
    if location.kind == "sqlite":
        from .. import presence

        others = presence.other_apps()
        print("Maintenance on SQLite holds the file alone; "
              + (f"open now in: {', '.join(others)}." if others else "no app has it open now."))
        return 0
    print(maintenance.status_text())
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from .. import db, maintenance

    location = open_db(args)
    if location.kind == "sqlite":
        assert location.path is not None
        db.close_database()  # this command's own connection would hold the file too
        with db.sole_use(location.path):
            _wait_for_enter(f"Maintenance on: {location.display} is held alone.")
        print("Maintenance ended.")
        return 0
    with maintenance.maintenance() as others:
        names = ", ".join(s.label for s in others)
        _wait_for_enter("Maintenance on: " + (f"read-only for {names} until it ends."
                                              if others else "no one else is connected."))
    print("Maintenance ended: others can save again.")
    return 0


def _wait_for_enter(said: str) -> None:
    print(f"{said} Press Enter to end it.", flush=True)
    try:
        sys.stdin.readline()
    except KeyboardInterrupt:
        pass
