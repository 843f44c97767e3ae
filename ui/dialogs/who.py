"""Who is connected: the users and computers with the database open (Tools > Who is connected…,
or a click on the status bar's "2 others connected"). Read on a worker (``ittdesk.presence``)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from ittdesk import presence

from .. import sizing
from ..models.rows_model import RowsModel
from ..operations import read


class SeatsModel(RowsModel):
    """One row per user on a computer: this user's first."""

    HEADINGS = ("User", "Computer", "Connected since")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        seat = self.row_at(index)
        if seat is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if index.column() == 0:
            return f"{seat.user} (you)" if seat.mine else seat.user
        if index.column() == 1:
            return seat.computer
        return presence.since_text(seat)


class WhoDialog(QDialog):
    """The seats, read when the dialog opens and again with Refresh."""

    def __init__(self, parent: QWidget | None = None,
                 seats: list[presence.Seat] | None = None):
        super().__init__(parent)
        self.setObjectName("WhoDialog")
        self.setWindowTitle("Who is connected")
        self.summary = QLabel("Reading who has the database open…")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.model = SeatsModel(self)
        self.table = QTableView()
        self.table.setObjectName("seats")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = buttons.addButton("&Refresh",
                                                QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.refresh)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        sizing.fit_on_show(self, QSize(560, 320))
        if seats is None:
            self.refresh()
        else:
            self.show_seats(seats)

    def refresh(self) -> None:
        read(self, presence.connected, on_done=self.show_seats, on_error=self._failed)

    def show_seats(self, seats: list[presence.Seat]) -> None:
        if not Shiboken.isValid(self):
            return
        self.model.set_rows(seats)
        n = len(presence.others(seats))
        self.summary.setText(
            "Nobody else has this database open." if n == 0 else
            f"{others_text(n)}. They see your saved changes, and you theirs.")

    def _failed(self, exc: BaseException) -> None:
        from ittdesk.errors import plain_message

        if Shiboken.isValid(self):
            self.summary.setText(f"Could not read who is connected: {plain_message(exc)}")


def others_text(n: int) -> str:
    """The status bar's words: "1 other connected", "2 others connected"."""
    return f"{n} other connected" if n == 1 else f"{n} others connected"


def open_who_dialog(window: QWidget) -> WhoDialog:
    """Tools > Who is connected… (and the status bar item): not modal, one at a time."""
    existing = getattr(window, "_who_dialog", None)
    if existing is not None and Shiboken.isValid(existing) and existing.isVisible():
        existing.refresh()
        existing.raise_()
        existing.activateWindow()
        return existing
    dialog = WhoDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window._who_dialog = dialog  # type: ignore[attr-defined]
    dialog.show()
    return dialog
