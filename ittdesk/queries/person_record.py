"""A person's whole development record (seed 004) as a workbook they can take with them."""

from __future__ import annotations

from pathlib import Path

from .. import clock
from ..fields import format_date
from ..placements.check import TraineeCheck
from ..spreadsheets.safe import atomic_write
from .summaries import person_summary


def development_record_sections(person_id: int) -> list[tuple[str, list[str], list[list[str]]]]:
    """[(section title, headings, rows)] in the order a reader expects."""
    from ..choices import EVENT_KINDS
    from ..services.events import events_of, part

    s = person_summary(person_id)
    return [
        ("Details", ["", ""], [[k, v] for k, v in [("Name", s["title"])] + s["facts"]]),
        ("Roles", ["Role", "School", "Job title", "Period", "Current"],
         [[r.detail, r.text, r.extra["job_title"], r.extra["period"],
           "yes" if r.extra["current"] else
           f"from {format_date(r.extra['start'])}" if r.extra["future"] else ""]
          for r in s["roles"]]),
        ("Designations", ["Designation", "Details"], [[d.text, d.detail] for d in s["designations"]]),
        ("Mentor training", ["Training", "Details"], [[t.text, t.detail] for t in s["training"]]),
        ("Programmes", ["Programme and cohort", "Details", "Placement check"],
         [[e.text, e.detail, _check_words(e.extra.get("check"))] for e in s["enrolments"]]),
        ("Placements", ["School", "Details"], [[p.text, p.detail] for p in s["placements"]]),
        ("Trainees mentored", ["Trainee", "Details"], [[p.text, p.detail] for p in s["mentored"]]),
        ("Support agreements", ["Agreement", "Part"], [[a.text, a.detail] for a in s["agreements"]]),
        ("Events", ["Event", "Date", "Kind", "Part"],
         [[a.event.title, format_date(a.event.held_on), EVENT_KINDS.label(a.event.kind), part(a)]
          for a in events_of(person_id)]),
    ]


def _check_words(check: TraineeCheck | None) -> str:
    """"At risk: 96 of 120 days; no second school yet"; empty for a programme without one."""
    if check is None:
        return ""
    return f"{check.status_words}: {check.reason_text}" if check.reasons else check.status_words


def export_development_record(person_id: int, target: Path) -> Path:
    """Write the record to ``target`` (.xlsx), one section under another, atomically."""
    from ..spreadsheets.writer import Styles, workbook, write_value

    sections = development_record_sections(person_id)
    name = sections[0][2][0][1]

    def write(tmp: Path) -> None:
        with workbook(tmp) as wb:
            styles = Styles(wb)
            section = wb.add_format({"bold": True, "font_size": 12})
            ws = wb.add_worksheet("Development record")
            for col, width in enumerate((34, 44, 24, 28, 10)):
                ws.set_column(col, col, width)
            write_value(ws, 0, 0, f"Development record: {name}", styles, styles.title)
            write_value(ws, 1, 0, f"Made on {clock.today():%d/%m/%Y} by ITT Desk", styles)
            row = 3
            for title, headings, rows in sections:
                write_value(ws, row, 0, title, styles, section)
                row += 1
                if title != "Details":
                    for col, heading in enumerate(headings):
                        write_value(ws, row, col, heading, styles, styles.bold)
                    row += 1
                if not rows:
                    write_value(ws, row, 0, "none", styles)
                    row += 1
                for values in rows:
                    for col, value in enumerate(values):
                        write_value(ws, row, col, value, styles)
                    row += 1
                row += 1

    return atomic_write(Path(target), write)
