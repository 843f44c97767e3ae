"""``ittdesk agreement ...``: list, print to PDF, change status, reopen, and reminders.

``status`` shows the same warnings as the editor's confirmation (``agreement_lifecycle.
warnings_for``: completing early or with money unspent, starting before the start date), one
line each on stderr, and refuses (exit 1, nothing changed) unless ``--yes`` says to go ahead:
every status change is one-way. ``reopen`` takes a completed or withdrawn agreement back, with
the reason kept in the audit trail."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..academic_year import AcademicYear
from ..choices import AGREEMENT_STATUSES
from ..errors import RefusedError
from . import UsageError, db_option, open_db
from .arguments import academic_year, whole_number
from .desktop import pdf_renderer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("agreement", help="school-to-school support agreements")
    db_option(parser)
    commands = parser.add_subparsers(dest="agreement_command", metavar="ACTION",
                                     parser_class=type(parser))
    parser.set_defaults(run=_needs_action(parser))

    p = commands.add_parser("list", help="one line per agreement: reference, status, title, parties")
    db_option(p)
    p.add_argument("--status", help="only this status (draft, agreed, active, completed, withdrawn)")
    p.add_argument("--year", type=academic_year, help="only this academic year, e.g. 2025/26")
    p.add_argument("--attention", action="store_true",
                   help="only agreements with reports due or overdue, or active past their end date")
    p.set_defaults(run=cmd_list)

    p = commands.add_parser("pdf", help="print an agreement to an A4 PDF (works headless)")
    db_option(p)
    p.add_argument("reference", metavar="REFERENCE", help="e.g. SSA-2025-014")
    p.add_argument("out", type=Path, metavar="OUT.pdf")
    p.set_defaults(run=cmd_pdf)

    p = commands.add_parser("status", help="move an agreement to a new status, if allowed")
    db_option(p)
    p.add_argument("reference", metavar="REFERENCE")
    p.add_argument("status", metavar="STATUS", help="agreed, active, completed or withdrawn")
    p.add_argument("--reason", help="why (kept in the audit trail; expected for a withdrawal)")
    p.add_argument("--yes", action="store_true",
                   help="go ahead although there are warnings (completing early, money unspent, "
                        "starting before the start date): the step cannot be undone by another")
    p.set_defaults(run=cmd_status)

    p = commands.add_parser("reopen", help="reopen a completed or withdrawn agreement, saying why")
    db_option(p)
    p.add_argument("reference", metavar="REFERENCE")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the audit trail)")
    p.add_argument("--to", metavar="STATUS",
                   help="the status to go back to: the one it closed from (default) or draft "
                        "(to change the terms and issue it again as the next version)")
    p.set_defaults(run=cmd_reopen)

    p = commands.add_parser("reminders", help="impact reports due soon or overdue; active past end date")
    db_option(p)
    p.add_argument("--days", type=whole_number(0), default=None,
                   help="look this many days ahead (default: setting reports_due_days)")
    p.set_defaults(run=cmd_reminders)


def _needs_action(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise UsageError(f"{parser.prog}: choose an action: list, pdf, status, reopen or reminders")

    return run


def cmd_list(args: argparse.Namespace) -> int:
    from ..services.agreement_reminders import agreement_flags
    from ..services.agreements import list_agreements, party_summary

    status = None
    if args.status:
        status = AGREEMENT_STATUSES.parse(args.status)
        if status is None:
            raise UsageError(f"ittdesk agreement list: '{args.status}' is not a status "
                             f"(use {', '.join(AGREEMENT_STATUSES.keys)})")
    year = None
    if args.year:
        try:
            year = AcademicYear.parse(args.year)
        except ValueError as exc:
            raise UsageError(f"ittdesk agreement list: {exc}") from None
    open_db(args)
    flags = agreement_flags()
    shown = 0
    for agreement in list_agreements(status=status, year=year):
        if args.attention and agreement.id not in flags:
            continue
        line = (f"{agreement.reference}  {AGREEMENT_STATUSES.label(agreement.status):<9}  "
                f"{agreement.title}  [{party_summary(agreement.id) or 'no parties yet'}]")
        if agreement.id in flags:
            line += "  ! " + "; ".join(flags[agreement.id])
        print(line)
        shown += 1
    if not shown:
        print("No support agreements" + (" match" if (status or year or args.attention) else ""))
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    from ..documents.agreement import build
    from ..services.agreements import agreements

    out: Path = args.out
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"ittdesk agreement pdf: {out} must end in .pdf")
    if not out.parent.exists():
        raise RefusedError(f"The folder {out.parent} does not exist; nothing was written")
    open_db(args)
    agreement = agreements.by_reference(args.reference)
    document = build(agreement.id)
    html_to_pdf = pdf_renderer(args)  # Qt only for this command, headless

    try:
        pages = html_to_pdf(document.html, out, **document.page_options())
    except OSError as exc:
        raise RefusedError(f"Cannot write {out}: {exc.strerror or exc}") from exc
    print(f"Wrote {out} ({pages} page{'s' if pages != 1 else ''}, {document.reference}, "
          f"{AGREEMENT_STATUSES.label(document.status).lower()})")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from ..services import agreement_lifecycle as lifecycle
    from ..services.agreements import agreements

    target = AGREEMENT_STATUSES.parse(args.status)
    if target is None:
        raise UsageError(f"ittdesk agreement status: '{args.status}' is not a status "
                         f"(use {', '.join(AGREEMENT_STATUSES.keys)})")
    open_db(args)
    agreement = agreements.by_reference(args.reference)
    before = agreement.status
    if target != before and not lifecycle.transition_problems(agreement, target):
        found = lifecycle.warnings_for(agreement, target)
        for text in found.values():
            print(f"ittdesk: warning: {text}", file=sys.stderr)
        if found and lifecycle.is_irreversible(target) and not args.yes:
            what = AGREEMENT_STATUSES.label(target).lower()
            raise RefusedError(f"{agreement.reference} was not {what}: "
                               f"{len(found)} warning{'s' if len(found) != 1 else ''} above. "
                               f"{lifecycle.what_happens(agreement, target)} "
                               "Add --yes to go ahead anyway")
    agreement = lifecycle.change_status(agreement.id, target, reason=args.reason)
    if before == agreement.status:
        print(f"{agreement.reference} is already {AGREEMENT_STATUSES.label(before).lower()}")
    else:
        print(f"{agreement.reference}: {AGREEMENT_STATUSES.label(before).lower()} -> "
              f"{AGREEMENT_STATUSES.label(agreement.status).lower()}")
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    from ..services.agreement_lifecycle import reopen
    from ..services.agreements import agreements

    if args.to is not None and AGREEMENT_STATUSES.parse(args.to) is None:
        raise UsageError(f"ittdesk agreement reopen: '{args.to}' is not a status "
                         f"(use {', '.join(AGREEMENT_STATUSES.keys)})")
    open_db(args)
    agreement = agreements.by_reference(args.reference)
    before = agreement.status
    agreement = reopen(agreement.id, args.reason, to=args.to)
    print(f"{agreement.reference}: reopened, {AGREEMENT_STATUSES.label(before).lower()} -> "
          f"{AGREEMENT_STATUSES.label(agreement.status).lower()}")
    return 0


def cmd_reminders(args: argparse.Namespace) -> int:
    from ..services.agreement_reminders import reminders

    if args.days is not None and args.days < 0:
        raise UsageError("ittdesk agreement reminders: --days must be 0 or more")
    open_db(args)
    found = reminders(days=args.days)
    for r in found.reports:
        print(f"{r.reference}  {r.message}  ({r.title})")
    for e in found.past_end:
        print(f"{e.reference}  {e.message}  ({e.title})")
    if not found.count:
        print("Nothing needs attention")
    return 0
