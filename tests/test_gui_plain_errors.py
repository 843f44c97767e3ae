"""The GUI says what went wrong in plain words (the CLI's ``plain_message``): a failed automatic
backup is shown in the main window, not printed on stderr, and no error display shows an
exception class name."""

from __future__ import annotations

import sqlite3
import warnings

import gui_helpers as gui
import pytest
from PySide6.QtWidgets import QMessageBox

from ittdesk import backup, db
from ittdesk.errors import IttDeskWarning
from ui import app

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings


def _no_room(location):
    raise OSError(28, "No space left on device")


def _disk_error(location):
    raise sqlite3.OperationalError("disk I/O error")


def _sound_file(tmp_path):
    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    db.close_database()
    return path


def test_a_failed_backup_on_opening_is_shown_in_the_window_not_on_stderr(
        qtbot, tmp_path, monkeypatch, qt_settings):
    monkeypatch.setattr(backup, "daily_backup_if_due", _no_room)
    monkeypatch.setattr(app, "can_check_later", lambda location: False)  # opened in full first
    path = _sound_file(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IttDeskWarning)  # one reaching Python's printer fails
        window = app.start_window(str(path))
    qtbot.addWidget(window)
    try:
        assert window is not None
        (notice,) = window.notices()
        assert not notice.isModal()
        assert "automatic backup could not be made" in notice.text()
        assert "No space left on device" in notice.text()
        assert "File > Back up" in notice.text() and "ittdesk backup" not in notice.text()
        assert window.statusBar().currentMessage() == notice.text()
        notice.close()
        assert window.notices() == []
    finally:
        window.close()
        db.close_database()


def test_a_failed_backup_after_the_background_check_is_shown_too(qtbot, tmp_path, monkeypatch,
                                                                 qt_settings):
    from ui import tasks
    from ui.main_window import MainWindow

    path = _sound_file(tmp_path)
    location = db.open_database(path, hold_writes=True)
    try:
        window = MainWindow(location)
        qtbot.addWidget(window)
        monkeypatch.setattr(backup, "daily_backup_if_due", _disk_error)
        with tasks.synchronous():
            app.check_in_background(window, location)
        (notice,) = window.notices()
        assert "disk I/O error" in notice.text() and "OperationalError" not in notice.text()
        assert window.statusBar().currentMessage() == notice.text()
    finally:
        db.close_database()


def test_a_backup_notice_goes_when_another_database_is_opened(qtbot, tmp_path, monkeypatch,
                                                             qt_settings):
    monkeypatch.setattr(app, "can_check_later", lambda location: False)
    monkeypatch.setattr(backup, "daily_backup_if_due", _no_room)
    first = _sound_file(tmp_path)
    window = app.start_window(str(first))
    qtbot.addWidget(window)
    try:
        assert len(window.notices()) == 1
        qtbot.waitUntil(gui.tasks_idle, timeout=20000)  # Home's counts, the lists' warm-up
        monkeypatch.setattr(backup, "daily_backup_if_due", lambda location: None)
        other = tmp_path / "other.sqlite3"
        db.open_database(other, daily_backup=False)
        db.close_database()
        assert window.switch_database(str(other))
        assert window.notices() == []
        assert window.statusBar().currentMessage() == ""
        qtbot.waitUntil(gui.tasks_idle, timeout=20000)
    finally:
        window.close()
        db.close_database()


@pytest.mark.parametrize("exc, words", [
    (KeyError("school"), "did not expect"),
    (sqlite3.OperationalError("database or disk is full"), "full"),
    (ZeroDivisionError("division by zero"), "division by zero"),
])
def test_show_error_never_shows_an_exception_class_name(qtbot, monkeypatch, exc, words):
    from ui.tasks import show_error

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    show_error(None, exc)
    (text,) = shown
    assert words in text
    assert type(exc).__name__ not in text and "Something went wrong" not in text
    assert "unexpected error:" not in text.lower()


def test_the_problem_dialog_hears_of_a_failed_check_in_plain_words(qtbot, tmp_path, monkeypatch,
                                                                   qt_settings):
    from ui import tasks
    from ui.dialogs import database_problem as problem
    from ui.main_window import MainWindow

    seen: list[str] = []
    monkeypatch.setattr(app, "ask_about_problem",
                        lambda location, message, parent, back_to=None: seen.append(message) or problem.QUIT)
    path = _sound_file(tmp_path)
    location = db.open_database(path, hold_writes=True)
    window = MainWindow(location)
    qtbot.addWidget(window)

    def broken(location):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(app, "integrity_problem", broken)
    with tasks.synchronous():
        app.check_in_background(window, location)
    db.close_database()
    (message,) = seen
    assert "could not be checked" in message and "OperationalError" not in message
