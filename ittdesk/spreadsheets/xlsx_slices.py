"""A large .xlsx/.xlsm sheet read a slice of rows at a time, by python-calamine itself.

Why: calamine builds a sheet's whole grid before its first row can be read (a dense grid of 32-40
byte cells and a heap string per text cell): 417 MB for the 50,000 x 139 GIAS workbook before any
Python object, and python-calamine has no streaming API. A reader of our own (lxml iterparse)
streams but took 12 s of CPU for that sheet against calamine's 2.5 s, and would have to copy
every one of calamine's rules for values (shared and inline strings, numbers, booleans, errors,
dates from number formats, the 1904 system). So the sheet's XML is cut, streamed from the
zip, into slices of whole ``<row>`` elements (about 16 MB each, the first one small, for the
header), and each slice is given to calamine as a small workbook of its own beside the file's
own workbook, styles and shared-strings parts (stored, not compressed). Every value is
calamine's; only a slice's grid is held at a time, and one more: past a sheet's head, the next
slice is parsed on a second thread while the rows before it are used (:class:`_Ahead`; calamine
reads it by path from a private memfd or temporary file, without the GIL).

Where a cut could change what calamine reads, the rest of the sheet is read by calamine whole,
as before (:class:`SlicedRows` is given that reader): a slice with a ``<row>`` without ``r``
(calamine numbers it after the one before, which a slice cannot know), a comment, CDATA or
processing instruction in the rows (a ``</row>`` inside one is not a row's end), or a slice
calamine refuses. Rows out of order across a cut (no writer does that) are refused: the rows
given before it may have lacked the cells that came later.

Rows are as :class:`~ittdesk.spreadsheets.reading.Sheet` wants them: row ``i`` is the sheet's
row ``i + 1``, column ``j`` its column ``j + 1``. Each row is at least as wide as the sheet's
``<dimension>`` says (calamine makes every row as wide as the widest; a row here may be shorter
than one in a later slice: the cells beyond it are empty, ``""``, either way).

The file was checked by :mod:`.preflight` when it was opened (zip bombs, DTDs, dimensions, cell
positions, shared-strings counts): the slices are made of the same bytes.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import RefusedError

#: Bytes of sheet XML in a slice: calamine holds ~2.7x that at its peak (GIAS: 16 MB of XML is
#: ~5,300 rows x 139 columns). Each slice costs one parse of the shared strings (~30 ms for
#: GIAS's 141,375): 16 MB keeps that to ~10 a sheet. 8 MB took the same CPU and held ~40 MB
#: less reading alone, but 25 MB more at the GIAS import's peak (307 against 282 MB).
SLICE_BYTES = 16 << 20
#: The first slice: enough for the rows a sheet's header is looked for in, read again cheaply
#: when only the first rows are wanted (``Sheet.head``, ``is_empty``).
FIRST_SLICE_BYTES = 256 << 10
#: Sheets whose XML is smaller than this are read by calamine whole: its grid (~2.7x the XML)
#: then costs less than reading the shared strings again for each slice (see worth_slicing).
MIN_SHEET_BYTES = 64 << 20
#: ... and so are sheets less than this many times the parts each slice reads again.
MIN_RATIO = 8
#: Rows given before the next slice is parsed ahead: a sheet's head (``reading.HEAD_ROWS``) is
#: read and left, and a slice parsed ahead of it would be thrown away.
AHEAD_AFTER_ROWS = 120
#: Slices parsed ahead, each on a thread of its own, while the import's thread uses the rows
#: before them. A GIAS slice is ~0.26 s of calamine's CPU against ~0.14 s of the import's: one
#: worker keeps the import's thread waiting; two keep both cores busy (each holds one more
#: slice's grid, ~45 MB; a third gained nothing). 0: every slice parsed on the caller's thread,
#: no worker (as before this was added).
AHEAD_SLICES = 2
#: The workers' thread names (``ittdesk-xlsx-slices_0``...).
WORKER_NAME = "ittdesk-xlsx-slices"

_BLOCK = 1 << 20
_SHEET_DATA = re.compile(rb"<([\w.-]+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="[A-Za-z]*\d*:?([A-Za-z]*)\d*"')
_MARKUP = re.compile(rb"<[!?]")  # comments, CDATA, processing instructions

RowStream = Callable[[], Iterator[list[Any]]]


def worth_slicing(sheet_bytes: int, again_bytes: int) -> bool:
    """Whether a sheet of ``sheet_bytes`` of XML is better read in slices, each of which reads
    ``again_bytes`` (the workbook, styles and shared-strings parts) again.

    The 50,000 x 139 GIAS sheet (150 MB of XML, 7 MB of shared strings) is: 479 -> ~300 MB at
    the import's peak. The 100,000-enrolment sheet (57 MB, 13 MB of shared strings) is not:
    read in slices it held more (217 against 186 MB, reading alone) and took 0.6 s longer, its
    shared strings parsed again for each slice."""
    return sheet_bytes >= MIN_SHEET_BYTES and sheet_bytes >= MIN_RATIO * again_bytes


class _StoredZip:
    """A small stored (uncompressed) zip of a file's companion parts plus one more entry, given
    to calamine as a stream of the pieces it is made of.

    Why not ``zipfile`` into a ``BytesIO``: that copied the companions (GIAS: 7 MB of shared
    strings) and computed their CRC again for every slice, then copied the whole slice twice
    more (into the buffer, out of it); here the companions' entries are made once and the
    slice's blocks are handed over as they are, each let go once calamine has read it."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.pieces: list[bytes] = []
        self.directory: list[bytes] = []
        self.offset = 0
        for name, data in parts.items():
            self.pieces += self._add(name, zlib.crc32(data), len(data), [data])

    def _add(self, name: str, crc: int, size: int, data: list[bytes]) -> list[bytes]:
        """The entry's pieces (its local header, then ``data``); its directory record kept."""
        try:
            raw, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = name.encode("utf-8"), 0x800  # as zipfile marks a UTF-8 name
        if size >= 0xFFFFFFFF or self.offset >= 0xFFFFFFFF:
            raise _Whole  # never for a slice (16 MB) and companions the preflight let through
        header = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, flags, 0, 0, 0x21, crc, size, size,
                             len(raw), 0) + raw
        self.directory.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, flags, 0, 0, 0x21,
                                          crc, size, size, len(raw), 0, 0, 0, 0, 0, self.offset)
                              + raw)
        self.offset += len(header) + size
        return [header, *data]

    def with_entry(self, name: str, blocks: list[bytes]) -> list[bytes]:
        """The zip's bytes, in pieces: the companions and one more entry made of ``blocks``
        (which it takes over)."""
        crc = size = 0
        for block in blocks:
            crc = zlib.crc32(block, crc)
            size += len(block)
        offset, count = self.offset, len(self.directory)
        try:
            entry = self._add(name, crc, size, blocks)
            blocks.clear()  # the caller's list let go of them too: each block read, then freed
            directory = b"".join(self.directory)
            end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count + 1, count + 1,
                              len(directory), self.offset, 0)
            return [*self.pieces, *entry, directory, end]
        finally:
            self.offset = offset
            del self.directory[count:]


