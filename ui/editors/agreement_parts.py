"""Building blocks of the agreement editor: typed form fields with a message beside each, and a
list-plus-form for one kind of agreement part (parties, leaders, activities, reports, spend,
signatures) held in memory until the editor saves.

Each form is made of its service's declared fields (:func:`from_field`: the widget by the
field's kind, a vocabulary's choices, a record picker for a reference); a form may word a label
its own way or narrow a picker. Rows are plain dicts of what the user typed or picked (text, or
an id for a choice); the services parse and check them on save, so no rule is repeated here.

Records from the big tables (schools, people) are chosen with the record picker (``kind``
"pick"): its searchable list loads on a worker when the user asks, and the names the form and
tables show are fetched for the ids in hand only, many in one query (``Pick.names``) — never
the whole table into a combo box on the GUI thread. Combo boxes ("choice", "ref") are for short
vocabularies and for options held in memory (the parties a signature can be for).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk.queries import ListQuery
from ittdesk.services.base import Field, Kind

from ..widgets.record_picker import RecordPicker

ERROR_STYLE = "color: #b3261e;"
WARNING_STYLE = "color: #8a5a00;"

Options = list[tuple[str, Any]]  # (label, value) for a combo box


@dataclass(frozen=True)
class Pick:
    """How a "pick" field chooses a record: the searchable list, the names of given ids (one
    query for many), what one is called, and the list's filters read from the form when the
    user opens the picker (e.g. a party's contacts: people at that party's school)."""

    query: ListQuery
    names: Callable[[list[int]], dict[int, str]]
    what: str
    filters: Callable[[], dict[str, str]] | None = None


@dataclass
class FieldSpec:
    """One form field: ``kind`` is text, short, long, date, money, number, choice, ref or pick."""

    key: str
    label: str
    kind: str = "text"
    options: Callable[[], Options] | None = None  # for choice/ref
    placeholder: str = ""
    blank: str | None = "—"  # the empty choice's label (None: no empty choice)
    pick: Pick | None = None  # for pick


class FieldWidget(QWidget):
    """An input with a message label under it (errors red, warnings amber)."""

    changed = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.input: QPlainTextEdit | RecordPicker | QComboBox | QLineEdit
        if spec.kind == "long":
            self.input = long = QPlainTextEdit()
            long.setTabChangesFocus(True)
            long.setPlaceholderText(spec.placeholder)
            long.setMinimumHeight(72)
            long.textChanged.connect(self.changed)
        elif spec.kind == "pick":
            assert spec.pick is not None
            self.names: dict[int, str] = {}
            self.input = picker = RecordPicker(spec.pick.query, self.name_of, spec.pick.what,
                                               spec.pick.filters)
            picker.changed.connect(self.changed)
        elif spec.kind in ("choice", "ref"):
            self.input = combo = QComboBox()
            combo.setMinimumWidth(260)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(24)
            if spec.kind == "ref":
                combo.setEditable(True)
                combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                completer = combo.completer()
                assert completer is not None  # setEditable made it
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            self.reload_options()
            combo.currentIndexChanged.connect(self.changed)
        else:
            self.input = line = QLineEdit()
            line.setPlaceholderText(spec.placeholder or {
                "date": "dd/mm/yyyy", "money": "£0.00", "number": "0"}.get(spec.kind, ""))
            if spec.kind in ("date", "money", "number", "short"):
                line.setMaximumWidth(160)
            line.textChanged.connect(self.changed)
        self.input.setObjectName(f"field_{spec.key}")
        self.input.setAccessibleName(spec.label)
        self.message = QLabel()
        self.message.setObjectName(f"message_{spec.key}")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.input, 1)
        layout.addWidget(self.message)
        if spec.kind != "long":  # only long text takes the form's spare height
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def reload_options(self) -> None:
        if not isinstance(self.input, QComboBox) or self.spec.options is None:
            return
        current = self.value()
        self.input.blockSignals(True)
        self.input.clear()
        if self.spec.blank is not None:
            self.input.addItem(self.spec.blank, None)
        for label, value in self.spec.options():
            self.input.addItem(label, value)
        self.input.blockSignals(False)
        self.set_value(current)

    def name_of(self, record_id: int) -> str:
        """The picked record's name, from the names already fetched (else one query)."""
        if record_id not in self.names:
            self.prime([record_id])
        return self.names.get(record_id, f"#{record_id}")

    def prime(self, ids) -> None:
        """Fetch the names of ``ids`` not known yet, in one query (a pick field only)."""
        if self.spec.pick is None:
            return
        missing = sorted({i for i in ids if i is not None and not isinstance(i, str)} - set(self.names))
        if missing:
            self.names.update(self.spec.pick.names(missing))

    def value(self) -> Any:
        if isinstance(self.input, RecordPicker):
            return self.input.value()
        if isinstance(self.input, QComboBox):
            if self.input.isEditable():
                # Typed text that matches no entry means "nothing chosen", never a guess.
                index = self.input.findText(self.input.currentText(), Qt.MatchFlag.MatchExactly)
                return self.input.itemData(index) if index >= 0 else None
            return self.input.currentData()
        if isinstance(self.input, QPlainTextEdit):
            return self.input.toPlainText()
        return self.input.text()

    def set_value(self, value: Any) -> None:
        self.input.blockSignals(True)
        try:
            if isinstance(self.input, RecordPicker):
                self.input.set_value(value)
            elif isinstance(self.input, QComboBox):
                index = self.input.findData(value)
                if index < 0 and value is not None and self.spec.options is not None:
                    # A record not in the usual list (e.g. a person without a designation).
                    self.input.addItem(f"#{value}", value)
                    index = self.input.count() - 1
                self.input.setCurrentIndex(max(index, 0))
            elif isinstance(self.input, QPlainTextEdit):
                self.input.setPlainText(value or "")
            else:
                self.input.setText("" if value is None else str(value))
        finally:
            self.input.blockSignals(False)

    def label_for(self, value: Any) -> str:
        if isinstance(self.input, RecordPicker):
            return "" if value is None else self.name_of(value)
        if isinstance(self.input, QComboBox):
            index = self.input.findData(value)
            return self.input.itemText(index) if index >= 0 and value is not None else ""
        return "" if value is None else str(value)

    def show_message(self, text: str | None, *, warning: bool = False) -> None:
        self.message.setText(text or "")
        self.message.setStyleSheet(WARNING_STYLE if warning else ERROR_STYLE)
        self.message.setVisible(bool(text))


