"""``ittdesk leadership ...``: the yearly confirmation round and leadership changes.

    ittdesk leadership forms --year 2026/27 OUTDIR [--schools partner,placement] [--email-drafts]
    ittdesk leadership chase --year 2026/27 OUTDIR
    ittdesk leadership collect FILE_OR_DIR... [--year 2026/27] [--apply]
    ittdesk leadership mark-sent --year 2026/27 [URN...]
    ittdesk leadership status [--year 2026/27] [--export FILE]
    ittdesk leadership history URN
    ittdesk leadership gaps
    ittdesk leadership change URN ROLE PERSON --on DATE
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import fields
from ..choices import ROLE_KINDS
from ..errors import IttDeskError, RefusedError, ValidationError
from . import UsageError, db_option, open_db
from .arguments import academic_year, day
from .desktop import pdf_renderer

if TYPE_CHECKING:
    from ..location import Location
    from ..models import ConfirmationRound


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lead = sub.add_parser("leadership", help="leadership changes and the yearly confirmation round")
    db_option(lead)
    lsub = lead.add_subparsers(dest="leadership_command", metavar="ACTION",
                               parser_class=type(lead))
    lead.set_defaults(run=_usage(lead))

    p = lsub.add_parser("forms", help="start the year's round (if needed) and write one form per school")
    db_option(p)
    p.add_argument("--year", type=academic_year, required=True, help="academic year, e.g. 2026/27")
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    p.add_argument("--schools", default=None, metavar="STATUSES",
                   help="partnership statuses to include (default: partner,placement,lead)")
    p.add_argument("--return-by", type=day, default=None, metavar="DATE",
                   help="date printed on the forms (only when starting the round)")
    p.add_argument("--pdf", action="store_true",
                   help="also write each form as a printable PDF, for schools that prefer paper")
    p.add_argument("--email-drafts", action="store_true",
                   help="also write an e-mail draft (.eml, the form attached) per school, to "
                        "open in Outlook, Thunderbird or Apple Mail and send; the schools are "
                        "then marked sent")
    p.set_defaults(run=cmd_forms)

    p = lsub.add_parser("chase", help="write a reminder e-mail draft (.eml, the form attached "
                                      "again) for every school whose form is out and not back")
    db_option(p)
    p.add_argument("--year", type=academic_year, required=True, help="academic year, e.g. 2026/27")
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    p.set_defaults(run=cmd_chase)

    p = lsub.add_parser("collect", help="read returned forms; print the differences "
                                        "(change nothing unless --apply)")
    db_option(p)
    p.add_argument("paths", type=Path, nargs="+", metavar="FILE_OR_DIR")
    p.add_argument("--year", type=academic_year, default=None,
                   help="the round (default: the latest round)")
    p.add_argument("--apply", action="store_true",
                   help="apply every difference found and mark the schools confirmed")
    p.add_argument("--take-refused", action="store_true",
                   help="with --apply, also take the answers of forms refused because "
                        "pre-filled cells were edited (check the named cells first)")
    p.set_defaults(run=cmd_collect)

    p = lsub.add_parser("mark-sent", help="record that the written forms went out (default: "
                                          "every written form not yet marked sent)")
    db_option(p)
    p.add_argument("--year", type=academic_year, required=True, help="academic year, e.g. 2026/27")
    p.add_argument("urns", nargs="*", metavar="URN", help="only these schools")
    p.add_argument("--on", type=day, default=None, metavar="DATE",
                   help="the day they were sent (default: today)")
    p.set_defaults(run=cmd_mark_sent)

    p = lsub.add_parser("status", help="confirmed, not confirmed, outstanding; who to chase")
    db_option(p)
    p.add_argument("--year", type=academic_year, default=None,
                   help="the round (default: the latest round)")
    p.add_argument("--export", type=Path, default=None, metavar="FILE",
                   help="write the outstanding list to FILE (.xlsx or .csv)")
    p.set_defaults(run=cmd_status)

    p = lsub.add_parser("history", help="who held which post at a school, and when")
    db_option(p)
    p.add_argument("urn", metavar="URN")
    p.set_defaults(run=cmd_history)

    p = lsub.add_parser("gaps", help="partner schools with no current headteacher or ITT champion")
    db_option(p)
    p.set_defaults(run=cmd_gaps)

    p = lsub.add_parser("change", help="a new holder of a post from a date (the old one ends "
                                       "the day before)")
    db_option(p)
    p.add_argument("urn", metavar="URN")
    p.add_argument("role", metavar="ROLE", help="e.g. headteacher, 'ITT champion'")
    p.add_argument("person", metavar="PERSON", help="the new holder's id or email")
    p.add_argument("--on", type=day, required=True, metavar="DATE", help="first day in post")
    p.add_argument("--job-title", default=None)
    p.set_defaults(run=cmd_change)


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        parser.print_usage(sys.stderr)
        return 2
    return run


def _open(args: argparse.Namespace) -> Location:
    return open_db(args)


def _round(year: str | None) -> ConfirmationRound:
    from ..leadership import rounds

    if year is not None:
        return rounds.get_round(year)
    latest = rounds.latest_round()
    if latest is None:
        raise RefusedError("No confirmation round has been started: "
                           "ittdesk leadership forms --year YYYY/YY OUTDIR")
    return latest


def cmd_forms(args: argparse.Namespace) -> int:
    """Everything checked first; the round, the forms and their "sent" dates are then written
    as one step (``leadership.sending``), so a refusal or Ctrl-C leaves nothing behind."""
    from ..leadership import rounds, sending

    _open(args)
    statuses = rounds.parse_statuses(args.schools)
    try:
        return_by = fields.day(args.return_by)
    except ValueError as exc:
        raise UsageError(f"ittdesk leadership forms: --return-by {exc}") from None
    render = None
    if args.pdf:
        render = pdf_renderer(args)  # Qt renders the PDF (headless), never the core
    result = sending.start_and_write(args.year, args.outdir, statuses=statuses,
                                     add=args.schools is not None, return_by=return_by,
                                     paper=render, email_drafts=args.email_drafts)
    round_ = result.round
    if round_ is None:  # start_and_write names the round it wrote the forms of
        raise RefusedError(f"No confirmation round for {args.year}; nothing was written")
    if result.started:
        print(f"Started the {round_.academic_year} confirmation round.")
    elif return_by is not None and return_by != round_.return_by:
        print(f"The {round_.academic_year} round was started before: --return-by is used only "
              "when starting a round, so the forms keep "
              + (f"{fields.format_date(round_.return_by)}." if round_.return_by
                 else "no return date."))
    if result.added:
        print(f"Added {result.added} school(s) to the {round_.academic_year} round.")
    print(f"Wrote {len(result.written)} form(s) to {args.outdir}")
    if args.pdf:
        print(f"Wrote {len(result.paper)} paper form(s) (PDF) to {args.outdir}")
    if args.email_drafts:
        print(f"Wrote {len(result.drafts)} e-mail draft(s) (.eml) to {args.outdir}; "
              "the schools are marked sent")
        _no_address(result.no_address)
    print(rounds.status(round_).summary())
    return 0


def _no_address(schools: list[str]) -> None:
    for name in schools:
        print(f"ittdesk: warning: {name} has no current headteacher or ITT champion with an "
              "e-mail address and no office address: its draft has no recipient", file=sys.stderr)


def cmd_chase(args: argparse.Namespace) -> int:
    """Reminders for the forms that are out and not back, all or nothing, logged per school."""
    from ..leadership import rounds
    from ..outreach import drafts

    _open(args)
    round_ = rounds.get_round(args.year)
    result = drafts.write_chasers(round_, args.outdir)
    print(f"Wrote {len(result.written)} reminder draft(s) (.eml) to {args.outdir}")
    _no_address(result.no_address)
    print(rounds.status(round_).summary())
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    """The same review as the app's Collect dialog: each school's differences, each refusal in
    plain words (edited cells named), and a held form's answers, taken only when asked."""
    from ..leadership import collect

    _open(args)
    if args.take_refused and not args.apply:
        raise UsageError("ittdesk leadership collect: --take-refused needs --apply")
    round_ = _round(args.year)
    found = collect.collect(args.paths, round_)
    blank = [r for r in found.refused if r.blank]
    refused = [r for r in found.refused if not r.blank]
    failed = held = 0
    for ret in found.returns:
        print(f"{ret.urn} {ret.name}  ({ret.path.name})")
        if ret.held:
            print(f"ittdesk: refused {ret.path.name}: {ret.held_reason}", file=sys.stderr)
            print("    REFUSED: pre-filled cells were edited; its answers are shown below"
                  + ("" if args.take_refused else " (--apply --take-refused takes them)"))
        for warning in ret.warnings:
            print(f"ittdesk: warning: {ret.path.name}: {warning}", file=sys.stderr)
            print(f"  ! {warning}")
        if ret.completed_by:
            print(f"    completed by {ret.completed_by}"
                  + (f" on {fields.format_date(ret.completed_on)}" if ret.completed_on else ""))
        if ret.already_confirmed_on:
            print(f"    already confirmed for this round on "
                  f"{fields.format_date(ret.already_confirmed_on)}")
        if ret.confirmed:
            print(f"    confirmed as held: {', '.join(ret.confirmed)}")
        for change in ret.changes:
            mark = "+" if change.applicable else "?"
            print(f"  {mark} {change.title}: {change.detail}")
        for problem in ret.problems:
            print(f"  ! {problem}")
        if not ret.changes:
            print("    no changes")
        if ret.held and not args.take_refused:
            held += 1
            continue
        if args.apply:
            try:
                applied = collect.apply(ret, take_edited=args.take_refused)
            except IttDeskError as exc:
                failed += 1
                print(f"ittdesk: {exc}", file=sys.stderr)
            else:
                print(f"    applied {len(applied.done)} change(s); confirmed for "
                      f"{round_.academic_year}"
                      + (" (taken although refused: audited)" if ret.held else ""))
    for refusal in refused:
        print(f"ittdesk: refused {refusal.path.name}: {refusal.reason}", file=sys.stderr)
    if blank:
        print(f"{len(blank)} form(s) not filled in yet were skipped.")
    readable = len(found.returns) - held
    if not args.apply and found.returns:
        print(f"{len(found.returns)} form(s) read; nothing changed (add --apply to apply).")
    if failed or ((refused or held) and not readable):
        return 1
    if not found.returns and not blank:
        return 1
    return 0