def _slice_file() -> tuple[int, str]:
    """A private file for one slice's workbook, and a path calamine can open it by: a ``memfd``
    (memory, never on disk, gone once closed) where the system has them, else a temporary file
    (only this user may read it; removed by :func:`_parse` in any case)."""
    memfd = getattr(os, "memfd_create", None)
    if memfd is not None and os.path.isdir("/proc/self/fd"):
        try:
            fd = memfd("ittdesk-slice", getattr(os, "MFD_CLOEXEC", 0))
        except OSError:
            pass
        else:
            return fd, f"/proc/self/fd/{fd}"
    return tempfile.mkstemp(prefix="ittdesk-slice-", suffix=".xlsx")


def _parse(pieces: list[bytes], name: str) -> tuple[tuple[int, int] | None, Any]:
    """calamine's sheet ``name`` of the workbook made of ``pieces``, and where its cells start.

    Runs on the reading's worker thread: the file is written in one call and calamine reads it
    by its path, so every step here but a few calls lets go of the GIL (python-calamine's
    ``from_path`` and ``get_sheet_by_name`` do; a file object would be read with ~22 calls
    back into Python a slice, each waiting for the import's thread to let go of the GIL)."""
    from python_calamine import CalamineWorkbook

    fd, path = _slice_file()
    try:
        total = sum(map(len, pieces))
        # one system call (os.writev) where there is one, else a copy of the pieces written
        written = os.writev(fd, pieces) if hasattr(os, "writev") and len(pieces) <= 1024 else 0
        if written < total:
            rest = memoryview(b"".join(pieces))[written:]
            while rest:
                rest = rest[os.write(fd, rest):]
        del pieces[:]
        book = CalamineWorkbook.from_path(path)
        try:
            sheet = book.get_sheet_by_name(name)
        finally:
            book.close()
        return sheet.start, sheet
    finally:
        os.close(fd)
        if not path.startswith("/proc/"):
            os.unlink(path)


