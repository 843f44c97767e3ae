"""Maintenance mode in the window (issue 19, item 4): while another user holds the shared
database for maintenance, a bar says who and that it is read-only; a save is refused in the
same words with everything typed kept, and once maintenance ends the bar goes and the same
Save goes through."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from conftest import BACKENDS, open_test_database

from ittdesk import db as dbmod
from ittdesk import maintenance, presence
from ittdesk.models import School
from ittdesk.services.schools import schools

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


@pytest.fixture(params=[b for b in BACKENDS if b == "postgresql"])
def pg_window(request, qtbot, tmp_path):
    location = open_test_database(request.param, tmp_path)
    window = gui.make_window(qtbot, location)
    yield window, location
    gui.close_window(qtbot, window)
    dbmod.close_database()


def _polled(qtbot, window) -> None:
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    window.presence_status.maintenance.poll()
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)


def test_no_maintenance_bar_on_sqlite_or_when_nobody_holds_it(qtbot, main_window):
    _polled(qtbot, main_window)
    bar = main_window.presence_status.maintenance.bar
    assert not bar.isVisible()
    assert main_window.presence_status.maintenance.timer.isActive() == dbmod.is_postgres()


def test_another_users_maintenance_shows_a_bar_refuses_a_save_keeping_it_and_then_lets_it_go(
        qtbot, pg_window):
    import psycopg2

    window, location = pg_window
    school = schools.create({"urn": "100001", "name": "Hillside Primary"})
    editor = window.open_record("school", school.id)
    editor.widgets["phone"].setText("01632 960000")
    maintainer = psycopg2.connect(location.url,
                                  application_name=presence.application_name("amira", "IT-PC"))
    maintainer.autocommit = True
    try:
        with maintainer.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (maintenance.KEY,))
            assert cur.fetchone()[0]
        _polled(qtbot, window)
        bar = window.presence_status.maintenance
        assert bar.bar.isVisible()
        assert bar.label.text().startswith("Maintenance by amira@IT-PC: read-only until it finishes")
        assert not editor.save()
        assert editor.banner.text() == ("Maintenance by amira@IT-PC: read-only until it "
                                        "finishes; nothing was changed.")
        assert editor.isVisible() and editor.widgets["phone"].text() == "01632 960000"
        assert School.get_by_id(school.id).phone is None
    finally:
        maintainer.close()  # maintenance over: the server lets go of its lock
    qtbot.waitUntil(lambda: maintenance.holder() is None, timeout=10000)
    _polled(qtbot, window)
    assert not window.presence_status.maintenance.bar.isVisible()
    assert editor.save()
    assert School.get_by_id(school.id).phone == "01632 960000"
