"""Reading a CSV file as a spreadsheet's rows: its encoding and delimiter found, its hostile
forms refused, its rows read again from the file on each pass (:mod:`.reading` gives them as a
:class:`~ittdesk.spreadsheets.reading.Book`'s one sheet, beside the workbooks).

What it promises:

- Encoding: a byte-order mark (UTF-8, UTF-16) is believed; else UTF-8, else Windows-1252 as
  Excel writes it -- unless the bytes look like another encoding (:func:`unsupported`:
  Shift-JIS, UTF-16 without its mark...), which is refused rather than read as mojibake.
- Refused before any cell is made: a file absurdly large (:func:`.preflight.check_text_size`),
  a NUL byte anywhere, too many cells (:func:`.preflight.check_cell_count`), no data at all.
- The delimiter is the one that splits the first records most consistently
  (:func:`sniff_delimiter`), counted outside quotes.
- The decoded text is never held: one chunked pass finds the sample, the counts and whether
  any cell can be formula text; each read of the rows decodes the file again
  (:class:`CsvText`), refusing a file that changed since it was opened.
- A cell that holds formula text (``=SUM(B2:B9)``) is given as :class:`FormulaText` so callers
  can refuse it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RefusedError
from . import preflight


class FormulaText(str):
    """Text in a CSV cell that is a spreadsheet formula, not a value."""


#: Bytes Windows-1252 leaves undefined: no program writing Windows-1252 writes them.
_UNDEFINED_1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
#: 0x80-0x9F bytes that Windows-1252 text seldom holds (it uses € … ‘ ’ “ ” • – — there);
#: in Shift-JIS, GBK or Big5 they are the first byte of most characters.
_ODD_1252 = bytes([0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8E, 0x98,
                   0x9A, 0x9B, 0x9C, 0x9E, 0x9F])
_LOW_BYTES = bytes(range(0x80))
#: Every byte below 0x80 as a space and every other as "x" (the runs of non-ASCII bytes).
_RUNS = bytes(0x20 if b < 0x80 else 0x78 for b in range(256))


def unsupported(data: bytes) -> str | None:
    """Why ``data`` (neither BOM-marked nor UTF-8) is not Windows-1252 text, or None.

    Windows-1252 decodes almost any bytes, so text in another encoding (Shift-JIS, UTF-16
    without a BOM, Big5...) would come out as mojibake without a word: this refuses it first.

    Heuristics on the first megabyte: NUL bytes on alternate positions (UTF-16 without a
    BOM); any byte Windows-1252 leaves undefined; or non-ASCII bytes that mostly come in runs
    or are mostly odd punctuation, as double-byte encodings give. Windows-1252 text has its
    accented letters and quotes one at a time between ASCII letters."""
    sample = data[: 1 << 20]
    nuls = sample.count(0)
    if nuls:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) < len(sample) // 8:
            return None  # binary: the caller's own refusal says so
        try:  # ASCII in UTF-16 has its zero bytes first (big-endian) or second (little)
            text = sample[: len(sample) & ~1].decode("utf-16-be" if even > odd else "utf-16-le",
                                                      errors="replace")
        except UnicodeDecodeError:
            return None
        if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            return None
        return "UTF-16 text without a byte-order mark"
    # The bytes looked for are all non-ASCII: counted among those alone (one pass over the
    # sample, not one per byte looked for: 22 passes over a megabyte before).
    highs = sample.translate(None, _LOW_BYTES)
    if any(highs.count(b) for b in _UNDEFINED_1252):
        return "an encoding other than UTF-8 or Windows-1252"
    high = len(highs)
    if high < 4:
        return None
    # runs of two or more: the high bytes' runs as words once every other byte is a space
    in_runs = sum(len(run) for run in sample.translate(_RUNS).split() if len(run) > 1)
    odd = sum(highs.count(b) for b in _ODD_1252)
    if in_runs > high * 0.6 or odd > high * 0.3:
        return "an encoding other than UTF-8 or Windows-1252"
    return None


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Undecodable bytes read as Latin-1 (a handler for decoding only: any other error stands)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("ittdesk-latin1", _latin1_fallback)


_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_TOKENS = re.compile(r'"|\r\n|\n|\r|[,;\t|]')


def sniff_delimiter(sample: str, complete: bool = True) -> str:
    """The delimiter that splits the first records into the most cells, consistently.

    Records, not lines, and delimiters outside quotes only: a quoted cell may hold line breaks
    and semicolons (an address), whose lines would otherwise outvote the real delimiter.
    ``complete``: the sample is the whole text (else its last record may be cut short)."""
    records = _delimiter_counts(sample, complete)
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = [r.get(delimiter, 0) + 1 for r in records]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common < 2:
            continue
        score = (sum(1 for c in counts if c == common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _delimiter_counts(sample: str, complete: bool, limit: int = 30) -> list[dict[str, int]]:
    """For each of the first non-blank records, how many of each delimiter lie outside quotes.
    A quote opens or closes quoting wherever it is (a doubled quote inside a quoted cell
    closes and reopens it), which is how every writer of CSV quotes cells."""
    records: list[dict[str, int]] = []
    current: dict[str, int] = {}
    quoted = filled = False
    position = 0
    for match in _SNIFF_TOKENS.finditer(sample):
        token = match.group()
        if token == '"':
            quoted = not quoted
            filled = True
        elif quoted:
            continue
        elif token in _DELIMITERS:
            current[token] = current.get(token, 0) + 1
        else:  # a line break outside quotes ends the record
            if filled or current or sample[position:match.start()].strip():
                records.append(current)
                if len(records) >= limit:
                    return records
            current, filled = {}, False
            position = match.end()
    if complete and not quoted and (current or filled or sample[position:].strip()):
        records.append(current)
    return records


def _unsupported(path: Path, encoding: str) -> RefusedError:
    return RefusedError(f"{path.name} is in {encoding}, which ITT Desk cannot read: open it in "
                        "Excel or LibreOffice and save it as 'CSV UTF-8' to import it")


_SAMPLE = 1 << 20  # bytes :func:`unsupported` looks at
_CHUNK = 1 << 18  # bytes of a CSV file decoded at a time
_SNIFF_CHARS = 65536


@dataclass
class CsvText:
    """A CSV file's rows, read again from the file on each pass, decoded and split as its first
    reading found (the decoded text of a 50 MB extract is 50-100 MB, its cells as Python
    strings ~280 MB: neither is kept)."""

    path: Path
    encoding: str
    errors: str
    delimiter: str
    formulas: bool  # whether any cell can start with "=" (else rows skip the per-cell look)
    stamp: tuple[int, int]  # size and modification time when it was read: a pass refuses a change

    def rows(self) -> Iterator[list[Any]]:
        try:
            stat = self.path.stat()
            if (stat.st_size, stat.st_mtime_ns) != self.stamp:
                raise RefusedError(f"{self.path.name} changed since it was opened: open it again "
                                   "to import what it holds now")
            fh = self.path.open("rb")
        except OSError as exc:
            raise RefusedError(f"Cannot read {self.path.name}: {exc.strerror or exc}") from exc
        with io.TextIOWrapper(fh, encoding=self.encoding, errors=self.errors, newline="") as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                if not self.formulas:
                    yield from reader
                    return
                for row in reader:
                    if any(c[:1] == "=" for c in row):
                        row = [FormulaText(c) if len(c) > 1 and c[0] == "=" else c for c in row]
                    yield row
            except csv.Error as exc:
                raise RefusedError(f"{self.path.name} is not a readable CSV file: {exc}") from exc


@dataclass
class _Scan:
    """What one pass over a CSV file's decoded text tells before any cell is made."""

    sample: str  # the first _SNIFF_CHARS + 1 characters
    counts: dict[str, int]  # each delimiter's and line feeds' occurrences (cells, an upper bound)
    formula_after: set[str]  # "" (start of text), "\n" or a delimiter that an "=" follows
    nul: bool


