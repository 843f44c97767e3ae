"""One restore, one behaviour, from each of its three doors: ``ittdesk restore``, File > Restore
and the problem dialog (``ittdesk.restore``).

A sound database is kept as a "before-restore" automatic backup (never renamed as damaged); a
damaged one is renamed aside unwritten; the restored database's audit records the restore.
Refused while another program has the file open: tests/test_sqlite_processes.py, all three.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from pathlib import Path

import gui_helpers as gui
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ittdesk import backup, db
from ittdesk.cli import main
from ittdesk.models import AuditEntry, School
from ittdesk.services.schools import schools
from ui import tasks
from ui.dialogs.database_problem import restore_backup_file

pytestmark = pytest.mark.gui


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def school_count(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT count(*) FROM {School._meta.table_name}").fetchone()[0]


def by_cli(qtbot, location, source: Path, monkeypatch) -> str:
    db.close_database()
    assert main(["restore", str(source), "--db", str(location.path)]) == 0
    return "cli"


def by_problem_dialog(qtbot, location, source: Path, monkeypatch) -> str:
    db.close_database()  # as at start-up: the dialog comes before any database is open
    return restore_backup_file(location, source)


def by_file_menu(qtbot, location, source: Path, monkeypatch) -> str:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(source), "")))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    window = gui.make_window(qtbot, location)
    try:
        qtbot.waitUntil(gui.tasks_idle, timeout=10000)
        window.restore_database()
        qtbot.waitUntil(lambda: not window._restoring and tasks.running_tasks() == 0,
                        timeout=20000)
        said = [text for kind, text in gui.unanswered if kind == "information"]
        return said[-1]
    finally:
        gui.close_window(qtbot, window)


DOORS = {"cli": by_cli, "problem dialog": by_problem_dialog, "file menu": by_file_menu}


@pytest.mark.parametrize("door", list(DOORS))
def test_a_sound_database_is_kept_as_a_backup_never_called_damaged(qtbot, sqlite_db, tmp_path,
                                                                   monkeypatch, door):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    saved = backup.backup_to(sqlite_db, tmp_path / "saved" / "monday.sqlite3")
    schools.create({"urn": 654321, "name": "Later Academy"})

    said = DOORS[door](qtbot, sqlite_db, saved, monkeypatch)

    db.close_database()
    assert list(sqlite_db.path.parent.glob("*.damaged-*")) == []
    kept = [p for p in backup.automatic_backups(sqlite_db) if "before-restore" in p.name]
    assert len(kept) == 1 and school_count(kept[0]) == 2  # the database as it was
    assert school_count(sqlite_db.path) == 1  # the backup's
    if door != "cli":
        assert said.startswith("Restored from monday.sqlite3.") and str(kept[0]) in said
    db.open_database(sqlite_db.path, daily_backup=False)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert (entry.entity, entry.action) == ("database", "restore")
    assert json.loads(entry.changes)["sha256"] == [None, digest(saved)]
    assert str(kept[0]) in entry.note


@pytest.mark.parametrize("door", ["cli", "problem dialog"])
def test_a_damaged_database_is_renamed_aside_unwritten(qtbot, tmp_path, monkeypatch, door):
    """The File menu's door needs the database open, which a damaged file never is."""
    path = tmp_path / "partnership.sqlite3"
    location = db.open_database(path, daily_backup=False)
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    db.close_database()
    saved = backup.copy_database(path, tmp_path / "saved" / "good.sqlite3")
    raw = bytearray(path.read_bytes())
    raw[8192:12288] = b"\x07\xff\x13\x00" * 1024  # scribble over one table page
    path.write_bytes(bytes(raw))
    damaged = digest(path)

    DOORS[door](qtbot, location, saved, monkeypatch)

    db.close_database()
    kept = [p for p in tmp_path.iterdir()
            if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and digest(kept[0]) == damaged
    assert [p for p in backup.automatic_backups(location) if "before-restore" in p.name] == []
    assert school_count(path) == 1
    assert backup.check_file(path).ok
