"""Editors that behave (issue 15 item 9): the first field has the focus, warnings do not move the
fields, messages go once a field is fixed, new programmes and people are chosen where they were
made, Ctrl+Z goes back one field change, and Edit > Undo undoes the last saved edit."""

from __future__ import annotations

from datetime import timedelta

import gui_helpers as gui
import pytest
from gui_helpers import tasks_idle, wait_loaded
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.models import AuditEntry, Person, Programme, School
from ittdesk.services.people import mentor_training, people, roles
from ittdesk.services.programmes import cohorts, enrolments, placements, programmes
from ittdesk.services.schools import schools

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def activate(qtbot, editor) -> None:
    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)


def type_into(qtbot, editor, name: str, text: str) -> None:
    widget = editor.widgets[name]
    target = getattr(widget, "line", widget)
    target.clear()
    qtbot.keyClicks(target, text)


def test_typing_straight_after_ctrl_n_goes_into_the_first_field(qtbot, main_window):
    main_window.show_page("schools")
    wait_loaded(qtbot, main_window.current_page().panel)
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window)
    qtbot.keyClick(main_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(main_window._editors))
    editor = main_window._editors[-1]
    activate(qtbot, editor)
    qtbot.keyClicks(QApplication.focusWidget(), "123456")
    assert editor.widgets["urn"].text() == "123456"


def test_typing_on_a_picker_first_field_searches_with_what_was_typed(qtbot, main_window):
    editor = main_window.open_record("placement", None)
    activate(qtbot, editor)
    picker = editor.widgets["enrolment"]
    opened = []

    class Dialog:
        """Stands in for the search dialog: records the search it was opened with."""

        def __init__(self, *args, **kwargs):
            from PySide6.QtWidgets import QLineEdit

            self.search = QLineEdit()
            self.chosen = None

        def exec(self):
            opened.append(self.search.text())
            return 0

    picker.picker_factory = Dialog
    assert QApplication.focusWidget() is picker.choose_button
    qtbot.keyClicks(QApplication.focusWidget(), "L")
    assert opened == ["L"]


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
        made.append(enrolments.create({"person": trainee.id, "cohort": cohort.id,
                                       "status": "enrolled"}))
    start = year.start + timedelta(days=30)
    placements.create({"enrolment": made[0].id, "school": school.id, "mentor": mentor.id,
                       "start_date": start, "end_date": start + timedelta(days=60)})
    return school, mentor, made, start


def test_the_mentor_warning_appearing_does_not_move_the_fields_below_it(qtbot, main_window):
    school, mentor, made, start = _placement_world()
    editor = main_window.open_record("placement", None)
    qtbot.waitExposed(editor)
    editor.widgets["enrolment"].set_value(made[1].id)
    editor.widgets["school"].set_value(school.id)
    type_into(qtbot, editor, "start_date", start.strftime("%d/%m/%Y"))
    type_into(qtbot, editor, "end_date", (start + timedelta(days=10)).strftime("%d/%m/%Y"))
    QApplication.processEvents()
    below = [editor.widgets[name] for name in ("kind", "start_date", "end_date", "subject")]
    before = [w.mapTo(editor, QPoint(0, 0)) for w in below]
    editor.widgets["mentor"].set_value(mentor.id)
    QApplication.processEvents()
    warning = editor.errors["mentor"]
    assert "capacity is 1" in warning.text()
    assert [w.mapTo(editor, QPoint(0, 0)) for w in below] == before


def test_a_fields_message_goes_as_soon_as_it_is_fixed(qtbot, main_window):
    editor = main_window.open_record("school", None)
    type_into(qtbot, editor, "urn", "12AB")
    assert not editor.save()
    assert editor.errors["urn"].isVisible() and editor.errors["name"].isVisible()
    type_into(qtbot, editor, "urn", "123")  # still not a URN: the message stays
    assert editor.errors["urn"].isVisible()
    type_into(qtbot, editor, "urn", "123456")
    assert not editor.errors["urn"].isVisible() and editor.errors["urn"].text() == ""
    assert editor.errors["name"].isVisible() and editor.banner.isVisible()
    type_into(qtbot, editor, "name", "Fernbank")
    assert not editor.errors["name"].isVisible()
    assert not editor.banner.isVisible()


def test_a_programme_made_from_the_cohort_editor_is_chosen_for_the_cohort(qtbot, main_window):
    programmes.create({"name": "Another programme", "kind": "itt"})
    editor = main_window.open_record("cohort", None)
    editor.findChild(QPushButton, "new_programme").click()
    programme_editor = main_window._editors[-1]
    assert programme_editor is not editor
    type_into(qtbot, programme_editor, "name", "Secondary SCITT")
    programme_editor.widgets["kind"].set_value("itt")
    assert programme_editor.save()
    made = Programme.get(Programme.name == "Secondary SCITT")
    assert editor.widgets["programme"].value() == made.id


