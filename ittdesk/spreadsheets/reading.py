"""One reader for every spreadsheet people send: .xlsx .xlsm .xls .xlsb .ods (python-calamine)
and .csv (encoding and delimiter detected in :mod:`.csv_reading`). Callers open every file here.

What it promises:

- The file is recognised by its bytes, not its name (a .csv that is really a workbook, an .xlsx
  that is really an encrypted Office file). Anything else is refused with one clear message
  (:class:`~ittdesk.errors.RefusedError`): not a spreadsheet, corrupt, password-protected, or
  able to exhaust the machine — :mod:`.preflight` checks sizes, zip and XML bombs, cell
  references, dimensions and counts *before* calamine is given the file. A CSV file is refused
  when it is absurdly large, holds a NUL byte anywhere, or cannot be decoded (:mod:`.csv_reading`).
- Every row the sheet holds is read. calamine reads the cells themselves, not the sheet's stored
  ``<dimension>`` tag (openpyxl read-only trusts that tag and can report 1 row of 300,000).
  A large .xlsx/.xlsm sheet (GIAS: 50,000 x 139) is given to calamine a slice of rows at a time
  (:mod:`.xlsx_slices`): the same values, without calamine's whole grid held at once.
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

import os
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from .. import memory
from ..errors import RefusedError
from . import csv_reading, preflight, xlsx_slices
from .csv_reading import FormulaText

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUFFIXES = WORKBOOK_SUFFIXES + (".csv", ".txt", ".tsv")

_ZIP = b"PK\x03\x04"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ERRORS = {"#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA",
           "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
_SPACES = " \t\r\n\u00a0\u2007\u202f\ufeff\u200b"
SPACES, ERRORS = _SPACES, _ERRORS  # for callers that normalise text cells themselves


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


#: Rows of a sheet kept in memory once it is opened: the header is looked for in the first 40,
#: the mapping page's samples come from the 60 under it. The rest are read again when asked
#: (:meth:`Sheet.iter_rows`): a 50,000-row GIAS extract as Python lists held ~280 MB.
HEAD_ROWS = 120


@dataclass
class Sheet:
    """A sheet's first rows, and every row again on request (read from the file, not held)."""

    name: str
    head: list[list[Any]]  # raw cells of the first HEAD_ROWS rows; row i is the sheet's row i + 1
    hidden_columns: set[int] = field(default_factory=set)  # 0-based, xlsx/xlsm only
    # every row from row 1, read again (None: ``head`` is every row)
    stream: Callable[[], Iterator[list[Any]]] | None = None
    release: Callable[[], None] | None = None  # frees what the stream keeps between reads
    _all: list[list[Any]] | None = None

    def iter_rows(self) -> Iterator[list[Any]]:
        """Every row from row 1, one at a time: an import holds only what it keeps of each."""
        if self.stream is None:
            return iter(self.head)
        return self.stream()

    def done_reading(self) -> None:
        """The rows were read: what the reader keeps to read them again fast is freed (a
        workbook's parsed sheet), so a plan does not hold the sheet beside its records."""
        if self.release is not None:
            self.release()

    @property
    def rows(self) -> list[list[Any]]:
        """Every row in memory (small sheets: templates, returned forms, tests); imports use
        :meth:`iter_rows`."""
        if self.stream is None:
            return self.head
        if self._all is None:
            self._all = list(self.stream())
        return self._all

    @property
    def is_empty(self) -> bool:
        if any(any(c not in ("", None) for c in row) for row in self.head):
            return False  # not read again from the file: the first rows are at hand
        if self.stream is None or len(self.head) < HEAD_ROWS:
            return True  # the head is every row
        rows = islice(self.iter_rows(), HEAD_ROWS, None)
        return not any(any(c not in ("", None) for c in row) for row in rows)


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
    _csv: csv_reading.CsvText | None = None
    _hidden_columns: dict[str, set[int]] = field(default_factory=dict)
    _parts: _XlsxParts | None = None  # xlsx: the sheets read a slice at a time, and what they need
    _archive: zipfile.ZipFile | None = None

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
            assert self._csv is not None
            return Sheet(name, list(islice(self._csv.rows(), HEAD_ROWS)), stream=self._csv.rows)
        rows = _CalamineRows(self, name)
        stream: Callable[[], Iterator[list[Any]]] = rows
        if self._parts is not None and self._archive is not None and name in self._parts.sheets:
            stream = xlsx_slices.SlicedRows(self.path, self._archive, name, self._parts.sheets[name],
                                            self._parts.companions, rows)
        return Sheet(name, list(islice(stream(), HEAD_ROWS)), set(self._hidden_columns.get(name, ())),
                     stream=stream, release=rows.release)

    def _calamine_workbook(self) -> Any:
        """calamine's workbook; opened again if it was let go (a book whose large sheets are
        read in slices does not hold calamine's copy of its shared strings beside them)."""
        if self._workbook is None:
            if self._archive is None or self._archive.fp is None:
                raise RefusedError(f"{self.path.name} was closed before it was read")
            self._workbook = _reopen(self.path, self._archive)
        return self._workbook

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None
        if self._workbook is not None:
            try:
                self._workbook.close()
            except Exception:
                pass
            self._workbook = None


