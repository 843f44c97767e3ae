"""Editor forms are built from the services' field declarations: every declared field, of every
service, gets a widget for its kind (a reference: a record picker), with no parser read."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit
from test_field_declarations import _fields

from ittdesk.services.base import Kind
from ui.editors import form
from ui.widgets.date_edit import DateEdit
from ui.widgets.record_picker import RecordCombo, RecordPicker

pytestmark = pytest.mark.gui

EXPECTED = {
    Kind.CHOICE: form.ChoiceCombo,
    Kind.REFERENCE: (RecordPicker, RecordCombo),
    Kind.DATE: DateEdit,
    Kind.BOOL: QCheckBox,
    Kind.LONG_TEXT: QPlainTextEdit,
    Kind.TEXT: QLineEdit,
    Kind.YEAR: QLineEdit,
    Kind.MONEY: QLineEdit,
    Kind.INTEGER: QLineEdit,
    Kind.NUMBER: QLineEdit,
}


def test_every_service_field_kind_gives_an_editor_widget(qtbot, db):
    assert set(EXPECTED) == set(Kind)
    kinds = set()
    for service, spec in _fields():
        widget = form.make_widget(spec)
        qtbot.addWidget(widget)
        assert isinstance(widget, EXPECTED[spec.kind]), (service.entity, spec.name, widget)
        kinds.add(spec.kind)
    assert kinds == set(Kind)


def test_a_widget_shows_a_stored_value_as_its_field_reads_it(qtbot, db):
    from ittdesk.services.agreements import agreements, spend
    from ittdesk.services.people import people
    from ittdesk.services.schools import schools

    cases = [(agreements.field("amount_agreed_pence"), 12345, "123.45"),
             (schools.field("status"), "closed", "closed"),
             (people.field("no_newsletters"), True, True),
             (spend.field("description"), "Cover", "Cover")]
    for spec, stored, shown in cases:
        widget = form.make_widget(spec)
        qtbot.addWidget(widget)
        form.set_widget_value(widget, spec, stored)
        assert form.widget_value(widget) == shown, spec.name
        assert spec.parse(form.widget_value(widget)) == stored, spec.name
