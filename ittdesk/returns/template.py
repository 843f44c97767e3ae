"""Fill in an LA's own template: find its header row, map headings to a return's columns, write
one row per record under it, and keep everything else exactly as the LA made it.

The template is opened with openpyxl (which keeps styles, merged banners, validations,
conditional formatting, formulas, widths, print settings and, with Pillow, images) and saved
as a *new* file through ``safe.save_workbook``; the template itself is never written to.

The data area is the run of rows under the header that are blank or hold only per-row formulas
(``=D6*E6``); the first other row below it (a "Total" row, notes, a signature box) is the LA's
and is never overwritten. When the records need more rows than that, rows are inserted just
below the data area and every range that ends at its last row grows over them, so totals such
as ``=SUM(D6:D20)``, drop-downs and conditional formats cover every record (``insert_rows``).

Mappings are column index (0-based) -> return column key. One the user confirmed is saved per
template (by its headings, ``headers.save_mapping``) and offered again next time. The cells
themselves (each column's plan, the look new rows copy, the fill loops) are ``template_cells``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl has no type information: these name what is passed
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

from .. import gcpolicy
from ..errors import RefusedError, ValidationError
from ..spreadsheets import headers, heading_match, preflight
from ..spreadsheets.safe import save_workbook
from ..spreadsheets.writer import (
    CancelFn,
    Cancelled,
    ProgressFn,
    SheetColumn,
)
from .base import Filters, get_return
from .insert_rows import insert_rows
from .template_cells import (
    Looks,
    NewRows,
    column_plan,
    copy_row_format,
    fill_new_rows,
    fill_rows,
)

SCAN_ROWS = 60
# Stricter than the importer's default: a wrong column filled in an LA's return is worse than an
# empty one the user maps by hand ("Comments from the LA" must not become the LA name).
THRESHOLD = 0.66


@dataclass
class TemplateInfo:
    """What ITT Desk found in a template, for the user to check before filling it in."""

    path: Path
    key: str  # the return whose records fill it
    sheet: str
    header_row: int  # 1-based
    headings: list[str]  # the header row's text, '' for empty cells
    columns: list[SheetColumn]  # the return's columns: what a heading can be filled with
    mapping: dict[int, str]  # 0-based column index -> column key
    from_saved: bool
    data_start: int  # first data row (1-based)
    stop_row: int | None  # the first row that belongs to the LA below the data, if any
    stop_text: str = ""
    confidence: float = 0.0
    formula_columns: frozenset[int] = frozenset()  # columns the template computes per row

    @property
    def capacity(self) -> int | None:
        """Rows available before the LA's own rows; None when nothing is below the data."""
        return None if self.stop_row is None else self.stop_row - self.data_start

    @property
    def unmapped(self) -> list[str]:
        """Headings nothing fills (the CLI lists them)."""
        return [h for i, h in enumerate(self.headings) if h and i not in self.mapping]

    def column(self, key: str) -> SheetColumn:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def describe_mapping(self) -> list[str]:
        """One line per heading: ``C  "School name"  <- School``."""
        from openpyxl.utils import get_column_letter

        lines: list[str] = []
        for i, heading in enumerate(self.headings):
            if not heading:
                continue
            key = self.mapping.get(i)
            target = self.column(key).heading if key else (
                "(a formula in the template)" if i in self.formula_columns else "(left empty)")
            lines.append(f"{get_column_letter(i + 1):>3}  {heading!r:40} <- {target}")
        return lines


@dataclass
class FillResult:
    path: Path
    rows: int
    inserted: int = 0
    messages: list[str] = field(default_factory=list)


def purpose(key: str) -> str:
    return f"template:{key}"


def _open(path: Path, *, read_only: bool = False) -> Workbook:
    from openpyxl import load_workbook

    path = Path(path).expanduser()
    if not path.exists():
        raise RefusedError(f"There is no file {path}")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".ods", ".csv"):
        raise RefusedError(f"{path.name}: templates must be Excel .xlsx files; open it in Excel "
                           "and use Save As > Excel Workbook (.xlsx) first")
    # openpyxl builds every cell, merged cell and hyperlinked cell: a far one would exhaust
    # the machine, so the file's references and sizes are checked first
    preflight.check_workbook(path, preflight.TEMPLATE)
    try:
        return load_workbook(path, read_only=read_only, keep_vba=suffix == ".xlsm",
                             keep_links=True)
    except PermissionError as exc:
        raise RefusedError(f"Cannot read {path.name}: it is locked or not readable") from exc
    except Exception as exc:  # zip/xml errors: not a workbook
        raise RefusedError(f"{path.name} is not an Excel workbook ITT Desk can read ({exc})") from exc


def _grid(ws: Worksheet, rows: int = SCAN_ROWS) -> list[list[Any]]:
    grid: list[list[Any]] = []
    for row in ws.iter_rows(min_row=1, max_row=rows, values_only=True):
        grid.append(list(row))
    return grid


