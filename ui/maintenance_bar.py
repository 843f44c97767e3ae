"""The bar that says "Maintenance by X: read-only until it finishes" while someone holds the
shared database for maintenance (``ittdesk.maintenance``), and goes when they finish.

Only on PostgreSQL (on SQLite a maintenance step holds the file alone: nobody else is in to be
told). Who holds it is one small query (``maintenance.holder``), asked every ``POLL_MS`` on a
worker, never on the GUI thread; a save tried meanwhile is refused in the same words by the
core, and the editor keeps what was typed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar
from shiboken6 import Shiboken

from .operations import read

#: How often an app on PostgreSQL asks whether maintenance is on (one indexed catalogue read).
POLL_MS = 5_000


class MaintenanceBar(QObject):
    """A full-width bar above the pages, hidden unless someone else holds maintenance."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.bar = QToolBar("Maintenance")
        self.bar.setObjectName("maintenanceBar")
        self.bar.setMovable(False)
        self.bar.setFloatable(False)
        self.bar.toggleViewAction().setVisible(False)  # not one the user hides by mistake
        self.label = QLabel()
        self.label.setObjectName("maintenanceText")
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setStyleSheet("QLabel { background: #fff4ce; color: #3d2e00; padding: 6px; }")
        self.bar.addWidget(self.label)
        self.window = window
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.bar)
        self.bar.hide()
        self._placed = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self._asking = False

    def start(self) -> None:
        """A database has been opened: on PostgreSQL, keep asking."""
        from ittdesk.models import is_postgres

        if not self._placed:  # a row of its own below the main tool bar (built by now)
            self._placed = True
            self.window.removeToolBar(self.bar)
            self.window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
            self.window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.bar)
            self.bar.hide()
        if is_postgres():
            self.poll()
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.bar.hide()

    def poll(self) -> None:
        if self._asking:  # the last question is still out (a slow server): skip this one
            return
        from ittdesk import maintenance

        self._asking = True
        read(self, maintenance.holder, on_done=self.show_holder, on_error=self._failed)

    def show_holder(self, holder: object) -> None:
        """``maintenance.holder()``'s answer: the bar for someone else's, none otherwise."""
        from ittdesk import maintenance

        self._asking = False
        if not Shiboken.isValid(self.bar):
            return
        if holder is None or getattr(holder, "mine", False):
            self.bar.hide()
            return
        self.label.setText(maintenance.bar_text(holder.who))  # type: ignore[attr-defined]
        self.bar.show()

    def _failed(self, _exc: BaseException) -> None:
        self._asking = False  # what is shown stays; the next poll asks again
