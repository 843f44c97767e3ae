"""The import wizard driven like a user: File > Import…, columns, preview, apply, cancel, drop."""

from __future__ import annotations

import csv
import threading
from datetime import date

import gui_helpers as gui
import openpyxl
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from ittdesk.models import AuditEntry, ImportRun, School
from ittdesk.services import bulk
from ittdesk.services.schools import schools
from ui import tasks
from ui.dialogs.import_wizard import ImportWizard

qt_settings = gui.qt_settings
main_window = gui.main_window

pytestmark = pytest.mark.gui


def messy_xlsx(path, rows=8, bad=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partner schools"
    ws["A1"] = "Moorside SCITT — partner schools 2025/26"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["School URN", "Name of School", "Phase", "Partner since", "Colour"])
    for i in range(rows):
        ws.append([900001 + i, f"Ashby Moor School {i}", "Primary", date(2023, 9, 1), "blue"])
    if bad:
        ws.append(["1234", "Short URN School", "Primary", "31/02/2024", "red"])
    wb.save(path)
    return path


def open_wizard(qtbot, window, path=None) -> ImportWizard:
    window.import_act.trigger()
    wizard = window._import_wizard
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    if path is not None:
        wizard.set_path(path)
        qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(path), timeout=10000)
    return wizard


def wait_page(qtbot, wizard, page):
    qtbot.waitUntil(lambda: wizard.currentId() == page and wizard.task is None,
                    timeout=20000)


def test_wizard_imports_a_messy_workbook_end_to_end(qtbot, qtmodeltester, main_window, tmp_path):
    path = messy_xlsx(tmp_path / "partners.xlsx")
    wizard = open_wizard(qtbot, main_window, path)
    assert wizard.file_page.kind_combo.currentData() == "schools"
    assert wizard.file_page.sheet_combo.itemText(1) == "Partner schools"
    wizard.grab().save(str(tmp_path / "import-wizard-1-file.png"))
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_MAPPING)
    model = wizard.mapping_page.mapping_model
    qtmodeltester.check(model)
    shown = {model.index(r, 0).data(): model.index(r, 2).data() for r in range(model.rowCount())}
    assert shown == {"School URN": "URN", "Name of School": "Name", "Phase": "Phase",
                     "Partner since": "Partner since", "Colour": "(not imported)"}
    assert "headings on row 3" in wizard.mapping_page.mapping_info.text()
    samples = model.index(0, 1).data()
    assert "900001" in samples and "900002" in samples
    # the user maps "Colour" to Notes through the combo box in the table
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "Colour")
    index = model.index(row, 2)
    wizard.mapping_page.mapping_view.setCurrentIndex(index)
    wizard.mapping_page.mapping_view.edit(index)
    combo = wizard.mapping_page.mapping_view.indexWidget(index) or wizard.mapping_page.mapping_view.findChild(
        type(wizard.file_page.kind_combo))
    qtbot.waitUntil(lambda: wizard.mapping_page.mapping_view.focusWidget() is not None, timeout=5000)
    editor = wizard.mapping_page.mapping_view.viewport().findChildren(type(wizard.file_page.kind_combo))
    assert editor, "the Imports as column edits with a combo box"
    combo = editor[0]
    combo.setCurrentIndex(combo.findText("Notes"))
    combo.activated.emit(combo.currentIndex())
    wizard.mapping_page.mapping_view.commitData(combo)
    assert model.mapping[4] == "notes" and model.index(row, 3).data() == "your choice"
    wizard.grab().save(str(tmp_path / "import-wizard-2-columns.png"))
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_PREVIEW)
    for preview in (wizard.preview_page.add_model, wizard.preview_page.update_model, wizard.preview_page.refused_model):
        qtmodeltester.check(preview)
    assert wizard.preview_page.add_model.rowCount() == 8 and wizard.preview_page.refused_model.rowCount() == 0
    assert wizard.preview_page.summary.text().startswith("8 to add, 0 to update, 0 unchanged, 0 refused.")
    assert School.select().count() == 0  # nothing written by the preview
    assert wizard.import_button.isEnabled()
    wizard.grab().save(str(tmp_path / "import-wizard-3-preview.png"))
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=20000)
    assert "8 added" in wizard.apply_page.apply_label.text()
    assert wizard.apply_page.rate_label.text() == "Took under a second."  # not "0.0 s (509 rows/s)"
    assert wizard.close_button.isVisible() and not wizard.cancel_button.isVisible()
    assert wizard.apply_page.partners_button.isVisible()  # new schools: which are partners?
    qtbot.waitUntil(lambda: wizard.history_model.rowCount() == 1, timeout=10000)
    qtmodeltester.check(wizard.history_model)
    history = [wizard.history_model.index(0, c).data() for c in range(8)]
    assert history[3:7] == ["schools", "8", "0", "0"] and history[7] == str(path)
    wizard.grab().save(str(tmp_path / "import-wizard-4-done.png"))
    assert School.select().count() == 8
    assert {s.notes for s in School.select()} == {"blue"}
    assert ImportRun.select().count() == 1
    qtbot.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: main_window._import_wizard is None, timeout=5000)


