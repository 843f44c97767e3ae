"""An editor whose record another user saved meanwhile (issue 19): a change to a field you
changed too opens the conflict dialog, theirs and yours side by side; what you choose is saved
(your other changes with it, their other changes kept); Cancel keeps the form as you left it.
The other user writes on a connection of its own (another thread), between load and save."""

from __future__ import annotations

import threading
from collections.abc import Callable

import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QRadioButton

from ittdesk.models import School, database
from ittdesk.services.schools import schools
from ui.dialogs.conflict import ConflictDialog

pytestmark = pytest.mark.gui
main_window = gui.main_window


def another_user_saves(school_id: int, data: dict) -> None:
    """A save on another connection: a thread has its own, as another computer would."""
    failure: list[BaseException] = []

    def save() -> None:
        try:
            with database.connection_context():
                schools.update(school_id, data)
        except BaseException as exc:  # noqa: BLE001 - reported on the test's thread
            failure.append(exc)

    thread = threading.Thread(target=save)
    thread.start()
    thread.join()
    assert failure == []


_timers: list[QTimer] = []


def answer_conflict(qtbot, answer: Callable[[ConflictDialog], None]) -> list[ConflictDialog]:
    """From now on, when the conflict dialog opens (modal, from the save), ``answer`` it;
    returns those seen."""
    _stop_all()
    seen: list[ConflictDialog] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ConflictDialog) and dialog.isVisible() and dialog not in seen:
            seen.append(dialog)
            answer(dialog)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    _timers.append(timer)  # kept alive until the test ends
    return seen


def _stop_all() -> None:
    for timer in _timers:
        timer.stop()
    _timers.clear()


@pytest.fixture(autouse=True)
def _stop_timers(qt_settings, monkeypatch):
    gui.answer_conflicts_for_real(monkeypatch)
    yield
    _stop_all()


@pytest.fixture
def school(main_window):
    return schools.create({"urn": 100001, "name": "Ashby Moor Primary School",
                           "phase": "primary", "phone": "01632 960000"})


def edit(qtbot, window, school_id: int):
    editor = window.open_record("school", school_id)
    qtbot.waitUntil(editor.isVisible)
    editor.set_widget_value("phase", "all_through")
    editor.widgets["notes"].setPlainText("Call the office first.")
    return editor


def test_the_same_field_changed_meanwhile_asks_and_saves_what_you_keep(qtbot, main_window, school):
    editor = edit(qtbot, main_window, school.id)
    another_user_saves(school.id, {"phase": "secondary", "website": "https://ashby.example"})

    def keep_mine_for_phase(dialog: ConflictDialog) -> None:
        assert list(dialog.error.fields) == ["phase"]
        assert dialog.findChild(QRadioButton, "theirs_phase").text() == "Secondary"
        assert dialog.findChild(QRadioButton, "yours_phase").text() == "All-through"
        qtbot.mouseClick(dialog.findChild(QRadioButton, "yours_phase"), Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    seen = answer_conflict(qtbot, keep_mine_for_phase)
    assert editor.save()
    assert len(seen) == 1
    saved = School.get_by_id(school.id)
    assert saved.phase == "all_through"  # chosen
    assert saved.notes == "Call the office first."  # your other change
    assert saved.website == "https://ashby.example"  # their other change, merged
    assert saved.phone == "01632 960000"


def test_keep_all_theirs_keeps_their_value_and_saves_your_other_changes(qtbot, main_window, school):
    editor = edit(qtbot, main_window, school.id)
    another_user_saves(school.id, {"phase": "secondary"})
    seen = answer_conflict(qtbot, lambda d: qtbot.mouseClick(d.theirs_button,
                                                             Qt.MouseButton.LeftButton))
    assert editor.save()
    assert len(seen) == 1
    saved = School.get_by_id(school.id)
    assert saved.phase == "secondary" and saved.notes == "Call the office first."


def test_cancel_saves_nothing_and_keeps_the_form_as_you_left_it(qtbot, main_window, school):
    editor = edit(qtbot, main_window, school.id)
    another_user_saves(school.id, {"phase": "secondary"})
    seen = answer_conflict(qtbot, lambda d: d.reject())
    assert not editor.save()
    assert len(seen) == 1 and editor.isVisible()
    assert editor.get_widget_value("phase") == "all_through"
    assert editor.widgets["notes"].toPlainText() == "Call the office first."
    assert "Not saved" in editor.banner.text() and "Phase" in editor.banner.text()
    saved = School.get_by_id(school.id)
    assert saved.phase == "secondary" and saved.notes is None
    # Saving again asks again: nothing of theirs is overwritten without a choice.
    again = answer_conflict(qtbot, lambda d: qtbot.mouseClick(d.mine_button,
                                                              Qt.MouseButton.LeftButton))
    assert editor.save()
    assert len(again) == 1 and School.get_by_id(school.id).phase == "all_through"


def test_a_different_field_changed_meanwhile_merges_without_asking(qtbot, main_window, school):
    editor = edit(qtbot, main_window, school.id)
    another_user_saves(school.id, {"website": "https://ashby.example"})
    seen = answer_conflict(qtbot, lambda d: d.reject())
    assert editor.save()
    assert seen == []
    saved = School.get_by_id(school.id)
    assert saved.phase == "all_through" and saved.website == "https://ashby.example"
