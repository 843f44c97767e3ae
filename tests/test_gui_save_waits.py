"""An editor's save while another connection holds SQLite's write lock, or the database fails.

What happened before: the save ran on the GUI thread, froze the window for the busy timeout,
printed a traceback on stderr, showed nothing and lost the edit. Now it runs on a worker, the
editor says what it waits for, and it saves once the lock is free — or says it could not and
keeps everything typed.
"""

from __future__ import annotations

import contextlib
import sqlite3

import gui_helpers as gui
import pytest
from gui_helpers import close_window, make_window
from PySide6.QtCore import QTimer

from ittdesk import db as dbmod
from ittdesk.models import School
from ittdesk.services.schools import schools
from ui import operations

qt_settings = gui.qt_settings

pytestmark = pytest.mark.gui


@pytest.fixture
def quick_db(tmp_path, monkeypatch):
    """An SQLite database whose connections give up waiting for a lock after 0.2 s (10 s in
    the app), so a save's tries and its giving up take a moment here."""
    monkeypatch.setitem(dbmod.SQLITE_PRAGMAS, "busy_timeout", 200)
    location = dbmod.open_database(tmp_path / "partnership.sqlite3", daily_backup=False)
    yield location
    dbmod.close_database()


@contextlib.contextmanager
def write_lock_held(location, school_id: int):
    """Another connection in the middle of a write (as an import is): BEGIN IMMEDIATE, a row
    changed, not committed. Yields a function that commits it."""
    other = sqlite3.connect(location.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE school SET name = 'Changed By Another Program' WHERE id = ?",
                  (school_id,))

    def commit() -> None:
        if other.in_transaction:
            other.execute("COMMIT")

    try:
        yield commit
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def open_school_editor(qtbot, window, school_id: int, new_name: str):
    editor = window.open_record("school", school_id)
    qtbot.waitUntil(editor.isVisible)
    editor.widgets["name"].setText(new_name)
    return editor


def released_once_waiting(editor, commit, also=lambda: None) -> tuple[QTimer, list[str]]:
    """A poll on the GUI thread (which a save under way must not freeze): once the editor says
    it waits for the database, note what it says, run ``also()``, and commit the other write."""
    shown: list[str] = []

    def check() -> None:
        if editor.banner.isVisible() and "waiting for the database" in editor.banner.text():
            shown.append(editor.banner.text())
            also()
            commit()
            poll.stop()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(20)
    return poll, shown


def test_a_save_waits_for_another_programs_write_says_so_then_saves(qtbot, quick_db, monkeypatch):
    fernbank = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    other = schools.create({"urn": 123457, "name": "Moorside Academy"})
    window = make_window(qtbot, quick_db)
    try:
        editor = open_school_editor(qtbot, window, fernbank.id, "Fernbank Church School")
        meanwhile: list[bool] = []

        def try_to_close() -> None:
            meanwhile.append(editor.buttons.isEnabled())  # no second save meanwhile
            editor.reject()  # Esc while saving: ignored, nothing typed is lost
            meanwhile.append(editor.isVisible())

        with write_lock_held(quick_db, other.id) as commit:
            poll, shown = released_once_waiting(editor, commit, try_to_close)
            assert editor.save()
            poll.stop()
        assert meanwhile == [False, True]
        assert shown and "Your changes stay here" in shown[0]
        assert School.get_by_id(fernbank.id).name == "Fernbank Church School"
        assert School.get_by_id(other.id).name == "Changed By Another Program"
        assert not editor.isVisible()  # saved and closed, as a save does
    finally:
        close_window(qtbot, window)


def test_a_write_from_an_editor_that_stays_open_stops_saying_it_waits_once_done(qtbot,
                                                                                quick_db):
    """As the cohort editor's status change of several enrolments: the editor stays open after
    the write, and its banner went on saying "waiting for the database" after it was saved."""
    fernbank = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    other = schools.create({"urn": 123457, "name": "Moorside Academy"})
    window = make_window(qtbot, quick_db)
    try:
        editor = open_school_editor(qtbot, window, fernbank.id, "Fernbank Primary School")
        with write_lock_held(quick_db, other.id) as commit:
            poll, shown = released_once_waiting(editor, commit)
            _result, error = operations.write_and_wait(
                editor, schools.update, fernbank.id, {"phone": "01632 960000"},
                changes={"school"})
            poll.stop()
        assert error is None and shown
        assert School.get_by_id(fernbank.id).phone == "01632 960000"
        assert editor.isVisible() and not editor.banner.isVisible()
    finally:
        close_window(qtbot, window)


def test_a_save_that_cannot_get_the_lock_says_so_and_keeps_the_edit(qtbot, quick_db,
                                                                     monkeypatch, capfd):
    monkeypatch.setattr(operations, "SAVE_WAIT_SECONDS", 0.6)
    fernbank = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    other = schools.create({"urn": 123457, "name": "Moorside Academy"})
    window = make_window(qtbot, quick_db)
    try:
        editor = open_school_editor(qtbot, window, fernbank.id, "Fernbank Church School")
        with write_lock_held(quick_db, other.id):
            assert not editor.save()
            assert editor.isVisible()
            assert "Not saved" in editor.banner.text() and "busy" in editor.banner.text()
            assert "press Save to try again" in editor.banner.text()
            assert editor.widgets["name"].text() == "Fernbank Church School"
            assert editor.buttons.isEnabled()
        assert "Traceback" not in capfd.readouterr().err
        assert School.get_by_id(fernbank.id).name == "Fernbank Primary School"
        assert editor.save()  # the lock is free now: the same edit saves
        assert School.get_by_id(fernbank.id).name == "Fernbank Church School"
    finally:
        close_window(qtbot, window)


def test_a_failing_database_is_a_message_in_the_editor_not_a_traceback(qtbot, quick_db,
                                                                        monkeypatch, capfd):
    from peewee import OperationalError

    fernbank = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    window = make_window(qtbot, quick_db)
    try:
        editor = open_school_editor(qtbot, window, fernbank.id, "Fernbank Church School")
        real_update = schools.update

        def disk_full(record_id, data, **_version):
            raise OperationalError("database or disk is full")

        monkeypatch.setattr(schools, "update", disk_full)
        assert not editor.save()
        assert editor.isVisible()
        assert "disk holding the database is full" in editor.banner.text()
        assert editor.widgets["name"].text() == "Fernbank Church School"
        assert "Traceback" not in capfd.readouterr().err
        monkeypatch.setattr(schools, "update", real_update)
        assert editor.save()
        assert School.get_by_id(fernbank.id).name == "Fernbank Church School"
    finally:
        close_window(qtbot, window)
