"""File > Restore from a backup: checked and copied in on a worker, the window switched after."""

from __future__ import annotations

import contextlib
import sqlite3
import threading

import gui_helpers as gui
import pytest
from gui_helpers import close_window, make_window, wait_loaded
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from ittdesk import backup
from ittdesk.models import School, database
from ittdesk.services.schools import schools
from ui import tasks

qt_settings = gui.qt_settings

pytestmark = pytest.mark.gui


def choose(monkeypatch, path) -> None:
    """The user picks ``path`` and answers Yes to "Replace the database with…?"."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))


def record_copies(monkeypatch, backup_file) -> list[threading.Thread]:
    """The threads that copy ``backup_file`` (not the day's automatic backup on reopening)."""
    threads: list[threading.Thread] = []
    real = backup.copy_pages

    def copy(source, dst, **kwargs):
        if source == backup_file.resolve():
            threads.append(threading.current_thread())
        return real(source, dst, **kwargs)

    monkeypatch.setattr(backup, "copy_pages", copy)
    return threads


def restore_and_wait(qtbot, window) -> None:
    window.restore_database()
    qtbot.waitUntil(lambda: not window._restoring and tasks.running_tasks() == 0, timeout=20000)


def restoring_label(window) -> str:
    dialog = window.findChild(QProgressDialog, "restoringDialog")
    return dialog.labelText() if dialog is not None else ""


def school_names() -> list[str]:
    return sorted(s.name for s in School.select())


def test_restore_copies_on_a_worker_then_shows_the_restored_data(qtbot, sqlite_db, tmp_path,
                                                                  monkeypatch):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    saved = backup.copy_database(sqlite_db.path, tmp_path / "saved" / "backup.sqlite3")
    schools.create({"urn": 654321, "name": "Later Academy"})
    window = make_window(qtbot, sqlite_db)
    try:
        window.show_page("schools")
        panel = window.current_page().panel
        wait_loaded(qtbot, panel)
        assert panel.model.rowCount() == 2
        qtbot.waitUntil(gui.tasks_idle, timeout=10000)
        choose(monkeypatch, saved)
        threads = record_copies(monkeypatch, saved)

        restore_and_wait(qtbot, window)

        assert len(threads) == 1 and all(t is not threading.main_thread() for t in threads)
        assert window.restore_act.isEnabled()
        assert window.location.path == sqlite_db.path
        assert database.obj is not None and school_names() == ["Fernbank Primary School"]
        panel = window.current_page().panel
        wait_loaded(qtbot, panel)
        assert panel.model.rowCount() == 1
        # A healthy database is never called damaged: it is kept as a safety backup.
        assert list(sqlite_db.path.parent.glob("*.damaged-*")) == []
        kept = [p for p in backup.automatic_backups(sqlite_db) if "before-restore" in p.name]
        assert len(kept) == 1
        said = [text for kind, text in gui.unanswered if kind == "information"]
        assert said and said[0].startswith("Restored from backup.sqlite3.")
        assert str(kept[0]) in said[0]
        # The kept file is the database as it was: both schools.
        with contextlib.closing(sqlite3.connect(kept[0])) as conn:
            assert conn.execute(f"select count(*) from {School._meta.table_name}").fetchone() == (2,)
    finally:
        close_window(qtbot, window)


def test_a_refused_backup_changes_nothing(qtbot, sqlite_db, tmp_path, monkeypatch):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database, only some text" * 100)
    window = make_window(qtbot, sqlite_db)
    try:
        qtbot.waitUntil(gui.tasks_idle, timeout=10000)
        connection = database.obj
        choose(monkeypatch, junk)
        threads = record_copies(monkeypatch, junk)

        restore_and_wait(qtbot, window)

        assert threads == []
        warnings = [text for kind, text in gui.unanswered if kind == "warning"]
        assert len(warnings) == 1 and warnings[0].startswith("Not restored:")
        assert "\n" not in warnings[0]
        assert database.obj is connection and not connection.is_closed()  # never closed
        assert school_names() == ["Fernbank Primary School"]
        assert list(sqlite_db.path.parent.glob("*.damaged-*")) == []
        assert window.restore_act.isEnabled() and not window._restoring
    finally:
        close_window(qtbot, window)


def test_restore_waits_for_other_background_work_before_closing_the_database(
        qtbot, sqlite_db, tmp_path, monkeypatch):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    saved = backup.copy_database(sqlite_db.path, tmp_path / "saved" / "backup.sqlite3")
    window = make_window(qtbot, sqlite_db)
    try:
        qtbot.waitUntil(gui.tasks_idle, timeout=10000)
        choose(monkeypatch, saved)
        threads = record_copies(monkeypatch, saved)
        started, release = threading.Event(), threading.Event()

        def other_work():  # an export, say: it reads the database on a worker
            started.set()
            release.wait(10)
            return School.select().count()

        counted = []
        tasks.run_task(window, other_work, on_done=counted.append)
        assert started.wait(5)
        window.restore_database()
        qtbot.waitUntil(lambda: "Waiting" in restoring_label(window), timeout=10000)
        assert threads == [] and database.obj is not None  # still open, nothing moved
        release.set()
        qtbot.waitUntil(lambda: not window._restoring and tasks.running_tasks() == 0,
                        timeout=20000)
        assert counted == [1]
        assert len(threads) == 1 and threads[0] is not threading.main_thread()
        assert school_names() == ["Fernbank Primary School"]
    finally:
        close_window(qtbot, window)


def test_a_copy_that_fails_puts_the_database_back(sqlite_db, tmp_path, monkeypatch):
    """The start-up path (problem dialog, no window yet) stays synchronous: same check, same
    copy; if the copy fails the file moved aside is put back under its own name."""
    from ittdesk import db as dbmod
    from ui.dialogs.database_problem import restore_backup_file

    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    saved = backup.copy_database(sqlite_db.path, tmp_path / "saved" / "backup.sqlite3")

    def broken(source, dest):
        raise OSError("disk full")

    monkeypatch.setattr(backup, "copy_database", broken)
    with pytest.raises(OSError, match="disk full"):
        restore_backup_file(sqlite_db, saved)
    assert list(sqlite_db.path.parent.glob("*.damaged-*")) == []
    dbmod.open_database(sqlite_db.path, daily_backup=False)
    assert school_names() == ["Fernbank Primary School"]
