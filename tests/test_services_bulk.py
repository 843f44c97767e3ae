"""The services' bulk writes (what imports call) store what their one-by-one writes store."""

from __future__ import annotations

import json
from datetime import datetime

from ittdesk.models import AuditEntry, Person, Role, School, database
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools

PEOPLE = [
    {"title": "Ms", "first_name": "Siân", "last_name": "Ó Súilleabháin", "email": "SIAN@example.org"},
    {"first_name": "Zoë", "last_name": "Brontë", "trn": "1234567", "no_newsletters": "yes"},
    {"first_name": "Ívar", "last_name": "O'Brien", "date_of_birth": "02/03/1990"},
]
SCHOOLS = [
    {"urn": "100001", "name": "Ærø Primary", "phase": "PRIMARY", "postcode": "ls1 1aa"},
    {"urn": "100002", "name": "The Aldgate School", "status": "closed"},
]


def _rows(model, ids: list[int]) -> list[dict]:
    """The stored rows, in ``ids`` order, without their ids (the two runs number them apart)."""
    by_id = {r["id"]: r for r in model.select().where(model.id.in_(ids)).dicts()}
    return [{k: v for k, v in by_id[i].items() if k != "id"} for i in ids]


def _entries(entity: str, ids: list[int], **refs: list[int]) -> list[tuple]:
    """The audit entries about the ``entity`` records ``ids``, each id replaced by its place in
    ``ids`` (and a reference's, e.g. ``person=[...]``, by its place in that list)."""
    place = {i: n for n, i in enumerate(ids)}
    person_place = {i: n for n, i in enumerate(refs.get("person", ids))}
    found = []
    for e in (AuditEntry.select().where((AuditEntry.entity == entity)
                                        & AuditEntry.entity_id.in_(ids)).order_by(AuditEntry.id)):
        changes = json.loads(e.changes) if e.changes else None
        for name, targets in refs.items():
            if changes and name in changes:
                changes[name] = [None if v is None else targets.index(v) for v in changes[name]]
        found.append((e.entity, place[e.entity_id], e.action, changes,
                      None if e.person_id is None else person_place[e.person_id],
                      e.note, e.user, e.import_run_id))
    return found


def _stored(ids: list[int], school_ids: list[int], role_ids: list[int]) -> tuple:
    return (_rows(Person, ids), _entries("person", ids),
            _rows(School, school_ids), _entries("school", school_ids),
            [{**r, "person": ids.index(r["person"]), "school": school_ids.index(r["school"])}
             for r in _rows(Role, role_ids)],
            _entries("role", role_ids, person=ids, school=school_ids))


def _one_by_one_then_undone(write):
    """What ``write()`` stores (rows and entries, via its own reader), then rolled back."""
    with database.atomic() as transaction:
        stored = write()
        transaction.rollback()
    return stored


def test_create_many_writes_the_same_rows_and_audit_entries_as_create_one_by_one(db):
    def one_by_one():
        ids = [people.create(p).id for p in PEOPLE]
        school_ids = [schools.create(s).id for s in SCHOOLS]
        role_ids = [roles.create({"person": ids[0], "school": school_ids[0], "kind": "headteacher",
                                  "start_date": "1/9/2024"}).id]
        return _stored(ids, school_ids, role_ids)

    def in_bulk():
        ids = people.create_many([people.prepare(p) for p in PEOPLE])
        school_ids = schools.create_many([schools.prepare(s) for s in SCHOOLS])
        role_ids = roles.create_many([roles.prepare({
            "person": ids[0], "school": school_ids[0], "kind": "headteacher",
            "start_date": "1/9/2024"})])
        return _stored(ids, school_ids, role_ids)

    expected = _one_by_one_then_undone(one_by_one)
    with database.atomic():
        got = in_bulk()
    assert got == expected
    assert [len(part) for part in got] == [3, 3, 2, 2, 1, 1]
    # the sort keys were written with the names, as the models' own writes write them
    assert got[0][0]["last_name_key"] == "osuilleabhain"


