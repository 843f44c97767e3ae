"""Two rules every workbook ITT Desk writes obeys.

1. Text is never turned into a formula: openpyxl makes any string starting with ``=`` a live
   formula, and Excel treats ``+ - @`` (and leading tab/CR/LF) as formula starts too, so such
   text is stored explicitly as a string cell.
2. A file is written to a temporary file in the target folder and renamed into place, so a crash
   never leaves a half-written workbook; a target that is open in Excel or not writable gets a
   clear message instead of a traceback.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import RefusedError

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


def atomic_write(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``target``."""
    target = Path(target).expanduser().resolve()
    folder = target.parent
    if not folder.exists():
        raise RefusedError(f"Cannot save {target.name}: the folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise RefusedError(f"Cannot save in {folder}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise RefusedError(
                f"Cannot save {target.name}: it is open in another program (Excel?) or read-only. "
                "Close it and try again."
            ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def save_workbook(workbook, target: Path) -> Path:
    """Save an openpyxl workbook atomically."""
    return atomic_write(target, lambda tmp: workbook.save(tmp))
