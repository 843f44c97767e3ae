"""Editors driven like a user: type, save, see messages beside fields, see related records."""

from __future__ import annotations

from datetime import date, timedelta

import gui_helpers as gui
import pytest
from gui_helpers import search, wait_loaded
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QMessageBox

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.models import Enrolment, Role, School
from ittdesk.services.people import mentor_training, people, roles
from ittdesk.services.programmes import cohorts, enrolments, placements, programmes
from ittdesk.services.schools import schools

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window
demo_window = gui.demo_window


def save_with_keyboard(qtbot, editor) -> None:
    from PySide6.QtWidgets import QApplication

    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def type_into(qtbot, editor, name: str, text: str) -> None:
    widget = editor.widgets[name]
    target = getattr(widget, "line", widget)
    target.clear()
    qtbot.keyClicks(target, text)


def test_create_a_school_through_its_form_and_find_it_by_search(qtbot, main_window):
    main_window.show_page("schools")
    panel = main_window.current_page().panel
    wait_loaded(qtbot, panel)
    main_window.new_act.trigger()
    editor = main_window._editors[-1]
    type_into(qtbot, editor, "urn", "123456")
    type_into(qtbot, editor, "name", "Fernbank Primary School")
    editor.widgets["phase"].set_value("primary")
    type_into(qtbot, editor, "postcode", "ls1 1aa")
    type_into(qtbot, editor, "partnership_since", "1/9/2020")
    save_with_keyboard(qtbot, editor)
    qtbot.waitUntil(lambda: not editor.isVisible())
    school = School.get()
    assert (school.urn, school.postcode, school.partnership_since) == (123456, "LS1 1AA", date(2020, 9, 1))
    search(qtbot, panel, "fernbank")
    assert panel.model.rowCount() == 1
    assert panel.model.data(panel.model.index(0, 0)) == "Fernbank Primary School"


def test_an_invalid_urn_is_refused_with_the_message_next_to_the_field(qtbot, main_window):
    editor = main_window.open_record("school", None)
    type_into(qtbot, editor, "urn", "12AB")
    type_into(qtbot, editor, "email", "not-an-email")
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    assert editor.isVisible()
    assert editor.errors["urn"].isVisible()
    assert "is not a URN (5 to 7 digits)" in editor.errors["urn"].text()
    assert "Name is required" in editor.errors["name"].text()
    assert "not an email address" in editor.errors["email"].text()
    assert not editor.errors["phase"].isVisible()
    assert School.select().count() == 0
    type_into(qtbot, editor, "urn", "123456")
    type_into(qtbot, editor, "name", "Fernbank")
    type_into(qtbot, editor, "email", "office@fernbank.example.org")
    assert editor.save()
    assert School.get().email == "office@fernbank.example.org"


def test_edit_a_persons_role_and_see_the_history(qtbot, main_window):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    role = roles.create({"person": person.id, "school": school.id, "kind": "headteacher",
                         "start_date": "01/09/2018"})
    editor = main_window.open_record("person", person.id)
    history = editor.roles
    assert "Headteacher" in history.toPlainText() and "(now)" in history.toPlainText()
    history.anchorClicked.emit(QUrl(f"record:role/{role.id}"))
    role_editor = main_window._editors[-1]
    assert role_editor.instance.id == role.id
    type_into(qtbot, role_editor, "end_date", "31/8/2025")
    save_with_keyboard(qtbot, role_editor)
    qtbot.waitUntil(lambda: not role_editor.isVisible())
    assert Role.get_by_id(role.id).end_date == date(2025, 8, 31)
    text = history.toPlainText()
    assert "01/09/2018 – 31/08/2025" in text and "(now)" not in text


def test_a_school_change_of_head_keeps_who_was_head_when(qtbot, main_window, monkeypatch):
    from ui.dialogs.change_holder import ChangeHolderDialog

    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    old = people.create({"first_name": "Ada", "last_name": "Greaves"})
    new = people.create({"first_name": "Ben", "last_name": "Naylor"})
    roles.create({"person": old.id, "school": school.id, "kind": "headteacher", "start_date": "01/09/2018"})
    editor = main_window.open_record("school", school.id)
    dialog = ChangeHolderDialog(school.id, "headteacher", editor)
    qtbot.addWidget(dialog)
    dialog.picker.set_value(new.id)
    dialog.on.setText("6/1/2025")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted  # its write announced the change
    text = editor.leadership.toPlainText()
    assert "Headteacher: Ben Naylor — since 06/01/2025 (now)" in text
    assert "Headteacher: Ada Greaves — 01/09/2018 – 05/01/2025" in text


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_what_was_typed(qtbot, main_window,
                                                                          monkeypatch):
    editor = main_window.open_record("school", None)
    type_into(qtbot, editor, "name", "Half-typed School")
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.isVisible() and editor.widgets["name"].text() == "Half-typed School"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not editor.isVisible())
    assert School.select().count() == 0


def test_a_date_field_takes_typed_uk_dates_and_tidies_them(qtbot):
    from ui.widgets.date_edit import DateEdit

    field = DateEdit()
    qtbot.addWidget(field)
    qtbot.keyClicks(field.line, "3 Sept 2025")
    field.line.editingFinished.emit()
    assert field.text() == "03/09/2025" and field.date() == date(2025, 9, 3)
    field.setText("31/02/2025")
    field.line.editingFinished.emit()
    assert field.text() == "31/02/2025" and field.date() is None  # left for the service to explain


