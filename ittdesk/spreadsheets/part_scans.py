"""Streaming scanners of a workbook's XML parts, for :mod:`.preflight`.

``preflight`` inflates each part 1 MB at a time and hands a scanner whole tags (each chunk cut
after its last ``>``); a scanner raises :class:`~ittdesk.errors.RefusedError` as soon as what it
has seen is beyond the limits. None of them builds a tree or holds more than a chunk:

- :class:`XmlScan`: no DTD in the prolog (entity expansion needs one);
- :class:`SheetScan`: every cell's position (explicit or implied), the area from A1 to the
  farthest, the number of cells, the declared dimension, merged and hyperlinked ranges;
- :class:`StringsScan`: shared strings declared and counted;
- :class:`RefScan`: references in comments and tables;
- :class:`OdsScan`: OpenDocument cells multiplied out by their repeats.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import RefusedError

if TYPE_CHECKING:
    from .preflight import Limits

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
MAX_TAG = 4 * 1024 * 1024  # no real tag (or run of text without a ">") comes near this
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


class DamagedFile(RefusedError):
    """The file is not a complete, readable workbook (not a resource problem): callers with a
    friendlier word for that (a returned form) say it their way."""


def refuse(name: str, why: str) -> RefusedError:
    return RefusedError(f"{name} {why}; it was not read.")


# -- cell references ----------------------------------------------------------------------------


def column_number(letters: str) -> int:
    """``A`` -> 1, ``XFD`` -> 16384."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


def cell_position(text: str, where: str) -> tuple[int, int]:
    """(column, row) of ``A1`` (``$`` allowed); refuses anything beyond Excel's sheet."""
    match = _REF.match(text)
    if not match:
        if re.match(r"^\$?[A-Za-z]+\$?[0-9]+$", text):
            raise RefusedError(f"says it has a cell at {text[:20]}, far beyond any real sheet")
        raise ValueError(f"has a damaged cell reference ({text[:20]!r}) in {where}")
    column, row = column_number(match.group(1)), int(match.group(2))
    if column > EXCEL_COLUMNS or row > EXCEL_ROWS or row < 1:
        raise RefusedError(f"says it has a cell at {text.upper()}, far beyond any real sheet")
    return column, row


def columns_up_to(letters: str) -> str:
    """A regex (no groups) matching exactly the upper-case column names ``A`` .. ``letters``:
    ``EI`` -> ``[A-Z]{1,1}|[A-D][A-Z]{1}|E[A-I]``."""
    size = len(letters)
    options = [f"[A-Z]{{1,{size - 1}}}"] if size > 1 else []
    for at, letter in enumerate(letters):
        if at == size - 1:
            options.append(f"{letters[:at]}[A-{letter}]")
        elif letter > "A":
            options.append(f"{letters[:at]}[A-{chr(ord(letter) - 1)}][A-Z]{{{size - 1 - at}}}")
    return "|".join(options)


def range_area(text: str, where: str) -> tuple[int, int, int]:
    """(cells, farthest column, farthest row) of ``A1:B2`` / ``A1`` / ``A:A`` / ``1:1``."""
    start, _, end = text.partition(":")
    end = end or start
    if start.lstrip("$").isalpha() and end.lstrip("$").isalpha():  # whole columns
        start, end = start + "1", end + str(EXCEL_ROWS)
    elif start.lstrip("$").isdigit() and end.lstrip("$").isdigit():  # whole rows
        start, end = "A" + start, "XFD" + end
    c1, r1 = cell_position(start, where)
    c2, r2 = cell_position(end, where)
    return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1), max(c1, c2), max(r1, r2)


class Scan:
    """A part that is only inflated (its size and CRC checked), not read."""

    def __init__(self, name: str, part: str = ""):
        self.name, self.part = name, part

    def feed(self, data: bytes) -> None:  # pragma: no cover - never called for plain parts
        pass

    def finish(self, rest: bytes) -> None:
        pass


