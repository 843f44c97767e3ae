"""Retention: the review finds exactly who is past their period; apply anonymises only them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ittdesk import clock, settings
from ittdesk import db as dbmod
from ittdesk.academic_year import AcademicYear
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import Person
from ittdesk.privacy import erasure, retention
from ittdesk.privacy.references import person_references
from ittdesk.services.agreements import agreements
from ittdesk.services.people import people, roles
from ittdesk.services.programmes import cohorts, enrolments, programmes
from ittdesk.services.schools import schools

TODAY = clock.today()
THIS_YEAR = AcademicYear.current(TODAY)


def _year(back: int) -> str:
    return str(AcademicYear(THIS_YEAR.start_year - back))


def seed_schedule():
    """People on each side of each rule; returns (name -> id, the ids that are due)."""
    school = schools.create({"urn": 812345, "name": "Fernbank Primary School"})
    programme = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = {back: cohorts.create({"programme": programme.id, "name": f"Cohort {back}",
                                    "academic_year": _year(back)}) for back in (8, 2, 1, 0)}
    ids = {}

    def person(name):
        ids[name] = people.create({"first_name": name, "last_name": "Test"}).id
        return ids[name]

    # Trainees: course ended 8 years ago (due after 6) / 2 years ago (kept).
    enrolments.create({"person": person("old_trainee"), "cohort": cohort[8].id, "status": "completed",
                       "outcome": "QTS recommended"})
    enrolments.create({"person": person("recent_trainee"), "cohort": cohort[2].id, "status": "completed"})
    # Applicants who never enrolled: course started over a year ago (due) / this year (kept).
    enrolments.create({"person": person("old_applicant"), "cohort": cohort[2].id, "status": "applied"})
    enrolments.create({"person": person("new_applicant"), "cohort": cohort[0].id, "status": "offered"})
    # Mentors: last role ended 7 years ago (due) / current role (kept).
    roles.create({"person": person("old_mentor"), "school": school.id, "kind": "mentor",
                  "start_date": TODAY - timedelta(days=365 * 10), "end_date": TODAY - timedelta(days=365 * 7)})
    roles.create({"person": person("current_mentor"), "school": school.id, "kind": "mentor",
                  "start_date": TODAY - timedelta(days=365 * 10)})
    # A former trainee who is now a mentor: the current role keeps them.
    pid = person("trainee_now_mentor")
    enrolments.create({"person": pid, "cohort": cohort[8].id, "status": "completed"})
    roles.create({"person": pid, "school": school.id, "kind": "mentor", "start_date": TODAY - timedelta(days=30)})
    # Support agreements: QA lead of one that ended 8 years ago (due) / of this year's (kept).
    agreements.create({"title": "Old", "academic_year": _year(8), "qa_lead": person("old_qa")})
    agreements.create({"title": "New", "academic_year": _year(0), "qa_lead": person("new_qa")})
    # Already erased: never listed again.
    enrolments.create({"person": person("erased"), "cohort": cohort[8].id, "status": "completed"})
    erasure.erase(ids["erased"], compact_after=False)
    due = {ids[n] for n in ("old_trainee", "old_applicant", "old_mentor", "old_qa")}
    return ids, due


def test_review_finds_exactly_the_people_past_their_period(db):
    ids, due = seed_schedule()
    items = retention.review(TODAY)
    assert {item.person_id for item in items} == due
    by_id = {item.person_id: item for item in items}
    old = by_id[ids["old_trainee"]]
    assert old.rule == "trainee"
    end = AcademicYear.parse(_year(8)).end
    assert f"ended {end:%d/%m/%Y}; kept 6 years" in old.reason
    assert by_id[ids["old_applicant"]].category == "Applicants who never enrolled"
    assert by_id[ids["old_mentor"]].rule == "school"
    assert by_id[ids["old_qa"]].rule == "agreement"


def test_people_with_no_other_records_are_due_after_the_contact_period(db):
    pid = people.create({"first_name": "Lone", "last_name": "Contact"}).id
    assert retention.review(TODAY) == []
    retention.set_period("contact", 0)
    items = retention.review(TODAY + timedelta(days=1))
    assert [(i.person_id, i.rule) for i in items] == [(pid, "contact")]


def test_a_dpo_can_lengthen_a_period_and_the_review_follows(db):
    ids, due = seed_schedule()
    retention.set_period("trainee", "10")
    assert settings.get("retention_trainee_years") == 10
    assert {i.person_id for i in retention.review(TODAY)} == due - {ids["old_trainee"]}


@pytest.mark.parametrize("bad", ["-1", "ten", "101", ""])
def test_bad_periods_are_refused_and_change_nothing(db, bad):
    with pytest.raises(ValidationError):
        retention.set_period("trainee", bad)
    assert settings.get("retention_trainee_years") == 6


def test_unknown_rule_is_refused(db):
    with pytest.raises(ValidationError, match="not a retention rule"):
        retention.set_period("pets", 3)


def test_apply_anonymises_exactly_the_due_people(db):
    ids, due = seed_schedule()
    done = retention.apply(today=TODAY)
    assert set(done) == due
    for name, pid in ids.items():
        person = Person.get_by_id(pid)
        assert person.erased == (pid in due or name == "erased"), name
    assert retention.review(TODAY) == []


def test_apply_refuses_someone_not_due_and_changes_nothing(db):
    ids, due = seed_schedule()
    with pytest.raises(RefusedError, match="Not past their retention period"):
        retention.apply([ids["current_mentor"], ids["old_trainee"]], today=TODAY)
    assert not Person.get_by_id(ids["old_trainee"]).erased
    assert not Person.get_by_id(ids["current_mentor"]).erased


def test_nothing_is_anonymised_when_the_database_is_opened(sqlite_db):
    ids, due = seed_schedule()
    dbmod.close_database()
    dbmod.open_database(sqlite_db.path, daily_backup=True)
    assert {i.person_id for i in retention.review(TODAY)} == due
    assert all(not Person.get_by_id(pid).erased for pid in due)


def test_every_person_reference_has_a_retention_rule(db):
    missing = {ref.key for ref in person_references()} - retention.COVERED
    assert not missing, f"Give {sorted(missing)} a rule in ittdesk/privacy/retention.py"
