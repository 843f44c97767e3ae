"""The styled return writer: one data sheet and a Summary sheet, written by XlsxWriter.

A return opens with its title, the filters used and when it was made; then a bold header row,
frozen below it, with an autofilter over the data. Dates are real date cells (shown
day/month/year), money is a number in pounds with a £ format, counts are numbers. Text is always
written as text, never as a formula (``safe.py``'s rule), and the file is saved atomically
(``safe.atomic_write``).

Every new workbook ITT Desk writes goes through :func:`workbook` (XlsxWriter with the options
that keep text text); rows stream in ``constant_memory`` mode, so memory stays flat at 50,000
rows. A column's kind picks its cell writer once (:func:`row_writer`), so per cell this module
does one type check and one XlsxWriter call. Column widths are measured on the first rows,
which are buffered for that.

The Summary sheet is built while the rows stream past: the number of rows, the total of every
numeric column and counts by the columns marked ``summarise``.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from .. import clock
from ..errors import RefusedError
from .safe import atomic_write, clean_text

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


def _number(value: int | float | Decimal) -> int | float:
    return float(value) if isinstance(value, Decimal) else value

#: XlsxWriter's options for every workbook: text stays text (no formulas, links or numbers made
#: of it: safe.py's first rule), and dates are written as ITT Desk shows them.
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
           "default_date_format": DATE_FORMAT}


class Cancelled(RefusedError):
    """The user cancelled a long export; nothing was written."""

    def __init__(self, message: str = "Cancelled: no file was written") -> None:
        super().__init__(message)


@contextmanager
def workbook(path: Path, *, constant_memory: bool = True) -> Iterator[Any]:
    """An XlsxWriter workbook writing ``path``, saved when the block ends without an error.

    Its scratch files (``constant_memory`` rows, the parts before zipping) live in a folder of
    their own under ``tempfile``'s (the process's folder in the data folder, see
    ``files.start_up``), removed whether the block succeeds, fails or is cancelled.
    """
    import xlsxwriter

    scratch = tempfile.mkdtemp(prefix="xlsxwriter-")
    try:
        wb = xlsxwriter.Workbook(str(path), {**OPTIONS, "constant_memory": constant_memory,
                                             "tmpdir": scratch})
        yield wb
        wb.close()
    finally:
        wb = None  # an abandoned workbook's open scratch files close with it
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class SheetColumn:
    """One column of a return: its key (for templates), heading, kind and other names."""

    key: str
    heading: str
    kind: str = "text"  # text, int, number, money (value in pence), date
    summarise: bool = False  # count rows by this column's values on the Summary sheet
    synonyms: tuple[str, ...] = ()
    width: float | None = None  # fixed width; None = measured
    total: bool = True  # numeric columns are totalled on the Summary sheet unless False (URNs)

    def __post_init__(self) -> None:
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

    def __init__(self, columns: Sequence[SheetColumn]) -> None:
        self.columns = columns
        self.rows = 0
        self.totals: dict[int, int | float] = {i: 0 for i, c in enumerate(columns)
                       if c.total and c.kind in ("int", "number", "money")}
        self.counts: dict[int, Counter[Any]] = {i: Counter() for i, c in enumerate(columns)
                                                if c.summarise}

    def add_many(self, rows: Sequence[Sequence[Any]]) -> None:
        """Fold in a batch of rows column by column (C-speed sum and Counter, not per cell)."""
        if not rows:
            return
        self.rows += len(rows)
        for i in self.totals:
            values = [r[i] for r in rows]
            if _NUMBERS.issuperset(map(type, values)):  # all numbers: summed in C
                self.totals[i] += sum(values)
            else:  # blanks, text, booleans are not counted; PostgreSQL's NUMERIC (Decimal) is
                self.totals[i] += sum(_number(v) for v in values
                                      if v.__class__ in (int, float, Decimal))
        for i, counter in self.counts.items():
            counter.update([r[i] for r in rows])

    def labelled_counts(self, i: int) -> Counter[Any]:
        result: Counter[Any] = Counter()
        for value, n in self.counts[i].items():
            result[value if value not in (None, "") else "(blank)"] += n
        return result


def measure(columns: Sequence[SheetColumn], rows: Sequence[Sequence[Any]]) -> list[float]:
    """Column widths for these first rows: the longest value or heading word, within limits."""
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


def print_setup(ws: Any, widths: Sequence[float], header_row: int) -> None:
    """Print as users expect: landscape A4, headings (and, across pages, the first column)
    repeated, fitted to as few pages across as keep the text readable, as many down as needed.
    ``header_row`` counts from 1, as Excel shows it."""
    ws.repeat_rows(header_row - 1)
    across = pages_wide(widths)
    if across > 1:
        ws.repeat_columns(0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(across, 0)


def set_widths(ws: Any, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)


class Styles:
    """The few cell formats a workbook's sheets use, made once per workbook."""

    def __init__(self, wb: Any) -> None:
        add = wb.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.meta = add({"italic": True, "font_color": "#555555"})
        self.bold = add({"bold": True})
        self.header = add({"bold": True, "bg_color": f"#{HEADER_FILL}", "pattern": 1,
                           "text_wrap": True, "valign": "top", "bottom": 1,
                           "bottom_color": "#808080"})
        self.date = add({"num_format": DATE_FORMAT})
        self.datetime = add({"num_format": DATETIME_FORMAT})
        self.money = add({"num_format": MONEY_FORMAT})