class _CalamineRows:
    """A workbook sheet's rows as lists, streamed from calamine's parsed sheet (kept until
    :meth:`release`, then parsed again if asked): Python objects are made a row at a time
    instead of for the whole sheet at once."""

    def __init__(self, book: Book, name: str) -> None:
        self.book, self.name = book, name
        self._sheet: Any = None

    def _parsed(self) -> Any:
        if self._sheet is None:
            workbook = self.book._calamine_workbook()
            try:
                self._sheet = workbook.get_sheet_by_name(self.name)
            except Exception as exc:
                raise _refusal(self.book.path, exc) from exc
        return self._sheet

    def __call__(self) -> Iterator[list[Any]]:
        sheet = self._parsed()
        start = sheet.start
        # calamine starts each row at the sheet's first used column and yields the rows
        # above the first used one: cells are padded so that column i is the sheet's column i
        lead = [""] * start[1] if start is not None and start[1] else None
        try:
            for row in sheet.iter_rows():
                yield lead + row if lead else row
        except RefusedError:
            raise
        except Exception as exc:
            raise _refusal(self.book.path, exc) from exc

    def release(self) -> None:
        if self._sheet is not None:
            self._sheet = None
            memory.trim()  # the parsed sheet's memory back to the OS, not kept for Python


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
    text = csv_reading.open_csv(path)
    return Book(path, "csv", [path.stem], encoding=text.encoding, delimiter=text.delimiter, _csv=text)


# -- workbooks ----------------------------------------------------------------------------


def _open_zip(path: Path) -> Book:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RefusedError(f"{path.name} is damaged (not a complete workbook): {exc}") from exc
    keep = False  # the archive stays open when a sheet is read from it a slice at a time
    try:
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
        parts = _XlsxParts()
        if kind == "xlsx":
            epoch_1904, hidden, parts = _xlsx_details(archive)
            # sheets large enough to be read a slice at a time (xlsx_slices.worth_slicing)
            again = sum(archive.getinfo(name).file_size for name in parts.companions)
            parts.sheets = {name: part for name, part in parts.sheets.items()
                            if xlsx_slices.worth_slicing(archive.getinfo(part).file_size, again)}
        book = _calamine_book(path, kind, epoch_1904, hidden)
        if parts.sheets:
            book._parts, book._archive = parts, archive
            keep = True
            book._workbook.close()  # opened again if a sheet is read whole (_calamine_workbook)
            book._workbook = None
        return book
    finally:
        if not keep:
            archive.close()


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


def _reopen(path: Path, archive: zipfile.ZipFile) -> Any:
    """calamine's workbook of ``path`` again, if it is still the file ``archive`` was opened on
    (checked when it was opened: a file saved over since is refused, as a CSV file is)."""
    from python_calamine import CalamineWorkbook

    try:
        fh = path.open("rb")
        now, held = os.fstat(fh.fileno()), os.fstat(archive.fp.fileno())  # type: ignore[union-attr]
    except OSError as exc:
        raise RefusedError(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    if ((now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns)
            != (held.st_dev, held.st_ino, held.st_size, held.st_mtime_ns)):
        fh.close()
        raise RefusedError(f"{path.name} changed since it was opened: open it again to import "
                           "what it holds now")
    try:
        return CalamineWorkbook.from_filelike(fh)
    except Exception as exc:
        fh.close()
        raise _refusal(path, exc) from exc


def _refusal(path: Path, exc: Exception) -> RefusedError:
    name = type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else name
    if "Password" in name or "password" in text.lower() or "encrypt" in text.lower():
        return RefusedError(f"{path.name} is protected with a password: remove the password in Excel "
                            "and save a copy to import")
    return RefusedError(f"{path.name} cannot be read: the workbook is damaged ({text})")


@dataclass
class _XlsxParts:
    """Where a workbook's sheets are, for reading a large one a slice at a time."""

    sheets: dict[str, str] = field(default_factory=dict)  # sheet name -> its part
    companions: list[str] = field(default_factory=list)  # parts a slice's workbook needs


#: Parts of a workbook that calamine reads to give a sheet's values (besides the sheet).
_VALUE_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/sharedStrings.xml", "xl/styles.xml")


def _xlsx_details(archive: zipfile.ZipFile) -> tuple[bool, dict[str, set[int]], _XlsxParts]:
    """The 1904 date flag, each sheet's hidden columns (read up to <sheetData>, no further) and
    where each sheet is."""
    from defusedxml.ElementTree import fromstring, iterparse

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        book = fromstring(archive.read("xl/workbook.xml"))
        pr = book.find(f"{ns}workbookPr")
        epoch_1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        return False, {}, _XlsxParts()
    names = set(archive.namelist())
    targets = {}
    parts = _XlsxParts(companions=[name for name in _VALUE_PARTS if name in names])
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        targets[rel.get("Id")] = target
        if (rel.get("Type", "").endswith(("/sharedStrings", "/styles")) and target in names
                and target not in parts.companions):
            parts.companions.append(target)
    hidden: dict[str, set[int]] = {}
    sheets = book.find(f"{ns}sheets")
    for sheet in sheets if sheets is not None else []:
        part = targets.get(sheet.get(f"{rel_ns}id"))
        if not part or part not in names:
            continue
        parts.sheets[sheet.get("name")] = part
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
    return epoch_1904, hidden, parts


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
