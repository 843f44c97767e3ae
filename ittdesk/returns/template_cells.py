"""The cells of a filled-in template: what each mapped column gets, the look new rows copy from
the template's first data row, and the loops that write the records.

Split from ``template`` (finding the header, the mapping, the data area and the insertion) so
the per-cell hot path is in one place. openpyxl's public API only: a new cell's look is a
named cell style given by name (openpyxl's one public way to copy a whole look at nearly the
speed of a value; BENCHMARKS.md, "The template fill on the public API, made faster").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from copy import copy
from typing import TYPE_CHECKING, Any, NamedTuple

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import NamedStyle
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:  # openpyxl has no type information: these name what is passed
    from openpyxl.worksheet.worksheet import Worksheet

from ..spreadsheets.safe import set_cell
from ..spreadsheets.writer import DATE_FORMAT, MONEY_FORMAT, SheetColumn

#: What a cell's look is made of, as openpyxl's public cell attributes name them.
LOOK = ("font", "fill", "border", "alignment", "protection", "number_format")
#: The named cell styles a filled-in template carries: one per look its new cells copy.
STYLE_PREFIX = "ITT Desk "


class ColumnPlan(NamedTuple):
    """How one mapped column is filled in (``column_plan``)."""

    col: int  # 1-based column in the sheet
    position: int  # the value's index in a record
    kind: str  # the return column's kind ("money" is pence, written as pounds)
    look: str | None  # the named style new (or typed) cells get; None: left as they are
    typed: bool  # every filled cell gets ``look`` (date and money columns), not only new ones


CellAt = Callable[[int, int], Cell]  # a worksheet's ``cell(row, column)``


class Looks(dict[str, str]):
    """Look -> the name of its named cell style (:func:`look_style`), and the named styles ITT
    Desk added by name: a new cell can be *made* with one's style array (:class:`NewRows`)."""

    def __init__(self) -> None:
        super().__init__()
        self.added: dict[str, NamedStyle] = {}


def fill_rows(cell_at: CellAt, records: Sequence[tuple[Any, ...]], start: int, stop: int,
               data_start: int, new_from: int, plan: list[ColumnPlan],
               has_merged: bool) -> None:
    """Records ``start:stop`` into the template's rows: a cell keeps the LA's look unless it is
    new or a date/money cell; an empty value clears a template row's cell."""
    for n in range(start, stop):
        record = records[n]
        row = data_start + n
        new = row >= new_from
        for col, i, kind, look, typed in plan:
            cell = cell_at(row, col)
            if has_merged and isinstance(cell, MergedCell):
                continue
            # A new row looks like the first data row; a date or money cell gets that look
            # with a date or money format when the LA left it "General".
            if look is not None and (new or typed):
                cell.style = look
            value = record[i]
            if value is None or value == "":
                if not new:
                    cell.value = None
                continue
            set_cell(cell, value / 100 if kind == "money" else value)


def fill_new_rows(cell_at: CellAt, records: Sequence[tuple[Any, ...]], start: int, stop: int,
                   data_start: int, plan: list[ColumnPlan]) -> None:
    """Records ``start:stop`` into inserted rows (no merged cells, nothing to clear): the hot
    loop of a big fill, so each cell is one ``ws.cell``, one named-style name and one value,
    and only text goes through ``set_cell`` (the one kind that can hold control characters
    or look like a formula)."""
    for n in range(start, stop):
        record = records[n]
        row = data_start + n
        for col, i, kind, look, _typed in plan:
            cell = cell_at(row, col)
            if look is not None:
                cell.style = look
            value = record[i]
            if value is None or value == "":
                continue
            if value.__class__ is str:
                set_cell(cell, value)
            else:
                cell.value = value / 100 if kind == "money" else value


