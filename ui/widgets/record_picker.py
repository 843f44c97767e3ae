"""Choose a related record (school, person, enrolment) from a searchable list.

The picker shows the chosen record's name and a Choose… button; the dialog is the same fast
SQL list as the main lists (search as you type, optional preset filters), so it works with
50,000 schools. Small vocabularies (programmes, cohorts) use ``RecordCombo`` instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk.queries import ListQuery
from ittdesk.wording import a

from .. import sizing
from ..models.list_model import RecordListModel


class PickerDialog(QDialog):
    """Search a list and choose one record (double-click, Enter or OK)."""

    def __init__(self, query: ListQuery, title: str, filters: dict[str, str] | None = None,
                 columns: list[str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("PickerDialog")
        self.chosen: int | None = None
        self.model = RecordListModel(query, self)
        for key, value in (filters or {}).items():
            self.model.filters[key] = value
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Type to search")
        self.search.setClearButtonEnabled(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(200)
        self.timer.timeout.connect(lambda: self.model.set_search(self.search.text()))
        self.search.textChanged.connect(lambda _t: self.timer.start())
        self.table = QTableView()
        self.table.setObjectName("table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        shown = columns or [c.key for c in query.columns if c.visible][:4]
        for n, col in enumerate(query.columns):
            self.table.setColumnHidden(n, col.key not in shown)
            self.table.setColumnWidth(n, col.width)
        self.table.doubleClicked.connect(lambda _i: self.accept())
        self.count = QLabel()
        self.count.setProperty("role", "muted")
        self.model.loaded.connect(self._loaded)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.resize(720, 480)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale
        self.search.installEventFilter(self)
        self.model.reload()

    def _loaded(self, n: int) -> None:
        self.count.setText(f"{n:,} found")
        if n:
            self.table.selectRow(0)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        from PySide6.QtCore import QEvent

        if watched is self.search and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Down:
            self.table.setFocus()
            return True
        return super().eventFilter(watched, event)

    def accept(self) -> None:
        index = self.table.currentIndex()
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else (index.row() if index.isValid() else -1)
        self.chosen = self.model.id_at(row)
        if self.chosen is not None:
            super().accept()


class RecordPicker(QWidget):
    """The chosen record's name, Choose… and a clear button. ``value()`` is its id or None.

    With ``new_entity`` ("person") it also has New person…: the record's own editor opens over
    this window, and the record made there is chosen when it is saved."""

    changed = Signal()

    def __init__(self, query: ListQuery, describe: Callable[[int], str], what: str,
                 filters: Callable[[], dict[str, str]] | None = None,
                 parent: QWidget | None = None, new_entity: str | None = None):
        super().__init__(parent)
        self.query = query
        self.describe = describe
        self.what = what
        self.filters = filters
        self._value: int | None = None
        self.label = QLineEdit()
        self.label.setReadOnly(True)
        self.label.setPlaceholderText(f"no {what} chosen")
        self.label.setMinimumWidth(240)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAccessibleName(f"Choose {what}")
        self.choose_button.clicked.connect(lambda: self.choose())
        self.clear_button = QToolButton()
        self.clear_button.setText("✕")
        self.clear_button.setToolTip(f"No {what}")
        self.clear_button.clicked.connect(lambda: self.set_value(None))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.choose_button)
        self.new_entity = new_entity
        self.new_button: QPushButton | None = None
        if new_entity:
            self.new_button = QPushButton(f"New {what}…")
            self.new_button.setObjectName("newRecord")
            self.new_button.setToolTip(f"Add {a(what)} who is not on the list yet, and choose them")
            self.new_button.clicked.connect(self.new_record)
            layout.addWidget(self.new_button)
        layout.addWidget(self.clear_button)
        self.setFocusProxy(self.choose_button)
        self.picker_factory = PickerDialog

    def value(self) -> int | None:
        return self._value

    def set_value(self, record_id: int | None) -> None:
        if record_id == self._value:
            return
        self._value = record_id
        try:
            self.label.setText(self.describe(record_id) if record_id is not None else "")
        except Exception:
            self.label.setText(f"#{record_id}")
        self.changed.emit()

    def new_record(self) -> QWidget | None:
        """Open a new record's editor (via the main window, so it is the usual one); when it is
        saved, the new record is the one chosen here."""
        window = self.window()
        main_window = getattr(window, "main_window", None)
        if main_window is None or not self.new_entity:
            return None
        editor = main_window.open_record(self.new_entity, None, parent=window)
        if editor is not None:
            editor.finished.connect(lambda _result: self._made(editor))
        return editor

    def _made(self, editor: QWidget) -> None:
        instance = getattr(editor, "instance", None)
        if getattr(editor, "saved", False) and instance is not None:
            self.set_value(instance.id)
            self.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Typing on the picker (its Choose… button has the focus) starts a search with it, so
        what is typed straight after Ctrl+N is not lost."""
        text = event.text()
        plain = not event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                         | Qt.KeyboardModifier.AltModifier)
        if plain and text and text.isprintable() and not text.isspace():
            self.choose(text)
            return
        super().keyPressEvent(event)

    def choose(self, search: str = "") -> None:
        dialog = self.picker_factory(self.query, f"Choose {a(self.what)}",
                                     self.filters() if self.filters else None, parent=self)
        if search:
            dialog.search.setText(search)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None:
            self.set_value(dialog.chosen)


class RecordCombo(QComboBox):
    """A short list of records (programmes, cohorts): ``options()`` gives (id, label) pairs."""

    changed = Signal()

    def __init__(self, options: Callable[[], list[tuple[int, str]]], empty: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.options = options
        self.empty = empty
        self.reload()
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def reload(self) -> None:
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        if self.empty is not None:
            self.addItem(self.empty, None)
        for record_id, label in self.options():
            self.addItem(label, record_id)
        self.set_value(current)
        self.blockSignals(False)

    def value(self) -> int | None:
        return self.currentData()

    def set_value(self, record_id: int | None) -> None:
        index = self.findData(record_id) if record_id is not None else (0 if self.empty is not None else -1)
        self.setCurrentIndex(max(index, 0) if self.count() else -1)
