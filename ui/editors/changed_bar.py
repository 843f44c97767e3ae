"""The bar an open editor shows when another user or process saves its record meanwhile.

"Changed by amira at 10:42 — Reload / Keep editing". Nothing is reloaded over what the user is
typing without asking: Reload reads the record again and puts the new values into the fields
the user has not touched (what they typed stays); Keep editing hides the bar. Either way a later
Save goes through the service's check of the version the editor saw, so a field both changed is
a conflict shown side by side (``ui.dialogs.conflict``), never overwritten silently.

The editor is told by the window's ``changed_elsewhere`` (``ui.remote_changes``); who and when
come from the record's newest audit entry, read on a worker. What the record is and how it is
reloaded is the editor's (a ``Host``): ``EditorHost`` for every ``EntityEditor``,
``agreement_changed.AgreementHost`` for the agreement and its parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget
from shiboken6 import Shiboken

from ..operations import changes_of, read

if TYPE_CHECKING:
    from ittdesk.changes import Batch
    from ittdesk.services.base import EntityService

    from .base import EntityEditor


@dataclass(frozen=True)
class Found:
    """The record as it is now: ``record`` (None: deleted), who last changed it and when;
    ``state``: what the editor compares with what it loaded (a version, or more)."""

    record: Any
    user: str
    at: datetime | None
    state: Any = None


def find_now(service: EntityService, record_id: int) -> Found:
    """On a worker: the record and its newest audit entry."""
    from ittdesk import audit

    record = service.model.get_or_none(service.model.id == record_id)
    entry = audit.history(service.entity, record_id).first()
    return Found(record, entry.user if entry is not None else "someone else",
                 entry.at if entry is not None else None, getattr(record, "version", None))


def local_time(at: datetime | None) -> str:
    """An audit time (UTC, no tzinfo) as the user's clock shows it: "10:42"."""
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone().strftime("%H:%M")


class Host(Protocol):
    """What the bar needs of the editor it sits in."""

    def concerns(self, batch: Batch) -> bool:
        """Whether others' changes may concern the open record (GUI thread, no query)."""

    def finder(self) -> Callable[[], Found]:
        """A function for a worker: the record as it is now."""

    def is_news(self, found: Found) -> bool:
        """Whether that differs from what the editor loaded (or was told of)."""

    def reload(self, found: Found) -> None:
        """Their values into what the user has not touched."""


class ChangedBar(QFrame):
    """Above the editor's form; hidden until its record changes elsewhere."""

    def __init__(self, parent: QWidget, host: Host, main_window: Any) -> None:
        super().__init__(parent)
        self.host = host
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
        #: the state the bar last told of (not told again after Keep editing or Reload)
        self.told: Any = None
        self._asking = False
        self.hide()
        notifier = changes_of(main_window)
        if notifier is not None:
            notifier.changed_elsewhere.connect(self.changed_elsewhere)

    # -- told -------------------------------------------------------------------------------
    def changed_elsewhere(self, batch: Batch) -> None:
        if not Shiboken.isValid(self) or self._asking or not self.host.concerns(batch):
            return
        self._asking = True
        read(self, self.host.finder(), on_done=self.show_found, on_error=self._not_found)

    def _not_found(self, _exc: BaseException) -> None:
        self._asking = False  # the database would not say now: the next change asks again

    def show_found(self, found: Found) -> None:
        self._asking = False
        if not Shiboken.isValid(self):
            return
        if found.record is not None and (found.state == self.told
                                         or not self.host.is_news(found)):
            return  # nothing new for this record (a related record changed, or told already)
        self.found = found
        self.told = found.state
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

    def reload(self) -> None:
        found, self.found = self.found, None
        if found is not None and found.record is not None:
            self.host.reload(found)
        self.hide()


class EditorHost:
    """An ``EntityEditor`` (one record of one service) as the bar's host."""

    def __init__(self, editor: EntityEditor) -> None:
        self.editor = editor

    def concerns(self, batch: Batch) -> bool:
        editor = self.editor
        return (Shiboken.isValid(editor) and editor.instance is not None and not editor._saving
                and batch.names(editor.service.entity, editor.instance.id))

    def finder(self) -> Callable[[], Found]:
        return partial(find_now, self.editor.service, self.editor.saved_record().id)

    def is_news(self, found: Found) -> bool:
        return found.state != self.editor.version_seen

    def reload(self, found: Found) -> None:
        """Their values into the fields the user has not touched; the user's stay. When nothing
        was touched the editor now stands on their version; otherwise on the one it saw, so a
        save of a field they changed too is a conflict to settle, not an overwrite."""
        editor = self.editor
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
