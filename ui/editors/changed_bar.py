"""The bar an open editor shows when another user or process saves its record meanwhile.

"Changed by amira at 10:42 — Reload / Keep editing". Nothing is reloaded over what the user is
typing without asking: Reload reads the record again and puts the new values into the fields
the user has not touched (what they typed stays); Keep editing hides the bar. Either way a later
Save goes through the service's check of the version the editor saw, so a field both changed is
a conflict shown side by side (``ui.dialogs.conflict``), never overwritten silently.

The editor is told by the window's ``changed_elsewhere`` (``ui.remote_changes``); who and when
come from the record's newest audit entry, read on a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton
from shiboken6 import Shiboken

from ..operations import changes_of, read

if TYPE_CHECKING:
    from ittdesk.changes import Batch
    from ittdesk.services.base import EntityService

    from .base import EntityEditor


@dataclass(frozen=True)
class Found:
    """The record as it is now: ``record`` (None: deleted), who last changed it and when."""

    record: Any
    user: str
    at: datetime | None


def find_now(service: EntityService, record_id: int) -> Found:
    """On a worker: the record and its newest audit entry."""
    from ittdesk import audit

    record = service.model.get_or_none(service.model.id == record_id)
    entry = audit.history(service.entity, record_id).first()
    return Found(record, entry.user if entry is not None else "someone else",
                 entry.at if entry is not None else None)


def local_time(at: datetime | None) -> str:
    """An audit time (UTC, no tzinfo) as the user's clock shows it: "10:42"."""
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone().strftime("%H:%M")


class ChangedBar(QFrame):
    """Above the editor's form; hidden until its record changes elsewhere."""

    def __init__(self, editor: EntityEditor) -> None:
        super().__init__(editor)
        self.editor = editor
        self.setObjectName("changedElsewhere")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setObjectName("changedElsewhereText")
        self.label.setWordWrap(True)
        self.reload_button = QPushButton("&Reload")
        self.reload_button.setObjectName("reloadChanged")
        self.reload_button.setToolTip("Show their changes; what you have typed stays")
        self.keep_button = QPushButton("&Keep editing")
        self.keep_button.setObjectName("keepEditing")
        self.reload_button.clicked.connect(self.reload)
        self.keep_button.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reload_button)
        layout.addWidget(self.keep_button)
        self.found: Found | None = None
        #: the version the bar last told of (not told again after Keep editing or Reload)
        self.told: int | None = None
        self._asking = False
        self.hide()
        notifier = changes_of(editor.main_window)
        if notifier is not None:
            notifier.changed_elsewhere.connect(self.changed_elsewhere)

    # -- told -------------------------------------------------------------------------------
    def changed_elsewhere(self, batch: Batch) -> None:
        editor = self.editor
        if not Shiboken.isValid(editor) or editor.instance is None or editor._saving:
            return
        if not batch.names(editor.service.entity, editor.instance.id) or self._asking:
            return
        self._asking = True
        read(self, find_now, editor.service, editor.instance.id, on_done=self.show_found,
             on_error=self._not_found)

    def _not_found(self, _exc: BaseException) -> None:
        self._asking = False  # the database would not say now: the next change asks again

    def show_found(self, found: Found) -> None:
        self._asking = False
        editor = self.editor
        if not Shiboken.isValid(self) or editor.instance is None:
            return
        version = getattr(found.record, "version", None)
        if found.record is not None and version in (editor.version_seen, self.told):
            return  # nothing new for this record (a related record changed, or told already)
        self.found = found
        self.told = version
        when = local_time(found.at)
        at = f" at {when}" if when else ""
        if found.record is None:
            self.label.setText(f"Deleted by {found.user}{at}. Saving will not bring it back; "
                               "close this window, or copy what you need first.")
            self.reload_button.hide()
        else:
            self.label.setText(f"Changed by {found.user}{at} while open here. Reload shows "
                               "their changes and keeps what you typed.")
            self.reload_button.show()
        self.show()

    # -- Reload -------------------------------------------------------------------------------
    def reload(self) -> None:
        """Their values into the fields the user has not touched; the user's stay. When nothing
        was touched the editor now stands on their version; otherwise on the one it saw, so a
        save of a field they changed too is a conflict to settle, not an overwrite."""
        found = self.found
        editor = self.editor
        if found is None or found.record is None:
            return
        fresh = found.record
        before = editor._snapshot
        now = editor.collect()
        touched = {name for name in editor.names() if now.get(name) != before.get(name)}
        undo = editor.field_undo
        undo.restoring = True
        try:
            for name in editor.names():
                if name in touched:
                    continue
                reference = editor.service.field(name).reference
                value = getattr(fresh, f"{name}_id" if reference is not None else name)
                editor.set_widget_value(name, value)
        finally:
            undo.restoring = False
        reread = editor.collect()
        editor._snapshot = {name: (before.get(name) if name in touched else reread[name])
                            for name in editor.names()}
        undo.values.update({n: reread[n] for n in editor.names() if n not in touched})
        editor.instance = fresh
        if not touched:
            editor.version_seen = getattr(fresh, "version", None)
        editor.update_title()
        editor.refresh_related()
        if editor.history is not None:
            editor.history.set_record(editor.service.entity, fresh.id)
        self.found = None
        self.hide()
