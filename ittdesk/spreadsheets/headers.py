"""Finding the header row in a grid of cell values, the data rows under it, and the column
mappings users confirmed (saved and offered again for the same headings).

Generic on purpose: the importer uses it on the files users send, the returns code uses it on an
LA's blank template. Neither rows nor fields are import-specific types.

Inputs
------
``rows``
    A list of rows, each a list of plain cell values (``str``, ``int``, ``float``, ``date``,
    ``None``) as :mod:`ittdesk.spreadsheets.reading` gives them. Rows may be ragged.
``fields``
    The things a column can be: a sequence of ``(name, label, synonyms)`` tuples, or
    :class:`FieldSpec` objects, or any object with ``name``/``label``/``synonyms`` attributes
    (``synonyms`` may be missing), optionally ``owners``: words naming what the field belongs
    to, which may stand before its name. Name and label are recognised as headings too.

API
---
``match_headings``, ``normalise`` and ``competing`` (how a heading names a field) are in
:mod:`ittdesk.spreadsheets.heading_match`.

``find_header(rows, fields, ...) -> HeaderRow | None``
    The row (0-based ``index``) that is the header: the one within the first ``scan`` rows whose
    headings match the most fields, so title rows, merged banners, notes and blank rows above it
    are skipped. When no row matches two fields (an unfamiliar template), the first row that
    looks like headings (several distinct text cells, nearly as wide as the table) is returned
    with a low confidence. ``None`` when nothing looks like a header.
``find_header_in_sheets({sheet: rows}, fields)``
    The same over several sheets: ``(sheet_name, HeaderRow)`` of the best one, or ``None``.
``data_rows(rows, header)``
    The rows under the header as ``(row_number, values)`` (1-based, as the spreadsheet shows
    them), blank rows skipped, stopping at a trailing "Total"/"Notes" row; also says where it
    stopped and how many non-blank rows it left out, so the caller can tell the user.
``signature(headings)``, ``saved_mapping(purpose, headings)``, ``save_mapping(purpose,
headings, mapping)``
    A mapping the user confirmed (column index -> field name) is stored in ``SavedMapping`` under
    a purpose (e.g. ``"import:schools"``) and the SHA-256 of the normalised headings, and offered
    again for any file with the same headings. Only the two mapping functions touch the database.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from .heading_match import (
    DEFAULT_THRESHOLD,
    Match,
    as_specs,
    cell_text,
    match_headings,
    normalise,
    scorer_for,
)

# "Total", "Grand total:", "Sub-total (all schools)": a totals row, however full it is.
_TOTAL = re.compile(r"^(grand\s+|sub[\s-]?)?totals?\s*(\(.*\))?\s*:?$", re.I)
# "Notes: ...", "Source - ...", "* provisional": a note, when the row is otherwise sparse.
_NOTE = re.compile(r"^((notes?|source|key)\s*([:\-]|$)|\*)", re.I)
# What a row's first text must start with (lower-cased) for _TOTAL or _NOTE to match it:
# their first letters, and the long s that re.IGNORECASE also takes for "s".
_TRAILER_STARTS = frozenset("gstnk*\u017f")
# A first cell starting with one of these is filled and neither (ASCII: one character each)
_DATA_START = frozenset(c for c in string.ascii_letters + string.digits
                        if c.lower() not in _TRAILER_STARTS)


@dataclass(frozen=True)
class HeaderRow:
    index: int  # 0-based row index in ``rows``
    headings: list[str]  # the row as text, '' for empty cells, as wide as the widest row
    matches: dict[int, Match]
    confidence: float  # 0..1: how sure we are that this is the header row

    @property
    def row_number(self) -> int:
        """1-based, as a spreadsheet shows it."""
        return self.index + 1

    def mapping(self) -> dict[int, str]:
        return {col: m.field for col, m in self.matches.items()}


@dataclass
class DataBlock:
    # (1-based row number, values as wide as the header): the sheet's own rows, not copies
    rows: list[tuple[int, Sequence[Any]]]
    stopped_at: int | None = None  # 1-based row number of a totals/notes row, if any
    stopped_because: str = ""
    left_out: int = 0  # non-blank rows from the stop onwards that were not read
    blank_rows: int = 0
    extra: list[str] = field(default_factory=list)


def _width(rows: Sequence[Sequence[Any]]) -> int:
    return max((len(r) for r in rows), default=0)


def _padded(row: Sequence[Any], width: int) -> list[str]:
    texts = [cell_text(v) for v in row]
    return texts + [""] * (width - len(texts))


def _looks_like_headings(row: Sequence[Any], widest: int) -> bool:
    texts = [v for v in row if cell_text(v)]
    if len(texts) < 2 or len(texts) < 0.6 * widest:
        return False
    if any(isinstance(v, (int, float, date)) and not isinstance(v, bool) for v in texts):
        return False
    norms = [normalise(v) for v in texts]
    return len(set(norms)) == len(norms) and all(len(n) <= 80 for n in norms)


def find_header(rows: Sequence[Sequence[Any]], fields: Iterable[Any], *, scan: int = 40,
                threshold: float = DEFAULT_THRESHOLD, ignore: Iterable[int] = ()) -> HeaderRow | None:
    """The header row among the first ``scan`` rows (see the module docstring)."""
    specs = as_specs(fields)
    head = [list(r) for r in rows[:scan]]
    width = _width(head)
    skip = set(ignore)
    names = scorer_for(specs)
    best: tuple[int, float, int, dict[int, Match]] | None = None
    for index, row in enumerate(head):
        if sum(1 for v in row if cell_text(v)) < 1:
            continue
        matches = match_headings(row, specs, threshold=threshold, ignore=skip, _names=names)
        if not matches:
            continue
        total = sum(m.confidence for m in matches.values())
        key = (len(matches), total)
        if best is None or key > (best[0], best[1]):
            best = (len(matches), total, index, matches)
    needed = min(2, len(specs)) or 1
    if best is not None and best[0] >= needed:
        count, total, index, matches = best
        confidence = round(min(1.0, count / 3) * total / count, 3)
        return HeaderRow(index, _padded(head[index], width), matches, confidence)
    widest = max((sum(1 for v in r if cell_text(v)) for r in head), default=0)
    for index, row in enumerate(head):
        if _looks_like_headings(row, widest):
            matches = match_headings(row, specs, threshold=threshold, ignore=skip, _names=names)
            return HeaderRow(index, _padded(row, width), matches, 0.3)
    return None


def find_header_in_sheets(sheets: Mapping[str, Sequence[Sequence[Any]]], fields: Iterable[Any],
                          **kwargs: Any) -> tuple[str, HeaderRow] | None:
    """The sheet whose header matches the most fields (first sheet wins ties)."""
    specs = as_specs(fields)
    best = None
    for name, rows in sheets.items():
        header = find_header(rows, specs, **kwargs)
        if header is None:
            continue
        key = (header.confidence >= 0.5, len(header.matches), header.confidence)
        if best is None or key > best[0]:
            best = (key, name, header)
    return (best[1], best[2]) if best else None


def _filled(v: Any) -> bool:
    if v is None or v == "":
        return False
    return not isinstance(v, str) or bool(v.strip())


def is_blank(row: Sequence[Any]) -> bool:
    """No cell holds anything (stops at the first that does: data rows cost one look)."""
    return _first_filled(row) is None


def _first_filled(row: Sequence[Any]) -> Any:
    """The first cell that holds something, or None: what both is_blank and is_trailer look
    at, found once per data row (:func:`iter_data_rows`)."""
    for v in row:
        if v is None or v == "":
            continue
        if not isinstance(v, str) or v.strip():
            return v
    return None


def is_trailer(row: Sequence[Any], header_width: int) -> bool:
    """A totals row (first cell "Total"...) or a sparse notes row ("Notes:", "Source:", "*")."""
    return _is_trailer(_first_filled(row), row, header_width)


def _is_trailer(first: Any, row: Sequence[Any], header_width: int) -> bool:
    """:func:`is_trailer` for a row whose first filled cell is ``first``."""
    if not isinstance(first, str):
        return False
    first = first.strip()
    if first[:1].lower() not in _TRAILER_STARTS:  # neither pattern can match: most data rows
        return False
    if _TOTAL.match(first):
        return True
    return bool(_NOTE.match(first)) and sum(1 for v in row if _filled(v)) <= max(1, header_width // 2)


def data_rows(rows: Sequence[Sequence[Any]], header: HeaderRow) -> DataBlock:
    """The rows under ``header`` (see the module docstring)."""
    block = DataBlock(rows=[])
    block.rows.extend(iter_data_rows(rows, header, block))
    return block


def iter_data_rows(rows: Iterable[Sequence[Any]], header: HeaderRow,
                   block: DataBlock) -> Iterator[tuple[int, Sequence[Any]]]:
    """:func:`data_rows` one row at a time over every row of a sheet from row 1 (a stream:
    nothing is held). Where it stopped, and why, is in ``block`` once the rows are read."""
    width = len(header.headings)
    header_width = sum(1 for h in header.headings if h)
    stream = iter(rows)
    for _ in islice(stream, header.index + 1):
        pass
    for index, row in enumerate(stream, header.index + 1):
        first = row[0] if row else None
        if first.__class__ is str and first[:1] in _DATA_START:
            pass  # most rows (a URN first): filled, and no totals or notes row starts so
        elif (first := _first_filled(row)) is None:  # blank
            block.blank_rows += 1
            continue
        elif isinstance(first, str) and _is_trailer(first, row, header_width):
            block.stopped_at = index + 1
            block.stopped_because = cell_text(next(v for v in row if _filled(v)))[:40]
            block.left_out = 1 + sum(1 for r in stream if not is_blank(r))
            return
        if len(row) < width:
            row = list(row) + [None] * (width - len(row))
        yield index + 1, row


# -- saved mappings -----------------------------------------------------------------------


def signature(headings: Sequence[Any]) -> str:
    """SHA-256 of the normalised headings in order (empty trailing ones ignored)."""
    norms = [normalise(h) for h in headings]
    while norms and not norms[-1]:
        norms.pop()
    return hashlib.sha256("\x1f".join(norms).encode("utf-8")).hexdigest()


def saved_mapping(purpose: str, headings: Sequence[Any]) -> dict[int, str] | None:
    """The mapping last confirmed for files with these headings, or None."""
    from ..models import SavedMapping

    row = SavedMapping.get_or_none((SavedMapping.purpose == purpose)
                                   & (SavedMapping.signature == signature(headings)))
    if row is None:
        return None
    try:
        data = json.loads(row.mapping)
        return {int(col): str(name) for col, name in data.get("columns", {}).items()}
    except (ValueError, AttributeError, TypeError):
        return None


def save_mapping(purpose: str, headings: Sequence[Any], mapping: Mapping[int, str]) -> None:
    """Remember ``mapping`` (column index -> field name) for files with these headings."""
    from ..audit import now
    from ..models import SavedMapping
    from ..models.base import writing

    payload = json.dumps({
        "columns": {str(col): name for col, name in sorted(mapping.items()) if name},
        "headings": [cell_text(h) for h in headings],
    }, ensure_ascii=False)
    sig = signature(headings)
    with writing():
        updated = (SavedMapping.update(mapping=payload, updated_at=now())
                   .where((SavedMapping.purpose == purpose) & (SavedMapping.signature == sig))
                   .execute())
        if not updated:
            SavedMapping.create(purpose=purpose, signature=sig, mapping=payload, updated_at=now())
