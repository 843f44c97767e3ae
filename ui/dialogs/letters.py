"""Tools > Letters…: placement confirmations for a cohort, or an agreement's covering letters.

Merged into the provider's Word templates (``ittdesk.outreach.letters``), written as Word
documents and, if asked, as PDFs (one per letter or one to print at once) on a worker with
progress and Cancel; all or nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk.models import Cohort, Programme, SupportAgreement
from ittdesk.outreach import letters

from .. import sizing
from ..files import export_folder
from ..tasks import run_task, show_error

PDF_CHOICES = (("Word documents only", ""), ("Also a PDF of each letter", "each"),
               ("Also one PDF of every letter, to print at once", "combined"))


def write(what: str, key: str | int, folder: Path, pdf: str, progress=None, cancel=None):
    """Worker: gather the letters and write them (all or nothing)."""
    from ..printing import html_to_pdf

    if what == "placements":
        found, notes = letters.placement_letters(int(key))
        name = f"Placement letters - cohort {key}"
    else:
        found, notes = letters.agreement_letters(str(key))
        name = f"Agreement letters - {letters._safe(str(key))}"
    return letters.write_letters(found, folder, render=html_to_pdf if pdf else None,
                                 combined=f"{name}.pdf" if pdf == "combined" else None,
                                 notes=notes, progress=progress,
                                 cancelled=cancel.is_set if cancel else None)


class LettersDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("LettersDialog")
        self.setWindowTitle("Letters")
        self.task = None
        self.last_result: letters.LettersResult | None = None
        self.placements = QRadioButton("Placement letters to the school, mentor and trainee")
        self.placements.setObjectName("placements")
        self.placements.setChecked(True)
        self.cohort = QComboBox()
        self.cohort.setObjectName("cohort")
        for cohort in (Cohort.select(Cohort, Programme).join(Programme)
                       .order_by(Cohort.academic_year.desc(), Programme.name, Cohort.name)):
            self.cohort.addItem(f"{cohort.programme.name}: {cohort.name} "
                                f"({cohort.academic_year})", cohort.id)
        self.agreement = QRadioButton("Covering letters of a support agreement")
        self.agreement.setObjectName("agreement")
        self.reference = QComboBox()
        self.reference.setObjectName("reference")
        for row in SupportAgreement.select().order_by(SupportAgreement.reference.desc()):
            self.reference.addItem(f"{row.reference}: {row.title}", row.reference)
        self.pdf = QComboBox()
        self.pdf.setObjectName("pdf")
        for label, value in PDF_CHOICES:
            self.pdf.addItem(label, value)
        self.folder = QLineEdit()
        self.folder.setObjectName("folder")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        note = QLabel("The letters come from your Word templates (Provider settings > Letters) "
                      "or the built-in ones.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.outcome = QLabel("")
        self.outcome.setObjectName("outcome")
        self.outcome.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.placements)
        form.addRow("Cohort", self.cohort)
        form.addRow(self.agreement)
        form.addRow("Agreement", self.reference)
        form.addRow("PDF", self.pdf)
        form.addRow("Folder", folder_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.write_button = QPushButton("&Write letters")
        self.write_button.setObjectName("write")
        buttons.addButton(self.write_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.write_button.clicked.connect(self.write)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.outcome, 1)
        layout.addWidget(buttons)
        self.resize(560, 340)
        sizing.fit_on_show(self)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the letters", str(export_folder()))
        if folder:
            self.folder.setText(folder)

    def write(self):
        folder = self.folder.text().strip()
        if not folder:
            self.outcome.setText("Choose the folder for the letters first.")
            return None
        if self.placements.isChecked():
            what, key = "placements", self.cohort.currentData()
        else:
            what, key = "agreement", self.reference.currentData()
        if key is None:
            self.outcome.setText("There is nothing to choose: add a cohort or an agreement "
                                 "first.")
            return None

        def done(result: letters.LettersResult) -> None:
            self.last_result = result
            text = f"Wrote {len(result.docx)} letter(s) to {folder}" + (
                f" and {len(result.pdf)} PDF file(s)" if result.pdf else "") + "."
            if result.notes:
                text += "\n" + "\n".join(result.notes)
            self.outcome.setText("Cancelled: no letter was written." if result.cancelled
                                 else text)

        def failed(exc: BaseException) -> None:
            self.outcome.setText("No letter was written.")
            show_error(self, exc)

        self.task = run_task(self, write, what, key, Path(folder), self.pdf.currentData(),
                             on_done=done, on_error=failed, progress_title="Writing letters…")
        return self.task


def open_letters(main_window) -> LettersDialog:
    dialog = LettersDialog(main_window)
    dialog.open()
    return dialog
