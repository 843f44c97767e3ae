"""Services: validation messages per field, constraints, audit entries, refusal of unsafe deletes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from peewee import IntegrityError

from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry, Person, Role, School, database
from ittdesk.services.people import leadership_history, people, roles
from ittdesk.services.programmes import (
    check_placement_warnings,
    cohorts,
    enrolments,
    placements,
    programmes,
)
from ittdesk.services.schools import schools


def make_school(urn=123456, name="Fernbank Primary School", **extra):
    return schools.create({"urn": urn, "name": name, **extra})


def test_school_is_created_with_clean_values_and_one_audit_entry(db):
    school = make_school(urn="  123456 ", phase="PRIMARY", postcode="ls1 1aa", status="Open, but proposed to close")
    assert (school.urn, school.phase, school.postcode, school.status) == (123456, "primary", "LS1 1AA", "open")
    entry = AuditEntry.get((AuditEntry.entity == "school") & (AuditEntry.entity_id == school.id))
    assert entry.action == "create"
    assert json.loads(entry.changes)["name"] == [None, "Fernbank Primary School"]
    assert entry.user


def test_invalid_school_reports_every_field_in_words(db):
    with pytest.raises(ValidationError) as caught:
        schools.create({"urn": "1234", "name": "", "phase": "kindergarten", "email": "not-an-email"})
    errors = caught.value.errors
    assert "not a URN" in errors["urn"]
    assert errors["name"] == "Name is required"
    assert "not a phase" in errors["phase"]
    assert "not an email" in errors["email"]
    assert School.select().count() == 0
    assert AuditEntry.select().count() == 0


def test_duplicate_urn_is_refused_naming_the_other_school(db):
    make_school()
    with pytest.raises(ValidationError) as caught:
        make_school(name="Another")
    assert "already used by Fernbank Primary School" in caught.value.errors["urn"]


def test_database_constraints_hold_even_without_the_services(db):
    with pytest.raises(IntegrityError):
        with database.atomic():
            School.create(urn=12, name="Too short")
    with pytest.raises(IntegrityError):
        with database.atomic():
            School.create(urn=123457, name="Bad phase", phase="kindergarten")


def test_update_records_old_and_new_values(db):
    school = make_school()
    schools.update(school.id, {"name": "Fernbank Academy", "trust": "Pennine Schools Trust"})
    entry = AuditEntry.select().where(AuditEntry.action == "update").get()
    changes = json.loads(entry.changes)
    assert changes["name"] == ["Fernbank Primary School", "Fernbank Academy"]
    assert changes["trust"] == [None, "Pennine Schools Trust"]


def test_update_without_changes_writes_no_audit(db):
    school = make_school()
    schools.update(school.id, {"name": "Fernbank Primary School"})
    assert AuditEntry.select().where(AuditEntry.action == "update").count() == 0


def test_duplicate_person_by_email_is_refused_case_insensitively(db):
    people.create({"first_name": "Siân", "last_name": "O'Brien", "email": "Sian.OBrien@example.org"})
    with pytest.raises(ValidationError) as caught:
        people.create({"first_name": "S", "last_name": "O", "email": "sian.obrien@EXAMPLE.org"})
    assert "Siân O'Brien" in caught.value.errors["email"]


def test_role_end_before_start_is_refused(db):
    school = make_school()
    person = people.create({"first_name": "Zoë", "last_name": "Brontë"})
    with pytest.raises(ValidationError) as caught:
        roles.create({"person": person.id, "school": school.id, "kind": "Head Teacher",
                      "start_date": "01/09/2024", "end_date": "31/08/2024"})
    assert caught.value.errors["end_date"] == "End date is before the start date"


def test_changing_the_head_keeps_history(db):
    school = make_school()
    old = people.create({"first_name": "Ada", "last_name": "Greaves"})
    new = people.create({"first_name": "Ben", "last_name": "Naylor"})
    roles.create({"person": old.id, "school": school.id, "kind": "headteacher", "start_date": date(2018, 9, 1)})
    roles.change_holder(school.id, "headteacher", new.id, date(2025, 1, 6))
    history = [(r.person.last_name, r.start_date, r.end_date) for r in leadership_history(school)]
    assert history == [("Naylor", date(2025, 1, 6), None), ("Greaves", date(2018, 9, 1), date(2025, 1, 5))]


def test_deleting_a_school_with_roles_is_refused_with_the_reason(db):
    school = make_school()
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    roles.create({"person": person.id, "school": school.id, "kind": "mentor"})
    with pytest.raises(RefusedError, match="still has 1 role"):
        schools.delete(school.id)
    assert School.select().count() == 1


def test_delete_can_be_undone_exactly(db):
    school = make_school(phase="secondary", partnership_since="01/09/2020")
    entry = schools.delete(school.id)
    assert School.select().count() == 0
    restored = schools.undo_delete(entry)
    assert (restored.id, restored.urn, restored.phase, restored.partnership_since) == (
        school.id, 123456, "secondary", date(2020, 9, 1))
    assert [e.action for e in AuditEntry.select().order_by(AuditEntry.id)] == ["create", "delete", "restore"]


def test_audit_entries_cannot_be_changed_or_deleted(db):
    make_school()
    entry = AuditEntry.get()
    entry.note = "tampered"
    with pytest.raises(RefusedError):
        entry.save()
    with pytest.raises(RefusedError):
        entry.delete_instance()


def _cohort():
    programme = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    return cohorts.create({"programme": programme.id, "name": "Cohort 6", "academic_year": "2025/26"})


def test_cohort_dates_default_to_its_academic_year(db):
    cohort = _cohort()
    assert (cohort.start_date, cohort.end_date) == (date(2025, 9, 1), date(2026, 8, 31))


def test_placement_outside_the_cohort_dates_is_refused(db):
    cohort = _cohort()
    school = make_school()
    trainee = people.create({"first_name": "Ivy", "last_name": "Lumb"})
    enrolment = enrolments.create({"person": trainee.id, "cohort": cohort.id, "status": "enrolled"})
    with pytest.raises(ValidationError) as caught:
        placements.create({"enrolment": enrolment.id, "school": school.id,
                           "start_date": "01/08/2025", "end_date": "01/10/2025"})
    assert "within the cohort's dates" in caught.value.errors["start_date"]


def test_mentor_over_capacity_is_a_warning_not_an_error(db):
    cohort = _cohort()
    school = make_school()
    mentor = people.create({"first_name": "Maya", "last_name": "Kershaw"})
    roles.create({"person": mentor.id, "school": school.id, "kind": "mentor", "capacity": 1})
    for name in ("Ivy", "Leo"):
        trainee = people.create({"first_name": name, "last_name": "Lumb"})
        enrolment = enrolments.create({"person": trainee.id, "cohort": cohort.id, "status": "enrolled"})
        data = {"enrolment": enrolment.id, "school": school.id, "mentor": mentor.id,
                "start_date": "01/10/2025", "end_date": "01/12/2025"}
        warnings = check_placement_warnings(data)
        placements.create(data)
    assert "capacity is 1" in warnings["mentor"]


def test_withdrawn_enrolment_needs_a_date(db):
    cohort = _cohort()
    trainee = people.create({"first_name": "Ivy", "last_name": "Lumb"})
    with pytest.raises(ValidationError) as caught:
        enrolments.create({"person": trainee.id, "cohort": cohort.id, "status": "Withdrawn"})
    assert "withdrawal date" in caught.value.errors["withdrawal_date"]


def test_a_failed_write_leaves_nothing_behind(db):
    school = make_school()
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    before = (Role.select().count(), AuditEntry.select().count())
    with pytest.raises(ValidationError):
        roles.change_holder(school.id, "nonsense", person.id, date(2025, 1, 1))
    assert (Role.select().count(), AuditEntry.select().count()) == before
    assert Person.select().count() == 1
