"""The collect dialog's review table: one row per school (confirm it?) followed by its
changes (accept each?), notes and problems, with where each school stands after Apply
(applied and locked, held until taken, failed with its reason)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ittdesk import fields
from ittdesk.leadership import collect
from ittdesk.leadership.differences import SchoolReturn

from .rows_model import RowsModel


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
        self.returns: list[SchoolReturn] = []
        self.rows: list[ReviewRow] = []
        self.year = ""
        self.applied: set[int] = set()
        self.taken: set[int] = set()
        self.failed: dict[int, tuple[frozenset[str], str]] = {}
        self._heads: dict[int, ReviewRow] = {}

    def set_returns(self, returns: list[SchoolReturn], year: str) -> None:
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
        return [r.key for r in self.rows  # a change row always has its change's key
                if r.ret == n and r.kind == "change" and r.checked and r.key is not None]

    def accepted(self) -> list[tuple[SchoolReturn, list[str]]]:
        """Schools still ticked and not applied yet, each with the keys of its ticked changes."""
        return [(ret, self._choice(n)) for n, ret in enumerate(self.returns)
                if n not in self.applied and self._school_row(n).checked]

    def pending(self) -> list[tuple[SchoolReturn, list[str]]]:
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

    def mark_outcomes(self, items: list[tuple[SchoolReturn, list[str]]],
                      outcomes: list[collect.Outcome]) -> None:
        """Applied schools are locked as done; failed ones keep their ticks and the reason."""
        index = {ret.school_id: n for n, ret in enumerate(self.returns)}
        chosen = {ret.school_id: keys for ret, keys in items}
        for outcome in outcomes:
            if outcome.school_id is None:  # about no school of these returns
                continue
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
