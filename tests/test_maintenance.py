"""Issue 19, item 4: maintenance mode. A whole-database step holds the database; another
connection's write is refused in one line naming who ("Maintenance by X: read-only until it
finishes"), its reads go on, and it writes again once maintenance ends. On SQLite whole-file
steps (a schema update, the compaction after an erasure) follow restore's rule: only while
nobody else has the file open, refused in restore's words."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest
from conftest import BACKENDS, open_test_database

from ittdesk import clock, maintenance, presence
from ittdesk import db as dbmod
from ittdesk.errors import DatabaseOpenError, MaintenanceError, RefusedError
from ittdesk.models import Presence, SchemaVersion, School, database
from ittdesk.services.people import people
from ittdesk.services.schools import schools


class _Maintainer:
    """Another connection (a thread with its own session) holding maintenance until released."""

    def __init__(self, **kwargs):
        self.started, self.release, self.error = threading.Event(), threading.Event(), None
        self.thread = threading.Thread(target=self._run, kwargs=kwargs)

    def _run(self, **kwargs):
        try:
            with database.connection_context(), maintenance.maintenance(**kwargs):
                self.started.set()
                self.release.wait(20)
        except BaseException as exc:  # handed to the test
            self.error = exc
            self.started.set()

    def __enter__(self):
        self.thread.start()
        assert self.started.wait(20)
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(20)


@pytest.fixture(params=[b for b in BACKENDS if b == "postgresql"])
def pg(request, tmp_path):
    """A fresh PostgreSQL database (maintenance's lock is the server's; SQLite's steps hold
    the file itself: the tests below)."""
    location = open_test_database(request.param, tmp_path)
    yield location
    dbmod.close_database()


def test_maintenance_refuses_another_connections_write_and_releases_it(pg):
    school = schools.create({"urn": "100001", "name": "Hillside Primary"})
    me = f"{presence.os_user()}@{presence.computer()}"
    with _Maintainer():
        assert maintenance.holder() is not None and maintenance.holder().who == me
        with pytest.raises(MaintenanceError) as exc:
            schools.update(school.id, {"name": "Hillside Academy"})
        assert str(exc.value) == (f"Maintenance by {me}: read-only until it finishes; "
                                  "nothing was changed.")
        with pytest.raises(MaintenanceError):
            people.create({"first_name": "Ada", "last_name": "Greaves"})
        assert School.get_by_id(school.id).name == "Hillside Primary"  # reads go on
        assert "Maintenance by" in maintenance.status_text()
    assert maintenance.holder() is None
    schools.update(school.id, {"name": "Hillside Academy"})  # released: writes again
    assert School.get_by_id(school.id).name == "Hillside Academy"


def test_the_maintainer_writes_through_its_own_connection(pg):
    with maintenance.maintenance() as others:
        assert others == []  # nobody else connected (this test's own sessions are "mine")
        made = schools.create({"urn": "100002", "name": "Moorside Primary"})
    assert School.get_by_id(made.id).name == "Moorside Primary"


def test_maintenance_cannot_start_twice_nor_under_a_write_in_progress(pg):
    with _Maintainer(), pytest.raises(MaintenanceError, match="already on, by"):
        with maintenance.maintenance(wait=0.2):
            pass
    writing, done = threading.Event(), threading.Event()

    def slow_write():
        with database.connection_context(), database.atomic():
            schools.create({"urn": "100003", "name": "Slow Primary"})
            writing.set()
            done.wait(20)

    writer = threading.Thread(target=slow_write)
    writer.start()
    assert writing.wait(20)
    try:
        with pytest.raises(MaintenanceError, match="Others are saving changes right now"):
            with maintenance.maintenance(wait=0.3):
                pass
    finally:
        done.set()
        writer.join(20)
    with maintenance.maintenance(wait=5):  # the write committed: it starts now
        assert maintenance.holder().mine


def test_an_editor_save_during_maintenance_is_refused_in_one_line_and_works_after(pg):
    from ui.operations import write_when_free

    school = schools.create({"urn": "100004", "name": "Hillside Primary"})
    with _Maintainer(), pytest.raises(MaintenanceError, match="^Maintenance by .*: read-only"):
        write_when_free(schools.update, school.id, {"phone": "01632 960000"})
    assert write_when_free(schools.update, school.id, {"phone": "01632 960000"}).version == 2


# -- SQLite: whole-file steps only while nobody else has it open ---------------------------------

def _older_schema_file(tmp_path, monkeypatch):
    """A file one schema behind: the latest step made a no-op for the test (what a step does
    is not the point here, that it waits for the file to itself is)."""
    from ittdesk import migrations

    path = tmp_path / "older.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    latest = SchemaVersion.get().version
    SchemaVersion.update(version=latest - 1).execute()
    dbmod.close_database()
    last = migrations.MIGRATIONS[-1]
    monkeypatch.setattr(migrations, "MIGRATIONS", [
        *migrations.MIGRATIONS[:-1],
        migrations.Migration(last.version, last.description, lambda _m: None)])
    return path, latest


def test_an_sqlite_schema_update_is_refused_while_another_program_has_the_file_open(
        tmp_path, monkeypatch):
    path, latest = _older_schema_file(tmp_path, monkeypatch)
    other = sqlite3.connect(str(path))
    other.execute("SELECT count(*) FROM school").fetchone()  # another program, reading
    try:
        with pytest.raises(DatabaseOpenError) as exc:
            dbmod.open_database(path, daily_backup=False)
        assert dbmod.in_use_message(path) in str(exc.value)
        assert str(exc.value).startswith(f"This database needs updating from schema {latest - 1}")
    finally:
        other.close()
    with closing(sqlite3.connect(str(path))) as look:
        assert look.execute("SELECT version FROM schema_version").fetchone()[0] == latest - 1
    dbmod.open_database(path, daily_backup=False)  # alone now: updated
    try:
        assert SchemaVersion.get().version == latest
    finally:
        dbmod.close_database()


def test_an_sqlite_file_held_for_maintenance_blocks_anothers_write_until_released(tmp_path):
    path = tmp_path / "held.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    dbmod.close_database()
    with dbmod.sole_use(path):
        other = sqlite3.connect(str(path), timeout=0.2)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("INSERT INTO setting (key, value) VALUES ('k', 'v')")
        other.close()
        with pytest.raises(RefusedError, match="is open in another program"):
            dbmod.ensure_not_in_use(path, wait=0.1)  # a second step is refused meanwhile
    other = sqlite3.connect(str(path), timeout=2)
    other.execute("INSERT INTO setting (key, value) VALUES ('k', 'v')")
    other.commit()
    assert other.execute("SELECT value FROM setting WHERE key = 'k'").fetchone()[0] == "v"
    other.close()


def test_compaction_after_an_erasure_waits_for_the_file_to_itself_on_sqlite(db):
    from ittdesk.privacy import erasure

    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    Presence.create(user="jo", computer="OFFICE-PC", pid=1, started_at=clock.utcnow(),
                    seen_at=clock.utcnow())  # another app with the database open
    result = erasure.erase(person.id)
    if db.kind == "postgresql":
        assert not result.compacted and "server keeps old row versions" in result.note
        return
    assert not result.compacted
    assert result.note.startswith("The erasure is saved, but the file was not compacted: "
                                  f"{db.path.name} is open in another program")
    assert "jo@OFFICE-PC" in result.note
    Presence.delete().execute()
    assert erasure.compact() == (True, None)


def test_ittdesk_maintenance_status_says_whether_it_is_on(db, capsys):
    from ittdesk.cli import main

    assert main(["maintenance", "status", "--db", db.url]) == 0
    out = capsys.readouterr().out
    if db.kind == "sqlite":
        assert "no app has it open now" in out
    else:
        assert out.startswith("Maintenance is off")


def test_the_maintainer_is_told_who_else_is_connected_and_read_only(pg, capsys, monkeypatch):
    import io

    import psycopg2

    from ittdesk.cli import main

    other = psycopg2.connect(pg.url, application_name=presence.application_name("amira",
                                                                                 "OFFICE-PC-2"))
    try:
        with maintenance.maintenance() as others:
            assert [seat.label for seat in others] == ["amira@OFFICE-PC-2"]
        dbmod.close_database()
        monkeypatch.setattr("sys.stdin", io.StringIO("\n"))  # Enter ends it
        assert main(["maintenance", "start", "--db", pg.url]) == 0
        out = capsys.readouterr().out
        assert "Maintenance on: read-only for amira@OFFICE-PC-2 until it ends." in out
        assert out.rstrip().endswith("Maintenance ended: others can save again.")
    finally:
        other.close()


def test_an_app_left_open_on_the_maintainers_own_computer_is_named_not_taken_for_them(
        pg, monkeypatch):
    """Same user, same computer, another program (the app's window beside the CLI): it is
    someone else to maintenance; this process's own sessions are not."""
    import psycopg2

    monkeypatch.setattr(presence, "os_user", lambda: "sam")
    monkeypatch.setattr(presence, "computer", lambda: "OFFICE-PC")
    own_window = psycopg2.connect(pg.url, application_name=presence.application_name())
    try:
        with maintenance.maintenance() as others:
            assert [(seat.label, seat.sessions) for seat in others] == [("sam@OFFICE-PC", 1)]
    finally:
        own_window.close()
