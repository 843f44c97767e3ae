"""``ittdesk register``: DfE Register trainee teachers' files; ``ittdesk ofsted-pack``.

    ittdesk register placements OUT.csv [--year 2025/26]
    ittdesk register qts OUT.csv --met-on 20/07/2026 [--year 2025/26]
    ittdesk register compare EXPORT.csv [--year 2025/26]
    ittdesk ofsted-pack OUTDIR

The written file's summary goes to stdout, then each trainee left out, one line each with the
reason. A file no trainee could go in is not written (exit 1, the reasons listed first).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from . import UsageError, db_option, open_db
from .arguments import academic_year, day
from .desktop import pdf_renderer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reg = sub.add_parser("register", help="DfE Register trainee teachers' files: placements, "
                                          "QTS recommendations, compare with its export")
    actions = reg.add_subparsers(dest="register_command", metavar="ACTION", parser_class=type(reg))
    p = actions.add_parser(
        "placements", help="Register's bulk placements CSV",
        description="Trainees with a TRN and the placements Register needs for their route, in "
                    "Register's bulk-add-placements layout; the others listed with the reason.")
    db_option(p)
    p.add_argument("out", type=Path, metavar="OUT.csv")
    p.add_argument("--year", type=academic_year, help="only this year's cohorts, e.g. 2025/26")
    p.set_defaults(run=cmd_placements)
    p = actions.add_parser(
        "qts", help="Register's bulk QTS/EYTS recommendation CSV",
        description="Trainees whose placement check is met, in Register's bulk recommend "
                    "layout with the date given; the others listed with the reason.")
    db_option(p)
    p.add_argument("out", type=Path, metavar="OUT.csv")
    p.add_argument("--met-on", type=day, required=True, metavar="DATE",
                   help="the date the QTS or EYTS requirements were met, e.g. 20/07/2026")
    p.add_argument("--year", type=academic_year, help="only this year's cohorts, e.g. 2025/26")
    p.set_defaults(run=cmd_qts)
    p = actions.add_parser(
        "compare", help="what differs between Register's trainee export and ITT Desk",
        description="Reads Register's trainee export (CSV or workbook) by column name, matches "
                    "trainees by TRN, HESA ID or name and date of birth, and lists what differs "
                    "(route, status, ITT dates, placements) and who is only on one side.")
    db_option(p)
    p.add_argument("export", type=Path, metavar="EXPORT.csv")
    p.add_argument("--year", type=academic_year, help="only trainees starting in this year")
    p.set_defaults(run=cmd_compare)
    reg.set_defaults(run=_needs_action(reg))

    p = sub.add_parser(
        "ofsted-pack", help="Ofsted's notification pack for today: one workbook and one PDF",
        description="Settings with current and last placements, trainees by route with their "
                    "placement check, mentors with their training and the partnership "
                    "agreements in force, as a workbook and a PDF in OUTDIR.")
    db_option(p)
    p.add_argument("outdir", type=Path, metavar="OUTDIR")
    p.set_defaults(run=cmd_ofsted_pack)


def _needs_action(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        raise UsageError(f"{parser.prog}: choose an action: placements, qts or compare")
    return run


def _csv_target(command: str, out: Path) -> None:
    if out.suffix.lower() != ".csv":
        raise UsageError(f"ittdesk register {command}: {out.name}: the output must be a .csv file")


def _report(write: Callable[[], object]) -> int:
    from ..register.outgoing import NothingToWrite, Written

    try:
        written = write()
    except NothingToWrite as exc:
        for left in exc.left_out:
            print(f"Left out: {left.line()}")
        raise
    assert isinstance(written, Written)
    print(written.summary())
    for note in written.notes:
        print(f"Note: {note}")
    for left in written.left_out:
        print(f"Left out: {left.line()}")
    return 0


def cmd_placements(args: argparse.Namespace) -> int:
    from ..register.outgoing import write_placements

    _csv_target("placements", args.out)
    open_db(args)
    return _report(lambda: write_placements(args.out, args.year))


def cmd_qts(args: argparse.Namespace) -> int:
    from ..register.outgoing import check_met_on, write_qts

    _csv_target("qts", args.out)
    check_met_on(args.met_on)  # refused before the database is opened
    open_db(args)
    return _report(lambda: write_qts(args.out, args.met_on, args.year))


def cmd_compare(args: argparse.Namespace) -> int:
    from ..register.compare import compare

    open_db(args)
    found = compare(args.export, args.year)
    for line in found.lines():
        print(line)
    print(found.summary())
    return 0


def cmd_ofsted_pack(args: argparse.Namespace) -> int:
    from ..ofsted.pack import write_pack

    outdir: Path = args.outdir
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"ittdesk ofsted-pack: {outdir} is a file, not a folder")
    render = pdf_renderer(args)  # refused before anything is written when there is no desktop
    open_db(args)
    pack = write_pack(outdir, render)
    for path in pack.paths:
        print(f"Written: {path}")
    print(pack.summary())
    return 0
