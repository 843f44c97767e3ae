"""The other lists' slow sorts (migration 19, ``sort_index.LIST_INDEXES``): people by current
role, school or email, schools by headteacher, enrolments by email or subject, placements by
year group give the same ids in the same order as before, follow the day (a role ending today
still counts, tomorrow it does not), and SQLite walks the new indexes instead of sorting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from peewee import SqliteDatabase
from test_queries import partnership  # noqa: F401 - the shared fixture

from ittdesk import backup, clock, holders, migrations, role_sort, sort_index
from ittdesk.models import Person, Role, SchemaVersion, School, database
from ittdesk.queries.lists import ENROLMENTS, PEOPLE, PLACEMENTS, SCHOOLS
from ittdesk.services.people import people, roles
from ittdesk.services.programmes import enrolments, placements
from ittdesk.services.schools import schools

DAY = date(2027, 3, 10)
LIST_INDEX_NAMES = ("role_person_current", "role_school_current", "person_email_lower",
                    "enrolment_subject_lower", "placement_year_group_lower")


def _sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def _plan(sql: str, params: list) -> str:
    return " ".join(str(r[-1]) for r in database.execute_sql(
        "EXPLAIN QUERY PLAN " + sql, params).fetchall())


@pytest.fixture
def busy(partnership, set_today):  # noqa: F811 - the fixture above
    """Roles of every shape on ``DAY``: two started the same day, one without a start, one
    ending today, one ended yesterday, one starting tomorrow; two heads of a school (one past);
    emails and subjects differing only in case, and missing; an erased person."""
    set_today(DAY)
    p = partnership
    twin = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    made = {}
    for key, first, last, email in (
            ("same_day", "Cara", "Dunn", "Cara@Example.org"), ("no_start", "Dev", "Earl", None),
            ("ends_today", "Eve", "Fox", "eve@example.org"), ("ended", "Finn", "Gale", None),
            ("future", "Gus", "Hart", "GUS@example.org"), ("none", "Hal", "Ives", "hal@Example.org"),
            ("gone", "Ian", "Jude", "ian@example.org"), ("ends_today_2", "Jo", "Kerr", None)):
        made[key] = people.create({"first_name": first, "last_name": last, "email": email})
    start = date(2024, 9, 1)
    rows = (("same_day", twin, "mentor", start, None), ("same_day", p["b"], "itt_champion", start,
                                                                              None),
            ("no_start", p["c"], "deputy_head", None, None),
            ("ends_today", p["b"], "headteacher", start, DAY),
            ("ends_today_2", twin, "headteacher", start, DAY),
            ("ended", p["c"], "headteacher", start, DAY - timedelta(days=1)),
            ("future", p["c"], "headteacher", DAY + timedelta(days=1), None),
            ("future", twin, "admin_contact", date(2023, 1, 1), DAY + timedelta(days=1)),
            ("gone", p["b"], "mentor", start, None))
    for key, school, kind, begins, ends in rows:
        roles.create({"person": made[key].id, "school": school.id, "kind": kind,
                      "start_date": begins, "end_date": ends})
    Person.update(erased=True).where(Person.id == made["gone"].id).execute()
    subjects = ("Primary", "primary", None, "Maths", "art")
    for n, enrolment in enumerate(ENROLMENTS.ids()):
        enrolments.update(enrolment, {"subject": subjects[n % len(subjects)]})
    for key in ("none", "ended"):  # more enrolments, so emails tie and go missing
        enrolments.create({"person": made[key].id, "cohort": p["cohort"].id,
                           "status": "enrolled", "subject": None})
    years = ("Year 2", "year 2", None, "Reception")
    for n, placement in enumerate(PLACEMENTS.ids()):
        placements.update(placement, {"year_group": years[n % len(years)]})
    return {**p, "twin": twin, "made": made}


def _current(rows: list[Role], day: date) -> Role | None:
    """The current role as ``holders`` defines it: held on ``day``, newest started first (no
    start last), then the newest role."""
    held = [r for r in rows if holders.is_held(r.start_date, r.end_date, day)]
    held.sort(key=lambda r: (r.start_date is not None, r.start_date or date.min, r.id),
              reverse=True)
    return held[0] if held else None


def _expected_people(sort: str, descending: bool, day: date) -> list[int]:
    """The people list by current role or school, worked out in Python from the roles."""
    keyed = []
    for person in Person.select().where(Person.erased == False):  # noqa: E712
        role = _current(list(Role.select().where(Role.person == person.id)), day)
        if role is None:
            key = None
        elif sort == "role":
            key = role.kind.lower()
        else:
            key = School.get_by_id(role.school_id).name_key
        keyed.append((key, person.id))
    return _ordered(keyed, descending)


def _expected_heads(descending: bool, day: date) -> list[int]:
    keyed = []
    for school in School.select():
        role = _current(list(Role.select().where((Role.school == school.id)
                                                 & (Role.kind == "headteacher"))), day)
        key = None
        if role is not None:
            head = Person.get_by_id(role.person_id)
            key = f"{head.first_name_key} {head.last_name_key}"
        keyed.append((key, school.id))
    return _ordered(keyed, descending)


def _ordered(keyed: list[tuple[str | None, int]], descending: bool) -> list[int]:
    """Sorted by key then id, both in the sort's direction, missing keys last both ways."""
    present = sorted((k for k in keyed if k[0] is not None), reverse=descending)
    absent = sorted((k for k in keyed if k[0] is None), key=lambda k: k[1], reverse=descending)
    return [i for _, i in present + absent]


