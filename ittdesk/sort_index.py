"""The placements list's stored sort keys: sorting 130,000 placements by trainee, school or mentor
without a join and a sort of every row (migration 18, SQLite), and indexes for its own columns'
sorts (end date, subject, kind).

Those three columns sort by another table's key (``sortkeys``: a person's or a school's), which
SQLite could only reach by joining every placement to its enrolment and person (or school) and
sorting all of them in a temporary B-tree: ~90-110 ms of CPU at the large scale for the trainee
or the mentor. ``placement_sort`` holds, per placement, the very values the list's ORDER BY
compares (the trainee's and the mentor's ``first_name_key || ' ' || last_name_key``, the school's
``name_key`` and id), each indexed, so the whole list in any of those orders is a walk of one
small index (~30 ms; BENCHMARKS.md, "The placements list's sorts and search").

Triggers keep it in step with every write, as the search index's do (the services' bulk
INSERTs, imports and erasure included): a placement added, changed (its enrolment, school or
mentor) or deleted; an enrolment given another person; a person's or a school's name key changed
(only when it changed, so an import that rewrites unchanged names costs nothing here). An
erased person's new name key replaces the old one here too, and ``secure_delete`` overwrites it.

PostgreSQL sorts the joined rows itself, as before (no table, no triggers): its sorter is not
the cost there, and the list's meaning is the same either way (tests compare both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from peewee import Database, SqliteDatabase

from .models import database

TABLE = "placement_sort"

# The values the placements list sorts by (queries.programme_lists), as SQL over a person row
# ``p`` / a school row ``s``: the same expressions, so the same strings and the same order.
_PERSON_KEY = '{p}."first_name_key" || \' \' || {p}."last_name_key"'

_TRAINEE = ('(SELECT ' + _PERSON_KEY.format(p='p') + ' FROM "enrolment" AS e JOIN "person" AS p '
            'ON p."id" = e."person_id" WHERE e."id" = new."enrolment_id")')
_SCHOOL = '(SELECT s."name_key" FROM "school" AS s WHERE s."id" = new."school_id")'
_MENTOR = ('(SELECT ' + _PERSON_KEY.format(p='p') + ' FROM "person" AS p '
           'WHERE p."id" = new."mentor_id")')
COLUMNS = '"placement_id", "trainee_key", "school_key", "school_id", "mentor_key"'
ROW = f'(new."id", {_TRAINEE}, {_SCHOOL}, new."school_id", {_MENTOR})'

# Migration 19: indexes other lists' whole-list sorts walk (BENCHMARKS.md, "The other lists'
# slow sorts"). A person's current role or school, and a school's current head, depend on the
# day (``holders.held``), so no key is stored: each row's look-up walks a covering index in the
# look-up's own order (start date, then id, backwards: newest first, no start date last) instead
# of reading and sorting that person's or school's roles. The LOWER() ones are the expressions
# the lists' ORDER BY compares (people and enrolments by email, enrolments by subject,
# placements by year group), so SQLite walks them instead of sorting 100,000 texts.
LIST_INDEXES: tuple[str, ...] = (
    'CREATE INDEX IF NOT EXISTS "role_person_current" ON "role" ("person_id", "start_date", '
    '"id", "end_date", "kind", "school_id")',
    'CREATE INDEX IF NOT EXISTS "role_school_current" ON "role" ("school_id", "kind", '
    '"start_date", "id", "end_date", "person_id")',
    'CREATE INDEX IF NOT EXISTS "person_email_lower" ON "person" (LOWER("email"))',
    'CREATE INDEX IF NOT EXISTS "enrolment_subject_lower" ON "enrolment" (LOWER("subject"))',
    'CREATE INDEX IF NOT EXISTS "placement_year_group_lower" ON "placement" '
    '(LOWER("year_group"))',
)

STATEMENTS: tuple[str, ...] = (
    # The keys may be NULL only where the list's own value is (no mentor): a missing enrolment or
    # school is the foreign key's error to report, not this table's.
    f'CREATE TABLE IF NOT EXISTS "{TABLE}" ("placement_id" INTEGER NOT NULL PRIMARY KEY, '
    '"trainee_key" TEXT, "school_key" TEXT, "school_id" INTEGER, "mentor_key" TEXT)',
    f'CREATE INDEX IF NOT EXISTS "{TABLE}_trainee" ON "{TABLE}" ("trainee_key")',
    f'CREATE INDEX IF NOT EXISTS "{TABLE}_school" ON "{TABLE}" ("school_key", "school_id")',
    f'CREATE INDEX IF NOT EXISTS "{TABLE}_mentor" ON "{TABLE}" ("mentor_key")',
    # The list's own columns a user sorts by that had no index to walk (ORDER BY end_date,
    # LOWER(subject), LOWER(kind) then id: ~60-90 ms of sorting -> ~30 ms of walking).
    'CREATE INDEX IF NOT EXISTS "placement_end_date" ON "placement" ("end_date")',
    'CREATE INDEX IF NOT EXISTS "placement_subject_lower" ON "placement" (LOWER("subject"))',
    'CREATE INDEX IF NOT EXISTS "placement_kind_lower" ON "placement" (LOWER("kind"))',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_insert" AFTER INSERT ON "placement" BEGIN '
    f'INSERT OR REPLACE INTO "{TABLE}" ({COLUMNS}) VALUES {ROW}; END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_update" AFTER UPDATE OF "enrolment_id", '
    f'"school_id", "mentor_id" ON "placement" BEGIN '
    f'INSERT OR REPLACE INTO "{TABLE}" ({COLUMNS}) VALUES {ROW}; END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_delete" AFTER DELETE ON "placement" BEGIN '
    f'DELETE FROM "{TABLE}" WHERE "placement_id" = old."id"; END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_enrolment" AFTER UPDATE OF "person_id" '
    'ON "enrolment" WHEN new."person_id" IS NOT old."person_id" BEGIN '
    f'UPDATE "{TABLE}" SET "trainee_key" = (SELECT ' + _PERSON_KEY.format(p='p')
    + ' FROM "person" AS p WHERE p."id" = new."person_id") WHERE "placement_id" IN '
    '(SELECT "id" FROM "placement" WHERE "enrolment_id" = new."id"); END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_person" AFTER UPDATE OF "first_name_key", '
    '"last_name_key" ON "person" WHEN new."first_name_key" IS NOT old."first_name_key" '
    'OR new."last_name_key" IS NOT old."last_name_key" BEGIN '
    f'UPDATE "{TABLE}" SET "trainee_key" = ' + _PERSON_KEY.format(p='new')
    + ' WHERE "placement_id" IN (SELECT pl."id" FROM "placement" AS pl JOIN "enrolment" AS e '
    'ON pl."enrolment_id" = e."id" WHERE e."person_id" = new."id"); '
    f'UPDATE "{TABLE}" SET "mentor_key" = ' + _PERSON_KEY.format(p='new')
    + ' WHERE "placement_id" IN (SELECT "id" FROM "placement" WHERE "mentor_id" = new."id"); END',
    f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_on_school" AFTER UPDATE OF "name_key" ON "school" '
    'WHEN new."name_key" IS NOT old."name_key" BEGIN '
    f'UPDATE "{TABLE}" SET "school_key" = new."name_key" WHERE "placement_id" IN '
    '(SELECT "id" FROM "placement" WHERE "school_id" = new."id"); END',
) + LIST_INDEXES

# Every placement's row, computed from the tables (the migration's fill; tests compare with it).
SELECT_ALL = ('SELECT pl."id", ' + _PERSON_KEY.format(p='p') + ', s."name_key", pl."school_id", '
              + _PERSON_KEY.format(p='m') + ' FROM "placement" AS pl '
              'JOIN "enrolment" AS e ON e."id" = pl."enrolment_id" '
              'JOIN "person" AS p ON p."id" = e."person_id" '
              'JOIN "school" AS s ON s."id" = pl."school_id" '
              'LEFT JOIN "person" AS m ON m."id" = pl."mentor_id"')
_FILL = f'INSERT OR REPLACE INTO "{TABLE}" ({COLUMNS}) {SELECT_ALL}'


def on_sqlite(db: Database, statements: Sequence[str], fill: str | None = None) -> None:
    """Run ``statements``, then ``fill``, on an SQLite ``db``; on PostgreSQL nothing: the stored
    sort keys and these indexes are SQLite's (see module)."""
    if not isinstance(db, SqliteDatabase):
        return
    execute: Any = db.execute_sql  # untyped in peewee's stubs
    for statement in statements:
        execute(statement)
    if fill:
        execute(fill)


