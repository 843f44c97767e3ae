"""Someone else saved the same field(s) while you were editing: theirs and yours side by side.

The core refuses such a save with ``ittdesk.errors.ConflictError`` (who saved, when, and per
field the value you saw, theirs now and yours) and writes nothing, so nothing is overwritten
silently. This dialog lets the user keep theirs or yours field by field (or all of one side at
once); its result, ``values()``, is what to save for those fields, which the editor saves again
against the version the record has now. Cancel goes back to the editor with every edit kept.

Values are shown as the editor shows them: dates dd/mm/yyyy, money in pounds, choices and
referenced records in words.

    dialog = ConflictDialog(editor, error)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        data.update(dialog.values())
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk import fields
from ittdesk.errors import ConflictError
from ittdesk.services.base import Field, Kind

from .. import sizing

THEIRS, YOURS = 0, 1
#: longer (or multi-line) values are shortened on their button and shown in full below it
SHORT = 60


def field_specs(entity: str) -> dict[str, Field]:
    """The entity's declared fields (how to show each value), none for an unknown entity."""
    from ittdesk.privacy.audit_query import services

    service = services().get(entity)
    return {f.name: f for f in service.fields} if service is not None else {}


def _reference_words(spec: Field, record_id: Any) -> str:
    """A referenced record as its picker names it (a school's name and URN, a person's name)."""
    from ittdesk.models import Person, School

    from ..editors import refs

    assert spec.reference is not None
    describers: dict[type, Callable[[int], str]] = {School: refs.describe_school,
                                                    Person: refs.describe_person}
    describe = describers.get(spec.reference.model)
    try:
        if describe is not None:
            return describe(int(record_id))
    except Exception:  # deleted meanwhile: say which one it was
        pass
    return f"{spec.reference.word} #{record_id}"


