"""The worksheet scanner of :mod:`.preflight`: every cell position of a sheet's XML, checked
against the limits as it streams past.

Split from :mod:`.part_scans` (the other parts' scanners, the base :class:`~.part_scans.XmlScan`
and the cell-reference arithmetic this uses) because a worksheet is the one part read cell by
cell, and the one whose speed matters: a GIAS sheet is 7 million cells, so most chunks are
checked in bulk (:meth:`SheetScan._fast`) and only the rest tag by tag (:meth:`SheetScan._exact`),
two readings of the same cells that must agree on every refusal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import RefusedError
from .part_scans import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    DamagedFile,
    XmlScan,
    cell_position,
    column_letters,
    column_number,
    columns_up_to,
    ref_ranges,
    refuse,
)

if TYPE_CHECKING:
    from .preflight import Limits

_CELL_OR_ROW = re.compile(rb'<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>')
_R_ATTR = re.compile(rb'\sr\s*=\s*["\']([^"\']*)["\']')
_ALL_REFS = re.compile(rb' r="([A-Za-z]+)([0-9]+)"')
_CAPITALS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORKSHEET_END = re.compile(rb"</(?:[\w.-]+:)?(?:worksheet|macrosheet|dialogsheet)>\s*$")


class SheetScan(XmlScan):
    """Every cell position of a worksheet.

    A chunk whose cells all start ``<c r="`` inside rows that start ``<row r="`` (as Excel,
    LibreOffice and openpyxl write them) is checked in bulk (:meth:`_fast`): C-speed counts
    prove every cell sits in its row, and one regex gives the chunk's distinct columns. A whole
    GIAS sheet costs here a fraction of what calamine takes to read it (BENCHMARKS.md, "Figures
    behind the code's comments"). Any other chunk is read tag by tag (:meth:`_exact`), the positions of cells and
    rows without ``r`` following the one before, as calamine places them."""

    def __init__(self, name: str, part: str, limits: Limits, title: str | None = None):
        super().__init__(name, part, limits.depth)
        self.limits = limits
        self.sheet = title or part.rsplit("/", 1)[-1].removesuffix(".xml")
        self.cells = 0
        self.max_col = self.max_row = 0  # of cells
        self.row = 0  # the current <row>
        self.col = 0  # the last cell's column in it
        self.merged = 0
        self.far = ""
        self._prefix = b""
        self._known_columns: set[bytes] = set()  # columns within the sheet, seen already
        self._compile()

    def _compile(self) -> None:
        c, row = b"<" + self._prefix + b"c", b"<" + self._prefix + b"row"
        self._tag_c = c
        self._row_tag = row
        self._columns = re.compile(re.escape(c) + rb' r="([A-Za-z]*)')
        self._beyond_col = 0  # the column _beyond_re was made for (0: none yet)
        self._beyond_re: re.Pattern[bytes] | None = None

    def _beyond(self) -> re.Pattern[bytes] | None:
        """A pattern that finds a cell whose reference is not an upper-case column up to the
        farthest seen so far followed by a digit (None: no column seen yet). Where it finds
        none, every cell's column is one the sheet already passed with."""
        if not self.max_col:
            return None
        if self._beyond_col != self.max_col:
            within = columns_up_to(column_letters(self.max_col)).encode("ascii")
            self._beyond_re = re.compile(re.escape(self._tag_c) + rb' r="(?!(?:' + within
                                         + rb")[0-9])")
            self._beyond_col = self.max_col
        return self._beyond_re

    def root(self, data: bytes) -> None:
        match = re.match(rb"<([\w.-]+:)?worksheet\b", data)
        if match and match.group(1):
            self._prefix = match.group(1)
            self._compile()

    def _fail(self, why: str) -> RefusedError:
        return refuse(self.name, why)

    def scan(self, data: bytes) -> None:
        if b'ref="' in data:
            self._ranges(data)
        if not self._fast(data):
            self._exact(data)
        self._check_totals()

    def _row_number(self, text: bytes) -> int:
        try:
            row = int(text)
        except ValueError:
            raise self._fail(f"has a damaged row number ({text[:20]!r})") from None
        if row > EXCEL_ROWS or row < 1:
            raise self._fail(f"says it has a row {row:,}, far beyond any real sheet")
        return row

    def _fast(self, data: bytes) -> bool:
        """Whether the chunk could be read without looking at each tag (see the class): with
        capital letters deleted, a cell of row 7 reads ``<c r="7"``, so one count per row says
        whether all its cells are in it, and the counts of ``<c r="`` and ``<c`` in the chunk
        that every cell was counted so (a cell elsewhere, without ``r``, or a <col>/<cfRule>
        in the chunk: read exactly). The distinct columns are then checked against the sheet."""
        bare = data.translate(None, _CAPITALS)
        segments = bare.split(self._row_tag + b' r="')
        c_ref = self._tag_c + b' r="'
        try:
            rows = [int(segment[:segment.find(b'"')]) for segment in segments[1:]]
        except ValueError:
            return False  # a damaged row number: read exactly, which names it
        row_tag = self._row_tag
        if bare.count(row_tag) != len(rows):
            # a row without r first (an empty one numbers the next), or any other tag that
            # starts so (read exactly, which tells them apart): one count where three were
            return False
        if rows and (max(rows) > EXCEL_ROWS or min(rows) < 1):
            return False
        # A row without r (its cells fall in the segment before) or a cell elsewhere than its
        # row leaves a "<c" unmatched: then the chunk is read exactly.
        counts = list(map(bytes.count, segments, [c_ref + b'%d"' % r for r in [self.row, *rows]]))
        matched = sum(counts)
        if bare.count(self._tag_c) != matched:
            return False
        far_row = max((r for r, n in zip([self.row, *rows], counts, strict=True) if n), default=0)
        row = rows[-1] if rows else self.row
        with_r = matched
        far_col = 0
        beyond = self._beyond()
        # Only a chunk with a cell beyond the columns seen so far (or an odd reference) pays
        # for a bytes object per cell: GIAS's 7 million cells made 0.4 s of them.
        new_columns = (set(self._columns.findall(data)) - self._known_columns
                       if beyond is None or beyond.search(data) else set())
        for text in new_columns:
            if not 0 < len(text) <= 3 or not text.isupper():
                return False
            far_col = max(far_col, column_number(text.decode("ascii")))
        if far_col > EXCEL_COLUMNS:
            return False  # read exactly, which names the far cell
        if max(far_col, self.max_col) * max(far_row, self.max_row) > self.limits.cells:
            return False  # likewise
        self._known_columns |= new_columns
        if far_col > self.max_col or far_row > self.max_row:
            self.max_col, self.max_row = max(self.max_col, far_col), max(self.max_row, far_row)
            self.far = ""
        self.row = row
        self.cells += with_r
        last = data.rfind(self._tag_c + b' r="')
        if rows and last < data.rfind(self._row_tag + b' r="'):
            self.col = 0  # the chunk ends in a row with no cell yet: a cell without r is its first
        elif last >= 0:
            match = _ALL_REFS.match(data, last + len(self._tag_c))
            if match:
                self.col = column_number(match.group(1).decode())
        return True

    def _exact(self, data: bytes) -> None:
        for match in _CELL_OR_ROW.finditer(data):
            closing, tag, attrs, empty = match.groups()
            if closing:
                continue
            found = _R_ATTR.search(attrs)
            if tag == b"row":
                if found:
                    self.row = self._row_number(found.group(1))
                else:
                    self.row += 1
                    if self.row > EXCEL_ROWS:
                        raise self._fail(f"has more than {EXCEL_ROWS:,} rows, far beyond any real sheet")
                self.col = 0
                continue
            self.cells += 1
            if found:
                try:
                    col, row = cell_position(found.group(1).decode("ascii", "replace"), self.part)
                except (RefusedError, ValueError) as exc:
                    raise self._fail(str(exc)) from None
                self.col, self.row = col, row
            else:
                self.col += 1
                self.row = max(self.row, 1)
                if self.col > EXCEL_COLUMNS:
                    raise self._fail(f"has more than {EXCEL_COLUMNS:,} cells in row {self.row:,}, "
                                     "far beyond any real sheet")
            if self.col > self.max_col or self.row > self.max_row:
                self.max_col, self.max_row = max(self.max_col, self.col), max(self.max_row, self.row)
                self.far = f"{column_letters(self.col)}{self.row}"

    def _ranges(self, data: bytes) -> None:
        for tag, text, area, _col, _row in ref_ranges(data, self.part, self._fail):
            if tag == b"dimension" and area > self.limits.cells:
                raise self._fail(f"declares its sheet '{self.sheet}' as {text} ({area:,} cells), "
                                 "far beyond any real sheet")
            if tag in (b"mergeCell", b"hyperlink"):
                self.merged += area
                if self.merged > self.limits.merged:
                    what = "merged" if tag == b"mergeCell" else "hyperlinked"
                    raise self._fail(f"has {self.merged:,} {what} cells in sheet '{self.sheet}' "
                                     f"(up to {text}), far more than any real sheet")

    def _check_totals(self) -> None:
        if self.cells > self.limits.cells:
            raise self._fail(f"has more than {self.limits.cells:,} cells in sheet '{self.sheet}', "
                             "far more than any real sheet")
        area = self.max_col * self.max_row
        if area > self.limits.cells:
            corner = f"{column_letters(self.max_col)}{self.max_row}"
            if self.far == corner:
                raise self._fail(f"says it has a cell at {corner}, far beyond any real sheet "
                                 f"(A1:{corner} is {area:,} cells)")
            raise self._fail(f"says its sheet '{self.sheet}' spans A1:{corner} ({area:,} cells), "
                             "far beyond any real sheet")

    def feed(self, data: bytes) -> None:
        super().feed(data)
        self._tail = data[-256:]

    def finish(self, rest: bytes) -> None:
        super().finish(rest)
        self._check_totals()
        if rest.strip() or not _WORKSHEET_END.search(getattr(self, "_tail", b"")):
            raise DamagedFile(f"{self.name} is damaged: its sheet '{self.sheet}' is cut short; "
                               "it was not read.")
