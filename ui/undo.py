"""Edit > Undo: the one delete or saved edit made last, undone through its service.

A delete's audit entries hold the records (``service.undo_delete``); a saved edit's entry holds
the old values (``service.undo_update``); the undo is a write on a worker that announces the
record's kind (``ui.operations``). Only the last change is offered: a second one replaces
it, and opening another database forgets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .operations import write
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
        """Edit > Undo: the delete or the saved edit made last, through its service, as a
        write on a worker (``ui.operations``); the action waits while it runs."""
        if self._undo is None or not self.action.isEnabled():
            return
        offered = self._undo
        service, entries, description = offered
        args: tuple[Any, ...]
        if isinstance(entries, list):
            fn, args, said = _undo_deletes, (service, entries), f"Brought back {description}"
        else:  # refused if changed since, or if the old values no longer pass the rules
            fn, args, said = service.undo_update, (entries,), f"Undid the edit of {description}"
        self.action.setEnabled(False)

        def done(_result: Any) -> None:
            if self._undo is offered:
                self.forget()
            self.window.statusBar().showMessage(said, 4000)

        def failed(exc: BaseException) -> None:
            self.action.setEnabled(self._undo is not None)  # still offered: nothing changed
            show_error(self.window, exc)

        write(self.window, fn, *args, changes={service.entity}, on_done=done, on_error=failed)


def _undo_deletes(service: Any, entries: list[Any]) -> None:
    """Bring back the records of one delete, all or none (worker thread)."""
    from ittdesk.models.base import writing

    with writing():  # each undo reads the audit, then writes: the write lock first
        for entry in reversed(entries):
            service.undo_delete(entry)
