"""The Yearly confirmation page's table: the schools that confirm for the round's year and
where each stands (``leadership.rounds.status``), sorted and filtered in Python."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from ittdesk import fields
from ittdesk.leadership import rounds
from ittdesk.leadership.vocabulary import HOSTING_APPETITES, HOSTING_SHORT

from .rows_model import RowsModel

STATE_LABELS = {"not added": "Not in the round yet", "not sent": "No form yet",
                "written": "Form written", "sent": "Sent, awaited", "returned": "Returned",
                "confirmed": "Confirmed"}
STATE_COLOURS = {"sent": "#9C5700", "confirmed": "#2E7D32", "not sent": "#7F7F7F",
                 "written": "#7F7F7F", "not added": "#B00020"}
#: (label, the states shown); "Not confirmed" is what Home counts (leadership.confirmation)
FILTERS = (("All schools", None),
           ("Not confirmed", ("not added", "not sent", "written", "sent", "returned")),
           ("Sent, awaited (to chase)", ("sent",)), ("Form written, not sent", ("written",)),
           ("No form yet", ("not sent", "not added")), ("Confirmed", ("confirmed",)))


class RoundModel(RowsModel):
    """The round's schools with where each stands; sorted and filtered in Python (≤ a few
    thousand rows), told to the view with a reset."""

    HEADINGS = ("URN", "School", "Status", "Sent", "Returned", "Hosting", "Contact to chase",
                "Email")
    COL_URN, COL_SCHOOL, COL_STATE, COL_SENT, COL_RETURNED, COL_HOSTING, COL_CONTACT, \
        COL_EMAIL = range(8)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.all_rows: list[rounds.StatusRow] = []
        self.rows: list[rounds.StatusRow] = []
        self.state_filter: tuple[str, ...] | None = None
        self.sort_column, self.sort_order = self.COL_SCHOOL, Qt.SortOrder.AscendingOrder

    def set_rows(self, rows: list[rounds.StatusRow]) -> None:
        self.all_rows = list(rows)
        self._rebuild()

    def set_filter(self, states: tuple[str, ...] | None) -> None:
        self.state_filter = tuple(states) if states else None
        self._rebuild()

    def _key(self, row: rounds.StatusRow):
        value = self._value(row, self.sort_column)
        return (value is None or value == "", value if value is not None else "")

    def _rebuild(self) -> None:
        self.beginResetModel()
        rows = [r for r in self.all_rows
                if self.state_filter is None or r.state in self.state_filter]
        rows.sort(key=lambda r: (self._key(r), r.name))
        if self.sort_order == Qt.SortOrder.DescendingOrder:
            rows.reverse()
        self.rows = rows
        self.endResetModel()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.HEADINGS):
            self.sort_column, self.sort_order = column, order
            self._rebuild()

    def _value(self, row: rounds.StatusRow, col: int):
        return (row.urn, row.name, STATE_LABELS[row.state], row.sent_on, row.returned_on,
                HOSTING_SHORT.get(row.appetite or "", "").capitalize(),
                row.contact.name + (f" ({row.contact.post})" if row.contact.post else ""),
                row.contact.email or "")[col]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._value(row, col)
            if isinstance(value, date):
                return fields.format_date(value)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_STATE \
                and row.state in STATE_COLOURS:
            return QBrush(QColor(STATE_COLOURS[row.state]))
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_HOSTING and row.appetite:
            return HOSTING_APPETITES.label(row.appetite)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_STATE:
            return "; ".join(p for p in (
                f"form written {fields.format_date(row.written_on)}" if row.written_on else "",
                f"sent {fields.format_date(row.sent_on)}" if row.sent_on else "",
                f"confirmed {fields.format_date(row.confirmed_on)}" if row.confirmed_on else "",
                "" if row.in_round else "not in the round yet: Add new schools") if p) or None
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_SCHOOL:
            return row.name
        if role == Qt.ItemDataRole.UserRole:
            return row.school_id
        return None

    def school_id(self, row: int) -> int | None:
        return self.rows[row].school_id if 0 <= row < len(self.rows) else None
