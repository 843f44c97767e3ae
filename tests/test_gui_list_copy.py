"""Copying rows out of a list: what a user pastes into Excel is the rows they selected, with
headings, as cells (tab-separated), not the one cell that had focus."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from gui_helpers import wait_loaded
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def select_rows(panel, rows):
    selection = panel.table.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(panel.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    selection.setCurrentIndex(panel.model.index(rows[-1], 0),
                              QItemSelectionModel.SelectionFlag.NoUpdate)


def test_ctrl_c_on_a_list_copies_the_selected_rows_with_headings_as_cells(qtbot, demo_window):
    demo_window.activateWindow()
    demo_window.show_page("schools")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    QGuiApplication.clipboard().setText("before")
    select_rows(panel, [0, 2, 3])
    panel.table.setFocus()
    columns = panel.visible_columns()
    expected_names = [panel.model.index(r, columns.index("name")).data() for r in (0, 2, 3)]

    qtbot.keyClick(panel.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "before", timeout=5000)

    lines = QGuiApplication.clipboard().text().splitlines()
    headings = lines[0].split("\t")
    assert headings == [panel.query.column(k).label for k in columns]
    assert len(lines) == 4
    assert [line.split("\t")[columns.index("name")] for line in lines[1:]] == expected_names
    assert all(len(line.split("\t")) == len(headings) for line in lines[1:])
    assert "copied 3 schools" in demo_window.statusBar().currentMessage().lower()


def test_copy_is_in_the_edit_menu_and_only_enabled_with_a_selection(qtbot, demo_window):
    demo_window.show_page("people")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    panel.table.selectionModel().clearSelection()
    demo_window._update_actions()
    assert demo_window.copy_act in demo_window.edit_menu.actions()
    assert not demo_window.copy_act.isEnabled()
    select_rows(panel, [1])
    demo_window._update_actions()
    assert demo_window.copy_act.isEnabled()
    QGuiApplication.clipboard().setText("before")
    demo_window.copy_act.trigger()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "before", timeout=5000)
    assert len(QGuiApplication.clipboard().text().splitlines()) == 2


def test_copied_cells_keep_excel_from_reading_formulas_or_splitting_cells(db):
    from ittdesk.queries.export import copy_text
    from ittdesk.queries.lists import LISTS
    from ittdesk.services.schools import schools

    query = LISTS["schools"]
    record = schools.create({"urn": "100001", "name": "=HYPERLINK(\"x\")\tSchool\nTwo"})
    text = copy_text(query, [record.id], ["urn", "name"])
    assert text.splitlines() == ["URN\tName", "100001\t'=HYPERLINK(\"x\") School Two"]


def test_a_schools_open_or_closed_status_is_shown_by_default(qtbot, demo_window):
    demo_window.show_page("schools")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    assert "status" in panel.visible_columns()
