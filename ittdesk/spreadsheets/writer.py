"""The styled return writer: one data sheet and a Summary sheet, streamed in write-only mode.

A return opens with its title, the filters used and when it was made; then a bold header row,
frozen below it, with an autofilter over the data. Dates are real date cells (shown
day/month/year), money is a number in pounds with a £ format, counts are numbers. Text that looks
like a formula stays text (``safe.write_only_cell``) and the file is saved atomically
(``safe.atomic_write``).

Rows are streamed: openpyxl's write-only mode keeps memory flat at 50,000 rows and writes at
nearly its plain speed, so per cell this module does no more than plain write-only does except
for the cells that need a style (dates, money) or a text guard (formula-like strings). Column
widths are measured on the first rows, which are buffered for that.

The Summary sheet is built while the rows stream past: the number of rows, the total of every
numeric column and counts by the columns marked ``summarise``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .. import clock
from ..errors import RefusedError
from .safe import FORMULA_STARTS, atomic_write, clean_text, write_only_cell

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONEY_FORMAT = '"£"#,##0.00'
NUMBER_FORMAT = "0.##"
HEADER_FILL = "DDEBF7"
MEASURE_ROWS = 300
MIN_WIDTH, MAX_WIDTH = 6, 60
TOP_ROWS = 4  # title, filters, made on, blank: the header row is TOP_ROWS + 1

KINDS = ("text", "int", "number", "money", "date")
_NUMBERS = frozenset((int, float))
_ERROR_CODES = frozenset(ERROR_CODES)
_ILLEGAL = ILLEGAL_CHARACTERS_RE
_MAX_TEXT = 32767  # openpyxl cuts longer text to this


class Cancelled(RefusedError):
    """The user cancelled a long export; nothing was written."""

    def __init__(self, message: str = "Cancelled: no file was written"):
        super().__init__(message)


class SharedStyle(StyleArray):
    """One cell style given to many cells as the same object (a date column's, a template
    row's), so that no cell needs its own copy. It cannot be changed (changing it would change
    every cell that shares it: ``copy()`` gives an ordinary style to change), which lets its
    hash, asked for every cell when openpyxl saves, be worked out once."""

    __slots__ = ("_hash",)

    def __new__(cls, style=None):
        self = super().__new__(cls, [0] * 9 if style is None else style)
        self._hash = hash(tuple(self))
        return self

    def __hash__(self):
        return self._hash

    def __setitem__(self, index, value):
        raise TypeError("a shared cell style cannot be changed: copy() it first")


class _Sheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, taking the ready-made cells this module appends as they are.

    openpyxl's own ``_values_to_row`` tries every value as a plain value first, so each date,
    money or guarded text cell cost it a ValueError raised and caught (with the cell's repr
    built for the message) and a new spare cell. Ints, floats and ordinary text (no illegal
    character, not too long, not an error code: openpyxl's own tests) are stored as
    openpyxl's value setter stores them, without its type dispatch; any other value goes
    through that setter. Text is never made a formula, whatever its column (the row converter
    guards text columns; this also covers text in a date or number column, which openpyxl
    would have made a live formula). Each cell is written before the next is made, as in
    openpyxl.
    """

    def _values_to_row(self, values, row_idx):
        spare = Cell(self, row=1, column=1)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            cls = value.__class__
            if cls is int or cls is float:  # as openpyxl's value setter stores them
                spare._value, spare.data_type = value, "n"
                spare.column, spare.row = col_idx, row_idx
                yield spare
                continue
            if cls is str and _ILLEGAL.search(value) is not None:
                # An old database may hold a control character openpyxl refuses: it is
                # dropped (safe.clean_text), so one bad value cannot fail everyone's export.
                value = clean_text(value)
            if cls is str and len(value) <= _MAX_TEXT and value not in _ERROR_CODES:
                # What the setter makes of text, except that it is never a formula.
                spare._value, spare.data_type = value, "s"
                spare.column, spare.row = col_idx, row_idx
                yield spare
                continue
            if cls is not Cell:  # anything else through openpyxl's own setter
                try:
                    spare.value = value
                except ValueError:
                    if not isinstance(value, Cell):  # a subclass of Cell is taken as it is
                        raise
                else:
                    if spare.data_type == "f":  # text is never a formula (safe.py)
                        spare.data_type = "s"
                    spare.column, spare.row = col_idx, row_idx
                    yield spare
                    if spare.has_style or spare.hyperlink:
                        spare = Cell(self, row=1, column=1)
                    continue
            value.column, value.row = col_idx, row_idx
            if value.hyperlink is not None:
                value.hyperlink.ref = value.coordinate
            yield value


