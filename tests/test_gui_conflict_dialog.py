"""The conflict dialog (issue 19): when someone else saved the same fields while you were
editing, theirs and yours are shown side by side in words, and the user keeps either, field by
field or all at once; Cancel goes back with nothing chosen."""

from __future__ import annotations

from datetime import date, datetime

import gui_helpers as gui
import pytest
from conflict_examples import conflict, school_conflict
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton, QRadioButton

from ittdesk.services.people import people
from ui.dialogs.conflict import ConflictDialog

pytestmark = pytest.mark.gui
main_window = gui.main_window


def _shown(qtbot, parent, error) -> ConflictDialog:
    dialog = ConflictDialog(parent, error)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _texts(dialog: QDialog) -> str:
    return "\n".join([label.text() for label in dialog.findChildren(QLabel)]
                     + [b.text() for b in dialog.findChildren(QRadioButton)])


def test_both_sides_are_shown_in_words_with_who_and_when(qtbot, main_window):
    dialog = _shown(qtbot, main_window, school_conflict())
    intro = dialog.findChild(QLabel, "conflictIntro").text()
    assert "Jo Bloggs" in intro and "Ashby Moor Primary School" in intro
    assert "Phase, Partner since, Notes" in intro
    local = datetime(2026, 12, 7, 10, 42).replace(tzinfo=__import__("datetime").UTC).astimezone()
    assert f"{local:%H:%M} on 07/12/2026" in intro
    assert dialog.findChild(QRadioButton, "theirs_phase").text() == "Secondary"
    assert dialog.findChild(QRadioButton, "yours_phase").text() == "All-through"
    assert dialog.findChild(QRadioButton, "theirs_partnership_since").text() == "01/09/2025"
    assert dialog.findChild(QRadioButton, "yours_partnership_since").text() == "05/01/2026"
    assert "you saw: Primary" in dialog.findChild(QLabel, "label_phase").text()
    assert "you saw: (empty)" in dialog.findChild(QLabel, "label_partnership_since").text()
    assert "all_through" not in _texts(dialog) and "2025-09-01" not in _texts(dialog)
    dialog.reject()


def test_money_and_people_read_as_the_editor_shows_them(qtbot, main_window):
    lead = people.create({"first_name": "Ada", "last_name": "Okafor"})
    error = conflict(
        "agreement", label="Agreement 1", who="Sam",
        fields={"amount_agreed_pence": (0, 125050, "1,300.5"),
                "qa_lead": (None, lead.id, None)},
        labels={"amount_agreed_pence": "Amount agreed", "qa_lead": "QA lead"})
    dialog = _shown(qtbot, main_window, error)
    assert dialog.findChild(QRadioButton, "theirs_amount_agreed_pence").text() == "£1,250.50"
    assert dialog.findChild(QRadioButton, "yours_amount_agreed_pence").text() == "£1,300.50"
    assert "you saw: £0.00" in dialog.findChild(QLabel, "label_amount_agreed_pence").text()
    assert dialog.findChild(QRadioButton, "theirs_qa_lead").text() == "Ada Okafor"
    assert dialog.findChild(QRadioButton, "yours_qa_lead").text() == "(empty)"
    dialog.reject()


def test_save_my_choices_returns_the_value_chosen_for_each_field(qtbot, main_window):
    error = school_conflict()
    dialog = _shown(qtbot, main_window, error)
    assert dialog.save_button.isDefault()
    qtbot.mouseClick(dialog.findChild(QRadioButton, "theirs_phase"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.findChild(QRadioButton, "theirs_notes"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.values() == {"phase": "secondary", "partnership_since": date(2026, 1, 5),
                               "notes": "Head prefers e-mail."}


@pytest.mark.parametrize("button, side", [("theirs_button", 1), ("mine_button", 2)])
def test_keep_all_takes_one_side_for_every_field_and_closes(qtbot, main_window, button, side):
    error = school_conflict()
    dialog = _shown(qtbot, main_window, error)
    qtbot.mouseClick(dialog.findChild(QRadioButton, "theirs_phase"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(getattr(dialog, button), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.values() == {name: values[side] for name, values in error.fields.items()}


def test_every_choice_is_reached_by_the_keyboard_and_enter_saves(qtbot, main_window):
    error = school_conflict()
    dialog = _shown(qtbot, main_window, error)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()), timeout=3000)
    assert QApplication.focusWidget() is dialog.findChild(QRadioButton, "yours_phase")
    chosen: dict[str, str] = {}
    for _ in range(12):  # Tab through the dialog; on each row: Space picks, an arrow the other side
        focused = QApplication.focusWidget()
        side, _, name = focused.objectName().partition("_")
        if isinstance(focused, QRadioButton) and name not in chosen:
            QTest.keyClick(focused, Qt.Key.Key_Space)
            assert focused.isChecked()
            other = "yours" if side == "theirs" else "theirs"
            QTest.keyClick(focused, Qt.Key.Key_Right if other == "yours" else Qt.Key.Key_Left)
            button = dialog.findChild(QRadioButton, f"{other}_{name}")
            assert button.hasFocus() and button.isChecked()
            chosen[name] = other
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert chosen.keys() == error.fields.keys() and dialog.choices() == chosen
    assert [b for b in dialog.findChildren(QPushButton) if b.isDefault()] == [dialog.save_button]
    while not isinstance(QApplication.focusWidget(), QRadioButton):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Enter on a choice saves
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.values() == {name: values[2 if chosen[name] == "yours" else 1]
                               for name, values in error.fields.items()}


def test_escape_cancels_with_nothing_chosen(qtbot, main_window):
    dialog = _shown(qtbot, main_window, school_conflict())
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()


def test_long_notes_are_shown_in_full_under_their_choice(qtbot, main_window):
    long_notes = "Line one of the notes.\n" + "word " * 40
    error = school_conflict()
    error.fields["notes"] = ("", "short", long_notes)
    dialog = _shown(qtbot, main_window, error)
    assert len(dialog.findChild(QRadioButton, "yours_notes").text()) <= 60
    assert dialog.findChild(QLabel, "full_yours_notes").text() == long_notes
    assert dialog.findChild(QLabel, "full_theirs_notes") is None
    dialog.reject()
