"""A small read-only table over a Python list, for dialogs and pages with at most a few
thousand rows (big lists use ``RecordListModel`` over SQL instead)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

_ROOT = QModelIndex()


class RowsModel(QAbstractTableModel):
    """``rows`` shown under ``HEADINGS``; subclasses give ``data`` (and ``flags`` if editable)."""

    HEADINGS: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.HEADINGS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADINGS)):
            return self.HEADINGS[section]
        return None

    def row_at(self, index: QModelIndex | QPersistentModelIndex) -> Any | None:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        return self.rows[index.row()]