def create_sheet(wb, title: str):
    """A sheet of write-only workbook ``wb`` for rows of plain values and this module's cells."""
    add = getattr(wb, "_add_sheet", None)
    if add is None or not wb.write_only:  # another openpyxl: its own sheet does the same
        return wb.create_sheet(title)
    ws = _Sheet(parent=wb, title=title)
    add(ws)
    return ws


@dataclass(frozen=True)
class Column:
    """One column of a return: its key (for templates), heading, kind and other names."""

    key: str
    heading: str
    kind: str = "text"  # text, int, number, money (value in pence), date
    summarise: bool = False  # count rows by this column's values on the Summary sheet
    synonyms: tuple[str, ...] = ()
    width: float | None = None  # fixed width; None = measured
    total: bool = True  # numeric columns are totalled on the Summary sheet unless False (URNs)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    # headers.match_headings reads name/label/synonyms
    @property
    def name(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        return self.heading


@dataclass
class WriteResult:
    path: Path
    rows: int
    summary: list[tuple[str, Any]] = field(default_factory=list)


ProgressFn = Callable[[int, int | None], None]
CancelFn = Callable[[], bool]


def excel_value(kind: str, value: Any) -> Any:
    """The plain value a cell of ``kind`` holds: pence -> pounds, datetimes kept."""
    if value is None or value == "":
        return None
    if kind == "money":
        return value / 100
    return value


def display_width(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == "date":
        return 10
    if kind == "money":
        return len(f"£{value:,.2f}") + 1
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


class _Summary:
    """Totals and counts gathered while rows stream past."""

    def __init__(self, columns: Sequence[Column]):
        self.columns = columns
        self.rows = 0
        self.totals = {i: 0 for i, c in enumerate(columns)
                       if c.total and c.kind in ("int", "number", "money")}
        self.counts = {i: Counter() for i, c in enumerate(columns) if c.summarise}

    def add_many(self, rows: Sequence[Sequence[Any]]) -> None:
        """Fold in a batch of rows column by column (C-speed sum and Counter, not per cell)."""
        if not rows:
            return
        self.rows += len(rows)
        for i in self.totals:
            values = [r[i] for r in rows]
            if _NUMBERS.issuperset(map(type, values)):  # all numbers: summed in C
                self.totals[i] += sum(values)
            else:  # blanks, text, booleans are not counted
                self.totals[i] += sum(v for v in values if v.__class__ in (int, float))
        for i, counter in self.counts.items():
            counter.update([r[i] for r in rows])

    def labelled_counts(self, i: int) -> Counter:
        result: Counter = Counter()
        for value, n in self.counts[i].items():
            result[value if value not in (None, "") else "(blank)"] += n
        return result


def _measure(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> list[float]:
    widths = []
    for i, column in enumerate(columns):
        if column.width:
            widths.append(column.width)
            continue
        longest = max((display_width(excel_value(column.kind, r[i]), column.kind) for r in rows),
                      default=0)
        header = max(len(word) for word in column.heading.split()) if column.heading else 0
        wanted = max(longest, header, min(len(column.heading), 18)) + 2
        widths.append(float(max(MIN_WIDTH, min(MAX_WIDTH, wanted))))
    return widths


#: A4 landscape, less Excel's default 0.7" side margins, in points.
PRINT_WIDTH_PT = 297 / 25.4 * 72 - 2 * 0.7 * 72
#: Printed text no smaller than 8 pt: the sheet's 11 pt text scaled to at least this.
MIN_PRINT_SCALE = 8 / 11


def pages_wide(widths: Sequence[float]) -> int:
    """How many landscape pages across a sheet of these column widths needs so that, fitted
    to them, its 11 pt text prints at 8 pt or more (one page across shrank a wide return to
    unreadable strips)."""
    # An Excel width unit is one digit of the default font (7 px at 96 dpi) plus 5 px padding.
    total_pt = sum((w * 7 + 5) * 0.75 for w in widths)
    return max(1, math.ceil(total_pt * MIN_PRINT_SCALE / PRINT_WIDTH_PT))


def print_setup(ws, widths: Sequence[float], header_row: int) -> None:
    """Print as users expect: landscape A4, headings (and, across pages, the first column)
    repeated, fitted to as few pages across as keep the text readable, as many down as needed."""
    ws.print_title_rows = f"{header_row}:{header_row}"
    across = pages_wide(widths)
    if across > 1:
        ws.print_title_cols = "A:A"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4; not on write-only sheets)
    ws.page_setup.fitToWidth = across
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_return(target: Path, *, title: str, filters: Sequence[tuple[str, str]],
                 columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                 total: int | None = None, sheet_name: str = "Return",
                 made_at: datetime | None = None, notes: Sequence[str] = (),
                 progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
                 extra_summary: Sequence[tuple[str, Any]] = ()) -> WriteResult:
    """Write a styled return to ``target`` atomically; returns what was written.

    ``rows`` yields sequences as long as ``columns`` with plain values (money in pence).
    ``progress(done, total)`` is called every few hundred rows; ``cancelled()`` returning True
    stops the export with :class:`Cancelled` and leaves no file behind.
    """
    made_at = made_at or clock.now().replace(microsecond=0)
    result = WriteResult(Path(target), 0)

    def write(tmp: Path) -> None:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        try:
            _write(wb, tmp)
        except BaseException:
            discard(wb)
            raise

    def _write(wb, tmp: Path) -> None:
        ws = create_sheet(wb, _sheet_title(sheet_name))
        styles = _Styles(ws)
        iterator = iter(rows)
        first = [tuple(r) for r in islice(iterator, MEASURE_ROWS)]
        widths = _measure(columns, first)
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[_letter(i)].width = width
        header_row = TOP_ROWS + 1
        ws.freeze_panes = f"A{header_row + 1}"
        print_setup(ws, widths, header_row)

        ws.append([styles.title(title)])
        ws.append([styles.meta(_filters_text(filters))])
        ws.append([styles.meta(f"Made on {made_at.strftime('%d/%m/%Y at %H:%M')} by ITT Desk")])
        ws.append([styles.meta(" ".join(notes))] if notes else [])
        ws.append([styles.header(c.heading) for c in columns])

        summary = _Summary(columns)
        cells = styles.row_converter(columns)
        append = ws.append
        batch: list = []
        done = 0
        for chunk in (first, iterator):
            for row in chunk:
                batch.append(row)
                append(cells(row))
                done += 1
                if not done % 500:
                    summary.add_many(batch)
                    batch = []
                    if cancelled is not None and cancelled():
                        raise Cancelled()
                    if progress is not None:
                        progress(done, total)
        summary.add_many(batch)
        if cancelled is not None and cancelled():
            raise Cancelled()
        last = header_row + max(done, 1)
        ws.auto_filter.ref = f"A{header_row}:{_letter(len(columns))}{last}"
        result.rows = done
        result.summary = _write_summary(wb, styles, title, filters, made_at, columns, summary,
                                        extra_summary)
        wb.save(tmp)
        if progress is not None:
            progress(done, total)

    result.path = atomic_write(Path(target), write)
    return result


def discard(wb) -> None:
    """Close and delete the temporary files of an abandoned write-only workbook."""
    for ws in getattr(wb, "_sheets", []):
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        try:
            ws.close()
        except Exception:  # already half-closed: the file is removed below anyway
            pass
        try:
            writer.cleanup()
        except (OSError, ValueError):
            pass


def _filters_text(filters: Sequence[tuple[str, str]]) -> str:
    if not filters:
        return "Filters: none"
    return "Filters: " + "; ".join(f"{name}: {value}" for name, value in filters)


def _sheet_title(name: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip() or "Sheet"
    return cleaned[:31]


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


class _Styles:
    """Cells with the few styles a return uses, built once per workbook."""

    def __init__(self, ws):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.ws = ws
        self._cell = WriteOnlyCell
        self._title_font = Font(bold=True, size=14)
        self._meta_font = Font(italic=True, color="555555")
        self._bold = Font(bold=True)
        self._fill = PatternFill("solid", fgColor=HEADER_FILL)
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._border = Border(bottom=Side(style="thin", color="808080"))
        # Prototype style arrays: copying one is far cheaper than setting a format per cell.
        self._protos = {}
        for kind, fmt in (("date", DATE_FORMAT), ("datetime", DATETIME_FORMAT),
                          ("money", MONEY_FORMAT)):
            proto = WriteOnlyCell(ws, value=0)
            proto.number_format = fmt
            self._protos[kind] = SharedStyle(proto._style)

    def title(self, text: str):
        cell = self._cell(self.ws, value=text)
        cell.font = self._title_font
        if isinstance(text, str) and text.startswith(FORMULA_STARTS):
            cell.data_type = "s"
        return cell

    def meta(self, text: str):
        cell = write_only_cell(self.ws, text)
        cell.font = self._meta_font
        return cell

    def header(self, text: str):
        cell = write_only_cell(self.ws, text)
        cell.font = self._bold
        cell.fill = self._fill
        cell.alignment = self._wrap
        cell.border = self._border
        return cell

    def bold(self, value: Any):
        cell = write_only_cell(self.ws, value)
        cell.font = self._bold
        return cell

    def styled(self, kind: str, value: Any):
        from copy import copy

        cell = self._cell(self.ws, value=value)
        cell._style = copy(self._protos[kind])
        return cell

    def row_converter(self, columns: Sequence[Column]) -> Callable[[Sequence[Any]], list]:
        """row of plain values -> the list to append (only special cells are touched)."""
        text = tuple(i for i, c in enumerate(columns) if c.kind == "text")
        special = tuple((i, self.converter(c.kind)) for i, c in enumerate(columns)
                        if c.kind != "text" and self.converter(c.kind))
        as_text, starts = self.converter("text"), FORMULA_STARTS

        def cells(row):
            out = list(row)
            for i in text:  # the text check inline: most text needs nothing
                value = out[i]
                if value.__class__ is str and value.startswith(starts):
                    out[i] = as_text(value)
            for i, convert in special:
                value = out[i]
                if value is not None:
                    out[i] = convert(value)
            return out
        return cells

    def converter(self, kind: str) -> Callable[[Any], Any] | None:
        """value -> what to append for a column of ``kind``; None for plain values.

        Styled cells are built without openpyxl's value binding (which would look the number
        format up again for every date): the value set directly, and the kind's style given
        as one shared object (``SharedStyle``; in write-only mode nothing changes a cell's
        style once it is appended). This keeps a styled return at plain write-only speed.
        """
        ws, make, starts = self.ws, self._cell, FORMULA_STARTS

        if kind == "text":
            def text(value):
                if value.__class__ is str and value.startswith(starts):
                    cell = make(ws, value=clean_text(value))
                    cell.data_type = "s"
                    return cell
                return value
            return text
        if kind in ("date", "money"):
            date_style, datetime_style = self._protos["date"], self._protos["datetime"]
            money_style = self._protos["money"]

            def day(value):
                if not isinstance(value, date):
                    return value  # text typed into a date field stays as it was
                cell = make(ws)
                cell._style = datetime_style if isinstance(value, datetime) else date_style
                cell._value = value
                cell.data_type = "d"
                return cell

            def money(value):
                cell = make(ws)
                cell._style = money_style
                cell._value = value / 100
                return cell
            return day if kind == "date" else money
        return None


def _write_summary(wb, styles: _Styles, title: str, filters: Sequence[tuple[str, str]],
                   made_at: datetime, columns: Sequence[Column], summary: _Summary,
                   extra: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    ws = create_sheet(wb, "Summary")
    styles.ws = ws
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 16
    lines: list[tuple[str, Any]] = [("Rows", summary.rows)]
    ws.append([styles.title(f"{title}: summary")])
    ws.append([styles.meta(_filters_text(filters))])
    ws.append([styles.meta(f"Made on {made_at.strftime('%d/%m/%Y at %H:%M')} by ITT Desk")])
    ws.append([])
    ws.append([styles.header("Totals"), styles.header("")])
    ws.append(["Rows", summary.rows])
    for name, value in extra:
        ws.append([write_only_cell(ws, name), value])
        lines.append((name, value))
    for i, total in summary.totals.items():
        column = columns[i]
        if column.kind == "money":
            ws.append([write_only_cell(ws, column.heading), styles.styled("money", total / 100)])
            lines.append((column.heading, total / 100))
        else:
            value = round(total, 2) if isinstance(total, float) else total
            ws.append([write_only_cell(ws, column.heading), value])
            lines.append((column.heading, value))
    for i in summary.counts:
        counter = summary.labelled_counts(i)
        ws.append([])
        ws.append([styles.header(f"By {columns[i].heading.lower()}"), styles.header("Rows")])
        for value, count in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            label = value.strftime("%d/%m/%Y") if isinstance(value, date) else value
            ws.append([write_only_cell(ws, label), count])
            lines.append((f"{columns[i].heading}: {label}", count))
    return lines
