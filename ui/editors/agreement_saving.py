"""Writing from the support agreement editor: Save, the status steps and Reopen.

Split from ``agreement_editor`` (which keeps the window: building it, loading the record,
showing its state, printing, closing) along the write seam: what the editor sends to the
services and how their answer comes back. Each write runs on a worker through
``ui.operations.write_and_wait`` (waiting, as every editor's save does, while another program
writes) and announces the agreement's change once; then ``saved`` says so. A refusal is shown
beside the field or part list it names, on that tab, and above the tabs; each message goes when
what it named is edited (``_put_right``), the one above the tabs with the last of them.

``AgreementSaving`` is a mixin of ``AgreementEditor``: it uses the window's fields, part lists,
tabs and problem label, and its ``load`` and ``_mark_tabs``.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QInputDialog, QLabel
from shiboken6 import Shiboken

from ittdesk.errors import ConflictError, IttDeskError, ValidationError, plain_message
from ittdesk.fields import format_date, format_money
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import PartEdit, PartError, agreements, save_agreement
from ittdesk.services.base import Kind

from ..operations import ServerUnreachable, waiting_text, write_and_wait
from . import agreement_status
from .agreement_tabs import MAIN_TAB, PANEL_TAB, AgreementTabs, LazyPanels

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from .agreement_parts import FieldWidget

    _Window = QDialog
else:
    _Window = object

#: where the lifecycle's and warnings' keys are shown: a main field or a panel
PROBLEM_PLACES = {"parties": "parties", "responsibilities": "parties", "reports": "reports",
                  "spend": "spend", "leaders": "leaders"}

UNPLACED = ""  # a problem no field or part shows: the message above the tabs stays for it


class AgreementSaving(_Window):
    """Save, change status and reopen, for ``AgreementEditor`` (which provides the rest)."""

    if TYPE_CHECKING:  # what the window provides
        saved: SignalInstance
        agreement_id: int | None
        loaded_version: int | None
        dirty: bool
        _loading: bool
        _saving: bool
        _marked: set[str]
        tabs: AgreementTabs
        main_fields: dict[str, FieldWidget]
        panels: LazyPanels
        problems: QLabel

        @property
        def closed(self) -> bool: ...
        def load(self, defaults: dict[str, Any] | None = None) -> None: ...
        def _mark_tabs(self) -> None: ...

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> bool:
        """Write everything in one transaction; on refusal show why beside the field.

        A closed agreement saves its notes alone (nothing else can change)."""
        if self.closed:
            values = {key: self.main_fields[key].value() for key in lifecycle.EDITABLE_WHEN_CLOSED}
            parts: dict[str, list[PartEdit]] = {}
            removed: dict[str, list[int]] = {}
            seen: dict[str, dict[int, int]] = {}
        else:
            values = {key: widget.value() for key, widget in self.main_fields.items()}
            parts = {kind: [PartEdit(dict(r.values), r.id, r.key, r.version)
                            for r in self.panels.rows(kind)]
                     for kind in self.panels}
            removed = {kind: self.panels.removed_ids(kind) for kind in self.panels}
            seen = {kind: self.panels.removed_versions(kind) for kind in self.panels}
        for widget in self.main_fields.values():
            widget.show_message(None)
        for kind in self.panels:
            self.panels.clear_errors(kind)
        self._marked = set()
        agreement, exc = self._write(partial(save_agreement, expected_version=self.loaded_version,
                                             removed_versions=seen),
                                     self.agreement_id, values, parts, removed)
        if isinstance(exc, PartError):
            self._marked = {exc.kind}
            panel = self.panels[exc.kind]
            self.tabs.setCurrentIndex(PANEL_TAB[exc.kind])
            panel.view.selectRow(exc.position)
            panel.show_errors({k: _strip_label(v) for k, v in exc.errors.items()})
            self._show_problem(f"Not saved: {panel.noun} {exc.position + 1} — "
                               + "; ".join(exc.errors.values()))
            return False
        if isinstance(exc, ValidationError):
            first_tab = None
            for key, text in exc.errors.items():
                if key in self.main_fields:
                    self.main_fields[key].show_message(_strip_label(text))
                    self._marked.add(key)
                    first_tab = MAIN_TAB.get(key, 0) if first_tab is None else first_tab
                else:
                    self._marked.add(UNPLACED)
            if first_tab is not None:
                self.tabs.setCurrentIndex(first_tab)
            self._show_problem("Not saved: " + "; ".join(exc.errors.values()))
            return False
        if isinstance(exc, ConflictError) and exc.entity == agreements.entity:
            return self._settle_conflict(exc)
        if isinstance(exc, ConflictError):
            self._show_part_conflict(exc)
            return False
        if isinstance(exc, ServerUnreachable):  # everything stays as typed; Save tries again
            self._show_problem(f"{exc} with Save")
            return False
        if exc is not None:
            self._show_problem(f"Not saved: {exc}" if isinstance(exc, IttDeskError)
                               else f"Not saved: {plain_message(exc)}")
            return False
        self.agreement_id = agreement.id
        current_tab = self.tabs.currentIndex()
        self.load()
        self.tabs.setCurrentIndex(current_tab)
        self._announce()
        return True

    def _settle_conflict(self, error: ConflictError) -> bool:
        """Another user saved a field of the agreement this save changes too: theirs and yours
        side by side (``ui.dialogs.conflict``); what the user keeps goes into the fields and is
        saved over the agreement as it now is. Cancel: nothing saved, every edit kept."""
        from ..dialogs import conflict

        values = conflict.ask(self, error)
        if not Shiboken.isValid(self):
            return False
        if values is None:
            self._show_problem(f"Not saved: {error}")
            return False
        for name, value in values.items():
            widget = self.main_fields.get(name)
            if widget is not None:
                widget.set_value(_as_typed(name, value))
        self.loaded_version = error.current_version
        return self.save()

    def _show_part_conflict(self, error: ConflictError) -> None:
        """Another user changed (or removed) a part this save changes or removes: refused with
        who and when, on the part's tab, every edit kept (Cancel and open the agreement again
        to see theirs)."""
        from ittdesk.services.agreements import PART_SERVICES

        for kind, service in PART_SERVICES.items():
            if service.entity != error.entity or kind not in self.panels:
                continue
            self._marked = {kind}
            panel = self.panels[kind]
            self.tabs.setCurrentIndex(PANEL_TAB[kind])
            for position, row in enumerate(panel.rows()):
                if row.id == error.record_id:
                    panel.view.selectRow(position)
            panel.show_message(str(error))
            break
        self._show_problem(f"Not saved: {error} Your edits are still here; close and open the "
                           "agreement again to see theirs.")

    def _show_problem(self, text: str | None) -> None:
        self.problems.setText(text or "")
        self.problems.setVisible(bool(text))
        self._mark_tabs()

    def _put_right(self, key: str) -> None:
        """``key`` (a field or a part) was edited after a refusal that named it: its message
        goes, and the problem above the tabs with the last one named (its cause is gone as far
        as the form can tell; Save or the status button checks again)."""
        if self._loading or key not in self._marked:
            return
        if key in self.main_fields:
            self.main_fields[key].show_message(None)
        elif key in self.panels:
            panel = self.panels[key]
            panel.show_message(None)
            if any(f.message.text() for f in panel.fields.values()):
                self._mark_tabs()
                return  # a field of the part still says what is wrong (each goes once edited)
        self._marked.discard(key)
        if not self._marked:
            self._show_problem(None)
        else:
            self._mark_tabs()

    def _announce(self) -> None:
        """Saved or moved on: ``saved`` says so (the write announced the change to the window
        itself, once: ``_write``)."""
        self.saved.emit(self.agreement_id)

    def _write(self, fn: Any, *args: Any) -> tuple[Any, BaseException | None]:
        """``fn(*args)`` on a worker, waiting as an editor's save does while another program
        writes (``ui.operations.write_and_wait``), the agreement's change announced once when written;
        ``(result, error)``."""
        self._saving = True
        try:
            return write_and_wait(self, fn, *args, changes={"agreement"})
        finally:
            if Shiboken.isValid(self):
                self._saving = False

    def show_waiting(self) -> None:
        """A write still under way: say what it waits for."""
        self._show_problem(waiting_text())

    # -- status ----------------------------------------------------------------------------------
    def change_status(self, target: str) -> bool:
        if self.dirty or self.agreement_id is None:
            if not self.save():
                return False
        agreement_id = self.agreement_id
        assert agreement_id is not None  # saved above
        problems = lifecycle.transition_problems(agreement_id, target)
        if problems:
            self._marked = set()
            for key, text in problems.items():
                place = PROBLEM_PLACES.get(key, key)
                if place in self.panels:
                    self.panels.show_message(place, text)
                    self._marked.add(place)
                elif place in self.main_fields:
                    self.main_fields[place].show_message(text)
                    self._marked.add(place)
                else:
                    self._marked.add(UNPLACED)
            agreement = agreements.get(agreement_id)
            self._show_problem(lifecycle.refusal_message(agreement, target, problems))
            return False
        if lifecycle.is_irreversible(target) and not agreement_status.confirm_step(
                self, agreement_id, target):
            return False
        reason = None
        if target == "withdrawn":
            reason, ok = QInputDialog.getText(self, "Withdraw agreement",
                                              "Why is this agreement withdrawn? (kept in the history)")
            if not ok:
                return False
        seen = self.loaded_version
        _done, exc = self._write(
            lambda i, t, r: lifecycle.change_status(i, t, reason=r, expected_version=seen),
            agreement_id, target, reason)
        return self._shown_after(exc)

    def reopen(self) -> bool:
        """Take a closed agreement back (to the status it closed from), asking why."""
        if self.agreement_id is None or not self.closed:
            return False
        if self.dirty and not self.save():  # the notes typed so far
            return False
        reason = agreement_status.ask_reopen_reason(self, self.agreement_id)
        if reason is None:
            return False
        _done, exc = self._write(partial(lifecycle.reopen, expected_version=self.loaded_version),
                                 self.agreement_id, reason)
        return self._shown_after(exc)

    def _shown_after(self, exc: BaseException | None) -> bool:
        """After a status step's write: its refusal above the tabs, or the agreement as it now
        is, announced."""
        if isinstance(exc, ConflictError) and not self.dirty:
            self.load()  # the agreement as the other user left it (nothing typed is lost)
        if exc is not None:
            self._show_problem(str(exc) if isinstance(exc, IttDeskError) else plain_message(exc))
            return False
        self.load()
        self._announce()
        return True


def _strip_label(message: str) -> str:
    """'Due: ... is not a date' -> the part after the label (the label is beside it already)."""
    head, sep, tail = message.partition(": ")
    return tail if sep and len(head) < 40 else message


def _as_typed(name: str, value: Any) -> Any:
    """A stored value as the agreement's fields show it when loaded (``AgreementEditor.load``:
    dates dd/mm/yyyy, money in pounds, the year as 2025/26); ids, keys and text as they are."""
    kind = agreements.field(name).kind
    if kind is Kind.MONEY and isinstance(value, int):
        return format_money(value)
    if isinstance(value, date):
        return format_date(value)
    if kind is Kind.YEAR and value is not None:
        return str(value)
    return value
