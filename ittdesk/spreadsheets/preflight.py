"""Cheap checks of a file someone hands over, made before python-calamine, openpyxl or SQLite
is given it.

Why: calamine allocates a sheet's whole grid from the largest cell reference it meets and a
vector from ``sharedStrings.xml``'s ``uniqueCount`` before it reads a value, and aborts the
process (SIGABRT from Rust, not an exception) when that fails: a 5 KB workbook with one cell at
``XFD1048576`` asked for 512 GB. openpyxl builds every cell, merged cell and hyperlinked cell of
a template in memory (one far cell grew to 24 GB; a merged block of 2.6 million cells took 46 s
and 770 MB). So every reader of a user's file calls :func:`check_workbook` (or
:func:`check_sqlite_file`, :func:`check_text_size`) first, and a hostile or absurd file is
refused with one plain line, in well under a second and a few MB, whatever it declares.

What is checked, streaming every zip member once (1 MB at a time, never a whole member):

- the archive: number of parts, declared sizes (in all, per part, and the ratio to the
  compressed size), then the *actual* inflated bytes and CRC of every part as it is streamed;
- every XML part: no DTD in its prolog (entity expansion needs one; real workbooks never have
  one), and no tag longer than any real one (a regex over chunks cut at the last ``>``);
- each worksheet: the declared ``<dimension ref>``, every ``<c r>`` and ``<row r>`` (and the
  implicit positions of cells and rows without one), every ``ref=``/``sqref=`` range (merged
  cells, hyperlinks, validations...), the number of cells, and the area from A1 to the farthest
  cell, against :class:`Limits`;
- ``sharedStrings.xml``: ``count``/``uniqueCount`` and the actual number of strings;
- ``.ods``: cells and rows multiplied out by ``number-columns-repeated``/``rows-repeated`` (only
  cells holding a value count: LibreOffice repeats empty cells to the sheet's edge);
- ``.xls`` (BIFF) and ``.xlsb``: their records are not parsed here; the size on disk (and for
  ``.xlsb`` the zip checks above) is what is checked;
- a database given to restore: SQLite's 100-byte header (magic, page size, page count against
  the file size) and an upper size, before SQLite opens it.

The limits (see :data:`IMPORT` and :data:`TEMPLATE`): the largest real file anyone imports is
the GIAS extract, ~50,000 schools x 139 columns = 7 million cells, ~210 MB of sheet XML; calamine
holds ~40 bytes per grid cell, so 10 million cells is ~400 MB. An LA template or a leadership
form is a few thousand cells; 1 million is far above any and keeps openpyxl under ~0.5 GB.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import RefusedError

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
CHUNK = 1024 * 1024
MAX_TAG = 4 * 1024 * 1024  # no real tag (or run of text without a ">") comes near this


@dataclass(frozen=True)
class Limits:
    """What a file of one purpose may hold (each figure far above any real file)."""

    cells: int  # per sheet: cells written, and the area from A1 to the farthest one
    merged: int  # per sheet: cells covered by merged ranges and hyperlink ranges
    strings: int  # shared strings, declared or actual
    file_bytes: int  # on disk
    total_bytes: int  # inflated, all parts together
    part_bytes: int  # inflated, one worksheet / shared strings / content.xml
    other_part_bytes: int  # inflated, any other part (styles, workbook, drawings, images)
    members: int = 10_000
    ratio: int = 200  # inflated / compressed, for parts over RATIO_FLOOR (real sheet XML: 5-40x)


RATIO_FLOOR = 4 * 1024 * 1024
MB = 1024 * 1024

#: Files imported (schools, people, enrolments, placements, a full export read back).
IMPORT = Limits(cells=10_000_000, merged=10_000_000, strings=10_000_000, file_bytes=256 * MB,
                total_bytes=768 * MB, part_bytes=512 * MB, other_part_bytes=64 * MB)
#: Templates filled with openpyxl and returned leadership forms: small by nature.
TEMPLATE = Limits(cells=1_000_000, merged=100_000, strings=1_000_000, file_bytes=64 * MB,
                  total_bytes=256 * MB, part_bytes=192 * MB, other_part_bytes=64 * MB)
#: CSV and text files (read whole into memory by the csv module).
MAX_TEXT_BYTES = 128 * MB
#: A database given to restore: ITT Desk's largest benchmark database is a few hundred MB.
MAX_DATABASE_BYTES = 4 * 1024 * MB

_ZIP = b"PK\x03\x04"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHEET_PART = re.compile(r"^xl/(worksheets|macrosheets|dialogsheets)/[^/]+\.xml$")
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def _refuse(name: str, why: str) -> RefusedError:
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


def _cell(text: str, where: str) -> tuple[int, int]:
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


def _range_area(text: str, where: str) -> tuple[int, int, int]:
    """(cells, farthest column, farthest row) of ``A1:B2`` / ``A1`` / ``A:A`` / ``1:1``."""
    start, _, end = text.partition(":")
    end = end or start
    if start.lstrip("$").isalpha() and end.lstrip("$").isalpha():  # whole columns
        start, end = start + "1", end + str(EXCEL_ROWS)
    elif start.lstrip("$").isdigit() and end.lstrip("$").isdigit():  # whole rows
        start, end = "A" + start, "XFD" + end
    c1, r1 = _cell(start, where)
    c2, r2 = _cell(end, where)
    return (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1), max(c1, c2), max(r1, r2)


# -- the archive ---------------------------------------------------------------------------------


def check_workbook(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse a workbook whose size, archive or declared contents could exhaust the machine
    (``limits``: :data:`IMPORT` unless given).

    Files that are neither a zip nor an OLE compound file are left to the caller (CSV)."""
    path = Path(path)
    limits = limits or IMPORT
    try:
        stat = path.stat()
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise RefusedError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    size = stat.st_size
    if head.startswith(_ZIP):
        if size > limits.file_bytes:
            raise _refuse(path.name, f"is {size / MB:,.0f} MB, more than any real workbook "
                                     f"({limits.file_bytes // MB:,} MB at most)")
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise RefusedError(f"{path.name} is damaged (not a complete workbook): {exc}") from exc
        with archive:
            # The import wizard opens a file up to three times (guess, sheets, load): a file
            # that passed and has not changed since (its parts' CRCs included) is not read again.
            key = (str(path.resolve()), stat.st_ino, size, stat.st_mtime_ns, limits,
                   tuple((i.filename, i.CRC, i.file_size, i.compress_size)
                         for i in archive.infolist()))
            if key in _PASSED:
                return
            check_archive(path.name, archive, limits)
        _PASSED[key] = True
        while len(_PASSED) > 8:
            del _PASSED[next(iter(_PASSED))]
    elif head.startswith(_CFB):
        # .xls (BIFF): its records are not parsed here; a BIFF8 sheet cannot pass 65,536 rows x
        # 256 columns, so the size on disk is the check.
        if size > limits.file_bytes // 2:
            raise _refuse(path.name, f"is {size / MB:,.0f} MB, more than any real .xls workbook "
                                     f"({limits.file_bytes // 2 // MB:,} MB at most)")


