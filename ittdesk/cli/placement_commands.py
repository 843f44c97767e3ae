"""``ittdesk compliance``, ``ittdesk placement-rules`` and ``ittdesk term-dates`` (issue 17):
each trainee's placement check, the rules per route a year is checked against, and the term
dates a placement's school days are counted within. Exit 0 ok, 1 refused (nothing changed),
2 usage."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..academic_year import AcademicYear
from ..choices import TRAINING_ROUTES
from ..errors import NotFoundError, ValidationError
from . import UsageError, db_option, open_db
from .arguments import academic_year, day, whole_number


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("compliance", help="each trainee's placements checked against their "
                                          "route's rules: met, on track, at risk, not met")
    db_option(p)
    p.add_argument("--cohort", type=whole_number(1), metavar="ID", help="only this cohort")
    p.add_argument("--year", type=academic_year, help="only the cohorts of this academic year")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per trainee (a JSON list), for other programs")
    p.set_defaults(run=cmd_compliance)

    p = sub.add_parser("placement-rules", help="the placement rules per route for a year "
                                               "(shown; the defaults made on first use); set one")
    db_option(p)
    p.add_argument("--year", type=academic_year, help="academic year (default: this one)")
    p.add_argument("--set", metavar="ROUTE", dest="route",
                   help="change this route's rule for the year (with the options below)")
    for option, what in (("--min-days", "days in school"),
                         ("--min-days-four-year", "days in school for a 4-year course"),
                         ("--min-schools", "schools"), ("--itap-days", "ITaP days"),
                         ("--register-placements", "placements Register requires")):
        p.add_argument(option, type=whole_number(0), help=what)
    p.add_argument("--contrasting", choices=("yes", "no"), help="a contrasting placement needed")
    p.add_argument("--employing-school-counts", choices=("yes", "no"),
                   help="the employing school counts as one school")
    p.set_defaults(run=cmd_placement_rules)

    parser = sub.add_parser("term-dates", help="term dates placements are counted within: "
                                               "list, add, import a CSV")
    db_option(parser)
    actions = parser.add_subparsers(dest="term_command", metavar="ACTION",
                                    parser_class=type(parser))
    parser.set_defaults(run=cmd_term_list, year=None)
    p = actions.add_parser("list", help="one line per term")
    db_option(p)
    p.add_argument("--year", type=academic_year, help="only this academic year")
    p.set_defaults(run=cmd_term_list)
    p = actions.add_parser("add", help="add one term (or half-term)")
    db_option(p)
    p.add_argument("--year", type=academic_year, required=True, help="academic year, e.g. 2025/26")
    p.add_argument("--term", required=True, help="e.g. 'Autumn 1' (enter half-terms apart)")
    p.add_argument("--start", type=day, required=True, help="first day of the term")
    p.add_argument("--end", type=day, required=True, help="last day of the term")
    p.add_argument("--la", metavar="CODE", help="only for schools in this LA (e.g. 202)")
    p.set_defaults(run=cmd_term_add)
    p = actions.add_parser("import", help="a CSV: Academic year, LA code, Term, First day, "
                                          "Last day (all or nothing)")
    db_option(p)
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.set_defaults(run=cmd_term_import)


def _number(value: float) -> str:
    from ..placements.check import number

    return number(value)


def cmd_compliance(args: argparse.Namespace) -> int:
    from ..models import Cohort
    from ..placements.check import check_trainees, route_words

    open_db(args)
    if args.cohort is not None and Cohort.get_or_none(Cohort.id == args.cohort) is None:
        raise NotFoundError(f"There is no cohort #{args.cohort}")
    found = check_trainees(cohort_id=args.cohort, academic_year=args.year)
    if args.json:
        print(json.dumps([c.as_json() for c in found], ensure_ascii=False, indent=1))
        return 0
    if not found:
        print("No trainees to check.")
        return 0
    counts: dict[str, int] = {}
    for c in found:
        counts[c.status_words] = counts.get(c.status_words, 0) + 1
        days = f"{_number(c.days_in_school)}/{c.days_required} days"
        itap = f", ITaP {_number(c.itap_days)}/{c.itap_required}" if c.itap_required else ""
        line = (f"{c.name} [{route_words(c.route)}]: {c.status_words} ({days}, "
                f"{c.schools} school{'s' if c.schools != 1 else ''}{itap})")
        print(line + (f": {c.reason_text}" if c.reasons else ""))
    print("; ".join(f"{n} {word.lower()}" for word, n in counts.items()))
    return 0


def cmd_placement_rules(args: argparse.Namespace) -> int:
    from ..services.placement_rules import placement_rules

    open_db(args)
    year = args.year or AcademicYear.current()
    rules = placement_rules.for_year(year)
    if args.route:
        route = TRAINING_ROUTES.parse(args.route)
        if route is None:
            raise UsageError(f"ittdesk placement-rules: '{args.route}' is not a training route "
                             f"(one of: {', '.join(TRAINING_ROUTES.keys)})")
        changes = {key: value for key, value in (
            ("min_days", args.min_days), ("min_days_four_year", args.min_days_four_year),
            ("min_schools", args.min_schools), ("itap_days", args.itap_days),
            ("placements_required_by_register", args.register_placements),
            ("needs_contrasting", args.contrasting),
            ("employing_school_counts", args.employing_school_counts)) if value is not None}
        if not changes:
            raise UsageError("ittdesk placement-rules: --set needs at least one value to change")
        rule = next(r for r in rules if r.route == route)
        placement_rules.update(rule.id, changes)
        rules = placement_rules.for_year(year)
    print(f"Placement rules for {year}:")
    for r in rules:
        days = f"{r.min_days} days" + (f" ({r.min_days_four_year} for 4 years)"
                                       if r.min_days_four_year is not None else "")
        parts = [days, f"{r.min_schools} schools"]
        if r.needs_contrasting:
            parts.append("contrasting")
        if r.itap_days:
            parts.append(f"ITaP {r.itap_days} days")
        if r.employing_school_counts:
            parts.append("employing school counts")
        parts.append(f"Register {r.placements_required_by_register} placements")
        print(f"  {TRAINING_ROUTES.label(r.route)}: {', '.join(parts)}")
    return 0


def cmd_term_list(args: argparse.Namespace) -> int:
    from peewee import fn

    from .. import fields
    from ..models import TermDates

    open_db(args)
    query = TermDates.select().order_by(TermDates.academic_year,
                                        fn.COALESCE(TermDates.la_code, ""), TermDates.start_date)
    if getattr(args, "year", None) is not None:
        query = query.where(TermDates.academic_year == args.year)
    rows = list(query)
    if not rows:
        print("No term dates entered: every weekday but bank holidays counts as a school day.")
    for t in rows:
        print(f"{t.academic_year} {('LA ' + t.la_code) if t.la_code else 'every LA'}: {t.term} "
              f"{fields.format_date(t.start_date)} to {fields.format_date(t.end_date)}")
    return 0


def cmd_term_add(args: argparse.Namespace) -> int:
    from ..services.placement_rules import term_dates

    open_db(args)
    row = term_dates.create({"academic_year": args.year, "term": args.term,
                             "start_date": args.start, "end_date": args.end,
                             "la_code": args.la})
    print(f"Added {term_dates.describe(row)} (#{row.id})")
    return 0


def cmd_term_import(args: argparse.Namespace) -> int:
    from ..services.placement_rules import import_term_dates

    if not args.file.is_file():
        raise NotFoundError(f"There is no file {args.file}")
    open_db(args)
    try:
        rows = import_term_dates(args.file)
    except ValidationError as exc:
        for where, message in exc.errors.items():  # one line per problem; nothing written
            print(f"ittdesk: {args.file.name} {where}: {message}" if where
                  else f"ittdesk: {message}", file=sys.stderr)
        return 1
    print(f"Imported {len(rows)} term{'s' if len(rows) != 1 else ''} from {args.file.name}")
    return 0