def _as_sorted(query, key: str, descending: bool) -> list[int]:
    """The list's plain ORDER BY with its index hidden (``_order(scan=True)``: SQLite's unary
    plus; PostgreSQL has no new index and sorts as before), so the database sorts every row: the
    order before migration 19."""
    base = query._select(query.model.id, joined=query._needs_join("", None, key))
    sql, params = base.order_by(*query._order(key, descending, scan=_sqlite())).sql()
    return [i for (i,) in database.execute_sql(sql, params)]


def test_people_by_current_role_or_school_and_schools_by_head_follow_the_held_roles(busy):
    for descending in (False, True):
        for key in ("role", "school"):
            ids = PEOPLE.ids(sort=key, descending=descending)
            assert ids == _expected_people(key, descending, DAY), (key, descending)
            assert ids == _as_sorted(PEOPLE, key, descending), (key, descending)
        heads = SCHOOLS.ids(sort="head", descending=descending)
        assert heads == _expected_heads(descending, DAY), descending
        assert heads == _as_sorted(SCHOOLS, "head", descending), descending
        champions = SCHOOLS.ids(sort="champion", descending=descending)
        assert champions == _as_sorted(SCHOOLS, "champion", descending), descending
        assert champions[0] == busy["b"].id  # the one school with a champion, first both ways
    # two roles started the same day: the newer one is the current role, in both columns
    made = busy["made"]["same_day"]
    role, school = PEOPLE.rows([made.id], ["role", "school"])[made.id]
    assert (role, school) == ("itt_champion", busy["b"].name)


def test_a_role_ending_today_counts_today_and_not_tomorrow(busy, set_today):
    """Nothing stored goes stale: the order is the day's, as the plain query's was."""
    made = busy["made"]
    today_people = PEOPLE.ids(sort="role")
    today_heads = SCHOOLS.ids(sort="head")
    set_today(DAY + timedelta(days=1))
    tomorrow_people = PEOPLE.ids(sort="role")
    tomorrow_heads = SCHOOLS.ids(sort="head")
    assert today_people != tomorrow_people and today_heads != tomorrow_heads
    # Eve's headship ends today: before Cara's ITT champion role today, after it (with no
    # role, last) tomorrow
    eve, cara = made["ends_today"].id, made["same_day"].id
    assert today_people.index(eve) < today_people.index(cara)
    assert tomorrow_people.index(eve) > tomorrow_people.index(cara)
    # Gus's headship starts tomorrow: school c has a head then, none today
    c = busy["c"].id
    assert today_heads.index(c) > today_heads.index(busy["twin"].id)
    assert tomorrow_heads.index(c) < tomorrow_heads.index(busy["twin"].id)
    for descending in (False, True):
        for key in ("role", "school"):
            assert PEOPLE.ids(sort=key, descending=descending) == _expected_people(
                key, descending, clock.today())
        assert SCHOOLS.ids(sort="head", descending=descending) == _expected_heads(
            descending, clock.today())


