"""Programmes themselves can be found and renamed from the Programmes & cohorts page."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from gui_helpers import search, wait_loaded

from ittdesk.models import Programme

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
demo_window = gui.demo_window


def test_a_programme_is_found_opened_and_renamed_from_its_tab(qtbot, demo_window):
    page = demo_window.show_page("programmes")
    page.tabs.setCurrentWidget(page.programmes)
    panel = page.programmes
    wait_loaded(qtbot, panel)
    assert panel.model.rowCount() == 4
    search(qtbot, panel, "NPQ")
    assert panel.model.rowCount() == 1
    panel.table.selectRow(0)
    demo_window.open_act.trigger()
    editor = demo_window._editors[-1]
    line = editor.widgets["name"]
    line.clear()
    qtbot.keyClicks(line, "NPQ for Senior Leadership (2024 framework)")
    assert editor.save()
    assert Programme.select().where(Programme.name.contains("2024 framework")).count() == 1
