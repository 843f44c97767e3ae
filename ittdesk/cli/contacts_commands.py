"""``ittdesk contacts``: a contact list for a mailing, as CSV for Outlook or a mailing service,
or as addresses for Bcc; ``ittdesk events``: working groups, training sessions and who came.

    ittdesk contacts --role headteacher [--partnership partner] [--la NAME] [--subject S]
                     [--phase P] [--designation SLE] OUT.csv
    ittdesk contacts --role itt_champion --bcc
    ittdesk events list [--year 2025/26]
    ittdesk events add TITLE --kind working_group --date 12/11/2025 [--where PLACE]
    ittdesk events attend EVENT_ID PERSON [PERSON ...] [--led] [--invited-only]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .. import fields
from ..choices import EVENT_KINDS
from . import UsageError, db_option, open_db
from .arguments import academic_year, day, whole_number


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "contacts", help="a contact list (CSV for Outlook or a mailing service, or Bcc addresses)",
        description="People holding a current post (or a designation) at the schools chosen, "
                    "one row each. People who asked for no newsletters, erased people and "
                    "people without an email address are left out.")
    db_option(p)
    p.add_argument("out", type=Path, nargs="?", metavar="OUT.csv")
    p.add_argument("--role", action="append", default=[], metavar="ROLE",
                   help="a post held now, e.g. headteacher, itt_champion, mentor (repeatable)")
    p.add_argument("--designation", action="append", default=[], metavar="KIND",
                   help="SLE, LLE or NLE (repeatable)")
    p.add_argument("--partnership", action="append", default=[], metavar="STATUS",
                   help="the school's partnership status, e.g. partner (repeatable)")
    p.add_argument("--la", metavar="NAME", help="only schools in this local authority")
    p.add_argument("--trust", metavar="NAME", help="only schools in this trust")
    p.add_argument("--phase", metavar="PHASE", help="only schools of this phase, e.g. primary")
    p.add_argument("--subject", metavar="SUBJECT", help="mentors of this subject")
    p.add_argument("--bcc", action="store_true",
                   help="print the addresses, separated by semicolons, instead of writing a file")
    p.set_defaults(run=cmd_contacts)

    ev = sub.add_parser("events", help="working groups, training sessions, webinars and who came")
    ev_sub = ev.add_subparsers(dest="events_command", metavar="ACTION", parser_class=type(ev))
    p = ev_sub.add_parser("list", help="events, newest first, with how many came")
    db_option(p)
    p.add_argument("--year", type=academic_year, help="only this academic year, e.g. 2025/26")
    p.set_defaults(run=cmd_events_list)
    p = ev_sub.add_parser("add", help="record an event")
    db_option(p)
    p.add_argument("title")
    p.add_argument("--kind", required=True, type=_event_kind, help="; ".join(EVENT_KINDS.keys))
    p.add_argument("--date", required=True, type=day, metavar="DATE")
    p.add_argument("--where", metavar="PLACE")
    p.set_defaults(run=cmd_events_add)
    p = ev_sub.add_parser("attend", help="put people on an event's list as having come")
    db_option(p)
    p.add_argument("event", type=whole_number(1), metavar="EVENT_ID")
    p.add_argument("people", nargs="+", metavar="PERSON_ID_OR_EMAIL")
    p.add_argument("--led", action="store_true", help="they led it (a session, a workshop)")
    p.add_argument("--invited-only", action="store_true", help="invited, not (yet) come")
    p.set_defaults(run=cmd_events_attend)
    ev.set_defaults(run=_needs_action(ev))


def _event_kind(text: str) -> str:
    key = EVENT_KINDS.parse(text)
    if key is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a kind of event (use "
                                          f"{', '.join(EVENT_KINDS.keys)})")
    return key


def _needs_action(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise UsageError(f"{parser.prog}: choose an action: list, add or attend")
    return run


def cmd_contacts(args: argparse.Namespace) -> int:
    from ..contacts import build, parse_audience, write_csv

    if args.out is None and not args.bcc:
        raise UsageError("ittdesk contacts: give OUT.csv, or --bcc to print the addresses")
    if args.out is not None and args.bcc:
        raise UsageError("ittdesk contacts: give OUT.csv or --bcc, not both")
    if args.out is not None and args.out.suffix.lower() != ".csv":
        raise UsageError(f"ittdesk contacts: {args.out.name}: the output must be a .csv file")
    open_db(args)
    audience = parse_audience(roles=args.role, designations=args.designation,
                              partnership=args.partnership, la=args.la, trust=args.trust,
                              phase=args.phase, subject=args.subject)
    found = build(audience)
    if args.bcc:
        print(found.bcc())
    else:
        n = write_csv(found, args.out)
        print(f"{n} contact(s) written to {args.out}")
    if found.left_out():
        print(found.left_out(), file=sys.stderr if args.bcc else sys.stdout)
    return 0


def cmd_events_list(args: argparse.Namespace) -> int:
    from ..queries.event_lists import event_rows

    open_db(args)
    rows = event_rows(args.year)
    if not rows:
        print("No events recorded.")
        return 0
    for r in rows:
        print(f"#{r['id']}  {fields.format_date(r['held_on'])}  {EVENT_KINDS.label(r['kind'])}: "
              f"{r['title']}  ({r['attended']} came of {r['invited']} invited"
              f"{', led by ' + r['leaders'] if r['leaders'] else ''})")
    return 0


def cmd_events_add(args: argparse.Namespace) -> int:
    from ..services.events import events

    open_db(args)
    event = events.create({"title": args.title, "kind": args.kind, "held_on": args.date,
                           "location": args.where})
    print(f"Event #{event.id} recorded: {event.title} on {fields.format_date(event.held_on)}")
    return 0


def cmd_events_attend(args: argparse.Namespace) -> int:
    from ..models.base import writing
    from ..services.events import attendance, events
    from ..services.people import people

    open_db(args)
    event = events.get(args.event)
    found = [people.find(p) for p in args.people]  # every unknown person refused before writing
    flags = {"attended": not args.invited_only, "led": args.led}
    with writing():
        for person in found:
            row = attendance.model.get_or_none((attendance.model.event == event.id)
                                               & (attendance.model.person == person.id))
            if row is None:
                attendance.create({"event": event.id, "person": person.id, **flags})
            else:  # ticks are added, never taken away here
                attendance.update(row.id, {k: True for k, v in flags.items() if v})
    print(f"{len(found)} person(s) on the list of {event.title}")
    return 0
