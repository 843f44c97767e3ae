"""Form building from the services' Field declarations: a widget for each kind of field, reading
and filling it, and a form row with its message under the field.

What a field is comes from its declaration (``Field.kind``, ``choices``, ``reference``), never
from its parser: a vocabulary -> a drop-down, a date -> ``DateEdit``, a reference -> the
record picker for that model (``refs.widget_for``), a yes/no -> a tick box, long text -> a text
box, anything else -> a line. An editor may name another widget for a field (``WIDGETS``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ittdesk import fields
from ittdesk.academic_year import AcademicYear
from ittdesk.choices import Choices
from ittdesk.services.base import Field, Kind

from ..widgets.date_edit import DateEdit
from ..widgets.record_picker import RecordCombo, RecordPicker
from . import refs

#: the widget each kind of field is edited with (every other kind: "line")
WIDGETS: dict[Kind, str] = {
    Kind.CHOICE: "choice",
    Kind.REFERENCE: "ref",
    Kind.DATE: "date",
    Kind.BOOL: "check",
    Kind.LONG_TEXT: "text",
}


#: one item model per vocabulary, shared by every drop-down choosing from it (GUI thread only)
_CHOICE_MODELS: dict[int, tuple[Choices, QStandardItemModel]] = {}


def choice_model(vocabulary: Choices) -> QStandardItemModel:
    """The vocabulary's items ("" first, for none), built once: the enrolment editor alone has
    eight drop-downs, three of them of the 72 HECoS subjects, and adding ~300 items one by one
    on every open was a tenth of it (issue 22). The drop-downs only read it."""
    cached = _CHOICE_MODELS.get(id(vocabulary))
    if cached is not None and cached[0] is vocabulary:
        return cached[1]
    model = QStandardItemModel()
    for key, label in [(None, ""), *vocabulary]:
        item = QStandardItem(label)
        item.setData(key, Qt.ItemDataRole.UserRole)
        item.setEditable(False)
        model.appendRow(item)
    _CHOICE_MODELS[id(vocabulary)] = (vocabulary, model)  # keeps both alive: the id stays theirs
    return model


class ChoiceCombo(QComboBox):
    def __init__(self, vocabulary: Choices, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(choice_model(vocabulary))

    def value(self) -> str | None:
        return self.currentData()

    def set_value(self, key: str | None) -> None:
        self.setCurrentIndex(max(self.findData(key), 0) if key else 0)


def widget_kind(spec: Field, override: str | None = None) -> str:
    """line, text, date, choice, ref or check: ``override`` if given, else by the field's kind."""
    return override or WIDGETS.get(spec.kind, "line")


def make_widget(spec: Field, override: str | None = None, *, line_height: int = 16) -> QWidget:
    """A widget editing ``spec`` (``line_height``: the form's font, for a long text's box)."""
    kind = widget_kind(spec, override)
    if kind == "choice":
        if spec.choices is None:
            raise ValueError(f"{spec.label} has no vocabulary to choose from")
        return ChoiceCombo(spec.choices)
    if kind == "date":
        return DateEdit()
    if kind == "check":
        return QCheckBox()
    if kind == "ref":
        if spec.reference is None:
            raise ValueError(f"{spec.label} is not a reference to a record")
        return refs.widget_for(spec.reference.model, spec.label)
    if kind == "text":
        box = QPlainTextEdit()
        box.setTabChangesFocus(True)
        box.setFixedHeight(line_height * 4 + 12)
        return box
    line = QLineEdit()
    if spec.kind is Kind.YEAR:
        line.setPlaceholderText(f"e.g. {AcademicYear.current()}")
    return line


def widget_value(widget: QWidget) -> Any:
    """What the widget holds, as the field's parser takes it (text, a key, an id, a tick)."""
    if isinstance(widget, (ChoiceCombo, RecordPicker, RecordCombo)):
        return widget.value()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, DateEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    return widget.text()  # type: ignore[attr-defined]


def set_widget_value(widget: QWidget, spec: Field | None, value: Any) -> None:
    """Show a stored value (money in pounds, a date as a date) in the widget."""
    if isinstance(widget, (ChoiceCombo, RecordPicker, RecordCombo)):
        widget.set_value(value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, DateEdit):
        widget.set_date(value if isinstance(value, date) else fields.day(value) if value else None)
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText("" if value is None else str(value))
    elif spec is not None and spec.kind is Kind.MONEY and isinstance(value, int):
        widget.setText(f"{value / 100:.2f}")  # type: ignore[attr-defined]
    else:
        widget.setText("" if value is None else str(value))  # type: ignore[attr-defined]


def add_row(form: QFormLayout, spec: Field, widget: QWidget, *, mnemonic: bool) -> QLabel:
    """The field's row: its label (``&`` for Alt+key when ``mnemonic``; `` *`` when required),
    the widget, and the message label under it (hidden until there is something to say)."""
    widget.setObjectName(f"field_{spec.name}")
    widget.setAccessibleName(spec.label)
    error = QLabel()
    error.setObjectName(f"error_{spec.name}")
    error.setProperty("role", "fieldError")
    error.setWordWrap(True)
    error.hide()
    # A layout, not a widget holding one: a widget per row was ~a tenth of opening a form of
    # twenty-odd fields (issue 22), and it drew nothing.
    box = QVBoxLayout()
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(1)
    box.addWidget(widget)
    box.addWidget(error)
    label = QLabel(("&" if mnemonic else "") + spec.label + (" *" if spec.required else ""))
    label.setBuddy(widget)
    form.addRow(label, box)
    return error
