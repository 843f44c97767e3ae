"""Restore takes only files whose schema is ITT Desk's own, and says in the audit that it ran:
from which file (path, size, SHA-256, schema version), when and by whom."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from ittdesk import audit, backup, migrations, restore, schema_check
from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.errors import RefusedError
from ittdesk.models import AuditEntry, SchemaVersion, School, database
from ittdesk.services.schools import schools

WIPER = ("CREATE TRIGGER wipe_history AFTER INSERT ON audit_entry BEGIN "
         "DELETE FROM audit_entry WHERE id < NEW.id; END")


def _backup_with(sqlite_db, tmp_path, *statements: str):
    """A backup of the open database, then edited outside ITT Desk with ``statements``."""
    copy = backup.backup_to(sqlite_db, tmp_path / "edited.sqlite3")
    conn = sqlite3.connect(copy)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    return copy


def _live_state():
    return ([s.name for s in School.select().order_by(School.id)],
            list(AuditEntry.select().order_by(AuditEntry.id).tuples()))


@pytest.mark.parametrize("statements, named", [
    ((WIPER,), "trigger 'wipe_history' (not ITT Desk's)"),
    (("CREATE VIEW everyone AS SELECT * FROM person",), "view 'everyone' (not ITT Desk's)"),
    (("CREATE TABLE notes_of_mine (x TEXT)",), "table 'notes_of_mine' (not ITT Desk's)"),
    (("CREATE INDEX school_town ON school (town)",), "index 'school_town' (not ITT Desk's)"),
    (('DROP TRIGGER "audit_entry_no_delete"',
      "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry WHEN 0 BEGIN "
      "SELECT RAISE(ABORT, 'no'); END"), "trigger 'audit_entry_no_delete' (changed)"),
    (('DROP TRIGGER "audit_entry_no_update"',), "trigger 'audit_entry_no_update' (missing)"),
])
def test_restore_refuses_a_backup_whose_schema_is_not_itt_desks_in_one_line(
        sqlite_db, tmp_path, statements, named):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    edited = _backup_with(sqlite_db, tmp_path, *statements)
    schools.create({"urn": 123457, "name": "Added after the backup"})
    before = _live_state()

    report = backup.check_file(edited)
    assert not report.ok and any(named in m for m in report.messages)
    with pytest.raises(RefusedError) as caught:
        restore.restore(sqlite_db, edited)

    message = str(caught.value)
    assert message.startswith("Not restored: edited.sqlite3 does not have the schema ITT Desk "
                              "creates") and named in message and "\n" not in message
    assert _live_state() == before


def test_the_cli_refuses_the_edited_backup_with_exit_1_and_one_line(sqlite_db, tmp_path, capsys):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    edited = _backup_with(sqlite_db, tmp_path, WIPER)
    dbmod.close_database()

    code = main(["restore", str(edited), "--db", str(sqlite_db.path)])

    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "wipe_history" in lines[0] and "Traceback" not in err
    dbmod.open_database(sqlite_db.path, daily_backup=False)
    assert [s.name for s in School.select()] == ["Fernbank Primary School"]


def test_a_genuine_backup_passes_and_so_does_a_database_migrated_from_an_older_version(
        sqlite_db, tmp_path):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    assert backup.check_file(backup.backup_to(sqlite_db, tmp_path / "fresh.sqlite3")).ok
    # Make it an older database (version 2: no sort indexes, no audit guard), then migrate.
    for statement in ('DROP INDEX "school_name_key"', 'DROP INDEX "person_last_name_key"',
                      'DROP TRIGGER "audit_entry_no_update"', 'DROP TRIGGER "audit_entry_no_delete"',
                      'DROP TRIGGER "audit_entry_keeps_who_when"'):
        database.execute_sql(statement)
    SchemaVersion.update(version=2).execute()
    old = backup.backup_to(sqlite_db, tmp_path / "old.sqlite3")
    assert backup.check_file(old).ok, backup.check_file(old).messages  # older: nothing missing
    applied = [m.version for m in migrations.migrate(sqlite_db)]
    assert applied == [m.version for m in migrations.MIGRATIONS if m.version >= 3]
    report = backup.check_file(backup.backup_to(sqlite_db, tmp_path / "migrated.sqlite3"))
    assert report.ok, report.messages


def test_an_older_backup_with_a_foreign_trigger_is_refused_too(sqlite_db, tmp_path):
    edited = _backup_with(sqlite_db, tmp_path, WIPER, "UPDATE schema_version SET version = 2")
    report = backup.check_file(edited)
    assert not report.ok and any("wipe_history" in m for m in report.messages)


def test_the_expected_schema_is_the_one_a_new_database_has(sqlite_db):
    conn = sqlite3.connect(sqlite_db.path)
    try:
        assert schema_check.foreign_objects(conn, migrations.latest()) == []
        names = {name for _kind, name in schema_check.expected_schema()}
    finally:
        conn.close()
    assert {"audit_entry_no_update", "audit_entry_no_delete", "school_name_key"} <= names


def test_a_restore_is_recorded_in_the_restored_databases_audit(sqlite_db, tmp_path):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    copy = backup.backup_to(sqlite_db, tmp_path / "monday.sqlite3")
    history = list(AuditEntry.select().order_by(AuditEntry.id).tuples())
    schools.create({"urn": 123457, "name": "Added after the backup"})
    size, digest = copy.stat().st_size, hashlib.sha256(copy.read_bytes()).hexdigest()
    before = audit.now()

    safety = restore.restore(sqlite_db, copy)

    dbmod.open_database(sqlite_db.path, daily_backup=False)
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    assert [e.id for e in entries[:-1]] == [row[0] for row in history]
    entry = entries[-1]
    assert (entry.entity, entry.entity_id, entry.action) == ("database", None, "restore")
    assert entry.user == audit.current_user()
    assert before <= entry.at <= audit.now()
    assert json.loads(entry.changes) == {
        "file": [None, str(copy)], "size_bytes": [None, size], "sha256": [None, digest],
        "schema_version": [None, migrations.latest()]}
    assert "monday.sqlite3" in entry.note and str(safety) in entry.note
    # And the entry is as append-only as the rest.
    with pytest.raises(Exception, match="append-only"):
        with database.atomic():
            database.execute_sql("DELETE FROM audit_entry")


def test_a_database_whose_migration_appended_a_column_passes(sqlite_db, tmp_path):
    """ALTER TABLE ADD COLUMN puts a column last that a new table has in the middle (migration 6
    added round_school.written_on): same columns, same table, so check and restore accept it."""
    database.execute_sql('ALTER TABLE "round_school" DROP COLUMN "written_on"')
    SchemaVersion.update(version=5).execute()
    applied = [m.version for m in migrations.migrate(sqlite_db)]
    assert 6 in applied
    order = [r[1] for r in database.execute_sql('PRAGMA table_info("round_school")').fetchall()]
    assert order[-1] == "written_on"  # appended, unlike a new database's table
    report = backup.check_file(backup.backup_to(sqlite_db, tmp_path / "migrated.sqlite3"))
    assert report.ok, report.messages


def test_a_column_added_outside_itt_desk_is_still_refused(sqlite_db, tmp_path):
    edited = _backup_with(sqlite_db, tmp_path, 'ALTER TABLE "school" ADD COLUMN "secret" TEXT')
    report = backup.check_file(edited)
    assert not report.ok and any("table 'school' (changed)" in m for m in report.messages)
