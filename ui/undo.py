"""Edit > Undo: the one delete or saved edit made last, undone through its service.

A delete's audit entries hold the records (``service.undo_delete``); a saved edit's entry holds
the old values (``service.undo_update``). Only the last change is offered: a second one replaces
it, and opening another database forgets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tasks import show_error

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from .main_window import MainWindow


class LastChange:
    """What Edit > Undo (``action``) would undo in ``window``, if anything."""

    def __init__(self, window: MainWindow, action: QAction):
        self.window = window
        self.action = action
        self._undo: tuple[Any, Any, str] | None = None

    def remember_delete(self, service: Any, entries: Any, description: str) -> None:
        """Offer Edit > Undo for the delete just made (each audit entry holds its record)."""
        if not isinstance(entries, (list, tuple)):
            entries = [entries]
        self._undo = (service, list(entries), description)
        self.action.setText(f"&Undo delete of {description}")
        self.action.setEnabled(True)
        self.window.statusBar().showMessage(f"Deleted {description}. Ctrl+Z brings it back.", 8000)

    def remember_edit(self, service: Any, entry: Any, description: str) -> None:
        """Offer Edit > Undo for the edit just saved (its audit entry holds the old values)."""
        self._undo = (service, entry, description)
        self.action.setText(f"&Undo edit of {description}")
        self.action.setEnabled(True)

    def forget(self) -> None:
        """Nothing to undo any more (another database is open, or it was undone)."""
        self._undo = None
        self.action.setText("&Undo delete")
        self.action.setEnabled(False)

    def undo(self) -> None:
        """Edit > Undo: the delete or the saved edit made last, through its service."""
        if self._undo is None:
            return
        service, entries, description = self._undo
        if not isinstance(entries, list):
            return self._undo_edit(service, entries, description)
        from ittdesk.models import database

        try:
            with database.atomic():
                for entry in reversed(entries):
                    service.undo_delete(entry)
        except Exception as exc:
            show_error(self.window, exc)
            return
        self.forget()
        self.window.records_changed.emit(service.entity)
        self.window.statusBar().showMessage(f"Brought back {description}", 4000)

    def _undo_edit(self, service: Any, entry: Any, description: str) -> None:
        try:
            service.undo_update(entry)
        except Exception as exc:  # changed since, or the old values no longer pass the rules
            show_error(self.window, exc)
            return
        self.forget()
        self.window.records_changed.emit(service.entity)
        self.window.statusBar().showMessage(f"Undid the edit of {description}", 4000)
