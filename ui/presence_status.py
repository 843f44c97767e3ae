"""The status bar's "2 others connected" (hidden when alone) and this app's own presence.

While a database is open: who is connected is read every ``REFRESH_MS`` and, on SQLite, this
app's row renewed every ``HEARTBEAT_MS`` (``ittdesk.presence``). Both run on a worker
(``run_task``), never on the GUI thread: a busy database or a slow server costs the user nothing,
and a heartbeat the database will not take now is skipped until the next one. A click on the
item opens the list (ui/dialogs/who.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMainWindow, QToolButton
from shiboken6 import Shiboken

from .operations import read
from .tasks import run_task

if TYPE_CHECKING:
    from ittdesk.presence import Seat

# ittdesk.presence (peewee and the models) is imported once a database is open: the window's
# first paint waits for neither.

#: How often the status bar asks who is connected.
REFRESH_MS = 30_000
#: How often a running app on SQLite says it is still there (presence.FRESH is 3 minutes).
HEARTBEAT_MS = 60_000


class PresenceStatus(QObject):
    """The item in ``window``'s status bar, its timers and this app's presence."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.seats: list[Seat] = []
        self.button = QToolButton()
        self.button.setObjectName("othersConnected")
        self.button.setAutoRaise(True)
        self.button.setToolTip("Who else has this database open (click for the list)")
        self.button.clicked.connect(self.open_list)
        self.button.hide()
        window.statusBar().addPermanentWidget(self.button)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.heartbeat_timer = QTimer(self)
        self.heartbeat_timer.setInterval(HEARTBEAT_MS)
        self.heartbeat_timer.timeout.connect(self.heartbeat)
        self._reading = False
        self.started = False
        from .maintenance_bar import MaintenanceBar

        #: "Maintenance by X: read-only until it finishes" (PostgreSQL), polled with presence
        self.maintenance = MaintenanceBar(window)

    # -- while a database is open ------------------------------------------------------------
    def start(self) -> None:
        """A database has been opened: say so (SQLite) and show who else is in."""
        self.started = True
        self.heartbeat()
        self.refresh()
        self.heartbeat_timer.start()
        self.refresh_timer.start()
        self.maintenance.start()

    def stop(self) -> None:
        """The database is about to close (quit, or another one opened): this app's row goes
        now (one small delete given up after a fifth of a second when busy: the row drops
        out of the list by itself three minutes later)."""
        self.heartbeat_timer.stop()
        self.refresh_timer.stop()
        self.maintenance.stop()
        self.seats = []
        self.button.hide()
        if not self.started:
            return
        self.started = False
        from ittdesk import presence

        try:
            presence.unregister()
        except Exception:  # the database is gone already (closed, server down): nothing to say
            pass

    def heartbeat(self) -> None:
        from ittdesk import presence

        run_task(self, presence.heartbeat, on_error=lambda exc: None)

    def refresh(self) -> None:
        if self._reading:  # the last read is still under way (a slow server): skip this one
            return
        self._reading = True
        from ittdesk import presence

        read(self, presence.connected, on_done=self.show_seats, on_error=self._read_failed)

    # -- on the GUI thread -------------------------------------------------------------------
    def show_seats(self, seats: list[Seat]) -> None:
        from ittdesk import presence

        from .dialogs.who import others_text

        self._reading = False
        if not Shiboken.isValid(self.button):
            return
        self.seats = seats
        others = presence.others(seats)
        self.button.setText(others_text(len(others)))
        self.button.setToolTip("\n".join(presence.describe(s) for s in others)
                               + "\n(click for the list)")
        self.button.setVisible(bool(others))

    def _read_failed(self, _exc: BaseException) -> None:
        self._reading = False  # the count shown stays; the next refresh tries again

    def open_list(self) -> None:
        from .dialogs.who import open_who_dialog

        open_who_dialog(self.window)
