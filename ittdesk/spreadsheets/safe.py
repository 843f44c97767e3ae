"""Two rules every workbook ITT Desk writes obeys.

1. Text is never turned into a formula: openpyxl makes any string starting with ``=`` a live
   formula, and Excel treats ``+ - @`` (and leading tab/CR/LF) as formula starts too, so such
   text is stored explicitly as a string cell (``set_cell`` in a filled template; a new
   workbook is written by XlsxWriter with its string conversions off, ``writer.OPTIONS``, and
   ``writer.write_value``).
2. A file is written through ``ittdesk.files.atomic_write`` (temporary file, fsync, rename), so a
   crash never leaves a half-written workbook; a target that is open in Excel or not writable
   gets a clear message instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from ..files import atomic_write

__all__ = ["FORMULA_STARTS", "atomic_write", "clean_text", "is_formula_like", "save_workbook",
           "set_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


class Cell(Protocol):
    """What we use of an openpyxl cell (openpyxl ships no type information)."""

    value: Any
    data_type: str


class Workbook(Protocol):
    """What we use of an openpyxl workbook when saving it."""

    def save(self, filename: Path) -> None: ...


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def clean_text(value: Any) -> Any:
    """Text without the control characters openpyxl refuses to write (NUL, U+0001-U+001F but
    tab, LF, CR). New text is refused at the door (``fields.refuse_control``), but an older
    database may hold one, and one such value made every export fail: it is dropped instead."""
    if value.__class__ is str and not value.isprintable():
        from ..fields import CONTROL_CHARACTERS

        return CONTROL_CHARACTERS.sub("", value)
    return value


def set_cell(cell: Cell, value: Any) -> None:
    """Assign ``value`` to an openpyxl cell; formula-like text stays text."""
    value = clean_text(value)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"


def save_workbook(workbook: Workbook, target: Path) -> Path:
    """Save an openpyxl workbook atomically."""
    return atomic_write(target, workbook.save)
