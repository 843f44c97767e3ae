"""Check how an LA's template will be filled in: where its headings are, which field fills each
column (editable), and whether rows must be inserted above its totals.

The dialog only presents ``ittdesk.returns.template.TemplateInfo`` and collects the user's
mapping; finding the header, suggesting the mapping and writing the file happen in the core.
"""

from __future__ import annotations

from html import escape

from openpyxl.utils import get_column_letter
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ittdesk.returns.template import TemplateInfo

from .. import settings as ui_settings
from .. import sizing

LEAVE_EMPTY = "(leave empty)"


class TemplateFillDialog(QDialog):
    """Shows the headings found and lets the user choose what fills each column."""

    def __init__(self, info: TemplateInfo, record_count: int | None, return_title: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.info = info
        self.setObjectName("TemplateFillDialog")
        self.setWindowTitle(f"Fill in {info.path.name}")
        geometry = ui_settings.DIALOG_GEOMETRY.get(type(self).__name__)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(760, 520)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale
        layout = QVBoxLayout(self)

        found = QLabel(
            f"<b>{escape(return_title)}</b> into <b>{escape(info.path.name)}</b>: headings found "
            f"on the sheet <b>{escape(info.sheet)}</b>, row {info.header_row}. "
            + ("The mapping you used last time for this template is filled in."
               if info.from_saved else "ITT Desk suggests the fields below; change any that "
                                       "are wrong."))
        found.setWordWrap(True)
        found.setObjectName("found")
        layout.addWidget(found)

        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("mapping")
        self.table.setHorizontalHeaderLabels(["Column", "Heading in the template", "Filled with"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.combos: dict[int, QComboBox] = {}
        for col, heading in enumerate(info.headings):
            if not heading:
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            letter = QTableWidgetItem(get_column_letter(col + 1))
            letter.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(row, 0, letter)
            self.table.setItem(row, 1, QTableWidgetItem(heading))
            combo = QComboBox(self.table)
            combo.setObjectName(f"field_{col}")
            combo.setAccessibleName(f"Field for the column {heading}")
            combo.addItem(LEAVE_EMPTY, None)
            for column in info.columns:
                combo.addItem(column.heading, column.key)
            chosen = info.mapping.get(col)
            if chosen:
                combo.setCurrentIndex(max(combo.findData(chosen), 0))
            combo.currentIndexChanged.connect(self._update_summary)
            self.table.setCellWidget(row, 2, combo)
            self.combos[col] = combo
        layout.addWidget(self.table, 1)

        self.room = QLabel(self._room_text(record_count))
        self.room.setObjectName("room")
        self.room.setWordWrap(True)
        layout.addWidget(self.room)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.remember = QCheckBox("Remember this mapping for this template")
        self.remember.setObjectName("remember")
        self.remember.setChecked(True)
        layout.addWidget(self.remember)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.fill_button = buttons.addButton("Fill in and save as…",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.fill_button.setObjectName("fill")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update_summary()

    def _room_text(self, count: int | None) -> str:
        info = self.info
        capacity = info.capacity
        if info.stop_row is None or capacity is None:  # None together: nothing below the data
            return (f"The records go from row {info.data_start} down; nothing of the LA's is "
                    "below the headings.")
        below = f"“{info.stop_text}”" if info.stop_text else "the LA's own rows"
        if capacity == 0:
            rows = "no rows"
        elif capacity == 1:
            rows = f"1 row (row {info.data_start})"
        else:
            rows = f"{capacity} rows (rows {info.data_start}–{info.stop_row - 1})"
        text = f"The template has room for {rows} above {below} at row {info.stop_row}."
        if count is not None and count > capacity:
            text += (f" There are {count} records, so {count - capacity} rows will be "
                     "inserted and its totals will be widened to cover them.")
        elif count is not None:
            text += f" There are {count} records."
        return text

    def done(self, result: int) -> None:  # noqa: N802 - Qt override: every way of closing
        ui_settings.DIALOG_GEOMETRY.set(self.saveGeometry(), type(self).__name__)
        super().done(result)

    def mapping(self) -> dict[int, str]:
        return {col: combo.currentData() for col, combo in self.combos.items()
                if combo.currentData()}

    def _update_summary(self) -> None:
        mapping = self.mapping()
        empty = [self.info.headings[c] for c in self.combos if c not in mapping]
        text = f"{len(mapping)} of {len(self.combos)} columns will be filled in."
        if empty:
            text += " Left empty: " + "; ".join(empty) + "."
        self.summary.setText(text)
        self.fill_button.setEnabled(bool(mapping))