class XmlScan(Scan):
    """An XML part: its prolog is checked for a DTD before anything else, and, for a part
    openpyxl will build as a tree (``depth``), its nesting at each chunk's end (an element
    nested two million deep is 18 KB zipped and 600 MB in openpyxl; real parts nest < 20)."""

    def __init__(self, name: str, part: str, depth: int = 0):
        super().__init__(name, part)
        self._in_prolog = True
        self._prolog = b""
        self._max_depth = depth
        self._depth = 0

    def feed(self, data: bytes) -> None:
        if self._in_prolog:
            self._check_prolog(data)
        if self._max_depth:
            closes = data.count(b"</")
            self._depth += (data.count(b"<") - 2 * closes - data.count(b"<?") - data.count(b"<!")
                            - data.count(b"/>"))
            if self._depth > self._max_depth:
                raise refuse(self.name, f"has a part ({self.part[:60]}) nested {self._depth:,} "
                                        "deep, far beyond any real workbook (an XML bomb?)")
        self.scan(data)

    def _check_prolog(self, data: bytes) -> None:
        self._prolog += data
        match = _ROOT_ELEMENT.search(self._prolog)
        prolog = self._prolog[:match.start()] if match else self._prolog
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise refuse(self.name, f"has a part ({self.part[:60]}) that declares XML entities, "
                                     "which real workbooks never do (an XML bomb?)")
        if match:
            root = self._prolog[match.start():]
            self._in_prolog, self._prolog = False, b""
            self.root(root)
        elif len(self._prolog) > MAX_TAG:
            raise refuse(self.name, f"has a part ({self.part[:60]}) that does not look like a "
                                     "workbook part (an XML bomb?)")

    def root(self, data: bytes) -> None:
        """Called once with the text from the root element on."""

    def scan(self, data: bytes) -> None:
        pass

    def finish(self, rest: bytes) -> None:
        if self._in_prolog and (b"<!DOCTYPE" in self._prolog + rest or b"<!ENTITY" in rest):
            raise refuse(self.name, f"has a part ({self.part[:60]}) that declares XML entities, "
                                     "which real workbooks never do (an XML bomb?)")


_RANGE_ATTR = re.compile(rb'<(?:[\w.-]+:)?([\w.-]+)\b[^<>]*?\s(?:sq)?ref="([^"]{0,100000})"')


class RefScan(XmlScan):
    """Comments and tables: every ``ref`` within Excel's sheet, and a comment no farther from A1
    than a sheet's cells may reach (openpyxl makes a cell for each comment's reference)."""

    def __init__(self, name: str, part: str, limits: Limits):
        super().__init__(name, part, limits.depth)
        self.limits = limits

    def scan(self, data: bytes) -> None:
        if b'ref="' not in data:
            return
        for match in _RANGE_ATTR.finditer(data):
            for text in match.group(2).decode("ascii", "replace").split():
                try:
                    _area, col, row = range_area(text, self.part)
                except ValueError:
                    continue  # not a cell reference: nothing is made of it
                except RefusedError as exc:
                    raise refuse(self.name, str(exc)) from None
                if match.group(1) == b"comment" and col * row > self.limits.cells:
                    raise refuse(self.name, f"says it has a comment at {text}, far beyond any "
                                             "real sheet")


# -- worksheets ----------------------------------------------------------------------------------


_CELL_OR_ROW = re.compile(rb'<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>')
_R_ATTR = re.compile(rb'\sr\s*=\s*["\']([^"\']*)["\']')
_ROW_TAG = re.compile(rb'<(?:[\w.-]+:)?row(?=[\s/>])([^>]*)>')
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
        for match in _RANGE_ATTR.finditer(data):
            tag = match.group(1)
            for text in match.group(2).decode("ascii", "replace").split():
                try:
                    area, col, row = range_area(text, self.part)
                except ValueError:
                    continue  # not a cell reference: nothing is made of it
                except RefusedError as exc:
                    raise self._fail(str(exc)) from None
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


# -- shared strings ----------------------------------------------------------------------------

_COUNT_ATTR = re.compile(rb'\s(count|uniqueCount)\s*=\s*["\']\s*([0-9]+)')


