"""Banners go when their cause goes (issue 15 item 13): a message about something the user has
since put right, or about a record or page they have moved away from, is not left standing."""

from __future__ import annotations

import agreement_factory as make
import gui_helpers as gui
import pytest
from gui_helpers import tasks_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def test_the_returns_pages_saved_bar_goes_when_another_return_is_chosen(qtbot, demo_db, tmp_path,
                                                                         monkeypatch):
    from ui.views.returns_page import ReturnsPage

    page = ReturnsPage(None)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: tasks_idle() and page.model.rowCount() > 0)
    monkeypatch.setattr(page, "choose_save_path",
                        lambda title, suggested: str(tmp_path / "partnership.xlsx"))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tasks_idle() and page.done_bar.isVisible())
    assert "partnership.xlsx" in page.done_label.text()
    page.list.setCurrentRow(1)  # the placements return: the bar spoke of the partnership one
    qtbot.waitUntil(tasks_idle)
    assert not page.done_bar.isVisible()
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tasks_idle() and page.done_bar.isVisible())
    page.la.setCurrentIndex(1)  # other filters: another preview, the saved file was not it
    qtbot.waitUntil(tasks_idle)
    assert not page.done_bar.isVisible()


def test_homes_welcome_goes_once_records_came_from_elsewhere(qtbot, main_window):
    """An ittdesk command (another process) fills the database while the app shows the
    welcome: going back to Home shows the dashboard, not "This database is empty"."""
    from ittdesk.services.schools import schools

    window = main_window
    home = window.current_page()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.welcome, timeout=10000)
    schools.create({"urn": 100001, "name": "Fernbank Primary School"})  # nothing announced (as from another program)
    window.show_page("schools")
    window.show_page("home")
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.dashboard, timeout=10000)
    assert not home.data["empty"]
    qtbot.waitUntil(lambda: window.counts_label.text().startswith("1 school"), timeout=10000)


def test_the_start_round_dialogs_message_goes_once_the_date_is_put_right(qtbot, demo_db):
    from ui.dialogs.start_round import StartRoundDialog

    dialog = StartRoundDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.return_by.setText("31/02/2027")
    dialog.save()
    assert dialog.error.isVisible() and "not a real date" in dialog.error.text()
    dialog.return_by.setText("31/02/202")  # still not a date: the message stays
    assert dialog.error.isVisible()
    dialog.return_by.setText("30/06/2027")
    assert not dialog.error.isVisible()
    for box in dialog.statuses.values():
        box.setChecked(False)
    dialog.save()
    assert dialog.error.isVisible() and "Tick at least one" in dialog.error.text()
    dialog.return_by.setText("29/06/2027")  # not what the message is about
    assert dialog.error.isVisible()
    dialog.statuses["partner"].setChecked(True)
    assert not dialog.error.isVisible()


@pytest.fixture
def agreement_editor(qtbot, monkeypatch):
    from ui.editors.agreement_editor import AgreementEditor

    monkeypatch.setattr(AgreementEditor, "ask_unsaved",
                        lambda self: QMessageBox.StandardButton.Discard)

    def open_editor(agreement_id):
        editor = AgreementEditor(agreement_id)
        qtbot.addWidget(editor)
        editor.show()
        return editor

    return open_editor


def test_the_agreement_editors_problem_goes_with_the_last_thing_it_named(qtbot, sqlite_db,
                                                                          agreement_editor):
    built = make.agreement(ready=False)
    editor = agreement_editor(built.agreement.id)
    qtbot.mouseClick(editor.status_buttons["agreed"], Qt.MouseButton.LeftButton)
    impact = editor.main_fields["intended_impact"]
    assert impact.message.text() == "Write the intended impact"
    assert editor.problems.isVisible()
    impact.input.setPlainText("Pupils read fluently by Easter")
    assert impact.message.text() == "" and not impact.message.isVisible()
    assert editor.problems.isVisible()  # the evidence, parties and reports are still missing
    assert editor.tabs.tabText(0) == "Agreement ⚠"
    editor.main_fields["evidence"].input.setPlainText("Reading ages in the spring tests")
    assert editor.tabs.tabText(0) == "Agreement"
    qtbot.mouseClick(editor.panels["reports"].add_button, Qt.MouseButton.LeftButton)
    assert editor.panels["reports"].message.text() == ""
    assert editor.problems.isVisible()
    parties = editor.panels["parties"]
    parties.view.selectRow(0)
    parties.fields["responsibilities"].input.setPlainText("Leads the reading sessions")
    assert parties.message.text() == ""
    assert not editor.problems.isVisible()
    assert editor.dirty  # nothing saved: the status button checks it all again