def test_emails_subjects_and_year_groups_sort_as_the_plain_order_by(busy):
    """Case aside, missing last both ways; the erased person left out of the people list."""
    for query, key in ((PEOPLE, "email"), (ENROLMENTS, "email"), (ENROLMENTS, "subject"),
                       (PLACEMENTS, "year_group")):
        for descending in (False, True):
            ids = query.ids(sort=key, descending=descending)
            assert ids == _as_sorted(query, key, descending), (query.name, key, descending)
    by_email = PEOPLE.ids(sort="email")
    assert busy["made"]["gone"].id not in by_email
    missing = [i for i in by_email if Person.get_by_id(i).email is None]
    assert missing and by_email[-len(missing):] == missing


def test_sqlite_walks_the_list_indexes_instead_of_sorting(busy):
    """Each current role's or head's look-up reads its index in order (no sort per row); the
    email, subject and year-group sorts walk theirs (no sort at all)."""
    if not _sqlite():
        assert sort_index.install_list_indexes(database.obj) is None  # PostgreSQL: nothing
        return
    for query, key in ((PEOPLE, "role"), (PEOPLE, "school"), (SCHOOLS, "head")):
        base = query._select(query.model.id, joined=query._needs_join("", None, key))
        sql, params = base.order_by(*query._order(key, False)).sql()
        plan = _plan(sql, params)
        assert "COVERING INDEX role_" in plan, (key, plan)
        assert plan.count("TEMP B-TREE") == 1, (key, plan)  # the list's own sort only
    walks = ((PEOPLE.model.select(PEOPLE.model.id), PEOPLE, "email"),
             (ENROLMENTS.model.select(ENROLMENTS.model.id), ENROLMENTS, "subject"),
             (PLACEMENTS.model.select(PLACEMENTS.model.id), PLACEMENTS, "year_group"))
    for select, query, key in walks:
        sql, params = select.order_by(*query._order(key, False)).sql()
        plan = _plan(sql, params)
        assert "TEMP B-TREE" not in plan and "_lower" in plan, (key, plan)


def _assert_role_keys() -> None:
    """``role_sort`` holds exactly what the tables say (SQLite), and the lists it sorts agree
    with Python's reading of the roles, both ways."""
    if _sqlite():
        held = database.execute_sql(
            f'SELECT * FROM "{role_sort.TABLE}" ORDER BY "role_id"').fetchall()
        assert held == sorted(database.execute_sql(role_sort.SELECT_ALL).fetchall())
    for descending in (False, True):
        assert PEOPLE.ids(sort="school", descending=descending) == _expected_people(
            "school", descending, clock.today()), descending
        assert SCHOOLS.ids(sort="head", descending=descending) == _expected_heads(
            descending, clock.today()), descending


