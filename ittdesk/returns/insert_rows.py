"""Insert rows into someone else's sheet the way Excel does, so their formulas keep working.

openpyxl's ``insert_rows`` only moves cells: formulas, merged cells, validations, conditional
formats, images, row heights, tables, filters, print areas and defined names keep pointing at
the old rows. An LA template's "Total" row under the data then sums the wrong cells. This module
does the rest of what Excel does when rows are inserted before row ``at``:

* every reference to a row ``>= at`` on that sheet moves down ``count`` rows, wherever it is
  (formulas on any sheet, validation lists, defined names);
* a range that starts above ``at`` and ends at or below it grows, so ``SUM(D6:D20)`` becomes
  ``SUM(D6:D30)`` when ten rows go in before row 20;
* with ``grow_end``, a range that ends exactly at that row grows too. The template filler
  inserts just *below* the data area and names its last row, so a one-row data area
  (``SUM(D6:D6)``), which no insertion point inside could widen, still grows.
"""

from __future__ import annotations

import re
from copy import copy
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl has no type information: these name what is passed
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

_CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_ROWS = re.compile(r"^(\$?)(\d+)$")


def _split_sheet(ref: str) -> tuple[str | None, str, str]:
    """``'My sheet'!A1:B2`` -> ("My sheet", "'My sheet'!", "A1:B2")."""
    if "!" not in ref:
        return None, "", ref
    prefix, _, rest = ref.rpartition("!")
    name = prefix
    if name.startswith("'") and name.endswith("'"):
        name = name[1:-1].replace("''", "'")
    return name, prefix + "!", rest


def _row_of(part: str) -> int | None:
    match = _CELL.match(part) or _ROWS.match(part)
    return int(match.groups()[-1]) if match else None


def _with_row(part: str, row: int) -> str:
    match = _CELL.match(part)
    if match:
        dollar_col, col, dollar_row, _old = match.groups()
        return f"{dollar_col}{col}{dollar_row}{row}"
    match = _ROWS.match(part)
    if match is None:
        raise ValueError(f"{part!r} is neither a cell nor a row")  # callers check _row_of first
    dollar, _old = match.groups()
    return f"{dollar}{row}"


def shift_ref(ref: str, at: int, count: int, *, sheet: str, home: str,
              grow_end: int | None = None) -> str:
    """Shift one range reference (``A1``, ``$D$6:$D$20``, ``'Data'!A1:A5``) if it is on
    ``sheet``; ``home`` is the sheet the reference is written on.

    Rows ``>= at`` move down ``count``. A range whose last row is ``grow_end`` also grows
    (rows inserted just under a data area extend the ranges that end at its last row).
    """
    name, prefix, rest = _split_sheet(ref)
    if (name or home) != sheet:
        return ref
    parts = rest.split(":")
    if len(parts) > 2:
        return ref
    found = [_row_of(p) for p in parts]
    rows = [r for r in found if r is not None]
    if len(rows) != len(found):
        return ref  # a whole column (A:A) or a name: unaffected
    new = [r + count if r >= at else r for r in rows]
    if len(parts) == 2 and grow_end is not None and rows[1] == grow_end and rows[0] <= rows[1]:
        new[1] = rows[1] + count
    return prefix + ":".join(_with_row(p, r) for p, r in zip(parts, new, strict=True))


def shift_formula(formula: str, at: int, count: int, *, sheet: str, home: str,
                  grow_end: int | None = None) -> str:
    """``formula`` (with or without a leading ``=``) with its references on ``sheet`` shifted."""
    from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError

    text = formula if formula.startswith("=") else "=" + formula
    try:
        tokens = Tokenizer(text)
    except TokenizerError:
        return formula
    changed = False
    for token in tokens.items:
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            new = shift_ref(token.value, at, count, sheet=sheet, home=home, grow_end=grow_end)
            if new != token.value:
                token.value = new
                changed = True
    if not changed:
        return formula
    rendered: str = tokens.render()
    return rendered if formula.startswith("=") else rendered[1:]


def _shift_range_text(text: str, at: int, count: int, grow_end: int | None = None) -> str:
    """A space-separated sqref ("A1:A5 C3") on the sheet itself."""
    return " ".join(shift_ref(part, at, count, sheet="", home="", grow_end=grow_end)
                    for part in str(text).split())


