"""The personal-data GUI: History tab, subject access export and erase dialogs, Retention page."""

from __future__ import annotations

from datetime import datetime

import pytest
from gui_helpers import tasks_idle
from PySide6.QtCore import Qt
from test_privacy_seed import FIRST, LAST, seed_everywhere
from test_retention import seed_schedule

from ittdesk import backup, settings
from ittdesk.models import AuditEntry, Person
from ittdesk.privacy import audit_query
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools
from ui.dialogs.person_data import open_person_erase, open_person_export
from ui.views.retention_page import RetentionPage
from ui.widgets.history_tab import HistoryModel, HistoryTab

pytestmark = pytest.mark.gui


idle = tasks_idle


def _column(model, column):
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


# -- History tab ---------------------------------------------------------------------------


def test_history_tab_shows_who_changed_what_and_filters_by_user_and_date(qtbot, sqlite_db, qtmodeltester, tmp_path):
    school = schools.create({"urn": 812345, "name": "Fernbank Primary", "phase": "primary"})
    schools.update(school.id, {"name": "Fernbank Academy"})
    AuditEntry.create(at=audit_query.local_to_utc(datetime(2024, 3, 5, 10, 0)), user="alice",
                      entity="school", entity_id=school.id, action="update",
                      changes='{"phone": [null, "01632 960000"]}')
    tab = HistoryTab("school", school.id)
    qtbot.addWidget(tab)
    tab.resize(900, 360)
    tab.show()
    qtbot.waitUntil(lambda: idle() and tab.model.rowCount() == 3)
    qtmodeltester.check(tab.model)
    actions = _column(tab.model, HistoryModel.COL_ACTION)
    assert actions == ["Changed", "Created", "Changed"]
    assert "Name: Fernbank Primary -> Fernbank Academy" in _column(tab.model, HistoryModel.COL_CHANGES)[0]
    assert [tab.user.itemText(i) for i in range(tab.user.count())] == ["Everyone", "alice", tab.model.entry(0).user]
    tab.grab().save(str(tmp_path / "history_tab.png"))

    tab.user.setCurrentText("alice")
    qtbot.waitUntil(lambda: idle() and tab.model.rowCount() == 1)
    assert _column(tab.model, HistoryModel.COL_USER) == ["alice"]
    tab.user.setCurrentIndex(0)
    qtbot.waitUntil(lambda: idle() and tab.model.rowCount() == 3)
    tab.until.setText("31/12/2024")
    qtbot.waitUntil(lambda: idle() and tab.model.rowCount() == 1)
    assert "Phone: 01632 960000" in _column(tab.model, HistoryModel.COL_CHANGES)[0]
    tab.since.setText("not a date")
    assert tab.problem.isVisibleTo(tab) and "not a date" in tab.problem.text()
    assert tab.model.rowCount() == 1  # the last good result stays


def test_person_history_includes_their_records_unless_switched_off(qtbot, sqlite_db):
    school = schools.create({"urn": 812345, "name": "Fernbank Primary"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    roles.create({"person": person.id, "school": school.id, "kind": "mentor"})
    tab = HistoryTab("person", person.id)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: idle() and tab.model.rowCount() == 2)
    assert tab.related.isVisibleTo(tab)
    assert sorted(_column(tab.model, HistoryModel.COL_RECORD)) == [f"person #{person.id}", "role #1"]
    tab.related.setChecked(False)
    qtbot.waitUntil(lambda: idle() and tab.model.rowCount() == 1)


def test_history_of_an_unsaved_record_says_so(qtbot, sqlite_db):
    tab = HistoryTab("school", None)
    qtbot.addWidget(tab)
    assert tab.model.rowCount() == 0 and "not been saved" in tab.status.text()
    school = schools.create({"urn": 812345, "name": "Fernbank Primary"})
    tab.set_record("school", school.id)
    qtbot.waitUntil(lambda: idle() and tab.model.rowCount() == 1)


# -- subject access export -----------------------------------------------------------------


def test_export_dialog_writes_the_workbook_and_pdf_off_the_gui_thread(qtbot, sqlite_db, tmp_path):
    seeded = seed_everywhere()
    dialog = open_person_export(None, seeded.person.id)
    qtbot.addWidget(dialog)
    assert f"{FIRST} {LAST}" in dialog.windowTitle()
    target = tmp_path / "sar.xlsx"
    dialog.path.setText(str(target))
    dialog.grab().save(str(tmp_path / "person_export_dialog.png"))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert target.exists() and target.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    assert "Saved" in dialog.message.text() and dialog.open_folder.isVisibleTo(dialog)
    dialog.grab().save(str(tmp_path / "person_export_done.png"))


def test_export_dialog_refuses_a_bad_file_name_and_writes_nothing(qtbot, sqlite_db, tmp_path):
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    dialog = open_person_export(None, person.id)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "sar.csv"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert ".xlsx" in dialog.message.text() and dialog.handle is None
    dialog.path.setText(str(tmp_path / "missing" / "sar.xlsx"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "does not exist" in dialog.message.text()
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".csv", ".pdf")] == []


# -- erasure ---------------------------------------------------------------------------------


def test_erase_dialog_names_what_goes_and_stays_then_erases_with_one_click(qtbot, sqlite_db, tmp_path):
    seeded = seed_everywhere()
    old = backup.automatic_backup(sqlite_db, reason="daily")
    dialog = open_person_erase(None, seeded.person.id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: idle() and dialog.plan is not None)
    text = dialog.details.toPlainText()
    assert "What goes:" in text and "What stays" in text and str(old) in text
    assert dialog.purge.isVisibleTo(dialog) and not dialog.purge.isChecked()
    assert dialog.erase_button.isEnabled()
    dialog.grab().save(str(tmp_path / "person_erase_dialog.png"))
    dialog.purge.setChecked(True)
    with qtbot.waitSignal(dialog.erased, timeout=30000):
        qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)
    assert Person.get_by_id(seeded.person.id).erased
    assert dialog.last_result.compacted, dialog.last_result.note  # even with the GUI's own connection open
    assert not old.exists()
    assert "Erased." in dialog.message.text() and not dialog.erase_button.isVisibleTo(dialog)
    dialog.grab().save(str(tmp_path / "person_erase_done.png"))


