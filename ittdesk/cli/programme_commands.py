"""``ittdesk programme add|list`` and ``ittdesk cohort add|list``: the programmes and cohorts an
enrolments import puts trainees in, made from the command line so that a first import can be
scripted end to end (schools, then a programme and its cohort, then the trainees with
``ittdesk import enrolments FILE --cohort ID``).

Everything goes through the programme and cohort services, as the app's editors do: the same
checks, the same audit entries. Exit 0 ok, 1 refused with nothing changed, 2 usage.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast

from ..choices import PROGRAMME_KINDS
from ..errors import RefusedError, ValidationError
from . import UsageError, db_option, open_db
from .arguments import academic_year, day, whole_number

if TYPE_CHECKING:
    from ..models import Programme


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("programme", help="programmes (ITT routes, leadership, CPD): add, list")
    db_option(parser)
    actions = parser.add_subparsers(dest="programme_command", metavar="ACTION",
                                    parser_class=type(parser))
    parser.set_defaults(run=_needs_action(parser, "add or list"))
    p = actions.add_parser("add", help="add a programme")
    db_option(p)
    p.add_argument("name", metavar="NAME", help="e.g. 'Primary SCITT'")
    p.add_argument("--kind", required=True,
                   help=f"one of: {', '.join(PROGRAMME_KINDS.keys)} (or e.g. SCITT, NPQ)")
    p.add_argument("--description", help="a line about the programme")
    p.set_defaults(run=cmd_programme_add)
    p = actions.add_parser("list", help="one line per programme: id, name, kind, cohorts")
    db_option(p)
    p.set_defaults(run=cmd_programme_list)

    parser = sub.add_parser("cohort", help="cohorts of a programme by academic year: add, list")
    db_option(parser)
    actions = parser.add_subparsers(dest="cohort_command", metavar="ACTION",
                                    parser_class=type(parser))
    parser.set_defaults(run=_needs_action(parser, "add or list"))
    p = actions.add_parser("add", help="add a cohort to a programme")
    db_option(p)
    p.add_argument("programme", metavar="PROGRAMME", help="the programme's name or id")
    p.add_argument("name", metavar="NAME", help="e.g. '2025 intake'")
    p.add_argument("--year", type=academic_year, required=True, help="academic year, e.g. 2025/26")
    p.add_argument("--start", type=day, help="start date (default: the year's start)")
    p.add_argument("--end", type=day, help="end date (default: the year's end)")
    p.add_argument("--places", type=whole_number(0), help="places on the cohort")
    p.set_defaults(run=cmd_cohort_add)
    p = actions.add_parser("list", help="one line per cohort: id, programme, name, year, places")
    db_option(p)
    p.add_argument("--programme", metavar="PROGRAMME", help="only this programme (name or id)")
    p.add_argument("--year", type=academic_year, help="only this academic year, e.g. 2025/26")
    p.set_defaults(run=cmd_cohort_list)


def _needs_action(parser: argparse.ArgumentParser, actions: str
                  ) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise UsageError(f"{parser.prog}: choose an action: {actions}")

    return run


def _refused(what: str, exc: ValidationError) -> RefusedError:
    """The service's messages (each already names its field) as one line."""
    return RefusedError(f"{what} not added: " + "; ".join(exc.errors.values()))


def find_programme(text: str) -> Programme:
    """A programme by id or by name (any case); refused in words when there is none."""
    from ..models import Programme

    text = text.strip()
    found = None
    if text.isdigit():
        found = Programme.get_or_none(Programme.id == int(text))
    if found is None:
        matches = [p for p in Programme.select() if p.name.casefold() == text.casefold()]
        found = matches[0] if matches else None
    if found is None:
        raise RefusedError(f"There is no programme '{text}' ('ittdesk programme list' shows them)")
    return found


def cmd_programme_add(args: argparse.Namespace) -> int:
    from ..services.programmes import programmes

    kind = PROGRAMME_KINDS.parse(args.kind)
    if kind is None:
        raise UsageError(f"ittdesk programme add: '{args.kind}' is not a kind of programme "
                         f"(use {', '.join(PROGRAMME_KINDS.keys)})")
    open_db(args, create=True)
    try:
        programme = programmes.create({"name": args.name, "kind": kind,
                                       "description": args.description})
    except ValidationError as exc:
        raise _refused("Programme", exc) from None
    print(f"Added programme #{programme.id}: {programme.name} ({PROGRAMME_KINDS.label(kind)})")
    return 0


def cmd_programme_list(args: argparse.Namespace) -> int:
    from peewee import JOIN, fn

    from ..models import Cohort, Programme

    open_db(args)
    query = (Programme.select(Programme.id, Programme.name, Programme.kind,
                              fn.COUNT(Cohort.id).alias("cohorts"))
             .join(Cohort, JOIN.LEFT_OUTER).group_by(Programme.id).order_by(Programme.name))
    rows = list(cast("Iterable[tuple[int, str, str, int]]", query.tuples()))
    if not rows:
        print("No programmes yet ('ittdesk programme add NAME --kind itt' adds one).")
        return 0
    for programme_id, name, kind, count in rows:
        print(f"#{programme_id}  {name}  ({PROGRAMME_KINDS.label(kind)})  "
              f"{count} cohort{'s' if count != 1 else ''}")
    return 0


def cmd_cohort_add(args: argparse.Namespace) -> int:
    from ..services.programmes import cohorts

    open_db(args, create=True)
    programme = find_programme(args.programme)
    try:
        cohort = cohorts.create({"programme": programme.id, "name": args.name,
                                 "academic_year": str(args.year), "start_date": args.start,
                                 "end_date": args.end, "places": args.places})
    except ValidationError as exc:
        raise _refused("Cohort", exc) from None
    print(f"Added cohort #{cohort.id}: {programme.name} / {cohort.name} {cohort.academic_year} "
          f"(import trainees into it with --cohort {cohort.id})")
    return 0


def cmd_cohort_list(args: argparse.Namespace) -> int:
    from ..fields import format_date
    from ..models import Cohort, Programme
    from ..services.programmes import places_taken

    open_db(args)
    query = Cohort.select(Cohort, Programme).join(Programme).order_by(
        Programme.name, Cohort.academic_year, Cohort.name)
    if args.programme:
        query = query.where(Cohort.programme == find_programme(args.programme).id)
    if args.year:
        query = query.where(Cohort.academic_year == args.year)
    rows = list(query)
    if not rows:
        print("No cohorts found.")
        return 0
    for cohort in rows:
        dates = " to ".join(format_date(d) for d in (cohort.start_date, cohort.end_date) if d)
        places = (f"{places_taken(cohort)} of {cohort.places} places taken"
                  if cohort.places is not None else f"{places_taken(cohort)} enrolled")
        print(f"#{cohort.id}  {cohort.programme.name} / {cohort.name}  {cohort.academic_year}  "
              f"{dates}  {places}")
    return 0