def _scan_text(fh: Any, encoding: str, errors: str) -> _Scan:
    """Decode the whole file a chunk at a time (raises UnicodeDecodeError as decoding it whole
    would, its ``start`` the byte's position in the file)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    fh.seek(0)
    sample: list[str] = []
    sampled = 0
    counts = dict.fromkeys(_DELIMITERS + ("\n",), 0)
    after: set[str] = set()
    nul = False
    tail = ""
    read = 0
    while True:
        data = fh.read(_CHUNK)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(data, not data)
        except UnicodeDecodeError as exc:
            exc.start += read - pending
            raise
        read += len(data)
        if text:
            if not sampled and text.startswith(("=", '"=')):
                after.add("")
            if sampled <= _SNIFF_CHARS:
                sample.append(text[: _SNIFF_CHARS + 1 - sampled])
                sampled += len(sample[-1])
            for key in counts:
                counts[key] += text.count(key)
            nul = nul or "\x00" in text
            if "=" in text:
                edge = tail + text[:2]  # a mark split between two chunks
                for before in ("\n",) + _DELIMITERS:
                    if before not in after and any(f"{before}{quote}=" in part for part in (text, edge)
                                                   for quote in ("", '"')):
                        after.add(before)
            tail = text[-2:]
        if not data:
            break
    return _Scan("".join(sample), counts, after, nul)


def _scan_single_byte(fh: Any) -> _Scan:
    """:func:`_scan_text` for Windows-1252 read with the Latin-1 fallback, without decoding the
    file: there every byte is one character and the ASCII bytes are those very characters (no
    other byte decodes to ASCII), and the decoding cannot fail. So the delimiters, line feeds
    and ``=`` marks are counted and found in the bytes, the same numbers and marks the decoded
    text gives, and only the sample is decoded. The delimiter is sniffed from the sample first
    (as ``open_csv`` does after) and only it and the line feeds are counted: decoding and
    counting the 52 MB GIAS extract's five marks took ~0.12 s of CPU (BENCHMARKS.md, G10).
    The caller has already found no NUL byte."""
    fh.seek(0)
    head = fh.read(_SNIFF_CHARS + 1)
    sample = head.decode("cp1252", "ittdesk-latin1")
    complete = len(sample) <= _SNIFF_CHARS
    counts = dict.fromkeys((sniff_delimiter(sample[:_SNIFF_CHARS], complete), "\n"), 0)
    wanted = [(key, key.encode("ascii")) for key in counts]
    after: set[str] = set()
    if head.startswith((b"=", b'"=')):
        after.add("")
    befores = [(before, before.encode("ascii")) for before in ("\n",) + _DELIMITERS]
    tail = b""
    data = head
    while data:
        for key, mark in wanted:
            counts[key] += data.count(mark)
        if b"=" in data:
            edge = tail + data[:2]  # a mark split between two chunks
            for before, mark in befores:
                if before not in after and any(mark + quote + b"=" in part for part in (data, edge)
                                               for quote in (b"", b'"')):
                    after.add(before)
        tail = data[-2:]
        data = fh.read(_CHUNK)
    return _Scan(sample, counts, after, False)


def open_csv(path: Path) -> CsvText:
    """``path`` as CSV text to read rows from, refusing what cannot be read safely (the caller
    has already found it is not a workbook by its first bytes)."""
    try:
        stat = path.stat()
        preflight.check_text_size(path, stat.st_size)
        fh = path.open("rb")
    except OSError as exc:
        raise RefusedError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    with fh:
        first = fh.read(_SAMPLE)
        utf16 = first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if not utf16:  # a NUL anywhere: a NUL stored breaks every later export
            nul = b"\x00" in first
            while not nul:
                more = fh.read(_CHUNK)
                if not more:
                    break
                nul = b"\x00" in more
            if nul:
                if unsupported(first):  # NULs on alternate bytes: UTF-16 saved without its BOM
                    raise _unsupported(path, "UTF-16 text without a byte-order mark")
                raise RefusedError(f"{path.name} is not a spreadsheet or CSV file (it holds binary data)")
        if first.startswith(codecs.BOM_UTF8):
            encoding, errors = "utf-8-sig", "replace"
        elif utf16:
            encoding, errors = "utf-16", "strict"
        else:
            encoding, errors = "utf-8", "strict"
        try:
            scan = _scan_text(fh, encoding, errors)
        except UnicodeDecodeError as exc:
            if utf16:  # cut short (an odd number of bytes) or damaged
                raise RefusedError(f"{path.name} is damaged: it says it is UTF-16 text but byte "
                                   f"{exc.start:,} cannot be read as such") from None
            # not UTF-8: Windows-1252 (as Excel writes it), unless it does not look like it
            other = unsupported(first)
            if other:
                raise _unsupported(path, other) from None
            encoding, errors = "cp1252", "ittdesk-latin1"
            scan = _scan_single_byte(fh)
    if utf16 and scan.nul:
        raise RefusedError(f"{path.name} is not a spreadsheet or CSV file (it holds binary data)")
    complete = len(scan.sample) <= _SNIFF_CHARS
    delimiter = sniff_delimiter(scan.sample[:_SNIFF_CHARS], complete=complete)
    preflight.check_cell_count(path, scan.counts[delimiter] + scan.counts["\n"] + 1)
    formulas = bool(scan.formula_after & {"", "\n", delimiter})
    text = CsvText(path, encoding, errors, delimiter, formulas, (stat.st_size, stat.st_mtime_ns))
    if not any(any(c.strip() for c in row) for row in text.rows()):  # stops at the first filled row
        raise RefusedError(f"{path.name} has no data")
    return text