class NewRows:
    """Records into the rows inserted under the data area, the quick way on openpyxl's public
    API: each cell is *made* with its look (``Cell(ws, style_array=...)``, the named style's
    array, exactly what ``cell.style = name`` gives it) instead of being made bare and then
    styled (the style setter lists the named styles twice per cell: BENCHMARKS.md, "The two
    missed goals"). ``ws.append`` is the public way to put made cells in a sheet, and it writes
    below the last row, so :meth:`add` appends the records there and :meth:`place` moves them
    up into the inserted rows (one ``move_range`` per run of mapped columns) and removes the
    empty cells ``append`` made in unmapped columns between them.

    Only for plans whose every look is a named style ITT Desk added (:meth:`make`): the LA's
    own named style has no public way back to its object, so such a fill uses
    :func:`fill_new_rows`.
    """

    def __init__(self, ws: Worksheet, plan: list[ColumnPlan],
                 arrays: dict[int, Any], first_row: int) -> None:
        self.ws = ws
        self.plan = plan
        self.arrays = arrays  # column -> the style array its new cells are made with
        self.first_row = first_row  # where the first appended record belongs
        self.width = max(p.col for p in plan)
        self.appended_at: int | None = None
        self.count = 0
        self.bottom = ws.max_row  # append must write below every cell the sheet has now

    @classmethod
    def make(cls, ws: Worksheet, plan: list[ColumnPlan], looks: Looks,
             first_row: int) -> NewRows | None:
        """A NewRows for ``plan``, or None when a look is not one ITT Desk added."""
        arrays: dict[int, Any] = {}
        for p in plan:
            if p.look is None:
                arrays[p.col] = None
            elif p.look in looks.added:
                arrays[p.col] = looks.added[p.look].as_tuple()
            else:
                return None
        return cls(ws, plan, arrays, first_row) if plan else None

    def add(self, records: Sequence[tuple[Any, ...]], start: int, stop: int) -> None:
        """Append records ``start:stop`` (the same values, in the same way, as fill_new_rows)."""
        ws, width = self.ws, self.width
        columns = [(p.col - 1, p.position, p.kind == "money", self.arrays[p.col])
                   for p in self.plan]
        for n in range(start, stop):
            record = records[n]
            row: list[Cell | None] = [None] * width
            for at, i, money, array in columns:
                value = record[i]
                if value is None or value == "":
                    row[at] = Cell(ws, style_array=array)
                elif value.__class__ is str:  # the one kind set_cell must see
                    row[at] = cell = Cell(ws, style_array=array)
                    set_cell(cell, value)
                else:  # made with its look first, so a date keeps the look's date format
                    row[at] = Cell(ws, value=value / 100 if money else value, style_array=array)
            ws.append(row)
            if self.appended_at is None:  # where append put it: the sheet's bottom
                self.appended_at = next(c for c in row if c is not None).row
                if self.appended_at <= self.bottom:  # never expected: refuse, write nothing
                    raise RuntimeError("openpyxl appended rows inside the sheet, not below it")
            self.count += 1

    def place(self) -> None:
        """Move the appended records up into their rows; drop append's unmapped cells."""
        if self.appended_at is None or not self.count:
            return
        top, last = self.appended_at, self.appended_at + self.count - 1
        cols = sorted(p.col for p in self.plan)
        runs: list[tuple[int, int]] = []
        for col in cols:
            if runs and runs[-1][1] == col - 1:
                runs[-1] = (runs[-1][0], col)
            else:
                runs.append((col, col))
        for first, end in runs:
            self.ws.move_range(f"{get_column_letter(first)}{top}:{get_column_letter(end)}{last}",
                               rows=self.first_row - top)
        if len(cols) < self.width:  # append made empty cells in the columns between
            self.ws.delete_rows(top, self.count)


