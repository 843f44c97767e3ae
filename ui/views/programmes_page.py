"""Programmes & cohorts: cohorts with places taken and left, every enrolment, and the programmes
themselves (to rename or describe them), in three tabs."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ittdesk.queries.lists import COHORTS, ENROLMENTS, PROGRAMMES
from ittdesk.queries.summaries import cohort_summary, enrolment_summary, programme_summary
from ittdesk.services.programmes import cohorts, enrolments, programmes

from .base import Page
from .detail import generic_html
from .list_page import ListPanel


class ProgrammesPage(Page):
    title = "Programmes & cohorts"
    shows = frozenset({"programme", "cohort", "enrolment", "placement", "person", "school"})

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(main_window, parent)
        self.cohorts = ListPanel(main_window, COHORTS, cohorts,
                                 lambda i: generic_html(cohort_summary(i)),
                                 search_hint="Search programme, cohort or year",
                                 noun=("cohort", "cohorts"))
        self.enrolments = ListPanel(main_window, ENROLMENTS, enrolments,
                                    lambda i: generic_html(enrolment_summary(i)),
                                    search_hint="Search name, email, trainee ID or subject",
                                    noun=("enrolment", "enrolments"))
        self.programmes = ListPanel(main_window, PROGRAMMES, programmes,
                                    lambda i: generic_html(programme_summary(i)),
                                    search_hint="Search programme name",
                                    noun=("programme", "programmes"))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.cohorts, "&Cohorts")
        self.tabs.addTab(self.enrolments, "&Enrolments")
        self.tabs.addTab(self.programmes, "Pro&grammes")
        heading = QLabel(self.title)
        heading.setProperty("role", "pageTitle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._tab_changed)
        for panel in (self.cohorts, self.enrolments, self.programmes):
            panel.selection_changed.connect(self.capabilities_changed)
            panel.count_changed.connect(lambda _n: self.capabilities_changed.emit())

    def panel(self) -> ListPanel:
        return cast(ListPanel, self.tabs.currentWidget())  # every tab is a list

    def _tab_changed(self, _index: int) -> None:
        self.panel().load()
        self.capabilities_changed.emit()

    def show_enrolments(self, **filters: str) -> None:
        """Switch to the enrolments tab, filtered (e.g. cohort="12")."""
        self.tabs.setCurrentWidget(self.enrolments)
        self.enrolments.fill_filter_options()
        for key, value in filters.items():
            self.enrolments.set_filter(key, value)

    def shown(self) -> None:
        self.panel().load()

    def prepare(self) -> None:
        for panel in (self.cohorts, self.enrolments, self.programmes):
            panel.prepare()

    def refresh(self) -> None:
        for panel in (self.cohorts, self.enrolments, self.programmes):
            if panel.model.has_loaded or panel.model.is_loading():
                panel.refresh()

    def refresh_later(self) -> None:
        """Hidden, each list decides (as ``ListPage.refresh_later``)."""
        self.refresh()

    def can_create(self) -> bool:
        return True

    def can_open(self) -> bool:
        return bool(self.panel().selected_ids())

    def can_delete(self) -> bool:
        return bool(self.panel().selected_ids())

    def can_print(self) -> bool:
        return self.panel().model.rowCount() > 0

    def can_export(self) -> bool:
        return self.panel().model.rowCount() > 0

    def can_search(self) -> bool:
        return True

    def can_copy(self) -> bool:
        return bool(self.panel().selected_ids())

    def copy_selected(self) -> None:
        self.panel().copy_selected()

    def new_record(self) -> None:
        self.panel().new_record()

    def open_selected(self) -> None:
        self.panel().open_selected()

    def delete_selected(self) -> None:
        self.panel().delete_selected()

    def export_current(self) -> None:
        self.panel().export(self.tabs.tabText(self.tabs.currentIndex()).replace("&", ""))

    def print_current(self) -> None:
        self.panel().print_list(self.tabs.tabText(self.tabs.currentIndex()).replace("&", ""))

    def focus_search(self) -> None:
        self.panel().search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.panel().search.selectAll()

    def save_state(self) -> None:
        for panel in (self.cohorts, self.enrolments, self.programmes):
            panel.save_state()

    def restore_state(self) -> None:
        for panel in (self.cohorts, self.enrolments, self.programmes):
            panel.restore_state()