def test_new_person_in_a_picker_makes_the_person_and_chooses_them(qtbot, main_window):
    school = schools.create({"urn": 123456, "name": "Fernbank"})
    editor = main_window.open_record("role", None, school=school.id)
    picker = editor.widgets["person"]
    assert picker.new_button is not None and picker.new_button.text() == "New person…"
    picker.new_button.click()
    person_editor = main_window._editors[-1]
    assert person_editor is not editor and person_editor.service.entity == "person"
    type_into(qtbot, person_editor, "first_name", "Nadia")
    type_into(qtbot, person_editor, "last_name", "Okafor")
    assert person_editor.save()
    made = Person.get(Person.last_name == "Okafor")
    assert picker.value() == made.id and "Nadia Okafor" in picker.label.text()


def test_ctrl_z_in_an_editor_goes_back_one_field_change_across_fields(qtbot, main_window):
    editor = main_window.open_record("school", None)
    activate(qtbot, editor)
    type_into(qtbot, editor, "urn", "123456")
    type_into(qtbot, editor, "name", "Fernbank")
    phase = editor.widgets["phase"]
    phase.setFocus()
    phase.set_value("primary")
    qtbot.keyClick(phase, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert phase.value() is None
    assert editor.widgets["name"].text() == "Fernbank"
    # the focus is on the drop-down again: the next Ctrl+Z takes back the whole name
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.widgets["name"].text() == ""
    assert editor.widgets["urn"].text() == "123456"


def test_ctrl_z_in_a_text_box_first_undoes_its_own_typing(qtbot, main_window):
    editor = main_window.open_record("school", None)
    activate(qtbot, editor)
    type_into(qtbot, editor, "urn", "123456")
    name = editor.widgets["name"]
    name.setFocus()
    qtbot.keyClicks(name, "Fernbank")
    qtbot.keyClick(name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert name.text() != "Fernbank"  # the box's own undo took back typing
    assert editor.widgets["urn"].text() == "123456"
    while name.isUndoAvailable():
        qtbot.keyClick(name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert name.text() == ""
    qtbot.keyClick(name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.widgets["urn"].text() == ""  # nothing left in the box: the field before it


def test_edit_undo_takes_back_the_last_saved_edit(qtbot, main_window):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary", "postcode": "LS1 1AA"})
    editor = main_window.open_record("school", school.id)
    type_into(qtbot, editor, "name", "Fernbank Academy")
    type_into(qtbot, editor, "postcode", "LS2 2BB")
    assert editor.save()
    assert School.get_by_id(school.id).name == "Fernbank Academy"
    assert main_window.undo_act.isEnabled()
    assert main_window.undo_act.text() == f"&Undo edit of {schools.describe(School.get_by_id(school.id))}"
    main_window.undo_act.trigger()
    qtbot.waitUntil(tasks_idle)  # the undo is a write on a worker (ui.operations)
    back = School.get_by_id(school.id)
    assert (back.name, back.postcode) == ("Fernbank Primary", "LS1 1AA")
    assert AuditEntry.select().order_by(AuditEntry.id.desc()).get().note.startswith("undo of edit")
    assert not main_window.undo_act.isEnabled()


def test_a_save_over_another_users_change_to_the_same_field_is_refused_keeping_what_was_typed(
        qtbot, main_window, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from ui.dialogs.conflict import ConflictDialog

    asked: list[dict] = []

    def cancel(dialog: ConflictDialog) -> QDialog.DialogCode:  # the user presses Cancel there
        asked.append(dict(dialog.error.fields))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ConflictDialog, "exec", cancel)
    school = schools.create({"urn": 123457, "name": "Oakfield Primary"})
    editor = main_window.open_record("school", school.id)
    schools.update(school.id, {"phone": "01632 960001"})  # another user, meanwhile
    type_into(qtbot, editor, "phone", "01632 960002")
    assert not editor.save()
    assert asked == [{"phone": (None, "01632 960001", "01632 960002")}]  # theirs and yours shown
    assert editor.banner.isVisible()
    assert "while you were editing: Phone" in editor.banner.text()
    assert editor.widgets["phone"].text() == "01632 960002"  # nothing typed is lost
    assert School.get_by_id(school.id).phone == "01632 960001"  # nor theirs overwritten
    assert editor.isVisible()


def test_a_save_over_another_users_change_to_other_fields_keeps_both(qtbot, main_window):
    school = schools.create({"urn": 123458, "name": "Oakfield Primary"})
    editor = main_window.open_record("school", school.id)
    schools.update(school.id, {"town": "Leeds"})  # another user, meanwhile
    type_into(qtbot, editor, "phone", "01632 960002")
    assert editor.save()
    row = School.get_by_id(school.id)
    assert (row.town, row.phone) == ("Leeds", "01632 960002")
