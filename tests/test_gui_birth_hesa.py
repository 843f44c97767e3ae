"""The person editor's Date of birth and the enrolment editor's HESA ID (issue 14): typed,
checked beside the field, saved and shown again."""

from __future__ import annotations

from datetime import date

import gui_helpers as gui
import pytest

from ittdesk.models import Enrolment, Person
from ittdesk.services.people import people
from ittdesk.services.programmes import cohorts, enrolments, programmes
from ui.widgets.date_edit import DateEdit

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def type_into(qtbot, editor, name: str, text: str) -> None:
    widget = editor.widgets[name]
    target = getattr(widget, "line", widget)
    target.clear()
    qtbot.keyClicks(target, text)


def test_the_person_editor_takes_a_date_of_birth_and_refuses_one_in_the_future(qtbot, main_window):
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    editor = main_window.open_record("person", person.id)
    assert isinstance(editor.widgets["date_of_birth"], DateEdit)
    assert editor.widgets["date_of_birth"].accessibleName() == "Date of birth"
    type_into(qtbot, editor, "date_of_birth", "1/1/3000")
    assert not editor.save()
    assert "in the future" in editor.errors["date_of_birth"].text()
    type_into(qtbot, editor, "date_of_birth", "8/5/1990")
    assert editor.save()
    assert Person.get_by_id(person.id).date_of_birth == date(1990, 5, 8)
    again = main_window.open_record("person", person.id)
    assert again.widgets["date_of_birth"].text() == "08/05/1990"


def test_the_enrolment_editor_takes_a_hesa_id_and_refuses_a_short_one(qtbot, main_window):
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    programme = programmes.create({"name": "School Direct", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "2025",
                             "academic_year": "2025/26"})
    enrolment = enrolments.create({"person": person.id, "cohort": cohort.id})
    editor = main_window.open_record("enrolment", enrolment.id)
    assert editor.widgets["hesa_id"].accessibleName() == "HESA ID"
    type_into(qtbot, editor, "hesa_id", "12345")
    assert not editor.save()
    assert "is not a HESA ID (13 or 17 digits)" in editor.errors["hesa_id"].text()
    type_into(qtbot, editor, "hesa_id", "0123456789012")
    assert editor.save()
    assert Enrolment.get_by_id(enrolment.id).hesa_id == "0123456789012"
