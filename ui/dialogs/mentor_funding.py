"""Tools > Mentor funding…: what each school can claim, and DfE's sample answered (issue 18).

The year's summary (read on a worker), the statements for a year written to a folder (a PDF and
an xlsx per partner school, on a worker with progress), DfE's sample CSV answered into a new
file (a write: the sample's deadline is recorded, Home shows it) and the sample marked sent.
Everything is worked out by ``ittdesk.mentor_funding``, the same code as ``ittdesk
mentor-funding``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.fields import format_date
from ittdesk.mentor_funding import ledger as ledgers
from ittdesk.mentor_funding import sample as samples
from ittdesk.mentor_funding.ledger import hours_text
from ittdesk.mentor_funding.rates import money_text

from .. import sizing
from ..files import export_folder
from ..operations import read, write
from ..tasks import TaskHandle, show_error

CHANGES = {"funding_sample"}


def summary_html(year: AcademicYear) -> str:
    """Worker: the year's figures and one row per school, as HTML."""
    ledger = ledgers.build(year)
    f = ledger.figures
    head = (f"<p>{escape(str(year))}: initial up to {f.initial_hours} h, refresher up to "
            f"{f.refresher_hours} h; Inner London {money_text(f.rates['inner_london'])}, Outer "
            f"London {money_text(f.rates['outer_london'])}, Fringe {money_text(f.rates['fringe'])}"
            f", Rest of England {money_text(f.rates['rest_of_england'])} per hour "
            f"<span style='color:gray'>({escape(f.source)})</span></p>")
    rows = [s for s in ledger.statements if s.lines]
    if not rows:
        return head + "<p>No partner school has a mentor this year.</p>"
    body = "".join(
        f"<tr><td>{escape(s.name)} ({s.urn})</td><td>{escape(s.region_label)}</td>"
        f"<td align='right'>{len(s.lines)}</td><td align='right'>{hours_text(s.hours)}</td>"
        f"<td align='right'>{hours_text(s.claimable)}</td>"
        f"<td align='right'>{escape(money_text(s.total) or '—')}</td>"
        f"<td>{escape('; '.join(s.missing)) or '—'}</td></tr>" for s in rows)
    total = sum(s.total or 0 for s in rows)
    return (head + "<table cellspacing='0' cellpadding='3' border='1'><tr><th>School</th>"
            "<th>Region</th><th>Mentors</th><th>Hours</th><th>Claimable</th><th>Amount</th>"
            f"<th>Missing</th></tr>{body}<tr><td colspan='5'><b>Total</b></td>"
            f"<td align='right'><b>{money_text(total)}</b></td><td></td></tr></table>")


def statements(year: AcademicYear, folder: Path, progress=None):
    """Worker: every statement for the year into ``folder``."""
    from ittdesk.mentor_funding.statements import write_statements

    from ..printing import html_to_pdf

    return write_statements(year, folder, html_to_pdf, progress=progress)


class MentorFundingDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("MentorFundingDialog")
        self.setWindowTitle("Mentor funding")
        self.task: TaskHandle | None = None
        self.last_answer: samples.Answered | None = None
        self.year = QComboBox()
        self.year.setObjectName("year")
        current = AcademicYear.current()
        for year in (current.previous().previous(), current.previous(), current):
            self.year.addItem(str(year), year)
        self.year.setCurrentIndex(1)  # claims are made for the year just ended
        self.year.currentIndexChanged.connect(self.refresh)
        self.statements_button = QPushButton("Write &statements…")
        self.statements_button.setObjectName("statements")
        self.statements_button.setToolTip("One PDF and one xlsx per partner school with a "
                                          "mentor: what it can claim, and what is missing")
        # clicked(bool) would hand its False in as the folder / the sample: asked instead
        self.statements_button.clicked.connect(lambda: self.write_statements())
        today = clock.today()
        self.received = QDateEdit(QDate(today.year, today.month, today.day))
        self.received.setObjectName("received")
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("dd/MM/yyyy")
        self.answer_button = QPushButton("&Answer DfE's sample…")
        self.answer_button.setObjectName("answer")
        self.answer_button.clicked.connect(lambda: self.answer_sample())
        self.sent_button = QPushButton("Mark the sample s&ent")
        self.sent_button.setObjectName("sent")
        self.sent_button.clicked.connect(self.mark_sent)
        self.summary = QTextBrowser()
        self.summary.setObjectName("summary")
        self.outcome = QTextBrowser()
        self.outcome.setObjectName("outcome")
        self.outcome.setMaximumHeight(170)
        self.outcome.setPlaceholderText("What was written, and the answers to DfE's sample, show here.")
        top = QHBoxLayout()
        year_label = QLabel("Academic &year")
        year_label.setBuddy(self.year)
        top.addWidget(year_label)
        top.addWidget(self.year)
        top.addWidget(self.statements_button)
        top.addStretch(1)
        sample_row = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.received)
        row.addWidget(self.answer_button)
        row.addWidget(self.sent_button)
        row.addStretch(1)
        sample_row.addRow("Sample received on", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary, 1)
        layout.addLayout(sample_row)
        layout.addWidget(self.outcome)
        layout.addWidget(buttons)
        self.resize(900, 640)
        sizing.fit_on_show(self)
        self.refresh()

    def chosen_year(self) -> AcademicYear:
        return self.year.currentData()

    def refresh(self) -> None:
        self.summary.setHtml("<p style='color:gray'>Working out the year…</p>")

        def failed(exc: BaseException) -> None:
            from ittdesk.errors import plain_message

            self.summary.setHtml(f"<p>{escape(plain_message(exc))}</p>")

        read(self, summary_html, self.chosen_year(), on_done=self.summary.setHtml,
             on_error=failed)

    def write_statements(self, folder: str | None = None):
        folder = folder or QFileDialog.getExistingDirectory(
            self, "Folder for the statements", str(export_folder()))
        if not folder:
            return None

        def done(result) -> None:
            self.outcome.setPlainText(f"Wrote {len(result.files)} files for "
                                      f"{len(result.statements)} schools in {folder}.")

        self.task = read(self, statements, self.chosen_year(), Path(folder), on_done=done,
                         on_error=lambda exc: show_error(self, exc),
                         progress_title="Writing the statements…")
        return self.task

    def answer_sample(self, sample_path: str | None = None, out_path: str | None = None):
        if sample_path is None:
            sample_path, _ = QFileDialog.getOpenFileName(self, "DfE's sample (CSV)",
                                                         str(export_folder()), "CSV files (*.csv)")
        if not sample_path:
            return None
        if out_path is None:
            suggested = str(Path(sample_path).with_name(Path(sample_path).stem + " answered.csv"))
            out_path, _ = QFileDialog.getSaveFileName(self, "Save the answered sample as",
                                                      suggested, "CSV files (*.csv)")
        if not out_path:
            return None
        received = self.received.date().toPython()

        def done(result: samples.Answered) -> None:
            self.last_answer = result
            lines = [f"<p>Wrote {escape(str(result.out))}: {len(result.accepted)} accepted, "
                     f"{len(result.rejected)} rejected, {len(result.undecided)} for you to "
                     f"decide. Send it back to DfE by <b>{format_date(result.answer_by)}</b>.</p>"]
            lines += [f"<p>Line {d.line} {escape(d.mentor)}: <b>undecided</b>, {escape(d.why)}</p>"
                      for d in result.undecided]
            lines += [f"<p>Line {d.line} {escape(d.mentor)}: no, {escape(d.reason)}</p>"
                      for d in result.rejected]
            self.outcome.setHtml("".join(lines))

        self.task = write(self, samples.answer, Path(sample_path), Path(out_path),
                          received_on=received, changes=CHANGES, on_done=done,
                          on_error=lambda exc: show_error(self, exc),
                          progress_title="Answering the sample…")
        return self.task

    def mark_sent(self):
        def done(sample) -> None:
            self.outcome.setPlainText(f"{sample.file_name}: marked sent on "
                                      f"{format_date(sample.sent_on)}.")

        self.task = write(self, samples.mark_sent, changes=CHANGES, on_done=done,
                          on_error=lambda exc: show_error(self, exc))
        return self.task


def open_mentor_funding(main_window) -> MentorFundingDialog:
    dialog = MentorFundingDialog(main_window)
    dialog.open()
    return dialog
