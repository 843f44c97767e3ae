"""The agreement editor's forms are its services' declared fields: each part list's form holds
fields of that part's service, each widget chosen by the field's kind, and every reference is
chosen with a record picker (or, for a signature's party, among the agreement's own parties)."""

from __future__ import annotations

import pytest

from ittdesk.services.agreements import (
    activities,
    agreements,
    leaders,
    parties,
    reports,
    signatures,
    spend,
)
from ittdesk.services.base import Field, Kind
from ui.editors.agreement_parts import from_field
from ui.editors.agreement_tabs import PANEL_TAB, AgreementTabs
from ui.widgets.record_picker import RecordPicker

pytestmark = pytest.mark.gui

SERVICES = {"parties": parties, "leaders": leaders, "activities": activities,
            "reports": reports, "spend": spend, "signatures": signatures}


def test_each_form_is_made_of_its_services_fields_with_a_picker_for_every_reference(qtbot, db):
    tabs = AgreementTabs()
    qtbot.addWidget(tabs)
    forms = {"agreement": (agreements, tabs.main_fields)}
    forms.update({kind: (SERVICES[kind], tabs.panels[kind].fields) for kind in PANEL_TAB})
    references = 0
    for kind, (service, widgets) in forms.items():
        declared = {f.name: f for f in service.fields}
        assert widgets and set(widgets) <= set(declared), kind
        for name, widget in widgets.items():
            field = declared[name]
            assert widget.spec.kind == from_field(field, pick=widget.spec.pick,
                                                  options=widget.spec.options).kind, (kind, name)
            if field.kind is Kind.REFERENCE:
                references += 1
                in_memory = (kind, name) == ("signatures", "party")
                assert isinstance(widget.input, RecordPicker) != in_memory, (kind, name)
            if field.choices is not None:
                labels = [widget.input.itemText(i) for i in range(widget.input.count())]
                assert [word for _key, word in field.choices] == [t for t in labels if t != "—"]
    assert references == 7  # QA lead, party school and contact, leader, activity, author, signature


def test_a_reference_without_a_picker_is_refused_rather_than_typed():
    with pytest.raises(ValueError, match="record picker"):
        from_field(Field.ref("school", "School", object, "school"))  # type: ignore[arg-type]
