"""Exports start where users keep their workbooks and offer to open what they wrote."""

from __future__ import annotations

from pathlib import Path

import gui_helpers as gui
import pytest
from gui_helpers import wait_loaded
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ui import files

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def test_a_list_export_starts_in_documents_then_in_the_last_folder_and_offers_to_open(
        qtbot, demo_window, tmp_path, monkeypatch):
    opened: list[Path] = []
    monkeypatch.setattr(files, "open_file", opened.append)
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _kind: str(documents))
    starts: list[str] = []
    chosen = tmp_path / "elsewhere" / "my schools"
    chosen.parent.mkdir()

    def save_dialog(parent, title, start, file_filter):
        starts.append(start)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    demo_window.show_page("schools")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)

    demo_window.export_current()
    qtbot.waitUntil(lambda: _saved_box(panel) is not None, timeout=10000)
    box = _saved_box(panel)
    assert Path(starts[0]).parent == documents
    assert (chosen.parent / "my schools.xlsx").exists()
    assert "Exported" in box.text() and box.informativeText().endswith("my schools.xlsx")
    open_button = next(b for b in box.buttons() if b.text() == "&Open")
    open_button.click()
    assert opened == [chosen.parent / "my schools.xlsx"]

    demo_window.export_current()
    assert Path(starts[1]).parent == chosen.parent


def _saved_box(panel) -> QMessageBox | None:
    boxes = [w for w in panel.findChildren(QMessageBox) if w.isVisible()]
    return boxes[-1] if boxes else None
