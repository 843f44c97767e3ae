"""A bulk insert that more than doubles a table builds the table's indexes after the rows
(SQLite, ``services.bulk_indexes``): the same indexes, in the same order, all or nothing, and a
duplicate key refused with the same words."""

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


def test_a_bulk_insert_into_a_small_table_builds_its_indexes_after_the_rows(db):
    before = _indexes("school")
    seen: list[list[str]] = []
    with database.atomic():
        ids = schools.create_many(_rows(bulk_indexes.MIN_ROWS + 200),
                                  tick=lambda n: seen.append([i[0] for i in _indexes("school")]))
    assert _indexes("school") == before  # the same statements, in the same order
    if not is_postgres():
        assert seen and all(names == [] for names in seen)  # built after the rows, UNIQUE too
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


def test_a_duplicate_key_is_refused_with_the_words_an_insert_gives_and_nothing_changed(db):
    from peewee import IntegrityError

    rows = _rows(bulk_indexes.MIN_ROWS + 5)
    rows[-1]["urn"] = rows[0]["urn"]
    before = _indexes("school")
    with pytest.raises(IntegrityError) as refused, database.atomic():
        schools.create_many(rows)
    assert School.select().count() == 0 and _indexes("school") == before
    if not is_postgres():  # the UNIQUE index, built after the rows, says what the INSERT said
        assert str(refused.value) == "UNIQUE constraint failed: school.urn"
        assert database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]


def _cohort_and_people(count: int) -> tuple[int, list[int]]:
    from ittdesk.services.people import people
    from ittdesk.services.programmes import cohorts, programmes

    primary = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": primary.id, "name": "Cohort 7",
                             "academic_year": "2026/27"})
    with database.atomic():
        ids = people.create_many([{"first_name": "Ann", "last_name": f"Trainee {i:05d}",
                                   "email": f"t{i}@example.org"} for i in range(count)])
    return cohort.id, ids


@pytest.mark.parametrize("clash", ["trainee_id", "person"])
def test_an_enrolment_twice_is_refused_by_its_unique_index_built_after_the_rows(db, clash):
    """Both of the enrolment's UNIQUE indexes (trainee ID; trainee and cohort) refuse a
    duplicate inside the bulk insert's savepoint: no row, the same indexes, the same words."""
    from peewee import IntegrityError

    from ittdesk.services.programmes import enrolments

    count = bulk_indexes.MIN_ROWS + 5
    cohort, person_ids = _cohort_and_people(count)
    rows = [{"person": pid, "cohort": cohort, "trainee_id": f"T{n:05d}", "status": "enrolled"}
            for n, pid in enumerate(person_ids)]
    if clash == "trainee_id":
        rows[-1]["trainee_id"] = rows[3]["trainee_id"]
    else:
        rows[-1]["person"] = rows[3]["person"]
    before = _indexes("enrolment")
    with pytest.raises(IntegrityError) as refused, database.atomic():
        enrolments.create_many(rows)
    assert Enrolment.select().count() == 0 and _indexes("enrolment") == before
    if not is_postgres():
        assert str(refused.value) == {
            "trainee_id": "UNIQUE constraint failed: enrolment.trainee_id",
            "person": "UNIQUE constraint failed: enrolment.person_id, enrolment.cohort_id"}[clash]
        assert database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
    with database.atomic():  # and the indexes still refuse one row at a time afterwards
        enrolments.create_many(rows[:-1])
    with pytest.raises(IntegrityError), database.atomic():
        enrolments.create_many(rows[-1:])
    assert Enrolment.select().count() == count - 1


def test_every_index_a_create_index_made_is_built_afterwards_in_its_order(sqlite_db):
    """UNIQUE ones too; in ``sqlite_master`` order, so that re-created indexes keep their
    place in the planner's order."""
    for model in (School, Person, Role, Enrolment):
        table = model._meta.table_name
        assert bulk_indexes.deferred(model) == _indexes(table)
    assert [name for name, _sql in bulk_indexes.deferred(Enrolment)][:4] == [
        "enrolment_person_id", "enrolment_cohort_id", "enrolment_status", "enrolment_trainee_id"]


def test_the_planners_order_of_a_tables_indexes_is_the_same_after_a_bulk_insert(sqlite_db):
    """``PRAGMA index_list`` lists a table's indexes in the order the planner tries them
    (and keeps the first of two equal costs): the same after the indexes were built again,
    in this connection and in a new one."""
    import sqlite3

    def order(conn) -> list[tuple]:
        return [tuple(r[1:]) for r in conn.execute('PRAGMA index_list("enrolment")').fetchall()]

    before = order(database.connection())
    cohort, person_ids = _cohort_and_people(bulk_indexes.MIN_ROWS + 5)
    from ittdesk.services.programmes import enrolments

    with database.atomic():
        enrolments.create_many([{"person": pid, "cohort": cohort, "trainee_id": f"T{n:05d}",
                                 "status": "enrolled"} for n, pid in enumerate(person_ids)])
    assert order(database.connection()) == before
    other = sqlite3.connect(str(sqlite_db.path))  # the same SQLite library: locks are shared
    try:
        assert order(other) == before
    finally:
        other.close()


def test_an_enrolments_import_the_database_refuses_changes_nothing(db, tmp_path):
    """The import's last line of defence, with the UNIQUE indexes built after the rows: a
    duplicate trainee ID that reached the writes (here put into the plan by hand) is refused in
    one plain line, and no person, enrolment, audit entry or import run is left, nor any index
    missing."""
    import csv

    from ittdesk.errors import RefusedError
    from ittdesk.models import AuditEntry, ImportRun
    from ittdesk.services.programmes import cohorts, programmes
    from ittdesk.spreadsheets import importing

    primary = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": primary.id, "name": "Cohort 7",
                             "academic_year": "2026/27"})
    path = tmp_path / "trainees.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Trainee ID", "First name", "Last name", "Email"])
        writer.writerows([f"T{n:05d}", "Ann", f"Trainee {n:05d}", f"t{n}@example.org"]
                         for n in range(bulk_indexes.MIN_ROWS + 50))
    source = importing.load_source(path, "enrolments")
    try:
        plan = importing.plan_import(source, options={"cohort": cohort.id})
        added = [i for i in plan.items if "enrolment" in i.payload]
        assert len(added) == bulk_indexes.MIN_ROWS + 50 and not plan.refused
        added[-1].payload["enrolment"]["trainee_id"] = added[0].payload["enrolment"]["trainee_id"]
        before = (Person.select().count(), Enrolment.select().count(),
                  AuditEntry.select().count(), ImportRun.select().count())
        indexes = _indexes("enrolment")
        with pytest.raises(RefusedError) as refused:
            importing.apply_plan(plan, skip_invalid=True)
    finally:
        source.book.close()
    assert str(refused.value).startswith("The database refused the import (")
    assert str(refused.value).endswith("); nothing was changed")
    if not is_postgres():
        assert "UNIQUE constraint failed: enrolment.trainee_id" in str(refused.value)
    assert (Person.select().count(), Enrolment.select().count(), AuditEntry.select().count(),
            ImportRun.select().count()) == before
    assert _indexes("enrolment") == indexes
