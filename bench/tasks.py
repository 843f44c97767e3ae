"""What a benchmark process measures: each task runs in a fresh ``python -m bench.worker``.

A task takes keyword arguments (plain JSON values), does its setup untimed, times only the
operation with ``time.perf_counter`` and returns a dict of metrics (``seconds`` at least). The
worker adds the process's peak RSS. A task that cannot run because the feature it measures is
not in the code yet raises :class:`NotAvailable` with the reason.

Baselines and floors live here; the calls into ITT Desk itself go through ``bench.features`` so
that wiring a newly landed feature is one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

TASKS: dict[str, Callable[..., dict[str, Any]]] = {}


class NotAvailable(Exception):
    """The feature this task measures does not exist (yet); the message says what is missing."""


def task(name: str):
    def register(fn):
        TASKS[name] = fn
        return fn
    return register


def _sqlite_rows_table(db_path: str, width: int):
    """A connection to the database with a fresh untyped table of ``width`` columns."""
    import sqlite3

    from ittdesk.db import SQLITE_PRAGMAS

    conn = sqlite3.connect(db_path, isolation_level=None)
    for key, value in SQLITE_PRAGMAS.items():
        conn.execute(f"PRAGMA {key} = {value}")
    columns = ", ".join(f"c{i}" for i in range(width))
    conn.execute(f"CREATE TABLE IF NOT EXISTS bench_floor ({columns})")
    return conn


def _executemany(conn, rows: list, width: int) -> None:
    marks = ", ".join("?" for _ in range(width))
    padded = (list(r) + [None] * (width - len(r)) if len(r) < width else r[:width] for r in rows)
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO bench_floor VALUES ({marks})", padded)
    conn.execute("COMMIT")


# -- import baselines ------------------------------------------------------------------------


@task("openpyxl_read")
def openpyxl_read(path: str) -> dict:
    """openpyxl read-only: open the workbook and iterate every value of the first sheet."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    cells = 0
    for row in ws.iter_rows(values_only=True):
        cells += len(row)
    wb.close()
    return {"seconds": time.perf_counter() - started, "cells": cells}


@task("floor_xlsx")
def floor_xlsx(path: str, db: str) -> dict:
    """The floor: python-calamine reads the sheet, sqlite3.executemany writes the raw rows."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    width = max(len(r) for r in rows)
    conn = _sqlite_rows_table(db, width)
    _executemany(conn, rows[1:], width)
    conn.close()
    return {"seconds": time.perf_counter() - started, "rows": len(rows) - 1}


@task("floor_csv")
def floor_csv(path: str, db: str, encoding: str = "cp1252") -> dict:
    """The floor: the csv module reads the file, sqlite3.executemany writes the raw rows."""
    import csv

    started = time.perf_counter()
    with open(path, encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    width = len(rows[0])
    conn = _sqlite_rows_table(db, width)
    _executemany(conn, rows[1:], width)
    conn.close()
    return {"seconds": time.perf_counter() - started, "rows": len(rows) - 1}


@task("import")
def import_file(path: str, db: str, kind: str) -> dict:
    """ITT Desk's own import (load, plan, apply) into ``db`` (a path or a PostgreSQL URL)."""
    from . import features

    return features.import_file(path, db, kind)


# -- exports ---------------------------------------------------------------------------------


@task("return")
def make_return(db: str, out: str, key: str = "partnership") -> dict:
    from . import features

    return features.make_return(db, out, key)


@task("openpyxl_write_only")
def openpyxl_write_only(db: str, out: str, key: str = "partnership") -> dict:
    """openpyxl write-only of the same cells: the return's rows (fetched untimed), plain."""
    from openpyxl import Workbook

    from . import features

    headings, rows = features.return_cells(db, key)
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Return")
    ws.append(headings)
    for row in rows:
        ws.append(row)
    wb.save(out)
    return {"seconds": time.perf_counter() - started, "rows": len(rows)}


@task("template_fill")
def template_fill(db: str, template: str, out: str) -> dict:
    from . import features

    return features.fill_template(db, template, out)


@task("openpyxl_template")
def openpyxl_template(db: str, template: str, out: str) -> dict:
    """openpyxl load + write of the same cells into that template (no row insertion) + save."""
    from openpyxl import load_workbook

    from . import features

    sheet, cells = features.template_cells(db, template)
    started = time.perf_counter()
    wb = load_workbook(template)
    ws = wb[sheet]
    for row, col, value in cells:
        ws.cell(row=row, column=col, value=value)
    wb.save(out)
    return {"seconds": time.perf_counter() - started, "cells": len(cells)}


# -- the placement check (issue 17) ---------------------------------------------------------


@task("placement_check")
def placement_check(db: str) -> dict:
    from . import features

    return features.placement_check(db)


@task("placement_sum_sql")
def placement_sum_sql(db: str) -> dict:
    from . import features

    return features.placement_sum_sql(db)


# -- printing --------------------------------------------------------------------------------


@task("agreement_pdf")
def agreement_pdf(db: str, out: str, repeats: int = 1) -> dict:
    from . import features

    return features.agreement_pdf(db, out, repeats)


@task("plain_pdf")
def plain_pdf(db: str, out: str, repeats: int = 1, pages: int = 3) -> dict:
    """Qt printing plain HTML of the same length to an A4 PDF: the agreement's own text as
    plain paragraphs, repeated until it fills the same number of pages (``pages``)."""
    import re
    import statistics
    from html import escape

    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QGuiApplication, QPageSize, QPdfWriter, QTextDocument

    from . import features

    text = features.agreement_text(db)
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - Qt needs one
    lines = [f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip()]

    def page_count(body: list[str]) -> int:
        doc = QTextDocument()
        doc.setHtml("<html><body>" + "".join(body) + "</body></html>")
        doc.setPageSize(QSizeF(595 - 2 * 51, 842 - 2 * 45))  # A4 in points less margins
        return doc.pageCount()

    body: list[str] = []
    while True:  # add paragraphs while the text still fits on ``pages`` pages
        candidate = body + [lines[len(body) % len(lines)]]
        if page_count(candidate) > pages or len(candidate) > 5000:
            break
        body = candidate
    html = "<html><body>" + "".join(body) + "</body></html>"

    def once() -> float:
        started = time.perf_counter()
        writer = QPdfWriter(out)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setResolution(300)
        doc = QTextDocument()
        doc.setHtml(html)
        doc.print_(writer)
        del writer
        return time.perf_counter() - started

    once()  # warm-up: font database, PDF engine
    runs = [once() for _ in range(max(1, repeats))]
    with open(out, "rb") as fh:
        printed = len(re.findall(rb"/Type\s*/Page[^s]", fh.read()))
    return {"seconds": statistics.median(runs), "pages": printed, "chars": len(html)}


def run(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    if name.startswith("gui_"):
        # registers the GUI tasks (editors: gui_editors; remote: gui_remote_change;
        # preview: gui_import_preview)
        from . import editors, gui, preview, remote  # noqa: F401
    if name.startswith("app_"):
        from . import frozen  # noqa: F401 - registers the packaged app's start-up tasks
    if name == "same_writes":
        from . import same_writes  # noqa: F401 - the imports' second baseline
    if name == "two_writers":
        from . import concurrent  # noqa: F401 - two processes editing one record
    fn = TASKS.get(name)
    if fn is None:
        raise KeyError(f"unknown task {name!r}")
    return fn(**kwargs)


