"""The agreement editor's status row and the questions a status change asks.

Split from ``agreement_editor`` along the lifecycle seam: which buttons show, what a one-way
step says before it happens, and reopening a closed agreement. Every rule and every sentence
comes from ``ittdesk.services.agreement_lifecycle`` (``what_happens``, ``warnings_for``,
``reopen_targets``), which the CLI uses too, so the window and ``ittdesk agreement status``
warn about the same things in the same words.

``confirm_step`` and ``ask_reopen_reason`` are module functions so tests can answer them.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QMessageBox, QPushButton, QWidget

from ittdesk.choices import AGREEMENT_STATUSES
from ittdesk.models import SupportAgreement
from ittdesk.services import agreement_lifecycle as lifecycle


class StatusRow(QWidget):
    """'Status: Active' and a button for each allowed next step, or Reopen… when closed."""

    def __init__(self, on_step: Callable[[str], object], on_reopen: Callable[[], object],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("status_label")
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addStretch(1)
        for target, text in lifecycle.ACTIONS.items():
            button = QPushButton(text)
            button.setObjectName(f"status_{target}")
            button.clicked.connect(lambda _=False, t=target: on_step(t))
            self.buttons[target] = button
            row.addWidget(button)
        self.reopen_button = QPushButton(lifecycle.REOPEN_ACTION)
        self.reopen_button.setObjectName("reopen")
        self.reopen_button.setToolTip("Take this closed agreement back, saying why (kept in its history)")
        self.reopen_button.clicked.connect(lambda _=False: on_reopen())
        row.addWidget(self.reopen_button)

    def show_status(self, status: str, saved: bool) -> None:
        self.label.setText(f"Status: <b>{AGREEMENT_STATUSES.label(status)}</b>")
        allowed = lifecycle.allowed(status) if saved else ()
        for target, button in self.buttons.items():
            button.setVisible(target in allowed)
        self.reopen_button.setVisible(saved and status in lifecycle.CLOSED)


def step_question(agreement_id: int, target: str,
                  found: dict[str, str] | None = None) -> tuple[str, str]:
    """(title, rich text) of the confirmation: what happens, then each warning (``found``:
    ``warnings_for``'s answer when the caller has it)."""
    if found is None:
        found = lifecycle.warnings_for(agreement_id, target)
    title = f"{lifecycle.ACTIONS.get(target, target)}?"
    text = f"<p>{_esc(lifecycle.what_happens(agreement_id, target))}</p>"
    if found:
        text += ("<p><b>Before you go ahead:</b></p><ul>"
                 + "".join(f"<li>{_esc(w)}</li>" for w in found.values()) + "</ul>")
    return title, text


def confirm_step(parent: QWidget, agreement_id: int, target: str) -> bool:
    """Ask before a one-way step; with warnings Cancel is the default, so Enter alone changes
    nothing."""
    found = lifecycle.warnings_for(agreement_id, target)
    title, text = step_question(agreement_id, target, found)
    box = QMessageBox(QMessageBox.Icon.Warning if found else QMessageBox.Icon.Question, title, text,
                      parent=parent)
    box.setObjectName("confirm_step")
    box.setTextFormat(Qt.TextFormat.RichText)
    go = box.addButton(lifecycle.ACTIONS.get(target, "Go ahead"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel if found else go)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is go


def reopen_question(agreement_id: int) -> str:
    agreement = SupportAgreement.get_by_id(agreement_id)
    back = AGREEMENT_STATUSES.label(lifecycle.reopen_targets(agreement)[0]).lower()
    return (f"Reopen {agreement.reference} as {back}? It becomes editable again.\n"
            "Say why (kept in its history):")


def ask_reopen_reason(parent: QWidget, agreement_id: int) -> str | None:
    """The reason typed, or None if cancelled."""
    reason, ok = QInputDialog.getText(parent, "Reopen agreement", reopen_question(agreement_id))
    return reason if ok else None


def _esc(text: str) -> str:
    return html.escape(text)
