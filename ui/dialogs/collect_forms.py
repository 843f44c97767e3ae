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
    QMessageBox,
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


def apply_returns(items, taken=(), progress=None, cancel=None):
    return collect.apply_many(items,
                              progress=(lambda d, t, m: progress(d, t, f"Applying {m}…" if m else ""))
                              if progress else None,
                              cancelled=cancel.is_set if cancel else None, taken=taken)


# -- the review model ----------------------------------------------------------------------------

@dataclass
class ReviewRow:
    kind: str  # school, change, note, problem, warning
    ret: int  # index into ReturnsModel.returns
    what: str
    detail: str
    key: str | None = None
    checked: bool = False


APPLIED_COLOUR, HELD_COLOUR, WARNING_COLOUR = "#2E7D32", "#B00020", "#7F6000"


class ReturnsModel(RowsModel):
    """One row per school (confirm it?) followed by its changes (accept each?) and problems.

    Per school: *applied* (locked, shown as done), *held* (refused: pre-filled cells edited;
    not tickable until taken), *failed* (the error kept with the choices that failed, so Apply
    offers it again only once something was changed)."""

    COL_WHAT, COL_SCHOOL, COL_DETAIL = range(3)
    HEADINGS = ("Change", "School", "Details")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.returns: list[collect.SchoolReturn] = []
        self.rows: list[ReviewRow] = []
        self.year = ""
        self.applied: set[int] = set()
        self.taken: set[int] = set()
        self.failed: dict[int, tuple[frozenset[str], str]] = {}
        self._heads: dict[int, ReviewRow] = {}

    def set_returns(self, returns: list[collect.SchoolReturn], year: str) -> None:
        self.beginResetModel()
        self.year = year
        self.returns = list(returns)
        self.applied, self.taken, self.failed = set(), set(), {}
        self.rows, self._heads = [], {}
        for n, ret in enumerate(self.returns):
            bits = [ret.held_reason] if ret.held else []
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
            what = ("Refused: pre-filled cells edited" if ret.held else f"Confirm for {year}")
            self.rows.append(ReviewRow("school", n, what, "; ".join(bits),
                                       checked=not ret.held))
            for warning in ret.warnings:
                self.rows.append(ReviewRow("warning", n, "Check the file", warning))
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

    def _school_row(self, n: int) -> ReviewRow:
        if len(self._heads) != len(self.returns):  # rows rebuilt: index the school rows again
            self._heads = {r.ret: r for r in self.rows if r.kind == "school"}
        return self._heads[n]

    def _school_on(self, row: ReviewRow) -> bool:
        return self._school_row(row.ret).checked

    def _locked(self, n: int) -> bool:
        """Applied, or held and not taken: its ticks cannot change."""
        return n in self.applied or (self.returns[n].held and n not in self.taken)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row = self.rows[index.row()]
        flags = Qt.ItemFlag.ItemIsSelectable
        if row.kind == "school" or (self._school_on(row) and row.ret not in self.applied):
            flags |= Qt.ItemFlag.ItemIsEnabled
        if (index.column() == self.COL_WHAT and row.kind in ("school", "change")
                and not self._locked(row.ret)):
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
            return self.detail(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.detail(row)
        if role == Qt.ItemDataRole.CheckStateRole and col == self.COL_WHAT \
                and row.kind in ("school", "change"):
            return Qt.CheckState.Checked if row.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and row.kind == "school":
            return QBrush(QColor("#E8F5E9" if row.ret in self.applied else "#E8EEF8"))
        if role == Qt.ItemDataRole.FontRole and row.kind == "school":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.kind == "school" and row.ret in self.applied:
                return QBrush(QColor(APPLIED_COLOUR))
            if row.kind == "school" and (row.ret in self.failed or self._locked(row.ret)):
                return QBrush(QColor(HELD_COLOUR))
            if row.kind == "problem":
                return QBrush(QColor("#B00020"))
            if row.kind in ("note", "warning"):
                return QBrush(QColor(WARNING_COLOUR))
        return None

    def detail(self, row: ReviewRow) -> str:
        failed = self.failed.get(row.ret) if row.kind == "school" else None
        return f"{failed[1]} — {row.detail}" if failed else row.detail

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        row = self.rows[index.row()]
        if (row.kind not in ("school", "change") or index.column() != self.COL_WHAT
                or self._locked(row.ret)):
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        if row.checked == checked:
            return True
        row.checked = checked
        if row.kind == "school":  # its changes become (un)available: repaint the block
            self._repaint(row.ret)
        else:
            self.dataChanged.emit(index, index)
        return True

    def _repaint(self, n: int) -> None:
        rows = [i for i, r in enumerate(self.rows) if r.ret == n]
        self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], self.columnCount() - 1))

    # What to apply
    def set_all(self, checked: bool) -> None:
        for row in self.rows:
            if row.kind == "change" and not self._locked(row.ret):
                row.checked = checked
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def take(self, n: int) -> None:
        """The user chose to take a held form's answers: it becomes tickable, and ticked."""
        if not self.returns[n].held or n in self.applied:
            return
        self.taken.add(n)
        school = self._school_row(n)
        school.what = f"Take refused form's answers ({self.year})"
        school.checked = True
        self._repaint(n)

    def _choice(self, n: int) -> list[str]:
        return [r.key for r in self.rows if r.ret == n and r.kind == "change" and r.checked]

    def accepted(self) -> list[tuple[collect.SchoolReturn, list[str]]]:
        """Schools still ticked and not applied yet, each with the keys of its ticked changes."""
        return [(ret, self._choice(n)) for n, ret in enumerate(self.returns)
                if n not in self.applied and self._school_row(n).checked]

    def pending(self) -> list[tuple[collect.SchoolReturn, list[str]]]:
        """What Apply would do that is new: ``accepted`` less a failed school whose choices are
        exactly those that failed (applying it again would only fail again)."""
        result = []
        for n, ret in enumerate(self.returns):
            if n in self.applied or not self._school_row(n).checked:
                continue
            keys = self._choice(n)
            failed = self.failed.get(n)
            if failed is not None and failed[0] == frozenset(keys):
                continue
            result.append((ret, keys))
        return result

    def mark_applied(self, numbers: list[int]) -> None:
        for n in numbers:
            self.applied.add(n)
            self._school_row(n).what = f"Applied: confirmed for {self.year}"
            self._repaint(n)

    def mark_outcomes(self, items: list[tuple[collect.SchoolReturn, list[str]]],
                      outcomes: list[collect.Outcome]) -> None:
        """Applied schools are locked as done; failed ones keep their ticks and the reason."""
        index = {ret.school_id: n for n, ret in enumerate(self.returns)}
        chosen = {ret.school_id: keys for ret, keys in items}
        for outcome in outcomes:
            n = index.get(outcome.school_id)
            if n is None:
                continue
            school = self._school_row(n)
            if outcome.ok:
                self.failed.pop(n, None)
                self.mark_applied([n])
                continue
            self.failed[n] = (frozenset(chosen.get(outcome.school_id, ())), outcome.message)
            school.what = "Not applied (see details)"
            self._repaint(n)


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
        self.task = run_task(self, apply_returns, items, taken,
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
        if ok and self.main_window is not None and hasattr(self.main_window, "records_changed"):
            self.main_window.records_changed.emit("*")


def open_collect_forms(main_window, round_id: int) -> CollectFormsDialog:
    dialog = CollectFormsDialog(round_id, main_window)
    dialog.open()
    return dialog
