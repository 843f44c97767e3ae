"""One person named in every table that can reference a person, through the services.

``seed_everywhere`` is shared by the subject-access, erasure and retention tests. The test in
this module pins that it really covers every person reference in the schema: a table added
later with a ForeignKeyField to Person (or the audit's person_id) makes it fail until a seeder
for it is written here, and then the export tests check that the export covers it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ittdesk.models import AuditEntry, Person, Placement, PlacementMentor
from ittdesk.privacy.references import person_references

FIRST, LAST, EMAIL = "Zephyrine", "Quillfeather", "zephyrine.quillfeather@example.org"
PHONE, TRN = "07700 900123", "9876543"


@dataclass
class Seeded:
    person: Person
    other: Person
    rows: dict[str, int] = field(default_factory=dict)  # reference key -> row id naming the person
    trainee_placement: int | None = None
    school_id: int | None = None
    cohort_id: int | None = None
    agreement_id: int | None = None


def seed_everywhere(first: str = FIRST, last: str = LAST, email: str = EMAIL, *,
                    mentions: bool = True) -> Seeded:
    """``mentions``: other people's records and the agreement's notes copy the person's name,
    email and phone too (text the erasure lists for review but never changes)."""
    from ittdesk.services.agreements import (
        activities,
        agreements,
        leaders,
        parties,
        reports,
        signatures,
    )
    from ittdesk.services.people import designations, mentor_training, people, roles
    from ittdesk.services.programmes import cohorts, enrolments, placements, programmes
    from ittdesk.services.schools import schools

    full = f"{first} {last}"
    school = schools.create({"urn": 812345, "name": "Fernbank Primary School"})
    other_school = schools.create({"urn": 812346, "name": "Moorside Academy"})
    subject = people.create({"title": "Dr", "first_name": first, "last_name": last, "email": email,
                             "phone": PHONE, "trn": TRN, "notes": f"Prefers to be called {first}."})
    other = people.create({"first_name": "Ada", "last_name": "Greaves", "email": "ada@example.org",
                           "notes": f"Job-shares with {full} ({email})." if mentions
                           else "Job-shares with a colleague."})
    s = Seeded(subject, other, school_id=school.id)
    programme = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "Cohort 6", "academic_year": "2025/26"})
    s.cohort_id = cohort.id

    s.rows["role.person"] = roles.create({"person": subject.id, "school": school.id, "kind": "mentor",
                                          "start_date": date(2020, 9, 1), "capacity": 2}).id
    s.rows["mentor_training.person"] = mentor_training.create({
        "person": subject.id, "kind": "initial", "hours": 20, "completed_on": date(2024, 10, 1),
        "school": school.id}).id
    designation = designations.create({"person": subject.id, "kind": "SLE", "specialism": "Early reading",
                                       "designated_on": date(2022, 4, 1)})
    s.rows["designation.person"] = designation.id
    enrolment = enrolments.create({"person": subject.id, "cohort": cohort.id, "status": "withdrawn",
                                   "trainee_id": "ZQ250001", "subject": "Primary",
                                   "home_school": school.id, "withdrawal_date": date(2025, 12, 1),
                                   "withdrawal_reason": f"{first} moved abroad"})
    s.rows["enrolment.person"] = enrolment.id
    s.trainee_placement = placements.create({
        "enrolment": enrolment.id, "school": other_school.id, "start_date": date(2025, 10, 1),
        "end_date": date(2025, 11, 28), "notes": f"{first} settled in well"}).id
    other_enrolment = enrolments.create({"person": other.id, "cohort": cohort.id, "status": "enrolled"})
    s.rows["placement.mentor"] = placements.create({
        "enrolment": other_enrolment.id, "school": school.id, "mentor": subject.id,
        "start_date": date(2026, 1, 5), "end_date": date(2026, 3, 27),
        "notes": f"Mentor: {full}" if mentions else "Mentor from Fernbank"}).id
    # Every mentor is a placement_mentor row too (the lead among them).
    s.rows["placement_mentor.person"] = PlacementMentor.get(
        PlacementMentor.placement == s.rows["placement.mentor"]).id

    agreement = agreements.create({"title": "Improving early reading", "academic_year": "2025/26",
                                   "qa_lead": subject.id, "start_date": date(2025, 10, 1),
                                   "end_date": date(2026, 7, 1),
                                   "notes": (f"Ring {full} on {PHONE} before visits; "
                                             f"papers to Dr {first[0]}. {last}") if mentions
                                   else "Ring the school before visits"})
    s.agreement_id = agreement.id
    s.rows["support_agreement.qa_lead"] = agreement.id
    party = parties.create({"agreement": agreement.id, "school": school.id, "role": "supported",
                            "contact": subject.id})
    s.rows["agreement_party.contact"] = party.id
    s.rows["agreement_leader.person"] = leaders.create({
        "agreement": agreement.id, "person": subject.id, "designation": designation.id, "days": 4}).id
    s.rows["agreement_activity.person"] = activities.create({
        "agreement": agreement.id, "date": date(2025, 11, 3), "kind": "visit",
        "description": "Diagnostic visit", "person": subject.id, "who": first}).id
    s.rows["impact_report.author"] = reports.create({
        "agreement": agreement.id, "kind": "interim", "due_date": date(2026, 1, 31),
        "author": subject.id}).id
    s.rows["signature.person"] = signatures.create({
        "agreement": agreement.id, "party": party.id, "person": subject.id,
        "signatory_name": f"Dr {first[0]}. {last}", "signatory_role": "Headteacher",
        "signed_on": date(2025, 9, 20)}).id
    from ittdesk.services.events import attendance, events

    session = events.create({"title": "Leading mentor development", "kind": "training",
                             "held_on": date(2025, 11, 12)})
    s.rows["event_attendance.person"] = attendance.create({
        "event": session.id, "person": subject.id, "school": school.id, "led": True}).id
    people.update(subject.id, {"phone": "07700 900124"})
    people.update(subject.id, {"phone": PHONE})
    s.rows["audit_entry.person_id"] = (AuditEntry.select(AuditEntry.id)
                                       .where(AuditEntry.person_id == subject.id)
                                       .order_by(AuditEntry.id).first().id)
    s.person = Person.get_by_id(subject.id)
    return s


def test_the_seed_names_the_person_in_every_person_reference_of_the_schema(db):
    seeded = seed_everywhere()
    keys = {ref.key for ref in person_references()}
    missing = keys - set(seeded.rows)
    assert not missing, (f"New person reference(s) {sorted(missing)}: seed them in "
                         "tests/test_privacy_seed.py and cover them in ittdesk/privacy/sar.py, "
                         "erasure.py and retention.py")
    for ref in person_references():
        row = ref.model.get_by_id(seeded.rows[ref.key])
        assert getattr(row, ref.field if ref.model is AuditEntry else f"{ref.field}_id") == seeded.person.id
    assert Placement.get_by_id(seeded.trainee_placement).enrolment.person_id == seeded.person.id
