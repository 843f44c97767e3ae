"""Who is connected in the window (issue 19, item 3): the status bar's "N others connected"
(hidden when alone), the list behind it and under Tools, and this app's presence kept on a
worker, never on the GUI thread; a closed app leaves the list."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ittdesk import clock, presence
from ittdesk.models import Presence, is_postgres

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


@contextmanager
def another_user(location, user: str = "amira", computer: str = "OFFICE-PC-2") -> Iterator[None]:
    """Another user's app on another computer: a session so named (PostgreSQL) or a presence
    row seen just now (SQLite); gone afterwards."""
    if is_postgres():
        import psycopg2

        conn = psycopg2.connect(location.url,
                                application_name=presence.application_name(user, computer))
        try:
            yield
        finally:
            conn.close()
        return
    now = clock.utcnow()
    row = Presence.create(user=user, computer=computer, pid=1, started_at=now, seen_at=now)
    try:
        yield
    finally:
        row.delete_instance()


def _refreshed(qtbot, window) -> None:
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    window.presence_status.refresh()
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)


def _settled(qtbot, window, shown: bool) -> None:
    """PostgreSQL ends a closed session a moment after its client has gone: refresh until the
    item says so."""
    def seen() -> bool:
        _refreshed(qtbot, window)
        return window.presence_status.button.isVisible() == shown
    qtbot.waitUntil(seen, timeout=30000)


def test_the_status_bar_counts_the_others_and_hides_when_alone(qtbot, main_window, db):
    item = main_window.presence_status.button
    _refreshed(qtbot, main_window)
    assert item.isHidden()
    with another_user(db), another_user(db, "ben", "LAB-3"):
        _refreshed(qtbot, main_window)
        assert item.isVisible() and item.text() == "2 others connected"
        assert "amira@OFFICE-PC-2" in item.toolTip() and "ben@LAB-3" in item.toolTip()
    with another_user(db):
        _settled(qtbot, main_window, shown=True)
        assert item.text() == "1 other connected"
    _settled(qtbot, main_window, shown=False)


def test_clicking_the_item_lists_user_computer_and_since(qtbot, main_window, db):
    with another_user(db):
        _refreshed(qtbot, main_window)
        QTest.mouseClick(main_window.presence_status.button, Qt.MouseButton.LeftButton)
        dialog = main_window._who_dialog
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(gui.tasks_idle, timeout=10000)
        model = dialog.model
        rows = [[model.index(r, c).data() for c in range(3)] for r in range(model.rowCount())]
        me = presence.os_user()
        assert [r[:2] for r in rows] == [[f"{me} (you)", presence.computer()],
                                         ["amira", "OFFICE-PC-2"]]
        assert all(r[2] and r[2] != "(not shown)" for r in rows)
        assert "1 other connected" in dialog.summary.text()
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible())


def test_tools_menu_opens_who_is_connected(qtbot, main_window):
    action = next(a for menu, a in main_window.extra_acts
                  if menu == "Tools" and a.text() == "&Who is connected…")
    action.trigger()
    dialog = main_window._who_dialog
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    assert dialog.summary.text() == "Nobody else has this database open."
    dialog.close()


def test_presence_is_kept_and_read_on_workers_never_on_the_gui_thread(qtbot, main_window,
                                                                       monkeypatch):
    threads: list[tuple[str, threading.Thread]] = []
    for name in ("heartbeat", "connected"):
        real = getattr(presence, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            threads.append((_name, threading.current_thread()))
            return _real(*args, **kwargs)
        monkeypatch.setattr(presence, name, spy)
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    status = main_window.presence_status
    status.heartbeat_timer.timeout.emit()
    status.refresh_timer.timeout.emit()
    qtbot.waitUntil(lambda: {n for n, _ in threads} == {"heartbeat", "connected"}, timeout=10000)
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    assert threads and all(t is not threading.main_thread() for _, t in threads)
    assert status.heartbeat_timer.isActive() and status.refresh_timer.isActive()


def test_a_closed_app_leaves_the_list(qtbot, sqlite_db):
    window = gui.make_window(qtbot, sqlite_db)
    me = f"{presence.os_user()}@{presence.computer()}"
    qtbot.waitUntil(lambda: [s.label for s in presence.connected()] == [me], timeout=10000)
    gui.close_window(qtbot, window)
    assert presence.connected() == [] and Presence.select().count() == 0
