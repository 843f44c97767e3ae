"""Opening databases: creation, file permissions, refusal of files that are not ours or newer."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from pathlib import Path

import pytest

from ittdesk import db, migrations
from ittdesk.errors import DatabaseOpenError
from ittdesk.models import SchemaVersion, School


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_is_created_readable_by_its_owner_only(tmp_path):
    location = db.open_database(tmp_path / "new.sqlite3")
    try:
        assert location.path.exists()
        mode = stat.S_IMODE(location.path.stat().st_mode)
        assert mode & 0o077 == 0, oct(mode)
        assert migrations.current_version() == migrations.latest()
    finally:
        db.close_database()


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_db):
    conn = db.database.obj
    assert conn.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"Dear colleagues,\nplease find attached..." * 100)
    before = digest(path)
    with pytest.raises(DatabaseOpenError, match="not an ITT Desk database"):
        db.open_database(path)
    assert digest(path) == before


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseOpenError, match="not an ITT Desk database"):
        db.open_database(path)
    assert digest(path) == before
    assert not (tmp_path / "other.sqlite3-wal").exists()


def test_a_database_from_a_newer_version_is_refused_without_a_byte_written(tmp_path):
    path = tmp_path / "future.sqlite3"
    db.open_database(path, daily_backup=False)
    SchemaVersion.update(version=migrations.latest() + 5).execute()
    db.close_database()
    before = digest(path)
    with pytest.raises(DatabaseOpenError, match="newer version of ITT Desk"):
        db.open_database(path)
    assert digest(path) == before


def test_a_damaged_database_is_refused(tmp_path):
    path = tmp_path / "damaged.sqlite3"
    db.open_database(path, daily_backup=False)
    db.close_database()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page after the header
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseOpenError, match="damaged|not an ITT Desk"):
        db.open_database(path)


def test_urls_and_paths_resolve_to_the_right_backend(tmp_path, monkeypatch):
    assert db.resolve(tmp_path / "a.sqlite3").kind == "sqlite"
    assert db.resolve(f"sqlite:///{tmp_path}/b.sqlite3").path == tmp_path / "b.sqlite3"
    pg = db.resolve("postgresql://ann:secret@server:5433/itt")
    assert pg.kind == "postgresql" and "secret" not in pg.display and "server:5433/itt" in pg.display
    monkeypatch.setenv("ITTDESK_DATABASE", str(tmp_path / "env.sqlite3"))
    assert db.resolve(None).path == tmp_path / "env.sqlite3"
    with pytest.raises(DatabaseOpenError, match="not a database ITT Desk can open"):
        db.resolve("mysql://x/y")


def test_network_share_paths_are_warned_about(tmp_path):
    assert "network share" in db.network_share_warning(Path("\\\\server\\share\\itt.sqlite3"))
    assert db.network_share_warning(tmp_path / "local.sqlite3") is None


def test_two_app_instances_writing_the_same_file_do_not_corrupt_it(tmp_path):
    """A second process writes while this one writes: WAL + busy timeout serialise them."""
    import subprocess
    import sys

    from ittdesk.backup import check_file
    from ittdesk.services.schools import schools

    path = tmp_path / "shared.sqlite3"
    db.open_database(path, daily_backup=False)
    script = (
        "import sys; from ittdesk import db; from ittdesk.services.schools import schools\n"
        f"db.open_database(r'{path}', daily_backup=False)\n"
        "for i in range(150): schools.create({'urn': 500000 + i, 'name': f'Other {i}'})\n"
    )
    other = subprocess.Popen([sys.executable, "-c", script])
    for i in range(150):
        schools.create({"urn": 600000 + i, "name": f"Mine {i}"})
    assert other.wait(timeout=120) == 0
    assert School.select().count() == 300
    db.close_database()
    assert check_file(path).ok


def _first_write_while_another_holds_the_lock(path: Path, write) -> list:
    """``write()`` on a new connection while another connection holds the write lock for a
    moment; what it returned, or the message it failed with."""
    import threading

    from ittdesk.models import database

    db.open_database(path, daily_backup=False)
    holding, outcome = threading.Event(), []

    def other_writer() -> None:
        with database.connection_context():
            database.execute_sql("BEGIN IMMEDIATE")
            database.execute_sql("UPDATE setting SET value = value")
            holding.set()
            threading.Event().wait(0.3)
            database.execute_sql("COMMIT")

    def first_write_on_a_new_connection() -> None:
        with database.connection_context():
            holding.wait(5)
            try:
                outcome.append(write())
            except Exception as exc:  # noqa: BLE001 - what the user would have been told
                outcome.append(str(exc))

    threads = [threading.Thread(target=other_writer),
               threading.Thread(target=first_write_on_a_new_connection)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome


def test_a_first_write_on_a_new_connection_waits_for_another_writer_instead_of_failing(tmp_path):
    """Begun deferred, a new connection's first INSERT read the schema inside its transaction
    and then could not take the write lock another connection held: "database is locked" at
    once, without waiting (the two-instances test above failed so, now and then). A create
    takes the write lock first, as an edit does, and waits its turn."""
    from ittdesk.services.schools import schools

    outcome = _first_write_while_another_holds_the_lock(
        tmp_path / "shared.sqlite3",
        lambda: schools.create({"urn": 600001, "name": "Stonegate Academy"}).name)
    assert outcome == ["Stonegate Academy"]
    assert School.get(School.urn == 600001).name == "Stonegate Academy"
    db.close_database()


def test_marking_new_schools_as_partners_from_a_new_connection_waits_for_another_writer(
        tmp_path):
    """The same for the writes outside the services (rounds, outreach, erasure, settings...):
    here marking partners, which reads each school and then writes it."""
    from ittdesk import new_schools
    from ittdesk.services.schools import schools

    path = tmp_path / "shared.sqlite3"
    db.open_database(path, daily_backup=False)
    school_id = schools.create({"urn": 600002, "name": "Fernbank Primary School"}).id
    db.close_database()
    outcome = _first_write_while_another_holds_the_lock(
        path, lambda: new_schools.set_partnership([school_id], "partner"))
    assert outcome == [1]
    assert School.get_by_id(school_id).partnership_status == "partner"
    db.close_database()


def test_deciding_what_to_open_imports_neither_peewee_nor_the_models():
    """The desktop app shows its window before peewee and the models are imported (~60 ms):
    where a database is (``location``) and what an SQLite file is (``sqlite_file``) are
    answered without them, as are main.py's choice between a command and the app and the
    start-up's decision to check the file later."""
    import subprocess
    import sys

    code = ("import sys, ittdesk.location as where, ittdesk.sqlite_file as f, ui.app as app; "
            "import ittdesk.cli as cli; cli.has_subcommand([]); "  # main.py: CLI or the app?
            "loc = where.resolve('x.sqlite3'); f.inspect_file(loc.path); app.can_check_later(loc); "
            "print('peewee' in sys.modules, 'ittdesk.models' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
