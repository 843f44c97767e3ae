"""Cheap checks of a file someone hands over, made before python-calamine, openpyxl or SQLite
is given it.

Why: calamine allocates a sheet's whole grid from the largest cell reference it meets and a
vector from ``sharedStrings.xml``'s ``uniqueCount`` before it reads a value, and aborts the
process (SIGABRT from Rust, not an exception) when that fails: a 5 KB workbook with one cell at
``XFD1048576`` asked for 512 GB. openpyxl builds every cell, merged cell and hyperlinked cell of
a template in memory (one far cell grew to 24 GB; a merged block of 2.6 million cells took most of
a minute and hundreds of MB: BENCHMARKS.md, "Figures behind the code's comments"). So every reader of a user's file calls :func:`check_workbook` (or
:func:`check_sqlite_file`, :func:`check_text_size`) first, and a hostile or absurd file is
refused with one plain line, in well under a second and a few MB, whatever it declares.

What is checked, streaming every zip member once (1 MB at a time, never a whole member; the
scanners of the XML parts are in :mod:`.part_scans` and, for worksheets, :mod:`.sheet_scan`):

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
from .part_scans import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    MAX_TAG,
    DamagedFile,
    OdsScan,
    RefScan,
    Scan,
    StringsScan,
    XmlScan,
    column_letters,
    column_number,
)
from .part_scans import refuse as _refuse
from .sheet_scan import SheetScan

__all__ = ["EXCEL_COLUMNS", "EXCEL_ROWS", "DamagedFile", "IMPORT", "TEMPLATE", "Limits", "check_archive",
           "check_cell_count", "check_sqlite_file", "check_text_cells", "check_text_size", "check_workbook",
           "column_letters", "column_number"]

CHUNK = 1024 * 1024


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
    depth: int = 0  # XML nesting at a chunk's end; 0: not checked (calamine builds no tree)
    members: int = 10_000
    ratio: int = 200  # inflated / compressed, for parts over RATIO_FLOOR (real sheet XML: 5-40x)


RATIO_FLOOR = 4 * 1024 * 1024
MB = 1024 * 1024

#: Files imported (schools, people, enrolments, placements, a full export read back).
IMPORT = Limits(cells=10_000_000, merged=10_000_000, strings=10_000_000, file_bytes=256 * MB,
                total_bytes=768 * MB, part_bytes=512 * MB, other_part_bytes=64 * MB)
#: Templates filled with openpyxl and returned leadership forms: small by nature.
TEMPLATE = Limits(cells=1_000_000, merged=100_000, strings=1_000_000, file_bytes=64 * MB,
                  total_bytes=256 * MB, part_bytes=192 * MB, other_part_bytes=64 * MB,
                  depth=1_000)
#: CSV and text files (read whole into memory by the csv module).
MAX_TEXT_BYTES = 128 * MB
#: A database given to restore: ITT Desk's largest benchmark database is a few hundred MB.
MAX_DATABASE_BYTES = 4 * 1024 * MB

_ZIP = b"PK\x03\x04"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHEET_PART = re.compile(r"^xl/(worksheets|macrosheets|dialogsheets)/[^/]+\.xml$")


# -- the archive ---------------------------------------------------------------------------------


def _declared_entries(path: Path) -> int:
    """The number of parts the zip's end record declares (zip64 too), read from the file's
    last 64 KB: ``zipfile.ZipFile`` builds an object per part before anyone can count them."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65_557))
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            return 0  # zipfile says what is wrong
        entries = int.from_bytes(tail[at + 10:at + 12], "little")
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if entries == 0xFFFF and locator >= 0 and len(tail) >= locator + 20:
            fh.seek(int.from_bytes(tail[locator + 8:locator + 16], "little"))
            record = fh.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries = int.from_bytes(record[32:40], "little")
        return entries


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
            entries = _declared_entries(path)
            if entries > limits.members:
                raise _refuse(path.name, f"holds {entries:,} parts, far more than a workbook has "
                                         "(a zip bomb?)")
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise DamagedFile(f"{path.name} is damaged (not a complete workbook): {exc}") from exc
        with archive:
            # The import wizard opens a file up to three times (guess, sheets, load): a file
            # that passed and has not changed since (its parts' CRCs included) is not read again.
            key: _PassedKey = (str(path.resolve()), stat.st_ino, size, stat.st_mtime_ns, limits,
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


# A file that passed: its path, inode, size, mtime, the limits, and each part's name, CRC and sizes.
_PassedKey = tuple[str, int, int, int, Limits, tuple[tuple[str, int, int, int], ...]]
_PASSED: dict[_PassedKey, bool] = {}  # files that passed (a few, oldest dropped first)


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
            scan: Scan = OdsScan(name, limits)
        elif _SHEET_PART.match(filename):
            scan = SheetScan(name, filename, limits, titles.get(filename))
        elif filename.lower() == "xl/sharedstrings.xml":
            scan = StringsScan(name, limits)
        elif re.match(r"^xl/(comments[^/]*|tables/[^/]*)\.xml$", filename):
            scan = RefScan(name, filename, limits)
        elif filename.endswith((".xml", ".rels", ".vml")):
            scan = XmlScan(name, filename, limits.depth)
        else:
            scan = Scan(name, filename)
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


def _stream(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, scan: Scan) -> None:
    """Inflate one part 1 MB at a time (zipfile stops at the declared size and checks the CRC),
    handing the scanner whole tags: each chunk is cut after its last ``>``."""
    inflated = 0
    carry = b""
    xml = isinstance(scan, XmlScan)
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
        raise DamagedFile(f"{name} is damaged (part {info.filename[:60]} cannot be read: "
                           f"{_first_line(exc)}); it was not read.") from exc
    if xml:
        scan.finish(carry)


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else "damaged data"
    return text[:120]


# -- text files and databases ------------------------------------------------------------------


def check_text_size(path: Path, size: int) -> None:
    if size > MAX_TEXT_BYTES:
        raise _refuse(path.name, f"is {size / MB:,.0f} MB, more than any real CSV file "
                                 f"({MAX_TEXT_BYTES // MB} MB at most)")


def check_text_cells(path: Path, text: str, delimiter: str) -> None:
    """A CSV file of nothing but delimiters is millions of cells for its size; count them (an
    upper bound: quoted delimiters count too) before the csv module builds them all."""
    check_cell_count(path, text.count(delimiter) + text.count("\n") + 1)


def check_cell_count(path: Path, cells: int) -> None:
    """Refuse a CSV file that can hold more than ``cells`` (as :func:`check_text_cells` counts
    them; the reader counts a chunk at a time)."""
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
