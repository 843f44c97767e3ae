"""One reader for every spreadsheet people send: .xlsx .xlsm .xls .xlsb .ods (python-calamine)
and .csv (encoding and delimiter detected).

What it promises:

- The file is recognised by its bytes, not its name (a .csv that is really a workbook, an .xlsx
  that is really an encrypted Office file). Anything else is refused with one clear message
  (:class:`~ittdesk.errors.RefusedError`): not a spreadsheet, corrupt, password-protected, or
  able to exhaust the machine — :mod:`.preflight` checks sizes, zip and XML bombs, cell
  references, dimensions and counts *before* calamine is given the file. A CSV file is refused
  when it is absurdly large, holds a NUL byte anywhere, or cannot be decoded.
- Every row the sheet holds is read. calamine reads the cells themselves, not the sheet's stored
  ``<dimension>`` tag (openpyxl read-only trusts that tag and can report 1 row of 300,000).
- Row numbers are the spreadsheet's own: ``rows[i]`` is row ``i + 1`` (leading blank rows are
  kept as empty rows, never skipped).
- A formula cell gives its last calculated value, never the formula text. A CSV cell that holds
  formula text (``=SUM(B2:B9)``) is given as :class:`FormulaText` so callers can refuse it.
- Values are normalised in one place, :func:`value`: ``''`` -> None, text trimmed (non-breaking
  spaces too; accents and apostrophes kept exactly), whole floats -> int, a datetime at midnight
  -> date, Excel error cells (``#N/A``, ``#REF!``...) -> None. Rows are kept raw so that only the
  cells a caller uses pay for this (50,000 x 139 GIAS cells add up).

Use::

    book = open_book(path)            # refuses bad files
    book.sheet_names                  # visible sheets first, in workbook order
    sheet = book.sheet(name or None)  # None: the first sheet with any content
    sheet.rows, sheet.hidden_columns, book.epoch_1904
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import RefusedError
from . import preflight

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUFFIXES = WORKBOOK_SUFFIXES + (".csv", ".txt", ".tsv")

_ZIP = b"PK\x03\x04"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ERRORS = {"#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA",
           "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
_SPACES = " \t\r\n\u00a0\u2007\u202f\ufeff\u200b"
SPACES, ERRORS = _SPACES, _ERRORS  # for callers that normalise text cells themselves


class FormulaText(str):
    """Text in a CSV cell that is a spreadsheet formula, not a value."""


def value(raw: Any) -> Any:
    """The one place cell values are normalised (see the module docstring)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        text = raw.strip(_SPACES)
        if not text:
            return None
        if text in _ERRORS:
            return None
        if isinstance(raw, FormulaText):
            return FormulaText(text)
        return text
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 2**53:
            return int(raw)
        return raw
    if isinstance(raw, datetime):
        if (raw.hour, raw.minute, raw.second, raw.microsecond) == (0, 0, 0, 0):
            return raw.date()
        return raw
    return raw


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # raw cells; row i is the spreadsheet's row i + 1
    hidden_columns: set[int] = field(default_factory=set)  # 0-based, xlsx/xlsm only

    @property
    def is_empty(self) -> bool:
        return not any(any(c not in ("", None) for c in row) for row in self.rows)


@dataclass
class Book:
    path: Path
    kind: str  # "xlsx", "xls", "xlsb", "ods" or "csv"
    sheet_names: list[str]
    hidden_sheets: list[str] = field(default_factory=list)
    epoch_1904: bool = False
    encoding: str = ""  # csv only
    delimiter: str = ""  # csv only
    _workbook: Any = None
    _csv_rows: list[list[Any]] | None = None
    _hidden_columns: dict[str, set[int]] = field(default_factory=dict)

    def sheet(self, name: str | None = None) -> Sheet:
        """The named sheet, or the first with any content; refuses a missing or empty sheet."""
        if name is None:
            for candidate in self.sheet_names:
                sheet = self._read(candidate)
                if not sheet.is_empty:
                    return sheet
            raise RefusedError(f"{self.path.name} has no data: every sheet is empty")
        if name not in self.sheet_names and name not in self.hidden_sheets:
            options = ", ".join(f"'{n}'" for n in self.sheet_names)
            raise RefusedError(f"{self.path.name} has no sheet called '{name}' (it has {options})")
        sheet = self._read(name)
        if sheet.is_empty:
            raise RefusedError(f"The sheet '{name}' in {self.path.name} is empty")
        return sheet

    def sheets(self) -> dict[str, Sheet]:
        """Every visible, non-empty sheet (for choosing the one with a header)."""
        result = {}
        for name in self.sheet_names:
            sheet = self._read(name)
            if not sheet.is_empty:
                result[name] = sheet
        return result

    def _read(self, name: str) -> Sheet:
        if self.kind == "csv":
            return Sheet(name, self._csv_rows or [])
        try:
            rows = self._workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise _refusal(self.path, exc) from exc
        return Sheet(name, rows, set(self._hidden_columns.get(name, ())))

    def close(self) -> None:
        if self._workbook is not None:
            try:
                self._workbook.close()
            except Exception:
                pass
            self._workbook = None


