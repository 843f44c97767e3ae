"""Editors do the work of a tab when it is first shown, not on open (issue 15 item 7: opening
an editor < 100 ms on a large database), and show the same once it is."""

from __future__ import annotations

from datetime import date

import gui_helpers as gui
import pytest
from gui_helpers import wait_loaded
from PySide6.QtWidgets import QWidget
from test_gui_editors import _placement_world

from ittdesk.models import Placement
from ui.editors import form, placement_editor, school_editor, simple_editors

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def test_the_school_editor_reads_its_related_records_when_a_related_tab_is_shown(
        qtbot, main_window, monkeypatch):
    _cohort, school, _mentor, _made, _start = _placement_world()
    calls = []
    real = school_editor.school_summary
    monkeypatch.setattr(school_editor, "school_summary", lambda i: calls.append(i) or real(i))
    editor = main_window.open_record("school", school.id)
    assert calls == []  # the Details tab is shown: nothing related read yet
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(editor._mentors.parentWidget()))
    assert calls == [school.id]
    assert "Maya Kershaw" in editor._mentors.toPlainText()
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(editor._placements.parentWidget()))
    assert calls == [school.id]  # one summary fills the four tabs
    assert "Lumb" in editor._placements.toPlainText()
    main_window.changes.announce({"role"})  # the tab showing is filled again
    assert calls == [school.id, school.id]


def test_the_cohort_editor_builds_its_enrolments_list_when_its_tab_is_shown(qtbot, main_window):
    cohort, *_rest = _placement_world()
    editor = main_window.open_record("cohort", cohort.id)
    assert editor.findChild(QWidget, "cohort_enrolments") is None
    assert "2 taken" in editor.places.text()  # the summary above the list is there already
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(editor.findChild(QWidget, "tab_enrolments")))
    panel = editor.findChild(QWidget, "cohort_enrolments")
    assert panel is not None and panel is editor.enrolments
    wait_loaded(qtbot, panel)
    assert panel.model.rowCount() == 2


def test_the_enrolment_editor_reads_its_placements_and_check_when_their_tab_is_shown(
        qtbot, main_window, monkeypatch):
    _cohort, school, _mentor, made, _start = _placement_world()
    summaries, checks = [], []
    real_summary, real_check = simple_editors.enrolment_summary, simple_editors.check_enrolment
    monkeypatch.setattr(simple_editors, "enrolment_summary",
                        lambda i: summaries.append(i) or real_summary(i))
    monkeypatch.setattr(simple_editors, "check_enrolment",
                        lambda i: checks.append(i) or real_check(i))
    editor = main_window.open_record("enrolment", made[0].id)
    assert (summaries, checks) == ([], [])  # the Details tab is shown: nothing related read yet
    page = editor.findChild(QWidget, "tab_placement_check")
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(page))
    qtbot.waitUntil(lambda: "Days in school" in editor._check.toPlainText(), timeout=10000)
    assert (summaries, checks) == ([], [made[0].id])
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(editor.findChild(QWidget, "tab_placements_and_links")))
    assert summaries == [made[0].id]
    assert school.name in editor._related.toPlainText()
    main_window.changes.announce({"placement"})  # the tab showing is read again, the other later
    assert summaries == [made[0].id, made[0].id] and checks == [made[0].id]
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(page))
    qtbot.waitUntil(lambda: len(checks) == 2, timeout=10000)
    editor.close()


def test_drop_downs_of_one_vocabulary_share_its_items_built_once(qtbot, main_window):
    from ittdesk.choices import HECOS_SUBJECTS

    _cohort, _school, _mentor, made, _start = _placement_world()
    editor = main_window.open_record("enrolment", made[0].id)
    subjects = [editor.widget_as(f"course_subject_{n}", form.ChoiceCombo) for n in (1, 2, 3)]
    assert len({id(combo.model()) for combo in subjects}) == 1
    assert subjects[0].model() is form.choice_model(HECOS_SUBJECTS)
    assert subjects[0].count() == len(HECOS_SUBJECTS.keys) + 1  # "" (none) first
    key, label = list(HECOS_SUBJECTS)[3]
    subjects[1].set_value(key)  # each keeps its own choice
    assert (subjects[0].value(), subjects[1].value(), subjects[1].currentText()) == (None, key, label)
    editor.close()
    again = main_window.open_record("enrolment", made[1].id)
    assert again.widget_as("course_subject_1", form.ChoiceCombo).model() is form.choice_model(HECOS_SUBJECTS)
    again.close()


def test_opening_a_placement_checks_its_mentor_warnings_once(qtbot, main_window, monkeypatch):
    _cohort, _school, _mentor, _made, _start = _placement_world()
    calls = []
    real = placement_editor.check_placement_warnings
    monkeypatch.setattr(placement_editor, "check_placement_warnings",
                        lambda data, instance: calls.append(data) or real(data, instance))
    editor = main_window.open_record("placement", Placement.select().first().id)
    assert len(calls) == 1
    assert calls[0]["mentor"] == Placement.select().first().mentor_id
    assert editor.errors["mentor"].isVisible()


def test_a_date_fields_calendar_is_built_when_first_opened_and_picks_a_date(qtbot):
    from PySide6.QtCore import QDate, QPoint

    from ui.widgets.date_edit import DateEdit

    field = DateEdit()
    qtbot.addWidget(field)
    field.show()
    field.set_date(date(2025, 9, 3))
    assert field.calendar is None
    field.menu.popup(field.mapToGlobal(QPoint(0, field.height())))
    qtbot.waitUntil(lambda: field.calendar is not None and field.calendar.isVisible())
    assert field.calendar.selectedDate() == QDate(2025, 9, 3)  # opens on the date typed
    field.calendar.clicked.emit(QDate(2025, 9, 17))
    assert field.text() == "17/09/2025"
    qtbot.waitUntil(lambda: not field.menu.isVisible())
