"""A person's whole development record (seed 004) as a workbook they can take with them."""

from __future__ import annotations

from pathlib import Path

from .. import clock
from ..fields import format_date
from ..spreadsheets.safe import save_workbook, set_cell
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
        ("Programmes", ["Programme and cohort", "Details"], [[e.text, e.detail] for e in s["enrolments"]]),
        ("Placements", ["School", "Details"], [[p.text, p.detail] for p in s["placements"]]),
        ("Trainees mentored", ["Trainee", "Details"], [[p.text, p.detail] for p in s["mentored"]]),
        ("Support agreements", ["Agreement", "Part"], [[a.text, a.detail] for a in s["agreements"]]),
        ("Events", ["Event", "Date", "Kind", "Part"],
         [[a.event.title, format_date(a.event.held_on), EVENT_KINDS.label(a.event.kind), part(a)]
          for a in events_of(person_id)]),
    ]


def export_development_record(person_id: int, target: Path) -> Path:
    """Write the record to ``target`` (.xlsx), one section under another, atomically."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sections = development_record_sections(person_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "Development record"
    name = sections[0][2][0][1]
    set_cell(ws.cell(row=1, column=1), f"Development record: {name}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    set_cell(ws.cell(row=2, column=1), f"Made on {clock.today():%d/%m/%Y} by ITT Desk")
    row = 4
    for title, headings, rows in sections:
        set_cell(ws.cell(row=row, column=1), title)
        ws.cell(row=row, column=1).font = Font(bold=True, size=12)
        row += 1
        if title != "Details":
            for col, heading in enumerate(headings, start=1):
                set_cell(ws.cell(row=row, column=col), heading)
                ws.cell(row=row, column=col).font = Font(bold=True)
            row += 1
        if not rows:
            set_cell(ws.cell(row=row, column=1), "none")
            row += 1
        for values in rows:
            for col, value in enumerate(values, start=1):
                set_cell(ws.cell(row=row, column=col), value)
            row += 1
        row += 1
    for letter, width in zip("ABCDE", (34, 44, 24, 28, 10), strict=True):
        ws.column_dimensions[letter].width = width
    return save_workbook(wb, Path(target))