def _formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _is_data_row(values: Sequence[Any]) -> bool:
    """Blank, or only per-row formulas (no ranges): part of the area the records fill."""
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if _formula(value) and ":" not in value:
            continue
        return False
    return True


def _find_stop(ws: Worksheet, data_start: int) -> tuple[int | None, str]:
    for index, row in enumerate(ws.iter_rows(min_row=data_start, values_only=True),
                                start=data_start):
        if not _is_data_row(row):
            text = next((heading_match.cell_text(v) for v in row if heading_match.cell_text(v)), "")
            return index, text[:40]
    return None, ""


def inspect_template(path: Path, key: str, filters: Filters) -> TemplateInfo:
    """Find the header row on any sheet and suggest (or recall) the mapping."""
    spec = get_return(key)
    columns = spec.columns_for(filters)
    wb = _open(path)
    sheets = {ws.title: _grid(ws) for ws in wb.worksheets}
    found = headers.find_header_in_sheets(sheets, columns, threshold=THRESHOLD)
    if found is None or not found[1].matches:
        raise RefusedError(
            f"{Path(path).name}: no row of headings ITT Desk recognises for the "
            f"{spec.title.lower()} (it looks for headings such as "
            f"{', '.join(c.heading for c in columns[:4])})")
    sheet, header = found
    saved = headers.saved_mapping(purpose(key), header.headings)
    known = {c.key for c in columns}
    if saved is not None:
        mapping = {col: name for col, name in saved.items()
                   if name in known and col < len(header.headings)}
    data_start = header.row_number + 1
    first_row = next(wb[sheet].iter_rows(min_row=data_start, max_row=data_start,
                                         values_only=True), ())
    formulas = frozenset(i for i, v in enumerate(first_row) if _formula(v))
    if saved is None:
        # A column the template computes in every row ("=C5*2") is never suggested for data.
        mapping = {col: name for col, name in header.mapping().items() if col not in formulas}
    stop, stop_text = _find_stop(wb[sheet], data_start)
    return TemplateInfo(Path(path), key, sheet, header.row_number, header.headings, columns,
                        mapping, saved is not None, data_start, stop, stop_text,
                        header.confidence, formulas)


def read_mapping_file(path: Path, info: TemplateInfo) -> dict[int, str]:
    """A mapping from JSON: ``{"C": "school", "Head's name": "Headteacher", "F": null}``.

    Keys are column letters or headings as in the template; values are a return column's key
    or heading, or null to leave the column empty. Columns not named keep the suggestion.
    """
    from openpyxl.utils import column_index_from_string

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RefusedError(f"There is no mapping file {path}") from None
    except (OSError, ValueError) as exc:
        raise RefusedError(f"{Path(path).name} is not a JSON mapping: {exc}") from None
    if not isinstance(data, dict):
        raise RefusedError(f"{Path(path).name}: a mapping is a JSON object of column -> field")
    if isinstance(data.get("columns"), dict):  # the format headers.save_mapping stores
        data = {str(int(k) + 1): v for k, v in data["columns"].items()}
    by_heading = {heading_match.normalise(h): i for i, h in enumerate(info.headings) if h}
    by_field: dict[str, str] = {}
    for c in info.columns:
        by_field[c.key.lower()] = c.key
        by_field[heading_match.normalise(c.heading)] = c.key
    mapping = dict(info.mapping)
    errors: dict[str, str] = {}
    for raw_col, raw_field in data.items():
        col: int | None = None
        text = str(raw_col).strip()
        if text.isdigit():
            col = int(text) - 1
        elif text.isalpha() and len(text) <= 3 and text.upper() == text:
            col = column_index_from_string(text) - 1
        else:
            col = by_heading.get(heading_match.normalise(text))
        if col is None or col < 0:
            errors[text] = f"'{text}' is not a column letter or a heading in the template"
            continue
        if raw_field in (None, ""):
            mapping.pop(col, None)
            continue
        key = by_field.get(str(raw_field).lower()) or by_field.get(heading_match.normalise(raw_field))
        if key is None:
            errors[text] = (f"'{raw_field}' is not something the {info.key} return has "
                            f"(one of: {', '.join(c.key for c in info.columns)})")
            continue
        mapping[col] = key
    if errors:
        raise ValidationError(errors)
    return mapping


def check_mapping(info: TemplateInfo, mapping: Mapping[int, str]) -> dict[int, str]:
    known = {c.key for c in info.columns}
    clean: dict[int, str] = {}
    for col, key in mapping.items():
        if not key:
            continue
        if key not in known:
            raise ValidationError({str(col): f"'{key}' is not a column of the {info.key} return"})
        if not 0 <= int(col) < len(info.headings) + 50:
            raise ValidationError({str(col): f"column {col + 1} is outside the template"})
        clean[int(col)] = key
    if not clean:
        raise RefusedError("Nothing would be filled in: map at least one heading to a field")
    return clean


