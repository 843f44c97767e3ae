"""The import wizard on issue 14: its preview offers to create the programmes and cohorts a
Register file's rows need and creates them only when ticked; possible duplicate people are
matched only when ticked; an unexpected damaged workbook is called damaged, in words."""

from __future__ import annotations

from pathlib import Path

import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt

from ittdesk.models import Cohort, Enrolment, Programme
from ui.dialogs.import_wizard import ImportWizard

qt_settings = gui.qt_settings
main_window = gui.main_window

pytestmark = pytest.mark.gui

FIVE = Path(__file__).parent / "data" / "real" / "register_five_trainees.csv"


def test_preview_tick_creates_the_programmes_and_cohorts_listed(qtbot, main_window):
    main_window.import_act.trigger()
    wizard = main_window._import_wizard
    wizard.set_path(FIVE)
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(FIVE), timeout=10000)
    assert wizard.file_page.kind_combo.currentData() == "enrolments"
    for _page in (ImportWizard.PAGE_MAPPING, ImportWizard.PAGE_PREVIEW):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda p=_page: wizard.currentId() == p and wizard.task is None,
                        timeout=20000)
    assert wizard.preview_page.create_cohorts.isVisible() and not wizard.preview_page.create_cohorts.isChecked()
    assert wizard.preview_page.refused_model.rowCount() == 5
    assert "--create-cohorts" in wizard.preview_page.refused_model.index(0, 2).data()
    assert not wizard.import_button.isEnabled()

    wizard.preview_page.create_cohorts.setChecked(True)
    qtbot.waitUntil(lambda: wizard.task is None and wizard.preview_page.add_model.rowCount() == 5,
                    timeout=20000)
    assert wizard.preview_page.refused_model.rowCount() == 0
    assert "Cohort: Primary and Secondary Undergraduate Fee Funded 2024/25 (new)" in \
        wizard.preview_page.add_model.index(0, 3).data()
    assert "Creates the programme 'Undergraduate Opt-in' and its 2024/25 cohort" in \
        wizard.preview_page.summary.text()
    assert Programme.select().count() == 0  # nothing written before the import
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=20000)
    assert (Programme.select().count(), Cohort.select().count(), Enrolment.select().count()) \
        == (2, 2, 5)


def test_preview_tick_matches_possible_duplicates_instead_of_adding(qtbot, main_window, tmp_path):
    from ittdesk.models import Person
    from ittdesk.services.people import people

    people.create({"first_name": "Ann", "last_name": "Lee"})
    path = tmp_path / "people.csv"
    path.write_text("First name,Last name,Phone\nAnn,Lee,0113 496 0000\n", encoding="utf-8")
    main_window.import_act.trigger()
    wizard = main_window._import_wizard
    wizard.set_path(path)
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(path), timeout=10000)
    wizard.file_page.kind_combo.setCurrentIndex(wizard.file_page.kind_combo.findData("people"))
    for _page in (ImportWizard.PAGE_MAPPING, ImportWizard.PAGE_PREVIEW):
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda p=_page: wizard.currentId() == p and wizard.task is None,
                        timeout=20000)
    assert wizard.preview_page.match_possible.isVisible() and wizard.preview_page.add_model.rowCount() == 1
    assert "Possible duplicate of Ann Lee" in wizard.preview_page.summary.text()
    wizard.preview_page.match_possible.setChecked(True)
    qtbot.waitUntil(lambda: wizard.task is None and wizard.preview_page.add_model.rowCount() == 0,
                    timeout=20000)
    assert wizard.preview_page.update_model.rowCount() == 1
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=20000)
    assert [(p.first_name, p.phone) for p in Person.select()] == [("Ann", "0113 496 0000")]


def test_a_workbook_damaged_while_the_wizard_reads_it_is_called_damaged(qtbot, main_window):
    import zipfile

    main_window.import_act.trigger()
    wizard = main_window._import_wizard
    wizard.show_error(zipfile.BadZipFile("Bad CRC-32 for file 'xl/worksheets/sheet1.xml'"))
    assert "damaged" in wizard.message.text()
    assert "BadZipFile" not in wizard.message.text()
