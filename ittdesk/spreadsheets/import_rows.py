"""From cells to parsed values: the rows under the header read into records
(:func:`read_records`), and the plan's parse memo (:func:`remembering`), which the services'
``clean`` and the kinds' ``extra`` use. The import pipeline (:mod:`.importing`) and the kinds use these.

While a plan is made (:func:`remembering`), a parser's outcome for a raw value (the value, or
the reason it refused it) is kept and reused for the same raw value in another row, so each
distinct value is parsed once: most columns of a GIAS extract or an enrolments list repeat a
few values (LA names, types, phases, statuses, cohorts, subjects). Parsers that read the
database (a field declared ``reads_database``: a reference) are always called. Refusals
still name their own row and column: only the parser's result is shared.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .. import fields as F
from ..services.memo import ParseMemo
from ..services.memo import parse_with as parse_with  # re-exported: the kinds parse through it
from . import csv_reading, reading


@dataclass(slots=True)  # one per row of a file: no __dict__ each
class Record:
    """One spreadsheet row, cleaned of blanks: field -> normalised cell value. A kind's plan
    may empty ``raw`` once it has parsed it (the records are read for one plan only)."""

    row: int
    raw: dict[str, Any]


@dataclass
class Refusal:
    row: int
    column: str  # the heading as the file has it ('' when the reason is about the whole row)
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.reason}"


# -- reading cells into records -----------------------------------------------------------


def read_records(rows: Iterable[tuple[int, Sequence[Any]]], columns: list[tuple[int, str]],
                 headings: list[str], dates: set[str], epoch_1904: bool,
                 refused: list[Refusal], check_cancel: Callable[[], None], *,
                 delimiter: str = "") -> list[Record]:
    """Records for ``rows`` ((row number, cells) as ``headers.data_rows`` gives them) over
    ``columns`` ((column, field name), in column order); a row with no value gives none.
    Formula cells are refused and left out of the record. A leading apostrophe is dropped, as
    Excel and DfE's Register do: it only marks a value to be kept as text (``'2024-10-01``,
    ``'100225``, ``'07700 900123``).

    ``delimiter`` (a CSV file's): a row with values beyond the last heading is refused, since
    an unquoted delimiter in one value has shifted every later value into the wrong field
    (an address line read as the town, no postcode)."""
    records = []
    named = len(headings)
    while named and not headings[named - 1]:
        named -= 1
    value, is_empty, formula_text = reading.value, F.is_empty, csv_reading.FormulaText
    # plain text (every CSV cell): reading.value then fields.is_empty, written out here
    spaces, errors, empty_words = reading.SPACES, reading.ERRORS, F.EMPTY_WORDS
    # Most cells are longer than any of those: then, when nothing str.strip() would take off
    # is left at either end (it strips more than SPACES) and as lower() never shortens text,
    # the cell is neither, without the copies strip().lower() makes of each (2.2 million
    # strip() calls for 100,000 enrolment rows).
    longest = max(map(len, errors | empty_words))
    # Cheaper still, for most cells of any length: one starting with an ASCII letter or digit
    # that no error starts with, and whose lower case no empty word starts with, is neither
    # (strip() leaves that character first, lower() maps it alone).
    plain_first = _plain_first(errors, empty_words)
    for n, (number, row) in enumerate(rows):
        if n % 2000 == 0:
            check_cancel()
        if n == 0 and _is_guidance(row):
            continue  # Register's "Do not change this column" row under its headings
        if delimiter and len(row) > named and any(c not in ("", None) for c in row[named:]):
            cells = max(i for i, c in enumerate(row) if c not in ("", None)) + 1
            refused.append(Refusal(number, "", too_many_cells(cells, named, delimiter)))
            continue
        raw: dict[str, Any] = {}
        width = len(row)
        for col, name in columns:
            cell: Any = row[col] if col < width else None
            if cell.__class__ is str:
                cell = cell.strip(spaces)
                if cell[:1] in plain_first:  # most cells (an apostrophe is not one of those)
                    raw[name] = cell
                    continue
                if not cell:
                    continue
                if cell[:1] == "'":  # kept as text in a spreadsheet ('2024-10-01, '0115...)
                    cell = cell[1:].strip(spaces)
                if cell[:1] in plain_first:
                    raw[name] = cell
                elif len(cell) > longest and not cell[0].isspace() and not cell[-1].isspace():
                    raw[name] = cell  # no error or empty word is this long, even stripped
                elif cell and cell not in errors and cell.strip().lower() not in empty_words:
                    raw[name] = cell
                continue
            cell = value(cell)
            if cell is None or is_empty(cell):
                continue
            if isinstance(cell, formula_text):
                refused.append(Refusal(number, headings[col],
                                       f"holds a formula ({cell[:30]}), not a value"))
                continue
            if epoch_1904 and name in dates and isinstance(cell, (int, float)):
                cell = F.excel_serial(cell, epoch_1904=True)
            raw[name] = cell
        if raw:
            records.append(Record(number, raw))
    return records


def _plain_first(errors: set[str] | frozenset[str], empty_words: set[str] | frozenset[str]
                 ) -> frozenset[str]:
    """The ASCII letters and digits a cell may start with and be neither one of ``errors``
    (compared as they are) nor, stripped and in lower case, one of ``empty_words``."""
    errors_start = {e[:1] for e in errors}
    words_start = {w.strip().lower()[:1] for w in empty_words}
    return frozenset(c for c in string.ascii_letters + string.digits
                     if c not in errors_start and c.lower() not in words_start)


_GUIDANCE = "do not change this column"


def _is_guidance(row: Sequence[Any]) -> bool:
    """DfE's Register puts a row of guidance under the headings of the files it gives out
    ("Do not change this column", "The URN of the trainee's first placement school...") and
    drops it when they come back; it is not a record."""
    return any(isinstance(c, str) and c.strip().lower().rstrip(".") == _GUIDANCE for c in row)


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar (|)"}


def too_many_cells(cells: int, named: int, delimiter: str) -> str:
    """Why a CSV row with more cells than headings is refused, in the user's words."""
    return (f"it has {cells} cells but the headings name {named}: a value may contain an "
            f"unquoted {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} (put the value in "
            "double quotes, or save the file again from Excel)")


# -- parsing, remembered per distinct value -----------------------------------------------


_MEMO: ContextVar[ParseMemo | None] = ContextVar("ittdesk_import_parse_memo", default=None)


@contextmanager
def remembering() -> Iterator[ParseMemo]:
    """Remember parsers' outcomes until the block ends (one plan: the database may change)."""
    memo = ParseMemo()
    token = _MEMO.set(memo)
    try:
        yield memo
    finally:
        _MEMO.reset(token)


def current_memo() -> ParseMemo:
    """The plan's memo, or one that remembers nothing outside a plan."""
    return _MEMO.get() or ParseMemo(remember=False)
