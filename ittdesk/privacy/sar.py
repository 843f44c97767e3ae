"""Subject access export: everything ITT Desk holds about one person, in one workbook (+ HTML).

A ``SheetSpec`` (``sar_sheets``) says which references to a person a sheet covers (``covers``),
what it is called and how to read its rows. ``collect`` builds every sheet (always all of them, empty ones say so,
so a data protection officer sees that each kind was looked at). A person reference that no
spec covers (a table added later) still gets a plain sheet with every column, so nothing is
left out; ``sar_sheets.uncovered_references`` lets the tests insist on a proper sheet.
``write_xlsx`` and ``to_html`` write what was collected; ``export`` does both steps.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, audit, fields
from ..errors import IttDeskError
from .references import Reference
from .sar_sheets import SHEETS, Sheet, fallback_sheet, mentions_sheet, uncovered_references

if TYPE_CHECKING:
    from ..spreadsheets.writer import Styles


class Cancelled(IttDeskError):
    """The user cancelled a long export; nothing was written."""


@dataclass
class SubjectAccess:
    person_id: int
    person_name: str
    produced_at: datetime
    produced_by: str
    database: str
    sheets: list[Sheet]
    provider: str = ""  # who holds the data: the provider's name and address, one line

    def sheet(self, title: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)


# -- collecting and writing ------------------------------------------------------------------


def collect(person_id: int, *, progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> SubjectAccess:
    """Read everything about the person. ``progress(done, total)``; ``cancelled()`` stops it."""
    from .. import db
    from .references import subject

    person, exists = subject(person_id)
    extra = uncovered_references()
    total = len(SHEETS) + len(extra) + 1
    sheets: list[Sheet] = []
    for i, spec in enumerate(SHEETS):
        if cancelled and cancelled():
            raise Cancelled("Export cancelled; nothing was written")
        sheets.append(Sheet(spec.title, spec.description, list(spec.headers), spec.rows(person),
                            tuple(Reference(m, n).key for m, n in spec.covers)))
        if progress:
            progress(i + 1, total)
    for j, ref in enumerate(extra):
        sheets.append(fallback_sheet(ref, person))
        if progress:
            progress(len(SHEETS) + j + 1, total)
    sheets.append(mentions_sheet(person, sheets))
    try:
        where = db.location().display
    except IttDeskError:
        where = "unknown"
    name = person.full_name if exists else f"{person.full_name} (deleted record, kept in the audit trail)"
    from .. import settings

    provider = settings.provider()
    holder = ", ".join([provider.display_name] + provider.address_lines)
    return SubjectAccess(person.id, name, audit.now(), audit.current_user(), where, sheets, holder)


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime | date) or value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def cover_rows(data: SubjectAccess) -> list[tuple[str, str]]:
    from .audit_query import utc_to_local

    produced = utc_to_local(data.produced_at).strftime("%d/%m/%Y %H:%M")
    return [
        *([("Held by", data.provider)] if data.provider else []),
        ("Person", f"{data.person_name} (record #{data.person_id})"),
        ("Produced", f"{produced} (local time)"),
        ("Produced by", data.produced_by),
        ("Database", data.database),
        ("Software", f"ITT Desk {__version__}"),
        ("Other people", "Other people appear by record number only (e.g. 'person #12'). "
                         "Decide before release whether to disclose them."),
    ]


def write_xlsx(data: SubjectAccess, target: Path) -> Path:
    """The workbook: a cover sheet, then one sheet per kind of record. Written by XlsxWriter
    (text never a formula, ``writer.write_value``), atomically."""
    from ..spreadsheets.safe import atomic_write
    from ..spreadsheets.writer import Styles, workbook, write_value

    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise IttDeskError(f"{target.name}: the export is an Excel workbook, name it .xlsx")

    def write(tmp: Path) -> None:
        with workbook(tmp, constant_memory=False) as wb:
            styles = Styles(wb)
            day = wb.add_format({"num_format": "DD/MM/YYYY"})
            wrap = wb.add_format({"text_wrap": True, "valign": "top"})
            _write_cover(wb, styles, data)
            for sheet in data.sheets:
                ws = wb.add_worksheet(sheet.title[:31])
                for col, heading in enumerate(sheet.headers):
                    write_value(ws, 0, col, heading, styles, styles.bold)
                if not sheet.rows:
                    write_value(ws, 1, 0, "No records of this kind", styles)
                widths = [len(h) + 2 for h in sheet.headers]
                for r, values in enumerate(sheet.rows, start=1):
                    for c, value in enumerate(values):
                        fmt = None
                        if isinstance(value, date):
                            fmt = day
                        elif isinstance(value, str) and ("\n" in value or len(value) > 60):
                            fmt = wrap
                        write_value(ws, r, c, _cell_value(value), styles, fmt)
                        length = 12 if isinstance(value, date) else len(str(value or ""))
                        widths[c] = max(widths[c], min(length + 2, 60))
                for c, width in enumerate(widths):
                    ws.set_column(c, c, width)
                ws.freeze_panes(1, 0)

    return atomic_write(target, write)


def _write_cover(wb: Any, styles: Styles, data: SubjectAccess) -> None:
    from ..spreadsheets.writer import write_value

    cover = wb.add_worksheet("Cover")
    write_value(cover, 0, 0, "Subject access export", styles, styles.title)
    row = 2
    for label, value in cover_rows(data):
        write_value(cover, row, 0, label, styles, styles.bold)
        write_value(cover, row, 1, value, styles)
        row += 1
    row += 1
    for col, heading in enumerate(("Sheet", "What it holds", "Rows")):
        write_value(cover, row, col, heading, styles, styles.bold)
    for sheet in data.sheets:
        row += 1
        write_value(cover, row, 0, sheet.title, styles)
        write_value(cover, row, 1, sheet.description, styles)
        write_value(cover, row, 2, len(sheet.rows), styles)
    cover.set_column(0, 0, 24)
    cover.set_column(1, 1, 90)
    cover.set_column(2, 2, 8)


def _html_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return fields.format_date(value)
    return html.escape(str(value)).replace("\n", "<br>")


_TABLE = "width='100%' cellspacing='0' cellpadding='3' border='1'"


def to_html(data: SubjectAccess) -> str:
    """A readable document of the same content, for printing to PDF."""
    parts = [
        "<html><head><meta charset='utf-8'><style>",
        "body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9pt; }",
        "h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 14pt; }",
        "p.what { color: #444; margin: 0 0 4pt 0; }",
        "table { border-collapse: collapse; width: 100%; }",
        "table.data { font-size: 8pt; }",
        "th { background: #e6ecf2; text-align: left; }",
        "th, td { border: 1px solid #9aa5b1; vertical-align: top; }",
        "td.none { color: #666; font-style: italic; }",
        "</style></head><body>",
        "<h1>Subject access export</h1>",
        f"<table {_TABLE}>",
    ]
    for label, value in cover_rows(data):
        parts.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
    parts.append(f"</table><h2>Contents</h2><table {_TABLE}>"
                 "<tr><th>Section</th><th>What it holds</th><th>Rows</th></tr>")
    for sheet in data.sheets:
        parts.append(f"<tr><td>{html.escape(sheet.title)}</td><td>{html.escape(sheet.description)}</td>"
                     f"<td>{len(sheet.rows)}</td></tr>")
    parts.append("</table>")
    for sheet in data.sheets:
        parts.append(f"<h2>{html.escape(sheet.title)}</h2><p class='what'>{html.escape(sheet.description)}</p>")
        parts.append(f"<table class='data' {_TABLE}><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in sheet.headers) + "</tr>")
        if not sheet.rows:
            parts.append(f"<tr><td class='none' colspan='{len(sheet.headers)}'>No records of this kind</td></tr>")
        for values in sheet.rows:
            parts.append("<tr>" + "".join(f"<td>{_html_value(v)}</td>" for v in values) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def export(person_id: int, target: Path, *, progress: Callable[[int, int], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> tuple[SubjectAccess, Path]:
    """Collect and write the workbook; returns the data (for the PDF) and the path."""
    data = collect(person_id, progress=progress, cancelled=cancelled)
    return data, write_xlsx(data, target)