class StringsScan(XmlScan):
    def __init__(self, name: str, limits: Limits):
        super().__init__(name, "xl/sharedStrings.xml", limits.depth)
        self.limits = limits
        self.count = 0
        self._tag = b"<si"  # nothing else in <sst> starts so (t, r, rPr, rPh, phoneticPr)

    def root(self, data: bytes) -> None:
        end = data.find(b">")
        head = data[:end if end >= 0 else MAX_TAG]
        match = re.match(rb"<([\w.-]+:)?sst\b", head)
        if match and match.group(1):
            self._tag = b"<" + match.group(1) + b"si"
        for attr, number in _COUNT_ATTR.findall(head):
            if int(number) > self.limits.strings:
                raise refuse(self.name, f"declares {int(number):,} shared strings "
                                         f"({attr.decode()}), far more than any real workbook")

    def scan(self, data: bytes) -> None:
        self.count += data.count(self._tag)
        if self.count > self.limits.strings:
            raise refuse(self.name, f"holds more than {self.limits.strings:,} shared strings, far "
                                     "more than any real workbook")


# -- OpenDocument ------------------------------------------------------------------------------

_ODS_TAG = re.compile(rb'<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>')
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated\s*=\s*"([0-9]+)"')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated\s*=\s*"([0-9]+)"')


class OdsScan(XmlScan):
    """content.xml: cells that hold something, multiplied out by their repeats (a value cell
    repeated 16,384 times in a row repeated a million times is 17 billion cells)."""

    def __init__(self, name: str, limits: Limits):
        super().__init__(name, "content.xml", limits.depth)
        self.limits = limits
        self._reset_table()
        self.row_repeat = 1
        self.in_cell = False
        self.cell_repeat = 1
        self.cell_has_value = False

    def _reset_table(self) -> None:
        self.row = 0  # rows before the current one
        self.col = 0
        self.row_cells = 0  # value cells in the current row (with repeats)
        self.row_far = 0
        self.cells = 0
        self.far_row = self.far_col = 0

    def scan(self, data: bytes) -> None:
        for match in _ODS_TAG.finditer(data):
            closing, tag, attrs, empty = match.groups()
            if tag == b"table":
                if not closing:
                    self._reset_table()
                continue
            if tag == b"table-row":
                if closing:
                    self._end_row()
                else:
                    found = _ROWS_REPEATED.search(attrs)
                    self.row_repeat = int(found.group(1)) if found else 1
                    self.col, self.row_cells, self.row_far = 0, 0, 0
                    if empty:
                        self._end_row()
                continue
            if closing:  # </table:table-cell>: whatever it held is a value
                self._end_cell(True)
                continue
            found = _COLUMNS_REPEATED.search(attrs)
            self.cell_repeat = int(found.group(1)) if found else 1
            has_value = b"value-type" in attrs or b"formula" in attrs
            if empty:
                self._end_cell(has_value)
            else:
                self.in_cell, self.cell_has_value = True, has_value

    def _end_cell(self, has_value: bool) -> None:
        repeat = self.cell_repeat
        if has_value:
            self.row_cells += repeat
            self.row_far = self.col + repeat
            if self.row_far > EXCEL_COLUMNS:
                raise refuse(self.name, f"says it has a cell in column {self.row_far:,}, far "
                                         "beyond any real sheet")
        self.col += repeat
        self.in_cell, self.cell_repeat = False, 1

    def _end_row(self) -> None:
        repeat = self.row_repeat
        if self.row_cells:
            self.cells += self.row_cells * repeat
            self.far_row = self.row + repeat
            self.far_col = max(self.far_col, self.row_far)
            if self.far_row > EXCEL_ROWS:
                raise refuse(self.name, f"says it has a cell in row {self.far_row:,}, far beyond "
                                         "any real sheet")
            area = self.far_row * self.far_col
            if self.cells > self.limits.cells or area > self.limits.cells:
                far = f"{column_letters(self.far_col)}{self.far_row}"
                raise refuse(self.name, f"says it has a cell at {far}, far beyond any real sheet "
                                         f"({max(area, self.cells):,} cells)")
        self.row += repeat
        self.row_repeat = 1
