"""Every dialog closes with Esc, its Cancel/Close button and the window's close button.

It asks first only when work would be lost (an editor with unsaved changes, an import mid-way).
Issue 15: the import wizard ignored all four because its ``reject()`` called ``close()``, which Qt
ignores while it is already closing the dialog, so every new import stacked another stuck window.
The list of dialogs is found by importing every ``ui`` module, so a new dialog without a factory
here fails ``test_every_dialog_class_in_ui_is_covered``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import gui_helpers as gui
import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QPushButton

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.leadership import rounds
from ittdesk.models import ImportRun, School
from ittdesk.queries import lists
from ittdesk.returns.base import Filters
from ittdesk.returns.template import inspect_template
from ittdesk.services.people import people
from ittdesk.services.schools import schools

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window

#: base classes never shown themselves; each must have a covered subclass
ABSTRACT = {"ui.editors.base.EntityEditor"}


#: dialogs that deliberately stay open until their work is done, and why (pinned below)
STAYS_OPEN = {
    "ui.database_actions._RestoringDialog": "a restore's file copy cannot be stopped safely",
}


def _dialog_classes() -> set[str]:
    from pathlib import Path

    import ui

    root = Path(ui.__file__).parent  # ui/dialogs and ui/widgets have no __init__.py: walk files
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        importlib.import_module(".".join(p for p in parts if p != "__init__"))
    found: set[str] = set()
    stack = [QDialog]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("ui."):
                found.add(f"{sub.__module__}.{sub.__qualname__}")
    return found


class Records:
    """The few records the dialogs need, made through the services."""

    def __init__(self, tmp_path) -> None:
        self.school = schools.create({"urn": 100001, "name": "Ashby Moor Primary School",
                                      "phase": "primary", "partnership_status": "partner"})
        self.person = people.create({"first_name": "Jane", "last_name": "Example"})
        self.round = rounds.start_round(str(AcademicYear.current().next()))
        template = tmp_path / "la-template.xlsx"
        wb = openpyxl.Workbook()
        wb.active.append(["School URN", "Name of school", "Phase of education"])
        wb.save(template)
        self.template = template
        self.import_run = ImportRun.create(at=clock.now(), user="test", kind="schools",
                                           file_name="schools.csv", added=1)


def _editor(path: str) -> Callable:
    def make(window, _records):
        module, name = path.rsplit(".", 1)
        return getattr(importlib.import_module(module), name)(window, None, parent=window)
    return make


def _make_wizard(window, _records):
    from ui.dialogs.import_wizard import open_import_wizard

    return open_import_wizard(window)


def _make_template_fill(window, records):
    from ui.dialogs.template_fill import TemplateFillDialog

    info = inspect_template(records.template, "partnership", Filters(AcademicYear.current()))
    return TemplateFillDialog(info, 3, "Partnership return", window)


def _make_picker(window, _records):
    from ui.widgets.record_picker import PickerDialog

    return PickerDialog(lists.LISTS["schools"], "Choose a school", parent=window)


def _make_database_problem(window, _records):
    from ittdesk import db
    from ui.dialogs.database_problem import DatabaseProblemDialog

    return DatabaseProblemDialog(db.location(), "The file is damaged.", window)


def _make_conflict(window, records):
    from conflict_examples import school_conflict

    from ui.dialogs.conflict import ConflictDialog

    return ConflictDialog(window, school_conflict(records.school.id))


FACTORIES: dict[str, Callable] = {
    "ui.editors.school_editor.SchoolEditor": _editor("ui.editors.school_editor.SchoolEditor"),
    "ui.editors.person_editor.PersonEditor": _editor("ui.editors.person_editor.PersonEditor"),
    "ui.editors.cohort_editor.CohortEditor": _editor("ui.editors.cohort_editor.CohortEditor"),
    "ui.editors.placement_editor.PlacementEditor":
        _editor("ui.editors.placement_editor.PlacementEditor"),
    "ui.editors.simple_editors.ProgrammeEditor": _editor("ui.editors.simple_editors.ProgrammeEditor"),
    "ui.editors.simple_editors.EnrolmentEditor": _editor("ui.editors.simple_editors.EnrolmentEditor"),
    "ui.editors.simple_editors.RoleEditor": _editor("ui.editors.simple_editors.RoleEditor"),
    "ui.editors.simple_editors.DesignationEditor":
        _editor("ui.editors.simple_editors.DesignationEditor"),
    "ui.editors.simple_editors.MentorTrainingEditor":
        _editor("ui.editors.simple_editors.MentorTrainingEditor"),
    "ui.editors.agreement_editor.AgreementEditor":
        lambda w, r: importlib.import_module("ui.editors.agreement_editor").AgreementEditor(None, w),
    "ui.dialogs.change_holder.ChangeHolderDialog":
        lambda w, r: importlib.import_module("ui.dialogs.change_holder").ChangeHolderDialog(
            r.school.id, "headteacher", w),
    "ui.dialogs.collect_forms.CollectFormsDialog":
        lambda w, r: importlib.import_module("ui.dialogs.collect_forms").CollectFormsDialog(
            r.round.id, w),
    "ui.dialogs.database_problem.DatabaseProblemDialog": _make_database_problem,
    "ui.dialogs.import_wizard.wizard.ImportWizard": _make_wizard,
    "ui.dialogs.mark_partners.MarkPartnersDialog":
        lambda w, r: importlib.import_module("ui.dialogs.mark_partners").MarkPartnersDialog(
            w, r.import_run.id),
    "ui.dialogs.person_data.PersonExportDialog":
        lambda w, r: importlib.import_module("ui.dialogs.person_data").PersonExportDialog(
            r.person.id, w),
    "ui.dialogs.person_data.PersonEraseDialog":
        lambda w, r: importlib.import_module("ui.dialogs.person_data").PersonEraseDialog(
            r.person.id, w),
    "ui.dialogs.provider_settings.ProviderSettingsDialog":
        lambda w, r: importlib.import_module("ui.dialogs.provider_settings").ProviderSettingsDialog(w),
    "ui.dialogs.template_fill.TemplateFillDialog": _make_template_fill,
    "ui.dialogs.user_guide.UserGuide":
        lambda w, r: importlib.import_module("ui.dialogs.user_guide").UserGuide(w),
    "ui.dialogs.start_round.StartRoundDialog":
        lambda w, r: importlib.import_module("ui.dialogs.start_round").StartRoundDialog(w),
    "ui.widgets.record_picker.PickerDialog": _make_picker,
    "ui.editors.event_editor.EventEditor": _editor("ui.editors.event_editor.EventEditor"),
    "ui.dialogs.contact_list.ContactListDialog":
        lambda w, r: importlib.import_module("ui.dialogs.contact_list").ContactListDialog(w),
    "ui.dialogs.send_mail.SendMailDialog":
        lambda w, r: importlib.import_module("ui.dialogs.send_mail").SendMailDialog(r.round.id, w),
    "ui.dialogs.conflict.ConflictDialog": _make_conflict,
    "ui.dialogs.who.WhoDialog":
        lambda w, r: importlib.import_module("ui.dialogs.who").WhoDialog(w),
    "ui.dialogs.letters.LettersDialog":
        lambda w, r: importlib.import_module("ui.dialogs.letters").LettersDialog(w),
    "ui.dialogs.register_files.RegisterFilesDialog":
        lambda w, r: importlib.import_module("ui.dialogs.register_files").RegisterFilesDialog(w),
    "ui.dialogs.placement_rules.PlacementRulesDialog":
        lambda w, r: importlib.import_module("ui.dialogs.placement_rules").PlacementRulesDialog(w),
    "ui.editors.simple_editors.PlacementRuleEditor":
        _editor("ui.editors.simple_editors.PlacementRuleEditor"),
    "ui.editors.simple_editors.TermDatesEditor":
        _editor("ui.editors.simple_editors.TermDatesEditor"),
    "ui.dialogs.mentor_funding.MentorFundingDialog":
        lambda w, r: importlib.import_module("ui.dialogs.mentor_funding").MentorFundingDialog(w),
}


def test_every_dialog_class_in_ui_is_covered():
    found = _dialog_classes()
    assert found - ABSTRACT - set(STAYS_OPEN) == set(FACTORIES), \
        "a dialog in ui/ has no close test (add a factory)"
    for base in ABSTRACT:
        assert any(name != base for name in FACTORIES), base


@pytest.fixture
def records(main_window, tmp_path) -> Records:
    return Records(tmp_path)


def _shown(qtbot, factory, window, records) -> QDialog:
    dialog = factory(window, records)
    if not dialog.isVisible():
        dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _cancel_button(dialog: QDialog) -> QPushButton:
    """The button a user would press to get out: the box's reject button, or Cancel/Close."""
    for box in dialog.findChildren(QDialogButtonBox):
        for button in box.buttons():
            if box.buttonRole(button) == QDialogButtonBox.ButtonRole.RejectRole and button.isVisible():
                return button
    for button in dialog.findChildren(QPushButton):
        if button.isVisible() and button.text().replace("&", "") in ("Cancel", "Close", "Quit"):
            return button
    raise AssertionError(f"{type(dialog).__name__} has no Cancel or Close button")


