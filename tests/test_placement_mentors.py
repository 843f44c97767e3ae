"""Issue 17: a placement can have more than one mentor; the lead (``Placement.mentor``) is
always one of them, through create, import, edit and undo."""

from __future__ import annotations

from datetime import date

import pytest

from ittdesk.academic_year import AcademicYear
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry, Cohort, Enrolment, Person, PlacementMentor, Programme, School
from ittdesk.services.programmes import placements


@pytest.fixture
def placed(db):
    programme = Programme.create(name="PGCE", kind="itt")
    cohort = Cohort.create(programme=programme, name="2025", academic_year=AcademicYear(2025),
                           start_date=date(2025, 9, 1), end_date=date(2026, 7, 31))
    school = School.create(urn=100001, name="Oak")
    trainee = Person.create(first_name="Ada", last_name="Greaves")
    lead, other, third = (Person.create(first_name=n, last_name="Mentor") for n in ("Lee", "Ola", "Tam"))
    enrolment = Enrolment.create(person=trainee, cohort=cohort, status="enrolled")
    placement = placements.create({"enrolment": enrolment.id, "school": school.id,
                                   "mentor": lead.id, "start_date": "08/09/2025",
                                   "end_date": "19/12/2025"})
    return placement, lead, other, third


def test_a_new_placement_is_proposed_with_its_lead_mentor_among_its_mentors(placed):
    placement, lead, _other, _third = placed
    assert placement.status == "proposed"
    assert placements.mentors(placement.id) == [lead.id]


def test_more_mentors_are_set_audited_and_the_lead_stays(placed):
    placement, lead, other, third = placed
    assert placements.set_mentors(placement.id, [other.id, third.id]) == [lead.id, other.id, third.id]
    entry = AuditEntry.select().where((AuditEntry.entity == "placement")
                                      & (AuditEntry.entity_id == placement.id)).order_by(
        AuditEntry.id.desc()).first()
    assert '"mentors"' in entry.changes
    assert placements.set_mentors(placement.id, [third.id]) == [lead.id, third.id]
    placements.update(placement.id, {"mentor": other.id})
    assert placements.mentors(placement.id)[0] == other.id
    with pytest.raises(RefusedError):
        placements.set_mentors(placement.id, [999999])


def test_a_withdrawn_placement_needs_its_reason(placed):
    placement, *_ = placed
    with pytest.raises(ValidationError) as caught:
        placements.update(placement.id, {"status": "withdrawn_by_school"})
    assert caught.value.errors == {"status_reason": "Say why the placement was withdrawn"}
    placements.update(placement.id, {"status": "withdrawn_by_school",
                                     "status_reason": "Staffing changes at the school"})


def test_undoing_a_delete_brings_the_lead_mentor_back_as_a_mentor(placed):
    placement, lead, other, _third = placed
    placements.set_mentors(placement.id, [lead.id, other.id])
    entry = placements.delete(placement.id)
    assert PlacementMentor.select().count() == 0
    placements.undo_delete(entry)
    assert placements.mentors(placement.id) == [lead.id]
