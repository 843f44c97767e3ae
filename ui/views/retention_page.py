"""Retention review: the provider's retention schedule, and who is past it, with why.

Nothing is anonymised by itself: the page lists (``ittdesk.privacy.retention.review``), and the
user confirms once before ``retention.apply`` runs on a background task with progress and
Cancel (each person is one transaction, so a cancel keeps the ones done and nothing half-done).
The schedule is provider settings a data protection officer can change here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk import fields
from ittdesk.errors import IttDeskError, plain_message
from ittdesk.privacy import erasure, retention
from ittdesk.privacy.retention import RetentionItem
from ui.models.rows_model import RowsModel

from ..operations import write, write_and_wait
from ..tasks import TaskHandle, run_task, show_error
from .base import Page


def set_periods(wanted: dict[str, int]) -> list[str]:
    """On a worker: each retention period that differs from ``wanted``; their names."""
    changed = []
    for rule, years in retention.schedule():
        if rule.key in wanted and wanted[rule.key] != years:
            retention.set_period(rule.key, wanted[rule.key])
            changed.append(rule.label.lower())
    return changed


class RetentionModel(RowsModel):
    COL_ID, COL_NAME, COL_KIND, COL_SINCE, COL_WHY = range(5)
    HEADINGS = ("#", "Name", "Kind of record", "Past its period since", "Why")
    PersonIdRole = Qt.ItemDataRole.UserRole + 1

    @property
    def items(self) -> list[RetentionItem]:
        return self.rows

    def set_items(self, items: list[RetentionItem]) -> None:
        self.set_rows(items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_at(index)
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                self.COL_ID: str(item.person_id),
                self.COL_NAME: item.name,
                self.COL_KIND: item.category,
                self.COL_SINCE: fields.format_date(item.keep_until),
                self.COL_WHY: item.reason,
            }.get(column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_WHY:
            return "\n".join(h.text() for h in item.holds)
        if role == self.PersonIdRole:
            return item.person_id
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COL_ID:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def anonymise(person_ids: list[int], progress, cancel) -> list[int]:
    """Background work: anonymise these people (each must still be due)."""
    return retention.apply(person_ids, progress=progress, cancelled=cancel.is_set)


class RetentionPage(Page):
    title = "Retention review"
    shows = frozenset({"person", "role", "designation", "mentor_training", "enrolment",
                       "placement", "agreement", "event_attendance"})
    schedule_message: QLabel  # made after the spin boxes that clear it

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(main_window, parent)
        self.setObjectName("RetentionPage")
        self.handle: TaskHandle | None = None
        self._busy = False
        heading = QLabel("<h2>Retention review</h2>")
        intro = QLabel(
            "People whose every record is past the provider's retention period. Nothing is "
            "anonymised automatically: choose who to anonymise and confirm. Anonymising keeps "
            "the records (counts, outcomes, placements' schools and dates) and removes the "
            "personal details, as 'erased person #id'.")
        intro.setWordWrap(True)

        # The schedule, editable by the DPO.
        self.spins: dict[str, QSpinBox] = {}
        schedule = QGroupBox("Retention schedule")
        form = QFormLayout(schedule)
        for rule in retention.RULES:
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.valueChanged.connect(lambda value, box=spin: box.setSuffix(" year" if value == 1 else " years"))
            # "Saved …" was about the values before this change
            spin.valueChanged.connect(lambda _value: self.schedule_message.clear())
            spin.setSuffix(" years")
            spin.setMinimumWidth(110)
            spin.setAccessibleName(rule.label)
            self.spins[rule.key] = spin
            row = QHBoxLayout()
            row.addWidget(spin)
            after = QLabel(rule.after)
            after.setWordWrap(True)  # at 150 % scaling the longest was cut off at the page's edge
            row.addWidget(after, 1)
            form.addRow(rule.label, row)
        self.save_button = QPushButton("Save schedule")
        self.save_button.clicked.connect(self.save_schedule)
        self.schedule_message = QLabel()
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.schedule_message, 1)
        form.addRow("", save_row)

        self.model = RetentionModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in ((0, 50), (1, 180), (2, 260), (3, 150)):
            self.view.setColumnWidth(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.doubleClicked.connect(lambda _index: self.open_selected())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        self.status = QLabel()
        self.backups_note = QLabel()
        self.backups_note.setWordWrap(True)
        self.backups_note.hide()
        self.anonymise_selected_button = QPushButton("Anonymise selected…")
        self.anonymise_all_button = QPushButton("Anonymise all due…")
        self.open_button = QPushButton("Open person")
        self.anonymise_selected_button.clicked.connect(self.anonymise_selected)
        self.anonymise_all_button.clicked.connect(self.anonymise_all)
        self.open_button.clicked.connect(self.open_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.anonymise_selected_button)
        buttons.addWidget(self.anonymise_all_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(schedule)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.backups_note)
        self.load_schedule()
        self.refresh()

    # -- Page hooks ---------------------------------------------------------------------------
    def can_open(self) -> bool:
        return bool(self.selected_ids())

    def open_selected(self) -> None:
        ids = self.selected_ids()
        opener = getattr(self.main_window, "open_record", None)
        if ids and opener is not None:
            opener("person", ids[0])

    def refresh(self) -> None:
        self.status.setText("Reviewing…")
        self._set_busy(True)
        self.handle = run_task(self, retention.review, on_done=self._loaded,
                               on_error=self._load_failed)

    def shown(self) -> None:
        """Coming back to the page: the schedule as stored now (an ittdesk command may have
        changed it), and last visit's "Saved …" and backups note gone with that visit."""
        self.load_schedule()
        self.schedule_message.clear()
        self.backups_note.hide()
        self.refresh()

    def refresh_later(self) -> None:
        """Nothing to remember while hidden: ``shown`` reads everything again."""

    # -- schedule -------------------------------------------------------------------------------
    def load_schedule(self) -> None:
        for rule, years in retention.schedule():
            self.spins[rule.key].setValue(years)

    def save_schedule(self) -> None:
        """The periods changed, written on a worker (``write_and_wait``)."""
        wanted = {key: spin.value() for key, spin in self.spins.items()}
        changed, exc = write_and_wait(self, set_periods, wanted, changes={"provider"})
        if exc is not None:
            self.schedule_message.setText(str(exc) if isinstance(exc, IttDeskError)
                                          else plain_message(exc))
            return
        self.schedule_message.setText(("Saved: " + ", ".join(changed)) if changed else "No change.")
        if changed:
            self.refresh()

    # -- the due list ----------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return [self.model.items[row].person_id for row in rows if row < len(self.model.items)]

    def _selection_changed(self) -> None:
        self.anonymise_selected_button.setEnabled(bool(self.selected_ids()) and not self._busy)
        self.open_button.setEnabled(bool(self.selected_ids()))
        self.capabilities_changed.emit()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.anonymise_all_button.setEnabled(not busy and bool(self.model.items))
        self.anonymise_selected_button.setEnabled(not busy and bool(self.selected_ids()))
        self.open_button.setEnabled(bool(self.selected_ids()))

    def _loaded(self, items: list[RetentionItem]) -> None:
        self.model.set_items(items)
        for column in (RetentionModel.COL_ID, RetentionModel.COL_NAME, RetentionModel.COL_KIND,
                       RetentionModel.COL_SINCE):
            self.view.resizeColumnToContents(column)
        n = len(items)
        self.status.setText("Nobody is past their retention period." if not n else
                            f"{n} {'person is' if n == 1 else 'people are'} past their retention period")
        self.status_message.emit(self.status.text())
        self._set_busy(False)
        self._selection_changed()

    def _load_failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not review: {plain_message(exc)}")
        self._set_busy(False)

    def confirm(self, text: str) -> bool:
        """The one confirmation (tests replace it)."""
        answer = QMessageBox.warning(self, "Anonymise personal data", text,
                                     QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                     QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def anonymise_selected(self) -> None:
        self._anonymise(self.selected_ids())

    def anonymise_all(self) -> None:
        self._anonymise([item.person_id for item in self.model.items])

    def _anonymise(self, ids: list[int]) -> None:
        if not ids:
            return
        items = {i.person_id: i for i in self.model.items}
        names = [f"#{pid} {items[pid].name}" for pid in ids[:8] if pid in items]
        more = f"\n… and {len(ids) - len(names)} more" if len(ids) > len(names) else ""
        text = (f"Anonymise {len(ids)} {'person' if len(ids) == 1 else 'people'}?\n\n"
                + "\n".join(names) + more
                + "\n\nWhat goes: names, contact details, TRN, notes, trainee IDs, withdrawal "
                  "reasons, placement notes, names typed in agreements, and these values in the "
                  "audit trail.\nWhat stays: the records themselves (counts, outcomes, schools "
                  "and dates), as 'erased person #id'.\n\nThis cannot be undone.")
        if not self.confirm(text):
            return
        self._set_busy(True)
        self.status.setText("Anonymising…")
        self.handle = write(self, anonymise, ids, changes={"person"}, on_done=self._anonymised,
                            on_error=self._apply_failed, on_cancelled=self.refresh,
                            progress_title="Anonymising…")

    def _anonymised(self, done: list[int]) -> None:
        backups = erasure.backups_holding(done[0]) if done else []
        if backups:
            self.backups_note.setText(erasure.backups_note(backups)
                                      + " (Use 'Erase personal data' on a person to delete them.)")
            self.backups_note.show()
        self.refresh()
        self.status_message.emit(f"Anonymised {len(done)} {'person' if len(done) == 1 else 'people'}")

    def _apply_failed(self, exc: BaseException) -> None:
        """Said in a message (the review that follows rewrites the status line at once, so a
        status line would vanish before it was read)."""
        show_error(self, exc, "Not anonymised")
        self.refresh()