#: the form field kind for each kind of declared field (references: "pick" or "ref", below)
_FORM_KINDS = {Kind.LONG_TEXT: "long", Kind.DATE: "date", Kind.MONEY: "money",
               Kind.NUMBER: "number", Kind.INTEGER: "number", Kind.YEAR: "short",
               Kind.CHOICE: "choice"}


def from_field(field: Field, *, label: str | None = None, pick: Pick | None = None,
               options: Callable[[], Options] | None = None, placeholder: str = "",
               blank: str | None = "—") -> FieldSpec:
    """The form field for a service's declared ``field``: its kind gives the widget, a
    vocabulary its choices. A reference is chosen with the record picker ``pick``, or among
    ``options`` held in memory (e.g. the agreement's own parties, saved or not); one with
    neither is refused, so no reference is ever typed as a number."""
    if field.kind is Kind.REFERENCE:
        if pick is not None:
            kind = "pick"
        elif options is not None:
            kind = "ref"
        else:
            raise ValueError(f"{field.label}: a reference needs a record picker or options")
    else:
        kind = _FORM_KINDS.get(field.kind, "text")
    if field.choices is not None and options is None:
        vocabulary = field.choices
        options = lambda: [(word, key) for key, word in vocabulary]  # noqa: E731
    return FieldSpec(field.name, label or field.label, kind, options, placeholder, blank, pick)


def build_form(specs: list[FieldSpec], parent: QWidget | None = None) -> tuple[QWidget, dict[str, FieldWidget]]:
    box = QWidget(parent)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    widgets: dict[str, FieldWidget] = {}
    for spec in specs:
        widget = FieldWidget(spec, box)
        label = QLabel(spec.label + ":")
        label.setBuddy(widget.input)
        form.addRow(label, widget)
        widgets[spec.key] = widget
    return box, widgets


_keys = itertools.count(1)


@dataclass
class Row:
    """One part as edited: ``id`` None until saved; ``key`` stays the same across saves;
    ``version`` the one loaded, which its save checks (no other user's edit undone unseen)."""

    values: dict[str, Any]
    id: int | None = None
    key: int = field(default_factory=lambda: next(_keys))
    version: int | None = None


@dataclass(frozen=True)
class PartColumn:
    """A column of a part kind's table: its heading, the field it shows and how."""

    header: str
    key: str
    text: Callable[[Any], str] | None = None  # how to show the raw value (default: field label)
    fallback: str | None = None  # another field shown when this one is empty
    right: bool = False  # right-aligned (money)


class PartRowsModel(QAbstractTableModel):
    """The rows of one part kind, for a QTableView: shows labels, never edits in place."""

    def __init__(self, columns: list[PartColumn], label: Callable[[str, Any], str], parent=None):
        super().__init__(parent)
        self.columns = columns
        self.label = label
        self.rows: list[Row] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = self.rows[index.row()].values
            value = values.get(column.key)
            text = column.text(value) if column.text else self.label(column.key, value)
            if not text and column.fallback:
                text = self.label(column.fallback, values.get(column.fallback))
            text = " ".join(str(text or "").split()) if role == Qt.ItemDataRole.DisplayRole else text
            return text[:120] + "…" if role == Qt.ItemDataRole.DisplayRole and len(text) > 120 else text
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return self.columns[section].header
        return None

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def add(self, row: Row) -> int:
        position = len(self.rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self.rows.append(row)
        self.endInsertRows()
        return position

    def remove(self, position: int) -> Row:
        self.beginRemoveRows(QModelIndex(), position, position)
        row = self.rows.pop(position)
        self.endRemoveRows()
        return row

    def row_changed(self, position: int) -> None:
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(self.columns) - 1))


