"""Page 1: the file, what kind of records it holds, which sheet (and, for enrolments, a cohort;
for a sign-in sheet, the event), with the past imports below."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk.spreadsheets import importing, reading
from ittdesk.spreadsheets.import_base import Source

from ...files import export_folder
from ...tasks import run_task
from .models import table_view
from .page import ImportPage

if TYPE_CHECKING:
    from .wizard import ImportWizard

KIND_ORDER = ("schools", "people", "enrolments", "placements", "attendance")
FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.xlsb *.ods *.csv *.txt *.tsv);;All files (*)"
ANY_SHEET = "The sheet with headings (found automatically)"


class FilePage(ImportPage):
    """Next reads the file on a worker (``importing.load_source``) and moves on once it is read:
    ``validatePage`` starts the load and passes only when the load it started has finished."""

    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard, "1. Choose the file")
        self.guessed_path = ""  # the file whose kind and sheets have been looked at
        self._loaded = False
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText("A spreadsheet: .xlsx, .xls, .xlsb, .ods or .csv")
        self.path_edit.textChanged.connect(self._file_changed)
        # a path typed or pasted is looked at too, as a chosen or dropped one is
        self.path_edit.editingFinished.connect(self._guess_if_new)
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        file_label = QLabel("&File:")
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, row)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("importKind")
        kinds = importing.kinds()
        for name in KIND_ORDER:
            self.kind_combo.addItem(kinds[name].label, name)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        form.addRow("&What it holds:", self.kind_combo)
        self.sheet_combo = QComboBox()
        self.sheet_combo.setObjectName("importSheet")
        self.sheet_combo.addItem(ANY_SHEET, None)
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
        # "path*": Next stays disabled until a file is named (QWizardPage's mandatory field).
        self.registerField("path*", self.path_edit)
        for name, combo in (("kind", self.kind_combo), ("sheet", self.sheet_combo),
                            ("cohort", self.cohort_combo), ("event", self.event_combo)):
            self.registerField(name, combo, "currentData", combo.currentIndexChanged)
        column = QVBoxLayout(self)
        column.addWidget(form_widget)
        column.addSpacing(12)
        column.addWidget(QLabel("Past imports"))
        self.recent_view = table_view(wizard.history_model, "recentImportsView")
        column.addWidget(self.recent_view, 1)
        column.addWidget(self.message)

    # -- the file -----------------------------------------------------------------------------
    def browse(self) -> None:
        start = self.path_edit.text().strip() or str(export_folder())
        path, _filter = QFileDialog.getOpenFileName(self, "Import from", start, FILE_FILTER)
        if path:
            self.set_path(path)

    def set_path(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))
        self._guess_kind()

    def _file_changed(self) -> None:
        self.sheet_combo.clear()
        self.sheet_combo.addItem(ANY_SHEET, None)

    def _unguessed(self) -> str | None:
        """The file named, if it is one whose kind has not been looked at yet."""
        path = self.path_edit.text().strip()
        return path if path and path != self.guessed_path and Path(path).is_file() else None

    def _guess_if_new(self) -> None:
        if self._unguessed() is not None:
            self._guess_kind()

    def _guess_kind(self, then: Callable[[bool], None] | None = None) -> None:
        """What the file holds and its sheets, read on a worker (a preflight first: a hostile
        file is refused here, in words, before any reader sees it). ``then(changed)``: once
        looked at, whether the kind shown was changed to the file's."""
        path = self.path_edit.text().strip()
        if not path or not Path(path).is_file():
            return

        def guessed(result: tuple[str, list[str]]) -> None:
            kind, sheets = result
            if self.path_edit.text().strip() != path:
                return  # the user has chosen another file meanwhile
            before = self.kind_combo.currentData()
            self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(kind), 0))
            self.sheet_combo.clear()
            self.sheet_combo.addItem(ANY_SHEET, None)
            for name in sheets:
                self.sheet_combo.addItem(name, name)
            self.guessed_path = path
            if then is not None:
                then(self.kind_combo.currentData() != before)

        run_task(self, _guess, path, on_done=guessed, on_error=self.import_wizard.show_error)

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

    # -- Next ----------------------------------------------------------------------------------
    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        if self._loaded:
            self._loaded = False
            return True
        if not self.import_wizard.busy():
            if self._unguessed() is not None:  # typed, and Next pressed before it was looked at
                self._guess_kind(then=self._go_on_unless_changed)
            else:
                self.start_load()
        return False

    def _go_on_unless_changed(self, changed: bool) -> None:
        """Next after a typed file was looked at: on, unless it holds another kind than the one
        shown, which the user is asked to check first (not imported as the wrong kind)."""
        if changed:
            self.say(f"This file looks like {self.kind_combo.currentText().lower()}: check "
                     "'What it holds', then press Next.")
        else:
            self.start_load()

    def start_load(self) -> None:
        wizard = self.import_wizard
        self.say("")
        wizard.close_source()
        wizard.run(importing.load_source, self.path_edit.text().strip(), self.field("kind"),
                   self.field("sheet"), on_done=self._source_loaded)

    def _source_loaded(self, source: Source) -> None:
        wizard = self.import_wizard
        wizard.source = source
        wizard.task = None
        if wizard.currentPage() is self:
            self._loaded = True
            wizard.next()
        wizard.update_buttons()


def _guess(path: str) -> tuple[str, list[str]]:
    kind = importing.guess_kind(path)
    book = reading.open_book(path)
    try:
        return kind, list(book.sheet_names) if book.kind != "csv" else []
    finally:
        book.close()
