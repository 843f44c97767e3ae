"""Writing from an entity editor: Save on a worker, and the service's answer shown in the form.

Split from ``base`` (which keeps the window: building the form from the service's fields,
loading and collecting values, related tabs, closing and its size) along the write seam: what
the editor sends to the service and how the answer comes back. ``save`` sends only what was
typed (a new record's filled fields, a saved one's changes) through ``write``, on a worker by
``ui.operations.write_and_wait`` (the window answers meanwhile and says what it waits for:
``show_waiting``); the kinds it ``changes`` are announced once it has saved. A
``ValidationError``'s messages go under their fields (the rest above the form), a
``ConflictError`` is settled side by side (``ui.dialogs.conflict``), an unreachable server
leaves Retry beside the message; everything typed stays until it is saved.

``EditorSaving`` is a mixin of ``EntityEditor``: it uses the window's service, record, widgets,
message labels, banner and buttons, and its ``names``, ``collect`` and ``set_widget_value``.
Subclasses override ``write``, ``changes``, ``values_to_save`` or ``after_save`` as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog
from shiboken6 import Shiboken

from ittdesk import audit
from ittdesk.errors import ConflictError, IttDeskError, ValidationError, plain_message

from ..operations import ServerUnreachable, waiting_text, write_and_wait

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton, QTabWidget, QWidget

    from ittdesk.services.base import EntityService

    from ..widgets.history_tab import HistoryTab
    from .field_undo import FieldUndo

    _Window = QDialog
else:
    _Window = object

#: above the form when every message has a field to sit under
FIELDS_MARKED = "Please correct the fields marked below."


class EditorSaving(_Window):
    """Save and its answers, for ``EntityEditor`` (which provides the rest)."""

    if TYPE_CHECKING:  # what the window provides
        service: EntityService
        main_window: Any
        instance: Any
        record_id: int | None
        version_seen: int | None
        saved: bool
        _saving: bool
        _snapshot: dict[str, Any]
        widgets: dict[str, QWidget]
        errors: dict[str, QLabel]
        banner: QLabel
        retry_button: QPushButton
        buttons: QDialogButtonBox
        tabs: QTabWidget
        field_undo: FieldUndo
        history: HistoryTab | None

        def names(self) -> tuple[str, ...]: ...
        def collect(self) -> dict[str, Any]: ...
        def set_widget_value(self, name: str, value: Any) -> None: ...

    # -- saving --------------------------------------------------------------------------------
    def show_errors(self, errors: dict[str, str]) -> None:
        self.retry_button.hide()
        for name, label in self.errors.items():
            message = errors.get(name)
            label.setText(message or "")
            label.setVisible(bool(message))
        general = [m for k, m in errors.items() if k not in self.errors]
        self.banner.setText("\n".join(general) if general else
                            FIELDS_MARKED if errors else "")
        self.banner.setVisible(bool(errors))
        for name in self.names():
            if name in errors:
                self.tabs.setCurrentIndex(0)
                self.widgets[name].setFocus()
                break

    def values_to_save(self) -> dict[str, Any]:
        data = self.collect()
        if self.instance is None:
            return {k: v for k, v in data.items() if v not in (None, "")}
        return {k: v for k, v in data.items() if v != self._snapshot.get(k)}

    def write(self, data: dict[str, Any]) -> Any:
        """Create, or update from the version loaded here: a change saved meanwhile by someone
        else to other fields is merged, to the same fields refused (``ConflictError``, shown
        beside the form with what was typed kept) instead of silently overwritten."""
        if self.instance is None:
            return self.service.create(data)
        return self.service.update(self.instance.id, data, expected_version=self.version_seen)

    def changes(self) -> set[str]:
        """The kinds of record a save changes, announced once it has saved (``ui.operations``)."""
        return {self.service.entity}

    def _write_and_find_edit(self, data: dict[str, Any]) -> tuple[Any, Any]:
        """On the worker: ``write``, and the audit entry an edit of a saved record added (for
        Edit > Undo), else None."""
        entity = self.service.entity
        before = (audit.latest_id(entity, self.instance.id)
                  if self.instance is not None and data else None)
        saved = self.write(data)
        return saved, (audit.edit_since(entity, saved.id, before) if before is not None else None)

    def save(self) -> bool:
        """Write what was typed; True when saved, else the reason is shown here and everything
        typed stays. ``write`` runs on a worker and may wait for another program's write
        (``ui.operations.write_and_wait``): meanwhile the window answers and says what it waits for."""
        if self._saving:
            return False
        data = self.values_to_save()
        self._saving = True
        self.buttons.setEnabled(False)
        try:
            outcome, error = write_and_wait(self, self._write_and_find_edit, data,
                                            changes=self.changes())
        finally:
            if Shiboken.isValid(self):
                self._saving = False
                self.buttons.setEnabled(True)
        if not Shiboken.isValid(self):
            return False
        if isinstance(error, ValidationError):
            self.show_errors(error.errors)
            return False
        if isinstance(error, ConflictError):
            return self._settle_conflict(error)
        if isinstance(error, ServerUnreachable):
            self.show_errors({"": str(error)})
            self.retry_button.show()  # the editor stays open with every edit
            return False
        if isinstance(error, IttDeskError):
            self.show_errors({"": str(error)})
            return False
        if error is not None:
            self.show_errors({"": f"Not saved: {plain_message(error)}"})
            return False
        saved, edit_entry = outcome
        self.show_errors({})
        self.saved = True
        self.instance = saved
        self.version_seen = getattr(saved, "version", None)
        self.record_id = saved.id
        self._snapshot = self.collect()
        self.field_undo.reset()
        remember = getattr(self.main_window, "remember_edit", None)
        if remember is not None and edit_entry is not None:  # offered to Edit > Undo
            remember(self.service, edit_entry, self.service.describe(saved))
        self.main_window.statusBar().showMessage(f"Saved {self.service.describe(saved)}", 4000)
        if self.history is not None:
            self.history.set_record(self.service.entity, saved.id)
        self.after_save()
        return True

    def _settle_conflict(self, error: ConflictError) -> bool:
        """Someone else saved a field this save changes too: theirs and yours side by side
        (``ui.dialogs.conflict``). What the user keeps goes into the form and is saved over the
        record as it is now (with the rest of what they typed; others' changes to other fields
        stay). Cancel: nothing saved, the form as the user left it, the reason above it."""
        from ..dialogs import conflict

        values = conflict.ask(self, error)
        if not Shiboken.isValid(self):
            return False
        if values is None:
            self.show_errors({"": f"Not saved: {error}"})
            return False
        for name, value in values.items():
            if name in self.widgets:
                self.set_widget_value(name, value)
        self.version_seen = error.current_version
        return self.save()

    def show_waiting(self) -> None:
        """A save still under way: say what it waits for (``ui.operations.write_and_wait``)."""
        self.banner.setText(waiting_text())
        self.banner.setVisible(True)

    def waiting_over(self) -> None:
        """The wait has ended (saved or not): its words go; anything else said stays."""
        if self.banner.text() == waiting_text():
            self.banner.hide()

    def after_save(self) -> None:
        self.accept()
