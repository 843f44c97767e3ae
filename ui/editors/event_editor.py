"""The event editor: date, title, kind and place, and the attendance list — who was invited,
who came, who led it (issue 20: a school leader leading a session is what the partnership
wants to see). People are added with the record picker; the ticks are saved as they are
clicked, each through the attendance service (validated and audited), on a worker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ittdesk.errors import IttDeskError, plain_message
from ittdesk.queries.lists import PEOPLE
from ittdesk.services.events import attendance, attendance_of, events

from ..operations import write_and_wait
from .base import EntityEditor, open_editor

#: The columns of the attendance table; the last three are ticks.
COLUMNS = ("Person", "School at the time", "Invited", "Came", "Led it")
FLAGS = ("invited", "attended", "led")


class EventEditor(EntityEditor):
    service = events
    title_new = "New event"

    def default_size(self) -> QSize:
        return QSize(760, 620)

    def add_related_tabs(self) -> None:
        page = QWidget()
        page.setObjectName("tab_attendance")
        box = QVBoxLayout(page)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add people…")
        self.add_button.setObjectName("button_add_people")
        self.add_button.clicked.connect(self.add_people)
        self.remove_button = QPushButton("&Remove from list")
        self.remove_button.setObjectName("button_remove")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.counts = QLabel()
        self.counts.setObjectName("attendanceCounts")
        self.counts.setProperty("role", "muted")
        row.addWidget(self.counts)
        box.addLayout(row)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("attendance")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in range(2, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._ticked)
        self.table.cellDoubleClicked.connect(self._open_person)
        box.addWidget(self.table, 1)
        self._filling = False
        self._rows: list[int] = []  # attendance id per table row
        self._versions: dict[int, int] = {}  # attendance id -> version shown (writes check it)
        self._people: list[int] = []
        index = self.tabs.addTab(page, "&Attendance")
        self.tabs.setTabEnabled(index, self.instance is not None)
        if self.instance is None:
            self.tabs.setTabToolTip(index, "Save the event first")

    def refresh_related(self) -> None:
        if self.instance is None:
            return
        rows = list(attendance_of(self.instance.id))
        self._filling = True
        try:
            self.table.setRowCount(len(rows))
            self._rows = [r.id for r in rows]
            self._versions = {r.id: r.version for r in rows}
            self._people = [r.person_id for r in rows]
            for n, r in enumerate(rows):
                name = QTableWidgetItem(r.person.full_name)
                name.setToolTip("Double-click to open the person")
                self.table.setItem(n, 0, name)
                self.table.setItem(n, 1, QTableWidgetItem(r.school.name if r.school is not None else ""))
                for col, flag in enumerate(FLAGS, start=2):
                    tick = QTableWidgetItem()
                    tick.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                                  | Qt.ItemFlag.ItemIsSelectable)
                    tick.setCheckState(Qt.CheckState.Checked if getattr(r, flag)
                                       else Qt.CheckState.Unchecked)
                    tick.setData(Qt.ItemDataRole.AccessibleTextRole,
                                 f"{COLUMNS[col]}: {'yes' if getattr(r, flag) else 'no'}")
                    self.table.setItem(n, col, tick)
        finally:
            self._filling = False
        came = sum(1 for r in rows if r.attended)
        led = [r.person.full_name for r in rows if r.led]
        self.counts.setText(f"{len(rows)} on the list · {came} came"
                            + (f" · led by {', '.join(led)}" if led else ""))

    # -- changes -----------------------------------------------------------------------------
    def _write(self, fn, data: Any) -> bool:
        result, error = write_and_wait(self, fn, data, changes={"event_attendance"})
        if error is not None:
            message = str(error) if isinstance(error, IttDeskError) else plain_message(error)
            if hasattr(error, "errors"):
                message = "\n".join(error.errors.values())
            QMessageBox.warning(self, "Attendance", message)
            self.refresh_related()
            return False
        return True

    def _ticked(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() < 2 or item.row() >= len(self._rows):
            return
        flag = FLAGS[item.column() - 2]
        value = item.checkState() == Qt.CheckState.Checked
        row_id = self._rows[item.row()]
        seen = self._versions.get(row_id)
        self._write(lambda data: attendance.set_flags(row_id, expected_version=seen, **data),
                    {flag: value})
        self.refresh_related()  # "led" ticks "came" too

    def add_people(self) -> None:
        """Choose people one after another with the record picker (Cancel stops)."""
        from ..widgets.record_picker import PickerDialog

        if self.instance is None:
            return
        chosen: list[int] = []
        while True:
            dialog = PickerDialog(PEOPLE, "Add a person to the list (Cancel when done)", parent=self)
            dialog.setObjectName("AddAttendee")
            if not dialog.exec() or dialog.chosen is None:
                break
            chosen.append(dialog.chosen)
            if not self._add(self.instance.id, chosen):
                return
            chosen = []

    def _add(self, event_id: int, person_ids: list[int]) -> bool:
        ok = self._write(lambda ids: attendance.add_people(event_id, ids), person_ids)
        self.refresh_related()
        return ok

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        ids = [self._rows[r] for r in rows if r < len(self._rows)]
        if not ids:
            return

        seen = dict(self._versions)

        def remove(row_ids):
            for row_id in row_ids:
                attendance.delete(row_id, expected_version=seen.get(row_id))

        self._write(remove, ids)
        self.refresh_related()

    def _open_person(self, row: int, _column: int) -> None:
        if row < len(self._people):
            self.main_window.open_record("person", self._people[row], parent=self)

    def printable_html(self) -> str | None:
        from html import escape

        from ittdesk import fields

        if self.instance is None:
            return None
        rows = "".join(
            f"<tr><td>{escape(r.person.full_name)}</td><td>{escape(r.school.name if r.school is not None else '')}"
            f"</td><td>{'yes' if r.invited else ''}</td><td>{'yes' if r.attended else ''}</td>"
            f"<td>{'yes' if r.led else ''}</td></tr>" for r in attendance_of(self.instance.id))
        head = "".join(f"<th>{c}</th>" for c in COLUMNS)
        return (f"<h1>{escape(self.instance.title)}</h1><p>{fields.format_date(self.instance.held_on)}"
                f"{' · ' + escape(self.instance.location) if self.instance.location else ''}</p>"
                f"<table><tr>{head}</tr>{rows}</table>")


def open_event(parent, record_id: int | None, **defaults: Any):
    return open_editor(EventEditor, parent, record_id, **defaults)
