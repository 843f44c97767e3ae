"""Writes as background operations with one change signal (ui.operations, issue 16 item 2):
a write runs off the GUI thread and announces once which kinds of record changed, and only
the pages that show one of those kinds are refreshed."""

from __future__ import annotations

import threading

import gui_helpers as gui
import pytest
from gui_helpers import tasks_idle, wait_loaded
from PySide6.QtWidgets import QWidget
from shiboken6 import Shiboken

from ittdesk.errors import RefusedError
from ittdesk.models import School
from ittdesk.services.schools import schools
from ui import operations, tasks

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def listen(window) -> list[frozenset[str]]:
    announced: list[frozenset[str]] = []
    window.changes.changes_announced.connect(announced.append)
    return announced


def test_a_write_announces_its_kinds_once_then_calls_back(qtbot, main_window):
    announced = listen(main_window)
    order = []
    main_window.changes.changes_announced.connect(lambda _kinds: order.append("announced"))
    operations.write(main_window, schools.create, {"urn": 123456, "name": "Fernbank Primary"},
                     changes={"school"}, on_done=lambda school: order.append("done"))
    qtbot.waitUntil(tasks_idle)
    assert announced == [frozenset({"school"})]
    assert order == ["announced", "done"]  # the lists hear of it before the caller goes on
    assert School.get().name == "Fernbank Primary"


def test_a_refused_write_announces_nothing(qtbot, main_window):
    announced = listen(main_window)
    refused = []

    def refuse() -> None:
        raise RefusedError("Not today")

    operations.write(main_window, refuse, changes={"school"}, on_error=refused.append)
    qtbot.waitUntil(tasks_idle)
    assert announced == [] and str(refused[0]) == "Not today"


def test_a_write_is_announced_even_when_the_widget_that_asked_has_gone(qtbot, main_window):
    announced = listen(main_window)
    asker = QWidget(main_window)
    release = threading.Event()
    done = []

    def slow_create() -> None:
        release.wait(10)
        schools.create({"urn": 123457, "name": "Moorside Academy"})

    operations.write(asker, slow_create, changes={"school"}, on_done=done.append)
    asker.deleteLater()
    qtbot.waitUntil(lambda: not Shiboken.isValid(asker))  # gone while the write is under way
    release.set()
    qtbot.waitUntil(tasks_idle)
    assert announced == [frozenset({"school"})] and done == []


def test_what_a_write_announces_can_follow_from_its_result(qtbot, main_window):
    announced = listen(main_window)
    operations.write(main_window, lambda: 0, changes=lambda n: {"school"} if n else ())
    operations.write(main_window, lambda: 2, changes=lambda n: {"school"} if n else ())
    qtbot.waitUntil(tasks_idle)
    assert announced == [frozenset({"school"})]


def test_a_page_that_does_not_show_a_kind_is_not_refreshed(qtbot, main_window, monkeypatch):
    schools_page = main_window.show_page("schools")
    events_page = main_window.page("events")
    home = main_window.page("home")
    wait_loaded(qtbot, schools_page.panel)
    qtbot.waitUntil(tasks_idle)
    calls: list[str] = []
    for key, page in (("schools", schools_page), ("events", events_page), ("home", home)):
        monkeypatch.setattr(page, "refresh",
                            lambda k=key, real=page.refresh: (calls.append(k), real()))
    main_window.changes.announce({"event_attendance"})  # shown on the Events page only
    assert calls == ["events"]  # hidden, a list page is read again at once (its own rule)
    assert not home.stale
    calls.clear()
    main_window.changes.announce({"programme"})  # neither list shows programmes; Home does
    assert calls == [] and home.stale  # hidden: remembered, not read now
    main_window.show_page("home")
    assert calls == ["home"] and not home.stale  # read again once shown
    calls.clear()
    main_window.changes.announce({operations.EVERYTHING})
    assert sorted(calls) == ["events", "home", "schools"]