_PASSED: dict[tuple, bool] = {}  # files that passed, by path, inode, size, mtime and limits


def check_archive(name: str, archive: zipfile.ZipFile, limits: Limits) -> None:
    """The declared sizes first (nothing inflated), then every part streamed and checked."""
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise _refuse(name, f"holds {len(infos):,} parts, far more than a workbook has (a zip bomb?)")
    total = 0
    for info in infos:
        total += info.file_size
        cap = limits.part_bytes if _is_big_part(info.filename) else limits.other_part_bytes
        if info.file_size > cap:
            raise _refuse(name, f"has a part ({info.filename[:60]}) that would expand to "
                                f"{info.file_size / MB:,.0f} MB, more than any real workbook "
                                "(a zip bomb?)")
        if info.file_size > RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.ratio:
                raise _refuse(name, f"has a part ({info.filename[:60]}) that would expand "
                                    f"{ratio:,.0f} times to {info.file_size / MB:,.0f} MB (a zip bomb?)")
    if total > limits.total_bytes:
        raise _refuse(name, f"would expand to {total / MB:,.0f} MB, more than any real workbook "
                            "(a zip bomb?)")
    names = {info.filename for info in infos}
    ods = "content.xml" in names and "xl/workbook.xml" not in names
    titles = _sheet_titles(archive, names)
    for info in infos:
        if info.is_dir():
            continue
        filename = info.filename
        if ods and filename == "content.xml":
            scan: _Scan = _OdsScan(name, limits)
        elif _SHEET_PART.match(filename):
            scan = _SheetScan(name, filename, limits, titles.get(filename))
        elif filename.lower() == "xl/sharedstrings.xml":
            scan = _StringsScan(name, limits)
        elif re.match(r"^xl/(comments[^/]*|tables/[^/]*)\.xml$", filename):
            scan = _RefScan(name, filename, limits)
        elif filename.endswith((".xml", ".rels", ".vml")):
            scan = _XmlScan(name, filename)
        else:
            scan = _Scan(name, filename)
        _stream(name, archive, info, scan)


