"""``ittdesk mentor-funding ...``: the year's figures, statements, DfE's sample, the summary.

Issue 18: schools claim DfE's general mentor training grant for the hours their mentors trained
with the provider; these commands turn the training ledger into what each school can claim and
answer DfE's assurance sample from the same records (``ittdesk.mentor_funding``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from . import UsageError, db_option, open_db
from .arguments import academic_year, day
from .desktop import pdf_renderer

ACTIONS = "rates, statements, answer, sent or summary"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("mentor-funding", help="mentor training funding: what schools can "
                                                   "claim, DfE's sample answered")
    db_option(parser)
    commands = parser.add_subparsers(dest="funding_command", metavar="ACTION",
                                     parser_class=type(parser))
    parser.set_defaults(run=_needs_action(parser))

    p = commands.add_parser("rates", help="the caps and hourly rates per year (DfE's defaults, "
                                          "or set your own with --set)")
    db_option(p)
    p.add_argument("--year", type=academic_year, help="one academic year, e.g. 2025/26")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="set a figure for --year: initial=16, refresher=6 (hours), "
                        "inner_london=53.60, outer_london, fringe, rest_of_england (£ per hour)")
    p.add_argument("--source", metavar="TEXT", help="where the figures set come from")
    p.set_defaults(run=cmd_rates)

    p = commands.add_parser("statements", help="one PDF and one xlsx per partner school with "
                                               "a mentor: what it can claim")
    db_option(p)
    p.add_argument("--year", type=academic_year, required=True, help="e.g. 2025/26")
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    p.set_defaults(run=cmd_statements)

    p = commands.add_parser("answer", help="answer DfE's sample CSV from the records")
    db_option(p)
    p.add_argument("sample", type=Path, metavar="SAMPLE.csv")
    p.add_argument("out", type=Path, metavar="OUT.csv")
    p.add_argument("--year", type=academic_year,
                   help="the claims' academic year (default: from claim_submission_date)")
    p.add_argument("--received", type=day, metavar="DATE",
                   help="when DfE's sample arrived (default today): it is due 21 days later")
    p.set_defaults(run=cmd_answer)

    p = commands.add_parser("sent", help="mark DfE's sample as answered and sent back")
    db_option(p)
    p.add_argument("--sample", type=int, metavar="ID", help="which open sample (if several)")
    p.set_defaults(run=cmd_sent)

    p = commands.add_parser("summary", help="per school: mentors, hours, claimable, amount")
    db_option(p)
    p.add_argument("--year", type=academic_year, required=True, help="e.g. 2025/26")
    p.set_defaults(run=cmd_summary)


def _needs_action(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise UsageError(f"{parser.prog}: choose an action: {ACTIONS}")

    return run


def cmd_rates(args: argparse.Namespace) -> int:
    from ..choices import FUNDING_REGIONS
    from ..mentor_funding import rates

    if args.set and args.year is None:
        raise UsageError("ittdesk mentor-funding rates: --set needs --year")
    open_db(args)
    if args.set:
        changes = rates.parse_settings(args.set)
        rates.set_figures(args.year, changes, args.source)
    shown = [rates.figures(args.year)] if args.year else rates.all_years()
    for f in shown:
        origin = "set by you" if f.set_by_provider else "DfE's published figures"
        print(f"{f.year}: initial up to {f.initial_hours} h, refresher up to "
              f"{f.refresher_hours} h ({origin})")
        for key, label in FUNDING_REGIONS:
            print(f"  {label}: {rates.money_text(f.rates[key])} per hour")
        print(f"  source: {f.source}")
    return 0


def cmd_statements(args: argparse.Namespace) -> int:
    from ..mentor_funding.statements import write_statements

    open_db(args)
    render = pdf_renderer(args)
    written = write_statements(args.year, args.outdir, render)
    for s in written.statements:
        from ..mentor_funding.rates import money_text

        missing = f"; missing: {'; '.join(s.missing)}" if s.missing else ""
        print(f"{s.name} (URN {s.urn}): {len(s.lines)} mentor(s), "
              f"{money_text(s.total) or 'amount not known (region)'}{missing}")
    print(f"Wrote {len(written.files)} files ({len(written.statements)} schools) in {args.outdir}")
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from ..fields import format_date
    from ..mentor_funding.sample import answer

    open_db(args)
    result = answer(args.sample, args.out, year=args.year, received_on=args.received)
    print(f"Wrote {args.out}: {len(result.accepted)} accepted, {len(result.rejected)} rejected, "
          f"{len(result.undecided)} left for you to decide"
          + (f", {result.already} already answered (left as they were)" if result.already else ""))
    for d in result.rejected:
        print(f"  line {d.line} {d.reference} {d.mentor}: no, {d.reason}")
    for d in result.undecided:
        print(f"  line {d.line} {d.reference} {d.mentor}: undecided, {d.why}")
    if result.answer_by:
        print(f"Send it back to DfE by {format_date(result.answer_by)} "
              "(then: ittdesk mentor-funding sent)")
    return 0


def cmd_sent(args: argparse.Namespace) -> int:
    from ..fields import format_date
    from ..mentor_funding.sample import mark_sent

    open_db(args)
    sample = mark_sent(args.sample)
    print(f"Sample {sample.id} ({sample.file_name}) marked sent on {format_date(sample.sent_on)}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from ..mentor_funding import ledger as ledgers
    from ..mentor_funding.ledger import hours_text
    from ..mentor_funding.rates import money_text

    open_db(args)
    ledger = ledgers.build(args.year)
    rows = [s for s in ledger.statements if s.lines]
    if not rows:
        print(f"No partner school has a mentor in {args.year}")
        return 0
    total = 0
    unknown = 0
    for s in rows:
        if s.total is None:
            unknown += 1
        total += s.total or 0
        print(f"{s.urn}  {s.name}  {s.region_label}: {len(s.lines)} mentor(s), "
              f"{hours_text(s.hours)} h done, {hours_text(s.claimable)} h claimable, "
              f"{money_text(s.total) or 'amount not known'}"
              + (f"  ({len(s.missing)} missing)" if s.missing else ""))
    print(f"Total for {args.year}: {money_text(total)} across {len(rows)} schools"
          + (f" ({unknown} with no region: not counted)" if unknown else ""))
    if unknown:
        print(f"ittdesk: warning: {unknown} school(s) have no funding region", file=sys.stderr)
    return 0
