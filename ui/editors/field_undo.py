"""Ctrl+Z in an editor: the last change, whichever field it was in.

A text box undoes its own typing first (Qt's own undo, left alone). When it has nothing left to
undo, or the focus is on a drop-down or a picker, Ctrl+Z goes back one *field change* across the
form: the value each field had before its last run of edits comes back, most recent first.
A run of keystrokes in one field is one step, as people expect from an office program.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit

from ..widgets.date_edit import DateEdit

if TYPE_CHECKING:
    from .base import EntityEditor


def _own_undo_available(widget: QObject) -> bool:
    if isinstance(widget, QLineEdit):
        return not widget.isReadOnly() and widget.isUndoAvailable()
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return not widget.isReadOnly() and widget.document().isUndoAvailable()
    return False


class FieldUndo(QObject):
    """The editor's stack of (field, value before) steps, and its Ctrl+Z."""

    def __init__(self, editor: EntityEditor):
        super().__init__(editor)
        self.editor = editor
        self.steps: list[tuple[str, Any]] = []
        self.values: dict[str, Any] = {}
        self.restoring = False
        self.shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), editor)
        self.shortcut.activated.connect(self.undo)
        for widget in editor.widgets.values():
            for box in [widget, *widget.findChildren(QLineEdit), *widget.findChildren(QPlainTextEdit)]:
                if isinstance(box, (QLineEdit, QPlainTextEdit)):
                    box.installEventFilter(self)

    def reset(self) -> None:
        """Forget the steps (the values now are the starting point): after loading or saving."""
        self.steps.clear()
        self.values = self.editor.collect()

    def edited(self, name: str) -> None:
        """Called for every edit of field ``name``: a new step unless it continues the last."""
        new = self.editor.get_widget_value(name)
        old = self.values.get(name)
        self.values[name] = new
        if self.restoring or old == new:
            return
        if not (self.steps and self.steps[-1][0] == name):
            self.steps.append((name, old))

    def undo(self) -> bool:
        """Put back the value before the most recent field change still in effect."""
        while self.steps:
            name, old = self.steps.pop()
            if self.editor.get_widget_value(name) == old:
                continue  # already back (the text box undid its own typing)
            self.restoring = True
            try:
                widget = self.editor.widgets[name]
                if isinstance(widget, DateEdit):
                    widget.setText(old or "")  # as typed, even if not (yet) a date
                else:
                    self.editor.set_widget_value(name, old)
            finally:
                self.restoring = False
            self.values[name] = self.editor.get_widget_value(name)
            self.editor.tabs.setCurrentIndex(0)
            self.editor.widgets[name].setFocus()
            return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """A text box with nothing of its own to undo lets Ctrl+Z through to the editor."""
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.Undo)
                and not _own_undo_available(watched)):
            event.ignore()
            return True
        return False