def test_the_counts_under_the_window_follow_only_what_they_count(qtbot, main_window, monkeypatch):
    counted = []
    monkeypatch.setattr(main_window, "update_counts", lambda: counted.append(1))
    main_window.changes.announce({"event_attendance"})
    assert counted == []
    main_window.changes.announce({"school"})
    assert counted == [1]


def test_an_editor_save_runs_off_the_gui_thread_and_announces_once(qtbot, main_window):
    assert not tasks.is_synchronous()
    school = schools.create({"urn": 123456, "name": "Fernbank Primary"})
    announced = listen(main_window)
    editor = main_window.open_record("school", school.id)
    threads = []
    real_write = editor.write
    editor.write = lambda data: (threads.append(threading.current_thread()), real_write(data))[1]
    editor.widgets["name"].setText("Fernbank Academy")
    assert editor.save()
    assert threads and threads[0] is not threading.main_thread()
    assert announced == [frozenset({"school"})]
    assert School.get_by_id(school.id).name == "Fernbank Academy"


def test_a_delete_and_its_undo_each_announce_once(qtbot, main_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    school = schools.create({"urn": 123456, "name": "Fernbank Primary"})
    page = main_window.show_page("schools")
    wait_loaded(qtbot, page.panel)
    page.panel.select_ids([school.id])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    announced = listen(main_window)
    main_window.delete_selected()
    qtbot.waitUntil(tasks_idle)
    assert announced == [frozenset({"school"})] and School.select().count() == 0
    main_window.undo_delete()
    qtbot.waitUntil(tasks_idle)
    assert announced == [frozenset({"school"})] * 2 and School.select().count() == 1


def test_the_asking_window_takes_no_clicks_or_shortcuts_while_its_write_is_waited_for(
        qtbot, main_window):
    # A second press of Save / Start round / Mark sent while the first write is under way
    # would write twice: the window is held as under a modal dialog, and free again after.
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QKeySequence, QShortcut
    from PySide6.QtWidgets import QPushButton

    button = QPushButton("Mark sent", main_window)
    button.show()
    pressed: list[str] = []
    button.clicked.connect(lambda: pressed.append("click"))
    shortcut = QShortcut(QKeySequence("Ctrl+J"), main_window)
    shortcut.activated.connect(lambda: pressed.append("shortcut"))
    release = threading.Event()

    def slow_write() -> str:
        assert release.wait(20)
        return "written"

    def press_during_the_write() -> None:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.keyClick(main_window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
        release.set()

    QTimer.singleShot(50, press_during_the_write)
    assert operations.write_and_wait(main_window, slow_write, changes={"school"}) == \
        ("written", None)
    assert pressed == []
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(main_window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert pressed == ["click", "shortcut"]


def test_a_write_asked_for_while_writes_are_held_for_the_check_waits_for_it_then_writes(
        qtbot, tmp_path, qt_settings):
    """The window shows before the start-up integrity check has passed, with writes held: a
    Delete, Undo or status change asked for then used to fail ("readonly database")."""
    from gui_helpers import close_window, make_window
    from PySide6.QtCore import QTimer

    from ittdesk import db

    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    db.close_database()
    location = db.open_database(path, daily_backup=False, hold_writes=True)
    window = make_window(qtbot, location)
    try:
        qtbot.waitUntil(tasks_idle)
        assert db.writes_held()
        announced = listen(window)
        done: list = []
        failed: list = []
        operations.write(window, schools.create, {"urn": 123458, "name": "Stonegate Academy"},
                         changes={"school"}, on_done=done.append, on_error=failed.append)
        QTimer.singleShot(300, db.release_writes)  # what check_in_background does when it passes
        qtbot.waitUntil(tasks_idle, timeout=10000)
        assert failed == [] and [school.name for school in done] == ["Stonegate Academy"]
        assert announced == [frozenset({"school"})]
        assert School.get(School.urn == 123458).name == "Stonegate Academy"
    finally:
        close_window(qtbot, window)
        db.close_database()