def test_refused_rows_block_the_import_until_the_user_chooses_to_skip_them(
        qtbot, qtmodeltester, main_window, tmp_path):
    schools.create({"urn": 900001, "name": "Old name"})
    wizard = open_wizard(qtbot, main_window, messy_xlsx(tmp_path / "bad.xlsx", rows=3, bad=True))
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_MAPPING)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_PREVIEW)
    refused = wizard.preview_page.refused_model
    qtmodeltester.check(refused)
    rows = [[refused.index(r, c).data() for c in range(3)] for r in range(refused.rowCount())]
    assert ["7", "School URN", "'1234' is not a URN (5 to 7 digits)"] in rows
    assert ["7", "Partner since", "'31/02/2024' is not a real date"] in rows
    update = [wizard.preview_page.update_model.index(0, c).data() for c in range(4)]
    assert update[:3] == ["4", "URN 900001", "Old name"]
    assert "Name: Old name → Ashby Moor School 0" in update[3]
    assert wizard.preview_page.tabs.currentIndex() == 2 and "1 refused" in wizard.preview_page.summary.text()
    assert not wizard.import_button.isEnabled()
    wizard.grab().save(str(tmp_path / "import-wizard-refused.png"))
    wizard.preview_page.skip_invalid.setChecked(True)
    assert wizard.import_button.isEnabled()
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=20000)
    assert (wizard.import_result.added, wizard.import_result.updated) == (2, 1)
    assert School.select().count() == 3


def _held_at_preview(qtbot, main_window, tmp_path, monkeypatch, first_urn: int, schools: int):
    """The wizard on its preview page for ``schools`` new schools, its import to be held on the
    worker after its first insert: (wizard, inside: set once held, proceed: set to let it go)."""
    path = tmp_path / "many.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["URN", "Name"]]
                                 + [[str(first_urn + i), f"S{i}"] for i in range(schools)])
    inside, proceed = threading.Event(), threading.Event()
    real = bulk.insert_returning

    def slow_insert(model, rows, *names):
        ids = real(model, rows, *names)
        inside.set()
        proceed.wait(10)  # hold the worker mid-import while the test acts on the window
        return ids

    monkeypatch.setattr(bulk, "insert_returning", slow_insert)
    wizard = open_wizard(qtbot, main_window, path)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_MAPPING)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_PREVIEW)
    return wizard, inside, proceed


def test_cancel_during_apply_changes_nothing_and_the_window_stays_responsive(
        qtbot, main_window, tmp_path, monkeypatch):
    wizard, inside, proceed = _held_at_preview(qtbot, main_window, tmp_path, monkeypatch,
                                               200000, 350)
    before = (School.select().count(), AuditEntry.select().count(), ImportRun.select().count())
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(inside.is_set, timeout=10000)
    assert wizard.currentId() == ImportWizard.PAGE_APPLY
    main_window.show_page("schools")  # the GUI thread is free while the import runs
    QApplication.processEvents()
    qtbot.mouseClick(wizard.cancel_button, Qt.MouseButton.LeftButton)
    proceed.set()
    qtbot.waitUntil(lambda: tasks.running_tasks() == 0, timeout=20000)
    assert "cancelled: nothing was changed" in wizard.message.text()
    assert wizard.currentId() == ImportWizard.PAGE_PREVIEW
    assert (School.select().count(), AuditEntry.select().count(), ImportRun.select().count()) == before


def test_close_waits_until_the_import_has_finished(qtbot, main_window, tmp_path, monkeypatch):
    """While the import runs, Close (the wizard's Finish) is not offered: pressing it would
    stop the import without asking; Cancel is the way to stop it. Once done, Close is."""
    wizard, inside, proceed = _held_at_preview(qtbot, main_window, tmp_path, monkeypatch,
                                               300000, 20)
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(inside.is_set, timeout=10000)
        QApplication.processEvents()
        assert wizard.currentId() == ImportWizard.PAGE_APPLY and wizard.import_result is None
        assert not wizard.close_button.isEnabled()
        assert wizard.cancel_button.isVisible()
    finally:
        proceed.set()
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=20000)
    assert wizard.close_button.isEnabled() and wizard.close_button.isVisible()
    assert School.select().count() == 20


def test_a_bad_file_gets_one_clear_message(qtbot, main_window, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    wizard = open_wizard(qtbot, main_window)
    wizard.file_page.path_edit.setText(str(path))
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not a real .xlsx workbook" in wizard.message.text(), timeout=10000)
    assert wizard.currentId() == ImportWizard.PAGE_FILE
    wizard.grab().save(str(tmp_path / "import-wizard-bad-file.png"))


def test_dropping_a_spreadsheet_on_the_main_window_opens_the_wizard(qtbot, main_window, tmp_path):
    assert main_window.acceptDrops()  # the window installs the drop target when it is built
    path = messy_xlsx(tmp_path / "dropped.xlsx")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(main_window, enter)
    assert enter.isAccepted()
    # Qt delivers a Drop only to the target of a real drag in progress, which a test cannot
    # start; hand the drop to the window's filter as Qt would.
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    assert main_window._import_drop_filter.eventFilter(main_window, drop)
    wizard = main_window._import_wizard
    assert wizard is not None and wizard.file_page.path_edit.text() == str(path)
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(path), timeout=10000)
    assert wizard.file_page.kind_combo.currentData() == "schools"
    wizard.close()


