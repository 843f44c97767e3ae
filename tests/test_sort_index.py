"""The placements list's stored sort keys (ittdesk.sort_index, migration 18): the whole list by
trainee, school or mentor read off an index gives exactly the joined, sorted order, and the keys
follow every write that could change it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from peewee import SqliteDatabase
from test_queries import YEAR, partnership  # noqa: F401 - the shared fixture

from ittdesk import backup, migrations, sort_index
from ittdesk.models import SchemaVersion, database
from ittdesk.privacy import erasure
from ittdesk.queries.lists import PLACEMENTS
from ittdesk.services.people import people
from ittdesk.services.programmes import cohorts, enrolments, placements
from ittdesk.services.schools import schools

STORED = ("trainee", "school", "mentor")


def _joined():
    """The same list without its stored keys: the joined rows sorted, as before migration 18."""
    return replace(PLACEMENTS, stored_sorts={})


def _sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def _assert_same_orders() -> None:
    plain = _joined()
    for key in STORED:
        for descending in (False, True):
            assert PLACEMENTS.ids(sort=key, descending=descending) == plain.ids(
                sort=key, descending=descending), (key, descending)
    if _sqlite():  # the table holds exactly what the tables say, one row per placement
        held = database.execute_sql(
            f'SELECT * FROM "{sort_index.TABLE}" ORDER BY "placement_id"').fetchall()
        assert held == sorted(database.execute_sql(sort_index.SELECT_ALL).fetchall())


@pytest.fixture
def crowded(partnership):  # noqa: F811 - the fixture above
    """Ties everywhere: two schools of one name, two trainees of one name, accents, case, a
    trainee with two enrolments, placements with and without a mentor."""
    p = partnership
    twin = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    accented = schools.create({"urn": 123457, "name": "Ócean View School"})
    names = [("Ann", "Smith"), ("ann", "smith"), ("Anna", "Bell"), ("Émile", "Obi"),
             ("Zed", "Varley")]
    made = [people.create({"first_name": f, "last_name": last}) for f, last in names]
    rows = []
    for n, person in enumerate(made):
        enrolment = enrolments.create({"person": person.id, "cohort": p["cohort"].id,
                                       "status": "enrolled", "subject": "Primary"})
        for k, school in enumerate((p["a"], twin, accented, p["b"])[: 1 + n % 3]):
            mentor = (p["mentor"].id, None, made[0].id)[(n + k) % 3]
            rows.append(placements.create({
                "enrolment": enrolment.id, "school": school.id, "mentor": mentor,
                "start_date": YEAR.start + timedelta(days=10 * k),
                "end_date": YEAR.start + timedelta(days=10 * k + 5)}))
    later = cohorts.create({"programme": p["cohort"].programme_id, "name": "Cohort B",
                            "academic_year": YEAR, "places": 5})
    again = enrolments.create({"person": made[0].id, "cohort": later.id,
                               "status": "deferred", "subject": "Primary"})
    rows.append(placements.create({"enrolment": again.id, "school": twin.id,
                                   "start_date": YEAR.start, "end_date": YEAR.start}))
    return {**p, "twin": twin, "accented": accented, "people": made, "placements": rows}


def test_placements_by_trainee_school_or_mentor_come_in_the_joined_order(crowded):
    _assert_same_orders()
    by_school = PLACEMENTS.ids(sort="school")
    assert len(by_school) == len(_joined().ids())
    # SQLite reads the order off the stored keys; PostgreSQL sorts the joined rows as before.
    read = sort_index.StoredSort(("trainee_key",)).ids(False)
    assert (read is not None) == _sqlite()


def test_the_placements_own_columns_sort_by_walking_an_index(crowded):
    """End date, subject and kind: SQLite walks migration 18's indexes, no sort of every row."""
    for key in ("end", "subject", "kind"):
        column = PLACEMENTS.column(key)
        query = PLACEMENTS.model.select(PLACEMENTS.model.id).order_by(
            *PLACEMENTS._order(key, False))
        sql, params = query.sql()
        if _sqlite():
            plan = " ".join(str(r[-1]) for r in database.execute_sql(
                "EXPLAIN QUERY PLAN " + sql, params).fetchall())
            assert "TEMP B-TREE" not in plan and "INDEX" in plan, (key, plan)
        assert PLACEMENTS.ids(sort=key) == [i for (i,) in database.execute_sql(sql, params)]
        assert column.expr.model is PLACEMENTS.model  # no join: the index alone decides