def fill_template(info: TemplateInfo, target: Path, filters: Filters,
                  mapping: Mapping[int, str] | None = None, *, remember: bool = False,
                  progress: ProgressFn | None = None,
                  cancelled: CancelFn | None = None) -> FillResult:
    """Write the return's records into a copy of the template saved as ``target``.

    Bulk work, so the cyclic collector is paused (``gcpolicy``, as for imports): openpyxl
    makes a few objects per cell, and each collection they trigger walks every cell so far."""
    with gcpolicy.paused():
        return _fill(info, target, filters, mapping, remember=remember, progress=progress,
                     cancelled=cancelled)


def _fill(info: TemplateInfo, target: Path, filters: Filters,
          mapping: Mapping[int, str] | None = None, *, remember: bool = False,
          progress: ProgressFn | None = None,
          cancelled: CancelFn | None = None) -> FillResult:
    target = Path(target).expanduser()
    if target.resolve() == info.path.expanduser().resolve():
        raise RefusedError("The filled-in return must be saved as a new file, not over the template")
    if info.path.suffix.lower() == ".xlsm" and target.suffix.lower() != ".xlsm":
        raise RefusedError("The template has macros (.xlsm): save the result as .xlsm too")
    mapping = check_mapping(info, mapping if mapping is not None else info.mapping)
    data = get_return(info.key).build(filters)
    index = {c.key: i for i, c in enumerate(data.columns)}
    missing = [k for k in mapping.values() if k not in index]
    if missing:
        raise RefusedError(f"The {info.key} return for these filters has no column "
                           f"{', '.join(missing)} (programme columns depend on the year)")
    records = [tuple(r) for r in data.rows]
    wb = _open(info.path)
    ws = wb[info.sheet]
    result = FillResult(target, len(records))

    looks = Looks()  # one named style per look new cells copy (look_style)
    capacity = info.capacity
    at = info.stop_row  # known exactly when capacity is
    if capacity is not None and at is not None and len(records) > capacity:
        extra = len(records) - capacity
        # Insert just below the data area; ranges that end at its last row (the totals, the
        # drop-downs, the conditional formats) grow over the new rows.
        result.messages += insert_rows(wb, ws, at, extra,
                                       grow_end=at - 1 if capacity >= 1 else None)
        if capacity >= 1:  # the mapped columns' cells are made as they are filled in
            copy_row_format(ws, info.data_start, at, extra, skip={c + 1 for c in mapping},
                             looks=looks)
        result.inserted = extra
        result.messages.append(
            f"The template had room for {capacity} rows above row {info.stop_row} "
            f"({info.stop_text or 'the rows below the data'}); {extra} rows were inserted so "
            "its formulas still cover every row.")
        if capacity == 0:
            result.messages.append(
                "Formulas in the template that pointed at no data row may not cover the "
                "inserted rows: check the totals.")
    plan = column_plan(ws, info.data_start if (capacity is None or capacity >= 1) else None,
                        mapping, data.columns, index, looks)
    new_from = info.data_start + len(records)
    if result.inserted and at is not None:
        new_from = min(new_from, at)  # rows from here on are new
    # Only a merge over the rows filled in (not the LA's banners above) needs the slower path.
    last_row = info.data_start + len(records) - 1
    has_merged = any(r.min_row <= last_row and r.max_row >= info.data_start
                     for r in ws.merged_cells.ranges)
    cell_at = ws.cell
    # Inserted rows' cells are made with their look and moved into place (NewRows), unless a
    # merge or the LA's own named style needs the cell-by-cell way (fill_new_rows).
    new_rows = None if has_merged else NewRows.make(ws, plan, looks, new_from)
    for start in range(0, len(records), 500):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(start, len(records))
        stop = min(start + 500, len(records))
        first = info.data_start + start
        if first + (stop - start) <= new_from or has_merged:
            fill_rows(cell_at, records, start, stop, info.data_start, new_from, plan,
                       has_merged)
        else:
            if first < new_from:  # the template's own rows of this chunk, then the new ones
                split = new_from - info.data_start
                fill_rows(cell_at, records, start, split, info.data_start, new_from, plan,
                           has_merged)
                start = split
            if new_rows is not None:
                new_rows.add(records, start, stop)
            else:
                fill_new_rows(cell_at, records, start, stop, info.data_start, plan)
    if cancelled is not None and cancelled():
        raise Cancelled()
    if new_rows is not None:
        new_rows.place()
    result.path = save_workbook(wb, target)
    if remember:
        headers.save_mapping(purpose(info.key), info.headings, mapping)
    if progress is not None:
        progress(len(records), len(records))
    return result
