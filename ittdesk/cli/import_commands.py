"""``ittdesk import KIND FILE``: bring schools, people, enrolments or placements in from a
spreadsheet; ``ittdesk import list``: past imports.

Prints what the preview shows in the app: added, updated (with old -> new), refused (row,
column, reason). Any refused row means exit 1 and nothing written, unless ``--skip-invalid``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RefusedError
from . import UsageError, db_option, open_db
from .arguments import whole_number

if TYPE_CHECKING:
    from ..spreadsheets.import_base import Plan

KINDS = ("schools", "people", "enrolments", "placements", "attendance")
HELP = {
    "schools": "schools, matched by URN (any list, or the DfE GIAS extract as published)",
    "people": "people and mentors with their role at a school, matched by email or name + school",
    "enrolments": "trainees in cohorts, matched by trainee ID or email (e.g. the DfE Register layout)",
    "placements": "placements of enrolled trainees at schools, with their mentors",
    "attendance": "who came to an event, from a sign-in sheet (name, email, school)",
}
SHOWN = 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="import schools, people, enrolments or placements from a spreadsheet",
                       description="Import from .xlsx, .xlsm, .xls, .xlsb, .ods or .csv. "
                                   "Nothing is written if any row is refused, unless --skip-invalid.")
    db_option(p)
    inner = p.add_subparsers(dest="import_kind", metavar="KIND", parser_class=type(p))
    for kind in KINDS:
        k = inner.add_parser(kind, help=HELP[kind], description=f"Import {HELP[kind]}.")
        db_option(k)
        k.add_argument("file", type=Path, metavar="FILE")
        k.add_argument("--sheet", metavar="NAME", help="the sheet to read (default: the one with a header)")
        k.add_argument("--mapping", type=Path, metavar="FILE.json",
                       help='JSON {"Heading in the file": "field", ...} to correct the mapping')
        k.add_argument("--accept-mapping", action="store_true",
                       help="import even though some columns were matched by a guess (marked check)")
        k.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        k.add_argument("--skip-invalid", action="store_true",
                       help="import the valid rows and list the refused ones")
        k.add_argument("--details", action="store_true", help="list every change, not the first 20")
        if kind == "people":
            k.add_argument("--match-possible", action="store_true",
                           help="take each possible duplicate (a stored person of the same name, "
                                "nothing else to tell them apart) as that person, not a new one")
        if kind == "enrolments":
            k.add_argument("--cohort", type=int, metavar="ID", help="put every row in this cohort")
            k.add_argument("--create-cohorts", action="store_true",
                           help="create the programmes and cohorts the rows need (a route and "
                                "year with no cohort yet); the preview lists them")
        if kind == "attendance":
            k.add_argument("--event", type=whole_number(1), metavar="ID", required=True,
                           help="the event the sheet is for (ittdesk events list)")
        k.set_defaults(run=cmd_import, kind=kind)
    every = inner.add_parser("all", help="a full export ('ittdesk export all') into an empty database",
                             description="Read every record of a full export into this database, "
                                         "which must be empty. All or nothing.")
    db_option(every)
    every.add_argument("file", type=Path, metavar="FILE.xlsx")
    every.set_defaults(run=cmd_import_all)
    ls = inner.add_parser("list", help="list past imports")
    db_option(ls)
    ls.add_argument("--limit", type=whole_number(1), default=50, help="at most N imports (default 50)")
    ls.set_defaults(run=cmd_list)
    p.set_defaults(run=_usage(p))


def cmd_import_all(args: argparse.Namespace) -> int:
    """The same as ``ittdesk read-export``: the full export round-trips through ``import``."""
    from .export_commands import cmd_read_export

    return cmd_read_export(args)


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise UsageError(f"{parser.prog}: choose what to import: {', '.join(KINDS)}, all (or 'list')")
    return run


def _show(value: object) -> str:
    from ..fields import format_date

    if value is None or value == "":
        return "(blank)"
    if isinstance(value, date):  # a datetime is a date too
        return format_date(value)
    return repr(value) if isinstance(value, str) else str(value)


def cmd_import(args: argparse.Namespace) -> int:
    from ..spreadsheets import importing

    open_db(args, create=True)
    source = importing.load_source(args.file, args.kind, args.sheet)
    try:
        mapping = None
        if args.mapping is not None:
            try:
                data = json.loads(args.mapping.read_text(encoding="utf-8-sig"))
            except OSError as exc:
                raise RefusedError(f"Cannot read the mapping {args.mapping}: {exc.strerror or exc}") from exc
            except ValueError as exc:
                raise RefusedError(f"The mapping {args.mapping} is not valid JSON: {exc}") from exc
            mapping = importing.mapping_from_json(source, data)
        options = {"cohort": args.cohort} if getattr(args, "cohort", None) else {}
        if getattr(args, "create_cohorts", False):
            options["create_cohorts"] = True
        if getattr(args, "match_possible", False):
            options["match_possible"] = True
        if getattr(args, "event", None):
            options["event"] = args.event

        def progress(done: int, total: int | None = None, message: str = "") -> None:
            if sys.stderr.isatty() and message:
                print(f"\r{message}   ", end="", file=sys.stderr, flush=True)

        plan = importing.plan_import(source, mapping, options=options, progress=progress)
        importer = importing.kind_for(args.kind)
        labels = {f.name: f.label for f in importer.fields}
        how = ("the mapping saved for these headings" if source.mapping_from == "saved" and mapping is None
               else "columns matched by heading" if mapping is None else "your mapping")
        print(f"{args.file.name}: sheet '{source.sheet.name}', headings on row "
              f"{source.header.row_number}, {how}:")
        unsure = source.unsure(plan.mapping) if mapping is None else {}
        for col, name in sorted(plan.mapping.items()):
            mark = "   (check: the heading does not plainly name it)" if col in unsure else ""
            print(f"  {source.headings[col]!r} -> {labels[name]}{mark}")
        for note in plan.notes:
            print(f"  note: {note}")
        _print_plan(plan, args.details)
        if unsure and not args.accept_mapping and not args.dry_run:
            shown = ", ".join(f"'{source.headings[c]}' -> {labels[n]}" for c, n in unsure.items())
            print(f"ittdesk: {len(unsure)} column(s) matched by a guess, nothing was imported: "
                  f"{shown}. Check them, then run again with --accept-mapping, or correct them "
                  "with --mapping FILE.json", file=sys.stderr)
            return 1
        if plan.refused and not args.skip_invalid:
            print(f"ittdesk: {plan.refused_rows} row(s) refused; nothing was imported "
                  "(correct the file, or use --skip-invalid to import the other rows)", file=sys.stderr)
            return 1
        if args.dry_run:
            print("Dry run: nothing was written.")
            return 0
        result = importing.apply_plan(plan, skip_invalid=args.skip_invalid, progress=progress)
        if sys.stderr.isatty():
            print("\r", end="", file=sys.stderr)
        print(f"Imported: {result.summary()} (import #{result.run_id}).")
        return 0
    finally:
        source.book.close()


def _print_plan(plan: Plan, details: bool) -> None:
    limit = None if details else SHOWN
    print(f"{len(plan.adds)} to add, {len(plan.updates)} to update, {len(plan.unchanged)} unchanged, "
          f"{plan.refused_rows} refused")
    for title, items in (("To add", plan.adds), ("To update", plan.updates)):
        if not items:
            continue
        print(f"{title}:")
        for item in items[:limit]:
            line = f"  row {item.row}: {item.key} {item.description}"
            where = [str(item.changes[k][1]) for k in ("Cohort", "Role") if k in item.changes]
            if item.action == "add" and where:  # which cohort, or "Mentor at ...", it goes into
                line += f" ({'; '.join(where)})"
            if item.action == "update":
                line += ": " + "; ".join(f"{label} {_show(old)} -> {_show(new)}"
                                         for label, (old, new) in item.changes.items())
            print(line)
        if limit is not None and len(items) > limit:
            print(f"  … and {len(items) - limit} more (--details lists them all)")
    if plan.refused:
        print("Refused:")
        for refusal in plan.refused:
            print(f"  {refusal}")


def cmd_list(args: argparse.Namespace) -> int:
    from ..spreadsheets.importing import past_imports

    open_db(args)
    runs = past_imports(args.limit)
    if not runs:
        print("No imports yet.")
        return 0
    for run in runs:
        print(f"#{run.id}  {run.at:%d/%m/%Y %H:%M}  {run.user}  {run.kind}: {run.added} added, "
              f"{run.updated} updated, {run.refused} refused  {run.file_name}")
    return 0
