"""Collect returned confirmation forms: pick files or a folder, review each school's changes,
accept or reject each, apply.

Reading and applying run through ``ui.tasks.run_task`` (off the GUI thread, with progress and
Cancel); the work is ``ittdesk.leadership.collect``. Nothing changes until "Apply ticked
changes"; afterwards the applied schools stay in the list, locked and marked applied, the
unticked ones stay unticked, and Apply waits until there is something new to apply. A form
refused because pre-filled cells were edited is listed with the cells named and its answers
shown; "Take these answers…" (after a warning) lets the manager apply them, audited.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk.leadership import collect
from ittdesk.leadership.differences import Collection
from ittdesk.models import ConfirmationRound
from ui.models.review_model import ReturnsModel, ReviewRow  # noqa: F401 - ReviewRow re-exported
from ui.models.rows_model import RowsModel

from .. import sizing
from ..files import export_folder
from ..operations import EVERYTHING, write
from ..tasks import TaskHandle, run_task

_ROOT = QModelIndex()


# -- work for the thread pool (plain values in and out, no widgets) ----------------------------

def read_returns(round_id: int, paths: list[Path], progress=None, cancel=None):
    round_ = ConfirmationRound.get_by_id(round_id)
    return collect.collect(paths, round_,
                           progress=(lambda d, t, m: progress(d, t, f"Reading {m}…" if m else ""))
                           if progress else None,
                           cancelled=cancel.is_set if cancel else None)


def apply_returns(items, taken=(), progress=None, cancel=None):
    return collect.apply_many(items,
                              progress=(lambda d, t, m: progress(d, t, f"Applying {m}…" if m else ""))
                              if progress else None,
                              cancelled=cancel.is_set if cancel else None, taken=taken)


# -- the refused files ---------------------------------------------------------------------------

class RefusedModel(RowsModel):
    HEADINGS = ("File", "Why it was refused")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        item = self.row_at(index)
        if item is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return item.path.name if index.column() == 0 else item.reason
        return None


# -- the dialog ----------------------------------------------------------------------------------

class CollectFormsDialog(QDialog):
    def __init__(self, round_id: int, main_window=None, parent: QWidget | None = None):
        super().__init__(parent or main_window)
        self.setObjectName("CollectFormsDialog")
        self.main_window = main_window
        self.round = ConfirmationRound.get_by_id(round_id)
        self.year = str(self.round.academic_year)
        self.paths: list[Path] = []
        self.task: TaskHandle | None = None
        self.setWindowTitle(f"Collect returned forms: {self.year}")

        intro = QLabel(f"Choose the forms schools sent back for {self.year} (any file name). "
                       "Tick the changes to accept; nothing changes until you apply.")
        intro.setWordWrap(True)
        self.add_files = QPushButton("Add files…")
        self.add_files.setObjectName("add_files")
        self.add_folder = QPushButton("Add a folder…")
        self.add_folder.setObjectName("add_folder")
        self.summary = QLabel("No forms chosen yet.")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.add_files)
        top.addWidget(self.add_folder)
        top.addWidget(self.summary, 1)

        self.model = ReturnsModel(self)
        self.table = QTableView()
        self.table.setObjectName("changes")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setWordWrap(False)  # the whole text is in each row's tooltip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(ReturnsModel.COL_WHAT, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ReturnsModel.COL_SCHOOL, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(ReturnsModel.COL_WHAT, 230)
        self.table.setColumnWidth(ReturnsModel.COL_SCHOOL, 260)

        self.detail = QLabel()
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setProperty("role", "muted")
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)

        self.refused_model = RefusedModel(self)
        self.refused_box = QGroupBox("Refused: nothing is taken from these files")
        self.refused_box.setObjectName("refused_box")
        refused_layout = QVBoxLayout(self.refused_box)
        self.refused = QTableView()
        self.refused.setObjectName("refused")
        self.refused.setModel(self.refused_model)
        self.refused.verticalHeader().setVisible(False)
        self.refused.horizontalHeader().setStretchLastSection(True)
        self.refused.setColumnWidth(0, 260)
        self.refused.setMaximumHeight(120)
        self.refused_box.setMaximumHeight(170)
        refused_layout.addWidget(self.refused)
        self.refused_box.hide()

        self.take_button = QPushButton("Take these answers…")
        self.take_button.setObjectName("take")
        self.take_button.setToolTip("Use the answers of a form refused because pre-filled cells "
                                    "were edited (you are warned first; it is audited)")
        self.take_button.setEnabled(False)
        self.accept_all = QPushButton("Tick all changes")
        self.reject_all = QPushButton("Untick all changes")
        self.apply_button = QPushButton("Apply ticked changes")
        self.apply_button.setObjectName("apply")
        self.apply_button.setDefault(True)
        self.apply_button.setEnabled(False)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.take_button)
        bottom.addWidget(self.accept_all)
        bottom.addWidget(self.reject_all)
        bottom.addStretch(1)
        bottom.addWidget(self.apply_button)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.refused_box)
        layout.addLayout(bottom)

        self.add_files.clicked.connect(self.choose_files)
        self.add_folder.clicked.connect(self.choose_folder)
        self.accept_all.clicked.connect(lambda: self.model.set_all(True))
        self.reject_all.clicked.connect(lambda: self.model.set_all(False))
        self.apply_button.clicked.connect(self.apply)
        self.take_button.clicked.connect(self.ask_take)
        self.model.dataChanged.connect(lambda *_a: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self.busy = False
        self.resize(1100, 640)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale

    def _show_detail(self, current, _previous=None) -> None:
        self._update_buttons()
        if not current.isValid() or current.row() >= len(self.model.rows):
            self.detail.clear()
            return
        row = self.model.rows[current.row()]
        school = self.model.returns[row.ret].name
        self.detail.setText(f"{school}: {row.what}. {self.model.detail(row)}")

    def _current_held(self) -> int | None:
        """The held (refused, readable) form the selected row belongs to, if not taken yet."""
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        n = self.model.rows[index.row()].ret
        ret = self.model.returns[n]
        return n if ret.held and n not in self.model.taken and n not in self.model.applied \
            else None

    def _update_buttons(self) -> None:
        """Apply only when there is something new to apply; Take only on a held form."""
        self.apply_button.setEnabled(not self.busy and bool(self.model.pending()))
        self.take_button.setEnabled(not self.busy and self._current_held() is not None)

    # -- a refused form's answers -----------------------------------------------------------
    def take_warning(self, n: int) -> str:
        ret = self.model.returns[n]
        cells = "\n".join(f"  • {e}" for e in ret.edited)
        also = "".join(f"\n\nAlso: {w}." for w in ret.warnings)
        return (f"The form from {ret.name} ({ret.path.name}) was refused because pre-filled "
                f"cells were typed over:\n{cells}{also}\n\nIts answers may not be about the people "
                "or school we hold. Take its answers anyway? You can still untick any change; "
                "what you apply is recorded in the audit trail as taken from a refused form.")

    def ask_take(self) -> None:
        n = self._current_held()
        if n is None:
            return
        answer = QMessageBox.warning(
            self, "Take a refused form's answers", self.take_warning(n),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self.model.take(n)
            self._update_buttons()

    # -- choosing ---------------------------------------------------------------------------
    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Returned forms", str(export_folder()), "Spreadsheets (*.xlsx *.xlsm *.xls *.ods);;All files (*)")
        if names:
            self.add_paths([Path(n) for n in names])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of returned forms", str(export_folder()))
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path]) -> None:
        """Read the chosen files (and those chosen before) again, off the GUI thread."""
        self.paths = list(dict.fromkeys([*self.paths, *paths]))
        self.summary.setText("Reading forms…")
        self.apply_button.setEnabled(False)
        self.task = run_task(self, read_returns, self.round.id, list(self.paths),
                             on_done=self.show_collection, progress_title="Reading returned forms…",
                             on_cancelled=lambda: self.summary.setText("Reading cancelled."))

    def show_collection(self, found: Collection) -> None:
        blank = [r for r in found.refused if r.blank]
        refused = [r for r in found.refused if not r.blank]
        done = {(r.school_id, r.path) for n, r in enumerate(self.model.returns)
                if n in self.model.applied}  # read again with more files: still applied
        self.model.set_returns(found.returns, self.year)
        self.model.mark_applied([n for n, r in enumerate(found.returns)
                                 if (r.school_id, r.path) in done])
        self.refused_model.set_rows(refused)
        self.refused_box.setVisible(bool(refused))
        readable = [r for r in found.returns if not r.held]
        changes = sum(len(r.applicable) for r in readable)
        parts = [f"{len(readable)} form(s) to review with {changes} change(s)"]
        if refused:
            parts.append(f"{len(refused)} refused")
        if blank:
            parts.append(f"{len(blank)} not filled in yet (skipped)")
        if found.cancelled:
            parts.append("reading was cancelled part way")
        if found.held:
            parts.append(f"{len(found.held)} refused for edited pre-filled cells (answers shown; "
                         "Take these answers… to use them)")
        self.summary.setText("; ".join(parts) + ".")
        self._update_buttons()

    # -- applying ---------------------------------------------------------------------------
    def apply(self) -> None:
        items = self.model.pending()
        if not items:
            self.summary.setText("No school is ticked: nothing to apply."
                                 if not self.model.accepted() else
                                 "Nothing new to apply: change a tick first.")
            return
        self.busy = True
        self._update_buttons()
        taken = [self.model.returns[n].school_id for n in self.model.taken]
        self.task = write(self, apply_returns, items, taken,
                          changes=lambda outcomes: {EVERYTHING} if any(o.ok for o in outcomes)
                          else (),
                          on_done=lambda outcomes: self.applied(items, outcomes),
                          on_error=self._apply_failed, progress_title="Applying changes…")

    def _apply_failed(self, exc: BaseException) -> None:
        from ..tasks import show_error

        self.busy = False
        self._update_buttons()
        show_error(self, exc)

    def applied(self, items, outcomes: list[collect.Outcome]) -> None:
        """Applied schools stay listed, locked as applied; the rest keep their ticks."""
        self.busy = False
        self.model.mark_outcomes(items, outcomes)
        ok = [o for o in outcomes if o.ok]
        failed = [o for o in outcomes if not o.ok]
        text = f"{len(ok)} school(s) updated and confirmed for {self.year}."
        if failed:
            text += " Not applied: " + " ".join(o.message for o in failed)
        self.summary.setText(text)
        self._show_detail(self.table.currentIndex())  # the selected row may be applied now


def open_collect_forms(main_window, round_id: int) -> CollectFormsDialog:
    dialog = CollectFormsDialog(round_id, main_window)
    dialog.open()
    return dialog
