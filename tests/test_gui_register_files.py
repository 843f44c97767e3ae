"""Tools > Register files… and Tools > Ofsted notification pack…, driven as a user would: the
files are written off the GUI thread and the dialog shows what was written and who was left
out and why."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import gui_helpers as gui
import pytest
import register_fixture as fx
from PySide6.QtCore import QDate, Qt

main_window = gui.main_window

DATA = Path(__file__).parent / "data" / "register"


@pytest.fixture
def built(main_window, set_today):
    set_today(fx.TODAY)
    return fx.build()


def _tools_action(window, text: str):
    menu = window.tools_menu
    for action in menu.actions():
        if action.text().replace("&", "").startswith(text):
            return action
    raise AssertionError(f"no Tools action {text!r}")


def _open_register_dialog(qtbot, window):
    from ui.dialogs.register_files import RegisterFilesDialog

    _tools_action(window, "Register files").trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, RegisterFilesDialog) and w.isVisible()
                                for w in window.findChildren(RegisterFilesDialog)), timeout=5000)
    return next(w for w in window.findChildren(RegisterFilesDialog) if w.isVisible())


def test_register_files_menu_writes_the_placements_csv_and_lists_who_was_left_out(
        qtbot, main_window, built, tmp_path, monkeypatch):
    import ui.dialogs.register_files as module

    target = tmp_path / "placements.csv"
    monkeypatch.setattr(module, "ask_save_path", lambda *a, **k: target)
    dialog = _open_register_dialog(qtbot, main_window)
    qtbot.mouseClick(dialog.placements_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    shown = dialog.output.toPlainText()
    assert shown.startswith(f"2 trainee(s) written to {target}")
    assert "Left out (5):" in shown
    assert "  Cal Notrn: no TRN yet: Register matches placements by TRN" in shown.splitlines()
    assert target.read_text(encoding="utf-8").splitlines()[0].startswith("TRN,Trainee ITT start date,")
    assert dialog.placements_button.isEnabled()


def test_register_files_qts_with_the_date_chosen_and_compare(qtbot, main_window, built, tmp_path,
                                                            monkeypatch):
    import ui.dialogs.register_files as module

    target = tmp_path / "qts.csv"
    monkeypatch.setattr(module, "ask_save_path", lambda *a, **k: target)
    dialog = _open_register_dialog(qtbot, main_window)
    dialog.met_on.setDate(QDate(2026, 6, 30))
    qtbot.mouseClick(dialog.qts_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    assert dialog.output.toPlainText().startswith(f"2 trainee(s) written to {target}")
    assert target.read_text(encoding="utf-8").rstrip("\n").endswith(",30/06/2026")

    dialog.met_on.setDate(QDate(2026, 7, 2))  # refused before a file is asked for
    monkeypatch.setattr(module, "ask_save_path", lambda *a, **k: pytest.fail("asked"))
    qtbot.mouseClick(dialog.qts_button, Qt.MouseButton.LeftButton)
    assert "is in the future" in dialog.output.toPlainText()

    dialog.compare_export(DATA / "trainees-export.csv")
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    lines = dialog.output.toPlainText().splitlines()
    assert lines[0] == ("3 trainee(s) in trainees-export.csv, 2 matched: 1 differ; "
                        "1 only on Register, 5 only in ITT Desk")
    assert "Only on Register: Dai Owain Placeholder-Jones (TRN 9900007, row 4)" in lines


def test_ofsted_pack_menu_writes_the_workbook_and_the_pdf(qtbot, main_window, built, tmp_path,
                                                         monkeypatch):
    import ui.dialogs.ofsted_pack as module

    folder = tmp_path / "for Ofsted"
    folder.mkdir()
    monkeypatch.setattr(module.QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folder)))
    _tools_action(main_window, "Ofsted notification pack").trigger()
    qtbot.waitUntil(gui.tasks_idle, timeout=20000)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"Ofsted notification pack {date(2026, 7, 1):%Y-%m-%d}.pdf",
                     f"Ofsted notification pack {date(2026, 7, 1):%Y-%m-%d}.xlsx"]


def test_the_returns_page_has_the_ofsted_pack_button(qtbot, main_window, built, tmp_path,
                                                     monkeypatch):
    import ui.dialogs.ofsted_pack as module

    folder = tmp_path / "pack"
    folder.mkdir()
    monkeypatch.setattr(module.QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folder)))
    page = main_window.show_page("returns")
    qtbot.mouseClick(page.ofsted_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(gui.tasks_idle, timeout=20000)
    assert sorted(p.suffix for p in folder.iterdir()) == [".pdf", ".xlsx"]


def test_a_file_nobody_can_go_in_is_said_in_the_dialog_with_each_reason(qtbot, main_window, built,
                                                                       tmp_path):
    from ittdesk.models import Person
    from ui.dialogs.register_files import RegisterFilesDialog

    Person.update(trn=None).execute()
    dialog = RegisterFilesDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.save_placements(tmp_path / "p.csv")
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    lines = dialog.output.toPlainText().splitlines()
    assert lines[0] == ("No trainee has a TRN and the placements Register needs: nothing was "
                        "written")
    assert "  Ada Testwell: no TRN yet: Register matches placements by TRN" in lines
    assert not (tmp_path / "p.csv").exists()
    assert gui.unanswered == []  # said in the dialog, no message box