def install_list_indexes(db: Database) -> None:
    """Migration 19 on an SQLite ``db``: ``LIST_INDEXES`` (each only if missing)."""
    on_sqlite(db, LIST_INDEXES)


def install(db: Database, fill: bool = False) -> None:
    """Create the table, its indexes and triggers on an SQLite ``db`` (a new database, migration
    18), and the other lists' indexes (``LIST_INDEXES``, migration 19); ``fill``: from the
    placements already there. PostgreSQL: nothing (see module)."""
    on_sqlite(db, STATEMENTS, _FILL if fill else None)


@dataclass(frozen=True)
class StoredSort:
    """A list column whose order ``placement_sort`` holds: ``columns`` compared in turn (the
    first NULL last both ways when ``nulls_last``), then the placement's id, each in the sort's
    direction: exactly the ORDER BY ``ListQuery._order`` builds for that column."""

    columns: tuple[str, ...]
    nulls_last: bool = False

    def ids(self, descending: bool) -> list[int] | None:
        """The whole list's ids in this order, or None where there is no table to read (not
        SQLite): the caller then sorts the joined rows as before."""
        db: Any = database.obj
        if not isinstance(db, SqliteDatabase) or not db.table_exists(TABLE):
            return None  # PostgreSQL, or a file opened without its migrations
        direction = "DESC" if descending else "ASC"
        order = [f'"{c}" {direction}' for c in self.columns]
        if self.nulls_last:
            order[0] += " NULLS LAST"
        order.append(f'"placement_id" {direction}')
        sql = f'SELECT "placement_id" FROM "{TABLE}" ORDER BY {", ".join(order)}'
        execute: Any = db.execute_sql
        return [i for (i,) in execute(sql)]  # row by row: see ListQuery.ids
