"""Migration 8 (issue 20): events, attendance and the person's "no newsletters" choice reach an
existing database, its rows kept, with the very schema a new database has."""

from __future__ import annotations

import sqlite3

from ittdesk import migrations, schema_check
from ittdesk.models import Person, SchemaVersion, database
from ittdesk.services.events import attendance, events
from ittdesk.services.people import people


def _columns(table):
    return {c.name for c in database.get_columns(table)}


def test_version_7_gets_events_and_no_newsletters_keeping_its_people(db):
    people.create({"first_name": "Ada", "last_name": "Greaves", "email": "ada@example.org"})
    database.execute_sql('DROP TABLE "event_attendance"')
    database.execute_sql('DROP TABLE "event"')
    database.execute_sql('ALTER TABLE "person" DROP COLUMN "no_newsletters"')
    SchemaVersion.update(version=7).execute()
    assert "no_newsletters" not in _columns("person")

    assert [s.version for s in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version >= 8]

    ada = Person.get(Person.email == "ada@example.org")
    assert ada.no_newsletters is False
    event = events.create({"title": "Working group", "kind": "working_group",
                           "held_on": "12/11/2025"})
    assert attendance.create({"event": event.id, "person": ada.id}).invited
    if db.kind == "sqlite":
        database.close()
        conn = sqlite3.connect(db.path)
        try:
            assert schema_check.foreign_objects(conn, migrations.LATEST) == []
        finally:
            conn.close()
        database.connect()
