"""Issue 20 in the app: the Events page and editor (attendance ticks, adding people with the
picker), the person's "No newsletters" tick, the Contact list dialog, a school's engagement."""

from __future__ import annotations

from datetime import date

import gui_helpers as gui
import pytest
from gui_helpers import wait_loaded
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ittdesk.models import EventAttendance, Person
from ittdesk.services.events import attendance, events
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def _seed():
    fern = schools.create({"urn": 812345, "name": "Fernbank Primary School",
                           "partnership_status": "partner"})
    asha = people.create({"first_name": "Asha", "last_name": "Verma", "email": "asha@example.org"})
    ben = people.create({"first_name": "Ben", "last_name": "Okafor", "email": "ben@example.org"})
    roles.create({"person": asha.id, "school": fern.id, "kind": "headteacher"})
    roles.create({"person": ben.id, "school": fern.id, "kind": "headteacher",
                  "start_date": date(2001, 1, 1), "end_date": date(2002, 1, 1)})
    group = events.create({"title": "Strategic working group", "kind": "working_group",
                           "held_on": date(2025, 11, 12)})
    attendance.create({"event": group.id, "person": asha.id})
    return fern, asha, ben, group


def test_the_events_page_lists_events_with_how_many_came(qtbot, main_window):
    _seed()
    main_window.show_page("events")
    panel = main_window.current_page().panel
    wait_loaded(qtbot, panel)
    assert panel.model.rowCount() == 1
    texts = [panel.model.data(panel.model.index(0, c)) for c in range(panel.model.columnCount())]
    assert "Strategic working group" in texts and "Working group meeting" in texts


def test_ticking_led_in_the_event_editor_saves_it_and_ticks_came(qtbot, main_window):
    _fern, asha, _ben, group = _seed()
    editor = main_window.open_record("event", group.id)
    table = editor.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == "Asha Verma"
    assert table.item(0, 1).text() == "Fernbank Primary School"
    table.item(0, 4).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: EventAttendance.get(EventAttendance.person == asha.id).led)
    row = EventAttendance.get(EventAttendance.person == asha.id)
    assert row.attended
    assert editor.table.item(0, 3).checkState() == Qt.CheckState.Checked
    assert "led by Asha Verma" in editor.counts.text()
    editor.reject()


def test_add_people_puts_the_picked_person_on_the_list(qtbot, main_window, monkeypatch):
    _fern, _asha, ben, group = _seed()
    from ui.widgets import record_picker

    picks = [ben.id]

    def fake_exec(self):
        if not picks:
            return 0
        self.chosen = picks.pop()
        return 1

    monkeypatch.setattr(record_picker.PickerDialog, "exec", fake_exec)
    editor = main_window.open_record("event", group.id)
    editor.add_button.click()
    assert EventAttendance.select().where(EventAttendance.person == ben.id).count() == 1
    assert {editor.table.item(r, 0).text() for r in range(editor.table.rowCount())} == {
        "Asha Verma", "Ben Okafor"}
    editor.reject()


def test_the_person_editor_saves_no_newsletters(qtbot, main_window):
    _fern, asha, _ben, _group = _seed()
    editor = main_window.open_record("person", asha.id)
    box = editor.widgets["no_newsletters"]
    assert not box.isChecked()
    box.setChecked(True)
    assert editor.save()
    qtbot.waitUntil(lambda: Person.get_by_id(asha.id).no_newsletters)


def test_the_contact_list_counts_as_you_choose_and_copies_the_addresses(qtbot, main_window):
    _seed()
    from ui.dialogs.contact_list import open_contact_list

    dialog = open_contact_list(main_window)
    qtbot.waitUntil(lambda: dialog.result_list is not None)
    assert "1 person" in dialog.count.text()  # the current head only, not the past one
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == "asha@example.org"
    people.update(Person.get(Person.email == "asha@example.org").id, {"no_newsletters": True})
    dialog.subject.setText(" ")  # any change recounts
    dialog.recount()
    qtbot.waitUntil(lambda: dialog.result_list is not None)
    assert "0 people" in dialog.count.text() and "1 asked for no newsletters" in dialog.count.text()
    assert not dialog.save_button.isEnabled()
    dialog.reject()


