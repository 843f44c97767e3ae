"""An editor opened for the first time (no saved size) is wide enough for its Details form:
the fields the services declare grow the form, and a fixed default size fell behind (the
enrolment and placement editors opened scrolled sideways, Choose… and × out of sight)."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from PySide6.QtWidgets import QScrollArea

from ittdesk.models import Enrolment, Placement

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
demo_window = gui.demo_window


@pytest.mark.parametrize("entity", ["enrolment", "placement", "school", "cohort"])
def test_the_opening_size_holds_the_details_form_without_a_sideways_scroll(qtbot, demo_window,
                                                                           entity):
    record = {"enrolment": Enrolment, "placement": Placement}.get(entity)
    editor = demo_window.open_record(entity, record.select().first().id if record else None)
    area = editor.findChild(QScrollArea, "detailsScroll")
    size = editor.opening_size()
    form = area.widget().minimumSizeHint().width()
    assert size.width() >= form + area.verticalScrollBar().sizeHint().width()
    assert size.width() >= editor.default_size().width()
    assert size.height() == editor.default_size().height()
    editor.resize(size)
    qtbot.waitUntil(lambda: area.viewport().width() >= form, timeout=5000)
    assert area.horizontalScrollBar().maximum() == 0
    editor.close()


def test_other_tabs_do_not_widen_an_editor_whose_form_fits(qtbot, demo_window):
    """The cohort's enrolments and placement check tabs are wide; its form is not."""
    from ittdesk.models import Cohort

    editor = demo_window.open_record("cohort", Cohort.select().first().id)
    assert editor.opening_size() == editor.default_size()
    editor.close()
