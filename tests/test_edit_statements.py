"""An edit's statements built once (``ittdesk.services.statements``): the row read under the
write lock and the UPDATE of the changed columns are, call after call, exactly what Peewee
would build and send, the same record comes back, and the version check still refuses a row
that moved; a school's unchanged URN is not looked up again, a taken one still refused."""

from __future__ import annotations

from datetime import date

import pytest
from peewee import fn

from ittdesk.errors import ValidationError
from ittdesk.models import Person, Role, School, database, is_postgres
from ittdesk.services import statements
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools


@pytest.fixture
def sent(monkeypatch):
    """Every statement sent to the database from now on, as (sql, params)."""
    calls: list[tuple[str, list]] = []
    real = database.obj.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        calls.append((sql, list(params or [])))
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", recording)
    return calls


@pytest.fixture
def records(db):
    a = schools.create({"urn": 100001, "name": "Fernbank Primary School", "phase": "primary"})
    b = schools.create({"urn": 100002, "name": "Ashby Moor Academy"})
    ada = people.create({"first_name": "Ada", "last_name": "Greaves"})
    role = roles.create({"person": ada.id, "school": a.id, "kind": "headteacher",
                         "start_date": date(2020, 9, 1)})
    return {"a": a, "b": b, "ada": ada, "role": role}


def test_the_locked_row_is_the_one_peewee_reads(records):
    for model, record in ((School, records["a"]), (Person, records["ada"]),
                          (Role, records["role"])):
        for _ in range(2):  # built, then reused
            read = statements.locked_row(model, record.id)
            plain = model.select().where(model.id == record.id).first()
            assert type(read) is model and read.__data__ == plain.__data__
            assert not read._dirty
        assert statements.locked_row(model, 999_999) is None
        assert statements.locked_row(model, str(record.id)).id == record.id  # converted as before


def test_the_reused_update_is_the_statement_peewee_sends(records, sent):
    """The same SQL and parameters as ``Model.update(...).where(...)``, a name's sort key
    included (``SortKeyed``), dates and foreign keys converted, twice over (built, reused)."""
    edits = ((School, records["a"], {"notes": "Met the head", "name": "Fernbank Infants"}),
             (Person, records["ada"], {"last_name": "Ó Súilleabháin"}),
             (Role, records["role"], {"school": records["b"].id, "end_date": date(2027, 8, 31)}))
    for model, record, changes in edits:
        for turn in range(2):
            version = model.get_by_id(record.id).version
            changed = {k: f"{v} {turn}" if isinstance(v, str) else v for k, v in changes.items()}
            columns = model._meta.fields
            row = {columns[k]: v for k, v in changed.items()}
            row[columns["version"]] = columns["version"] + 1
            expected = model.update(row).where(
                (model.id == record.id) & (columns["version"] == version)).sql()
            sent.clear()
            assert statements.write_changed(model, record.id, version, changed) == 1
            assert sent == [(expected[0], list(expected[1]))]
            after = model.get_by_id(record.id)
            assert after.version == version + 1
            for name, value in changed.items():
                field = columns[name]
                attr = field.column_name if hasattr(field, "rel_model") else name
                assert getattr(after, attr) == value
    assert Person.get_by_id(records["ada"].id).last_name_key == "osuilleabhain1"


def test_a_moved_version_writes_nothing(records):
    school = records["a"]
    assert statements.write_changed(School, school.id, school.version + 5, {"notes": "x"}) == 0
    assert School.get_by_id(school.id).notes is None
    assert School.get_by_id(school.id).version == school.version


def test_a_value_peewee_renders_as_sql_is_left_to_peewee(records, sent):
    role = records["role"]
    sent.clear()
    assert statements.write_changed(Role, role.id, role.version,
                                     {"capacity": fn.COALESCE(Role.capacity, 3)}) == 1
    assert len(sent) == 1 and "COALESCE" in sent[0][0]
    assert Role.get_by_id(role.id).capacity == 3


def test_a_school_keeps_its_own_urn_unasked_and_another_taken_one_refused(records, sent):
    a = records["a"]
    sent.clear()
    schools.update(a.id, {"urn": 100001, "notes": "Same URN"})
    looked_up = [sql for sql, _ in sent if '"urn" = ' in sql]
    assert looked_up == []  # the school's own URN: nothing to ask
    with pytest.raises(ValidationError) as caught:
        schools.update(a.id, {"urn": 100002})
    assert "already used by Ashby Moor Academy" in caught.value.errors["urn"]
    schools.update(a.id, {"urn": 100003})
    assert School.get_by_id(a.id).urn == 100003
    if is_postgres():
        assert any("FOR UPDATE" in sql for sql, _ in sent)


