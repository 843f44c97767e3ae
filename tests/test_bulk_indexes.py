"""A bulk insert that more than doubles a table builds the table's later indexes after the rows
(SQLite, ``services.bulk_indexes``): the same indexes, in the same order, all or nothing."""

from __future__ import annotations

import pytest

from ittdesk.models import Enrolment, Person, Role, School, database, is_postgres
from ittdesk.services import bulk_indexes
from ittdesk.services.schools import schools


class Stop(Exception):
    pass


def _indexes(table: str) -> list[tuple[str, str]]:
    """The table's indexes as the database lists them (SQLite: in ``sqlite_master`` order, the
    order the planner considers them in)."""
    if is_postgres():
        return [tuple(r) for r in database.execute_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            (table,)).fetchall()]
    return [tuple(r) for r in database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY rowid",
        (table,)).fetchall()]


def _rows(count: int, first: int = 300000) -> list[dict]:
    return [schools.prepare({"urn": str(first + i), "name": f"School {i:05d}",
                             "postcode": f"LS{i % 9 + 1} 1AA", "trust": f"Trust {i % 7}"})
            for i in range(count)]


def test_a_bulk_insert_into_a_small_table_builds_its_later_indexes_after_the_rows(db):
    before = _indexes("school")
    seen: list[list[str]] = []
    with database.atomic():
        ids = schools.create_many(_rows(bulk_indexes.MIN_ROWS + 200),
                                  tick=lambda n: seen.append([i[0] for i in _indexes("school")]))
    assert _indexes("school") == before  # the same statements, in the same order
    if not is_postgres():
        assert seen and all(names == ["school_urn"] for names in seen)  # built after the rows
        assert database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        plan = database.execute_sql("EXPLAIN QUERY PLAN SELECT id FROM school WHERE name = ?",
                                    ("School 00007",)).fetchall()
        assert "school_name" in str(plan)
    else:
        assert all(len(names) == len(before) for names in seen)  # PostgreSQL keeps them
    found = School.select(School.id).where(School.name == "School 00007")
    assert [s.id for s in found] == [ids[7]]
    assert School.select().where(School.trust == "Trust 3").count() == len(
        [i for i in range(bulk_indexes.MIN_ROWS + 200) if i % 7 == 3])


def test_a_failed_bulk_insert_takes_back_its_rows_and_keeps_every_index(db):
    before = _indexes("school")

    def cancel(_n: int) -> None:
        raise Stop

    with database.atomic():  # the caller goes on after the failure, then commits
        with pytest.raises(Stop):
            schools.create_many(_rows(bulk_indexes.MIN_ROWS + 200), tick=cancel)
        assert School.select().count() == 0
        assert _indexes("school") == before
    assert _indexes("school") == before
    if not is_postgres():
        assert database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_bulk_insert_into_a_table_holding_more_rows_keeps_its_indexes(sqlite_db):
    with database.atomic():
        schools.create_many(_rows(bulk_indexes.MIN_ROWS + 10))
    before = _indexes("school")
    seen: list[int] = []
    with database.atomic():  # as many rows as the table holds, then fewer than MIN_ROWS
        schools.create_many(_rows(bulk_indexes.MIN_ROWS + 10, first=400000),
                            tick=lambda n: seen.append(len(_indexes("school"))))
        schools.create_many(_rows(bulk_indexes.MIN_ROWS - 1, first=500000),
                            tick=lambda n: seen.append(len(_indexes("school"))))
    assert seen and set(seen) == {len(before)}
    assert _indexes("school") == before


def test_a_duplicate_key_is_refused_by_the_unique_index_that_stays(db):
    from peewee import IntegrityError

    rows = _rows(bulk_indexes.MIN_ROWS + 5)
    rows[-1]["urn"] = rows[0]["urn"]
    before = _indexes("school")
    with pytest.raises(IntegrityError), database.atomic():
        schools.create_many(rows)
    assert School.select().count() == 0 and _indexes("school") == before


def test_only_the_indexes_after_a_tables_last_unique_one_are_built_afterwards(sqlite_db):
    """So that re-created indexes keep their place in the planner's order."""
    names = {model: [name for name, _sql in bulk_indexes.deferred(model)]
             for model in (School, Person, Role, Enrolment)}
    assert names[School] == ["school_name", "school_la_name", "school_trust", "school_postcode",
                             "school_partnership_status", "school_name_key"]
    assert names[Person] == ["person_last_name_key", "person_email_lower"]
    assert names[Enrolment] == ["enrolment_home_card", "enrolment_subject_lower"]
    assert names[Role] == [name for name, _sql in _indexes("role")]
