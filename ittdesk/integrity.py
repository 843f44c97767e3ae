"""Enough of an integrity check to refuse a damaged SQLite file before a command uses it.

``PRAGMA quick_check`` reads the whole file (its time grows with the file's size: BENCHMARKS.md), so it runs in full on files
up to ``QUICK_CHECK_BYTES``; above that a cheaper look (a copy cut short, the schema and the
small tables readable) catches the common damage without making every command slow. Read-only
throughout: runs before the process holds any connection to the file (see ``sqlite_file.inspect_file``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .sqlite_file import inspect_file, readonly_connection

QUICK_CHECK_BYTES = 200 * 1024 * 1024
#: Small tables checked in full on a large file (``PRAGMA quick_check(TABLE)``).
SMALL_TABLES = ("schema_version", "setting")


def opening_problem(path: Path, *, full_below: int = QUICK_CHECK_BYTES) -> str | None:
    """The problem with the ITT Desk database at ``path`` in words, or None when it looks sound."""
    if not path.exists():
        return None
    found = inspect_file(path)
    if found.problem:
        return found.problem
    if not found.is_ittdesk:
        return None
    name = path.name
    wal = path.with_name(path.name + "-wal")
    try:
        size = path.stat().st_size
        has_wal = wal.exists() and wal.stat().st_size > 0
        conn = readonly_connection(path)
    except (OSError, sqlite3.DatabaseError) as exc:
        return f"{name} is damaged: {exc}"
    try:
        if size <= full_below:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        else:
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            if not has_wal and size < page_size * pages:
                return (f"{name} is shorter than its own header says: a copy that did not "
                        "finish? It was not opened.")
            rows = []
            for table in SMALL_TABLES:
                rows += [r[0] for r in conn.execute(f"PRAGMA quick_check({table})")
                         if r[0] != "ok"]
            rows = rows or ["ok"]
    except sqlite3.DatabaseError as exc:
        return f"{name} is damaged: {exc}"
    finally:
        conn.close()
    if rows != ["ok"]:
        found_text = " ".join("; ".join(rows[:3]).split())[:200]
        return (f"{name} failed its integrity check ({found_text}): it may have been "
                "damaged by a crash or a copy that did not finish. It was not changed; restore "
                "a backup (ittdesk restore FILE).")
    return None
