"""Streaming scanners of a workbook's XML parts, for :mod:`.preflight`.

``preflight`` inflates each part 1 MB at a time and hands a scanner whole tags (each chunk cut
after its last ``>``); a scanner raises :class:`~ittdesk.errors.RefusedError` as soon as what it
has seen is beyond the limits. None of them builds a tree or holds more than a chunk:

- :class:`XmlScan`: no DTD in the prolog (entity expansion needs one);
- :class:`~.sheet_scan.SheetScan`, in a module of its own (:mod:`.sheet_scan`): every cell's
  position (explicit or implied), the area from A1 to the farthest, the number of cells, the
  declared dimension, merged and hyperlinked ranges;
- :class:`StringsScan`: shared strings declared and counted;
- :class:`RefScan`: references in comments and tables;
- :class:`OdsScan`: OpenDocument cells multiplied out by their repeats.

This module also holds what they share: the base scanners, the refusal (``refuse``,
:class:`DamagedFile`), Excel's bounds and the cell-reference arithmetic (``cell_position``,
``range_area``, ``column_letters``...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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


#: Any tag's ``ref=`` / ``sqref=`` ranges: (tag name, ranges), read by ``ref_ranges``.
RANGE_ATTR = re.compile(rb'<(?:[\w.-]+:)?([\w.-]+)\b[^<>]*?\s(?:sq)?ref="([^"]{0,100000})"')


def ref_ranges(data: bytes, part: str, fail: Callable[[str], Exception]
               ) -> Iterator[tuple[bytes, str, int, int, int]]:
    """Each ``ref``/``sqref`` range in ``data``: (tag, text, cells, farthest column, farthest
    row). Text that is not a cell reference is passed over; a reference beyond Excel's sheet
    raises ``fail(reason)`` (the scan's own refusal, naming its file and sheet)."""
    for match in RANGE_ATTR.finditer(data):
        tag = match.group(1)
        for text in match.group(2).decode("ascii", "replace").split():
            try:
                area, col, row = range_area(text, part)
            except ValueError:
                continue  # not a cell reference: nothing is made of it
            except RefusedError as exc:
                raise fail(str(exc)) from None
            yield tag, text, area, col, row


class RefScan(XmlScan):
    """Comments and tables: every ``ref`` within Excel's sheet, and a comment no farther from A1
    than a sheet's cells may reach (openpyxl makes a cell for each comment's reference)."""

    def __init__(self, name: str, part: str, limits: Limits):
        super().__init__(name, part, limits.depth)
        self.limits = limits

    def scan(self, data: bytes) -> None:
        if b'ref="' not in data:
            return
        for tag, text, _area, col, row in ref_ranges(data, self.part,
                                                     lambda reason: refuse(self.name, reason)):
            if tag == b"comment" and col * row > self.limits.cells:
                raise refuse(self.name, f"says it has a comment at {text}, far beyond any "
                                         "real sheet")


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
