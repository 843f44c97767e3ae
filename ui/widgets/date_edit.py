"""A date field that takes typed UK dates ("3/9/25", "3 Sept 2025") and has a calendar button.

The text is what the services parse (``ittdesk.fields.day``), so the rules are the same as for
imports; an empty field means no date. Leaving the field tidies a date it understands into
dd/mm/yyyy and leaves anything else as typed, for the service to explain.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from ittdesk import clock, fields

_Day = date  # inside DateEdit, "date" names its method


class DateEdit(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.line = QLineEdit()
        self.line.setPlaceholderText("dd/mm/yyyy")
        self.line.setMaximumWidth(150)
        self.line.textChanged.connect(lambda _t: self.changed.emit())
        self.line.editingFinished.connect(self._tidy)
        self.button = QToolButton()
        self.button.setObjectName("calendarButton")
        self.button.setText("▾")
        self.button.setToolTip("Choose from a calendar")
        self.button.setAccessibleName("Calendar")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # The calendar is built when the menu first opens: a calendar per date field was a
        # good part of opening an editor, and most edits type the date.
        self.calendar: QCalendarWidget | None = None
        menu = QMenu(self.button)
        menu.aboutToShow.connect(self._sync_calendar)
        self.menu = menu
        self.button.setMenu(menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.setFocusProxy(self.line)

    def text(self) -> str:
        return self.line.text().strip()

    def setText(self, text: str) -> None:  # noqa: N802 - mirrors QLineEdit for callers and tests
        self.line.setText(text)

    def date(self) -> date | None:
        try:
            return fields.day(self.text())
        except ValueError:
            return None

    def set_date(self, value: _Day | None) -> None:
        self.line.setText(fields.format_date(value) if value else "")

    def _tidy(self) -> None:
        day = self.date()
        if day is not None:
            tidy = fields.format_date(day)
            if tidy != self.line.text():
                self.line.setText(tidy)

    def _sync_calendar(self) -> None:
        if self.calendar is None:
            self.calendar = QCalendarWidget()
            self.calendar.setGridVisible(True)
            self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
            self.calendar.clicked.connect(self._picked)
            self.calendar.activated.connect(self._picked)
            holder = QWidgetAction(self.menu)
            holder.setDefaultWidget(self.calendar)
            self.menu.addAction(holder)
        day = self.date() or clock.today()
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def _picked(self, qdate: QDate) -> None:
        self.set_date(date(qdate.year(), qdate.month(), qdate.day()))
        self.menu.hide()
        self.line.setFocus()