class _Ahead:
    """A sheet's slices parsed by calamine, the next ones on other threads while the rows of the
    one before are used (the import reads them into records): calamine's parse, ~2.5 s of the
    GIAS import's CPU, off the import's thread.

    At most :data:`AHEAD_SLICES` slices are parsed ahead (each grid ~45 MB beside the rows in
    hand), and only once :meth:`start` is called; the slices are cut on the caller's thread. A
    slice calamine refuses raises :class:`_Whole` on the caller's thread, as when it was parsed
    there."""

    def __init__(self, name: str, part: str, companions: Callable[[], _StoredZip],
                 bodies: Iterator[list[bytes]]) -> None:
        self.name, self.part, self.companions, self.bodies = name, part, companions, bodies
        self.pool: ThreadPoolExecutor | None = None
        self.jobs: deque[Future[tuple[tuple[int, int] | None, Any]]] = deque()
        self.finished = False
        self.refused: _Whole | None = None  # the cut that could not be made, once reached

    def start(self, slices: int = 0) -> None:
        """The next slices cut and given to the workers to parse, until ``slices`` (by default
        :data:`AHEAD_SLICES`) are being parsed or are ready."""
        slices = slices or max(AHEAD_SLICES, 0)
        while len(self.jobs) < slices and not self.finished:
            try:
                blocks = next(self.bodies, None)
            except _Whole as exc:
                # raised by __iter__ once the slices before this cut are given: here it may be
                # in the middle of a slice's rows
                self.refused, self.finished = exc, True
                return
            if blocks is None:
                self.finished = True
                return
            pieces = self.companions().with_entry(self.part, blocks)
            del blocks
            if AHEAD_SLICES <= 0:  # no worker: parsed here, now
                job: Future[tuple[tuple[int, int] | None, Any]] = Future()
                try:
                    job.set_result(_parse(pieces, self.name))
                except Exception as exc:
                    job.set_exception(exc)
                self.jobs.append(job)
                continue
            if self.pool is None:
                self.pool = ThreadPoolExecutor(AHEAD_SLICES, thread_name_prefix=WORKER_NAME)
            self.jobs.append(self.pool.submit(_parse, pieces, self.name))

    def __iter__(self) -> Iterator[tuple[tuple[int, int] | None, list[list[Any]]]]:
        """Each slice: where it starts and its rows, last row first. The rows are made at once
        (``to_python``) and calamine's grid let go before the first is given: its ``iter_rows``
        would also make a row for each row above the slice."""
        while True:
            self.start(1)
            if not self.jobs:
                if self.refused is not None:
                    raise self.refused
                return
            job = self.jobs.popleft()
            try:
                start, sheet = job.result()
                rows = sheet.to_python() if start is not None else []
            except Exception as exc:
                raise _Whole from exc
            del job, sheet
            rows.reverse()
            yield start, rows
            del rows

    def close(self) -> None:
        """The slices parsed ahead, if any, waited for (their files are closed by then) and let
        go; the workers stopped. Called when the rows are all read, or left (an error, a
        cancel)."""
        while self.jobs:
            job = self.jobs.popleft()
            job.cancel()
            try:
                job.exception()
            except CancelledError:
                pass
            del job
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        self.finished = True
        close = getattr(self.bodies, "close", None)
        if close is not None:
            close()


class _Whole(Exception):
    """The rest of the sheet is read by calamine whole (see the module docstring)."""


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