def test_enrolments_go_into_the_cohort_chosen_in_the_wizard(qtbot, qtmodeltester, main_window, tmp_path):
    from ittdesk.models import Enrolment
    from ittdesk.services.programmes import cohorts, programmes

    primary = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    secondary = programmes.create({"name": "Secondary SCITT", "kind": "itt"})
    cohorts.create({"programme": primary.id, "name": "Cohort 7", "academic_year": "2026/27"})
    chosen = cohorts.create({"programme": secondary.id, "name": "Cohort 7", "academic_year": "2026/27"})
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["Provider Trainee ID", "First Names", "Last Name", "Email", "Training Route",
             "ITT Start Date"],
            ["T1", "Siân", "O'Brien", "sian@example.org", "Provider-led (postgrad)", "01/09/2026"],
            ["T2", "Zoë", "Brontë", "zoe@example.org", "Provider-led (postgrad)", "01/09/2026"],
        ])
    wizard = open_wizard(qtbot, main_window, path)
    assert wizard.file_page.kind_combo.currentData() == "enrolments"
    assert wizard.file_page.cohort_combo.isVisible()
    wizard.file_page.cohort_combo.setCurrentIndex(wizard.file_page.cohort_combo.findData(chosen.id))
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_MAPPING)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_PREVIEW)
    qtmodeltester.check(wizard.preview_page.add_model)
    assert wizard.preview_page.add_model.rowCount() == 2
    assert "Secondary SCITT Cohort 7 (2026/27)" in wizard.preview_page.add_model.index(0, 3).data()
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.import_result is not None, timeout=20000)
    assert {e.cohort_id for e in Enrolment.select()} == {chosen.id}


def test_next_waits_for_a_file_and_back_waits_while_the_plan_is_made(qtbot, main_window, tmp_path,
                                                                      monkeypatch):
    from PySide6.QtWidgets import QWizard

    from ittdesk.spreadsheets import importing

    wizard = open_wizard(qtbot, main_window)
    assert not wizard.next_button.isEnabled()  # no file named yet
    path = messy_xlsx(tmp_path / "partners.xlsx")
    wizard.set_path(path)
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(path), timeout=10000)
    assert wizard.next_button.isEnabled()
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, wizard, ImportWizard.PAGE_MAPPING)
    chosen = dict(wizard.mapping_page.mapping_model.mapping)
    inside, proceed = threading.Event(), threading.Event()
    real = importing.plan_import

    def slow_plan(*args, **kwargs):
        inside.set()
        proceed.wait(10)  # hold the plan on its worker while the user looks at the buttons
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "plan_import", slow_plan)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(inside.is_set, timeout=10000)
    back = wizard.button(QWizard.WizardButton.BackButton)
    assert wizard.currentId() == ImportWizard.PAGE_MAPPING  # moves on only with the plan made
    assert not back.isEnabled() and not wizard.next_button.isEnabled()
    proceed.set()
    wait_page(qtbot, wizard, ImportWizard.PAGE_PREVIEW)
    assert back.isEnabled() and wizard.import_button.isEnabled()
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == ImportWizard.PAGE_MAPPING
    assert wizard.mapping_page.mapping_model.mapping == chosen  # the columns checked are kept
    assert School.select().count() == 0


def test_a_typed_file_is_looked_at_as_a_chosen_one_and_next_asks_before_a_wrong_kind(
        qtbot, main_window):
    """Seen in a real window: a Register trainees file's path typed in left 'What it holds' at
    Schools, and Next went on to import it as schools."""
    from pathlib import Path

    register = Path(__file__).parent / "data" / "real" / "register_five_trainees.csv"
    wizard = open_wizard(qtbot, main_window)
    page = wizard.file_page
    assert page.kind_combo.currentData() == "schools"
    page.path_edit.setText(str(register))  # typed, then Next at once: not looked at yet
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.guessed_path == str(register), timeout=10000)
    assert wizard.currentId() == ImportWizard.PAGE_FILE
    assert page.kind_combo.currentData() == "enrolments"
    assert page.message.text() == ("This file looks like enrolments (trainees): check 'What it "
                                   "holds', then press Next.")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)  # checked: on
    wait_page(qtbot, wizard, ImportWizard.PAGE_MAPPING)
    wizard.back()
    page.path_edit.setText(str(register).replace("five_trainees", "hpitt_import"))
    page.path_edit.editingFinished.emit()  # typed, then Tab or Enter
    qtbot.waitUntil(lambda: page.guessed_path.endswith("register_hpitt_import.csv"), timeout=10000)
    assert page.kind_combo.currentData() == "enrolments"