def cmd_mark_sent(args: argparse.Namespace) -> int:
    """Writing a form is not sending it: the user says when the forms went out."""
    from ..leadership import rounds

    _open(args)
    round_ = rounds.get_round(args.year)
    on = args.on  # a date already (arguments.day), or None for today
    result = rounds.mark_sent(round_, args.urns or None, on=on)
    print(f"Marked {len(result.marked)} form(s) as sent for {round_.academic_year}"
          + (f" on {fields.format_date(on)}" if on else "") + ".")
    if result.already:
        print(f"{len(result.already)} already marked sent (date kept): "
              + ", ".join(result.already))
    print(rounds.status(round_).summary())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from ..leadership import rounds

    _open(args)
    report = rounds.status(_round(args.year))
    print(report.summary())
    print(report.appetite_summary())
    if report.outstanding:
        print("Outstanding:")
        for urn, name, sent, contact, post, email, phone in rounds.outstanding_rows(report):
            who = ", ".join(p for p in (contact + (f" ({post})" if post else ""), email, phone) if p)
            print(f"  {urn} {name} - sent {sent}; chase {who}")
    if args.export is not None:
        target = rounds.export_outstanding(report, args.export)
        print(f"Outstanding list written to {target}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from ..leadership.history import timeline
    from ..services.schools import schools

    _open(args)
    school = schools.by_urn(args.urn)
    print(f"{school.name} (URN {school.urn})")
    entries = timeline(school)
    if not entries:
        print("  no leadership on record")
    for e in entries:
        if e.future:  # appointed for later: not the holder now (ittdesk.holders)
            span = f"from {fields.format_date(e.start)}"
        else:
            span = f"{fields.format_date(e.start) or '?'} - {fields.format_date(e.end) or 'now'}"
            span += " (now)" if e.current and e.end else ""
        print(f"  {e.post:<38} {e.person:<28} {span}")
    return 0


def cmd_gaps(args: argparse.Namespace) -> int:
    from ..leadership.history import schools_without_head_or_champion

    _open(args)
    gaps = schools_without_head_or_champion()
    for gap in gaps:
        print(f"{gap.urn} {gap.name}: missing {gap.missing_text}")
    print(f"{len(gaps)} school(s) missing a headteacher or ITT champion")
    return 0


def cmd_change(args: argparse.Namespace) -> int:
    from ..services.people import people, roles
    from ..services.schools import schools

    _open(args)
    school = schools.by_urn(args.urn)
    kind = ROLE_KINDS.parse(args.role)
    if kind is None:
        raise ValidationError({"role": f"'{args.role}' is not a role (one of: "
                                       f"{', '.join(ROLE_KINDS.items.values())})"})
    person = people.find(args.person)
    try:
        on = fields.day(args.on)
    except ValueError as exc:
        raise ValidationError({"on": f"--on {exc}"}) from None
    if on is None:
        raise ValidationError({"on": "--on needs a date, e.g. 01/09/2025"})
    role = roles.change_holder(school.id, kind, person.id, on, job_title=args.job_title)
    print(f"{person.full_name} is {ROLE_KINDS.label(kind).lower()} of {school.name} from "
          f"{fields.format_date(role.start_date)}")
    return 0
