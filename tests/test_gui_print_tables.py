"""Printed lists are readable: landscape when wide, 9 pt text, headings on every page, no word
or date broken in two, columns that cannot fit named rather than squeezed."""

from __future__ import annotations

import re

import gui_helpers as gui
import pytest
from gui_helpers import wait_loaded
from PySide6.QtGui import QGuiApplication

from ui.print_dialogs import print_preview
from ui.table_fit import TABLE_POINTS, fit_table

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def test_a_narrow_table_prints_portrait_and_a_wide_one_landscape(qapp):
    narrow = fit_table(["Name", "URN"], [["Moorside Primary School", "900100"]] * 5)
    assert not narrow.landscape and narrow.columns == 2 and not narrow.left_out
    headings = ["Trainee", "School", "Mentor", "Kind", "Starts", "Ends", "Subject", "Year group",
                "Cohort year", "URN"]
    row = ["Charlie Eccleshill", "Holy Trinity, Thornbury Edge Church of England Primary School",
           "Rosie Fitzgerald", "Contrasting", "21/09/2025", "20/12/2025", "Physical education",
           "Year 2", "2025/26", "900786"]
    wide = fit_table(headings, [row] * 20)
    assert wide.landscape and wide.columns == len(headings) and not wide.left_out
    assert sum(wide.percents) in range(98, 103)
    school = headings.index("School")
    assert wide.percents[school] == max(wide.percents)


def test_columns_that_cannot_fit_with_whole_words_are_left_out_and_named(qapp):
    headings = [f"Column{n:02d}" for n in range(40)]
    fit = fit_table(headings, [["Supercalifragilistic"] * 40])
    assert fit.landscape and 0 < fit.columns < 40
    assert fit.left_out == tuple(headings[fit.columns:])


def test_a_printed_list_repeats_its_headings_and_says_what_it_left_out(qtbot, demo_window):
    demo_window.show_page("placements")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    for n in range(len(panel.query.columns)):
        panel.table.setColumnHidden(n, False)
    html, landscape = panel.printable_html("Placements")
    assert landscape
    assert re.search(r"<thead><tr>(<th align='left' width='\d+%'>[^<]+</th>)+</tr></thead>", html)
    assert f"font-size: {TABLE_POINTS}pt" in html and TABLE_POINTS >= 8


def test_the_print_preview_fits_a_small_laptop_screen(qtbot, demo_window):
    dialog = print_preview(demo_window, "<p>x</p>", title="Test", exec_dialog=False)
    qtbot.addWidget(dialog)
    area = (dialog.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    assert dialog.height() <= area.height() and dialog.width() <= area.width()
