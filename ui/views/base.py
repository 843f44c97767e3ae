"""The hooks a page offers the main window; every one is optional.

The window calls these from its actions (menu, tool bar, keyboard) on the page that is shown,
and enables each action only when the page says it can do it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ..operations import EVERYTHING


class Page(QWidget):
    """Base for navigation pages. ``main_window`` is the ``ui.main_window.MainWindow``."""

    #: emitted when what the page can do changed (selection, content): the window re-reads it.
    capabilities_changed = Signal()
    #: emitted with a short text for the status bar (e.g. "1,204 schools").
    status_message = Signal(str)

    #: the kinds of record the page shows (``ui.operations``): a write that changed one of them
    #: refreshes it, any other leaves it alone. Every page declares its own.
    shows: frozenset[str] = frozenset({EVERYTHING})

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = main_window
        #: changed while hidden: the window refreshes it when it is shown next
        self.stale = False

    # What the page can do now: the window enables its actions from these.
    def can_create(self) -> bool:
        return False

    def can_open(self) -> bool:
        return False

    def can_delete(self) -> bool:
        return False

    def can_print(self) -> bool:
        return False

    def can_export(self) -> bool:
        return False

    def can_search(self) -> bool:
        return False

    def can_copy(self) -> bool:
        return False

    # Doing it.
    def new_record(self) -> None: ...

    def open_selected(self) -> None: ...

    def delete_selected(self) -> None: ...

    def print_current(self) -> None: ...

    def export_current(self) -> None: ...

    def copy_selected(self) -> None: ...

    def focus_search(self) -> None: ...

    def refresh(self) -> None:
        """F5, and after any change elsewhere that may affect this page."""

    def refresh_later(self) -> None:
        """Records it shows changed while another page is shown: read them again when shown
        (the window calls ``refresh`` then). A page whose ``shown`` reads everything anyway, or
        which decides itself (a list read again at once once seen), overrides this."""
        self.stale = True

    def shown(self) -> None:
        """The page became the visible one."""

    def prepare(self) -> None:
        """Built before it is shown, while the app is idle (``PageSpec.prepare``): load now."""

    # Per-user state (ui.settings), saved when the window closes.
    def save_state(self) -> None: ...

    def restore_state(self) -> None: ...
