"""Backups: consistent copies, rotation, restore after a check, and a check that never writes."""

from __future__ import annotations

import hashlib
import stat

import pytest

from ittdesk import backup, clock, restore, settings
from ittdesk import db as dbmod
from ittdesk.errors import RefusedError
from ittdesk.models import School
from ittdesk.services.schools import schools


def test_backup_and_restore_round_trip(sqlite_db, tmp_path):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    copy = backup.backup_to(sqlite_db, tmp_path / "copy.sqlite3")
    assert stat.S_IMODE(copy.stat().st_mode) & 0o077 == 0
    schools.create({"urn": 123457, "name": "Added after the backup"})
    safety = restore.restore(sqlite_db, copy)
    dbmod.open_database(sqlite_db.path, daily_backup=False)
    assert [s.name for s in School.select()] == ["Fernbank Primary School"]
    assert safety is not None and safety.exists()


def test_a_backup_taken_while_another_connection_writes_is_consistent(sqlite_db, tmp_path):
    import sqlite3

    writer = sqlite3.connect(sqlite_db.path)
    writer.execute("BEGIN")
    writer.execute("INSERT INTO school (urn, name, status) VALUES (654321, 'Uncommitted', 'open')")
    copy = backup.backup_to(sqlite_db, tmp_path / "during.sqlite3")
    writer.rollback()
    writer.close()
    assert backup.check_file(copy).ok
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*) FROM school WHERE urn = 654321").fetchone()[0] == 0
    conn.close()


def test_restore_refuses_a_file_that_is_not_a_database(sqlite_db, tmp_path):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    with pytest.raises(RefusedError, match="Not restored"):
        restore.restore(sqlite_db, junk)
    assert School.select().count() == 1


def test_automatic_backups_are_rotated_to_the_setting(sqlite_db):
    settings.set("backup_keep", 3)
    for _ in range(5):
        backup.automatic_backup(sqlite_db, reason="test")
    assert len(backup.automatic_backups(sqlite_db)) == 3


def test_daily_backup_happens_once_a_day(sqlite_db):
    first = backup.daily_backup_if_due(sqlite_db, today=clock.today())
    second = backup.daily_backup_if_due(sqlite_db, today=clock.today())
    assert first is not None and second is None


def test_check_reports_ok_without_writing(sqlite_db):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    dbmod.close_database()
    before = hashlib.sha256(sqlite_db.path.read_bytes()).hexdigest()
    report = backup.check_file(sqlite_db.path)
    assert report.ok and report.schema_version >= 1
    assert hashlib.sha256(sqlite_db.path.read_bytes()).hexdigest() == before


def test_check_finds_broken_foreign_keys(sqlite_db):
    import sqlite3

    dbmod.close_database()
    conn = sqlite3.connect(sqlite_db.path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("INSERT INTO person (first_name, last_name, erased) VALUES ('A', 'B', 0)")
    conn.execute("INSERT INTO role (person_id, school_id, kind) VALUES (1, 999, 'mentor')")
    conn.commit()
    conn.close()
    report = backup.check_file(sqlite_db.path)
    assert not report.ok
    assert any("foreign key" in m and "school" in m for m in report.messages)


def test_postgres_backups_are_refused_with_advice(tmp_path):
    location = dbmod.resolve("postgresql://u@localhost/x")
    with pytest.raises(RefusedError, match="pg_dump"):
        backup.backup_to(location, tmp_path / "x.sqlite3")
