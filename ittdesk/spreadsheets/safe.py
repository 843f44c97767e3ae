"""Two rules every workbook ITT Desk writes obeys.

1. Text is never turned into a formula: openpyxl makes any string starting with ``=`` a live
   formula, and Excel treats ``+ - @`` (and leading tab/CR/LF) as formula starts too, so such
   text is stored explicitly as a string cell.
2. A file is written through ``ittdesk.files.atomic_write`` (temporary file, fsync, rename), so a
   crash never leaves a half-written workbook; a target that is open in Excel or not writable
   gets a clear message instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..files import atomic_write

__all__ = ["FORMULA_STARTS", "atomic_write", "is_formula_like", "save_workbook", "set_cell",
           "write_only_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def set_cell(cell, value: Any) -> None:
    """Assign ``value`` to an openpyxl cell; formula-like text stays text."""
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"


def write_only_cell(sheet, value: Any):
    """A write-only-mode cell for ``value``, text-typed when it looks like a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
    return cell


def save_workbook(workbook, target: Path) -> Path:
    """Save an openpyxl workbook atomically."""
    return atomic_write(target, lambda tmp: workbook.save(tmp))
