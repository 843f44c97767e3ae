"""Yearly confirmation: start the year's round, write a form per school, collect the returns,
see who is outstanding and whom to chase.

Everything long (writing 100 forms, PDFs, reading a folder, applying) runs through
``ui.tasks.run_task`` with progress and Cancel; the work is in ``ittdesk.leadership``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk.leadership import rounds, sending
from ittdesk.models import ConfirmationRound
from ui.models.round_model import FILTERS, STATE_LABELS, RoundModel  # noqa: F401 - re-exported

from ..dialogs.start_round import StartRoundDialog
from ..files import export_folder
from ..operations import write, write_and_wait
from ..tasks import run_task, show_error
from ..widgets.flow_layout import FlowLayout
from ..widgets.leadership_timeline import LeadershipTimeline
from .base import Page
from .round_mail import RoundMailActions, write_reminders  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from ..dialogs.collect_forms import CollectFormsDialog

_ROOT = QModelIndex()
# -- work for the thread pool -------------------------------------------------------------------

def load_status(round_id: int) -> rounds.RoundStatus:
    return rounds.status(ConfirmationRound.get_by_id(round_id))


def write_forms(round_id: int, folder: Path, with_pdf: bool, progress=None, cancel=None,
                email_drafts: bool = False):
    """Every form (and PDF, and e-mail draft) or none: a cancel or a failure writes and marks
    nothing."""
    from ..printing import html_to_pdf

    round_ = ConfirmationRound.get_by_id(round_id)
    stop = cancel.is_set if cancel else None
    result = sending.generate_forms(round_, folder, paper=html_to_pdf if with_pdf else None,
                                    progress=progress, cancelled=stop,
                                    email_drafts=email_drafts)
    return result, result.paper


def export_outstanding(round_id: int, target: Path) -> Path:
    return rounds.export_outstanding(load_status(round_id), target)


def mark_sent(round_id: int, urns: list[int] | None) -> rounds.SentResult:
    return rounds.mark_sent(ConfirmationRound.get_by_id(round_id), urns)


def add_schools(round_id: int) -> int:
    return rounds.add_schools(ConfirmationRound.get_by_id(round_id))


# -- the page -------------------------------------------------------------------------------------

class ConfirmationPage(RoundMailActions, Page):
    title = "Yearly confirmation"
    shows = frozenset({"round_school", "school", "role", "person"})

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(main_window, parent)
        self.setObjectName("ConfirmationPage")
        self.status: rounds.RoundStatus | None = None
        self.task = None
        self.last_written = None
        self.last_export: Path | None = None
        self.collect_dialog: CollectFormsDialog | None = None

        heading = QLabel("Yearly leadership confirmation")
        heading.setProperty("role", "pageTitle")
        intro = QLabel("Once a year every partner school confirms its leadership team, ITT "
                       "contacts and whether it can host trainees. Write the forms, send them "
                       "and mark them as sent, then collect what comes back.")
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")

        self.round_combo = QComboBox()
        self.round_combo.setObjectName("round")
        self.round_combo.setMinimumWidth(110)
        self.start_button = QPushButton("Start a round…")
        self.start_button.setObjectName("start")
        self.add_button = QPushButton("Add new schools")
        self.add_button.setObjectName("add_schools")
        self.add_button.setToolTip("Add partner, placement and lead schools that joined since "
                                   "the round started")
        self.counts = QLabel()
        self.counts.setObjectName("counts")
        self.counts.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Round"))
        bar.addWidget(self.round_combo)
        bar.addWidget(self.start_button)
        bar.addWidget(self.add_button)
        bar.addSpacing(16)
        bar.addWidget(self.counts, 1)

        self.write_button = QPushButton("Write forms…")
        self.write_button.setObjectName("write")
        self.write_button.setToolTip("One workbook per school, named by URN and school name")
        self.sent_button = QPushButton("Mark as sent…")
        self.sent_button.setObjectName("mark_sent")
        self.sent_button.setToolTip("Writing a form does not send it: say when the forms went "
                                    "out, so only those are chased")
        self.email_button = QPushButton("Send by e-mail…")
        self.email_button.setObjectName("send_email")
        self.email_button.setToolTip("E-mail each school its form, or a reminder, through your "
                                     "own mail server; sending again sends only what did not go")
        self.chase_button = QPushButton("Reminder drafts…")
        self.chase_button.setObjectName("chase")
        self.chase_button.setToolTip("An e-mail draft (.eml, the form attached again) for every "
                                     "school whose form is out and not back, to send from your "
                                     "mail program")
        self.collect_button = QPushButton("Collect returned forms…")
        self.collect_button.setObjectName("collect")
        self.export_button = QPushButton("Export outstanding…")
        self.export_button.setObjectName("export")
        self.change_button = QPushButton("Change a post holder…")
        self.change_button.setObjectName("change")
        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("filter")
        for label, state in FILTERS:
            self.filter_combo.addItem(label, state)
        # seven buttons and the filter need ~1,100 pixels side by side: in a narrower window
        # (150 % scaling on a laptop) a box layout squeezed every label to a cut-off middle,
        # so the row wraps; "Show" stays beside its list
        actions = FlowLayout()
        for button in (self.write_button, self.sent_button, self.email_button,
                       self.chase_button, self.collect_button, self.export_button,
                       self.change_button):
            actions.addWidget(button)
        show = QWidget()
        show_row = QHBoxLayout(show)
        show_row.setContentsMargins(0, 0, 0, 0)
        show_label = QLabel("&Show")
        show_label.setBuddy(self.filter_combo)
        show_row.addWidget(show_label)
        show_row.addWidget(self.filter_combo)
        actions.addWidget(show)

        self.model = RoundModel(self)
        self.table = QTableView()
        self.table.setObjectName("schools")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(RoundModel.COL_SCHOOL, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the school's name keeps its width; email takes the rest
        for col, width in zip(range(8), (64, 260, 130, 84, 84, 110, 210, 180), strict=True):
            self.table.setColumnWidth(col, width)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 6, 0, 0)
        self.timeline_title = QLabel("Choose a school to see its leadership over time")
        self.timeline_title.setProperty("role", "sectionTitle")
        self.timeline = LeadershipTimeline()
        lower_layout.addWidget(self.timeline_title)
        lower_layout.addWidget(self.timeline)
        lower_layout.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 170])

        self.empty = QLabel("No confirmation round yet. Start one for the coming academic "
                            "year: it covers your partner, placement and lead schools by default.")
        self.empty.setObjectName("empty")
        self.empty.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(self.empty)
        layout.addWidget(splitter, 1)

        self.round_combo.currentIndexChanged.connect(lambda _i: self.load_status())
        self.start_button.clicked.connect(self.start_round)
        self.add_button.clicked.connect(self.add_schools)
        self.write_button.clicked.connect(self.choose_folder_and_write)
        self.sent_button.clicked.connect(self.choose_mark_sent)
        self.email_button.clicked.connect(self.send_email)
        self.chase_button.clicked.connect(self.choose_folder_and_chase)
        self.collect_button.clicked.connect(self.collect)
        self.export_button.clicked.connect(self.choose_export)
        self.change_button.clicked.connect(self.change_holder)
        self.filter_combo.currentIndexChanged.connect(
            lambda _i: self.model.set_filter(self.filter_combo.currentData()))
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._school_chosen())
        self.table.doubleClicked.connect(lambda _i: self.open_school())
        self.refresh()

    # -- state --------------------------------------------------------------------------------
    def round_id(self) -> int | None:
        return self.round_combo.currentData()

    def refresh(self) -> None:
        current = self.round_id()
        self.round_combo.blockSignals(True)
        self.round_combo.clear()
        for item in rounds.all_rounds():
            self.round_combo.addItem(str(item.academic_year), item.id)
        index = self.round_combo.findData(current) if current is not None else 0
        self.round_combo.setCurrentIndex(max(index, 0) if self.round_combo.count() else -1)
        self.round_combo.blockSignals(False)
        has_round = self.round_combo.count() > 0
        self.empty.setVisible(not has_round)
        for button in (self.write_button, self.sent_button, self.collect_button,
                       self.export_button, self.add_button, self.email_button,
                       self.chase_button):
            button.setEnabled(has_round)
        self.load_status()

    def load_status(self) -> None:
        round_id = self.round_id()
        if round_id is None:
            self.status = None
            self.model.set_rows([])
            self.counts.setText("")
            self._school_chosen()
            return
        self.task = run_task(self, load_status, round_id, on_done=self.show_status)

    def show_status(self, status: rounds.RoundStatus) -> None:
        chosen = self.selected_school()
        self.status = status
        self.model.set_rows(status.rows)
        waiting = [(len(status.outstanding), "sent, awaited"),
                   (status.count("written"), "written, not sent"),
                   (status.count("not sent"), "no form yet"),
                   (status.not_added, "not in the round yet"),
                   (status.count("returned"), "returned, not confirmed")]
        self.counts.setText(
            f"<b>{status.total}</b> schools &nbsp; <b>{status.confirmed}</b> confirmed &nbsp; "
            f"<b>{status.unconfirmed}</b> not confirmed"
            + (" (" + ", ".join(f"{n} {what}" for n, what in waiting if n) + ")"
               if status.unconfirmed else "")
            + f"<br><span style='color:#555'>{escape(status.appetite_summary())}</span>")
        self.status_message.emit(status.summary())
        self.select_school(chosen)
        self._school_chosen()

    def selected_school(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.school_id(index.row()) if index.isValid() else None

    def select_school(self, school_id: int | None) -> None:
        for row in range(self.model.rowCount()):
            if self.model.school_id(row) == school_id:
                self.table.selectRow(row)
                return

    def _school_chosen(self) -> None:
        school_id = self.selected_school()
        self.change_button.setEnabled(school_id is not None)
        if school_id is None:
            self.timeline_title.setText("Choose a school to see its leadership over time")
            self.timeline.set_entries([])
            self.timeline.hide()
            return
        self.timeline.show()
        row = next(r for r in self.model.rows if r.school_id == school_id)
        self.timeline_title.setText(f"Leadership of {row.name}")
        self.timeline.set_school(school_id)

    # -- actions ------------------------------------------------------------------------------
    def open_school(self) -> None:
        """Double-click: the school's own record (its editor shows leadership and history)."""
        school_id = self.selected_school()
        if school_id is not None and hasattr(self.main_window, "open_record"):
            self.main_window.open_record("school", school_id, self)

    def start_round(self) -> None:
        dialog = StartRoundDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.round is not None:
            self.round_combo.addItem(str(dialog.round.academic_year), dialog.round.id)
            self.round_combo.setCurrentIndex(self.round_combo.findData(dialog.round.id))
            self.refresh()

    def add_schools(self) -> int:
        """Schools that became partners or placement schools after the round started."""
        round_id = self.round_id()
        if round_id is None:
            return 0
        added, exc = write_and_wait(self, add_schools, round_id, changes={"round_school"})
        if exc is not None:
            show_error(self, exc)
            return 0
        self.status_message.emit(f"Added {added} school(s) to the round" if added else
                                 "Every partner, placement and lead school is already in the round")
        if added:
            self.load_status()
        return added

    def choose_folder_and_write(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the forms", str(export_folder()))
        if not folder:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Paper forms",
                          "Also write a printable PDF of each form, for schools that prefer "
                          "paper?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        drafts_box = QCheckBox("Also write an e-mail draft per school (.eml, its form attached) "
                               "to send from Outlook, Thunderbird or Apple Mail; the schools "
                               "are then marked sent")
        box.setCheckBox(drafts_box)
        answer = box.exec()
        self.write_forms(Path(folder), with_pdf=answer == QMessageBox.StandardButton.Yes,
                         email_drafts=drafts_box.isChecked())

    def write_forms(self, folder: Path, with_pdf: bool = False, email_drafts: bool = False):
        round_id = self.round_id()
        if round_id is None:
            return None

        def done(outcome):
            result, pdfs = outcome
            self.load_status()
            text = f"Wrote {len(result.written)} form(s)" + (
                f" and {len(pdfs)} paper form(s)" if pdfs else "") + f" to {folder}. " \
                "Send them, then mark them as sent."
            if result.drafts:
                text = (f"Wrote {len(result.written)} form(s) and {len(result.drafts)} e-mail "
                        f"draft(s) to {folder}: open each draft and send it (the schools are "
                        "marked sent).") + (f" {len(result.no_address)} draft(s) have no "
                                            "address: add one." if result.no_address else "")
            if result.cancelled:
                text = "Cancelled: no form was written and none is marked as sent."
            self.status_message.emit(text)
            self.last_written = (result, pdfs)

        self.task = write(self, write_forms, round_id, folder, with_pdf, on_done=done,
                          changes={"round_school"}, on_cancelled=self.load_status,
                          email_drafts=email_drafts, progress_title="Writing confirmation forms…")
        return self.task

    def choose_mark_sent(self) -> None:
        """This school's form, or every written form not yet marked sent."""
        if self.status is None:
            return
        waiting = [r for r in self.status.rows if r.written_on and not r.sent_on]
        chosen = next((r for r in self.status.rows if r.school_id == self.selected_school()),
                      None)
        box = QMessageBox(QMessageBox.Icon.Question, "Mark as sent",
                          "Which forms went out to the schools?", parent=self)
        one = None
        if chosen is not None and chosen.written_on is not None and chosen.sent_on is None:
            one = box.addButton(f"Only {chosen.name}", QMessageBox.ButtonRole.AcceptRole)
        every = box.addButton(f"All {len(waiting)} written forms not yet marked sent",
                              QMessageBox.ButtonRole.AcceptRole)
        every.setEnabled(bool(waiting))
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if chosen is not None and one is not None and box.clickedButton() is one:
            self.mark_sent([chosen.urn])
        elif box.clickedButton() is every:
            self.mark_sent(None)

    def mark_sent(self, urns: list[int] | None) -> rounds.SentResult | None:
        """Record that forms went out (``rounds.mark_sent``: all or nothing, audited)."""
        round_id = self.round_id()
        if round_id is None:
            return None
        result, exc = write_and_wait(self, mark_sent, round_id, urns, changes={"round_school"})
        if exc is not None:
            show_error(self, exc)
            return None
        self.status_message.emit(f"Marked {len(result.marked)} form(s) as sent.")
        self.load_status()
        return result

    def collect(self) -> None:
        from ..dialogs.collect_forms import CollectFormsDialog

        round_id = self.round_id()
        if round_id is None:
            return
        dialog = CollectFormsDialog(round_id, self.main_window, self)
        dialog.finished.connect(lambda _r: self.load_status())
        dialog.open()
        self.collect_dialog = dialog

    def choose_export(self) -> None:
        if self.round_id() is None:
            return
        name = f"Outstanding leadership forms {self.round_combo.currentText().replace('/', '-')}.xlsx"
        target, _ = QFileDialog.getSaveFileName(self, "Export outstanding schools", str(export_folder() / name),
                                                "Excel workbook (*.xlsx);;CSV (*.csv)")
        if target:
            self.export_to(Path(target))

    def export_to(self, target: Path):
        def done(path):
            self.status_message.emit(f"Outstanding list saved to {path}")
            self.last_export = path

        self.task = run_task(self, export_outstanding, self.round_id(), target, on_done=done,
                             on_error=lambda exc: show_error(self, exc))
        return self.task

    def change_holder(self) -> None:
        from ..dialogs.change_holder import ChangeHolderDialog

        school_id = self.selected_school()
        if school_id is None:
            return
        dialog = ChangeHolderDialog(school_id, "headteacher", self)
        if dialog.exec() == QDialog.DialogCode.Accepted:  # its write announced the change
            self.load_status()

    def can_export(self) -> bool:
        return self.round_id() is not None

    def export_current(self) -> None:
        self.choose_export()

    def shown(self) -> None:
        self.refresh()

    def refresh_later(self) -> None:
        """Nothing to remember while hidden: ``shown`` reads everything again."""
