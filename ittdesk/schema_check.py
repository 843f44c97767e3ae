"""Does an SQLite file hold only the schema ITT Desk creates? (For restore and ``check``.)

A backup is a whole database, schema included: a file edited to carry a trigger (say, one that
deletes every later audit entry), a view or a table of its own would bring that along into the
live database on restore. The file's ``sqlite_master`` is compared with the schema a fresh
database has, built in memory from the models and ``audit_guard.install_guard`` — the same
code that creates a new database, so the two cannot drift:

- every table, index, trigger and view must be one ITT Desk creates (by type and name);
- triggers and views must be exactly ITT Desk's (their SQL, whitespace aside), at any version;
- at the latest schema version, tables and indexes must be exactly ITT Desk's too (a table by
  its shape: columns with their types, NOT NULL, defaults and keys, foreign keys and CHECKs, in
  any order, as ``ALTER TABLE ... ADD COLUMN`` appends a column a new table may have in the
  middle), and nothing may be missing (a backup without the audit's triggers would switch them off for good). At an
  older version tables and indexes are checked by name only (a later migration may have changed
  one since), and the migrations run on opening add what that version lacked.

Migrations keep a migrated database's schema identical to a fresh one's (tested), so a genuine
backup always passes. SQLite's own objects (``sqlite_*``: automatic indexes, statistics) are
not ours to judge and cannot be created by anyone else under those names.
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from peewee import SchemaManager, SqliteDatabase

from . import audit_guard, role_sort, search_index, sort_index
from .models import ALL_MODELS
from .sqlite_file import LATEST_SCHEMA

_CODE = ("trigger", "view")


def _normal(sql: str | None) -> str:
    return " ".join((sql or "").split())


def _shape(conn: sqlite3.Connection, table: str) -> str:
    """A table's columns, keys and CHECKs, independent of column order and SQL layout."""
    quoted = table.replace('"', '""')
    columns = sorted(tuple(str(v) for v in row[1:])
                     for row in conn.execute(f'PRAGMA table_info("{quoted}")'))
    keys = sorted(tuple(str(v) for v in row[2:])
                  for row in conn.execute(f'PRAGMA foreign_key_list("{quoted}")'))
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (table,)).fetchone()[0] or ""
    checks = sorted(_normal(c) for c in re.findall(r"CHECK\s*\((?:[^()]|\([^()]*\))*\)", sql))
    return repr((columns, keys, checks))


@lru_cache(maxsize=1)
def expected_schema() -> dict[tuple[str, str], str]:
    """(type, name) -> SQL of every object a fresh database at the latest version has.

    Built on its own in-memory connection, never through the bound models' database (a check
    may run on a worker thread while the app uses its own connection)."""
    memory = SqliteDatabase(":memory:")
    memory.connect()
    try:
        for model in ALL_MODELS:
            SchemaManager(model, memory).create_all(safe=True)
        audit_guard.install_guard(memory)
        search_index.install(memory)
        sort_index.install(memory)
        role_sort.install(memory)
        # The sqlite3 connection itself (``connection()`` is untyped in peewee's stubs).
        conn: sqlite3.Connection = memory.connection()  # type: ignore[no-untyped-call]
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        return {(kind, name): _shape(conn, name) if kind == "table" else _normal(sql)
                for kind, name, sql in rows if not name.startswith("sqlite_")}
    finally:
        memory.close()


def foreign_objects(conn: sqlite3.Connection, version: int | None) -> list[str]:
    """What in the file's schema is not ITT Desk's, one short phrase each: "trigger 'x' (not
    ITT Desk's)", "... (changed)", "... (missing)"."""
    expected = expected_schema()
    strict = version is not None and version >= LATEST_SCHEMA
    found, seen = [], set()
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"):
        if name.startswith("sqlite_"):
            continue
        seen.add((kind, name))
        ours = expected.get((kind, name))
        if ours is None:
            found.append(f"{kind} '{name}' (not ITT Desk's)")
        elif (strict or kind in _CODE) and (
                _shape(conn, name) if kind == "table" else _normal(sql)) != ours:
            found.append(f"{kind} '{name}' (changed)")
    if strict:
        found += [f"{kind} '{name}' (missing)" for kind, name in sorted(set(expected) - seen)]
    return found


def message(file_name: str, found: list[str]) -> str:
    """One line for the user."""
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return (f"{file_name} does not have the schema ITT Desk creates ({shown}): it may have been "
            "edited outside ITT Desk, so it is not used")
