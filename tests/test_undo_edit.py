"""Undoing a saved edit through the service: the audit entry's old values come back, checked
and audited like any edit; a record changed again since is left alone (issue 15 item 9)."""

from __future__ import annotations

from datetime import date

import pytest

from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry, Role, School
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools


def _last_entry(entity: str, record_id: int) -> AuditEntry:
    return (AuditEntry.select().where((AuditEntry.entity == entity)
                                      & (AuditEntry.entity_id == record_id))
            .order_by(AuditEntry.id.desc()).get())


def test_undo_of_an_edit_puts_back_the_old_values_and_audits_it(db):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary", "postcode": "LS1 1AA",
                             "partnership_since": "1/9/2020"})
    schools.update(school.id, {"name": "Fernbank Academy", "postcode": "LS2 2BB",
                               "partnership_since": "1/9/2022"})
    edit = _last_entry("school", school.id)
    schools.undo_update(edit)
    back = School.get_by_id(school.id)
    assert (back.name, back.postcode, back.partnership_since) == (
        "Fernbank Primary", "LS1 1AA", date(2020, 9, 1))
    undo = _last_entry("school", school.id)
    assert undo.action == "update" and undo.note == f"undo of edit (audit #{edit.id})"


def test_undo_of_an_edit_of_a_reference_and_a_date_restores_both(db):
    person = people.create({"first_name": "Maya", "last_name": "Kershaw"})
    first = schools.create({"urn": 111111, "name": "Fernbank"})
    second = schools.create({"urn": 222222, "name": "Hollins"})
    role = roles.create({"person": person.id, "school": first.id, "kind": "mentor",
                         "start_date": "1/9/2024"})
    roles.update(role.id, {"school": second.id, "start_date": "1/1/2025"})
    roles.undo_update(_last_entry("role", role.id))
    back = Role.get_by_id(role.id)
    assert (back.school_id, back.start_date) == (first.id, date(2024, 9, 1))


def test_an_edit_followed_by_another_change_is_not_undone(db):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary"})
    schools.update(school.id, {"name": "Fernbank Academy"})
    edit = _last_entry("school", school.id)
    schools.update(school.id, {"postcode": "LS1 1AA"})
    with pytest.raises(RefusedError, match="has changed since"):
        schools.undo_update(edit)
    assert School.get_by_id(school.id).name == "Fernbank Academy"


def test_only_an_edit_of_the_services_own_kind_can_be_undone(db):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary"})
    created = _last_entry("school", school.id)
    with pytest.raises(RefusedError):
        schools.undo_update(created)
    person = people.create({"first_name": "Maya", "last_name": "Kershaw"})
    people.update(person.id, {"last_name": "Lumb"})
    with pytest.raises(RefusedError):
        schools.undo_update(_last_entry("person", person.id))


def test_old_values_that_now_break_a_rule_are_refused_with_the_reason(db):
    first = schools.create({"urn": 123456, "name": "Fernbank"})
    schools.update(first.id, {"urn": 654321})
    edit = _last_entry("school", first.id)
    # another school takes the old URN meanwhile (not an edit of this record)
    schools.create({"urn": 123456, "name": "Hollins"})
    with pytest.raises(ValidationError, match="already used by Hollins"):
        schools.undo_update(edit)
    assert School.get_by_id(first.id).urn == 654321