def test_the_contact_list_saves_a_csv(qtbot, main_window, monkeypatch, tmp_path):
    _seed()
    from ui.dialogs import contact_list

    target = tmp_path / "heads.csv"
    monkeypatch.setattr(contact_list, "ask_save_path", lambda *a, **k: target)
    monkeypatch.setattr(contact_list, "offer_to_open", lambda *a, **k: None)
    dialog = contact_list.open_contact_list(main_window)
    qtbot.waitUntil(lambda: dialog.result_list is not None)
    dialog.save_button.click()
    qtbot.waitUntil(target.exists)
    assert "asha@example.org" in target.read_text(encoding="utf-8-sig")
    dialog.reject()


def test_the_school_editor_shows_engagement_year_by_year(qtbot, main_window):
    fern, asha, _ben, group = _seed()
    attendance.set_flags(EventAttendance.get(EventAttendance.person == asha.id).id, led=True)
    editor = main_window.open_record("school", fern.id)
    text = editor.engagement.toPlainText()
    assert "2025/26" in text and "came to 1 of 1 meetings" in text and "Led sessions: Asha Verma" in text
    editor.reject()


@pytest.mark.slow
def test_the_import_wizard_takes_a_sign_in_sheet_for_the_event_chosen(qtbot, main_window, tmp_path):
    from ui.dialogs.import_wizard import ImportWizard

    _fern, _asha, _ben, group = _seed()
    other = events.create({"title": "Webinar", "kind": "webinar", "held_on": date(2026, 1, 5)})
    path = tmp_path / "sign-in.csv"
    path.write_text("Name,Email,Present\nBen Okafor,ben@example.org,yes\n", encoding="utf-8")
    main_window.import_act.trigger()
    wizard = main_window._import_wizard
    wizard.set_path(path)
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(path), timeout=10000)
    assert wizard.file_page.kind_combo.currentData() != "attendance"  # never guessed: it needs its event
    assert not wizard.file_page.event_combo.isVisible()
    wizard.file_page.kind_combo.setCurrentIndex(wizard.file_page.kind_combo.findData("attendance"))
    assert wizard.file_page.event_combo.isVisible()
    assert [wizard.file_page.event_combo.itemData(i) for i in range(wizard.file_page.event_combo.count())] == [
        other.id, group.id]  # newest first
    wizard.file_page.event_combo.setCurrentIndex(wizard.file_page.event_combo.findData(group.id))

    def wait_page(page):
        qtbot.waitUntil(lambda: wizard.currentId() == page and wizard.task is None,
                        timeout=20000)

    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(ImportWizard.PAGE_MAPPING)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(ImportWizard.PAGE_PREVIEW)
    assert wizard.preview_page.add_model.rowCount() == 1
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=20000)
    row = EventAttendance.get(EventAttendance.person == Person.get(Person.email == "ben@example.org"))
    assert (row.event_id, row.attended) == (group.id, True)
    wizard.reject()


def test_a_persons_development_record_lists_the_events_they_led_or_came_to(qtbot, main_window,
                                                                           tmp_path):
    from python_calamine import CalamineWorkbook

    from ittdesk.queries.person_record import export_development_record

    _fern, asha, _ben, group = _seed()
    attendance.set_flags(EventAttendance.get(EventAttendance.person == asha.id).id, led=True)
    editor = main_window.open_record("person", asha.id)
    assert "Strategic working group (12/11/2025): led it" in editor.record.toPlainText()
    editor.reject()
    out = export_development_record(asha.id, tmp_path / "record.xlsx")
    cells = [c for row in CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
             for c in row]
    assert "Events" in cells and "Strategic working group" in cells and "led it" in cells


def test_a_new_event_is_made_from_the_events_page(qtbot, main_window):
    main_window.show_page("events")
    wait_loaded(qtbot, main_window.current_page().panel)
    main_window.new_act.trigger()
    editor = main_window._editors[-1]
    assert not editor.tabs.isTabEnabled(1)  # the attendance list once the event is saved
    editor.widgets["title"].setText("Mentor conference")
    editor.widgets["kind"].set_value("conference")
    editor.widgets["held_on"].setText("02/07/2026")
    assert editor.save()
    qtbot.waitUntil(lambda: events.model.select().where(events.model.title == "Mentor conference").exists())
    event = events.model.get(events.model.title == "Mentor conference")
    assert (event.kind, event.held_on) == ("conference", date(2026, 7, 2))
