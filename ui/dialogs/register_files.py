"""Tools > Register files…: DfE Register trainee teachers' bulk placements CSV, its bulk QTS/EYTS
recommendation CSV, and its trainee export compared with ITT Desk's records. The files and
the comparison are ``ittdesk.register`` (the CLI's ``ittdesk register`` is the same), made on
a worker; what was written, and who was left out and why, is shown in the dialog."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.errors import IttDeskError
from ittdesk.models import Cohort
from ittdesk.register import compare, outgoing
from ittdesk.register.layouts import PLACEMENTS_FILE_NAME

from .. import operations, sizing
from ..files import ask_save_path, export_folder
from ..tasks import show_error

ANY_YEAR = "Every year"


def _written_lines(written: outgoing.Written) -> list[str]:
    lines = [written.summary()]
    lines += [f"Note: {n}" for n in written.notes]
    if written.left_out:
        lines.append(f"Left out ({len(written.left_out)}):")
        lines += [f"  {left.line()}" for left in written.left_out]
    return lines


class RegisterFilesDialog(QDialog):
    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(parent or main_window)
        self.main_window = main_window
        self.setObjectName("RegisterFilesDialog")
        self.setWindowTitle("Register trainee teachers files")
        intro = QLabel("Files in the layouts DfE's Register trainee teachers offers for bulk "
                       "updates. Upload them in Register (Bulk updates). Trainees a file cannot "
                       "carry are listed below with the reason.")
        intro.setWordWrap(True)
        self.year = QComboBox()
        self.year.setObjectName("year")
        self.year.addItem(ANY_YEAR, None)
        years = sorted({c.academic_year for c in Cohort.select(Cohort.academic_year).distinct()},
                       reverse=True)  # a few rows: read here, before the dialog shows
        for year in years:
            self.year.addItem(str(year), year)
        self.placements_button = QPushButton("Save &placements CSV…")
        self.placements_button.setObjectName("savePlacements")
        self.placements_button.setToolTip("Trainees with a TRN and the placements Register needs "
                                          "for their route")
        self.placements_button.clicked.connect(lambda: self.save_placements())
        self.met_on = QDateEdit()
        self.met_on.setObjectName("metOn")
        self.met_on.setCalendarPopup(True)
        self.met_on.setDisplayFormat("dd/MM/yyyy")
        today = clock.today()
        self.met_on.setDate(QDate(today.year, today.month, today.day))
        self.qts_button = QPushButton("Save &QTS/EYTS CSV…")
        self.qts_button.setObjectName("saveQts")
        self.qts_button.setToolTip("Trainees whose placement check is met")
        self.qts_button.clicked.connect(lambda: self.save_qts())
        self.compare_button = QPushButton("&Compare with Register's export…")
        self.compare_button.setObjectName("compareExport")
        self.compare_button.setToolTip("Register's trainee export (Reports, CSV) beside ITT Desk")
        self.compare_button.clicked.connect(lambda: self.compare_export())
        self.output = QPlainTextEdit()
        self.output.setObjectName("output")
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("What was written, and who was left out and why.")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        choose = QFormLayout()
        choose.addRow("&Cohorts of:", self.year)
        files = QGroupBox("Files to upload")
        files_box = QVBoxLayout(files)
        files_box.addWidget(self.placements_button)
        qts_row = QHBoxLayout()
        met_label = QLabel("Requirements &met on:")
        met_label.setBuddy(self.met_on)
        qts_row.addWidget(met_label)
        qts_row.addWidget(self.met_on)
        qts_row.addWidget(self.qts_button)
        qts_row.addStretch(1)
        files_box.addLayout(qts_row)
        check = QGroupBox("Check")
        check_box = QVBoxLayout(check)
        check_box.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(choose)
        layout.addWidget(files)
        layout.addWidget(check)
        layout.addWidget(self.output, 1)
        layout.addWidget(close)
        self.resize(760, 560)
        sizing.fit_on_show(self)

    def chosen_year(self) -> AcademicYear | None:
        return self.year.currentData()

    def _busy(self, on: bool, text: str = "") -> None:
        for button in (self.placements_button, self.qts_button, self.compare_button):
            button.setEnabled(not on)
        if on:
            self.output.setPlainText(text)

    def _show(self, lines: list[str]) -> None:
        self._busy(False)
        self.output.setPlainText("\n".join(lines))

    def _failed(self, exc: BaseException, title: str) -> None:
        self._busy(False)
        if isinstance(exc, outgoing.NothingToWrite):
            self._show([str(exc), *(f"  {left.line()}" for left in exc.left_out)])
            return
        self.output.setPlainText(str(exc) if isinstance(exc, IttDeskError) else "")
        show_error(self, exc, title)

    def save_placements(self, path: Path | None = None) -> None:
        path = path or ask_save_path(self, "Save Register's placements CSV", PLACEMENTS_FILE_NAME,
                                     "CSV for Register (*.csv)", (".csv",))
        if path is None:
            return
        self._busy(True, "Writing the placements file…")
        operations.read(self, outgoing.write_placements, path, self.chosen_year(),
                        on_done=lambda w: self._show(_written_lines(w)),
                        on_error=lambda exc: self._failed(exc, "Register placements"))

    def save_qts(self, path: Path | None = None) -> None:
        met_on: date = self.met_on.date().toPython()  # type: ignore[assignment]
        try:
            outgoing.check_met_on(met_on)  # before asking where: the date decides
        except IttDeskError as exc:
            self.output.setPlainText(str(exc))
            return
        path = path or ask_save_path(self, "Save Register's QTS/EYTS CSV", "bulk-recommend.csv",
                                     "CSV for Register (*.csv)", (".csv",))
        if path is None:
            return
        self._busy(True, "Writing the QTS/EYTS file…")
        operations.read(self, outgoing.write_qts, path, met_on, self.chosen_year(),
                        on_done=lambda w: self._show(_written_lines(w)),
                        on_error=lambda exc: self._failed(exc, "Register QTS/EYTS"))

    def compare_export(self, path: Path | None = None) -> None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, "Register's trainee export", str(export_folder()),
                "Register export (*.csv *.xlsx *.xls *.ods);;All files (*)")
            if not name:
                return
            path = Path(name)
        self._busy(True, f"Reading {path.name}…")

        def done(found: compare.Comparison) -> None:
            self._show([found.summary(), *found.lines()])

        operations.read(self, compare.compare, path, self.chosen_year(), on_done=done,
                        on_error=lambda exc: self._failed(exc, "Compare with Register"))


def open_register_files(main_window) -> RegisterFilesDialog:
    dialog = RegisterFilesDialog(main_window)
    dialog.open()
    return dialog
