"""A key on two rows of one file vs. the database's unique keys (person email and TRN,
enrolment trainee ID and person + cohort): the plan says so row by row, apply never fails."""

from __future__ import annotations

import csv

import pytest

from ittdesk.errors import RefusedError
from ittdesk.models import AuditEntry, Enrolment, Person
from ittdesk.services.people import people
from ittdesk.services.programmes import cohorts, enrolments, programmes
from ittdesk.spreadsheets import importing

HEAD = ["Trainee ID", "First name", "Last name", "Email", "TRN", "Programme", "Cohort",
        "Academic year"]


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def two_cohorts(db):
    primary = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    a = cohorts.create({"programme": primary.id, "name": "Cohort A", "academic_year": "2026/27"})
    b = cohorts.create({"programme": primary.id, "name": "Cohort B", "academic_year": "2026/27"})
    return a, b


def plan_of(path, kind="enrolments"):
    source = importing.load_source(path, kind)
    return importing.plan_import(source)


def reasons(plan):
    return {(r.row, r.column): r.reason for r in plan.refused}


def test_same_new_trainee_on_two_rows_is_one_person(two_cohorts, tmp_path):
    a, b = two_cohorts
    path = write_csv(tmp_path / "e.csv", [
        HEAD,
        ["T1", "Ada", "Greaves", "ada@example.org", "1234567", "Primary SCITT", "Cohort A", "2026/27"],
        ["T2", "Ada", "Greaves", "ADA@example.org", "1234567", "Primary SCITT", "Cohort B", "2026/27"],
    ])
    plan = plan_of(path)
    assert plan.refused == []
    assert sum(1 for i in plan.items if "person" in i.payload) == 1  # one person to add
    result = importing.apply_plan(plan)
    assert result.added == 2
    assert Person.select().count() == 1
    person = Person.get()
    assert sorted((e.trainee_id, e.cohort_id) for e in Enrolment.select().where(
        Enrolment.person == person)) == [("T1", a.id), ("T2", b.id)]
    entries = AuditEntry.select().where(AuditEntry.entity.in_(("person", "enrolment")))
    assert sorted((e.entity, e.person_id) for e in entries) == [
        ("enrolment", person.id), ("enrolment", person.id), ("person", person.id)]
    again = plan_of(path)
    assert again.refused == [] and {i.action for i in again.items} == {"same"}


def test_same_new_trainee_matched_by_trn_when_no_email(two_cohorts, tmp_path):
    path = write_csv(tmp_path / "e.csv", [
        HEAD,
        ["T1", "Ada", "Greaves", "", "1234567", "Primary SCITT", "Cohort A", "2026/27"],
        ["T2", "Ada", "Greaves", "", "1234567", "Primary SCITT", "Cohort B", "2026/27"],
    ])
    plan, result = importing.run_import(path, "enrolments")
    assert plan.refused == [] and result.added == 2
    assert Person.select().count() == 1 and Enrolment.select().count() == 2


def test_other_duplicates_within_the_file_are_refused_in_the_plan(two_cohorts, tmp_path):
    path = write_csv(tmp_path / "e.csv", [
        HEAD,
        # two different people (different emails) with the same TRN
        ["T1", "Ada", "Greaves", "ada@example.org", "1234567", "Primary SCITT", "Cohort A", "2026/27"],
        ["T2", "Ben", "Naylor", "ben@example.org", "1234567", "Primary SCITT", "Cohort A", "2026/27"],
        # the same new trainee (by TRN) twice in one cohort under two trainee IDs
        ["T3", "Cy", "Lumb", "", "7654321", "Primary SCITT", "Cohort A", "2026/27"],
        ["T4", "Cy", "Lumb", "", "7654321", "Primary SCITT", "Cohort A", "2026/27"],
        # the same new trainee (by email) with a different name on the second row
        ["T5", "Di", "Kershaw", "di@example.org", "", "Primary SCITT", "Cohort A", "2026/27"],
        ["T6", "Dinah", "Kershaw", "di@example.org", "", "Primary SCITT", "Cohort B", "2026/27"],
    ])
    plan = plan_of(path)
    got = reasons(plan)
    assert set(got) == {(3, "TRN"), (5, "Cohort"), (7, "First name")}, got
    assert "TRN 1234567 is also on row 2" in got[(3, "TRN")]
    assert "row 4" in got[(5, "Cohort")] and "same cohort" in got[(5, "Cohort")]
    assert "row 6" in got[(7, "First name")] and "Di" in got[(7, "First name")]
    with pytest.raises(RefusedError):
        importing.apply_plan(plan)
    result = importing.apply_plan(plan_of(path), skip_invalid=True)
    assert result.added == 3 and Person.select().count() == 3


def test_database_keys_are_refused_with_the_services_messages(two_cohorts, tmp_path):
    a, b = two_cohorts
    eve = people.create({"first_name": "Eve", "last_name": "Ross", "trn": "1111111"})
    enrolments.create({"person": eve.id, "cohort": a.id, "trainee_id": "T9"})
    enrolments.create({"person": eve.id, "cohort": b.id, "trainee_id": "T8"})
    fay = people.create({"first_name": "Fay", "last_name": "Ng", "email": "fay@example.org",
                         "trn": "2222222"})
    path = write_csv(tmp_path / "e.csv", [
        HEAD,
        # Eve (by trainee ID) given Fay's email
        ["T9", "Eve", "Ross", "fay@example.org", "", "Primary SCITT", "Cohort A", "2026/27"],
        # Eve's enrolment T8 moved into the cohort she is already in
        ["T8", "Eve", "Ross", "", "", "Primary SCITT", "Cohort A", "2026/27"],
        ["T7", "Fay", "Ng", "fay@example.org", "", "Primary SCITT", "Cohort B", "2026/27"],
        ["T6", "Gus", "Ng", "gus@example.org", "", "Primary SCITT", "Cohort A", "2026/27"],
    ])
    plan = plan_of(path)
    got = reasons(plan)
    assert got == {(2, "Email"): f"Fay Ng (#{fay.id}) already has this email",
                   (3, "Cohort"): "This person is already enrolled in that cohort"}, got
    assert [(i.row, i.action) for i in plan.items] == [(4, "add"), (5, "add")]


def test_people_import_refuses_a_trn_given_to_two_people(db, tmp_path):
    people.create({"first_name": "Eve", "last_name": "Ross", "email": "eve@example.org"})
    path = write_csv(tmp_path / "p.csv", [
        ["First name", "Last name", "Email", "TRN"],
        ["Ada", "Greaves", "ada@example.org", "1234567"],
        ["Ben", "Naylor", "ben@example.org", "1234567"],
        ["Eve", "Ross", "eve@example.org", "7654321"],
        ["Cy", "Lumb", "cy@example.org", "7654321"],
    ])
    plan = plan_of(path, "people")
    got = reasons(plan)
    assert set(got) == {(3, "TRN"), (5, "TRN")}, got
    assert "also on row 2" in got[(3, "TRN")] and "also on row 4" in got[(5, "TRN")]
    result = importing.apply_plan(plan, skip_invalid=True)
    assert (result.added, result.updated) == (1, 1)
    assert Person.get(Person.email == "eve@example.org").trn == "7654321"