def test_the_role_keys_follow_every_write(busy):
    from ittdesk.privacy import erasure

    made, twin = busy["made"], busy["twin"]
    _assert_role_keys()
    if _sqlite():  # read off role_sort: the same ids as the plain look-ups
        assert role_sort.HeldSort("person").ids(False) == _as_sorted(PEOPLE, "school", False)
    head = Role.get((Role.person == made["ends_today"].id) & (Role.kind == "headteacher"))
    roles.update(head.id, {"end_date": DAY + timedelta(days=30)})  # dates
    _assert_role_keys()
    roles.update(head.id, {"school": twin.id, "person": made["none"].id})  # school, holder
    _assert_role_keys()
    roles.update(head.id, {"kind": "mentor"})  # no longer a head
    _assert_role_keys()
    schools.update(twin.id, {"name": "Aardvark Academy"})  # a school's key
    _assert_role_keys()
    people.update(made["ends_today_2"].id, {"first_name": "Aaron"})  # a holder's key
    _assert_role_keys()
    roles.delete(head.id)
    _assert_role_keys()
    erasure.erase(made["ends_today_2"].id, compact_after=False)  # the erased name's key
    _assert_role_keys()
    if _sqlite():
        keys = " ".join(str(k) for (k,) in database.execute_sql(
            f'SELECT "person_key" FROM "{role_sort.TABLE}"').fetchall())
        assert "aaron" not in keys and "kerr" not in keys


def test_migration_19_adds_the_list_indexes_to_a_version_18_database(busy, db, tmp_path):
    if _sqlite():
        for name in LIST_INDEX_NAMES:
            database.execute_sql(f'DROP INDEX "{name}"')
        for (name,) in database.execute_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                (f"{role_sort.TABLE}%",)).fetchall():
            database.execute_sql(f'DROP TRIGGER "{name}"')
        database.execute_sql(f'DROP TABLE "{role_sort.TABLE}"')
        assert role_sort.HeldSort("person").ids(False) is None  # no table: sorted as before
    SchemaVersion.update(version=18).execute()
    assert [m.version for m in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version >= 19]
    if _sqlite():
        made = {name for (name,) in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()}
        assert set(LIST_INDEX_NAMES) <= made
        _assert_role_keys()  # filled from the roles there
        copy = backup.backup_to(db, tmp_path / "migrated.sqlite3")
        assert backup.check_file(copy).ok, backup.check_file(copy).messages
    assert PEOPLE.ids(sort="role") == _expected_people("role", False, DAY)


def _people_by_school_agrees(day: date) -> None:
    """The whole people list by school, both ways: Python's reading of the roles on ``day``
    and, on SQLite, migration 20's walk the same as migration 19's look-up per person."""
    for descending in (False, True):
        ids = PEOPLE.ids(sort="school", descending=descending)
        assert ids == _expected_people("school", descending, day), (day, descending)
        if _sqlite():
            assert role_sort.people_by_school(descending) == ids
            assert role_sort.HeldSort("person").looked_up(descending) == ids


def test_people_by_school_walk_the_held_roles_in_the_lists_order(busy, set_today, monkeypatch):
    """Migration 20: the roles held today read off ``role_sort_school_key`` in the list's order
    (no look-up per person, no sort), each person placed by their current role only (several
    held at once: the newest started, then the newest role), the rest by id; the same ids as
    the look-up per person, day after day, with the erased person left out."""
    p, made = busy, busy["made"]
    # Hal: an older role at the school that sorts first, the current one at the last (zebra);
    # Finn: a newer role at the first school too, and a second at the same school
    roles.create({"person": made["none"].id, "school": p["b"].id, "kind": "mentor",
                  "start_date": date(2020, 1, 1)})
    roles.create({"person": made["none"].id, "school": p["c"].id, "kind": "mentor",
                  "start_date": date(2025, 1, 1)})
    roles.create({"person": made["ended"].id, "school": p["b"].id, "kind": "mentor",
                  "start_date": date(2026, 1, 1)})
    roles.create({"person": made["ended"].id, "school": p["b"].id, "kind": "admin_contact",
                  "start_date": None})
    # The walk sorts out those holding several roles itself however many they are (here 3 of
    # 8: _MANY would hand so many to the look-up per person), and the look-up agrees.
    monkeypatch.setattr(role_sort, "_MANY", 0)
    for day in (DAY, DAY + timedelta(days=1), date(2025, 6, 1), date(2019, 1, 1)):
        set_today(day)
        _people_by_school_agrees(day)
    if not _sqlite():
        return
    monkeypatch.setattr(role_sort, "_MANY", 10**9)  # the look-up for any such person
    set_today(DAY)
    _people_by_school_agrees(DAY)
    monkeypatch.setattr(role_sort, "_MANY", 0)
    walk = _plan(f'SELECT k."person_id" FROM "{role_sort.TABLE}" AS k WHERE '
                 'k."school_key" IS NOT NULL ORDER BY k."school_key", k."person_id"', [])
    assert role_sort.KEY_INDEX in walk and "TEMP B-TREE" not in walk, walk
    # A current role without a key places its holder last, even beside a keyed older role
    # (the tables never make one: the look-up's rule, kept all the same)
    hal = Role.get((Role.person == made["none"].id) & (Role.school == p["c"].id))
    before = role_sort.people_by_school(False)
    database.execute_sql(f'UPDATE "{role_sort.TABLE}" SET "school_key" = NULL '
                         'WHERE "role_id" = ?', (hal.id,))
    for descending in (False, True):
        ids = role_sort.HeldSort("person").looked_up(descending)
        assert role_sort.people_by_school(descending) == ids
    after = role_sort.people_by_school(False)
    assert after != before  # Hal now among those without a key, by id
    # a start date stored as a number (this app never writes one): SQLite's order, as before
    older = Role.get((Role.person == made["none"].id) & (Role.school == p["b"].id))
    database.execute_sql(f'UPDATE "{role_sort.TABLE}" SET "start_date" = 20200101 '
                         'WHERE "role_id" = ?', (older.id,))
    for descending in (False, True):
        assert role_sort.people_by_school(descending) == role_sort.HeldSort(
            "person").looked_up(descending)


