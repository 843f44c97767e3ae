"""The stored sort keys (``role_sort``, ``placement_sort``) of a bulk insert's rows written
together once the rows are in, not by a trigger per row (SQLite).

Each new role (placement) fires ``role_sort_on_insert`` (``placement_sort_on_insert``): one
``INSERT OR REPLACE`` with two or three look-ups of a person's or school's key, a statement per
row. For a bulk insert (``EntityService.create_many``: an import's 38,754 heads) the trigger is
dropped inside the write's own savepoint and, once the last block is in, the new rows get theirs
from one ``INSERT ... SELECT`` (per run of consecutive ids) of the very expressions the trigger
evaluates (its ``new.`` read as the new rows), so ``role_sort`` ends up holding the same rows.
The trigger is created again, from the text it was stored with, before the savepoint ends: no
other connection ever sees the table without it, and a failure rolls back the drop with the
rows, as ``search_index``'s ``filled_in_bulk`` does for the search index.

Only a trigger stored exactly as this code makes it is replaced (an older file's would compute
other keys, which its own trigger then goes on doing). PostgreSQL keeps no such tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from peewee import SqliteDatabase

from . import role_sort, sort_index
from .models import database


@dataclass(frozen=True)
class RowTrigger:
    """An AFTER INSERT trigger on ``table`` that adds one row to ``target`` per new row."""

    table: str
    name: str
    create: str  # the statement this code creates it with
    target: str
    columns: str
    row: str  # the trigger's ``VALUES (...)``, over ``new``

    def stored(self) -> str:
        """The text ``sqlite_master`` keeps for it (SQLite drops "IF NOT EXISTS")."""
        return self.create.replace("IF NOT EXISTS ", "", 1)

    def fill_ids(self, count: int) -> str:
        """The trigger's insert for ``count`` rows given by id (``IN``), in id order."""
        values = self.row[1:-1].replace('new."', 'n."')
        marks = ", ".join(["?"] * count)
        return (f'INSERT OR REPLACE INTO "{self.target}" ({self.columns}) SELECT {values} '
                f'FROM "{self.table}" AS n WHERE n."id" IN ({marks}) ORDER BY n."id"')

    def fill(self) -> str:
        """The trigger's insert for a block of rows (``n``: each of the table's rows with an id
        BETWEEN the two parameters), in id order."""
        values = self.row[1:-1].replace('new."', 'n."')
        return (f'INSERT OR REPLACE INTO "{self.target}" ({self.columns}) SELECT {values} '
                f'FROM "{self.table}" AS n WHERE n."id" BETWEEN ? AND ? ORDER BY n."id"')


def _trigger(table: str, name: str, statements: Sequence[str], target: str, columns: str,
             row: str) -> RowTrigger:
    create = next(s for s in statements if f'"{name}"' in s and s.startswith("CREATE TRIGGER"))
    return RowTrigger(table, name, create, target, columns, row)


# The row expressions are the modules' own: the same text the triggers are made of.
TRIGGERS: dict[str, RowTrigger] = {t.table: t for t in (
    _trigger("role", f"{role_sort.TABLE}_on_insert", role_sort.STATEMENTS, role_sort.TABLE,
             role_sort.COLUMNS, role_sort.ROW),
    _trigger("placement", f"{sort_index.TABLE}_on_insert", sort_index.STATEMENTS,
             sort_index.TABLE, sort_index.COLUMNS, sort_index.ROW),
)}


@contextmanager
def filled_in_bulk(model: Any) -> Iterator[Callable[[Sequence[int]], None]]:
    """For a bulk insert into ``model``'s table: yields ``fill(ids)``, to call with each block's
    new ids once inserted; their keys are written when the ``with`` block ends. Where the table
    has no such trigger (or not as this code makes it, or not SQLite) ``fill`` does nothing and
    the trigger, if any, does the work as before."""
    trigger = TRIGGERS.get(model._meta.table_name)
    db: Any = database.obj
    execute: Any = db.execute_sql  # untyped in peewee's stubs
    if trigger is None or not isinstance(db, SqliteDatabase) or execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (trigger.name,)).fetchone() != (trigger.stored(),):
        yield lambda ids: None
        return
    sql = trigger.fill()
    given: list[int] = []

    with db.atomic():  # on any failure the rollback brings the trigger back, with the rows
        execute(f'DROP TRIGGER "{trigger.name}"')
        yield given.extend
        # Once the last block is in, not after each: the keys land all over the sort table's
        # indexes, so a block's statement changed pages earlier blocks had written, which
        # SQLite's statement journal copies first (43 MB of copies for 38,754 heads, 9 MB in
        # one statement: BENCHMARKS.md, "The schools import's role keys written once").
        ordered = sorted(set(given))
        start = 0
        for n in range(1, len(ordered) + 1):  # each run of consecutive ids: one statement
            if n == len(ordered) or ordered[n] != ordered[n - 1] + 1:
                execute(sql, (ordered[start], ordered[n - 1]))
                start = n
        execute(trigger.create)


