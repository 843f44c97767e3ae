"""The school editor says who leads the school now, who starts later, and changes a holder with
the one change-holder dialog (issue 15)."""

from __future__ import annotations

from datetime import date

import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton

from ittdesk.models import Role
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools
from ui.dialogs.change_holder import ChangeHolderDialog

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def test_the_head_appointed_for_later_shows_from_their_first_day_not_as_now(qtbot, main_window,
                                                                            set_today):
    set_today(date(2026, 12, 7))
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary School"})
    ada = people.create({"first_name": "Ada", "last_name": "Greaves"})
    ben = people.create({"first_name": "Ben", "last_name": "Naylor"})
    roles.create({"person": ada.id, "school": school.id, "kind": "headteacher",
                  "start_date": "01/09/2019", "end_date": "28/02/2027"})
    roles.create({"person": ben.id, "school": school.id, "kind": "headteacher",
                  "start_date": "01/03/2027"})
    editor = main_window.open_record("school", school.id)
    text = editor.leadership.toPlainText()
    now = text[text.index("Leadership now"):text.index("Starting later")]
    assert "Ada Greaves" in now and "Ben Naylor" not in now
    assert "Ben Naylor · Headteacher, from 01/03/2027" in text
    assert "Headteacher: Ada Greaves — 01/09/2019 – 28/02/2027 (now)" in text
    assert "Headteacher: Ben Naylor — from 01/03/2027 edit" in text and text.count("(now)") == 1
    person = main_window.open_record("person", ben.id)
    assert "Headteacher at Ashby Moor Primary School — from 01/03/2027 edit" in \
        person.roles.toPlainText()


def test_change_holder_in_the_school_editor_is_the_one_dialog_with_someone_new(
        qtbot, main_window, monkeypatch):
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary School"})
    editor = main_window.open_record("school", school.id)
    shown: list[QDialog] = []

    def exec_(dialog) -> int:
        shown.append(dialog)
        dialog.new.setChecked(True)
        qtbot.keyClicks(dialog.first_name, "Nadia")
        qtbot.keyClicks(dialog.last_name, "Holroyd")
        dialog.on.setText("1/3/2027")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(ChangeHolderDialog, "exec", exec_)
    button = editor.findChild(QPushButton, "button_change_holder")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(shown) == 1 and type(shown[0]) is ChangeHolderDialog
    role = Role.get(Role.school == school.id)
    assert (role.kind, role.person.full_name, role.start_date) == (
        "headteacher", "Nadia Holroyd", date(2027, 3, 1))