def test_update_many_writes_the_same_changes_and_audit_entries_as_update_one_by_one(db):
    ids = [people.create(p).id for p in PEOPLE]
    edits = [{"last_name": "Ó Dálaigh", "email": "new@example.org"}, {"trn": None},
             {"first_name": "Ivar"}]

    def one_by_one():
        for person_id, data in zip(ids, edits, strict=True):
            people.update(person_id, data)
        return _rows(Person, ids), _entries("person", ids)[len(ids):]

    def in_bulk():
        diffs = []
        for person_id, data in zip(ids, edits, strict=True):
            person = people.get(person_id)
            values = people.prepare(data, person)
            diffs.append((person_id, {k: (getattr(person, k), v) for k, v in values.items()
                                      if getattr(person, k) != v}, person_id))
        ticks: list[int] = []
        assert people.update_many(diffs, tick=ticks.append) == 3
        assert ticks == [3]  # progress (and the chance to cancel) for every change planned
        return _rows(Person, ids), _entries("person", ids)[len(ids):]

    expected = _one_by_one_then_undone(one_by_one)
    with database.atomic():
        got = in_bulk()
    assert got == expected
    assert got[0][0]["last_name_key"] == "odalaigh"
    assert [e[2] for e in got[1]] == ["update"] * 3


def test_create_many_audits_with_the_import_run_and_ticks_per_chunk(db):
    from ittdesk.models import ImportRun
    from ittdesk.services import bulk

    run = ImportRun.create(at=datetime(2025, 1, 1), user="test", kind="schools",
                           file_name="x.csv")
    ticks: list[int] = []
    rows = [schools.prepare({"urn": str(200000 + i), "name": f"School {i}"})
            for i in range(bulk.INSERT_CHUNK + 3)]
    with database.atomic():
        ids = schools.create_many(rows, import_run=run.id, tick=ticks.append)
    assert ticks == [bulk.INSERT_CHUNK, 3]
    assert [s.urn for s in School.select().where(School.id.in_(ids)).order_by(School.id)] == [
        200000 + i for i in range(bulk.INSERT_CHUNK + 3)]
    assert AuditEntry.select().where((AuditEntry.import_run == run.id)
                                     & (AuditEntry.action == "create")).count() == len(rows)


def test_insert_returning_writes_defaults_and_db_values_as_full_rows_do(db):
    """Rows that leave columns out (or give None) take the model's defaults, and values the
    driver does not take as they are (a date, a number in a text column) go through the
    field's db_value: the same rows as inserting the rows made full first."""
    from datetime import date

    from ittdesk.services import bulk

    rows = [
        {"urn": 300001, "name": "Ærø Primary", "phone": 1132000000},  # a number in a text column
        {"urn": 300002, "name": "O'Brien Academy", "status": None,
         "partnership_since": date(2024, 9, 1)},
        {"urn": 300003, "name": "Obi School", "leadership_confirmed_on": None},
    ]
    names = bulk.column_names(School, rows)
    with database.atomic() as transaction:
        full_ids = bulk.insert_returning(School, bulk.full_rows(School, rows, names))
        expected = _rows(School, full_ids)
        transaction.rollback()
    with database.atomic():
        ids = bulk.insert_returning(School, rows, names)
    assert _rows(School, ids) == expected
    assert [r["status"] for r in expected] == ["open"] * 3  # the default, where None or missing
    assert expected[0]["phone"] == "1132000000" and expected[0]["name_key"] == "aeroprimary"


def test_values_bound_once_are_stored_as_values_bound_per_row(sqlite_db):
    """values_sql binds a value every row shares once (SQLite): the same rows, values, types
    and id order as a plain multi-row VALUES, whichever columns are shared (none, some, all;
    1, True and 1.0 are not taken for the same value), for one row or many."""
    from ittdesk.services import bulk

    db = database.obj
    db.execute_sql('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "a", "b" TEXT, "c" INTEGER, "d")')
    cases = [
        [[1, 1, 1], ["x", "x", "x"], [None, None, None], [2.5, 2.5, 2.5]],  # all shared
        [[1, True, 1.0], ["x", "y", "x"], [5, 5, 5], [None, None, None]],  # some
        [[1, 2, 3], ["1", 1, "1"], [None, 0, None], ["a", "b", "c"]],  # none
        [["only"], [None], [7], [b"\x00"]],  # one row
        [["é", "é"], ["12", "12"], ["12", "12"], [-0.0, -0.0]],  # affinity applies alike
    ]
    for columns in cases:
        stored = []
        for sql, params in (bulk.values_sql('"t"', '"a", "b", "c", "d"', columns),
                            ('INSERT INTO "t" ("a", "b", "c", "d") VALUES '
                             + ", ".join(["(?, ?, ?, ?)"] * len(columns[0])),
                             [v for row in zip(*columns, strict=True) for v in row])):
            with database.atomic() as transaction:
                db.execute_sql(sql, params)
                stored.append(db.execute_sql(
                    'SELECT "id", "a", typeof("a"), "b", typeof("b"), "c", typeof("c"), "d", '
                    'typeof("d") FROM "t" ORDER BY "id"').fetchall())
                transaction.rollback()
        assert stored[0] == stored[1], columns
        assert [row[1] for row in stored[0]] == columns[0]