def press_escape(dialog: QDialog) -> None:
    """Esc where the keyboard focus is, as a user presses it (it travels up to the dialog)."""
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_dialog_closes_with_escape_cancel_and_the_window_button(qtbot, main_window, records, name):
    factory = FACTORIES[name]
    ways = {"Esc": press_escape,
            "Cancel": lambda d: qtbot.mouseClick(_cancel_button(d), Qt.MouseButton.LeftButton),
            "window button": lambda d: d.close()}
    for way, do in ways.items():
        dialog = _shown(qtbot, factory, main_window, records)
        assert f"{type(dialog).__module__}.{type(dialog).__qualname__}" == name
        do(dialog)
        qtbot.waitUntil(lambda d=dialog: not d.isVisible(), timeout=3000)
        assert gui.unanswered == [], f"{name} asked before closing by {way} with nothing to lose"
        QTest.qWait(0)  # let a WA_DeleteOnClose dialog go before the next one opens


def test_the_restoring_progress_dialog_stays_open_until_the_copy_is_done(qtbot, main_window):
    from ui.database_actions import _RestoringDialog

    dialog = _RestoringDialog(main_window)
    dialog.show()
    qtbot.waitExposed(dialog)
    press_escape(dialog)
    dialog.close()
    assert dialog.isVisible()
    dialog.hide()  # what the restore does when its copy has finished


