"""Start-up: the first frame is drawn before Home is built, and the big lists are prepared
while the app is idle afterwards, so opening them shows their rows at once."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from gui_helpers import close_window, make_window, tasks_idle

from ittdesk.models import School
from ittdesk.services.schools import schools
from ui import tasks

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def test_the_first_frame_shows_what_home_shows_while_loading_then_home_itself(qtbot, demo_db):
    from ui.views.home_page import LOADING, HomePage

    window = make_window(qtbot, demo_db)
    try:
        assert "home" not in window._pages
        assert window.stack.currentWidget().text() == LOADING
        assert not window.new_act.isEnabled()  # the actions already answer as Home's would
        qtbot.waitUntil(lambda: "home" in window._pages, timeout=5000)
        home = window._pages["home"]
        assert isinstance(home, HomePage) and window.stack.currentWidget() is home
        assert home.loading.text() == LOADING and window.startup.stand_in is None
        names = [window.stack.widget(n).objectName() for n in range(window.stack.count())]
        assert "page_home" in names and "page_loading" not in names
        qtbot.waitUntil(lambda: home.stack.currentWidget() is home.dashboard, timeout=10000)
        qtbot.waitUntil(lambda: "schools" in window.counts_label.text(), timeout=10000)
    finally:
        close_window(qtbot, window)


def test_asking_for_the_page_before_the_first_paint_builds_it_at_once(qtbot, demo_db):
    from ui.views.home_page import HomePage

    window = make_window(qtbot, demo_db)
    try:
        assert isinstance(window.current_page(), HomePage)
    finally:
        close_window(qtbot, window)


def test_a_window_never_shown_leaves_nothing_running(qtbot, demo_db):
    from ui.main_window import MainWindow

    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    assert tasks.running_tasks() == 0
    assert window.show_page("schools") is not None


def test_lists_are_prepared_while_idle_and_kept_current(qtbot, demo_window, monkeypatch):
    qtbot.waitUntil(tasks_idle, timeout=20000)
    assert tasks.running_tasks() == 0
    page = demo_window._pages["schools"]
    programmes = demo_window._pages["programmes"]
    assert not page.isVisible() and demo_window.current_key() == "home"
    for panel in (page.panel, programmes.enrolments, programmes.cohorts):
        assert panel.model.has_loaded and panel.model.rowCount() > 0
    assert page.panel.model.ids[0] in page.panel.model._cache  # its first screen read too
    # opening it now asks nothing of the database: the rows are there
    with monkeypatch.context() as m:
        m.setattr(page.panel.model, "reload", lambda: pytest.fail("reloaded on open"))
        assert demo_window.show_page("schools") is page
        assert page.panel.model.rowCount() == School.select().count()
        assert page.panel.count_label.text().endswith("schools")
    demo_window.show_page("home")
    # a list the user has seen is read again at once after a change, even hidden (as before)
    added = schools.create({"urn": 999001, "name": "Aardvark Lane School"}).id
    demo_window.changes.announce({"school"})
    qtbot.waitUntil(tasks_idle, timeout=10000)
    assert page.panel.model.ids[0] == added and not page.isVisible()
    # one only prepared is read again when first shown (never behind the change)
    people_page = demo_window._pages["people"]
    before = list(people_page.panel.model.ids)
    schools.delete(added)
    demo_window.changes.announce({"school"})
    assert not people_page.panel.model.is_loading() and people_page.panel._stale
    demo_window.show_page("people")
    assert people_page.panel.model.is_loading() or tasks.is_synchronous()
    qtbot.waitUntil(tasks_idle, timeout=10000)
    assert people_page.panel.model.ids == before and not people_page.panel._stale
    demo_window.show_page("schools")
    assert added not in page.panel.model.ids


def test_a_hidden_window_holds_its_warm_up_until_shown_again(qtbot, demo_window):
    """As after the problem dialog: another database adopted while the window is hidden."""
    qtbot.waitUntil(tasks_idle, timeout=20000)
    demo_window.hide()
    demo_window._pages.clear()  # (adopt_database rebuilds the pages on the new database)
    demo_window.startup.warm_up()
    assert tasks.running_tasks() == 0  # nothing to wait for while hidden
    demo_window.show()
    assert tasks.running_tasks() > 0
    qtbot.waitUntil(tasks_idle, timeout=20000)
    assert demo_window._pages["schools"].panel.model.has_loaded


def test_the_lists_are_prepared_only_once_home_has_its_cards(qtbot, demo_db, monkeypatch):
    """Home's cards read first: the warm-up (page imports, the big lists' first reads) waits
    until Home is filled, so nothing else takes the machine from them meanwhile."""
    import threading

    from ui.views import home_page

    release = threading.Event()
    real = home_page.home_data

    def held_home_data(*args, **kwargs):
        release.wait(timeout=20)
        return real(*args, **kwargs)

    monkeypatch.setattr(home_page, "home_data", held_home_data)
    window = make_window(qtbot, demo_db)
    try:
        qtbot.waitUntil(lambda: "home" in window._pages and window._pages["home"].is_loading(),
                        timeout=5000)
        steps = list(window.startup.steps)
        assert steps, "the warm-up has its steps to take"
        qtbot.waitUntil(lambda: window.startup.waited_ms >= 300, timeout=5000)
        assert window.startup.steps == steps  # none taken while Home reads its cards
        assert "schools" not in window._pages
        release.set()
        qtbot.waitUntil(tasks_idle, timeout=20000)
        assert not window._pages["home"].is_loading()
        assert window.startup.steps == []
        assert window._pages["schools"].panel.model.has_loaded
    finally:
        release.set()
        close_window(qtbot, window)
