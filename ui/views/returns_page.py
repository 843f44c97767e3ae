"""Returns: the built-in returns with their filters, a preview of the first rows, export to
Excel, "Fill in a template…" for an LA's own spreadsheet, and the full export.

The page presents and delegates: every figure comes from ``ittdesk.returns`` and every file is
written there, on a worker thread (``ui.tasks.run_task``) with progress and Cancel. After a file
is saved the page offers "Open the file now".
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock, fields
from ittdesk.academic_year import AcademicYear
from ittdesk.returns import (
    all_returns,
    local_authorities,
    make_filters,
    make_return,
    preview,
    programme_names,
)

from .. import colours
from ..files import export_folder
from ..tasks import TaskHandle, run_task
from .base import Page

PREVIEW_ROWS = 50
ALL = "All"


class PreviewModel(QAbstractTableModel):
    """The first rows of a return, shown as they will read in Excel."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.columns: list = []
        self.rows: list[tuple] = []

    def set_data(self, columns: list, rows: list[tuple]) -> None:
        self.beginResetModel()
        self.columns, self.rows = list(columns), list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)) \
                or not (0 <= index.column() < len(self.columns)):
            return None
        column = self.columns[index.column()]
        value = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return display(column.kind, value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.kind in ("int", "number", "money"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].heading
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return str(section + 1)
        return None


def display(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "money":
        return fields.format_money(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return fields.format_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("\n", " ")


# -- the work done on a worker thread (core calls only) ----------------------------------------


def load_preview(key: str, year: str, la: str | None, programme: str | None):
    filters = make_filters(year, la, programme)
    columns, rows, count = preview(key, filters, PREVIEW_ROWS)
    return filters, columns, rows, count


def export_job(key: str, target: str, year: str, la: str | None, programme: str | None,
               progress=None, cancel=None):
    filters = make_filters(year, la, programme)
    return make_return(key, Path(target), filters,
                       progress=(lambda done, total: progress(done, total, "Writing rows…"))
                       if progress else None,
                       cancelled=cancel.is_set if cancel is not None else None)


def inspect_job(path: str, key: str, year: str, la: str | None, programme: str | None):
    from ittdesk.returns.template import inspect_template

    filters = make_filters(year, la, programme)
    return inspect_template(Path(path), key, filters)


def fill_job(info, target: str, year: str, la: str | None, programme: str | None,
             mapping: dict[int, str], remember: bool, progress=None, cancel=None):
    from ittdesk.returns.template import fill_template

    filters = make_filters(year, la, programme)
    return fill_template(info, Path(target), filters, mapping, remember=remember,
                         progress=(lambda done, total: progress(done, total, "Filling in rows…"))
                         if progress else None,
                         cancelled=cancel.is_set if cancel is not None else None)


def full_export_job(target: str, progress=None, cancel=None):
    from ittdesk.returns.full_export import export_all

    return export_all(Path(target),
                      progress=(lambda done, total: progress(done, total, "Writing records…"))
                      if progress else None,
                      cancelled=cancel.is_set if cancel is not None else None)


class ReturnsPage(Page):
    """Choose a return, set its filters, look at the first rows, then export or fill a template."""

    # shows: everything a return may hold (Page's default)

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(main_window, parent)
        self.setObjectName("ReturnsPage")
        self.specs = all_returns()
        self.last_file: Path | None = None
        self.count: int | None = None
        self._preview_task: TaskHandle | None = None
        self._loading_filters = False

        self.list = QListWidget(self)
        self.list.setObjectName("returns")
        self.list.setAccessibleName("Returns")
        for spec in self.specs:
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(spec.description)
            self.list.addItem(item)
        self.list.setMinimumWidth(200)
        self.list.setSpacing(3)

        self.title = QLabel()
        self.title.setProperty("role", "sectionTitle")
        self.title.setObjectName("title")
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("description")

        self.year = QComboBox(self)
        self.year.setObjectName("year")
        self.year.setEditable(True)
        current = AcademicYear.current()
        for offset in (1, 0, -1, -2, -3):
            self.year.addItem(str(AcademicYear(current.start_year + offset)))
        self.year.setCurrentText(str(current))
        self.la = QComboBox(self)
        self.la.setObjectName("la")
        self.programme = QComboBox(self)
        self.programme.setObjectName("programme")
        for combo in (self.year, self.la, self.programme):
            combo.setMinimumWidth(300)
        filters = QFormLayout()
        filters.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        filters.addRow("Academic &year:", self.year)
        filters.addRow("&Local authority:", self.la)
        filters.addRow("&Programme:", self.programme)
        self.filter_error = QLabel()
        self.filter_error.setObjectName("filter_error")
        self.filter_error.setStyleSheet(f"color: {colours.error()}")
        self.filter_error.setWordWrap(True)
        self.filter_error.hide()

        self.model = PreviewModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("preview")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.preview_note = QLabel()
        self.preview_note.setObjectName("preview_note")

        self.export_button = QPushButton("&Export to Excel…")
        self.export_button.setObjectName("export")
        self.export_button.setDefault(True)
        self.template_button = QPushButton("Fill in a &template…")
        self.template_button.setObjectName("template")
        self.template_button.setToolTip("Put these records into the LA's own spreadsheet, "
                                        "keeping its layout")
        self.everything_button = QPushButton("Export e&verything…")
        self.everything_button.setObjectName("everything")
        self.everything_button.setToolTip("Every record, a sheet per kind, in a workbook ITT "
                                          "Desk can read back")
        self.ofsted_button = QPushButton("&Ofsted notification pack…")
        self.ofsted_button.setObjectName("ofsted_pack")
        self.ofsted_button.setToolTip("Today's settings, trainees' placement checks, mentors and "
                                      "agreements in force: a workbook and a PDF for Ofsted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.template_button)
        buttons.addStretch(1)
        buttons.addWidget(self.ofsted_button)
        buttons.addWidget(self.everything_button)

        self.done_bar = QFrame(self)
        self.done_bar.setObjectName("done_bar")
        self.done_bar.setFrameShape(QFrame.Shape.StyledPanel)
        done_layout = QHBoxLayout(self.done_bar)
        done_layout.setContentsMargins(8, 4, 8, 4)
        self.done_label = QLabel()
        self.done_label.setObjectName("done_label")
        self.done_label.setWordWrap(True)
        self.open_button = QPushButton("Open the file now")
        self.open_button.setObjectName("open_file")
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setObjectName("open_folder")
        done_layout.addWidget(self.done_label, 1)
        done_layout.addWidget(self.folder_button)
        done_layout.addWidget(self.open_button)
        self.done_bar.hide()

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.description)
        right_layout.addLayout(filters)
        right_layout.addWidget(self.filter_error)
        right_layout.addWidget(self.preview_note)
        right_layout.addWidget(self.table, 1)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.done_bar)

        splitter = QSplitter(self)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        # Typing a year waits for a pause before the preview is rebuilt.
        self._year_timer = QTimer(self)
        self._year_timer.setSingleShot(True)
        self._year_timer.setInterval(300)
        self._year_timer.timeout.connect(self.reload_preview)
        self.list.currentRowChanged.connect(self._return_chosen)
        self.year.currentTextChanged.connect(self._year_timer.start)
        self.la.currentIndexChanged.connect(self.reload_preview)
        self.programme.currentIndexChanged.connect(self.reload_preview)
        self.export_button.clicked.connect(self.export_current)
        self.template_button.clicked.connect(self.fill_template)
        self.everything_button.clicked.connect(self.export_everything)
        self.ofsted_button.clicked.connect(self.ofsted_pack)
        self.open_button.clicked.connect(lambda: self.open_path(self.last_file))
        self.folder_button.clicked.connect(
            lambda: self.open_path(self.last_file.parent if self.last_file else None))

        self._load_filter_choices()
        self.list.setCurrentRow(0)

    # -- state ----------------------------------------------------------------------------------
    @property
    def spec(self):
        row = max(self.list.currentRow(), 0)
        return self.specs[row]

    def filter_values(self) -> tuple[str, str | None, str | None]:
        la = self.la.currentData()
        programme = self.programme.currentData() if self.spec.uses_programme else None
        return self.year.currentText().strip(), la, programme

    def _load_filter_choices(self) -> None:
        self._loading_filters = True
        try:
            chosen_la, chosen_prog = self.la.currentData(), self.programme.currentData()
            self.la.clear()
            self.la.addItem(ALL, None)
            for name in local_authorities():
                self.la.addItem(name, name)
            self.la.setCurrentIndex(max(self.la.findData(chosen_la), 0))
            self.programme.clear()
            self.programme.addItem(ALL, None)
            for pid, name in programme_names():
                self.programme.addItem(name, str(pid))
            self.programme.setCurrentIndex(max(self.programme.findData(chosen_prog), 0))
        finally:
            self._loading_filters = False

    def _return_chosen(self, row: int) -> None:
        if row < 0:
            return
        spec = self.specs[row]
        self.title.setText(f"<b>{escape(spec.title)}</b>")
        self.description.setText(escape(spec.description))
        self.programme.setEnabled(spec.uses_programme)
        self.programme.setToolTip("" if spec.uses_programme
                                  else "This return covers every programme")
        self.la.setEnabled(spec.uses_la)
        self.reload_preview()

    # -- page hooks ---------------------------------------------------------------------------
    def can_export(self) -> bool:
        return True

    def refresh(self) -> None:
        self._load_filter_choices()
        self.reload_preview()

    def shown(self) -> None:
        self.refresh()

    def refresh_later(self) -> None:
        """Nothing to remember while hidden: ``shown`` reads everything again."""

    # -- preview ------------------------------------------------------------------------------
    def reload_preview(self, *_args) -> None:
        if self._loading_filters:
            return
        # "Saved …" is about the file just written: it goes once another return, other
        # filters or another visit to the page are shown (it would sit under their preview).
        self.done_bar.hide()
        if self._preview_task is not None:
            self._preview_task.cancel()
        self.preview_note.setText("Loading the first rows…")
        key = self.spec.key
        self._preview_task = run_task(self, load_preview, key, *self.filter_values(),
                                      on_done=self._show_preview, on_error=self._preview_failed)

    def _show_preview(self, result) -> None:
        self._preview_task = None
        filters, columns, rows, count = result
        self.count = count
        self.filter_error.clear()
        self.filter_error.hide()
        self.model.set_data(columns, rows)
        self.table.resizeColumnsToContents()
        for col in range(self.model.columnCount()):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), 260))
        shown = len(rows)
        if not count:
            self.preview_note.setText("No rows for these filters.")
        elif count > shown:
            self.preview_note.setText(f"Showing the first {shown} of {count:,} rows.")
        else:
            self.preview_note.setText(f"{count:,} row{'s' if count != 1 else ''}.")
        self.export_button.setEnabled(True)
        self.template_button.setEnabled(True)
        self.status_message.emit(f"{self.spec.title}: {count or 0:,} rows for {filters.year}")

    def _preview_failed(self, error: BaseException) -> None:
        self._preview_task = None
        self.model.set_data([], [])
        self.count = None
        self.preview_note.clear()
        self.filter_error.setText(escape(_message(error)))
        self.filter_error.show()
        self.export_button.setEnabled(False)
        self.template_button.setEnabled(False)

    # -- exporting ------------------------------------------------------------------------------
    def choose_save_path(self, title: str, suggested: str) -> str:
        from ..files import ask_save_path

        path = ask_save_path(self, title, suggested, "Excel workbooks (*.xlsx)",
                             (".xlsx", ".xlsm"))
        return str(path) if path is not None else ""

    def choose_template_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the LA's template", str(export_folder()),
                                              "Excel workbooks (*.xlsx *.xlsm)")
        return path

    def suggested_name(self) -> str:
        year = self.year.currentText().strip().replace("/", "-")
        la = self.la.currentData()
        parts = [self.spec.key, "return", year] + ([la.replace(" ", "-")] if la else [])
        return "-".join(parts) + ".xlsx"

    def export_current(self) -> None:
        target = self.choose_save_path(f"Save the {self.spec.title.lower()}", self.suggested_name())
        if not target:
            return
        spec = self.spec
        run_task(self, export_job, spec.key, target, *self.filter_values(),
                 on_done=lambda result: self._saved(result.path,
                                                    f"{spec.title}: {result.rows:,} rows"),
                 progress_title=f"Writing the {spec.title.lower()}…")

    def fill_template(self) -> None:
        template = self.choose_template_path()
        if not template:
            return
        spec = self.spec
        values = self.filter_values()
        run_task(self, inspect_job, template, spec.key, *values,
                 on_done=lambda info: self._confirm_template(info, values),
                 progress_title="Reading the template…")

    def _confirm_template(self, info, values) -> None:
        from ..dialogs.template_fill import TemplateFillDialog

        dialog = TemplateFillDialog(info, self.count, self.spec.title, self)
        self.template_dialog = dialog  # tests drive it
        if not self.exec_dialog(dialog):
            return
        mapping, remember = dialog.mapping(), dialog.remember.isChecked()
        stem = info.path.stem
        target = self.choose_save_path("Save the filled-in template",
                                       str(info.path.with_name(f"{stem} (filled in).xlsx")))
        if not target:
            return
        run_task(self, fill_job, info, target, *values, mapping, remember,
                 on_done=lambda result: self._saved(
                     result.path, f"{info.path.name} filled in: {result.rows:,} rows"
                     + ("".join(f"<br>{escape(m)}" for m in result.messages))),
                 progress_title="Filling in the template…")

    def exec_dialog(self, dialog) -> bool:
        return bool(dialog.exec())

    def ofsted_pack(self) -> None:
        """The same as Tools > Ofsted notification pack… (a folder asked for, written on a worker)."""
        from ..dialogs.ofsted_pack import open_ofsted_pack

        open_ofsted_pack(self.main_window)

    def export_everything(self) -> None:
        target = self.choose_save_path("Export every record",
                                       f"ittdesk-export-{clock.today():%Y-%m-%d}.xlsx")
        if not target:
            return
        run_task(self, full_export_job, target,
                 on_done=lambda written: self._saved(
                     Path(target), f"Every record exported: {sum(written.values()):,} rows on "
                                   f"{len(written)} sheets"),
                 progress_title="Exporting every record…")

    def _saved(self, path: Path, text: str) -> None:
        self.last_file = Path(path)
        self.done_label.setText(f"Saved <b>{escape(self.last_file.name)}</b>. {text}")
        self.done_label.setToolTip(str(self.last_file))
        self.done_bar.show()
        self.status_message.emit(f"Saved {self.last_file}")

    def open_path(self, path: Path | None) -> None:
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _message(error: BaseException) -> str:
    from ittdesk.errors import ValidationError

    if isinstance(error, ValidationError):
        return " ".join(error.errors.values())
    return str(error)
