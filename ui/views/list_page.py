"""A navigation page showing one record list under a title.

``ListPage`` is what the schools, people, placements and agreements pages are; the list itself,
``ListPanel``, is in ``list_panel`` (a page may hold several panels), re-exported here with
``RecordTable`` for the code that imports them from this module.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ittdesk.queries import ListQuery

from .base import Page
from .list_panel import ListPanel, RecordTable

__all__ = ["ListPage", "ListPanel", "RecordTable"]


class ListPage(Page):
    """A navigation page showing one ``ListPanel`` under a title."""

    title = ""
    noun = ("record", "records")
    search_hint = "Search"
    query: ListQuery
    service: Any = None

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(main_window, parent)
        self.panel = ListPanel(main_window, self.query, self.service, self.summary_html,
                               search_hint=self.search_hint, noun=self.noun, parent=self)
        heading = QLabel(self.title)
        heading.setProperty("role", "pageTitle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(heading)
        layout.addWidget(self.panel, 1)
        self.panel.selection_changed.connect(self.capabilities_changed)
        self.panel.count_changed.connect(lambda _n: self.capabilities_changed.emit())

    def summary_html(self, record_id: int) -> str:
        return ""

    # Page hooks
    def shown(self) -> None:
        self.panel.load()

    def prepare(self) -> None:
        self.panel.prepare()

    def refresh(self) -> None:
        if self.panel.model.has_loaded or self.panel.model.is_loading():
            self.panel.refresh()

    def refresh_later(self) -> None:
        """Hidden, the list decides: one seen is read again at once (the rows are there when it
        is shown again), one only prepared when first shown (``ListPanel.refresh``)."""
        self.refresh()

    def can_create(self) -> bool:
        return self.service is not None

    def can_open(self) -> bool:
        return bool(self.panel.selected_ids())

    def can_delete(self) -> bool:
        return self.service is not None and bool(self.panel.selected_ids())

    def can_print(self) -> bool:
        return self.panel.model.rowCount() > 0

    def can_export(self) -> bool:
        return self.panel.model.rowCount() > 0

    def can_search(self) -> bool:
        return True

    def can_copy(self) -> bool:
        return bool(self.panel.selected_ids())

    def copy_selected(self) -> None:
        self.panel.copy_selected()

    def new_record(self) -> None:
        self.panel.new_record()

    def open_selected(self) -> None:
        self.panel.open_selected()

    def delete_selected(self) -> None:
        self.panel.delete_selected()

    def export_current(self) -> None:
        self.panel.export(self.title)

    def print_current(self) -> None:
        self.panel.print_list(self.title)

    def focus_search(self) -> None:
        self.panel.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.panel.search.selectAll()

    def save_state(self) -> None:
        self.panel.save_state()

    def restore_state(self) -> None:
        self.panel.restore_state()
