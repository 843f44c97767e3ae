"""Tools > Placement rules and term dates…: a year's rules per route (DfE's defaults made on
first look) and its term dates, each opened in its editor; term dates added one by one or
imported from a CSV (``ittdesk.services.placement_rules``). Read and written on a worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock, fields
from ittdesk.academic_year import AcademicYear
from ittdesk.choices import TRAINING_ROUTES
from ittdesk.models import PlacementRule, TermDates
from ittdesk.placements.rules import ensure_year
from ittdesk.services.placement_rules import import_term_dates, placement_rules
from ui.models.rows_model import RowsModel

from .. import sizing
from ..files import export_folder
from ..operations import affects, changes_of, write
from ..tasks import show_error


def load_year(year: AcademicYear) -> tuple[list[PlacementRule], list[TermDates], int]:
    """Worker: the year's rules (made from the defaults if it has none: how many were made)
    and its terms."""
    made = ensure_year(year)
    rules = placement_rules.for_year(year)
    terms = list(TermDates.select().where(TermDates.academic_year == year)
                 .order_by(TermDates.la_code.is_null(False), TermDates.la_code,
                           TermDates.start_date))
    return rules, terms, made


class RulesModel(RowsModel):
    HEADINGS = ("Route", "Days", "4-year course", "Schools", "Contrasting", "ITaP days",
                "Employer counts", "Register needs")

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r: PlacementRule | None = self.row_at(index)
        if r is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        yes = {True: "yes", False: "no"}
        return (TRAINING_ROUTES.label(r.route), str(r.min_days),
                "" if r.min_days_four_year is None else str(r.min_days_four_year),
                str(r.min_schools), yes[bool(r.needs_contrasting)], str(r.itap_days),
                yes[bool(r.employing_school_counts)],
                str(r.placements_required_by_register))[index.column()]


class TermsModel(RowsModel):
    HEADINGS = ("LA", "Term", "First day", "Last day")

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        t: TermDates | None = self.row_at(index)
        if t is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (t.la_code or "every LA", t.term, fields.format_date(t.start_date),
                fields.format_date(t.end_date))[index.column()]


def _table(model: RowsModel, name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class PlacementRulesDialog(QDialog):
    def __init__(self, main_window: Any, parent: QWidget | None = None):
        super().__init__(parent or main_window)
        self.main_window = main_window
        self.setWindowTitle("Placement rules and term dates")
        self.resize(1000, 680)
        sizing.fit_on_show(self)  # Add a term / Close stay on screen at any scale
        self.year_box = QComboBox()
        self.year_box.setObjectName("rules_year")
        now = AcademicYear.current(clock.today())
        for year in (now.previous(), now, now.next()):
            self.year_box.addItem(str(year), year)
        self.year_box.setCurrentIndex(1)
        self.year_box.currentIndexChanged.connect(lambda _i: self.load())
        self.rules = RulesModel(self)
        self.terms = TermsModel(self)
        self.rules_table = _table(self.rules, "rules_table")
        self.terms_table = _table(self.terms, "terms_table")
        self.rules_table.doubleClicked.connect(lambda i: self._open("placement_rule", self.rules, i))
        self.terms_table.doubleClicked.connect(lambda i: self._open("term_dates", self.terms, i))
        top = QHBoxLayout()
        top.addWidget(QLabel("Academic year:"))
        top.addWidget(self.year_box)
        top.addStretch(1)
        buttons = QHBoxLayout()
        for text, slot in (("&Add a term…", self.add_term),
                           ("&Import term dates…", self.import_terms)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("<b>Rules per route</b> (double-click to change one; a cohort "
                                "is checked against its own year's)"))
        layout.addWidget(self.rules_table, 3)
        layout.addWidget(QLabel("<b>Term dates</b> (half-terms as separate terms; an LA's own "
                                "where they differ; none: every weekday but bank holidays)"))
        layout.addWidget(self.terms_table, 2)
        layout.addLayout(buttons)
        notifier = changes_of(main_window)
        if notifier is not None:
            notifier.changes_announced.connect(self._changes)
        self.loaded = False
        self.load()

    @property
    def year(self) -> AcademicYear:
        return self.year_box.currentData()

    def load(self) -> None:
        # Announced only when the year's default rules were made just now.
        write(self, load_year, self.year, on_done=self._show,
              changes=lambda found: {"placement_rule"} if found[2] else set())

    def _show(self, found: tuple[list[PlacementRule], list[TermDates], int]) -> None:
        self.rules.set_rows(found[0])
        self.terms.set_rows(found[1])
        self.loaded = True

    def _changes(self, kinds: frozenset[str]) -> None:
        if self.loaded and affects({"term_dates", "placement_rule"}, kinds):
            self.load()

    def _open(self, entity: str, model: RowsModel, index: QModelIndex) -> None:
        row = model.row_at(index)
        if row is not None:
            self.main_window.open_record(entity, row.id, parent=self)

    def add_term(self) -> None:
        self.main_window.open_record("term_dates", None, parent=self,
                                     academic_year=str(self.year))

    def import_terms(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Term dates CSV", str(export_folder()),
                                              "CSV files (*.csv)")
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        write(self, import_term_dates, path, changes={"term_dates"},
              on_error=lambda exc: show_error(self, exc, "Term dates not imported"))


def open_placement_rules(main_window):
    dialog = PlacementRulesDialog(main_window)
    dialog.show()
    return dialog
