"""A table's secondary indexes built once, after a bulk insert that more than doubles the table
(SQLite): the first import into a new database writes 50,000 schools or 100,000 enrolments,
each row otherwise going into each index on its own.

``CREATE INDEX`` sorts the keys once and writes the index's pages in order; inserting the same
keys row by row walks and splits the B-tree for every one (50,000 schools into 6 indexes: ~0.8 s
of SQLite's CPU against ~0.45 s for the rows and then the indexes; BENCHMARKS.md, "The imports'
apply, cheaper"). So, inside the caller's transaction, the indexes are dropped, the rows go in,
and the very statements that made them (``sqlite_master.sql``) create them again.

What stays exactly as it was:

- Every index the table's own ``CREATE INDEX`` statements made is dropped, UNIQUE ones
  included, and created again in its order: ``sqlite_master`` then lists the table's indexes in
  the same order as before, which is the order SQLite's planner considers them in (and picks
  the first of two that cost the same), so no query's plan can change. Indexes a constraint
  made (``sql`` NULL: a UNIQUE or PRIMARY KEY in the table's definition) cannot be dropped:
  only those after the last of them go (all of them, in this schema: constraints come with the
  table, before its indexes).
- A duplicate key is refused as before, with the database's own message (``UNIQUE constraint
  failed: <table>.<column>``, the same words an INSERT gives): by ``CREATE UNIQUE INDEX`` after
  the rows rather than by the row's INSERT, inside the same savepoint, so nothing is changed.
  (Building all of the enrolment's 12 indexes after 100,000 rows rather than its last 2:
  BENCHMARKS.md, "The enrolments import, cheaper".)
- All or nothing, and never seen without them: everything happens in one savepoint of the
  caller's write transaction; the indexes exist again before the savepoint ends, a failure
  rolls the drop back with the rows, and no other connection sees the table until the commit.

PostgreSQL keeps its indexes (its bulk path is COPY and multi-row INSERTs; not measured here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from peewee import SqliteDatabase

from .. import search_index, sort_fill
from ..models import database

#: fewer rows than this: not worth two schema changes (every cached statement is prepared again)
MIN_ROWS = 1000


def deferred(model: Any) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes of ``model``'s table that a bulk insert may
    build afterwards, in ``sqlite_master`` order: every index a ``CREATE INDEX`` made (UNIQUE
    ones too), after the last one a constraint of the table made (none, as a rule)."""
    db: Any = database.obj
    found = db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "ORDER BY rowid", (model._meta.table_name,)).fetchall()
    last_made = max((n for n, (_name, sql) in enumerate(found) if sql is None), default=-1)
    return [(name, sql) for name, sql in found[last_made + 1:]]


@contextmanager
def built_after(model: Any, adding: int) -> Iterator[None]:
    """Around a bulk insert of ``adding`` rows into ``model``'s table (``create_many``): on
    SQLite, when they are at least ``MIN_ROWS`` and more than the table holds, the
    ``deferred`` indexes are dropped inside a savepoint and created again at its end."""
    db: Any = database.obj
    execute: Any = db.execute_sql  # untyped in peewee's stubs
    if adding < MIN_ROWS or not isinstance(db, SqliteDatabase):
        yield
        return
    table = model._meta.table_name
    key = model._meta.primary_key.column_name
    held = execute(f'SELECT MAX("{key}") FROM "{table}"').fetchone()[0] or 0  # >= rows
    indexes = deferred(model) if adding > held else []
    if not indexes:
        yield
        return
    with db.atomic():  # a failure rolls back the rows and the drop alike
        for name, _sql in indexes:
            execute(f'DROP INDEX "{name}"')
        yield
        for _name, sql in indexes:
            execute(sql)


@contextmanager
def inserting(model: Any, adding: int) -> Iterator[Callable[[Sequence[int]], None]]:
    """Everything kept in step with ``model``'s table, arranged for a bulk insert of ``adding``
    rows (``create_many``): yields ``fill(ids)``, to call with each block's new ids once
    inserted, which writes their search index (``search_index.filled_in_bulk``) and stored sort
    keys (``sort_fill``) a block at a time; the later indexes are built after the rows when
    the table more than doubles (``built_after``). One savepoint each, all or nothing."""
    with search_index.filled_in_bulk(model) as fill_index, \
            sort_fill.filled_in_bulk(model) as fill_sorts, built_after(model, adding):

        def fill(ids: Sequence[int]) -> None:
            fill_index(ids)
            fill_sorts(ids)

        yield fill
