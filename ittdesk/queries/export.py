"""Export a list as the user sees it (search, filters, sort, visible columns) to .xlsx or .csv."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import RefusedError
from . import ListColumn, ListQuery

_KINDS = {"number": "int", "money": "money", "date": "date"}
CHUNK = 500


def _value(column: ListColumn, value: Any) -> Any:
    if value is None or value == "":
        return None
    if column.kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if column.kind == "choice":
        return column.display(value)
    if column.kind in ("number", "money"):
        return int(value)
    return str(value)


def describe_filters(query: ListQuery, search: str, filters: dict[str, str]) -> list[tuple[str, str]]:
    described = []
    for key, value in filters.items():
        flt = query.filter(key)
        labels = dict(flt.options())
        described.append((flt.label, labels.get(value, value)))
    if search:
        described.append(("Search", search))
    return described


def export_list(query: ListQuery, target: Path, *, search: str = "",
                filters: dict[str, str] | None = None, sort: str = "", descending: bool = False,
                columns: Sequence[str] | None = None, title: str = "",
                progress: Callable[..., None] | None = None,
                cancel: threading.Event | None = None) -> int:
    """Write the list to ``target`` (atomically); returns the number of rows written."""
    filters = dict(filters or {})
    target = Path(target)
    keys = list(columns) if columns else [c.key for c in query.columns if c.visible]
    cols = [query.column(k) for k in keys]
    ids = query.ids(search, filters, sort, descending)

    def cancelled() -> bool:
        return cancel is not None and cancel.is_set()

    def rows() -> Iterator[list[Any]]:
        for values in _in_order(query, ids, keys):
            yield [_value(c, v) for c, v in zip(cols, values, strict=True)]

    if target.suffix.lower() == ".csv":
        from ..spreadsheets.safe import atomic_write, is_formula_like

        written = [0]

        def write(tmp: Path) -> None:
            with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
                out = csv.writer(fh)
                out.writerow([c.label for c in cols])
                for n, row in enumerate(rows(), start=1):
                    out.writerow(["'" + v if is_formula_like(v) else
                                  (v.strftime("%d/%m/%Y") if isinstance(v, date) else
                                   ("%.2f" % (v / 100) if c.kind == "money" and v is not None else v))
                                  for c, v in zip(cols, row, strict=True)])
                    written[0] = n
                    if not n % CHUNK:
                        if cancelled():
                            raise RefusedError("Cancelled: no file was written")
                        if progress:
                            progress(n, len(ids))

        atomic_write(target, write)
        return written[0]
    if target.suffix.lower() != ".xlsx":
        raise RefusedError(f"Cannot export to {target.name}: choose a .xlsx or .csv file name")
    from ..spreadsheets.writer import SheetColumn, write_return

    out_cols = [SheetColumn(c.key, c.label, _KINDS.get(c.kind, "text"),
                          total=c.kind == "money") for c in cols]
    result = write_return(target, title=title or query.name.capitalize(),
                          filters=describe_filters(query, search, filters), columns=out_cols,
                          rows=rows(), total=len(ids), sheet_name=(title or query.name)[:31],
                          progress=progress, cancelled=cancelled)
    return result.rows


def _copied(column: ListColumn, value: Any) -> str:
    """A cell as Excel reads it back from the clipboard: dates as dd/mm/yyyy, money in pounds,
    no tab or line break inside a cell (either would split it into two cells or rows), and text
    that Excel would take for a formula marked as text."""
    value = _value(column, value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if column.kind == "money":
        return "%.2f" % (value / 100)
    from ..spreadsheets.safe import is_formula_like

    text = " ".join(str(value).split())
    # Excel parses pasted cells as if typed: "=..." would become a live formula.
    return "'" + text if is_formula_like(text) else text


def _in_order(query: ListQuery, ids: Sequence[int], keys: Sequence[str]
              ) -> Iterator[tuple[Any, ...]]:
    """The raw values of ``keys`` for ``ids``, in the ids' order, read a chunk at a time (a
    record deleted meanwhile is left out)."""
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        fetched = query.rows(chunk, list(keys))
        for record_id in chunk:
            values = fetched.get(record_id)
            if values is not None:
                yield values


def copy_text(query: ListQuery, ids: Sequence[int], columns: Sequence[str]) -> str:
    """The rows ``ids`` (in that order) with a heading row, as tab-separated text that pastes
    into Excel or a mail as cells."""
    cols = [query.column(k) for k in columns]
    lines = ["\t".join(c.label for c in cols)]
    lines += ["\t".join(_copied(c, v) for c, v in zip(cols, values, strict=True))
              for values in _in_order(query, ids, columns)]
    return "\r\n".join(lines) + "\r\n"
