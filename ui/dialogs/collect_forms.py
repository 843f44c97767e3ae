"""Collect returned confirmation forms: pick files or a folder, review each school's changes,
accept or reject each, apply.

Reading and applying run through ``ui.tasks.run_task`` (off the GUI thread, with progress and
Cancel); the work is ``ittdesk.leadership.collect``. Nothing changes until "Apply accepted".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ittdesk import fields
from ittdesk.leadership import collect
from ittdesk.models import ConfirmationRound
from ui.models.rows_model import RowsModel

from .. import sizing
from ..tasks import run_task

_ROOT = QModelIndex()


# -- work for the thread pool (plain values in and out, no widgets) ----------------------------

def read_returns(round_id: int, paths: list[Path], progress=None, cancel=None):
    round_ = ConfirmationRound.get_by_id(round_id)
    return collect.collect(paths, round_,
                           progress=(lambda d, t, m: progress(d, t, f"Reading {m}…" if m else ""))
                           if progress else None,
                           cancelled=cancel.is_set if cancel else None)


def apply_returns(items, progress=None, cancel=None):
    return collect.apply_many(items,
                              progress=(lambda d, t, m: progress(d, t, f"Applying {m}…" if m else ""))
                              if progress else None,
                              cancelled=cancel.is_set if cancel else None)


# -- the review model ----------------------------------------------------------------------------

@dataclass
class ReviewRow:
    kind: str  # school, change, note, problem
    ret: int  # index into ReturnsModel.returns
    what: str
    detail: str
    key: str | None = None
    checked: bool = False


class ReturnsModel(RowsModel):
    """One row per school (confirm it?) followed by its changes (accept each?) and problems."""

    COL_WHAT, COL_SCHOOL, COL_DETAIL = range(3)
    HEADINGS = ("Change", "School", "Details")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.returns: list[collect.SchoolReturn] = []
        self.rows: list[ReviewRow] = []
        self.year = ""

    def set_returns(self, returns: list[collect.SchoolReturn], year: str) -> None:
        self.beginResetModel()
        self.year = year
        self.returns = list(returns)
        self.rows = []
        for n, ret in enumerate(self.returns):
            bits = []
            if ret.completed_by:
                bits.append(f"completed by {ret.completed_by}"
                            + (f" on {fields.format_date(ret.completed_on)}" if ret.completed_on else ""))
            if ret.already_confirmed_on:
                bits.append("already confirmed on "
                            f"{fields.format_date(ret.already_confirmed_on)}: a second form")
            if ret.confirmed:
                bits.append(f"confirmed as held: {', '.join(ret.confirmed)}")
            if not ret.changes:
                bits.append("no changes")
            bits.append(f"file {ret.path.name}")
            self.rows.append(ReviewRow("school", n, f"Confirm for {year}", "; ".join(bits),
                                       checked=True))
            for change in ret.changes:
                if change.applicable:
                    self.rows.append(ReviewRow("change", n, change.title,
                                               change.detail.replace(" -> ", " → "),
                                               change.key, checked=True))
                else:
                    self.rows.append(ReviewRow("note", n, change.title, change.detail))
            for problem in ret.problems:
                self.rows.append(ReviewRow("problem", n, "Could not use", problem))
        self.endResetModel()

    def _school_on(self, row: ReviewRow) -> bool:
        return next(r.checked for r in self.rows if r.kind == "school" and r.ret == row.ret)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row = self.rows[index.row()]
        flags = Qt.ItemFlag.ItemIsSelectable
        if row.kind == "school" or self._school_on(row):
            flags |= Qt.ItemFlag.ItemIsEnabled
        if index.column() == self.COL_WHAT and row.kind in ("school", "change"):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_WHAT:
                return row.what
            if col == self.COL_SCHOOL:
                ret = self.returns[row.ret]
                return f"{ret.name} ({ret.urn})" if row.kind == "school" else ""
            return row.detail
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.detail
        if role == Qt.ItemDataRole.CheckStateRole and col == self.COL_WHAT \
                and row.kind in ("school", "change"):
            return Qt.CheckState.Checked if row.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and row.kind == "school":
            return QBrush(QColor("#E8EEF8"))
        if role == Qt.ItemDataRole.FontRole and row.kind == "school":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.kind == "problem":
                return QBrush(QColor("#B00020"))
            if row.kind == "note":
                return QBrush(QColor("#7F6000"))
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        row = self.rows[index.row()]
        if row.kind not in ("school", "change") or index.column() != self.COL_WHAT:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        if row.checked == checked:
            return True
        row.checked = checked
        if row.kind == "school":  # its changes become (un)available: repaint the block
            rows = [i for i, r in enumerate(self.rows) if r.ret == row.ret]
            self.dataChanged.emit(self.index(rows[0], 0),
                                  self.index(rows[-1], self.columnCount() - 1))
        else:
            self.dataChanged.emit(index, index)
        return True

    # What to apply
    def set_all(self, checked: bool) -> None:
        for row in self.rows:
            if row.kind == "change":
                row.checked = checked
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def accepted(self) -> list[tuple[collect.SchoolReturn, list[str]]]:
        """Schools still ticked, each with the keys of its ticked changes."""
        result = []
        for n, ret in enumerate(self.returns):
            rows = [r for r in self.rows if r.ret == n]
            if not rows[0].checked:
                continue
            result.append((ret, [r.key for r in rows if r.kind == "change" and r.checked]))
        return result


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
        self.task = None
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

        self.accept_all = QPushButton("Tick all changes")
        self.reject_all = QPushButton("Untick all changes")
        self.apply_button = QPushButton("Apply ticked changes")
        self.apply_button.setObjectName("apply")
        self.apply_button.setDefault(True)
        self.apply_button.setEnabled(False)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
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
        self.resize(1100, 640)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale

    def _show_detail(self, current, _previous=None) -> None:
        if not current.isValid() or current.row() >= len(self.model.rows):
            self.detail.clear()
            return
        row = self.model.rows[current.row()]
        school = self.model.returns[row.ret].name
        self.detail.setText(f"{school}: {row.what}. {row.detail}")

    # -- choosing ---------------------------------------------------------------------------
    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Returned forms", "", "Spreadsheets (*.xlsx *.xlsm *.xls *.ods);;All files (*)")
        if names:
            self.add_paths([Path(n) for n in names])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of returned forms")
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

    def show_collection(self, found: collect.Collection) -> None:
        blank = [r for r in found.refused if r.blank]
        refused = [r for r in found.refused if not r.blank]
        self.model.set_returns(found.returns, self.year)
        self.refused_model.set_rows(refused)
        self.refused_box.setVisible(bool(refused))
        changes = sum(len(r.applicable) for r in found.returns)
        parts = [f"{len(found.returns)} form(s) to review with {changes} change(s)"]
        if refused:
            parts.append(f"{len(refused)} refused")
        if blank:
            parts.append(f"{len(blank)} not filled in yet (skipped)")
        if found.cancelled:
            parts.append("reading was cancelled part way")
        self.summary.setText("; ".join(parts) + ".")
        self.apply_button.setEnabled(bool(found.returns))

    # -- applying ---------------------------------------------------------------------------
    def apply(self) -> None:
        items = self.model.accepted()
        if not items:
            self.summary.setText("No school is ticked: nothing to apply.")
            return
        self.apply_button.setEnabled(False)
        self.task = run_task(self, apply_returns, items, on_done=self.applied,
                             progress_title="Applying changes…")

    def applied(self, outcomes: list[collect.Outcome]) -> None:
        ok = [o for o in outcomes if o.ok]
        failed = [o for o in outcomes if not o.ok]
        done_names = {o.school for o in ok}
        remaining = [r for r in self.model.returns if r.name not in done_names]
        self.model.set_returns(remaining, self.year)
        text = f"{len(ok)} school(s) updated and confirmed for {self.year}."
        if failed:
            text += " Not applied: " + " ".join(o.message for o in failed)
        self.summary.setText(text)
        self.apply_button.setEnabled(bool(remaining))
        if ok and self.main_window is not None and hasattr(self.main_window, "records_changed"):
            self.main_window.records_changed.emit("*")


def open_collect_forms(main_window, round_id: int) -> CollectFormsDialog:
    dialog = CollectFormsDialog(round_id, main_window)
    dialog.open()
    return dialog