def write_value(ws: Any, row: int, col: int, value: Any, styles: Styles, fmt: Any = None) -> None:
    """Any value in a cell as its own type: text as text (control characters dropped, never a
    formula), numbers, booleans, dates in ITT Desk's formats. A value no cell can hold is a
    ValueError, as openpyxl had it."""
    cls = value.__class__
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif cls is str:
        ws.write_string(row, col, clean_text(value), fmt)
    elif cls is bool:
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        if not isinstance(value, int) and not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written in a cell")
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, fmt or styles.datetime)
    elif isinstance(value, date):
        ws.write_datetime(row, col, value, fmt or styles.date)
    elif isinstance(value, str):
        ws.write_string(row, col, clean_text(str(value)), fmt)
    else:
        raise ValueError(f"Cannot write a {cls.__name__} value in a cell")


def row_writer(ws: Any, columns: Sequence[SheetColumn],
               styles: Styles) -> Callable[[int, Sequence[Any]], None]:
    """``write(row_index, values)``: a row of plain values (money in pence) into ``ws``.

    Each column's kind picks its cell writer once: the common value of that kind (text in a
    text column, a number in a number column, a date in a date column) takes one check and one
    XlsxWriter call; anything else (a blank, text typed into a date field, a boolean) goes
    through :func:`write_value`.
    """
    string, number, stamp = ws.write_string, ws.write_number, ws.write_datetime
    date_fmt, datetime_fmt, money_fmt = styles.date, styles.datetime, styles.money

    def other(r: int, c: int, value: Any) -> None:
        write_value(ws, r, c, value, styles)

    def text(r: int, c: int, value: Any) -> None:
        if value.__class__ is str and value:
            string(r, c, value if value.isprintable() else clean_text(value))
        else:
            other(r, c, value)

    # NaN and infinity go to write_value, which refuses them as it refuses any value no cell can
    # hold (XlsxWriter's own refusal would be a TypeError).
    def whole(r: int, c: int, value: Any) -> None:
        cls = value.__class__
        if cls is int or (cls is float and math.isfinite(value)):
            number(r, c, value)
        elif cls is Decimal and value.is_finite():
            number(r, c, float(value))
        else:
            other(r, c, value)

    def money(r: int, c: int, value: Any) -> None:
        cls = value.__class__
        if cls is int or (cls is float and math.isfinite(value)):
            number(r, c, value / 100, money_fmt)
        elif cls is Decimal and value.is_finite():  # pence as PostgreSQL's NUMERIC gives them
            number(r, c, float(value) / 100, money_fmt)
        else:
            other(r, c, value)

    def day(r: int, c: int, value: Any) -> None:
        if value.__class__ is date:
            stamp(r, c, value, date_fmt)
        elif value.__class__ is datetime:
            stamp(r, c, value, datetime_fmt)
        else:
            other(r, c, value)

    by_kind = {"text": text, "int": whole, "number": whole, "money": money, "date": day}
    cells = [(c, by_kind[column.kind]) for c, column in enumerate(columns)]

    def write(r: int, values: Sequence[Any]) -> None:
        for (c, cell), value in zip(cells, values, strict=False):
            if value is not None:
                cell(r, c, value)
    return write


