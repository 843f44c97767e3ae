"""A bulk insert's stored sort keys (role_sort, placement_sort) written by one statement per
run of new ids (``ittdesk.sort_fill``): the same rows the per-row triggers write, the triggers back afterwards
exactly as they were, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from peewee import SqliteDatabase
from test_queries import YEAR, partnership  # noqa: F401 - the shared fixture

from ittdesk import role_sort, search_index, sort_fill, sort_index
from ittdesk.models import database
from ittdesk.services import bulk
from ittdesk.services.people import people, roles
from ittdesk.services.programmes import placements
from ittdesk.services.schools import schools


class Stop(Exception):
    pass


def _sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def _triggers() -> list[tuple[str, str]]:
    if not _sqlite():
        return []
    return [tuple(r) for r in database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()]


def _held(table: str, key: str, select_all: str) -> tuple[list, list]:
    """What the sort table holds and what the tables say it should hold (SQLite)."""
    if not _sqlite():
        return [], []
    held = database.execute_sql(f'SELECT * FROM "{table}" ORDER BY "{key}"').fetchall()
    return held, sorted(database.execute_sql(select_all).fetchall())


def _many_roles(count: int) -> list[dict]:
    """Roles for new people at new schools, accents and all (their keys go into role_sort)."""
    with database.atomic():
        school_ids = schools.create_many([schools.prepare({"urn": str(600000 + i),
                                                           "name": f"Ysgol Ŵ {i % 50}"})
                                          for i in range(40)])
        person_ids = people.create_many([people.prepare({"first_name": f"Zoë {i % 30}",
                                                         "last_name": f"Ó Dálaigh {i}"})
                                         for i in range(count)])
    kinds = ("mentor", "headteacher", "itt_champion")
    return [{"person": p, "school": school_ids[n % len(school_ids)], "kind": kinds[n % 3],
             "start_date": date(2020, 9, 1 + n % 20) if n % 4 else None}
            for n, p in enumerate(person_ids)]


def test_roles_written_in_bulk_hold_the_keys_their_triggers_would_write(db):
    rows = _many_roles(bulk.WRITE_BLOCK + 150)  # two blocks
    before = _triggers()
    seen: list[list[str]] = []
    with database.atomic():
        ids = roles.create_many(rows, tick=lambda n: seen.append([t[0] for t in _triggers()]))
    assert len(ids) == len(rows)
    held, expected = _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL)
    assert held == expected and (len(held) == len(rows) or not _sqlite())
    assert _triggers() == before  # back, as stored before
    if _sqlite():
        assert seen and all("role_sort_on_insert" not in names for names in seen)
        # and the trigger works again: a role added one by one gets its row
        one = roles.create({"person": rows[0]["person"], "school": rows[1]["school"],
                            "kind": "mentor"})
        held, expected = _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL)
        assert held == expected and held[-1][0] == one.id


def test_a_bulk_writes_keys_and_search_index_are_written_once_after_its_last_block(db):
    """``create_many`` notes each block's new ids and writes their role_sort rows and search
    index entries once every block is in, each by one statement over the run of ids (SQLite):
    nothing of them while the blocks go in, then the rows the triggers would have written."""
    rows = _many_roles(2 * bulk.WRITE_BLOCK + 10)  # three blocks
    during: list[int] = []
    filled: list[str] = []
    blockley = ("SELECT COUNT(*) FROM school_search WHERE school_search MATCH "
                f"'{search_index.trigrams_query('blockley')}'")

    def count(sql: str) -> Callable[[int], None]:
        def tick(_n: int) -> None:
            if _sqlite():
                during.append(database.execute_sql(sql).fetchone()[0])
        return tick

    if _sqlite():
        database.connection().set_trace_callback(
            lambda sql: filled.append(sql) if sql.startswith(
                ('INSERT OR REPLACE INTO "role_sort"', 'INSERT INTO "school_search"')) else None)
    try:
        with database.atomic():
            ids = roles.create_many(rows, tick=count(f'SELECT COUNT(*) FROM "{role_sort.TABLE}"'))
            school_ids = schools.create_many([schools.prepare({"urn": str(700000 + i),
                                                               "name": f"Blockley {i}"})
                                              for i in range(bulk.WRITE_BLOCK + 5)],
                                             tick=count(blockley))
    finally:
        if _sqlite():
            database.connection().set_trace_callback(None)
    assert len(ids) == len(rows) and len(school_ids) == bulk.WRITE_BLOCK + 5
    held, expected = _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL)
    assert held == expected
    if _sqlite():
        assert len(held) == len(rows)
        assert len(during) == 8 and all(n == 0 for n in during)  # none while the blocks went in
        assert [sql.split(" (")[0].split("(")[0] for sql in filled] == [
            'INSERT OR REPLACE INTO "role_sort"', 'INSERT INTO "school_search"']
        assert database.execute_sql(blockley).fetchone()[0] == len(school_ids)


def test_placements_written_in_bulk_hold_the_keys_their_triggers_would_write(partnership):  # noqa: F811
    p = partnership
    rows = [{"enrolment": e.id, "school": s.id, "mentor": m,
             "start_date": YEAR.start, "end_date": YEAR.start}
            for e in p["trainees"] for s in (p["a"], p["b"], p["c"])
            for m in (p["mentor"].id, None)]
    with database.atomic():
        placements.create_many(rows)
    held, expected = _held(sort_index.TABLE, "placement_id", sort_index.SELECT_ALL)
    assert held == expected and (len(held) == len(rows) + 2 or not _sqlite())


def test_a_failed_bulk_write_keeps_the_trigger_and_the_keys_as_they_were(db):
    rows = _many_roles(bulk.WRITE_BLOCK + 10)
    before = _triggers()

    def cancel(n: int) -> None:  # in the second block (the keys come after the last one)
        if len(calls) == 2:
            raise Stop
        calls.append(n)

    calls: list[int] = []
    with database.atomic():  # the caller goes on, then commits
        with pytest.raises(Stop):
            roles.create_many(rows, tick=cancel)
    assert _triggers() == before
    assert _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL) == ([], [])


def test_a_trigger_stored_otherwise_is_left_to_do_the_work(sqlite_db):
    """A file whose trigger is not the one this code makes keeps it: no block fill."""
    trigger = sort_fill.TRIGGERS["role"]
    other = trigger.create.replace("INSERT OR REPLACE INTO", "REPLACE INTO", 1)
    database.execute_sql(f'DROP TRIGGER "{trigger.name}"')
    database.execute_sql(other)
    rows = _many_roles(30)
    before = _triggers()
    assert (trigger.name, trigger.stored()) not in before
    assert (trigger.name, other.replace("IF NOT EXISTS ", "")) in before
    with database.atomic():
        roles.create_many(rows)
    assert _triggers() == before
    held, expected = _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL)
    assert held == expected and len(held) == len(rows)


def test_roles_updated_in_bulk_hold_the_keys_their_update_trigger_would_write(db):
    """``update_many`` of at least ``MIN_UPDATES`` roles: the update trigger is dropped while
    the rows are written and each role whose UPDATE would have fired it gets its role_sort row
    afterwards (ended, moved, retitled, one changed twice); the trigger is back as stored,
    and a role changed only in a column the trigger does not watch is left as it was."""
    rows = _many_roles(sort_fill.MIN_UPDATES + 20)
    with database.atomic():
        ids = roles.create_many(rows)
    diffs = [(ids[0], {"end_date": (None, date(2026, 8, 31))}, None),
             (ids[1], {"school": (rows[1]["school"], rows[0]["school"])}, None),
             (ids[2], {"kind": ("itt_champion", "mentor")}, None),
             (ids[3], {"job_title": (None, "Deputy head")}, None),  # not watched
             (ids[0], {"end_date": (date(2026, 8, 31), date(2026, 7, 31))}, None)]
    diffs += [(i, {"start_date": (None, date(2021, 1, 4))}, None) for i in ids[4:]]
    if _sqlite():  # so that a sort row written for it would show
        database.execute_sql('UPDATE "role_sort" SET "person_key" = \'stale\' '
                             'WHERE "role_id" = ?', (ids[3],))
    before = _triggers()
    seen: list[list[str]] = []
    with database.atomic():
        assert roles.update_many(diffs, tick=lambda n: seen.append(
            [t[0] for t in _triggers()])) == len(diffs)
    assert _triggers() == before
    if not _sqlite():
        return
    assert seen and all("role_sort_on_update" not in names for names in seen)
    held, expected = _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL)
    stale = [row for row in held if row[0] == ids[3]]
    assert stale[0][6] == "stale"  # job title only: no sort row written, as the trigger writes none
    assert [row for row in held if row[0] != ids[3]] == [
        row for row in expected if row[0] != ids[3]]
    by_id = {row[0]: row for row in held}
    assert by_id[ids[0]][5] == "2026-07-31" and by_id[ids[1]][2] == rows[0]["school"]


def test_a_failed_bulk_update_leaves_the_update_trigger_and_the_rows_as_they_were(db):
    rows = _many_roles(sort_fill.MIN_UPDATES)
    with database.atomic():
        ids = roles.create_many(rows)
    before = _triggers()
    held_before = _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL)[0]

    def stop(_n: int) -> None:
        raise Stop

    with pytest.raises(Stop), database.atomic():
        roles.update_many([(i, {"end_date": (None, date(2026, 8, 31))}, None) for i in ids],
                          tick=stop)
    assert _triggers() == before
    assert _held(role_sort.TABLE, "role_id", role_sort.SELECT_ALL)[0] == held_before