_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s[^>]*>")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>")
_ATTR = re.compile(rb'([\w.:-]+)\s*=\s*"([^"]*)"')


def _sheet_titles(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part -> the sheet's name as the user sees it, for the messages (best effort:
    the two small parts are read with regexes, never an XML parser, before they are checked)."""
    import html
    import posixpath

    book, rels = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
    if book not in names or rels not in names:
        return {}
    try:
        if max(archive.getinfo(book).file_size, archive.getinfo(rels).file_size) > MB:
            return {}
        targets = {}
        for tag in _RELATIONSHIP.findall(archive.read(rels)):
            attrs = dict(_ATTR.findall(tag))
            target = attrs.get(b"Target", b"").decode("utf-8", "replace")
            targets[attrs.get(b"Id", b"")] = (target.lstrip("/") if target.startswith("/") else
                                              posixpath.normpath(posixpath.join("xl", target)))
        titles = {}
        for tag in _SHEET_TAG.findall(archive.read(book)):
            attrs = dict(_ATTR.findall(tag))
            rel = next((v for k, v in attrs.items() if k.endswith(b":id")), b"")
            if rel in targets and b"name" in attrs:
                titles[targets[rel]] = html.unescape(attrs[b"name"].decode("utf-8", "replace"))[:60]
        return titles
    except Exception:  # a damaged part is found and refused by the scan itself
        return {}


def _is_big_part(filename: str) -> bool:
    return bool(_SHEET_PART.match(filename)) or filename.lower() in (
        "xl/sharedstrings.xml", "content.xml") or filename.startswith("xl/worksheets/")


def _stream(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: _Scan) -> None:
    """Inflate one part 1 MB at a time (zipfile stops at the declared size and checks the CRC),
    handing the scanner whole tags: each chunk is cut after its last ``>``."""
    inflated = 0
    carry = b""
    xml = isinstance(scan, _XmlScan)
    try:
        with archive.open(info) as fh:
            while True:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                inflated += len(chunk)
                if inflated > info.file_size:  # zipfile never gives more; never trust it blindly
                    raise _refuse(name, f"has a part ({info.filename[:60]}) larger than it declares "
                                        "(a zip bomb?)")
                if not xml:
                    continue
                data = carry + chunk
                cut = data.rfind(b">") + 1
                if cut == 0:
                    if len(data) > MAX_TAG:
                        raise _refuse(name, f"has a part ({info.filename[:60]}) that does not look "
                                            "like a workbook part (an XML bomb?)")
                    carry = data
                    continue
                carry = data[cut:]
                scan.feed(data[:cut])
    except RefusedError:
        raise
    except Exception as exc:  # bad CRC, zlib.error, a truncated or encrypted member: damaged
        raise RefusedError(f"{name} is damaged (part {info.filename[:60]} cannot be read: "
                           f"{_first_line(exc)}); it was not read.") from exc
    if xml:
        scan.finish(carry)


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else "damaged data"
    return text[:120]


class _Scan:
    """A part that is only inflated (its size and CRC checked), not read."""

    def __init__(self, name: str, part: str = ""):
        self.name, self.part = name, part

    def feed(self, data: bytes) -> None:  # pragma: no cover - never called for plain parts
        pass

    def finish(self, rest: bytes) -> None:
        pass


class _XmlScan(_Scan):
    """An XML part: its prolog is checked for a DTD before anything else."""

    def __init__(self, name: str, part: str):
        super().__init__(name, part)
        self._in_prolog = True
        self._prolog = b""

    def feed(self, data: bytes) -> None:
        if self._in_prolog:
            self._check_prolog(data)
        self.scan(data)

    def _check_prolog(self, data: bytes) -> None:
        self._prolog += data
        match = _ROOT_ELEMENT.search(self._prolog)
        prolog = self._prolog[:match.start()] if match else self._prolog
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise _refuse(self.name, f"has a part ({self.part[:60]}) that declares XML entities, "
                                     "which real workbooks never do (an XML bomb?)")
        if match:
            root = self._prolog[match.start():]
            self._in_prolog, self._prolog = False, b""
            self.root(root)
        elif len(self._prolog) > MAX_TAG:
            raise _refuse(self.name, f"has a part ({self.part[:60]}) that does not look like a "
                                     "workbook part (an XML bomb?)")

    def root(self, data: bytes) -> None:
        """Called once with the text from the root element on."""

    def scan(self, data: bytes) -> None:
        pass

    def finish(self, rest: bytes) -> None:
        if self._in_prolog and (b"<!DOCTYPE" in self._prolog + rest or b"<!ENTITY" in rest):
            raise _refuse(self.name, f"has a part ({self.part[:60]}) that declares XML entities, "
                                     "which real workbooks never do (an XML bomb?)")


_RANGE_ATTR = re.compile(rb'<(?:[\w.-]+:)?([\w.-]+)\b[^<>]*?\s(?:sq)?ref="([^"]{0,100000})"')


class _RefScan(_XmlScan):
    """Comments and tables: every ``ref`` within Excel's sheet, and a comment no farther from A1
    than a sheet's cells may reach (openpyxl makes a cell for each comment's reference)."""

    def __init__(self, name: str, part: str, limits: Limits):
        super().__init__(name, part)
        self.limits = limits

    def scan(self, data: bytes) -> None:
        if b'ref="' not in data:
            return
        for match in _RANGE_ATTR.finditer(data):
            for text in match.group(2).decode("ascii", "replace").split():
                try:
                    _area, col, row = _range_area(text, self.part)
                except ValueError:
                    continue  # not a cell reference: nothing is made of it
                except RefusedError as exc:
                    raise _refuse(self.name, str(exc)) from None
                if match.group(1) == b"comment" and col * row > self.limits.cells:
                    raise _refuse(self.name, f"says it has a comment at {text}, far beyond any "
                                             "real sheet")


# -- worksheets ----------------------------------------------------------------------------------


_CELL_OR_ROW = re.compile(rb'<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>')
_R_ATTR = re.compile(rb'\sr\s*=\s*["\']([^"\']*)["\']')
_ROW_TAG = re.compile(rb'<(?:[\w.-]+:)?row(?=[\s/>])([^>]*)>')
_ALL_REFS = re.compile(rb' r="([A-Za-z]+)([0-9]+)"')
_CAPITALS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORKSHEET_END = re.compile(rb"</(?:[\w.-]+:)?(?:worksheet|macrosheet|dialogsheet)>\s*$")


class _SheetScan(_XmlScan):
    """Every cell position of a worksheet.

    A chunk whose cells all start ``<c r="`` (Excel, LibreOffice and openpyxl write them so;
    counted) is read with two regex scans whose results are made distinct in C (a chunk holds
    a few hundred distinct columns and rows), so a 210 MB GIAS sheet costs about as much as
    inflating it again. Other chunks (cells or rows without ``r``) are read tag by tag, the
    positions of cells and rows without ``r`` following the one before, as calamine places
    them."""

    def __init__(self, name: str, part: str, limits: Limits, title: str | None = None):
        super().__init__(name, part)
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

    def root(self, data: bytes) -> None:
        match = re.match(rb"<([\w.-]+:)?worksheet\b", data)
        if match and match.group(1):
            self._prefix = match.group(1)
            self._compile()

    def _fail(self, why: str) -> RefusedError:
        return _refuse(self.name, why)

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
        new_columns = set(self._columns.findall(data)) - self._known_columns
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
        if last >= 0:
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
                    col, row = _cell(found.group(1).decode("ascii", "replace"), self.part)
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
                    area, col, row = _range_area(text, self.part)
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
            raise RefusedError(f"{self.name} is damaged: its sheet '{self.sheet}' is cut short; "
                               "it was not read.")


# -- shared strings ----------------------------------------------------------------------------

_COUNT_ATTR = re.compile(rb'\s(count|uniqueCount)\s*=\s*["\']\s*([0-9]+)')


class _StringsScan(_XmlScan):
    def __init__(self, name: str, limits: Limits):
        super().__init__(name, "xl/sharedStrings.xml")
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
                raise _refuse(self.name, f"declares {int(number):,} shared strings "
                                         f"({attr.decode()}), far more than any real workbook")

    def scan(self, data: bytes) -> None:
        self.count += data.count(self._tag)
        if self.count > self.limits.strings:
            raise _refuse(self.name, f"holds more than {self.limits.strings:,} shared strings, far "
                                     "more than any real workbook")


# -- OpenDocument ------------------------------------------------------------------------------

_ODS_TAG = re.compile(rb'<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>')
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated\s*=\s*"([0-9]+)"')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated\s*=\s*"([0-9]+)"')


class _OdsScan(_XmlScan):
    """content.xml: cells that hold something, multiplied out by their repeats (a value cell
    repeated 16,384 times in a row repeated a million times is 17 billion cells)."""

    def __init__(self, name: str, limits: Limits):
        super().__init__(name, "content.xml")
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
                raise _refuse(self.name, f"says it has a cell in column {self.row_far:,}, far "
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
                raise _refuse(self.name, f"says it has a cell in row {self.far_row:,}, far beyond "
                                         "any real sheet")
            area = self.far_row * self.far_col
            if self.cells > self.limits.cells or area > self.limits.cells:
                far = f"{column_letters(self.far_col)}{self.far_row}"
                raise _refuse(self.name, f"says it has a cell at {far}, far beyond any real sheet "
                                         f"({max(area, self.cells):,} cells)")
        self.row += repeat
        self.row_repeat = 1


# -- text files and databases ------------------------------------------------------------------


def check_text_size(path: Path, size: int) -> None:
    if size > MAX_TEXT_BYTES:
        raise _refuse(path.name, f"is {size / MB:,.0f} MB, more than any real CSV file "
                                 f"({MAX_TEXT_BYTES // MB} MB at most)")


def check_text_cells(path: Path, text: str, delimiter: str) -> None:
    """A CSV file of nothing but delimiters is millions of cells for its size; count them (an
    upper bound: quoted delimiters count too) before the csv module builds them all."""
    cells = text.count(delimiter) + text.count("\n") + 1
    if cells > IMPORT.cells:
        raise _refuse(path.name, f"holds up to {cells:,} cells, far more than any real CSV file "
                                 f"({IMPORT.cells:,} at most)")


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not an SQLite database, or is absurd, from its size and 100-byte
    header alone (SQLite's integrity check of a huge or hostile file could run for minutes).
    Never call it on a database this process has open (closing a descriptor drops its locks)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise RefusedError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    if size == 0:
        raise RefusedError(f"{path.name} is empty (0 bytes): it is not an ITT Desk database")
    if not header.startswith(b"SQLite format 3\x00") or len(header) < 100:
        raise RefusedError(f"{path.name} is not an ITT Desk database (not an SQLite file)")
    if size > MAX_DATABASE_BYTES:
        raise _refuse(path.name, f"is {size / MB:,.0f} MB, far larger than any ITT Desk database")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise RefusedError(f"{path.name} is damaged: its page size ({page_size}) is not one SQLite "
                           "uses")
    if size % page_size:
        raise RefusedError(f"{path.name} is damaged or cut short: its size is not a whole number of "
                           "pages")
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    change_counter = int.from_bytes(header[24:28], "big")
    if pages and valid_for == change_counter and pages * page_size > size:
        raise RefusedError(f"{path.name} is cut short: it says it holds {pages:,} pages but the file "
                           f"has {size // page_size:,}")
