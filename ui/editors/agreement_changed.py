"""The agreement editor's "Changed by X at HH:MM — Reload / Keep editing" (``changed_bar``).

An agreement is its own record and its parts (parties, leaders, schedule, reports, spend,
signatures), each saved with its own version and audited under its own name. So the editor
notes, when it loads, the agreement's version and every part's (kind, id) -> version; another
user's change to any of them, a part added or a part removed, is news. Reload: with nothing
typed here, everything is read again; otherwise the main fields the user has not touched take
their values and the part lists stay as the user has them (Save then checks every version it
loaded, so a part or field they changed too is a conflict, never overwritten).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, reduce
from typing import TYPE_CHECKING

from shiboken6 import Shiboken

from ittdesk.changes import KIND_OF

from .changed_bar import Found

if TYPE_CHECKING:
    from ittdesk.changes import Batch

    from .agreement_editor import AgreementEditor

#: the audit's names of an agreement's parts (the kinds ``ittdesk.changes`` maps to "agreement")
PART_ENTITIES = frozenset(e for e, kind in KIND_OF.items() if kind == "agreement")


@dataclass(frozen=True)
class Loaded:
    """What an agreement editor compares: the agreement's version, each part's version."""

    version: int | None
    parts: frozenset[tuple[str, int, int]]  # (kind, id, version)


def loaded_state(editor: AgreementEditor) -> Loaded:
    """The state the editor has loaded (called at the end of its ``load``)."""
    parts = frozenset((kind, row.id, row.version) for kind in editor.panels
                      for row in editor.panels.rows(kind)
                      if row.id is not None and row.version is not None)
    return Loaded(editor.loaded_version, parts)


def find_agreement(agreement_id: int, known: frozenset[tuple[str, int]]) -> Found:
    """On a worker: the agreement, its parts' versions now, and the newest audit entry about
    it or a part (``known``: parts it had when loaded, which may be gone now)."""
    from ittdesk.models import AuditEntry
    from ittdesk.services.agreements import PART_SERVICES, agreements

    record = agreements.model.get_or_none(agreements.model.id == agreement_id)
    parts: set[tuple[str, int, int]] = set()
    names: dict[str, set[int]] = {}
    for kind, service in PART_SERVICES.items():
        model = service.model
        for part_id, version in (model.select(model.id, model.version)
                                 .where(model.agreement == agreement_id).tuples()):
            parts.add((kind, part_id, version))
            names.setdefault(service.entity, set()).add(part_id)
        names.setdefault(service.entity, set()).update(i for k, i in known if k == kind)
    about = [(AuditEntry.entity == "agreement") & (AuditEntry.entity_id == agreement_id)]
    about += [(AuditEntry.entity == entity) & AuditEntry.entity_id.in_(sorted(ids))
              for entity, ids in names.items() if ids]
    entry = (AuditEntry.select().where(reduce(operator.or_, about)).order_by(AuditEntry.id.desc()).first())
    state = Loaded(getattr(record, "version", None), frozenset(parts))
    return Found(record, entry.user if entry is not None else "someone else",
                 entry.at if entry is not None else None, state)


class AgreementHost:
    """An ``AgreementEditor`` as the changed bar's host."""

    def __init__(self, editor: AgreementEditor) -> None:
        self.editor = editor

    def concerns(self, batch: Batch) -> bool:
        editor = self.editor
        if not Shiboken.isValid(editor) or editor.agreement_id is None or editor._saving:
            return False
        return bool(batch.names("agreement", editor.agreement_id)
                    or batch.entities & PART_ENTITIES)

    def finder(self) -> Callable[[], Found]:
        editor = self.editor
        assert editor.agreement_id is not None  # concerns() said so
        known = frozenset((kind, part_id) for kind, part_id, _ in editor.loaded_state.parts)
        return partial(find_agreement, editor.agreement_id, known)

    def is_news(self, found: Found) -> bool:
        return found.state != self.editor.loaded_state

    def reload(self, found: Found) -> None:
        editor = self.editor
        if not editor.dirty:
            current_tab = editor.tabs.currentIndex()
            editor.load()
            editor.tabs.setCurrentIndex(current_tab)
            return
        fresh = editor.loaded_values_of(found.record)
        editor._loading = True
        try:
            for key, widget in editor.main_fields.items():
                if key in fresh and widget.value() == editor.loaded_main.get(key):
                    widget.set_value(fresh[key])
                    editor.loaded_main[key] = widget.value()
        finally:
            editor._loading = False
        editor._update_balance()