@dataclass(frozen=True)
class UpdateTrigger:
    """The AFTER UPDATE OF trigger beside an insert trigger: the same row, when a row's
    ``columns`` are written (whether or not their values change)."""

    name: str
    create: str
    columns: frozenset[str]
    row: RowTrigger  # whose row expressions it evaluates

    def stored(self) -> str:
        return self.create.replace("IF NOT EXISTS ", "", 1)


def _update_trigger(inserting: RowTrigger, statements: Sequence[str]) -> UpdateTrigger:
    name = f"{inserting.target}_on_update"
    create = next(s for s in statements if f'"{name}"' in s and s.startswith("CREATE TRIGGER"))
    if f"VALUES {inserting.row}; END" not in create:  # only the insert's own row is refilled
        raise RuntimeError(f"{name} does not write the row {inserting.name} writes")
    found = re.search(r"AFTER UPDATE OF (.*?) ON ", create)
    assert found is not None
    return UpdateTrigger(name, create, frozenset(re.findall(r'"([^"]+)"', found.group(1))),
                         inserting)


UPDATE_TRIGGERS: dict[str, UpdateTrigger] = {t.row.table: t for t in (
    _update_trigger(TRIGGERS["role"], role_sort.STATEMENTS),
    _update_trigger(TRIGGERS["placement"], sort_index.STATEMENTS),
)}

#: fewer updated rows than this: the trigger per row (dropping and creating it again makes
#: every cached statement be prepared again)
MIN_UPDATES = 1000
_IDS_PER_FILL = 500


@contextmanager
def refilled_after_updates(model: Any, count: int) -> Iterator[Callable[[int, Iterable[str]], None]]:
    """For ``count`` updates of ``model``'s rows (``EntityService.update_many``): yields
    ``updated(id, columns)``, to call with each row's id and the columns its UPDATE sets. Where
    the table has an update trigger keeping a sort table (``role_sort_on_update``), as this
    code makes it, on SQLite and ``count`` is at least ``MIN_UPDATES``, the trigger is dropped
    while the updates run and the rows whose UPDATE would have fired it get their sort row
    from ``INSERT ... SELECT``s of the trigger's own expressions at the end, once, in id order,
    then the trigger is created again; all in one savepoint, as :func:`filled_in_bulk` does.

    Why: the trigger's ``INSERT OR REPLACE`` per row, with its look-ups, cost ~1.6 s of SQLite's
    CPU for the 33,474 heads' roles a GIAS refresh ends, against ~0.35 s in one pass
    (BENCHMARKS.md, "The GIAS refresh's apply"). The same rows: each sort row is computed from
    the role (and its person's and school's keys) as it stands after its last update, which is
    what the trigger computed for its last update, since these updates change no person or
    school."""
    trigger = UPDATE_TRIGGERS.get(model._meta.table_name)
    db: Any = database.obj
    execute: Any = db.execute_sql  # untyped in peewee's stubs
    if trigger is None or count < MIN_UPDATES or not isinstance(db, SqliteDatabase) or execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (trigger.name,)).fetchone() != (trigger.stored(),):
        yield lambda record_id, columns: None
        return
    fires = trigger.columns
    touched: set[int] = set()

    def updated(record_id: int, columns: Iterable[str]) -> None:
        if not fires.isdisjoint(columns):
            touched.add(record_id)

    with db.atomic():  # on any failure the rollback brings the trigger back, with the rows
        execute(f'DROP TRIGGER "{trigger.name}"')
        yield updated
        ordered = sorted(touched)
        for start in range(0, len(ordered), _IDS_PER_FILL):
            part = ordered[start:start + _IDS_PER_FILL]
            execute(trigger.row.fill_ids(len(part)), part)
        execute(trigger.create)