def _answers(monkeypatch, *replies) -> list[str]:
    """QMessageBox.question answers ``replies`` in turn; returns the questions asked."""
    asked: list[str] = []
    queue = list(replies)

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return queue.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


@pytest.mark.parametrize("way", ["Esc", "window button", "Cancel"])
def test_an_editor_with_unsaved_changes_asks_and_cancel_keeps_it_open(qtbot, main_window, monkeypatch,
                                                                      way):
    from ui.editors.school_editor import SchoolEditor

    B = QMessageBox.StandardButton
    asked = _answers(monkeypatch, B.Cancel, B.Discard)
    editor = SchoolEditor(main_window, None, parent=main_window)
    editor.show()
    qtbot.waitExposed(editor)
    qtbot.keyClicks(editor.widgets["name"], "Fernbank Primary School")
    do = {"Esc": press_escape, "window button": lambda d: d.close(),
          "Cancel": lambda d: qtbot.mouseClick(_cancel_button(d), Qt.MouseButton.LeftButton)}[way]
    do(editor)
    assert editor.isVisible() and len(asked) == 1 and "Save the changes" in asked[0]
    do(editor)
    assert not editor.isVisible() and len(asked) == 2
    assert School.select().count() == 0


def _csv(path, rows: int = 3):
    path.write_text("URN,Name\n" + "".join(f"{300000 + i},School {i}\n" for i in range(rows)),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("way", ["Esc", "window button", "Cancel"])
def test_the_import_wizard_mid_way_asks_and_closes_only_when_told(qtbot, main_window, monkeypatch,
                                                                  tmp_path, way):
    from ui.dialogs.import_wizard import ImportWizard

    B = QMessageBox.StandardButton
    asked = _answers(monkeypatch, B.No, B.Yes)
    main_window.import_act.trigger()
    wizard = main_window._import_wizard
    wizard.set_path(_csv(tmp_path / "schools.csv"))
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(tmp_path / "schools.csv"), timeout=10000)
    for _page in (ImportWizard.PAGE_MAPPING, ImportWizard.PAGE_PREVIEW):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda p=_page: wizard.currentId() == p and wizard.task is None,
                        timeout=20000)
    do = {"Esc": press_escape, "window button": lambda d: d.close(),
          "Cancel": lambda d: qtbot.mouseClick(d.cancel_button, Qt.MouseButton.LeftButton)}[way]
    do(wizard)
    assert wizard.isVisible() and len(asked) == 1 and "not been imported" in asked[0]
    do(wizard)
    qtbot.waitUntil(lambda: main_window._import_wizard is None, timeout=3000)
    assert len(asked) == 2 and School.select().count() == 0


def test_closed_import_wizards_do_not_stack_up(qtbot, main_window):
    from ui.dialogs.import_wizard import ImportWizard

    for _ in range(3):
        main_window.import_act.trigger()
        wizard = main_window._import_wizard
        qtbot.waitExposed(wizard)
        press_escape(wizard)
        qtbot.waitUntil(lambda w=wizard: not w.isVisible(), timeout=3000)
        assert main_window._import_wizard is None
    QTest.qWait(0)
    open_now = [w for w in main_window.findChildren(ImportWizard) if w.isVisible()]
    assert open_now == []
    assert gui.unanswered == []


def test_the_import_wizard_closes_without_asking_once_the_import_is_done(qtbot, main_window,
                                                                         tmp_path):
    from ui.dialogs.import_wizard import ImportWizard

    main_window.import_act.trigger()
    wizard = main_window._import_wizard
    wizard.set_path(_csv(tmp_path / "schools.csv"))
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(tmp_path / "schools.csv"), timeout=10000)
    for _page in (ImportWizard.PAGE_MAPPING, ImportWizard.PAGE_PREVIEW):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda p=_page: wizard.currentId() == p and wizard.task is None,
                        timeout=20000)
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None and wizard.task is None, timeout=20000)
    qtbot.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: main_window._import_wizard is None, timeout=3000)
    assert School.select().count() == 3 and gui.unanswered == []
