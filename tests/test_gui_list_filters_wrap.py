"""A list's search box and filters wrap onto a second line in a narrow window instead of being
drawn on top of each other (issue 15 item 2: 150 % scaling on a 1366×768 laptop)."""

from __future__ import annotations

import itertools

import gui_helpers as gui
import pytest
from gui_helpers import wait_loaded
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def bar_rects(panel) -> list[QRect]:
    widgets = [panel.search, *panel.filter_boxes.values(), panel.columns_button]
    return [QRect(w.mapTo(panel, w.rect().topLeft()), w.size()) for w in widgets if w.isVisible()]


@pytest.mark.parametrize("width", [760, 900])
def test_a_narrow_list_wraps_its_filters_without_overlapping_them(qtbot, main_window, width):
    main_window.show_page("schools")
    panel = main_window.current_page().panel
    wait_loaded(qtbot, panel)
    main_window.setMinimumSize(0, 0)
    main_window.resize(width, 560)
    QApplication.processEvents()
    rects = bar_rects(panel)
    assert len(rects) == 2 + len(panel.filter_boxes)
    assert len({r.top() for r in rects}) > 1  # it did not fit on one line: a second one
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b)
    assert all(panel.rect().contains(r) for r in rects)
    table = QRect(panel.table.mapTo(panel, panel.table.rect().topLeft()), panel.table.size())
    assert table.top() > max(r.bottom() for r in rects)  # the list starts below the last line


def test_a_wide_list_keeps_search_and_filters_on_one_line_with_the_search_box_widened(
        qtbot, main_window):
    main_window.show_page("schools")
    panel = main_window.current_page().panel
    wait_loaded(qtbot, panel)
    main_window.resize(1800, 800)
    QApplication.processEvents()
    rects = bar_rects(panel)
    assert len({r.top() for r in rects}) == 1
    assert rects[0].width() > panel.search.sizeHint().width()  # the spare room went to search


def test_the_filter_row_wraps_again_when_a_widget_grows_or_goes(qtbot):
    """The row's height for a width is remembered between Qt's layout passes (the search
    box's clear-button fade asks ~260 times), and forgotten when Qt says the items changed: a
    wider widget or a hidden one wraps the row afresh at the same width."""
    from PySide6.QtWidgets import QLabel, QWidget

    from ui.widgets.flow_layout import FlowLayout

    host = QWidget()
    qtbot.addWidget(host)
    layout = FlowLayout(host)
    first, second = QLabel("one"), QLabel("two")
    layout.addWidget(first)
    layout.addWidget(second)
    host.show()
    width = first.sizeHint().width() + second.sizeHint().width() + 40
    one_line = layout.heightForWidth(width)
    assert layout.heightForWidth(width) == one_line
    second.setText("a label now far too wide to share a line with the first " * 2)
    QApplication.processEvents()
    two_lines = layout.heightForWidth(width)
    assert two_lines > one_line
    second.hide()
    QApplication.processEvents()
    assert layout.heightForWidth(width) == one_line