def test_the_stored_keys_follow_every_write(crowded):
    c = crowded
    ann, zed = c["people"][0], c["people"][4]
    people.update(ann.id, {"first_name": "Zara"})  # a trainee and a mentor renamed
    _assert_same_orders()
    people.update(c["mentor"].id, {"last_name": "Aaronson"})  # a mentor only
    _assert_same_orders()
    schools.update(c["twin"].id, {"name": "Aardvark Academy"})
    _assert_same_orders()
    first = c["placements"][0]
    enrolment = enrolments.get(first.enrolment_id)
    newcomer = people.create({"first_name": "Yusuf", "last_name": "Abbas"})
    enrolments.update(enrolment.id, {"person": newcomer.id})  # now another trainee's
    _assert_same_orders()
    placements.update(first.id, {"school": c["accented"].id, "mentor": zed.id})
    _assert_same_orders()
    placements.update(first.id, {"mentor": None})
    _assert_same_orders()
    placements.delete(c["placements"][-1].id)
    _assert_same_orders()
    with database.atomic():
        people.update_many([(zed.id, {"last_name": ("Varley", "Abbot")}, zed.id)])
    _assert_same_orders()


def test_an_erased_trainees_old_name_key_leaves_the_sort_table(crowded):
    person = crowded["people"][3]  # Émile Obi, a trainee with placements
    erasure.erase(person.id, compact_after=False)
    _assert_same_orders()
    if _sqlite():
        keys = " ".join(str(v) for row in database.execute_sql(
            f'SELECT "trainee_key", "mentor_key" FROM "{sort_index.TABLE}"').fetchall()
            for v in row)
        assert "emile obi" not in keys
        assert "erased person" in keys  # the erased name's own key took its place


def test_migration_18_fills_the_keys_for_the_placements_already_there(crowded, db, tmp_path):
    """A version-16 database (no table on SQLite) gets it filled and sorts as before; its schema
    is then a new database's (a backup of it passes the schema check). PostgreSQL's step adds
    nothing and its list sorts as before."""
    if _sqlite():
        for (name,) in database.execute_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                (f"{sort_index.TABLE}%",)).fetchall():
            database.execute_sql(f'DROP TRIGGER "{name}"')
        database.execute_sql(f'DROP TABLE "{sort_index.TABLE}"')
        for name in ("placement_end_date", "placement_subject_lower", "placement_kind_lower"):
            database.execute_sql(f'DROP INDEX "{name}"')
    SchemaVersion.update(version=16).execute()
    assert sort_index.StoredSort(("trainee_key",)).ids(False) is None  # no table: as before
    assert [m.version for m in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version > 16]
    _assert_same_orders()
    if _sqlite():
        copy = backup.backup_to(db, tmp_path / "migrated.sqlite3")
        assert backup.check_file(copy).ok, backup.check_file(copy).messages


def test_enrolments_by_home_school_come_in_the_joined_order_those_without_one_last(crowded):
    """``SplitSort``: the enrolments with a home school walked in the schools' order (two
    schools of one name by id), then those without one by id, both ways: exactly the plain
    outer-joined ORDER BY."""
    from ittdesk.queries.lists import ENROLMENTS

    c = crowded
    homes = (c["a"].id, c["twin"].id, None, c["accented"].id, None, c["twin"].id)
    for n, enrolment in enumerate(ENROLMENTS.ids()):
        enrolments.update(enrolment, {"home_school": homes[n % len(homes)]})
    plain = replace(ENROLMENTS, split_sorts={})
    for descending in (False, True):
        ids = ENROLMENTS.ids(sort="home_school", descending=descending)
        assert ids == plain.ids(sort="home_school", descending=descending), descending
        without = [i for i in ids if enrolments.get(i).home_school_id is None]
        assert without and ids[-len(without):] == without  # last both ways
    if _sqlite():  # read in two walks, not sorted: no temporary B-tree for either part
        key = "home_school"
        everyone = ENROLMENTS.scope(ENROLMENTS.model.select(ENROLMENTS.model.id))
        split = ENROLMENTS.split_sorts[key]
        sql, params = split.join(everyone).order_by(*ENROLMENTS._order(key, False)).sql()
        plan = " ".join(str(r[-1]) for r in database.execute_sql(
            "EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert "TEMP B-TREE" not in plan, plan