def test_migration_20_indexes_role_sort_in_the_people_lists_order(busy, db, tmp_path):
    if _sqlite():
        database.execute_sql(f'DROP INDEX "{role_sort.KEY_INDEX}"')
        assert role_sort.HeldSort("person").ids(False) == _expected_people("school", False, DAY)
    SchemaVersion.update(version=19).execute()
    assert [m.version for m in migrations.migrate(db)] == [20]
    if _sqlite():
        made = {name for (name,) in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()}
        assert role_sort.KEY_INDEX in made
        copy = backup.backup_to(db, tmp_path / "migrated.sqlite3")
        assert backup.check_file(copy).ok, backup.check_file(copy).messages
    _people_by_school_agrees(DAY)


def test_placements_by_cohort_year_come_in_the_ranked_order(busy):
    """``RankedListQuery.owners``: each placement's cohort read in one walk and dealt into the
    cohorts' order gives the CASE-ranked ORDER BY's ids, both ways (two cohorts of one year:
    by the cohort's id; each cohort's placements by id)."""
    from dataclasses import replace

    from ittdesk.academic_year import AcademicYear
    from ittdesk.services.programmes import cohorts

    p = busy
    year = AcademicYear.parse(str(p["cohort"].academic_year))
    earlier = year.previous()
    made = []
    for n, (name, cohort_year) in enumerate((("Cohort B", earlier), ("Cohort C", year))):
        cohort = cohorts.create({"programme": p["cohort"].programme_id, "name": name,
                                 "academic_year": cohort_year, "places": 5})
        person = people.create({"first_name": f"Kit{n}", "last_name": "Lamb"})
        enrolment = enrolments.create({"person": person.id, "cohort": cohort.id,
                                       "status": "enrolled"})
        for school in (p["a"], p["b"]):
            made.append(placements.create({
                "enrolment": enrolment.id, "school": school.id,
                "start_date": cohort_year.start + timedelta(days=10),
                "end_date": cohort_year.start + timedelta(days=40)}).id)
    plain = replace(PLACEMENTS, owners={})
    for descending in (False, True):
        ids = PLACEMENTS.ids(sort="cohort_year", descending=descending)
        assert ids == plain.ids(sort="cohort_year", descending=descending), descending
        assert set(made) <= set(ids) and len(ids) == len(set(ids))
    ascending = PLACEMENTS.ids(sort="cohort_year")
    assert ascending.index(made[0]) < ascending.index(made[2])  # the earlier year first