def write_return(target: Path, *, title: str, filters: Sequence[tuple[str, str]],
                 columns: Sequence[SheetColumn], rows: Iterable[Sequence[Any]],
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
        with workbook(tmp) as wb:
            _write(wb)

    def _write(wb: Any) -> None:
        styles = Styles(wb)
        ws = wb.add_worksheet(_sheet_title(sheet_name))
        iterator = iter(rows)
        first = [tuple(r) for r in islice(iterator, MEASURE_ROWS)]
        widths = measure(columns, first)
        set_widths(ws, widths)
        header_row = TOP_ROWS + 1  # as Excel numbers it; XlsxWriter counts from 0
        ws.freeze_panes(header_row, 0)
        print_setup(ws, widths, header_row)
        _top_rows(ws, styles, title, filters, made_at)
        if notes:
            write_value(ws, 3, 0, " ".join(notes), styles, styles.meta)
        for c, column in enumerate(columns):
            write_value(ws, header_row - 1, c, column.heading, styles, styles.header)

        summary = _Summary(columns)
        cells = row_writer(ws, columns, styles)
        batch: list[Sequence[Any]] = []
        done = 0
        r = header_row
        for chunk in (first, iterator):
            for row in chunk:
                batch.append(row)
                cells(r, row)
                r += 1
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
        ws.autofilter(header_row - 1, 0, header_row - 1 + max(done, 1), len(columns) - 1)
        result.rows = done
        result.summary = _write_summary(wb, styles, title, filters, made_at, columns, summary,
                                        extra_summary)

    result.path = atomic_write(Path(target), write)
    if progress is not None:
        progress(result.rows, total)
    return result


def _top_rows(ws: Any, styles: Styles, title: str, filters: Sequence[tuple[str, str]],
              made_at: datetime) -> None:
    write_value(ws, 0, 0, title, styles, styles.title)
    write_value(ws, 1, 0, _filters_text(filters), styles, styles.meta)
    write_value(ws, 2, 0, f"Made on {made_at.strftime('%d/%m/%Y at %H:%M')} by ITT Desk",
                styles, styles.meta)


def _filters_text(filters: Sequence[tuple[str, str]]) -> str:
    if not filters:
        return "Filters: none"
    return "Filters: " + "; ".join(f"{name}: {value}" for name, value in filters)


def _sheet_title(name: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip() or "Sheet"
    return cleaned[:31]


def _write_summary(wb: Any, styles: Styles, title: str, filters: Sequence[tuple[str, str]],
                   made_at: datetime, columns: Sequence[SheetColumn], summary: _Summary,
                   extra: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    ws = wb.add_worksheet("Summary")
    ws.set_column(0, 0, 42)
    ws.set_column(1, 1, 16)
    lines: list[tuple[str, Any]] = [("Rows", summary.rows)]
    _top_rows(ws, styles, f"{title}: summary", filters, made_at)
    rows: list[tuple[Any, Any, Any, Any] | None] = [  # label, value, their formats
        ("Totals", "", styles.header, styles.header), ("Rows", summary.rows, None, None)]
    for name, value in extra:
        rows.append((name, value, None, None))
        lines.append((name, value))
    for i, total in summary.totals.items():
        column = columns[i]
        if column.kind == "money":
            rows.append((column.heading, total / 100, None, styles.money))
            lines.append((column.heading, total / 100))
        else:
            value = round(total, 2) if isinstance(total, float) else total
            rows.append((column.heading, value, None, None))
            lines.append((column.heading, value))
    for i in summary.counts:
        counter = summary.labelled_counts(i)
        rows.append(None)  # a blank row between tables
        rows.append((f"By {columns[i].heading.lower()}", "Rows", styles.header, styles.header))
        for value, count in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            label = value.strftime("%d/%m/%Y") if isinstance(value, date) else value
            rows.append((label, count, None, None))
            lines.append((f"{columns[i].heading}: {label}", count))
    for r, row in enumerate(rows, start=4):
        if row is not None:
            label, value, label_fmt, value_fmt = row
            write_value(ws, r, 0, label, styles, label_fmt)
            write_value(ws, r, 1, value, styles, value_fmt)
    return lines