def _placement_world():
    year = AcademicYear.current()
    programme = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "Cohort 6", "academic_year": year})
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    mentor = people.create({"first_name": "Maya", "last_name": "Kershaw"})
    roles.create({"person": mentor.id, "school": school.id, "kind": "mentor", "capacity": 1})
    mentor_training.create({"person": mentor.id, "kind": "initial", "completed_on": clock.today()})
    made = []
    for name in ("Ivy", "Leo"):
        trainee = people.create({"first_name": name, "last_name": "Lumb"})
        made.append(enrolments.create({"person": trainee.id, "cohort": cohort.id, "status": "enrolled"}))
    start = year.start + timedelta(days=30)
    placements.create({"enrolment": made[0].id, "school": school.id, "mentor": mentor.id,
                       "start_date": start, "end_date": start + timedelta(days=60)})
    return cohort, school, mentor, made, start


def test_placement_editor_warns_when_the_mentor_would_be_over_capacity(qtbot, main_window):
    _cohort, school, mentor, made, start = _placement_world()
    editor = main_window.open_record("placement", None)
    editor.widgets["enrolment"].set_value(made[1].id)
    editor.widgets["school"].set_value(school.id)
    type_into(qtbot, editor, "start_date", start.strftime("%d/%m/%Y"))
    type_into(qtbot, editor, "end_date", (start + timedelta(days=10)).strftime("%d/%m/%Y"))
    mentors = editor.widgets["mentor"]
    assert mentors.combo.findData(mentor.id) > 0  # offered: a mentor at the chosen school
    mentors.set_value(mentor.id)
    warning = editor.errors["mentor"]
    assert warning.isVisible() and "capacity is 1" in warning.text()
    assert editor.save()  # a warning, not a refusal
    qtbot.waitUntil(lambda: not editor.isVisible())


def test_cohort_bulk_status_change_is_all_or_nothing(qtbot, main_window, monkeypatch):
    cohort, _school, _mentor, made, _start = _placement_world()
    editor = main_window.open_record("cohort", cohort.id)
    panel = editor.enrolments
    wait_loaded(qtbot, panel)
    assert panel.model.rowCount() == 2
    assert "2 taken" in editor.places.text()
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    panel.select_ids([e.id for e in made])
    assert not editor.apply_status(panel.selected_ids(), "withdrawn")  # no date: refused
    assert "withdrawal date" in warned[0]
    assert {e.status for e in Enrolment.select()} == {"enrolled"}
    assert editor.apply_status(panel.selected_ids(), "withdrawn", clock.today())
    assert {e.status for e in Enrolment.select()} == {"withdrawn"}
    qtbot.waitUntil(lambda: "0 taken" in editor.places.text())


def test_the_school_editor_shows_leadership_mentors_and_placements(qtbot, demo_window):
    from ittdesk.models import Placement

    placed = Placement.select().where(Placement.mentor.is_null(False)).first()
    editor = demo_window.open_record("school", placed.school_id)
    assert "Leadership now" in editor.leadership.toPlainText()
    assert "Current mentors" in editor.mentors.toPlainText()
    assert placed.enrolment.person.full_name in editor.placements.toPlainText()
    assert editor.windowTitle().endswith(f"(URN {placed.school.urn})")


def test_the_record_picker_finds_a_school_by_typing(qtbot, demo_window):
    from ittdesk.queries.lists import SCHOOLS
    from ui.widgets.record_picker import PickerDialog

    dialog = PickerDialog(SCHOOLS, "Choose a school")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.has_loaded)
    qtbot.keyClicks(dialog.search, "Moorside Teaching")
    qtbot.waitUntil(lambda: dialog.model.search == "Moorside Teaching" and not dialog.model.is_loading())
    assert dialog.model.rowCount() == 1
    dialog.accept()
    assert School.get_by_id(dialog.chosen).name == "Moorside Teaching School Hub"


def test_ctrl_p_in_the_person_editor_previews_their_development_record(qtbot, main_window,
                                                                      monkeypatch):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    roles.create({"person": person.id, "school": school.id, "kind": "mentor"})
    printed = []
    import ui.print_dialogs

    monkeypatch.setattr(ui.print_dialogs, "print_preview",
                        lambda parent, html, **kw: printed.append((html, kw["title"])))
    editor = main_window.open_record("person", person.id)
    editor.activateWindow()
    from PySide6.QtWidgets import QApplication

    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClick(editor, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    html, title = printed[0]
    assert "Development record: Ada Greaves" in html and "Fernbank Primary School" in html
    assert "Ada Greaves" in title


def test_a_list_prints_what_it_shows_with_its_filters(qtbot, demo_window):
    demo_window.show_page("schools")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    panel.set_filter("la", "Westdale")
    qtbot.waitUntil(lambda: not panel.model.is_loading() and panel.model.rowCount() == 40)
    html, _landscape = panel.printable_html("Schools")
    assert "Local authority: Westdale" in html and "40 schools" in html
    assert html.count("<tr>") == 41  # header + 40 schools
    assert "Eastbridge" not in html