def test_a_person_keeps_their_own_email_and_trn_unasked_and_taken_ones_refused(records, sent):
    ada = records["ada"]
    people.update(ada.id, {"email": "ada@example.org", "trn": "1234567"})
    ben = people.create({"first_name": "Ben", "last_name": "Naylor", "email": "ben@example.org"})
    sent.clear()
    people.update(ada.id, {"email": "ada@example.org", "trn": "1234567", "notes": "Same"})
    assert [sql for sql, _ in sent if '"email" = ' in sql or '"trn" = ' in sql] == []
    with pytest.raises(ValidationError) as caught:
        people.update(ada.id, {"email": "ben@example.org"})
    assert f"(#{ben.id}) already has this email" in caught.value.errors["email"]
    with pytest.raises(ValidationError) as caught:
        people.update(ben.id, {"trn": "1234567"})
    assert "already has this TRN" in caught.value.errors["trn"]


@pytest.fixture
def batches(monkeypatch):
    """Every statement run for many rows (``executemany``; ``execute_batch`` on PostgreSQL),
    as (sql, [params of each row])."""
    calls: list[tuple[str, list[list]]] = []
    if is_postgres():
        import psycopg2.extras

        real_batch = psycopg2.extras.execute_batch

        def recording_batch(cursor, sql, args, **kwargs):
            calls.append((sql, [list(a) for a in args]))
            return real_batch(cursor, sql, args, **kwargs)

        monkeypatch.setattr(psycopg2.extras, "execute_batch", recording_batch)
        return calls
    real_cursor = database.obj.cursor

    class Recording:
        def __init__(self, cursor):
            self._cursor = cursor

        def executemany(self, sql, args):
            args = [list(a) for a in args]
            calls.append((sql, args))
            return self._cursor.executemany(sql, args)

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    monkeypatch.setattr(database.obj, "cursor", lambda *a, **k: Recording(real_cursor(*a, **k)))
    return calls


def test_many_updates_send_peewees_statements_one_batch_per_set_of_columns(records, batches, sent):
    """``write_many``: each row's UPDATE is the SQL and parameters Peewee's
    ``update(...).where(id ==)`` would send (sort keys, dates, foreign keys converted), rows
    changing the same columns go in one batch, and every row ends as written."""
    a, b, ada, role = records["a"], records["b"], records["ada"], records["role"]
    ben = people.create({"first_name": "Ben", "last_name": "Naylor"})
    edits = {School: [(a.id, {"name": "Fernbank Infants", "notes": "x"}),
                      (b.id, {"name": "Ashby Moor", "notes": None}),
                      (a.id + b.id, {"phase": "secondary"})],  # no such row: writes nothing
             Person: [(ada.id, {"last_name": "Ó Súilleabháin"}), (ben.id, {"email": "b@example.org"})],
             Role: [(role.id, {"school": b.id, "end_date": date(2027, 8, 31)})]}
    for model, rows in edits.items():
        columns = model._meta.fields
        expected: dict[tuple[str, ...], tuple[str, list[list]]] = {}
        for record_id, changed in rows:
            row = {columns[k]: v for k, v in changed.items()}
            row[columns["version"]] = columns["version"] + 1
            sql, params = model.update(row).where(model.id == record_id).sql()
            expected.setdefault(tuple(changed), (sql, []))[1].append(list(params))
        versions = {r.id: r.version for r in model.select()}
        for _turn in range(2):  # built, then reused
            batches.clear()
            sent.clear()
            with database.atomic():
                statements.write_many(model, rows)
            assert batches == list(expected.values())
            assert sent == []  # nothing one row at a time
        for record_id, changed in rows:
            after = model.get_or_none(model.id == record_id)
            if after is None:
                continue
            assert after.version == versions[record_id] + 2
            for name, value in changed.items():
                field = columns[name]
                attr = field.column_name if hasattr(field, "rel_model") else name
                assert getattr(after, attr) == value
    assert Person.get_by_id(ada.id).last_name_key == "osuilleabhain"  # the key with the name
    assert Role.get_by_id(role.id).school_id == b.id


def test_many_updates_leave_a_value_peewee_renders_as_sql_to_peewee(records, batches, sent):
    role = records["role"]
    with database.atomic():
        statements.write_many(Role, [(role.id, {"capacity": fn.COALESCE(Role.capacity, 4)})])
    assert batches == [] and len(sent) == 1 and "COALESCE" in sent[0][0]
    assert Role.get_by_id(role.id).capacity == 4


def test_update_many_writes_a_record_changed_twice_in_order(records):
    """Grouped writes keep the order of one record's changes: the later one stays."""
    a = records["a"]
    with database.atomic():
        written = schools.update_many([(a.id, {"notes": (None, "first")}, None),
                                       (records["b"].id, {"notes": (None, "other")}, None),
                                       (a.id, {"notes": ("first", "second")}, None)])
    assert written == 3
    school = School.get_by_id(a.id)
    assert school.notes == "second" and school.version == a.version + 2


def test_many_updates_that_break_a_unique_key_are_refused_as_peewee_refuses_them(records):
    """The driver's error comes as peewee's IntegrityError, as a single update's does, and
    nothing is left written."""
    from peewee import IntegrityError

    a, b = records["a"], records["b"]
    with pytest.raises(IntegrityError), database.atomic():
        schools.update_many([(a.id, {"notes": (None, "kept?")}, None),
                             (b.id, {"urn": (100002, 100001)}, None)])
    assert School.get_by_id(a.id).notes is None and School.get_by_id(b.id).urn == 100002
