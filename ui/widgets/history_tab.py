"""The "History" tab every editor embeds: a record's audit entries, filterable by date and user.

Usage in an editor::

    from ui.widgets.history_tab import HistoryTab

    self.history = HistoryTab("school", school_id)      # entity name as the service calls it
    tabs.addTab(self.history, "History")
    ...
    self.history.set_record("school", new_id)           # after a new record is first saved
    self.history.refresh()                              # after each save

The entries are read by ``ittdesk.privacy.audit_query.history`` (the same query as
``ittdesk audit``) on a background task, so opening an editor never waits for it. A person's
history also shows the entries about their roles, enrolments and other records (a check box
turns that off); a record with parts (an agreement's parties, activities, reports, spend and
signatures) shows theirs too.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk import fields
from ittdesk.privacy import audit_query
from ittdesk.privacy.audit_query import Entry
from ui import tasks
from ui.models.rows_model import RowsModel
from ui.widgets.date_edit import DateEdit

from .. import colours

EVERYONE = "Everyone"


class HistoryModel(RowsModel):
    """Audit entries (already in words), newest first; read-only."""

    COL_WHEN, COL_USER, COL_RECORD, COL_ACTION, COL_CHANGES = range(5)
    HEADINGS = ("When", "By", "Record", "What", "Changes")
    EntryIdRole = Qt.ItemDataRole.UserRole + 1

    def set_entries(self, entries: list[Entry]) -> None:
        self.set_rows(entries)

    def entry(self, row: int) -> Entry:
        return self.rows[row]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_at(index)
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_WHEN:
                return entry.when
            if column == self.COL_USER:
                return entry.user
            if column == self.COL_RECORD:
                return entry.record
            if column == self.COL_ACTION:
                return entry.action_label
            if column == self.COL_CHANGES:
                lines = [str(change) for change in entry.changes]
                if entry.note:
                    lines.append(entry.note)
                return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_CHANGES:
            return entry.summary or None
        if role == self.EntryIdRole:
            return entry.id
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class HistoryTab(QWidget):
    """Who changed this record, when, and from what to what."""

    #: emitted after each load, with the number of entries shown
    loaded = Signal(int)

    def __init__(self, entity: str, entity_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.entity = entity
        self.entity_id = entity_id
        self._handle: tasks.TaskHandle | None = None
        self._generation = 0
        self._users: list[str] = []

        self.since = DateEdit()
        self.until = DateEdit()
        self.user = QComboBox()
        self.user.setMinimumContentsLength(14)
        self.user.addItem(EVERYONE)
        self.related = QCheckBox()
        self.related.setChecked(True)
        self._label_related()
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {colours.error()};")
        self.problem.hide()
        self.status = QLabel()

        filters = QHBoxLayout()
        for label, widget in (("From", self.since), ("To", self.until), ("By", self.user)):
            text = QLabel(label)
            text.setBuddy(widget)
            filters.addWidget(text)
            filters.addWidget(widget)
        filters.addWidget(self.related)
        filters.addStretch(1)

        self.model = HistoryModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(True)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((HistoryModel.COL_WHEN, 140), (HistoryModel.COL_USER, 90),
                              (HistoryModel.COL_RECORD, 130), (HistoryModel.COL_ACTION, 80)):
            self.view.setColumnWidth(column, width)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.problem)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

        self.since.changed.connect(self.refresh)
        self.until.changed.connect(self.refresh)
        self.user.currentIndexChanged.connect(lambda _i: self.refresh())
        self.related.toggled.connect(lambda _on: self.refresh())
        self.refresh()

    # -- public ---------------------------------------------------------------------------
    def set_record(self, entity: str, entity_id: int | None) -> None:
        self.entity, self.entity_id = entity, entity_id
        self._label_related()
        self.refresh()

    def is_loading(self) -> bool:
        return self._handle is not None and not self._handle.finished

    def refresh(self) -> None:
        """Read the entries again with the current filters (on a background task)."""
        if self.entity_id is None:
            self.model.set_entries([])
            self.status.setText("No history yet: the record has not been saved.")
            self.loaded.emit(0)
            return
        try:
            since = fields.day(self.since.text())
            until = fields.day(self.until.text())
        except ValueError as exc:
            self._show_problem(str(exc))
            return
        if since and until and until < since:
            self._show_problem("'To' is before 'From'")
            return
        self.problem.hide()
        shown = self.user.currentText()
        user = None if shown == EVERYONE else shown
        if self._handle is not None and not self._handle.finished:
            self._handle.cancel()
        self._generation += 1
        generation = self._generation
        self.status.setText("Reading the history…")
        self._handle = tasks.run_task(
            self, audit_query.history, self.entity, self.entity_id, since=since, until=until,
            user=user, include_related=self.related.isChecked(),
            on_done=lambda result: self._apply(generation, result))

    # -- internals ------------------------------------------------------------------------
    def _label_related(self) -> None:
        self.related.setText("Include their roles, enrolments and other records"
                             if self.entity == "person" else "Include its parts")
        self.related.setVisible(audit_query.has_related(self.entity))

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _apply(self, generation: int, result: tuple[list[Entry], list[str]]) -> None:
        if generation != self._generation:
            return
        entries, users = result
        self.model.set_entries(entries)
        if users != self._users:
            chosen = self.user.currentText()
            self.user.blockSignals(True)
            self.user.clear()
            self.user.addItems([EVERYONE, *users])
            if chosen in users:
                self.user.setCurrentText(chosen)
            self.user.blockSignals(False)
            self._users = users
        n = len(entries)
        self.status.setText("No changes match the filters." if not n
                            else f"{n} change{'s' if n != 1 else ''}, newest first")
        self.loaded.emit(n)
