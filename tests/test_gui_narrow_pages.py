"""Pages whose rows of buttons and labels are wider than a laptop at 150 % scaling leaves them
(a 1600×1000 screen is 1067×667 at 150 %: ~700 pixels beside the navigation): each button keeps
its whole label and each line of text is read whole, instead of a box layout squeezing them
to a cut-off middle ("end by e-mail", "eminder drafts", seen in a real window)."""

from __future__ import annotations

import itertools

import gui_helpers as gui
import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from ui import views

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
demo_window = gui.demo_window


def _rect(widget: QWidget, page: QWidget) -> QRect:
    return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())


def _narrow(qtbot, window, key: str, width: int) -> QWidget:
    window.show_page(key)
    page = window.current_page()
    window.setMinimumSize(0, 0)
    window.resize(width, 667)
    qtbot.waitUntil(gui.tasks_idle)
    QApplication.processEvents()
    # the page lets the window be as narrow as the screen is: a row that cannot wrap made the
    # window wider than the screen, and a real window manager then squeezed the row
    assert window.width() == width
    return page


@pytest.mark.parametrize("width", [1067, 1200])
def test_the_confirmation_pages_buttons_wrap_with_their_whole_labels(qtbot, demo_window, width):
    page = _narrow(qtbot, demo_window, "confirmation", width)
    buttons = [page.write_button, page.sent_button, page.email_button, page.chase_button,
               page.collect_button, page.export_button, page.change_button]
    for button in buttons:
        assert button.width() >= button.sizeHint().width(), button.text()
    rects = [_rect(w, page) for w in [*buttons, page.filter_combo]]
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b)
    assert all(page.rect().contains(r) for r in rects)
    assert len({r.top() for r in rects}) > 1  # it did not fit on one line: a second one
    assert _rect(page.table, page).top() > max(r.bottom() for r in rects)


def test_the_retention_schedules_explanations_are_read_whole_in_a_narrow_window(qtbot,
                                                                                demo_window):
    page = _narrow(qtbot, demo_window, "retention", 1067)
    labels = [label for label in page.findChildren(QLabel) if label.text().startswith("after ")]
    assert len(labels) == len(page.spins)
    for label in labels:
        assert page.rect().contains(_rect(label, page)), label.text()
        assert label.heightForWidth(label.width()) <= label.height(), label.text()


@pytest.mark.parametrize("key", [spec.key for spec in views.PAGES])
def test_every_page_lets_the_window_fit_a_laptop_at_150_percent(qtbot, demo_window, key):
    _narrow(qtbot, demo_window, key, 1067)