class PartsPanel(QWidget):
    """A table of parts over a form for the selected one, with Add and Remove.

    ``changed`` fires on every edit; ``removed_ids`` are saved rows the user removed.
    """

    changed = Signal()

    def __init__(self, noun: str, specs: list[FieldSpec], columns: list[PartColumn],
                 defaults: Callable[[], dict[str, Any]] | None = None, parent=None):
        super().__init__(parent)
        self.noun = noun
        self.defaults = defaults or (lambda: {})
        self.removed_ids: list[int] = []
        self.removed_versions: dict[int, int] = {}  # id -> version loaded, checked by the delete
        self.read_only = False
        self.form_box, self.fields = build_form(specs)
        self.model = PartRowsModel(columns, self.label, self)
        self.view = QTableView()
        self.view.setObjectName(f"table_{noun.replace(' ', '_')}")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setMinimumHeight(120)
        self.view.selectionModel().currentRowChanged.connect(self._show_current)
        self.add_button = QPushButton(f"Add {noun}")
        self.remove_button = QPushButton(f"Remove {noun}")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_current)
        self.message = QLabel()
        self.message.setObjectName(f"panel_message_{noun.replace(' ', '_')}")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.message)
        top_layout.addWidget(self.view)
        top_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.form_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        for key, widget in self.fields.items():
            widget.changed.connect(lambda key=key: self._field_changed(key))
        self._update_enabled()

    # -- rows ----------------------------------------------------------------------------------
    def label(self, key: str, value: Any) -> str:
        widget = self.fields.get(key)
        return widget.label_for(value) if widget else ("" if value is None else str(value))

    def set_rows(self, rows: list[Row]) -> None:
        for key, widget in self.fields.items():
            widget.prime(row.values.get(key) for row in rows)
        self.removed_ids = []
        self.removed_versions = {}
        self.model.set_rows(rows)
        self.fit_columns()
        if rows:
            self.view.selectRow(0)
        self._show_current()

    def fit_columns(self) -> None:
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        for column in range(self.model.columnCount() - 1):
            header.resizeSection(column, max(80, min(header.sectionSize(column), 260)))

    def rows(self) -> list[Row]:
        return list(self.model.rows)

    def current_position(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def add_row(self) -> Row:
        row = Row(dict(self.defaults()))
        position = self.model.add(row)
        self.view.selectRow(position)
        self._show_current()
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.input.setFocus()
        self.changed.emit()
        return row

    def remove_current(self) -> None:
        position = self.current_position()
        if position < 0:
            return
        row = self.model.remove(position)
        if row.id is not None:
            self.removed_ids.append(row.id)
            if row.version is not None:
                self.removed_versions[row.id] = row.version
        if self.model.rows:
            self.view.selectRow(min(position, len(self.model.rows) - 1))
        self._show_current()
        self.changed.emit()

    def select_key(self, key: int) -> None:
        for position, row in enumerate(self.model.rows):
            if row.key == key:
                self.view.selectRow(position)
                self._show_current()
                return

    def reload_options(self) -> None:
        for widget in self.fields.values():
            widget.reload_options()
        self._show_current()

    # -- form ----------------------------------------------------------------------------------
    def _show_current(self, *_args) -> None:
        position = self.current_position()
        row = self.model.rows[position] if 0 <= position < len(self.model.rows) else None
        for key, widget in self.fields.items():
            widget.set_value(row.values.get(key) if row else None)
            widget.show_message(None)
        self._update_enabled()

    def _field_changed(self, key: str) -> None:
        position = self.current_position()
        if position < 0:
            return
        self.model.rows[position].values[key] = self.fields[key].value()
        self.model.row_changed(position)
        self.fields[key].show_message(None)
        self.changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        """Read-only (a closed agreement): rows can still be selected and read, not edited."""
        self.read_only = read_only
        self._update_enabled()

    def _update_enabled(self) -> None:
        has_row = self.current_position() >= 0
        self.form_box.setEnabled(has_row and not self.read_only)
        self.add_button.setEnabled(not self.read_only)
        self.remove_button.setEnabled(has_row and not self.read_only)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Messages beside the fields of the current row; anything else above the table."""
        loose = []
        for key, text in errors.items():
            if key in self.fields:
                self.fields[key].show_message(text)
            else:
                loose.append(text)
        self.show_message("; ".join(loose) if loose else None)

    def show_message(self, text: str | None, *, warning: bool = False) -> None:
        self.message.setText(text or "")
        self.message.setStyleSheet(WARNING_STYLE if warning else ERROR_STYLE)
        self.message.setVisible(bool(text))
