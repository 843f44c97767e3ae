"""``ittdesk mail ...``: the yearly form and its reminders sent through the provider's server.

    ittdesk mail password [--clear]          store the SMTP password in the system's keyring
    ittdesk mail send --year 2026/27 [--reminders] [--dry-run]

The server is set with ``ittdesk settings set smtp_host ...`` (smtp_port, smtp_user,
smtp_security, provider_email). Sending again after a stop sends only what did not go.
Exit 0 when every message went (or had gone), 1 when any failed or nothing could be sent.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from . import db_option, open_db
from .arguments import academic_year


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("mail", help="send the yearly forms and reminders through your own "
                                      "mail server (SMTP)")
    db_option(top)
    actions = top.add_subparsers(dest="mail_command", metavar="ACTION", required=True,
                                 parser_class=type(top))
    p = actions.add_parser("password", help="store the mail server's password in the system's "
                                            "keyring (asked for, never shown)")
    db_option(p)
    p.add_argument("--clear", action="store_true", help="remove the stored password")
    p.set_defaults(run=cmd_password)

    p = actions.add_parser("send", help="e-mail each school of the year's round its form "
                                        "(or, with --reminders, chase the forms not back)")
    db_option(p)
    p.add_argument("--year", type=academic_year, required=True, help="academic year, e.g. 2026/27")
    p.add_argument("--reminders", action="store_true",
                   help="send reminders to the schools whose form is out and not back")
    p.add_argument("--dry-run", action="store_true",
                   help="list who would get what; send nothing")
    p.set_defaults(run=cmd_send)


def cmd_password(args: argparse.Namespace) -> int:
    from ..outreach import sending

    open_db(args)
    config = sending.smtp_settings()
    if args.clear:
        sending.set_password(config, "")
        print(f"Removed the stored password for {config.account}.")
        return 0
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {config.account}: ")
    else:  # piped in: the first line
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("ittdesk: no password given; nothing was stored", file=sys.stderr)
        return 1
    sending.set_password(config, password)
    print(f"Stored the password for {config.account} in the system's keyring.")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from ..leadership import rounds
    from ..outreach import drafts, sending

    open_db(args)
    round_ = rounds.get_round(args.year)
    kind = drafts.REMINDER if args.reminders else drafts.FORM
    messages = sending.plan(round_, kind)
    if args.dry_run:
        for message in messages:
            print(f"Would send: {drafts.describe(message)}")
        print(f"{len(messages)} message(s) would be sent; nothing was sent.")
        return 0

    def progress(done: int, total: int, name: str) -> None:
        if name:
            print(f"[{done + 1}/{total}] {name}", file=sys.stderr)

    result = sending.send(messages, progress=progress)
    for line in result.sent:
        print(f"Sent: {line}")
    for line in result.skipped:
        print(f"Already sent before: {line}")
    for line in result.failed:
        print(f"ittdesk: not sent: {line}", file=sys.stderr)
    if result.stopped:
        print(f"ittdesk: {result.stopped}", file=sys.stderr)
    print(f"{len(result.sent)} sent, {len(result.failed)} failed, {len(result.skipped)} already "
          "sent before." + (" Send again to retry the failed ones." if result.failed else ""))
    print(rounds.status(round_).summary())
    return 1 if result.failed or result.stopped else 0
