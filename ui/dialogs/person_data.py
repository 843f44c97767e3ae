"""A person's data: subject access export and erasure, launched from the person's editor.

Entry points (each returns the dialog, already shown, modeless):

- ``open_person_export(parent, person_id)``: choose where to save, then write the workbook
  (a cover sheet and a sheet per kind of record) and, if ticked, a readable PDF beside it.
- ``open_person_erase(parent, person_id)``: one confirmation that names what will go and what
  will stay, and lists the automatic backups that still hold the data (with a tick box to
  delete them); then the erasure runs.

The work is ``ittdesk.privacy.sar`` / ``ittdesk.privacy.erasure``, run through
``ui.tasks.run_task`` with progress and Cancel; the dialogs only present it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock
from ittdesk.models import Person
from ittdesk.privacy import erasure, sar, sar_sheets
from ui import operations, tasks

from .. import colours, sizing
from ..files import export_folder

# -- work run on the background thread (no widgets) ------------------------------------------


@dataclass(frozen=True)
class ExportOutcome:
    workbook: Path
    pdf: Path | None
    sheets: int
    rows: int
    person_name: str


def export_person(person_id: int, workbook: Path, pdf: Path | None, progress=None,
                  cancel=None) -> ExportOutcome:
    """Collect, write the workbook and (optionally) the PDF. Safe on a worker thread."""
    steps = len(sar_sheets.SHEETS) + 3

    def reading(done, _total):
        if progress:
            progress(done, steps, "Reading the records…")

    cancelled = cancel.is_set if cancel is not None else None
    data, written = sar.export(person_id, workbook, progress=reading, cancelled=cancelled)
    pdf_written = None
    if pdf is not None:
        if progress:
            progress(steps - 1, steps, "Writing the PDF…")
        from ui.printing import html_to_pdf

        try:
            html_to_pdf(sar.to_html(data), pdf, footer_left=f"Subject access export — {data.person_name}",
                        footer_right="Confidential", title="Subject access export", cancelled=cancelled)
        except BaseException:
            written.unlink(missing_ok=True)  # all or nothing: no workbook without its PDF
            raise
        pdf_written = pdf
    return ExportOutcome(written, pdf_written, len(data.sheets), sum(len(s.rows) for s in data.sheets),
                         data.person_name)


def erase_person(person_id: int, purge: bool, progress=None) -> tuple[erasure.ErasureResult, list[Path]]:
    """Erase, then (if asked) delete the backups that still hold the person."""
    say = (lambda message: progress(0, None, message)) if progress else None
    result = erasure.erase(person_id, progress=say)
    removed: list[Path] = []
    if purge and result.backups:
        try:
            removed = erasure.purge_backups(result.backups)
        except OSError as exc:  # the erasure is saved; say why the backups are still there
            result.note = f"{result.note + ' ' if result.note else ''}Backups not deleted: {exc}"
    return result, removed


def _name(person_id: int) -> str:
    person = Person.get_or_none(Person.id == person_id)
    return person.full_name if person else f"person #{person_id}"


# -- subject access export -------------------------------------------------------------------


class PersonExportDialog(QDialog):
    """Where to save the subject access export, then write it with progress."""

    exported = Signal(object)  # ExportOutcome

    def __init__(self, person_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.person_id = person_id
        self.handle: tasks.TaskHandle | None = None
        self.outcome: ExportOutcome | None = None
        name = _name(person_id)
        self.setWindowTitle(f"Subject access export — {name}")
        self.setMinimumWidth(560)
        intro = QLabel(
            f"Everything ITT Desk holds about <b>{name}</b>: the person record, roles, "
            "designations, mentor training, enrolments, placements, support agreements where "
            "they are named, and the audit entries about them. One workbook with a cover sheet "
            "and a sheet per kind of record; other people appear by record number only.")
        intro.setWordWrap(True)
        stem = f"subject-access-{person_id}-{clock.today():%Y-%m-%d}.xlsx"
        self.path = QLineEdit(str(export_folder() / stem))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.pdf = QCheckBox("Also save a readable PDF beside it")
        self.pdf.setChecked(True)
        form = QFormLayout()
        form.addRow("Save as", row)
        form.addRow("", self.pdf)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_folder = self.buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder.hide()
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.export)
        self.open_folder.clicked.connect(self._open_folder)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save the export as", self.path.text(),
                                              "Excel workbooks (*.xlsx)")
        if name:
            self.path.setText(name if name.lower().endswith(".xlsx") else name + ".xlsx")

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {colours.error()};" if error else "")
        self.message.setText(text)

    def export(self) -> None:
        text = self.path.text().strip()
        if not text:
            self._show("Choose where to save the workbook.", error=True)
            return
        target = Path(text).expanduser()
        if target.suffix.lower() != ".xlsx":
            self._show("The export is an Excel workbook: name it .xlsx", error=True)
            return
        if not target.parent.is_dir():
            self._show(f"The folder {target.parent} does not exist.", error=True)
            return
        pdf = target.with_suffix(".pdf") if self.pdf.isChecked() else None
        self.export_button.setEnabled(False)
        self._show("Exporting…")
        self.handle = tasks.run_task(self, export_person, self.person_id, target, pdf,
                                     on_done=self._done, on_error=self._failed,
                                     on_cancelled=self._cancelled,
                                     progress_title="Exporting the person's data…")

    def _done(self, outcome: ExportOutcome) -> None:
        self.outcome = outcome
        lines = [f"Saved {outcome.workbook} ({outcome.sheets} sheets, {outcome.rows} rows)."]
        if outcome.pdf:
            lines.append(f"Readable copy: {outcome.pdf}")
        lines.append("It holds personal data: send it securely and do not keep extra copies.")
        self._show("\n".join(lines))
        self.export_button.hide()
        self.open_folder.show()
        self.close_button.setText("Close")
        self.exported.emit(outcome)

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self._show(f"Not exported: {exc}", error=True)

    def _cancelled(self) -> None:
        self.export_button.setEnabled(True)
        self._show("Cancelled; nothing was saved.")

    def _open_folder(self) -> None:
        if self.outcome is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.outcome.workbook.parent)))


def open_person_export(parent: QWidget | None, person_id: int) -> PersonExportDialog:
    dialog = PersonExportDialog(person_id, parent)
    dialog.show()
    return dialog


# -- erasure ---------------------------------------------------------------------------------


class PersonEraseDialog(QDialog):
    """The one confirmation: what goes, what stays, which backups still hold the data, and the
    other records that mention the person, listed for the user to review (never changed)."""

    erased = Signal(int)

    def __init__(self, person_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.person_id = person_id
        self.plan: erasure.ErasurePlan | None = None
        self.last_result: erasure.ErasureResult | None = None
        self.handle: tasks.TaskHandle | None = None
        self.setWindowTitle(f"Erase personal data — {_name(person_id)}")
        self.resize(620, 520)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale
        self.heading = QLabel("Reading what would be erased…")
        self.heading.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.mentions_label = QLabel(erasure.MENTIONS_HEADING)
        self.mentions_label.setWordWrap(True)
        self.mentions = QListWidget()
        self.mentions_label.hide()
        self.mentions.hide()
        self.purge = QCheckBox()
        self.purge.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.erase_button = self.buttons.addButton("Erase personal data",
                                                   QDialogButtonBox.ButtonRole.DestructiveRole)
        self.erase_button.setStyleSheet(
            f"QPushButton {{ color: {colours.error()}; font-weight: bold; }}")
        self.erase_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button.setDefault(True)
        self.erase_button.clicked.connect(self.erase)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.mentions_label)
        layout.addWidget(self.mentions)
        layout.addWidget(self.purge)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.handle = tasks.run_task(self, erasure.plan, person_id, on_done=self._planned,
                                     on_error=self._failed)

    def _planned(self, plan: erasure.ErasurePlan) -> None:
        self.plan = plan
        if plan.backups:
            n = len(plan.backups)
            self.purge.setText(f"Also delete the {n} automatic backup{'s' if n != 1 else ''} "
                               "that still hold this person (whole files, everyone's data in them)")
            self.purge.show()
        if plan.already_erased:
            self.heading.setText(f"<b>{plan.name}</b> has already been erased.")
            lines = [erasure.backups_note(plan.backups), ""] if plan.backups else []
            lines += [str(p) for p in plan.backups]
            self.details.setPlainText("\n".join(lines) or "Nothing more to do.")
            if plan.backups:
                self.purge.setChecked(True)
                self.erase_button.setText("Delete those backups")
                self.erase_button.setEnabled(True)
            return
        self.heading.setText(f"Erase the personal data of <b>{plan.name}</b> (#{plan.person_id})? "
                             "This cannot be undone.")
        text = plan.text(with_paths=True, with_mentions=False).split("\n", 2)[2]  # heading above
        self.details.setPlainText(text.removesuffix("\n\nThis cannot be undone."))
        self._show_mentions(plan)
        self.erase_button.setEnabled(True)

    def _show_mentions(self, plan: erasure.ErasurePlan) -> None:
        """Other records' text that copies the person's values: to review by hand afterwards."""
        lines = [m.line() for m in plan.mentions]
        if plan.audit_mentions:
            n = plan.audit_mentions
            lines.append(f"and {n} audit entr{'y' if n == 1 else 'ies'} of other records "
                         "(their history stays as it was)")
        self.mentions.clear()
        self.mentions.addItems(lines)
        self.mentions_label.setVisible(bool(lines))
        self.mentions.setVisible(bool(lines))

    def erase(self) -> None:
        if self.plan is None:
            return
        self.erase_button.setEnabled(False)
        if self.plan.already_erased:
            self.handle = tasks.run_task(self, erasure.purge_backups, self.plan.backups,
                                         on_done=self._purged, on_error=self._failed,
                                         progress_title="Deleting backups…")
            return
        self.message.setText("Erasing…")
        self.handle = operations.write(self, erase_person, self.person_id, self.purge.isChecked(),
                                       changes={"person"}, on_done=self._erased,
                                       on_error=self._failed,
                                       progress_title="Erasing personal data…")

    def _erased(self, outcome) -> None:
        result, removed = outcome
        self.last_result = result
        lines = [f"Erased. {result.records_changed} record(s) anonymised; "
                 f"{result.audit_text()}. The records now show "
                 f"\"{erasure.erased_label(self.person_id)}\"."]
        if result.note:
            lines.append(result.note)
        if result.mentions:
            n = len(result.mentions)
            lines.append(f"{n} mention{'s' if n != 1 else ''} in other records {'were' if n != 1 else 'was'} "
                         "left as they were: review them in the list above.")
        if removed:
            lines.append(f"Deleted {len(removed)} automatic backup(s).")
        elif result.backups:
            lines.append(erasure.backups_note(result.backups))
        self.message.setText("\n".join(lines))
        self.heading.setText(f"<b>{erasure.erased_label(self.person_id)}</b>")
        self._finish()
        self.erased.emit(self.person_id)

    def _purged(self, removed: list[Path]) -> None:
        self.message.setText(f"Deleted {len(removed)} automatic backup(s).")
        self._finish()

    def _finish(self) -> None:
        self.erase_button.hide()
        self.purge.hide()
        self.close_button.setText("Close")

    def _failed(self, exc: BaseException) -> None:
        self.message.setStyleSheet(f"color: {colours.error()};")
        self.message.setText(f"Nothing was erased: {exc}")
        self.erase_button.setEnabled(self.plan is not None)


def open_person_erase(parent: QWidget | None, person_id: int) -> PersonEraseDialog:
    dialog = PersonEraseDialog(person_id, parent)
    dialog.show()
    return dialog


# -- from the Tools menu ---------------------------------------------------------------------


def choose_action(parent: QWidget | None, person_id: int) -> str | None:
    """Ask what to do with the chosen person's data: "export", "erase" or None (tests replace)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setWindowTitle("Personal data")
    box.setText(f"What do you want to do with the data of {_name(person_id)}?")
    export = box.addButton("Export their data…", QMessageBox.ButtonRole.AcceptRole)
    erase = box.addButton("Erase personal data…", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "export" if clicked is export else "erase" if clicked is erase else None


def open_personal_data(main_window) -> QDialog | None:
    """Tools > Personal data of a person…: pick a person, then export or erase their data."""
    from ittdesk.queries.lists import PEOPLE
    from ui.widgets.record_picker import PickerDialog

    picker = PickerDialog(PEOPLE, "Choose a person", parent=main_window)
    if picker.exec() != QDialog.DialogCode.Accepted or picker.chosen is None:
        return None
    action = choose_action(main_window, picker.chosen)
    if action == "export":
        return open_person_export(main_window, picker.chosen)
    if action == "erase":
        return open_person_erase(main_window, picker.chosen)
    return None
