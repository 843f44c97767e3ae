"""The import wizard's table models: the preview's rows formatted only when shown, and the
column mapping the user checks and edits (with its combo box delegate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QStyledItemDelegate, QTableView

from ittdesk.spreadsheets import importing
from ittdesk.spreadsheets.heading_match import SURE
from ittdesk.spreadsheets.import_base import Source

from ...models.rows_model import RowsModel

NOT_IMPORTED = "(not imported)"
_ROOT = QModelIndex()


class FormattedRowsModel(RowsModel):
    """A read-only table over a list of rows, each formatted to texts only when a view asks for
    it (a preview can hold 50,000 rows: formatting them all up front would freeze the window)."""

    def __init__(self, headings: list[str], rows: list[Any] | None = None,
                 parent: QObject | None = None,
                 formatter: Callable[[Any], list[str]] | None = None):
        super().__init__(parent)
        self.HEADINGS = tuple(headings)
        self.rows = rows or []
        self.formatter = formatter or (lambda row: row)
        self._cache: dict[int, list[str]] = {}

    def set_rows(self, rows: list[Any], formatter: Callable[[Any], list[str]] | None = None) -> None:
        if formatter is not None:
            self.formatter = formatter
        self._cache = {}
        super().set_rows(rows)

    def row_texts(self, row: int) -> list[str]:
        texts = self._cache.get(row)
        if texts is None:
            if len(self._cache) > 5000:
                self._cache.clear()
            texts = self._cache[row] = self.formatter(self.rows[row])
        return texts

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.row_texts(index.row())[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class MappingModel(QAbstractTableModel):
    """One row per column of the file: heading, sample values, what it imports as (editable)."""

    COL_HEADING, COL_SAMPLES, COL_FIELD, COL_HOW = range(4)
    HEADINGS = ("Column in the file", "Sample values", "Imports as", "Match")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.columns: list[tuple[int, str, str, bool]] = []  # (index, heading, samples, hidden)
        self.labels: dict[str, str] = {}  # field name -> label
        self.mapping: dict[int, str] = {}
        self.suggested: dict[int, str] = {}
        self.confidence: dict[int, float] = {}
        self.saved = False  # the mapping a user confirmed for these headings before

    def load(self, source: Source) -> None:
        importer = importing.kind_for(source.kind)
        self.beginResetModel()
        self.labels = {f.name: f.label for f in importer.fields}
        hidden = source.sheet.hidden_columns
        self.columns = [(i, h, ", ".join(source.samples(i)), i in hidden)
                        for i, h in enumerate(source.headings) if h or i in source.mapping]
        self.mapping = dict(source.mapping)
        self.suggested = dict(source.mapping)
        self.confidence = {c: m.confidence for c, m in source.header.matches.items()}
        self.saved = source.mapping_from == "saved"
        self.endResetModel()

    def field_choices(self) -> list[tuple[str, str]]:
        return [("", NOT_IMPORTED)] + list(self.labels.items())

    def reset_to_suggested(self) -> None:
        self.beginResetModel()
        self.mapping = dict(self.suggested)
        self.endResetModel()

    def rowCount(self, parent=_ROOT):  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.columns)

    def columnCount(self, parent=_ROOT):  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.HEADINGS)

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and index.column() == self.COL_FIELD:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        col_index, heading, samples, hidden = self.columns[index.row()]
        column = index.column()
        name = self.mapping.get(col_index, "")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == self.COL_HEADING:
                return heading + (" (hidden)" if hidden else "")
            if column == self.COL_SAMPLES:
                return samples
            if column == self.COL_FIELD:
                return self.labels.get(name, NOT_IMPORTED)
            if column == self.COL_HOW:
                if not name:
                    return ""
                if name != self.suggested.get(col_index):
                    return "your choice"
                conf = self.confidence.get(col_index)
                if conf is None or self.saved:
                    return "saved"
                # A guess (the heading does not plainly name the field) is for the user to check.
                if conf >= SURE:
                    return "exact" if conf >= 0.99 else "names it"
                if role == Qt.ItemDataRole.ToolTipRole:
                    return ("A guess: the heading does not plainly name this field. Check the "
                            "sample values, or choose another field or Not imported.")
                return "check"
        if role == Qt.ItemDataRole.EditRole and column == self.COL_FIELD:
            return name
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_FIELD and not name:
            from PySide6.QtGui import QPalette

            return QPalette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802 - Qt override
        if not index.isValid() or index.column() != self.COL_FIELD or role != Qt.ItemDataRole.EditRole:
            return False
        col_index = self.columns[index.row()][0]
        value = value or ""
        if value and value not in self.labels:
            return False
        changed_rows = [index.row()]
        if value:
            # a field comes from one column only: the column that had it gives it up
            for row, (other, *_rest) in enumerate(self.columns):
                if other != col_index and self.mapping.get(other) == value:
                    del self.mapping[other]
                    changed_rows.append(row)
            self.mapping[col_index] = value
        else:
            self.mapping.pop(col_index, None)
        for row in changed_rows:
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADINGS[section]
        return None


class FieldDelegate(QStyledItemDelegate):
    """A combo box of the fields a column can import as."""

    def __init__(self, model: MappingModel, parent: QObject | None = None):
        super().__init__(parent)
        self.mapping_model = model

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt override
        combo = QComboBox(parent)
        combo.setAccessibleName("Imports as")
        for name, label in self.mapping_model.field_choices():
            combo.addItem(label, name)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor, index):  # noqa: N802 - Qt override
        found = editor.findData(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.setCurrentIndex(max(found, 0))

    def setModelData(self, editor, model, index):  # noqa: N802 - Qt override
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


def table_view(model: QAbstractTableModel, name: str) -> QTableView:
    """The wizard's tables: whole rows selected, no row numbers, the last column stretched."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view