def column_plan(ws: Worksheet, style_row: int | None, mapping: Mapping[int, str],
                 columns: Sequence[SheetColumn], index: dict[str, int],
                 looks: dict[str, str]) -> list[ColumnPlan]:
    """Per mapped column: (1-based column, index in the record, kind, look, typed).

    ``look`` is the template's first data row's look in that column (:func:`look_style`), with a
    date or money format when the LA left it "General" (a date must show as a date); ``typed``
    says every filled cell gets it, not only new rows' cells (date and money columns).
    """
    plan: list[ColumnPlan] = []
    for col, key in sorted(mapping.items()):
        i = index[key]
        kind = columns[i].kind
        proto = ws.cell(row=style_row, column=col + 1) if style_row else None
        if proto is not None and isinstance(proto, MergedCell):
            proto = None
        fmt = proto.number_format if proto is not None else "General"
        if kind == "date" and not _is_date_format(fmt):
            fmt = DATE_FORMAT
        elif kind == "money" and fmt == "General":
            fmt = MONEY_FORMAT
        typed = kind in ("date", "money")
        look = (look_style(ws, proto, looks, fmt if typed else None)
                if proto is not None or typed else None)
        plan.append(ColumnPlan(col + 1, i, kind, look, typed))
    return plan


def look_style(ws: Worksheet, cell: Cell | None, looks: dict[str, str],
          number_format: str | None = None) -> str | None:
    """The name of a named cell style with ``cell``'s look (and ``number_format`` if given),
    added to the workbook once per look: giving it to a cell is openpyxl's one public way to
    copy a whole look at the speed of a plain value (setting the parts one by one costs
    openpyxl a comparison of each whole part, ~50x slower). ``looks`` (look -> name) keeps
    one named style per look; a look that is exactly the cell's own named style (the LA's
    "Input", say) is that style, so the LA's cells stay in it. None for a plain cell."""
    source = cell if cell is not None else Cell(ws)
    parts = {name: getattr(source, name) for name in LOOK}
    if number_format is not None:
        parts["number_format"] = number_format
    elif not source.has_style:
        return None
    parts = {name: value if name == "number_format" else copy(value)
             for name, value in parts.items()}
    wb = ws.parent
    key = repr(sorted((name, repr(value)) for name, value in parts.items()))
    name = looks.get(key)
    if name is None and cell is not None and _is_look_of(ws, cell.style, parts):
        name = looks[key] = cell.style  # the LA's own cell style: its cells stay in it
    if name is None:
        taken = set(wb.named_styles)
        n = len(looks) + 1
        while f"{STYLE_PREFIX}{n}" in taken:
            n += 1
        name = looks[key] = f"{STYLE_PREFIX}{n}"
        style = NamedStyle(name=name, **parts)
        wb.add_named_style(style)
        if isinstance(looks, Looks):
            looks.added[name] = style
    return name


def _is_look_of(ws: Worksheet, style: str, parts: dict[str, Any]) -> bool:
    """Whether the named cell style ``style`` is exactly the look ``parts`` (read by giving it
    to a scratch cell: the public way to see a named style's look)."""
    probe = Cell(ws)
    probe.style = style
    return all(getattr(probe, part) == value for part, value in parts.items())


def _is_date_format(fmt: str | None) -> bool:
    from openpyxl.styles.numbers import is_date_format

    return bool(fmt) and fmt != "General" and is_date_format(fmt)


def copy_row_format(ws: Worksheet, source_row: int, at: int, count: int, skip: set[int],
                     looks: dict[str, str]) -> None:
    """New rows look like the template's first data row: looks, height, per-row formulas
    (columns in ``skip`` are filled in, and given their look, as they are written)."""
    from openpyxl.formula.translate import Translator

    sources = [(c, look_style(ws, c, looks)) for c in ws[source_row] if not isinstance(c, MergedCell)
               and c.column not in skip and (c.has_style or c.data_type == "f")]
    height = ws.row_dimensions[source_row].height
    for offset in range(count):
        row = at + offset
        if height is not None:
            ws.row_dimensions[row].height = height
        for src, look in sources:
            dest = ws.cell(row=row, column=src.column)
            if look is not None:
                dest.style = look
            if src.data_type == "f" and isinstance(src.value, str) and ":" not in src.value:
                dest.value = Translator(src.value, src.coordinate).translate_formula(dest.coordinate)
