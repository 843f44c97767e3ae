"""What the window says about itself: its title, its menus and its counts read as written."""

from __future__ import annotations

import gui_helpers as gui
import pytest

from ittdesk import APP_NAME

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def test_the_title_names_the_database_once_and_the_app_once(qtbot, demo_window):
    name = demo_window.location.path.name
    assert demo_window.windowTitle() == name
    # Qt adds the application's display name on platforms that show it (never twice).
    assert APP_NAME not in demo_window.windowTitle()


def test_page_actions_show_an_ampersand_not_a_mnemonic(qtbot, demo_window):
    texts = [a.text() for a in demo_window.page_acts]
    assert "Programmes && cohorts" in texts


def test_the_status_bar_counts_agree_with_their_numbers(qtbot, demo_window):
    from ittdesk.models import Cohort

    for cohort in list(Cohort.select())[1:]:
        from ittdesk.models import Enrolment, Placement

        enrolments = Enrolment.select(Enrolment.id).where(Enrolment.cohort == cohort.id)
        Placement.delete().where(Placement.enrolment.in_(enrolments)).execute()
        Enrolment.delete().where(Enrolment.cohort == cohort.id).execute()
        cohort.delete_instance()
    demo_window.update_counts()
    qtbot.waitUntil(lambda: "1 cohort " in demo_window.counts_label.text() + " ", timeout=5000)
    assert "1 cohorts" not in demo_window.counts_label.text()


def test_a_status_message_is_not_drawn_under_the_counts(qtbot, demo_window):
    demo_window.resize(760, 600)
    qtbot.waitUntil(lambda: "schools" in demo_window.counts_label.text(), timeout=10000)
    assert demo_window.counts_label.isVisible()
    demo_window.statusBar().showMessage("Copied 3 schools with headings: paste them into Excel")
    assert not demo_window.counts_label.isVisible()  # the message has the whole bar
    demo_window.statusBar().clearMessage()
    assert demo_window.counts_label.isVisible()