def open_book(path: str | Path) -> Book:
    """Open ``path`` for reading, refusing anything that is not a readable spreadsheet."""
    path = Path(path)
    if not path.exists():
        raise RefusedError(f"There is no file {path}")
    if path.is_dir():
        raise RefusedError(f"{path.name} is a folder, not a spreadsheet")
    from ..db import refuse_database_file

    refuse_database_file(path, "read")  # open() of it here would drop the app's SQLite locks
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise RefusedError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    if not head:
        raise RefusedError(f"{path.name} is empty (0 bytes)")
    if head.startswith(_ZIP):
        preflight.check_workbook(path, preflight.IMPORT)
        return _open_zip(path)
    if head.startswith(_CFB):
        preflight.check_workbook(path, preflight.IMPORT)
        return _open_cfb(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        raise RefusedError(f"{path.name} is not a real {path.suffix} workbook: the file is damaged "
                           "or has the wrong name")
    return _open_csv(path)


# -- workbooks ----------------------------------------------------------------------------


def _open_zip(path: Path) -> Book:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RefusedError(f"{path.name} is damaged (not a complete workbook): {exc}") from exc
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "xl/workbook.bin" in names:
            kind = "xlsb"
        elif "content.xml" in names:
            kind = "ods"
        elif "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise RefusedError(f"{path.name} is a Word or PowerPoint file, not a spreadsheet")
        else:
            raise RefusedError(f"{path.name} is a zip file, not a spreadsheet")
        epoch_1904 = False
        hidden: dict[str, set[int]] = {}  # sheet name -> hidden column numbers
        if kind == "xlsx":
            epoch_1904, hidden = _xlsx_details(archive)
    return _calamine_book(path, kind, epoch_1904, hidden)


def _open_cfb(path: Path) -> Book:
    with path.open("rb") as fh:
        data = fh.read(2 * 1024 * 1024)
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise RefusedError(f"{path.name} is protected with a password: open it in Excel, remove the "
                           "password (File > Info > Protect Workbook) and save a copy to import")
    if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise RefusedError(f"{path.name} is an Office file but not a spreadsheet")
    return _calamine_book(path, "xls", False, {})


def _calamine_book(path: Path, kind: str, epoch_1904: bool, hidden: dict[str, set[int]]) -> Book:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(path.open("rb"))
        metadata = workbook.sheets_metadata
    except Exception as exc:
        raise _refusal(path, exc) from exc
    visible = [m.name for m in metadata if m.visible == SheetVisibleEnum.Visible]
    others = [m.name for m in metadata if m.visible != SheetVisibleEnum.Visible]
    if not metadata:
        raise RefusedError(f"{path.name} has no sheets")
    return Book(path, kind, visible or others, others if visible else [], epoch_1904,
                _workbook=workbook, _hidden_columns=hidden)


def _refusal(path: Path, exc: Exception) -> RefusedError:
    name = type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else name
    if "Password" in name or "password" in text.lower() or "encrypt" in text.lower():
        return RefusedError(f"{path.name} is protected with a password: remove the password in Excel "
                            "and save a copy to import")
    return RefusedError(f"{path.name} cannot be read: the workbook is damaged ({text})")


def _xlsx_details(archive: zipfile.ZipFile) -> tuple[bool, dict[str, set[int]]]:
    """The 1904 date flag and each sheet's hidden columns (read up to <sheetData>, no further)."""
    from defusedxml.ElementTree import fromstring, iterparse

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        book = fromstring(archive.read("xl/workbook.xml"))
        pr = book.find(f"{ns}workbookPr")
        epoch_1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return False, {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        targets[rel.get("Id")] = target
    hidden: dict[str, set[int]] = {}
    sheets = book.find(f"{ns}sheets")
    for sheet in sheets if sheets is not None else []:
        part = targets.get(sheet.get(f"{rel_ns}id"))
        if not part or part not in archive.namelist():
            continue
        columns: set[int] = set()
        try:
            with archive.open(part) as fh:
                for _event, element in iterparse(fh, events=("start",)):
                    tag = element.tag
                    if tag == f"{ns}sheetData":
                        break
                    if tag == f"{ns}col" and element.get("hidden", "0").lower() in ("1", "true"):
                        low, high = int(element.get("min", "1")), int(element.get("max", "1"))
                        columns.update(range(low - 1, min(high, low + 16384)))
        except Exception:
            continue
        if columns:
            hidden[sheet.get("name")] = columns
    return epoch_1904, hidden


# -- CSV ----------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first, then strict UTF-8, then Windows-1252 (as Excel writes it).

    Windows-1252 decodes almost any bytes, so text in another encoding (Shift-JIS, UTF-16
    without a BOM, Big5...) would come out as mojibake without a word: :func:`unsupported`
    refuses what does not look like Windows-1252 first."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; they become the latin-1 character instead of failing
    # (callers that take files from users ask :func:`unsupported` first).
    return data.decode("cp1252", errors="ittdesk-latin1"), "cp1252"


#: Bytes Windows-1252 leaves undefined: no program writing Windows-1252 writes them.
_UNDEFINED_1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
#: 0x80-0x9F bytes that Windows-1252 text seldom holds (it uses € … ‘ ’ “ ” • – — there);
#: in Shift-JIS, GBK or Big5 they are the first byte of most characters.
_ODD_1252 = bytes([0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8E, 0x98,
                   0x9A, 0x9B, 0x9C, 0x9E, 0x9F])
_HIGH_BYTES = bytes(range(0x80, 0x100))
_HIGH_RUN = re.compile(rb"[\x80-\xff]{2,}")


def unsupported(data: bytes) -> str | None:
    """Why ``data`` (neither BOM-marked nor UTF-8) is not Windows-1252 text, or None.

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
    if any(sample.count(b) for b in _UNDEFINED_1252):
        return "an encoding other than UTF-8 or Windows-1252"
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    if high < 4:
        return None
    in_runs = sum(len(m) for m in _HIGH_RUN.findall(sample))
    odd = sum(sample.count(b) for b in _ODD_1252)
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


def _may_hold_formula(text: str, delimiter: str) -> bool:
    """Whether a cell can start with "=" (optionally quoted): at the start of the text, a line
    or after a delimiter. Plain substring searches: a regular expression was far slower on a
    big extract (BENCHMARKS.md, "Figures behind the code's comments")."""
    return text.startswith(("=", '"=')) or any(
        f"{before}{quote}=" in text for before in ("\n", delimiter) for quote in ("", '"'))


def _open_csv(path: Path) -> Book:
    try:
        preflight.check_text_size(path, path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise RefusedError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in data:  # anywhere: a NUL stored breaks every later export
        if unsupported(data):  # NULs on alternate bytes: UTF-16 saved without its BOM
            raise _unsupported(path, "UTF-16 text without a byte-order mark")
        raise RefusedError(f"{path.name} is not a spreadsheet or CSV file (it holds binary data)")
    try:
        text, encoding = decode_text(data)
    except UnicodeDecodeError as exc:  # UTF-16 cut short (an odd number of bytes) or damaged
        raise RefusedError(f"{path.name} is damaged: it says it is UTF-16 text but byte "
                           f"{exc.start:,} cannot be read as such") from None
    if encoding == "cp1252":
        other = unsupported(data)
        if other:
            raise _unsupported(path, other)
    del data
    if utf16 and "\x00" in text:
        raise RefusedError(f"{path.name} is not a spreadsheet or CSV file (it holds binary data)")
    delimiter = sniff_delimiter(text[:65536], complete=len(text) <= 65536)
    preflight.check_text_cells(path, text, delimiter)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        # Cells holding formula text are marked; one search of the text says whether any
        # cell can start with "=", so ordinary files skip the per-cell look.
        if _may_hold_formula(text, delimiter):
            rows = [[FormulaText(c) if len(c) > 1 and c[0] == "=" else c for c in row]
                    if any(c[:1] == "=" for c in row) else row for row in rows]
    except csv.Error as exc:
        raise RefusedError(f"{path.name} is not a readable CSV file: {exc}") from exc
    book = Book(path, "csv", [path.stem], encoding=encoding, delimiter=delimiter)
    book._csv_rows = rows
    if not any(any(c.strip() for c in row) for row in rows):
        raise RefusedError(f"{path.name} has no data")
    return book


def cells_as_text(row: list[Any]) -> list[str]:
    """A row as display text (for previews and messages)."""
    result = []
    for raw in row:
        v = value(raw)
        if v is None:
            result.append("")
        elif isinstance(v, datetime):
            result.append(v.strftime("%d/%m/%Y %H:%M"))
        elif isinstance(v, date):
            result.append(v.strftime("%d/%m/%Y"))
        else:
            result.append(str(v))
    return result