def shown(spec: Field | None, value: Any) -> str:
    """``value`` in words, as the editor would show it; typed text is read by the field's own
    parser first, so "12.5" in a money field reads £12.50 like a stored 1250 pence."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if spec is None:
        return fields.format_date(value) if isinstance(value, date) else str(value)
    if isinstance(value, str) and spec.kind in (Kind.MONEY, Kind.DATE, Kind.CHOICE):
        try:
            value = spec.parse(value)
        except ValueError:
            return value
        if value is None:
            return "(empty)"
    if spec.kind is Kind.MONEY and isinstance(value, int):
        return fields.format_money(value)
    if isinstance(value, date):
        return fields.format_date(value)
    if spec.kind is Kind.CHOICE and spec.choices is not None:
        return spec.choices.label(value)
    if spec.kind is Kind.REFERENCE and spec.reference is not None:
        return _reference_words(spec, value)
    return str(value)


def when_words(when: datetime | None) -> str:
    """"at 10:42 on 07/12/2026", local time (the audit trail stores UTC without a zone)."""
    if when is None:
        return ""
    local = (when.replace(tzinfo=UTC) if when.tzinfo is None else when).astimezone()
    return f" at {local:%H:%M} on {local:%d/%m/%Y}"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SHORT else line[:SHORT - 1] + "…"


class ConflictDialog(QDialog):
    """One row per conflicting field: its label (and what you saw), theirs and yours as a choice."""

    def __init__(self, parent: QWidget | None, error: ConflictError):
        super().__init__(parent)
        self.setObjectName("ConflictDialog")
        self.error = error
        self.setWindowTitle(f"Changed by someone else: {error.label}")
        specs = field_specs(error.entity)
        who = error.who or "Someone else"
        names = ", ".join(error.labels.get(n, n) for n in error.fields)
        intro = QLabel(f"{who} saved {error.label}{when_words(error.when)} while you were "
                       f"editing it, and changed what you changed: {names}.\n"
                       "Nothing has been saved yet. Choose, for each field, which value to keep.")
        intro.setObjectName("conflictIntro")
        intro.setWordWrap(True)

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        for column, heading in ((0, "Field"), (1, f"Theirs ({who})"), (2, "Yours")):
            title = QLabel(f"<b>{heading}</b>")
            title.setTextFormat(Qt.TextFormat.RichText)
            grid.addWidget(title, 0, column)
        self.groups: dict[str, QButtonGroup] = {}
        self.buttons_of: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        for row, (name, (seen, theirs, yours)) in enumerate(error.fields.items(), start=1):
            self._add_row(grid, row, name, specs.get(name), seen, theirs, yours)
        rows = QWidget()
        rows.setObjectName("conflictRows")
        box = QVBoxLayout(rows)
        box.addLayout(grid)
        box.addStretch(1)

        self.button_box = QDialogButtonBox()
        self.save_button = self.button_box.addButton(
            "&Save my choices", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveChoices")
        self.theirs_button = self._keep_all_button("Keep all &theirs", "keepAllTheirs", THEIRS)
        self.mine_button = self._keep_all_button("Keep all &mine", "keepAllMine", YOURS)
        cancel = self.button_box.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)  # Enter saves the choices wherever Tab has been
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        self.save_button.setDefault(True)
        self.save_button.setAutoDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        scroll = sizing.scrolled(rows, "conflictScroll")
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from choice to choice
        layout.addWidget(scroll, 1)
        layout.addWidget(self.button_box)
        sizing.fit_on_show(self, QSize(720, min(220 + 60 * len(error.fields), 600)))
        first = next(iter(self.buttons_of.values()), None)
        if first is not None:
            first[YOURS].setFocus()

    def _add_row(self, grid: QGridLayout, row: int, name: str, spec: Field | None,
                 seen: Any, theirs: Any, yours: Any) -> None:
        label = self.error.labels.get(name) or (spec.label if spec is not None else name)
        title = QLabel(f"{label}\n(you saw: {_one_line(shown(spec, seen))})")
        title.setObjectName(f"label_{name}")
        title.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(title, row, 0)
        group = QButtonGroup(self)
        group.setExclusive(True)
        pair = []
        for column, side, value in ((1, THEIRS, theirs), (2, YOURS, yours)):
            words = shown(spec, value)
            button = QRadioButton(_one_line(words).replace("&", "&&"))
            button.setObjectName(f"{'theirs' if side == THEIRS else 'yours'}_{name}")
            button.setAccessibleName(f"{label}: keep {'theirs' if side == THEIRS else 'yours'}")
            button.setToolTip(words)
            group.addButton(button, side)
            cell = QWidget()
            cell_box = QVBoxLayout(cell)
            cell_box.setContentsMargins(0, 0, 0, 0)
            cell_box.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            if _one_line(words) != words:  # long or multi-line: all of it, below its button
                full = QLabel(words)
                full.setObjectName(f"full_{'theirs' if side == THEIRS else 'yours'}_{name}")
                full.setWordWrap(True)
                full.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                full.setIndent(20)
                cell_box.addWidget(full)
            grid.addWidget(cell, row, column, Qt.AlignmentFlag.AlignTop)
            pair.append(button)
        pair[YOURS].setChecked(True)  # what the user typed, until they choose otherwise
        self.groups[name] = group
        self.buttons_of[name] = (pair[THEIRS], pair[YOURS])

    def _keep_all_button(self, text: str, name: str, side: int) -> QPushButton:
        button = self.button_box.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self.keep_all(side))
        return button

    def keep_all(self, side: int) -> None:
        """Every field takes ``side`` (THEIRS or YOURS), and the choice is made."""
        for pair in self.buttons_of.values():
            pair[side].setChecked(True)
        self.accept()

    def choices(self) -> dict[str, str]:
        """Field -> "theirs" or "yours", as chosen now."""
        return {name: "theirs" if group.checkedId() == THEIRS else "yours"
                for name, group in self.groups.items()}

    def values(self) -> dict[str, Any]:
        """Field -> the value to save: theirs or yours, as the error carried it."""
        return {name: self.error.fields[name][2 if choice == "yours" else 1]
                for name, choice in self.choices().items()}


def ask(parent: QWidget | None, error: ConflictError) -> dict[str, Any] | None:
    """Show theirs and yours for ``error``: the values the user keeps, or None (Cancel)."""
    dialog = ConflictDialog(parent, error)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.values()
    finally:
        dialog.deleteLater()
