"""Each trainee's placement check as a table: status, days, schools, ITaP and the reasons in
words (``ittdesk.placements.check``). The cohort editor shows its cohort's on the "Placement
check" tab; double-click opens the trainee's enrolment. Read on a worker (``read``)."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk import fields
from ittdesk.placements.check import STATUS_WORDS, TraineeCheck, check_trainees, number, route_words
from ui.models.rows_model import RowsModel

from ..operations import read
from .detail import CHECK_TINTS


def check_html(c: TraineeCheck) -> str:
    """One trainee's check in words, for their enrolment's "Placement check" tab."""
    reasons = "".join(f"<li>{escape(r)}</li>" for r in c.reasons) or "<li>Nothing missing.</li>"
    itap = (f"<tr><td>ITaP days</td><td>{number(c.itap_days)} of {c.itap_required}"
            f" ({number(c.itap_planned)} planned)</td></tr>" if c.itap_required else "")
    end = fields.format_date(c.expected_end) if c.expected_end else "not recorded"
    return (f"<h3 style='background:{CHECK_TINTS[c.status]};color:#1a1a1a'>&nbsp;{c.status_words}</h3>"
            f"<table cellpadding='3'>"
            f"<tr><td>Route</td><td>{escape(route_words(c.route))}</td></tr>"
            f"<tr><td>Days in school</td><td>{number(c.days_in_school)} of {c.days_required}"
            f" ({number(c.days_planned)} planned)</td></tr>"
            f"<tr><td>Schools</td><td>{c.schools} of {c.schools_required}</td></tr>{itap}"
            f"<tr><td>Expected end</td><td>{end}</td></tr>"
            f"<tr><td>Placements Register needs</td><td>{c.placements_required_by_register}"
            f"</td></tr></table><p><b>Reasons</b></p><ul>{reasons}</ul>")


class TraineeCheckModel(RowsModel):
    """One row per trainee's check."""

    COL_NAME, COL_ROUTE, COL_STATUS, COL_DAYS, COL_SCHOOLS, COL_ITAP, COL_REASONS = range(7)
    HEADINGS = ("Trainee", "Route", "Status", "Days in school", "Schools", "ITaP days", "Reasons")
    StatusRole = Qt.ItemDataRole.UserRole + 1
    EnrolmentRole = Qt.ItemDataRole.UserRole + 2

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        c: TraineeCheck | None = self.row_at(index)
        if c is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                self.COL_NAME: c.name,
                self.COL_ROUTE: route_words(c.route),
                self.COL_STATUS: c.status_words,
                self.COL_DAYS: f"{number(c.days_in_school)} of {c.days_required}",
                self.COL_SCHOOLS: f"{c.schools} of {c.schools_required}",
                self.COL_ITAP: f"{number(c.itap_days)} of {c.itap_required}" if c.itap_required else "—",
                self.COL_REASONS: c.reason_text,
            }.get(column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_REASONS:
            return "\n".join(c.reasons) or None
        if role == Qt.ItemDataRole.BackgroundRole and column == self.COL_STATUS:
            return QBrush(QColor(CHECK_TINTS[c.status]))
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_STATUS:
            return QBrush(QColor("#1a1a1a"))  # readable on the tint in a dark theme too
        if role == self.StatusRole:
            return c.status
        if role == self.EnrolmentRole:
            return c.enrolment_id
        return None


class PlacementCheckPanel(QWidget):
    """The check of a cohort's trainees (or a year's): a summary line, a status filter and the
    table. ``load()`` reads it again on a worker."""

    def __init__(self, main_window: Any, *, cohort_id: int | None = None,
                 academic_year: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = main_window
        self.cohort_id, self.academic_year = cohort_id, academic_year
        self.model = TraineeCheckModel(self)
        self.checks: list[TraineeCheck] = []  # every one read; the model shows the chosen status
        self.summary = QLabel("Checking…")
        self.summary.setObjectName("check_summary")
        self.summary.setWordWrap(True)
        self.status_box = QComboBox()
        self.status_box.setObjectName("check_status_filter")
        self.status_box.addItem("Every status", None)
        for key, words in STATUS_WORDS.items():
            self.status_box.addItem(words, key)
        self.status_box.currentIndexChanged.connect(lambda _i: self._show_chosen())
        self.table = QTableView()
        self.table.setObjectName("check_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # A route's name runs to 45 characters: sized to it, on a smaller or scaled screen it
        # left the reasons a word wide and each row ten lines tall. It wraps in a width of its
        # own (the user may widen it), and the reasons take the rest.
        header.setSectionResizeMode(TraineeCheckModel.COL_ROUTE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(TraineeCheckModel.COL_ROUTE,
                             self.table.fontMetrics().averageCharWidth() * 24)
        header.setSectionResizeMode(TraineeCheckModel.COL_REASONS, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.status_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.loaded = False

    def load(self) -> None:
        read(self, check_trainees, cohort_id=self.cohort_id, academic_year=self.academic_year,
             on_done=self.show_checks)

    def _show_chosen(self) -> None:
        status = self.status_box.currentData()
        self.model.set_rows([c for c in self.checks if status is None or c.status == status])
        self.table.resizeRowsToContents()

    def show_checks(self, checks: list[TraineeCheck]) -> None:
        self.checks = list(checks)
        self._show_chosen()
        self.loaded = True
        if not checks:
            self.summary.setText("No trainees in training, deferred or finished to check.")
            return
        counts = {key: 0 for key in STATUS_WORDS}
        for c in checks:
            counts[c.status] += 1
        self.summary.setText("<b>" + " · ".join(f"{n} {STATUS_WORDS[k].lower()}"
                                                 for k, n in counts.items() if n) + "</b>"
                             "  <span style='color:gray'>(days, schools and ITaP against the "
                             "route's rules for the cohort's year)</span>")
        self.table.resizeRowsToContents()

    def _open(self, index: QModelIndex) -> None:
        enrolment_id = self.model.data(index, TraineeCheckModel.EnrolmentRole)
        if enrolment_id is not None:
            self.main_window.open_record("enrolment", int(enrolment_id), parent=self.window())