class SlicedRows:
    """Every row of one sheet, read from the file a slice at a time on each call."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, name: str, part: str,
                 companions: list[str], whole: RowStream) -> None:
        self.path, self.archive, self.name, self.part = path, archive, name, part
        self.companions = companions  # the file's parts a slice's workbook needs beside it
        self.whole = whole
        self.slices = 0  # slices read by the last pass (for tests and diagnostics)
        self.whole_from: int | None = None  # the row index calamine whole took over at, if it did
        self._zip: _StoredZip | None = None

    def _companions(self) -> _StoredZip:
        if self._zip is None:
            self._zip = _StoredZip({name: self.archive.read(name) for name in self.companions})
        return self._zip

    def __call__(self) -> Iterator[list[Any]]:
        done = 0  # rows given so far: the next one is the sheet's row done + 1
        self.slices, self.whole_from = 0, None
        ahead = _Ahead(self.name, self.part, self._companions, self._bodies())
        try:
            for start, rows in ahead:
                self.slices += 1
                done = yield from self._rows(start, rows, done, ahead)
        except _Whole:
            ahead.close()
            self.whole_from = done
            yield from islice(self.whole(), done, None)
        finally:
            ahead.close()

    def _rows(self, start: tuple[int, int] | None, rows: list[list[Any]], done: int,
              ahead: _Ahead) -> Generator[list[Any], None, int]:
        """A slice's rows (and the empty ones above it); returns the rows given in all. ``rows``
        is in reverse order, each let go once given. The next slice is parsed meanwhile once
        more rows than a sheet's head are asked for (``Sheet.head`` stops at its rows)."""
        if start is None:  # a slice of empty rows
            return done
        first, lead_columns = start
        if first < done:
            raise RefusedError(f"{self.path.name} cannot be read: its rows are out of order "
                               f"(row {first + 1:,} comes after row {done:,}); open it in Excel "
                               "and save it again to import it")
        width = self._width
        gap = [""] * width
        while done < first:
            if done >= AHEAD_AFTER_ROWS:
                ahead.start()
            yield gap.copy()
            done += 1
        lead = [""] * lead_columns if lead_columns else None
        for head in (True, False):  # a head's rows first: nothing is parsed ahead for them
            if not head and rows:
                ahead.start()
            while rows and (done < AHEAD_AFTER_ROWS or not head):
                row = rows.pop()
                if lead:
                    row = lead + row
                if len(row) < width:
                    row += [""] * (width - len(row))
                yield row
                done += 1
        return done

    def _bodies(self) -> Iterator[list[bytes]]:
        """The sheet's XML cut after whole rows: each a worksheet of its own, in blocks. A part
        that cannot be read (a closed book, damaged data) is left to calamine whole, whose
        refusal says what is wrong as it always did."""
        try:
            fh = self.archive.open(self.part)
        except (OSError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
            raise _Whole from exc
        with fh:
            try:
                yield from self._cut(fh)
            except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
                raise _Whole from exc

    def _cut(self, fh: Any) -> Iterator[list[bytes]]:
        """``_bodies``' work on the open part."""
        data = b""
        while True:  # up to <sheetData>
            block = fh.read(_BLOCK)
            data += block
            match = _SHEET_DATA.search(data)
            if match or not block:
                break
            if len(data) > 8 * _BLOCK:  # columns, views... never this long before the rows
                raise _Whole
        if match is None:
            raise _Whole
        if match.group(2):  # <sheetData/>: no rows
            return
        prefix = match.group(1) or b""
        dimension = _DIMENSION.search(data, 0, match.start())
        self._width = _column(dimension.group(1)) if dimension and dimension.group(1) else 0
        head, rest = data[: match.end()], data[match.end():]
        tail = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
        end_row, end_rows = b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
        no_r = re.compile(rb"<" + re.escape(prefix) + rb"row(?=[\s/>])(?![^>]*\sr\s*=)[^>]*>")
        limit = FIRST_SLICE_BYTES
        pending, size = [rest], len(rest)
        last = self._check(rest, no_r)
        finished = False
        while not finished:
            block = fh.read(_BLOCK)
            if block:
                last = self._check(last + block, no_r)
                pending.append(block)
                size += len(block)
                if size < limit:
                    continue
                cut = block.rfind(end_row)
                if cut < 0:
                    continue
                cut += len(end_row)
                pending[-1] = block[:cut]
                carry = block[cut:]
            else:
                finished = True
                joined = b"".join(pending)
                cut = joined.rfind(end_rows)
                if cut < 0:
                    raise _Whole
                pending, carry = [joined[:cut]], b""
            blocks, pending = [head, *pending, tail], []
            yield blocks
            pending, size, limit = [carry], len(carry), SLICE_BYTES

    @staticmethod
    def _check(data: bytes, no_r: re.Pattern[bytes]) -> bytes:
        """Refuses to cut ``data`` (see the module docstring); gives its last tag if unfinished
        (from its last ``<``), to be checked again whole with the next block."""
        # "<!" and "<?" are looked for only where a "!" or "?" is (memchr: rows of cells have
        # none; the regex over every "<" of the GIAS sheet cost ~0.3 s)
        if ((b"!" in data or b"?" in data) and _MARKUP.search(data)) or no_r.search(data):
            raise _Whole
        start = data.rfind(b"<")
        return data[start:] if start >= 0 and b">" not in data[start:] else b""
