"""A spreadsheet dropped anywhere on the main window opens the import wizard on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from ittdesk.spreadsheets import reading

from .wizard import open_import_wizard


class _DropFilter(QObject):
    """Accepts spreadsheet files dragged onto the main window and opens the wizard on them."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window

    @staticmethod
    def _path(event) -> str | None:
        mime = event.mimeData()
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in reading.SUFFIXES:
                return url.toLocalFile()
        return None

    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self._path(event):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            path = self._path(event)
            if path:
                event.acceptProposedAction()
                open_import_wizard(self.window, path)
                return True
        return False


def install_file_drop(main_window: Any) -> None:
    """Let a spreadsheet dropped anywhere on the main window open the import wizard."""
    main_window.setAcceptDrops(True)
    main_window._import_drop_filter = _DropFilter(main_window)
    main_window.installEventFilter(main_window._import_drop_filter)