def test_sort_keys_worked_out_once_for_many_parts_are_the_keys_of_each_name(db):
    """insert_returning's ``keys_seen`` (create_many's parts share it): the keys stored are
    sortkeys' for each name, whichever part first met the name."""
    from ittdesk.services import bulk
    from ittdesk.sortkeys import sort_key

    names = ["Ærø Primary", "O'Brien Academy", "Ærø Primary", "Łódź School", "obi school"]
    rows = [{"urn": 310000 + n, "name": name} for n, name in enumerate(names)]
    seen: dict[str, dict[str, str]] = {}
    with database.atomic():
        columns = bulk.column_names(School, rows)
        ids = bulk.insert_returning(School, rows[:2], columns, seen)
        ids += bulk.insert_returning(School, rows[2:], columns, seen)
    stored = {s.id: s.name_key for s in School.select().where(School.id.in_(ids))}
    assert [stored[i] for i in ids] == [sort_key(n, 200) for n in names]
    assert seen == {"name_key": {n: sort_key(n, 200) for n in names}}


def test_bulk_inserted_rows_are_stored_as_peewee_inserts_them(db, monkeypatch):
    """insert_returning (by COPY on PostgreSQL, multi-row INSERTs on SQLite) stores what
    peewee's own ``insert_many`` stores: text with tabs, line breaks, backslashes and a
    literal ``\\N``, empty text and NULL apart, booleans, dates; the ids rise in row order.
    A value COPY's text is not made from here leaves the rows to the INSERT."""
    from datetime import date

    from ittdesk.models import is_postgres
    from ittdesk.services import bulk

    copies: list[str] = []
    if is_postgres():
        real_cursor = database.obj.cursor

        class Counting:
            def __init__(self, cursor):
                self._cursor = cursor

            def copy_expert(self, sql, data, *args):
                copies.append(sql)
                return self._cursor.copy_expert(sql, data, *args)

            def __getattr__(self, name):
                return getattr(self._cursor, name)

        monkeypatch.setattr(database.obj, "cursor", lambda *a, **k: Counting(real_cursor(*a, **k)))
    people_rows = [
        {"first_name": "Ada\tTab", "last_name": "Line\nBreak\r\nHere", "notes": "back\\slash \\N",
         "erased": False, "no_newsletters": True, "date_of_birth": date(1990, 2, 28), "email": ""},
        {"first_name": "Ben", "last_name": "Ó Súilleabháin", "notes": None, "erased": True,
         "no_newsletters": False, "date_of_birth": None, "email": None, "trn": "1234567"},
        {"first_name": "\\N", "last_name": "Naylor", "phone": 1132000000},
    ]
    for model, rows in ((Person, people_rows),
                        (School, [{"urn": 320001, "name": "Fernbank", "notes": 2.5}])):
        names = bulk.column_names(model, rows)
        with database.atomic() as transaction:
            peewee_ids = [model.insert(**row).execute() for row in bulk.full_rows(model, rows, names)]
            expected = _rows(model, peewee_ids)
            transaction.rollback()
        copies.clear()
        with database.atomic():
            ids = bulk.insert_returning(model, rows, names)
        assert ids == sorted(ids) and len(set(ids)) == len(rows)
        assert _rows(model, ids) == expected
        if is_postgres():
            assert len(copies) == 1
    stored = _rows(Person, ids_of_people := [p.id for p in Person.select().order_by(Person.id)])
    assert len(ids_of_people) == 3
    assert stored[0]["last_name"] == "Line\nBreak\r\nHere" and stored[0]["email"] == ""
    assert stored[1]["email"] is None and stored[2]["first_name"] == "\\N"
    if is_postgres():  # a value of another type: nothing written, the caller inserts
        assert bulk.copy_rows(database.obj, School, [[320009], [b"x"]], '"urn", "name"') is None
        assert School.select().where(School.urn == 320009).count() == 0