def test_closing_the_erase_dialog_changes_nothing(qtbot, sqlite_db):
    seeded = seed_everywhere()
    dialog = open_person_erase(None, seeded.person.id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: idle() and dialog.plan is not None)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert Person.get_by_id(seeded.person.id).first_name == FIRST
    assert not AuditEntry.select().where(AuditEntry.action == "erase").exists()


# -- retention page --------------------------------------------------------------------------


@pytest.fixture
def retention_page(qtbot, sqlite_db):
    ids, due = seed_schedule()
    page = RetentionPage(None)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() == len(due))
    return page, ids, due


def test_retention_page_lists_exactly_who_is_due_with_why(retention_page, qtmodeltester, tmp_path):
    page, ids, due = retention_page
    qtmodeltester.check(page.model)
    assert {int(x) for x in _column(page.model, page.model.COL_ID)} == due
    assert all(_column(page.model, page.model.COL_WHY))
    assert "4 people are past" in page.status.text()
    assert page.spins["trainee"].value() == 6
    page.grab().save(str(tmp_path / "retention_page.png"))


def test_retention_page_anonymises_the_selection_after_one_confirmation(retention_page, qtbot):
    page, ids, due = retention_page
    asked = []
    page.confirm = lambda text: asked.append(text) or False
    page.view.selectRow(0)
    chosen = page.selected_ids()
    qtbot.mouseClick(page.anonymise_selected_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "cannot be undone" in asked[0]
    assert not Person.get_by_id(chosen[0]).erased  # declined: nothing changed
    page.confirm = lambda text: True
    qtbot.mouseClick(page.anonymise_selected_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() == len(due) - 1, timeout=30000)
    assert Person.get_by_id(chosen[0]).erased
    assert [pid for pid in due if Person.get_by_id(pid).erased] == chosen


def test_retention_page_saves_a_changed_schedule_and_reviews_again(retention_page, qtbot):
    page, ids, due = retention_page
    page.spins["trainee"].setValue(12)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert settings.get("retention_trainee_years") == 12
    assert "Saved" in page.schedule_message.text()
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() == len(due) - 1)
    assert ids["old_trainee"] not in {int(x) for x in _column(page.model, page.model.COL_ID)}


def test_the_main_window_offers_the_retention_review_page(qtbot, demo_db, tmp_path):
    from ui.main_window import MainWindow

    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    page = window.show_page("retention")
    assert isinstance(page, RetentionPage)
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0, timeout=30000)
    window.grab().save(str(tmp_path / "retention_in_main_window.png"))


def test_cancelling_the_export_leaves_no_file(sqlite_db, tmp_path):
    import threading

    from ittdesk.privacy.sar import Cancelled
    from ui.dialogs.person_data import export_person

    seeded = seed_everywhere()
    cancel = threading.Event()

    def progress(done, total, message):
        if message.startswith("Writing the PDF"):
            cancel.set()  # the user presses Cancel while the PDF is being written

    target = tmp_path / "out" / "sar.xlsx"
    target.parent.mkdir()
    with pytest.raises((Cancelled, InterruptedError)):
        export_person(seeded.person.id, target, target.with_suffix(".pdf"), progress, cancel)
    assert list(target.parent.iterdir()) == []


def test_tools_menu_entry_picks_a_person_then_opens_export_or_erase(qtbot, sqlite_db, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from ui.dialogs import person_data
    from ui.views import ACTIONS
    from ui.widgets.record_picker import PickerDialog

    assert any(a.target == "ui.dialogs.person_data:open_personal_data" for a in ACTIONS)
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})

    def pick(self):
        self.chosen = person.id
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PickerDialog, "exec", pick)
    for action, kind in (("export", person_data.PersonExportDialog),
                         ("erase", person_data.PersonEraseDialog)):
        monkeypatch.setattr(person_data, "choose_action", lambda parent, pid, a=action: a)
        dialog = person_data.open_personal_data(None)
        qtbot.addWidget(dialog)
        assert isinstance(dialog, kind) and dialog.person_id == person.id
        qtbot.waitUntil(idle)
    monkeypatch.setattr(person_data, "choose_action", lambda parent, pid: None)
    assert person_data.open_personal_data(None) is None