def test_a_refused_save_keeps_its_problem_until_the_named_part_is_put_right(qtbot, sqlite_db,
                                                                            agreement_editor):
    built = make.agreement()
    editor = agreement_editor(built.agreement.id)
    spend = editor.panels["spend"]
    qtbot.mouseClick(spend.add_button, Qt.MouseButton.LeftButton)
    spend.fields["date"].input.setText("31/02/2026")
    spend.fields["description"].input.setText("Cover")
    spend.fields["amount_pence"].input.setText("12.345")
    assert editor.save() is False
    assert editor.problems.text().startswith("Not saved: spend entry 1")
    spend.fields["amount_pence"].input.setText("12.34")
    assert editor.problems.isVisible()  # the date is still wrong
    spend.fields["date"].input.setText("28/02/2026")
    assert not editor.problems.isVisible()
    assert editor.save() is True


def test_a_save_while_the_database_is_checked_waits_for_the_check_then_saves(qtbot, tmp_path):
    """Opened with writes held (the full check runs after the window shows), a save used to fail
    at once: "Not saved: the database can only be read", a message that stayed after the check
    passed a moment later. Now it says it waits for the check, and saves once it has passed."""
    from gui_helpers import close_window, make_window
    from PySide6.QtCore import QTimer

    from ittdesk import db
    from ittdesk.models import School
    from ittdesk.services.schools import schools

    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    fernbank = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    db.close_database()
    location = db.open_database(path, daily_backup=False, hold_writes=True)
    assert db.writes_held()
    window = make_window(qtbot, location)
    try:
        editor = window.open_record("school", fernbank.id)
        qtbot.waitUntil(editor.isVisible)
        editor.widgets["name"].setText("Fernbank Church School")
        shown: list[str] = []

        def pass_the_check_once_the_wait_is_shown() -> None:
            if editor.banner.isVisible() and "waiting for the check" in editor.banner.text():
                shown.append(editor.banner.text())
                db.release_writes()  # what check_in_background does when the check passes
                poll.stop()

        poll = QTimer()
        poll.timeout.connect(pass_the_check_once_the_wait_is_shown)
        poll.start(20)
        assert editor.save()
        poll.stop()
        assert shown and "Your changes stay here" in shown[0]
        assert not editor.isVisible()
        assert School.get_by_id(fernbank.id).name == "Fernbank Church School"
    finally:
        close_window(qtbot, window)
        db.close_database()


def test_the_retention_pages_saved_note_goes_with_the_next_change_or_visit(qtbot, sqlite_db):
    from ittdesk import settings
    from ui.views.retention_page import RetentionPage

    page = RetentionPage(None)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(tasks_idle)
    page.spins["trainee"].setValue(12)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "Saved" in page.schedule_message.text()
    page.spins["trainee"].setValue(13)  # not saved: "Saved" would be about 12
    assert page.schedule_message.text() == ""
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(tasks_idle)
    assert "Saved" in page.schedule_message.text()
    settings.set("retention_trainee_years", 15)  # as an ittdesk command would, meanwhile
    page.shown()  # the user comes back to the page
    qtbot.waitUntil(tasks_idle)
    assert page.schedule_message.text() == ""
    assert page.spins["trainee"].value() == 15


def test_a_failed_anonymising_is_said_where_the_review_does_not_overwrite_it(qtbot, sqlite_db,
                                                                            monkeypatch):
    from ui.views import retention_page
    from ui.views.retention_page import RetentionPage

    page = RetentionPage(None)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(tasks_idle)
    shown: list[str] = []
    monkeypatch.setattr(retention_page, "show_error",
                        lambda parent, exc, title: shown.append(f"{title}: {exc}"))
    page._apply_failed(KeyError("person"))
    assert shown and shown[0].startswith("Not anonymised")
    qtbot.waitUntil(tasks_idle)


def test_a_list_that_could_not_load_says_why_in_plain_words_until_it_loads(qtbot, main_window,
                                                                          monkeypatch):
    import sqlite3

    from ittdesk.queries.lists import SCHOOLS

    window = main_window
    window.show_page("schools")
    panel = window.page("schools").panel
    gui.wait_loaded(qtbot, panel)

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    with monkeypatch.context() as patch:
        patch.setattr(SCHOOLS, "ids", broken)
        panel.model.reload()  # F5 / a change elsewhere asks again
        qtbot.waitUntil(lambda: not panel.model.is_loading(), timeout=10000)
    assert panel.count_label.text().startswith("Could not load")
    assert "OperationalError" not in panel.count_label.toolTip()
    assert "could not be read or written" in panel.count_label.toolTip()
    panel.model.reload()
    qtbot.waitUntil(lambda: not panel.model.is_loading(), timeout=10000)
    assert panel.count_label.text() == "0 schools" and panel.count_label.toolTip() == ""
