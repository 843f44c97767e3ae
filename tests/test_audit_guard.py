"""The database itself keeps the audit append-only: raw SQL cannot change or delete entries,
new entries still go in, and the erasure's scrub is the one way through."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager

import pytest
from conftest import POSTGRES_URL

from ittdesk import audit, audit_guard, migrations
from ittdesk.models import AuditEntry, SchemaVersion, database
from ittdesk.services.people import people
from ittdesk.services.schools import schools

REFUSED = "append-only"


def _raw(sql: str, params=()) -> None:
    with database.atomic():
        database.execute_sql(sql, params)


def _snapshot() -> list[tuple]:
    return list(AuditEntry.select().order_by(AuditEntry.id).tuples())


@pytest.mark.parametrize("sql", [
    "UPDATE audit_entry SET note = 'rewritten'",
    "UPDATE audit_entry SET changes = NULL",
    'UPDATE audit_entry SET "user" = \'someone else\'',
    "UPDATE audit_entry SET at = at",
    "DELETE FROM audit_entry",
    "DELETE FROM audit_entry WHERE id = 1",
])
def test_raw_sql_cannot_change_or_delete_audit_entries(db, sql):
    schools.create({"urn": 812345, "name": "Fernbank Primary"})
    before = _snapshot()
    assert before
    with pytest.raises(Exception, match=REFUSED):
        _raw(sql)
    assert _snapshot() == before


def test_the_model_layer_bulk_queries_are_refused_by_the_database_too(db):
    schools.create({"urn": 812345, "name": "Fernbank Primary"})
    before = _snapshot()
    with pytest.raises(Exception, match=REFUSED):
        with database.atomic():
            AuditEntry.update(note="rewritten").execute()
    with pytest.raises(Exception, match=REFUSED):
        with database.atomic():
            AuditEntry.delete().execute()
    assert _snapshot() == before


def test_inserting_audit_entries_is_still_allowed_by_raw_sql_and_in_bulk(db):
    _raw("INSERT INTO audit_entry (at, \"user\", entity, entity_id, action) "
         "VALUES ('2026-01-01 10:00:00', 'tester', 'school', 1, 'create')")
    audit.record_many([{"entity": "school", "entity_id": 2, "action": "create"}])
    assert [(e.entity_id, e.action) for e in AuditEntry.select().order_by(AuditEntry.id)] == [
        (1, "create"), (2, "create")]


def test_the_scrub_rewrites_changes_and_note_only_and_the_guard_is_back_afterwards(db):
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    entry = AuditEntry.get(AuditEntry.entity_id == person.id)
    with database.atomic(), audit_guard.scrubbing() as scrub:
        scrub(entry.id, '{"first_name": [null, "[erased]"]}', "scrubbed")
    after = AuditEntry.get_by_id(entry.id)
    assert (after.changes, after.note) == ('{"first_name": [null, "[erased]"]}', "scrubbed")
    assert (after.at, after.user, after.entity, after.entity_id, after.action) == (
        entry.at, entry.user, entry.entity, entry.entity_id, entry.action)
    with pytest.raises(Exception, match=REFUSED):
        _raw("UPDATE audit_entry SET note = 'again'")
    assert AuditEntry.get_by_id(entry.id).note == "scrubbed"


def test_even_inside_the_scrub_who_and_when_cannot_be_changed(db):
    people.create({"first_name": "Ada", "last_name": "Greaves"})
    before = _snapshot()
    with pytest.raises(Exception, match=REFUSED):
        with database.atomic(), audit_guard.scrubbing():
            _raw('UPDATE audit_entry SET "user" = \'someone else\'')
    assert _snapshot() == before
    with pytest.raises(Exception, match=REFUSED):
        with database.atomic(), audit_guard.scrubbing():
            _raw("DELETE FROM audit_entry")
    assert _snapshot() == before


def test_a_failed_scrub_leaves_entries_and_guard_as_they_were(db):
    people.create({"first_name": "Ada", "last_name": "Greaves"})
    before = _snapshot()
    with pytest.raises(RuntimeError):
        with database.atomic(), audit_guard.scrubbing() as scrub:
            scrub(before[0][0], None, "half done")
            raise RuntimeError("disk full")
    assert _snapshot() == before
    with pytest.raises(Exception, match=REFUSED):
        _raw("UPDATE audit_entry SET note = 'x'")


def test_the_erasure_still_scrubs_the_audit_trail(db):
    from ittdesk.privacy import erasure

    person = people.create({"first_name": "Zephyrine", "last_name": "Quillfeather",
                            "email": "zq@example.org"})
    erasure.erase(person.id, compact_after=False)
    created = AuditEntry.get((AuditEntry.entity == "person") & (AuditEntry.action == "create"))
    assert json.loads(created.changes)["email"] == [None, "[erased]"]
    with pytest.raises(Exception, match=REFUSED):
        _raw("DELETE FROM audit_entry")


def test_an_existing_database_gets_the_guard_from_migration_4(db):
    schools.create({"urn": 812345, "name": "Fernbank Primary"})
    if db.kind == "sqlite":
        for name in ("audit_entry_no_update", "audit_entry_no_delete", "audit_entry_keeps_who_when"):
            database.execute_sql(f'DROP TRIGGER "{name}"')
    else:
        database.execute_sql("DROP TRIGGER audit_entry_append_only ON audit_entry")
        database.execute_sql("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
    SchemaVersion.update(version=3).execute()
    _raw("UPDATE audit_entry SET note = 'possible before version 4'")

    applied = [m.version for m in migrations.migrate(db)]
    assert applied == [m.version for m in migrations.MIGRATIONS if m.version >= 4]  # 4 and any later step

    with pytest.raises(Exception, match=REFUSED):
        _raw("UPDATE audit_entry SET note = 'not any more'")
    with pytest.raises(Exception, match=REFUSED):
        _raw("DELETE FROM audit_entry")
    assert AuditEntry.get().note == "possible before version 4"


@contextmanager
def _clerk():
    """A PostgreSQL role that does not own the tables but was given every table privilege."""
    import psycopg2

    name = "ittdesk_test5_clerk"
    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f"DROP OWNED BY {name}" if _role_exists(cur, name) else "SELECT 1")
            cur.execute(f"DROP ROLE IF EXISTS {name}")
            cur.execute(f"CREATE ROLE {name}")
            cur.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
            cur.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}")
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP OWNED BY {name}")
            cur.execute(f"DROP ROLE IF EXISTS {name}")
        admin.close()


def _role_exists(cur, name: str) -> bool:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    return cur.fetchone() is not None


def test_a_connection_other_than_the_erasure_cannot_get_through(db):
    """SQLite: another connection to the file. PostgreSQL: a role that does not own the table,
    given every table privilege, setting the scrub flag itself."""
    schools.create({"urn": 812345, "name": "Fernbank Primary"})
    before = _snapshot()
    if db.kind == "sqlite":
        conn = sqlite3.connect(str(db.path))
        try:
            for sql in ("DELETE FROM audit_entry", "UPDATE audit_entry SET note = 'x'"):
                with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
                    conn.execute(sql)
            conn.rollback()
        finally:
            conn.close()
        assert _snapshot() == before
        return
    with _clerk() as clerk:
        with pytest.raises(Exception, match=REFUSED):
            with database.atomic():
                database.execute_sql(f"SET LOCAL ROLE {clerk}")
                database.execute_sql("SET LOCAL ittdesk.audit_scrub = 'on'")
                database.execute_sql("UPDATE audit_entry SET note = 'rewritten'")
        with pytest.raises(Exception, match="permission denied"):
            with database.atomic():
                database.execute_sql(f"SET LOCAL ROLE {clerk}")
                database.execute_sql("SELECT ittdesk_audit_scrub(%s, NULL, 'x')", (before[0][0],))
        assert _snapshot() == before
        # Given the scrub function (what ``ittdesk postgres setup`` grants the app's role), the
        # erasure's way through works for it, and changes only changes and note.
        database.execute_sql("GRANT EXECUTE ON FUNCTION ittdesk_audit_scrub(integer, text, text) "
                             f"TO {clerk}")
        with database.atomic():
            database.execute_sql(f"SET LOCAL ROLE {clerk}")
            database.execute_sql("SELECT ittdesk_audit_scrub(%s, NULL, 'scrubbed')", (before[0][0],))
        after = AuditEntry.get_by_id(before[0][0])
        assert after.note == "scrubbed"
        assert (after.at, after.user, after.entity) == before[0][1:4]


def test_emptying_the_table_at_once_is_refused(db):
    """SQLite's DELETE without WHERE (its truncate optimisation); PostgreSQL's TRUNCATE."""
    schools.create({"urn": 812345, "name": "Fernbank Primary"})
    with pytest.raises(Exception, match=REFUSED):
        _raw("DELETE FROM audit_entry" if db.kind == "sqlite" else "TRUNCATE audit_entry CASCADE")
    assert AuditEntry.select().count() == 1


def test_after_an_erasure_the_file_still_has_exactly_itt_desks_schema(sqlite_db):
    """The trigger the scrub drops is back, word for word: a backup of the file restores."""
    from ittdesk import backup
    from ittdesk import db as dbmod
    from ittdesk.privacy import erasure

    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    erasure.erase(person.id)
    dbmod.close_database()
    report = backup.check_file(sqlite_db.path)
    assert report.ok, report.messages
