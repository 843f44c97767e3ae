"""File > Import…: the import wizard (file -> mapping -> preview -> apply), and file drops.

The widget presents and delegates: reading, header finding, mapping, planning and applying are
``ittdesk.spreadsheets.importing`` (the same calls the CLI makes), run off the GUI thread with
``ui.tasks.run_task``. Pages:

1. *File*: the file, what kind of records, which sheet (and, for enrolments, a cohort).
2. *Columns*: each column of the file with sample values and what it imports as (editable;
   the confirmed mapping is saved and reused for files with the same headings).
3. *Preview*: rows to add, rows to update with old -> new, rows refused with row, column and
   reason. Nothing has been written yet.
4. *Import*: one transaction with progress (rows done, rows/s) and Cancel; cancelling or any
   error leaves the database exactly as it was.

``open_import_wizard(main_window, path=None)`` opens it (one at a time); ``install_file_drop(
main_window)`` lets a spreadsheet dropped on the main window open it on that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QStyledItemDelegate,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ittdesk.errors import IttDeskError, plain_message
from ittdesk.spreadsheets import importing, reading
from ittdesk.spreadsheets.headers import SURE

from .. import settings as ui_settings
from .. import sizing
from ..tasks import run_task

KIND_ORDER = ("schools", "people", "enrolments", "placements", "attendance")
FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.xlsb *.ods *.csv *.txt *.tsv);;All files (*)"
NOT_IMPORTED = "(not imported)"
_ROOT = QModelIndex()


def _text(value: Any) -> str:
    from ittdesk.fields import format_date

    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return format_date(value)
    return str(value)


# -- models ---------------------------------------------------------------------------------


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of rows, each formatted only when a view asks for it
    (a preview can hold 50,000 rows: formatting them all up front would freeze the window)."""

    def __init__(self, headings: list[str], rows: list[Any] | None = None,
                 parent: QObject | None = None, formatter=None):
        super().__init__(parent)
        self.headings = headings
        self.rows = rows or []
        self.formatter = formatter or (lambda row: row)
        self._cache: dict[int, list[str]] = {}

    def set_rows(self, rows: list[Any], formatter=None) -> None:
        self.beginResetModel()
        self.rows = rows
        if formatter is not None:
            self.formatter = formatter
        self._cache = {}
        self.endResetModel()

    def row_texts(self, row: int) -> list[str]:
        texts = self._cache.get(row)
        if texts is None:
            if len(self._cache) > 5000:
                self._cache.clear()
            texts = self._cache[row] = self.formatter(self.rows[row])
        return texts

    def rowCount(self, parent=_ROOT):  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT):  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.headings)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.row_texts(index.row())[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headings[section]
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

    def load(self, source: importing.Source) -> None:
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


# -- the wizard -----------------------------------------------------------------------------


def _table(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view


class ImportWizard(QDialog):
    PAGE_FILE, PAGE_MAPPING, PAGE_PREVIEW, PAGE_APPLY = range(4)

    def __init__(self, main_window: QWidget | None, path: str | Path | None = None):
        super().__init__(main_window)
        self.main_window = main_window
        self.setObjectName("ImportWizard")
        self.setWindowTitle("Import from a spreadsheet")
        self.source: importing.Source | None = None
        self.plan: importing.Plan | None = None
        self.result: importing.Result | None = None
        self.task = None
        self.guessed_path = ""  # the file whose kind and sheets have been looked at
        self._build()
        geometry = ui_settings.get(f"dialog_geometry/{type(self).__name__}")
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(QSize(900, 600))
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale
        if path:
            self.set_path(path)
        self._show_page(self.PAGE_FILE)
        self.show_history()

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("wizardHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.stack.addWidget(self._file_page())
        self.stack.addWidget(self._mapping_page())
        self.stack.addWidget(self._preview_page())
        self.stack.addWidget(self._apply_page())
        self.message = QLabel()
        self.message.setObjectName("wizardMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("< &Back")
        self.next_button = QPushButton("&Next >")
        self.import_button = QPushButton("&Import")
        self.cancel_button = QPushButton("Cancel")
        self.close_button = QPushButton("&Close")
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.import_button, self.cancel_button,
                       self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.import_button.clicked.connect(self.start_apply)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.next_button.setDefault(True)

    def _file_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText("A spreadsheet: .xlsx, .xls, .xlsb, .ods or .csv")
        self.path_edit.textChanged.connect(self._file_changed)
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("&File:", row)
        form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget().setBuddy(self.path_edit)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("importKind")
        kinds = importing.kinds()
        for name in KIND_ORDER:
            self.kind_combo.addItem(kinds[name].label, name)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        form.addRow("&What it holds:", self.kind_combo)
        self.sheet_combo = QComboBox()
        self.sheet_combo.setObjectName("importSheet")
        self.sheet_combo.addItem("The sheet with headings (found automatically)", None)
        form.addRow("&Sheet:", self.sheet_combo)
        self.cohort_combo = QComboBox()
        self.cohort_combo.setObjectName("importCohort")
        self.cohort_label = QLabel("&Cohort:")
        self.cohort_label.setBuddy(self.cohort_combo)
        form.addRow(self.cohort_label, self.cohort_combo)
        self.event_combo = QComboBox()
        self.event_combo.setObjectName("importEvent")
        self.event_label = QLabel("E&vent:")
        self.event_label.setBuddy(self.event_combo)
        form.addRow(self.event_label, self.event_combo)
        self.key_help = QLabel()
        self.key_help.setWordWrap(True)
        form.addRow("", self.key_help)
        hint = QLabel("Title rows, notes and blank rows above the headings are fine, and so are "
                      "totals below the data. Nothing is written until you confirm the preview.")
        hint.setWordWrap(True)
        form.addRow("", hint)
        self._kind_changed()
        outer = QWidget()
        column = QVBoxLayout(outer)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(page)
        column.addSpacing(12)
        column.addWidget(QLabel("Past imports"))
        self.history_model = RowsModel(["#", "When", "Who", "What", "Added", "Updated", "Refused",
                                        "File"], parent=self)
        self.recent_view = _table(self.history_model, "recentImportsView")
        column.addWidget(self.recent_view, 1)
        return outer

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.mapping_info = QLabel()
        self.mapping_info.setWordWrap(True)
        layout.addWidget(self.mapping_info)
        self.mapping_model = MappingModel(self)
        self.mapping_view = _table(self.mapping_model, "mappingView")
        self.mapping_view.setItemDelegateForColumn(MappingModel.COL_FIELD,
                                                   FieldDelegate(self.mapping_model, self))
        self.mapping_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        header = self.mapping_view.horizontalHeader()
        header.setSectionResizeMode(MappingModel.COL_SAMPLES, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        layout.addWidget(self.mapping_view, 1)
        row = QHBoxLayout()
        reset = QPushButton("&Reset to suggested")
        reset.clicked.connect(self.mapping_model.reset_to_suggested)
        row.addWidget(reset)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def _preview_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.summary = QLabel()
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.add_model = RowsModel(["Row", "Key", "Record", "Details"], parent=self)
        self.update_model = RowsModel(["Row", "Key", "Record", "Changes (old → new)"], parent=self)
        self.refused_model = RowsModel(["Row", "Column", "Reason"], parent=self)
        self.add_view = _table(self.add_model, "addView")
        self.update_view = _table(self.update_model, "updateView")
        self.refused_view = _table(self.refused_model, "refusedView")
        self.tabs.addTab(self.add_view, "To add")
        self.tabs.addTab(self.update_view, "To update")
        self.tabs.addTab(self.refused_view, "Refused")
        layout.addWidget(self.tabs, 1)
        self.skip_invalid = QCheckBox("Import the other rows and &skip the refused ones")
        self.skip_invalid.setObjectName("skipInvalid")
        self.skip_invalid.toggled.connect(self._update_buttons)
        layout.addWidget(self.skip_invalid)
        # Enrolments whose route and year have no cohort yet: the plan lists what it would
        # create; ticking plans again with the creation asked for (issue 14).
        self.create_cohorts = QCheckBox("Create the programmes and cohorts &listed")
        self.create_cohorts.setObjectName("createCohorts")
        self.create_cohorts.setVisible(False)
        self.create_cohorts.toggled.connect(self.start_plan)
        layout.addWidget(self.create_cohorts)
        # People stored under the same name with nothing else in common: added unless ticked.
        self.match_possible = QCheckBox("&Match possible duplicates to the people already stored")
        self.match_possible.setObjectName("matchPossible")
        self.match_possible.setVisible(False)
        self.match_possible.toggled.connect(self.start_plan)
        layout.addWidget(self.match_possible)
        return page

    def _apply_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.apply_label = QLabel()
        self.apply_label.setObjectName("applyLabel")
        self.apply_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.rate_label = QLabel()
        layout.addWidget(self.apply_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.rate_label)
        self.partners_button = QPushButton("Mark &partners among the new schools…")
        self.partners_button.setObjectName("markPartners")
        self.partners_button.setVisible(False)
        self.partners_button.clicked.connect(self.mark_partners)
        layout.addWidget(self.partners_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.history_label = QLabel("Past imports")
        self.history_view = _table(self.history_model, "historyView")
        self.history_label.setVisible(False)
        self.history_view.setVisible(False)
        layout.addSpacing(12)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history_view, 1)
        return page

    def show_history(self) -> None:
        """The past imports (what file, when, how many added/updated), newest first."""
        def shown(runs: list[list[str]]) -> None:
            self.history_model.set_rows(runs)
            for view in (self.history_view, self.recent_view):
                view.resizeColumnsToContents()
                view.horizontalHeader().setStretchLastSection(True)
            done = self.result is not None
            self.history_label.setVisible(done)
            self.history_view.setVisible(done)

        run_task(self, _history, on_done=shown, on_error=lambda _exc: None)

    # -- page flow ----------------------------------------------------------------------------
    def _show_page(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        titles = {self.PAGE_FILE: "1. Choose the file",
                  self.PAGE_MAPPING: "2. Check the columns",
                  self.PAGE_PREVIEW: "3. Preview: nothing has been written yet",
                  self.PAGE_APPLY: "4. Import"}
        self.heading.setText(titles[page])
        self._update_buttons()

    def _say(self, text: str, *, error: bool = False) -> None:
        """The line above the buttons: errors stand out, progress and notes do not."""
        self.message.setStyleSheet("color: #a4000f; font-weight: bold;" if error else "")
        self.message.setText(text)

    def _busy(self) -> bool:
        return self.task is not None

    def _run(self, fn, *args, **kwargs) -> None:
        """Start a background task; in synchronous mode (tests) it has finished on return."""
        handle = run_task(self, fn, *args, on_error=self._error, on_cancelled=self._cancelled,
                          **kwargs)
        self.task = None if (handle.finished or handle.cancelled) else handle
        self._update_buttons()

    def _update_buttons(self) -> None:
        page = self.stack.currentIndex()
        busy = self._busy()
        done = self.result is not None
        self.back_button.setVisible(page in (self.PAGE_MAPPING, self.PAGE_PREVIEW))
        self.back_button.setEnabled(not busy)
        self.next_button.setVisible(page in (self.PAGE_FILE, self.PAGE_MAPPING))
        self.next_button.setEnabled(not busy and (page != self.PAGE_FILE
                                                  or bool(self.path_edit.text().strip())))
        self.import_button.setVisible(page == self.PAGE_PREVIEW)
        can_import = bool(self.plan and (self.plan.adds or self.plan.updates)
                          and (not self.plan.refused or self.skip_invalid.isChecked()))
        self.import_button.setEnabled(not busy and can_import)
        self.cancel_button.setVisible(not done)
        self.close_button.setVisible(done)
        if page == self.PAGE_PREVIEW:
            self.import_button.setDefault(True)
        elif page == self.PAGE_APPLY and done:
            self.close_button.setDefault(True)

    def go_back(self) -> None:
        if not self._busy():
            self._say("")
            self._show_page(max(self.stack.currentIndex() - 1, self.PAGE_FILE))

    def go_next(self) -> None:
        if self._busy():
            return
        if self.stack.currentIndex() == self.PAGE_FILE:
            self.start_load()
        elif self.stack.currentIndex() == self.PAGE_MAPPING:
            self.start_plan()

    def cancel(self) -> None:
        """Cancel stops the running step and stays (nothing is changed); otherwise it closes."""
        if self.task is not None:
            self.task.cancel()
            return
        self.reject()

    # -- page 1 ---------------------------------------------------------------------------
    def browse(self) -> None:
        start = self.path_edit.text().strip() or str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(self, "Import from", start, FILE_FILTER)
        if path:
            self.set_path(path)

    def set_path(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))
        self._guess_kind()

    def _file_changed(self) -> None:
        self.sheet_combo.clear()
        self.sheet_combo.addItem("The sheet with headings (found automatically)", None)
        self._update_buttons()

    def _guess_kind(self) -> None:
        path = self.path_edit.text().strip()
        if not path or not Path(path).is_file():
            return

        def guessed(result: tuple[str, list[str]]) -> None:
            kind, sheets = result
            if self.path_edit.text().strip() != path:
                return  # the user has chosen another file meanwhile
            self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(kind), 0))
            for name in sheets:
                self.sheet_combo.addItem(name, name)
            self.guessed_path = path

        run_task(self, _guess, path, on_done=guessed, on_error=lambda exc: self._error(exc))

    def _kind_changed(self) -> None:
        kind = self.kind_combo.currentData()
        importer = importing.kind_for(kind)
        self.key_help.setText(importer.key_help)
        sign_in = kind == "attendance"
        self.event_label.setVisible(sign_in)
        self.event_combo.setVisible(sign_in)
        if sign_in and self.event_combo.count() == 0:
            from ittdesk.fields import format_date
            from ittdesk.models import Event

            for event in Event.select().order_by(Event.held_on.desc(), Event.id.desc()):
                self.event_combo.addItem(f"{format_date(event.held_on)}: {event.title}", event.id)
        enrolments = kind == "enrolments"
        self.cohort_label.setVisible(enrolments)
        self.cohort_combo.setVisible(enrolments)
        if enrolments and self.cohort_combo.count() == 0:
            self.cohort_combo.addItem("Worked out from each row (programme, cohort, year)", None)
            from ittdesk.models import Cohort, Programme

            query = (Cohort.select(Cohort, Programme).join(Programme)
                     .order_by(Cohort.academic_year.desc(), Programme.name, Cohort.name))
            for cohort in query:
                self.cohort_combo.addItem(
                    f"{cohort.programme.name}: {cohort.name} ({cohort.academic_year})", cohort.id)

    def start_load(self) -> None:
        path = self.path_edit.text().strip()
        self._say("")
        self._close_source()
        kind = self.kind_combo.currentData()
        sheet = self.sheet_combo.currentData()
        self._run(importing.load_source, path, kind, sheet, on_done=self._loaded)

    def _loaded(self, source: importing.Source) -> None:
        self.task = None
        self.source = source
        self.mapping_model.load(source)
        how = ("the columns mapped last time for a file with these headings"
               if source.mapping_from == "saved" else "the columns recognised by their headings")
        info = [f"Sheet '{source.sheet.name}', headings on row {source.header.row_number}. "
                f"Showing {how}: change any in the 'Imports as' column."]
        info += source.notes[1:] if source.notes and source.notes[0].startswith("Headings found") \
            else source.notes
        info.append(importing.kind_for(source.kind).key_help)
        self.mapping_info.setText("\n".join(info))
        self.mapping_view.resizeColumnToContents(MappingModel.COL_HEADING)
        self.mapping_view.setColumnWidth(MappingModel.COL_FIELD, 230)
        self.mapping_view.setColumnWidth(
            MappingModel.COL_HOW, self.fontMetrics().horizontalAdvance("your choice") + 24)
        self._show_page(self.PAGE_MAPPING)

    # -- page 2 -> 3 ----------------------------------------------------------------------------
    def start_plan(self) -> None:
        if self.source is None:
            return
        self._say("")
        options = {}
        if self.source.kind == "enrolments" and self.cohort_combo.currentData():
            options["cohort"] = self.cohort_combo.currentData()
        if self.source.kind == "enrolments" and self.create_cohorts.isChecked():
            options["create_cohorts"] = True
        if self.source.kind == "people" and self.match_possible.isChecked():
            options["match_possible"] = True
        if self.source.kind == "attendance" and self.event_combo.currentData():
            options["event"] = self.event_combo.currentData()
        self._run(importing.plan_import, self.source, dict(self.mapping_model.mapping),
                  options=options, on_done=self._planned, on_progress=self._plan_progress)

    def _plan_progress(self, done: int, total: int | None, message: str) -> None:
        self._say(message)

    def _planned(self, plan: importing.Plan) -> None:
        self.task = None
        self.plan = plan
        self._say("")
        self.add_model.set_rows(plan.adds, lambda i: [str(i.row), i.key, i.description, _details(i)])
        self.update_model.set_rows(plan.updates,
                                   lambda i: [str(i.row), i.key, i.description, _changes(i)])
        self.refused_model.set_rows(plan.refused, lambda r: [str(r.row), r.column, r.reason])
        self.tabs.setTabText(0, f"To add ({len(plan.adds):,})")
        self.tabs.setTabText(1, f"To update ({len(plan.updates):,})")
        self.tabs.setTabText(2, f"Refused ({plan.refused_rows:,} row{'' if plan.refused_rows == 1 else 's'})")
        for view in (self.add_view, self.update_view, self.refused_view):
            view.resizeColumnsToContents()
            view.horizontalHeader().setStretchLastSection(True)
            for column in range(view.model().columnCount() - 1):
                view.setColumnWidth(column, min(view.columnWidth(column), 320))
        lines = [f"{len(plan.adds):,} to add, {len(plan.updates):,} to update, "
                 f"{len(plan.unchanged):,} unchanged, {plan.refused_rows:,} refused."]
        if plan.refused:
            lines.append("Refused rows stop the import: correct the file and go back, or tick the "
                         "box below to import the other rows.")
            self.tabs.setCurrentIndex(2)
        elif plan.updates and not plan.adds:
            self.tabs.setCurrentIndex(1)
        else:
            self.tabs.setCurrentIndex(0)
        if not plan.adds and not plan.updates and not plan.refused:
            lines.append("Everything in the file is already in ITT Desk: there is nothing to import.")
        lines += plan.notes
        self.summary.setText("\n".join(lines))
        self.skip_invalid.setChecked(False)
        self.skip_invalid.setVisible(bool(plan.refused and (plan.adds or plan.updates)))
        from ittdesk.spreadsheets.import_cohorts import creates_cohorts

        self.create_cohorts.setVisible(creates_cohorts(plan) or self.create_cohorts.isChecked())
        self.match_possible.setVisible(self.match_possible.isChecked() or any(
            isinstance(i.payload, dict) and "possible" in i.payload for i in plan.items))
        self._show_page(self.PAGE_PREVIEW)

    # -- page 4 ---------------------------------------------------------------------------------
    def start_apply(self) -> None:
        self.partners_button.setVisible(False)
        if self.plan is None or self._busy():
            return
        self._show_page(self.PAGE_APPLY)
        total = len(self.plan.adds) + len(self.plan.updates)
        self.apply_label.setText(f"Importing {total:,} rows from {self.plan.source.path.name}…")
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.rate_label.clear()
        self._run(importing.apply_plan, self.plan, skip_invalid=self.skip_invalid.isChecked(),
                  on_done=self._applied, on_progress=self._apply_progress)

    def _apply_progress(self, done: int, total: int | None, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.rate_label.setText(message)

    def _applied(self, result: importing.Result) -> None:
        self.task = None
        self.result = result
        self.progress.setValue(self.progress.maximum())
        self.apply_label.setText(f"Done: {result.summary()}. This import is #{result.run_id} in "
                                 "the list of past imports.")
        changed = result.added + result.updated
        self.rate_label.setText(f"Took {result.seconds:.1f} s "
                                f"({changed / max(result.seconds, 1e-3):,.0f} rows/s).")
        self.show_history()
        # New schools have no partnership status: ask now, while the user thinks of them.
        self.partners_button.setVisible(self.kind_combo.currentData() == "schools"
                                        and result.added > 0 and result.run_id is not None)
        self._update_buttons()
        self._close_source()
        if self.main_window is not None and hasattr(self.main_window, "records_changed"):
            self.main_window.records_changed.emit("*")

    def mark_partners(self) -> None:
        from .mark_partners import open_mark_partners

        if self.result is not None:
            open_mark_partners(self.main_window or self, self.result.run_id)

    # -- outcomes -------------------------------------------------------------------------------
    def _error(self, exc: BaseException) -> None:
        self.task = None
        # one plain sentence, never a class name ("the workbook is damaged", not BadZipFile)
        text = str(exc) if isinstance(exc, IttDeskError) else plain_message(exc)
        if self.stack.currentIndex() == self.PAGE_APPLY:
            self.apply_label.setText(text)
            self.progress.setValue(0)
            self.result = None
            self._show_page(self.PAGE_PREVIEW)
        self._say(text, error=True)
        self._update_buttons()

    def _cancelled(self) -> None:
        self.task = None
        if self.stack.currentIndex() == self.PAGE_APPLY:
            self._show_page(self.PAGE_PREVIEW)
            self._say("Import cancelled: nothing was changed.")
        else:
            self._say("Cancelled.")
        self._update_buttons()

    def _close_source(self) -> None:
        if self.source is not None:
            self.source.book.close()

    # -- closing ------------------------------------------------------------------------------
    # Esc, Cancel, Close and the window's close button all arrive at reject() (QDialog's own
    # closeEvent calls it); clean-up is in done(), which every way of closing passes through.
    # reject() must never call close(): Qt ignores a close() while the dialog is already closing,
    # which is how the wizard once could not be closed at all.
    def work_to_lose(self) -> str:
        """What closing now would throw away, in a few words, or "" when nothing would be lost."""
        if self.task is not None and self.stack.currentIndex() == self.PAGE_APPLY:
            return "The import is under way: closing stops it and nothing is changed."
        if self.task is not None:
            return "The file is still being read: closing stops it."
        if self.result is None and self.stack.currentIndex() in (self.PAGE_MAPPING,
                                                                 self.PAGE_PREVIEW):
            return "The file has not been imported yet: the columns you checked will be lost."
        return ""

    def reject(self) -> None:
        lost = self.work_to_lose()
        if lost:
            answer = QMessageBox.question(
                self, "Close the import?", f"{lost} Close the import anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()

    def done(self, result: int) -> None:  # noqa: N802 - Qt override: every way of closing
        if self.task is not None:
            self.task.cancel()
            self.task = None
        self._close_source()
        ui_settings.set(f"dialog_geometry/{type(self).__name__}", self.saveGeometry())
        if self.main_window is not None and getattr(self.main_window, "_import_wizard", None) is self:
            self.main_window._import_wizard = None
        super().done(result)


def _history() -> list[list[str]]:
    return [[str(r.id), f"{r.at:%d/%m/%Y %H:%M}", r.user, r.kind, f"{r.added:,}", f"{r.updated:,}",
             f"{r.refused:,}", r.file_name] for r in importing.past_imports(20)]


def _guess(path: str) -> tuple[str, list[str]]:
    kind = importing.guess_kind(path)
    book = reading.open_book(path)
    try:
        return kind, list(book.sheet_names) if book.kind != "csv" else []
    finally:
        book.close()


def _changes(item: importing.Item) -> str:
    return "; ".join(f"{label}: {_text(old)} → {_text(new)}" for label, (old, new) in item.changes.items())


def _details(item: importing.Item) -> str:
    return "; ".join(f"{label}: {_text(new)}" for label, (_old, new) in item.changes.items()
                     if label not in ("URN", "Name"))


def open_import_wizard(main_window: QWidget | None, path: str | Path | None = None) -> ImportWizard:
    """Open the wizard (or bring the open one forward, on ``path`` if given)."""
    existing = getattr(main_window, "_import_wizard", None) if main_window is not None else None
    if existing is not None:
        if path and not existing._busy() and existing.stack.currentIndex() == ImportWizard.PAGE_FILE:
            existing.set_path(path)
        existing.raise_()
        existing.activateWindow()
        return existing
    wizard = ImportWizard(main_window, path)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if main_window is not None:
        main_window._import_wizard = wizard
    wizard.show()
    return wizard


class _DropFilter(QObject):
    """Accepts spreadsheet files dragged onto the main window and opens the wizard on them."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window

    @staticmethod
    def _path(event) -> str | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in reading.SUFFIXES:
                return url.toLocalFile()
        return None

    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self._path(event):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            path = self._path(event)
            if path:
                event.acceptProposedAction()
                open_import_wizard(self.window, path)
                return True
        return False


def install_file_drop(main_window: QWidget) -> None:
    """Let a spreadsheet dropped anywhere on the main window open the import wizard."""
    main_window.setAcceptDrops(True)
    main_window._import_drop_filter = _DropFilter(main_window)
    main_window.installEventFilter(main_window._import_drop_filter)
