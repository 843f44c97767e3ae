"""Personal-data subcommands: person export / erase, retention review / apply / set, audit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import fields
from ..errors import RefusedError
from . import UsageError, db_option, open_db
from .arguments import day
from .desktop import pdf_renderer

if TYPE_CHECKING:
    from datetime import date

    from ..location import Location
    from ..privacy.retention import RetentionItem


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    person = sub.add_parser("person", help="subject access export and erasure of one person")
    person_sub = person.add_subparsers(dest="person_command", metavar="ACTION",
                                       parser_class=type(person))
    p = person_sub.add_parser("export", help="everything held about a person, in one workbook")
    db_option(p)
    p.add_argument("person", metavar="PERSON_ID_OR_EMAIL")
    p.add_argument("out", type=Path, metavar="OUT.xlsx")
    p.add_argument("--pdf", nargs="?", const=True, default=None, metavar="OUT.pdf",
                   help="also write a readable PDF (default: beside the workbook)")
    p.set_defaults(run=cmd_person_export)

    p = person_sub.add_parser("erase", help="erase a person's personal data (lists first)")
    db_option(p)
    p.add_argument("person", metavar="PERSON_ID_OR_EMAIL")
    p.add_argument("--yes", action="store_true", help="really erase (otherwise only list)")
    p.add_argument("--purge-backups", action="store_true",
                   help="also delete the automatic backups that still hold the person")
    p.set_defaults(run=cmd_person_erase)
    person.set_defaults(run=_needs_action(person))

    retention = sub.add_parser("retention", help="the retention schedule and who is past it")
    ret_sub = retention.add_subparsers(dest="retention_command", metavar="ACTION",
                                       parser_class=type(retention))
    p = ret_sub.add_parser("review", help="list who is past their retention period, and why")
    db_option(p)
    p.add_argument("--date", type=day, metavar="DATE", help="review as on this day (default: today)")
    p.set_defaults(run=cmd_retention_review)

    p = ret_sub.add_parser("apply", help="anonymise everyone past their retention period")
    db_option(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")
    p.add_argument("--person", action="append", metavar="ID", default=None,
                   help="only this person (repeatable); must be due")
    p.set_defaults(run=cmd_retention_apply)

    p = ret_sub.add_parser("set", help="change a retention period (whole years)")
    db_option(p)
    p.add_argument("rule", metavar="RULE", help="trainee, applicant, school, agreement or contact")
    p.add_argument("years", metavar="YEARS")
    p.set_defaults(run=cmd_retention_set)
    retention.set_defaults(run=_needs_action(retention))

    p = sub.add_parser("audit", help="who changed what, when (newest first)")
    db_option(p)
    p.add_argument("--since", type=day, metavar="DATE", help="from this day (e.g. 01/09/2025)")
    p.add_argument("--until", type=day, metavar="DATE", help="up to and including this day")
    p.add_argument("--record", metavar="KIND:ID", help="one record, e.g. school:12 or person:3")
    p.add_argument("--user", metavar="USER", help="only changes by this user")
    p.add_argument("--limit", type=int, metavar="N", help="at most N entries")
    p.set_defaults(run=cmd_audit)


def _needs_action(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise UsageError(f"{parser.prog}: choose an action (see {parser.prog} --help)")
    return run


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return fields.day(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _open(args: argparse.Namespace, *, daily_backup: bool = True) -> Location:
    return open_db(args, daily_backup=daily_backup)


def _person_id(key: str) -> int:
    """A record number as given (a deleted person still has one), or the id for an email."""
    from ..services.people import people

    text = str(key).strip()
    return int(text) if text.isdigit() else people.find(text).id


# -- person ---------------------------------------------------------------------------------


def cmd_person_export(args: argparse.Namespace) -> int:
    from ..privacy import sar

    if args.out.suffix.lower() != ".xlsx":
        raise UsageError(f"ittdesk person export: {args.out.name}: the export is a workbook, name it .xlsx")
    pdf = None
    if args.pdf is True:
        pdf = args.out.with_suffix(".pdf")
    elif args.pdf:
        pdf = Path(args.pdf)
        if pdf.suffix.lower() != ".pdf":
            raise UsageError(f"ittdesk person export: {pdf.name}: name the PDF .pdf")
    html_to_pdf = pdf_renderer(args) if pdf is not None else None  # Qt only for this option
    _open(args)
    person_id = _person_id(args.person)
    data, path = sar.export(person_id, args.out)
    rows = sum(len(s.rows) for s in data.sheets)
    print(f"Subject access export of {data.person_name} (#{person_id}): {len(data.sheets)} sheets, "
          f"{rows} rows -> {path}")
    if pdf is not None and html_to_pdf is not None:
        try:
            pages = html_to_pdf(sar.to_html(data), pdf, footer_left=f"Subject access export — {data.person_name}",
                                footer_right="Confidential", title="Subject access export")
        except OSError as exc:
            raise RefusedError(f"PDF not written: {exc}") from exc
        print(f"Readable copy: {pdf} ({pages} page{'s' if pages != 1 else ''})")
    return 0


def cmd_person_erase(args: argparse.Namespace) -> int:
    from ..privacy import erasure

    _open(args, daily_backup=False)  # a fresh backup now would hold what is about to go
    person_id = _person_id(args.person)
    plan = erasure.plan(person_id)
    if plan.already_erased:
        if args.purge_backups and plan.backups:
            return _purge(plan.backups)
        print(f"{plan.name} has already been erased.")
        if plan.backups:
            print(erasure.backups_note(plan.backups))
            for path in plan.backups:
                print(f"  {path}")
            print("Run again with --purge-backups to delete them.")
        return 0
    if not args.yes:
        print(plan.text(with_paths=True))
        print("\nNothing was changed. Run again with --yes to erase"
              + (" (add --purge-backups to delete those backups too)." if plan.backups else "."))
        return 0
    result = erasure.erase(person_id)
    print(f"Erased the personal data of person #{person_id}: {result.records_changed} record(s) "
          f"anonymised; {result.audit_text()}.")
    if result.note:
        print(f"Note: {result.note}")
    if result.mentions:  # left as they were: the user decides about each
        print(erasure.MENTIONS_HEADING)
        for mention in result.mentions:
            print(f"  - {mention.line()}")
    if result.backups:
        if args.purge_backups:
            return _purge(result.backups)
        print(erasure.backups_note(result.backups))
        for path in result.backups:
            print(f"  {path}")
        print(f"Delete them with: ittdesk person erase {person_id} --purge-backups")
    return 0


def _purge(paths: list[Path]) -> int:
    from ..privacy import erasure

    removed = erasure.purge_backups(paths)
    print(f"Deleted {len(removed)} automatic backup(s) that still held the person.")
    return 0


# -- retention ------------------------------------------------------------------------------


def _print_schedule() -> None:
    from ..privacy import retention

    print("Retention schedule (change with: ittdesk retention set RULE YEARS):")
    for rule, years in retention.schedule():
        print(f"  {rule.key:<10} {years:>3} year{'s' if years != 1 else ' '} {rule.after}  ({rule.label})")


def _print_due(items: Iterable[RetentionItem]) -> None:
    for item in items:
        print(f"#{item.person_id} {item.name} — {item.category}; past its period since "
              f"{fields.format_date(item.keep_until)}")
        print(f"    why: {item.reason}")
        for hold in item.holds:
            if hold.text() != item.reason:
                print(f"    also: {hold.text()}")


def cmd_retention_review(args: argparse.Namespace) -> int:
    from ..privacy import retention

    today = _day(args.date, "--date")
    _open(args)
    _print_schedule()
    items = retention.review(today)
    print()
    if not items:
        print("Nobody is past their retention period.")
        return 0
    print(f"{len(items)} {'person is' if len(items) == 1 else 'people are'} past their retention period:")
    _print_due(items)
    print("\nAnonymise them with: ittdesk retention apply")
    return 0


def cmd_retention_apply(args: argparse.Namespace) -> int:
    from ..privacy import retention

    _open(args, daily_backup=False)  # a fresh backup now would hold what is about to go
    ids = None
    if args.person:
        try:
            ids = [int(x) for x in args.person]
        except ValueError:
            raise UsageError("ittdesk retention apply: --person takes a person's record number") from None
    items = retention.review()
    if ids is not None:
        due = {i.person_id for i in items}
        missing = [i for i in ids if i not in due]
        if missing:
            raise RefusedError("Not past their retention period: "
                               + ", ".join(f"#{i}" for i in missing) + "; nothing was changed")
        items = [i for i in items if i.person_id in ids]
    if not items:
        print("Nobody is past their retention period; nothing to do.")
        return 0
    _print_due(items)
    if not args.yes:
        if not sys.stdin.isatty():
            raise RefusedError(f"{len(items)} to anonymise: confirm with --yes; nothing was changed")
        answer = input(f"Anonymise these {len(items)}? This cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return 1
    done = retention.apply([i.person_id for i in items])
    print(f"Anonymised {len(done)} {'person' if len(done) == 1 else 'people'}.")
    from ..privacy import erasure

    backups = erasure.backups_holding(done[0]) if done else []
    if backups:
        print(erasure.backups_note(backups))
    return 0


def cmd_retention_set(args: argparse.Namespace) -> int:
    from ..privacy import retention

    _open(args)
    years = retention.set_period(args.rule, args.years)
    rule = retention.RULES_BY_KEY[args.rule]
    print(f"{rule.label}: kept {years} year{'s' if years != 1 else ''} {rule.after}.")
    return 0


# -- audit ----------------------------------------------------------------------------------


def cmd_audit(args: argparse.Namespace) -> int:
    from ..privacy import audit_query

    since = _day(args.since, "--since")
    until = _day(args.until, "--until")
    if since and until and until < since:
        raise UsageError("ittdesk audit: --until is before --since")
    if args.limit is not None and args.limit < 1:
        raise UsageError("ittdesk audit: --limit must be 1 or more")
    _open(args)
    record = audit_query.parse_record(args.record) if args.record else None
    query = audit_query.entries(since=since, until=until, record=record, user=args.user,
                                limit=args.limit)
    count = 0
    for entry in audit_query.described(query):  # `| head` closing the pipe: see cli.main
        print(entry.line())
        count += 1
    if not count:
        print("No audit entries match.", file=sys.stderr)
    return 0
