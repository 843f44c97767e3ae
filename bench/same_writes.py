"""A second baseline for an import: SQLite alone storing exactly what our import stores.

The import figures' floor reads the file and writes its raw cells into one untyped table with
no index. Our import stores more than that: the people and enrolments (typed, indexed,
constrained), an audit entry per record, the search index, the sort keys, the import run. So
this baseline asks what the least a program could spend is *to store the same rows*: our
import runs first (untimed, into a private copy of the same database) and its new rows are read
back; then, timed, python-calamine reads the file (as the floor does) and plain
``sqlite3.executemany`` writes those very rows into the fresh copy, in one transaction, the
way a careful hand-written loader would: each table's search index filled once after its rows
(its insert trigger dropped for the load and made again), and the indexes of a table the load
more than doubles built after its rows. No parsing, checking, matching or audit text is done:
the rows come ready-made.

Our import's time against this one is therefore what the *import's own work* costs (reading
cells into values, checks, matching, the plan and preview), where the floor's ratio also counts
the storing of rows the floor never writes (BENCHMARKS.md, "Session 11").
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from .tasks import NotAvailable, task

#: ``INSERT INTO "x_search"(rowid, "a", ...) VALUES (new."id", new."a", ...)``: a search
#: index's insert trigger, as ``ittdesk.search_index`` makes them
_FILL = re.compile(r'INSERT INTO ("\w+")\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)', re.S)


def _tables(conn: sqlite3.Connection) -> list[str]:
    """The ordinary tables (not the search index's virtual tables nor their shadows)."""
    virtual = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")}
    return [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY rowid")
        if name not in virtual and not any(name.startswith(v + "_") for v in virtual)]


def _tops(conn: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(f'SELECT COALESCE(MAX(rowid), 0) FROM "{t}"').fetchone()[0]
            for t in tables}


def added_rows(before: Path, after: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Each table's rows in ``after`` beyond those ``before`` holds (by rowid): columns, rows."""
    with closing(sqlite3.connect(before)) as old:
        tables = _tables(old)
        tops = _tops(old, tables)
    found = {}
    with closing(sqlite3.connect(after)) as new:
        for t in tables:
            columns = [r[1] for r in new.execute(f'PRAGMA table_info("{t}")')]
            rows = new.execute(f'SELECT * FROM "{t}" WHERE rowid > ? ORDER BY rowid',
                               (tops[t],)).fetchall()
            if rows:
                found[t] = (columns, rows)
    return found


_TRIGGER_TARGET = re.compile(r'AFTER INSERT ON "(\w+)".*?INSERT (?:OR REPLACE )?INTO "(\w+)"', re.S)


def _filling_triggers(conn: sqlite3.Connection, rows: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, sql) of the insert triggers of a table among ``rows`` that write another table
    among them (not a search index: those are filled after the rows)."""
    found = []
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"):
        match = _TRIGGER_TARGET.search(sql or "")
        if match and match.group(1) in rows and match.group(2) in rows:
            found.append((name, sql))
    return found


def store(conn: sqlite3.Connection, rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
          ) -> None:
    """Write ``rows`` in one transaction as a careful plain-SQL loader would (module doc)."""
    tops = _tops(conn, list(rows))
    conn.execute("BEGIN")
    # a table another's insert trigger fills (the role and placement sort tables) is written
    # with the rest, its ready-made rows, the trigger dropped for the load
    filling = _filling_triggers(conn, rows)
    for name, _sql in filling:
        conn.execute(f'DROP TRIGGER "{name}"')
    triggers = conn.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND name LIKE '%\\_search\\_insert' ESCAPE '\\'").fetchall()
    triggers = [t for t in triggers if t[1] in rows]
    later: list[str] = []
    for name, _table, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    for table, (_columns, added) in rows.items():
        held = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        if len(added) >= 1000 and len(added) > held:
            for name, sql in conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL ORDER BY rowid", (table,)).fetchall():
                conn.execute(f'DROP INDEX "{name}"')
                later.append(sql)
    for table, (columns, added) in rows.items():
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', added)
    for _name, table, sql in triggers:
        match = _FILL.search(sql)
        if match is None:
            raise NotAvailable(f"the search trigger on {table} is not of the known shape")
        index, filled, values = match.groups()
        selected = values.replace("new.", "")
        conn.execute(f'INSERT INTO {index} ({filled}) SELECT {selected} FROM "{table}" '
                     "WHERE rowid > ?", (tops[table],))
        conn.execute(sql)
    for _name, sql in filling:
        conn.execute(sql)
    for sql in later:
        conn.execute(sql)
    conn.execute("COMMIT")


def _same_counts(stored: Path, ours: Path) -> None:
    """Refuses a baseline that did not store what our import stored: every table (the search
    index's included) holds as many rows in both databases."""
    with closing(sqlite3.connect(stored)) as a, closing(sqlite3.connect(ours)) as b:
        names = [n for (n,) in a.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            mine, theirs = (c.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                            for c in (a, b))
            if mine != theirs:
                raise RuntimeError(f"the plain-SQL baseline stored {mine} rows in {name}, "
                                   f"our import {theirs}")


def _read(path: str, encoding: str) -> list[Any]:
    """Every row of the file, as the import figures' floors read it."""
    if encoding:
        import csv

        with open(path, encoding=encoding, newline="") as fh:
            return list(csv.reader(fh))
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


@task("same_writes")
def same_writes(path: str, db: str, kind: str, encoding: str = "") -> dict[str, Any]:
    """Our import into a private copy of ``db`` (untimed), then, timed, ``path`` read as its
    floor reads it (calamine; a CSV file in ``encoding`` by the csv module) and plain SQL
    storing the rows our import added into ``db`` itself."""
    from ittdesk.db import SQLITE_PRAGMAS, close_database

    from . import features

    base = Path(db)
    features.open_db(db)  # both copies at the code's schema (the cached data may be older)
    close_database()
    ours = base.with_name(base.stem + "-ours.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ours}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, ours)
    result = features.import_file(path, str(ours), kind)
    close_database()  # our import's connection: its rows are read back from the file
    rows = added_rows(base, ours)
    started = time.perf_counter()
    cells = _read(path, encoding)
    conn = sqlite3.connect(db, isolation_level=None)
    for key, value in SQLITE_PRAGMAS.items():
        conn.execute(f"PRAGMA {key} = {value}")
    store(conn, rows)
    conn.close()
    seconds = time.perf_counter() - started
    _same_counts(base, ours)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ours}{suffix}").unlink(missing_ok=True)
    return {"seconds": seconds, "cells_rows": len(cells) - 1, "import_added": result["added"],
            **{f"rows_{t}": len(r) for t, (_c, r) in rows.items()}}
