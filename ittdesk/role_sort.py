"""Each role's other-table sort keys beside its dates: people by current school and schools by
current head without a look-up of another table per row (migration 19, SQLite).

Who holds which role *today* depends on the day (``holders.held``), so no person's "current
school" can be stored: it would go stale as roles end. What does not depend on the day is each
role's school key (the school's ``name_key``) and holder key (the person's
``first_name_key || ' ' || last_name_key``). ``role_sort`` holds those per role with the
role's own dates, indexed in the current-role look-up's order (``role_person_current``'s and
``role_school_current``'s), so sorting 100,000 people by school is one seek per person in one
small index (~108 -> ~84 ms), and 50,000 schools by head the same (no look-up in the person
table per school). "Held today" is still decided when the query runs.

The people by school go further (migration 20): ``role_sort_school_key`` holds the roles in the
list's own order (school key, then holder), so the day's held roles are read off it in order
and the people without one follow by id: no look-up per person and no sort of 100,000 keys
(``people_by_school``; ~85 -> ~50 ms at the large scale).

Triggers keep it in step with every write, as ``sort_index``'s do: a role added, changed or
deleted; a person's or school's name key changed (only when it changed). PostgreSQL sorts as
before (no table): the list's meaning is the same (tests compare both).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import compress
from typing import Any

from peewee import Database, SqliteDatabase

from . import clock
from .models import database
from .sort_index import on_sqlite

TABLE = "role_sort"
KEY_INDEX = f"{TABLE}_school_key"

_PERSON_KEY = '{p}."first_name_key" || \' \' || {p}."last_name_key"'
_HOLDER = ('(SELECT ' + _PERSON_KEY.format(p='p') + ' FROM "person" AS p '
           'WHERE p."id" = new."person_id")')
_SCHOOL = '(SELECT s."name_key" FROM "school" AS s WHERE s."id" = new."school_id")'
COLUMNS = ('"role_id", "person_id", "school_id", "kind", "start_date", "end_date", '
           '"person_key", "school_key"')
ROW = (f'(new."id", new."person_id", new."school_id", new."kind", new."start_date", '
       f'new."end_date", {_HOLDER}, {_SCHOOL})')

STATEMENTS: tuple[str, ...] = (
    f'CREATE TABLE IF NOT EXISTS "{TABLE}" ("role_id" INTEGER NOT NULL PRIMARY KEY, '
    '"person_id" INTEGER NOT NULL, "school_id" INTEGER NOT NULL, "kind" TEXT NOT NULL, '
    '"start_date" DATE, "end_date" DATE, "person_key" TEXT, "school_key" TEXT)',
    # The look-ups' order (newest start first when walked backwards, then the newest role) and
    # every column they read: one seek per person or school, no sort, no other table.
    f'CREATE INDEX IF NOT EXISTS "{TABLE}_person" ON "{TABLE}" ("person_id", "start_date", '
    '"role_id", "end_date", "school_key")',
    f'CREATE INDEX IF NOT EXISTS "{TABLE}_school" ON "{TABLE}" ("school_id", "kind", '
    '"start_date", "role_id", "end_date", "person_key")',
    # The people list by school's own order (the key, then the holder; the dates to tell the
    # roles held today; the role is the rowid): walked, never sorted (migration 20).
    f'CREATE INDEX IF NOT EXISTS "{KEY_INDEX}" ON "{TABLE}" ("school_key", "person_id", '
    '"start_date", "end_date")',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_insert" AFTER INSERT ON "role" BEGIN '
    f'INSERT OR REPLACE INTO "{TABLE}" ({COLUMNS}) VALUES {ROW}; END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_update" AFTER UPDATE OF "person_id", '
    '"school_id", "kind", "start_date", "end_date" ON "role" BEGIN '
    f'INSERT OR REPLACE INTO "{TABLE}" ({COLUMNS}) VALUES {ROW}; END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_delete" AFTER DELETE ON "role" BEGIN '
    f'DELETE FROM "{TABLE}" WHERE "role_id" = old."id"; END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_person" AFTER UPDATE OF "first_name_key", '
    '"last_name_key" ON "person" WHEN new."first_name_key" IS NOT old."first_name_key" '
    'OR new."last_name_key" IS NOT old."last_name_key" BEGIN '
    f'UPDATE "{TABLE}" SET "person_key" = ' + _PERSON_KEY.format(p='new')
    + ' WHERE "person_id" = new."id"; END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_school" AFTER UPDATE OF "name_key" ON "school" '
    'WHEN new."name_key" IS NOT old."name_key" BEGIN '
    f'UPDATE "{TABLE}" SET "school_key" = new."name_key" WHERE "school_id" = new."id"; END',
)

# Every role's row, computed from the tables (the migration's fill; tests compare with it).
SELECT_ALL = ('SELECT r."id", r."person_id", r."school_id", r."kind", r."start_date", '
              'r."end_date", ' + _PERSON_KEY.format(p='p') + ', s."name_key" FROM "role" AS r '
              'JOIN "person" AS p ON p."id" = r."person_id" '
              'JOIN "school" AS s ON s."id" = r."school_id"')
_FILL = f'INSERT OR REPLACE INTO "{TABLE}" ({COLUMNS}) {SELECT_ALL}'


def install(db: Database, fill: bool = False) -> None:
    """Create the table, its indexes and triggers on an SQLite ``db`` (a new database,
    migration 19); ``fill``: from the roles already there. PostgreSQL: nothing."""
    on_sqlite(db, STATEMENTS, _FILL if fill else None)


def _held(day: date) -> tuple[str, list[Any]]:
    """``holders.held`` over ``k``, the same condition in SQL with its parameters."""
    return ('(k."start_date" IS NULL OR k."start_date" <= ?) AND '
            '(k."end_date" IS NULL OR k."end_date" >= ?)', [day, day])


_NEWEST = 'ORDER BY k."start_date" DESC NULLS LAST, k."role_id" DESC LIMIT 1'
# ids per IN (...) when asking the current role of people who hold several roles today
_CHUNK = 500
# people holding several roles today, more than one in this many of those holding any: the
# look-up per person is quicker than finding those people's current roles (``people_by_school``;
# ~3.5 us a person against ~0.4 us more a person for the look-up and its sort)
_MANY = 8


class HeldSort:
    """A whole-list sort by a key of the row's current role's other table: the people by their
    current role's school (``owner`` "person") or the schools by their current ``kind`` holder
    (``owner`` "school"). ``ids`` gives exactly the ORDER BY ``ListQuery._order`` builds from
    ``queries.school_lists``' look-ups (key, NULLs last both ways, then the row's id)."""

    def __init__(self, owner: str, kind: str | None = None) -> None:
        self.owner = owner
        self.kind = kind

    def ids(self, descending: bool) -> list[int] | None:
        """The whole list's ids in this order, or None where there is no table to read (not
        SQLite, or a file without its migrations): the caller then sorts as before."""
        db: Any = database.obj
        if not isinstance(db, SqliteDatabase) or not db.table_exists(TABLE):
            return None
        execute: Any = db.execute_sql
        if self.owner == "person" and execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                (KEY_INDEX,)).fetchone():
            return people_by_school(descending)
        return self.looked_up(descending)

    def looked_up(self, descending: bool) -> list[int]:
        """The ids by each row's look-up of its current role's key in ``role_sort`` and a sort
        of them all (migration 19's way; the schools by head, and the people on a file without
        migration 20's index)."""
        db: Any = database.obj
        execute: Any = db.execute_sql
        held, params = _held(clock.today())
        direction = "DESC" if descending else "ASC"
        if self.owner == "person":
            key = (f'(SELECT k."school_key" FROM "{TABLE}" AS k WHERE k."person_id" = t."id" '
                   f'AND {held} {_NEWEST})')
            sql = (f'SELECT t."id" FROM "person" AS t WHERE t."erased" = ? ORDER BY {key} '
                   f'{direction} NULLS LAST, t."id" {direction}')
            args: list[Any] = [False, *params]
        else:
            key = (f'(SELECT k."person_key" FROM "{TABLE}" AS k WHERE k."school_id" = t."id" '
                   f'AND k."kind" = ? AND {held} {_NEWEST})')
            sql = (f'SELECT t."id" FROM "school" AS t ORDER BY {key} {direction} NULLS LAST, '
                   f't."id" {direction}')
            args = [self.kind, *params]
        return [i for (i,) in execute(sql, args)]  # row by row: see ListQuery.ids


def people_by_school(descending: bool) -> list[int]:
    """The people list by current school, whole (SQLite, migration 20): the ORDER BY of the
    look-up per person (key NULLs last, then the id, both in ``descending``'s direction), read
    without a look-up per person or a sort.

    The roles held today come off ``role_sort_school_key`` in the list's order; each person
    holding one is placed by it. Where someone holds several today (the walk meets them more
    than once), only their current role places them (``_current_only``). Then everyone not
    placed, by id: no role held today (or a current role without a key). Erased people are
    left out, as the list's scope does. Nothing is stored per day: which roles are held is
    decided here."""
    execute: Any = database.obj.execute_sql
    held, params = _held(clock.today())
    direction = "DESC" if descending else "ASC"
    # Read row by row, one id a row: see ListQuery.ids.
    placed = [p for (p,) in execute(
        f'SELECT k."person_id" FROM "{TABLE}" AS k WHERE k."school_key" IS NOT NULL AND {held} '
        f'ORDER BY k."school_key" {direction}, k."person_id" {direction}', params)]
    once = set(placed)
    unkeyed = {p for (p,) in execute(
        f'SELECT k."person_id" FROM "{TABLE}" AS k WHERE k."school_key" IS NULL AND {held}',
        params)}
    if len(once) != len(placed) or unkeyed & once:
        several = {p for p, times in Counter(placed).items() if times > 1} | (unkeyed & once)
        current = None
        if len(several) * _MANY <= len(placed):
            current = _current_only(placed, several, descending, params)
        if current is None:
            # Many such people (or a start date that is not a date's text): the look-up per
            # person and its sort cost less than finding each one's current role here.
            return HeldSort("person").looked_up(descending)
        placed = current
        once = set(placed)
    # Everyone in the list as one text, not 100,000 rows: a third of the time, and a set is
    # what is needed (the order is the sort's, by id).
    text = execute('SELECT group_concat("id") FROM "person" WHERE "erased" = ?',
                   [False]).fetchone()[0]
    live = set(map(int, text.split(","))) if text else set()
    if not once <= live:  # someone placed was erased
        placed = [p for p in placed if p in live]
    return placed + sorted(live - once, reverse=descending)


def _current_only(placed: list[int], several: set[int], descending: bool, params: list[Any]
                  ) -> list[int] | None:
    """``placed`` with each of ``several`` (people met more than once in the walk, or also
    holding a role without a key today) kept only where their current role places them, or
    nowhere if that role has no key; None if a start date is not a date's text (then Python
    cannot compare them as SQLite does).

    Their current role is the look-up's rule (``_NEWEST``: the newest start, no start last,
    then the newest role) applied to their held roles, read for them alone. The walk meets one
    person's roles in key order, so their current role's place is the one whose rank among
    their keys is its key's (two places of one person with equal keys are side by side:
    either is the same)."""
    execute: Any = database.obj.execute_sql
    held = _held(clock.today())[0]  # the condition's text; the day is ``params``'
    keys: dict[int, list[str]] = {}
    newest: dict[int, tuple[tuple[bool, str, int], str | None]] = {}
    people = sorted(several)
    for first in range(0, len(people), _CHUNK):
        chunk = people[first:first + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for person, key, start, role in execute(
                f'SELECT k."person_id", k."school_key", k."start_date", k."role_id" '
                f'FROM "{TABLE}" AS k WHERE k."person_id" IN ({marks}) AND {held}',
                [*chunk, *params]):
            if start is not None and start.__class__ is not str:
                return None
            if key is not None:
                keys.setdefault(person, []).append(key)
            # _NEWEST as a Python key: text dates compare as SQLite compares them
            rank = (start is not None, start or "", role)
            best = newest.get(person)
            if best is None or rank > best[0]:
                newest[person] = (rank, key)
    place: dict[int, int] = {}  # which of each one's places, in the walk's order, to keep
    for person, found in keys.items():
        found.sort(reverse=descending)  # text keys: Python's order is SQLite's BINARY one
        mine = newest[person][1]
        place[person] = found.index(mine) if mine is not None else -1
    keep = bytearray(b"\x01") * len(placed)
    met: dict[int, int] = {}
    for at in [at for at, person in enumerate(placed) if person in place]:
        person = placed[at]
        seen = met.get(person, 0)
        met[person] = seen + 1
        if seen != place[person]:
            keep[at] = 0
    return list(compress(placed, keep))
