"""The heads of schools a GIAS import adds (issue 22, C11: planned without the stored school's
roles and people, which a new school has none of): found by email or created once, co-heads
two people, the preview naming them."""

from __future__ import annotations

import csv

from ittdesk.models import AuditEntry, Person, Role, School
from ittdesk.services.people import people
from ittdesk.spreadsheets import importing

HEADINGS = ["URN", "EstablishmentName", "HeadTitle (name)", "HeadFirstName", "HeadLastName",
            "HeadPreferredJobTitle", "Head's e-mail"]


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADINGS, *rows])
    return path


def test_new_schools_heads_found_by_email_created_once_and_co_heads_two_people(db, tmp_path):
    ann = people.create({"first_name": "Ann", "last_name": "Grey", "email": "ann@example.org"})
    path = _write(tmp_path / "gias.csv", [
        ["100001", "Alder School", "Mrs", "Ann", "Grey", "Headteacher", "ann@example.org"],
        ["100002", "Birch School", "Mr", "Tom", "Lee", "Executive Headteacher", "tom@example.org"],
        ["100003", "Cedar School", "Mr", "Tom", "Lee", "Executive Headteacher", "tom@example.org"],
        ["100004", "Damson School", "", "Anna & Ben", "Khan & Lowe", "Co Headteacher", ""],
        ["100005", "Elm School", "Ms", "Cara", "Diaz", "", ""],
    ])
    source = importing.load_source(path, "schools")
    plan = importing.plan_import(source)
    assert plan.refused == []
    shown = {item.key: dict(item.changes) for item in plan.items}
    assert shown["URN 100001"]["Headteacher"] == (None, "Ann Grey")
    assert shown["URN 100004"]["Headteacher"] == (None, "Anna Khan and Ben Lowe")
    assert shown["URN 100003"]["Executive headteacher"] == (None, "Tom Lee")
    result = importing.apply_plan(plan)
    assert result.added == 5

    school = {s.urn: s.id for s in School.select()}
    held = sorted((r.school_id, r.person_id, r.kind, r.job_title, r.start_date, r.end_date)
                  for r in Role.select())
    tom = Person.get(Person.email == "tom@example.org").id
    anna = Person.get(Person.first_name == "Anna").id
    ben = Person.get(Person.first_name == "Ben").id
    cara = Person.get(Person.last_name == "Diaz").id
    assert held == sorted([
        (school[100001], ann.id, "headteacher", "Headteacher", None, None),
        (school[100002], tom, "executive_headteacher", "Executive Headteacher", None, None),
        (school[100003], tom, "executive_headteacher", "Executive Headteacher", None, None),
        (school[100004], anna, "headteacher", "Co Headteacher", None, None),
        (school[100004], ben, "headteacher", "Co Headteacher", None, None),
        (school[100005], cara, "headteacher", None, None, None),
    ])
    assert Person.select().count() == 5  # Ann as she was, Tom once, Anna, Ben and Cara
    assert {(p.title, p.first_name, p.last_name, p.email) for p in Person.select()} == {
        (None, "Ann", "Grey", "ann@example.org"), ("Mr", "Tom", "Lee", "tom@example.org"),
        (None, "Anna", "Khan", None), (None, "Ben", "Lowe", None), ("Ms", "Cara", "Diaz", None)}
    created = AuditEntry.select().where(AuditEntry.action == "create")
    assert sorted(e.entity for e in created) == sorted(
        ["person"] * 5 + ["school"] * 5 + ["role"] * 6)  # Ann's own create among the people


def test_a_bad_status_code_and_close_date_are_refused_naming_their_columns(db, tmp_path):
    path = tmp_path / "gias.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([
            ["URN", "EstablishmentName", "EstablishmentStatus (code)", "CloseDate"],
            ["100001", "Alder School", "77", "31/02/2024"],
            ["100002", "Birch School", "2", "01/09/2020"],
            ["100003", "Cedar School", "", "not a date"],
            ["100004", "Damson School", "1", ""]])
    plan = importing.plan_import(importing.load_source(path, "schools"))
    assert [str(r) for r in plan.refused] == [
        "row 2, column 'EstablishmentStatus (code)': '77' is not a GIAS establishment status code "
        "(1 open, 2 closed, 3 open but proposed to close, 4 proposed to open)",
        "row 2, column 'CloseDate': '31/02/2024' is not a real date",
        "row 4, column 'CloseDate': 'not a date' is not a date (use day/month/year, e.g. 01/09/2025)"]
    kept = {item.key: item.payload["values"]["status"] for item in plan.items}
    assert kept == {"URN 100002": "closed", "URN 100004": "open"}