def insert_rows(wb: Workbook, ws: Worksheet, at: int, count: int, *, grow_end: int | None = None) -> list[str]:
    """Insert ``count`` rows before row ``at`` of ``ws``, fixing what refers to the rows below.

    ``grow_end``: ranges whose last row is this one grow over the new rows too (pass the last
    row of the data area when inserting just below it).

    Returns warnings about things that could not be adjusted (the caller tells the user).
    """
    warnings: list[str] = []
    if count <= 0:
        return warnings
    sheet = ws.title
    # Formulas on every sheet (references to this sheet from elsewhere move too), found before
    # the rows go in: a sheet holds only the template's own cells then, and a cell keeps its
    # formula when insert_rows moves it down.
    formulas = [(other.title, cell) for other in wb.worksheets
                for row in other.iter_rows() for cell in row
                if cell.data_type == "f" and isinstance(cell.value, str)]
    ws.insert_rows(at, count)
    for home, cell in formulas:
        cell.value = shift_formula(cell.value, at, count, sheet=sheet, home=home,
                                   grow_end=grow_end)

    # Merged cells: below the insertion they move; across it they grow.
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row >= at:
            merged.shift(row_shift=count)
        elif merged.max_row >= at:
            merged.expand(down=count)

    # Data validations: where they apply, and list sources such as =$H$2:$H$9.
    for dv in ws.data_validations.dataValidation:
        from openpyxl.worksheet.cell_range import MultiCellRange

        dv.sqref = MultiCellRange(_shift_range_text(dv.sqref, at, count, grow_end))
        for attr in ("formula1", "formula2"):
            value = getattr(dv, attr)
            if value:
                setattr(dv, attr, shift_formula(str(value), at, count, sheet=sheet, home=sheet,
                                                grow_end=grow_end))

    # Conditional formatting: ranges and rule formulas.
    from openpyxl.formatting.formatting import ConditionalFormattingList

    old_cf = ws.conditional_formatting
    new_cf = ConditionalFormattingList()
    for cf in old_cf:
        target = _shift_range_text(cf.sqref, at, count, grow_end)
        for rule in cf.rules:
            rule.formula = [shift_formula(f, at, count, sheet=sheet, home=sheet, grow_end=grow_end)
                            for f in (rule.formula or [])]
            new_cf.add(target, rule)
    new_cf.max_priority = old_cf.max_priority
    ws.conditional_formatting = new_cf

    # Images and charts anchored at or below the insertion move down with their rows. openpyxl
    # (3.1) has no public way to list a sheet's images, charts or pivot tables: add_image,
    # add_chart and add_pivot append to _images, _charts and _pivots, which its own writer
    # reads. Those three reads (here and the pivot check below) are read-only and guarded with
    # getattr, so an openpyxl that renames them loses only the move, not the fill.
    for drawing in list(getattr(ws, "_images", [])) + list(getattr(ws, "_charts", [])):
        anchor = drawing.anchor
        start = getattr(anchor, "_from", None)
        if start is None or start.row < at - 1:  # anchors are 0-based
            continue
        start.row += count
        end = getattr(anchor, "to", None)
        if end is not None:
            end.row += count

    # Row heights and hidden rows.
    dims = ws.row_dimensions
    for index in sorted((i for i in list(dims) if i >= at), reverse=True):
        moved = copy(dims[index])
        moved.index = index + count
        dims[index + count] = moved
        del dims[index]

    # Tables, the autofilter and the print area grow with the data.
    for table in ws.tables.values():
        table.ref = _shift_range_text(table.ref, at, count, grow_end)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = table.ref
    if ws.auto_filter.ref:
        ws.auto_filter.ref = _shift_range_text(ws.auto_filter.ref, at, count, grow_end)
    if ws.print_area:
        areas = [shift_ref(a, at, count, sheet=sheet, home=sheet, grow_end=grow_end)
                 for a in str(ws.print_area).split(",")]
        ws.print_area = [_split_sheet(a)[2] for a in areas]

    # Defined names that point into the sheet (workbook- and sheet-scoped).
    scopes = [wb.defined_names] + [s.defined_names for s in wb.worksheets]
    for scope in scopes:
        for name, defined in list(scope.items()):
            if name.startswith("_xlnm.Print_Area"):
                continue
            if defined.value:
                defined.value = shift_formula(defined.value, at, count, sheet=sheet,
                                              home=sheet if scope is ws.defined_names else "",
                                              grow_end=grow_end)

    if getattr(ws, "_pivots", None):
        warnings.append("The template has a pivot table; refresh it in Excel after opening.")
    return warnings
