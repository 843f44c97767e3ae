"""The Home page's bar charts keep their numbers readable at a large partnership's counts."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from ui.widgets.bar_chart import BarChart, compact, value_text


def test_counts_shorten_only_when_they_would_not_fit_above_their_bar(qapp):
    fm = QFontMetrics(QApplication.font())
    assert value_text(3896, 1000, fm) == "3,896"
    narrow = fm.horizontalAdvance("3,896") - 1
    assert value_text(3896, narrow, fm) == "3.9k"
    assert [compact(v) for v in (0, 950, 1000, 3896, 9949, 9950, 38_960, 999_499, 1_250_000)] == [
        "0", "950", "1k", "3.9k", "9.9k", "10k", "39k", "999k", "1.2m"]


def test_the_exact_counts_stay_in_the_tooltip_and_for_screen_readers(qtbot):
    chart = BarChart("Placements starting each month this year")
    qtbot.addWidget(chart)
    chart.set_values([("Sep", 2826), ("Oct", 3896)])
    assert chart.toolTip() == "Sep: 2,826\nOct: 3,896"
    assert chart.accessibleDescription() == "Sep: 2,826, Oct: 3,896"
    chart.resize(330, 220)
    chart.grab()  # paints without error at a narrow width
