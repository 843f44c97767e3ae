"""An import finds the people a file names by email, TRN or id the same way whether it names a
few of them (looked up by key) or more keys than there are people (every person read once)."""

from __future__ import annotations

from datetime import date

from ittdesk.services.people import people
from ittdesk.spreadsheets import import_common as C


def _add_people() -> list[int]:
    return people.create_many([people.prepare(p) for p in (
        {"first_name": "Siân", "last_name": "Ó Súilleabháin", "email": "sian@example.org",
         "trn": "1234567", "date_of_birth": "02/03/1990"},
        {"first_name": "Zoë", "last_name": "Brontë", "email": "zoe@example.org"},
        {"first_name": "Ívar", "last_name": "O'Brien", "trn": "7654321"},
    )])


def test_people_named_by_few_keys_or_by_more_keys_than_people_are_found_alike(db):
    ids = _add_people()
    few = C.person_rows_by("email", ["zoe@example.org"])
    assert [p.first_name for p in few.values()] == ["Zoë"]
    # more keys than people: every person is read, only the named ones kept, same rows
    many_emails = ["sian@example.org", "zoe@example.org", "ZOE@example.org", "", None] + [
        f"nobody{i}@example.org" for i in range(10)]
    by_email = C.person_rows_by("email", many_emails)
    assert sorted(by_email) == ["sian@example.org", "zoe@example.org"]
    assert by_email["zoe@example.org"] == few["zoe@example.org"]
    assert by_email["sian@example.org"].date_of_birth == date(1990, 3, 2)
    by_trn = C.person_rows_by("trn", ["1234567", "7654321", "0000000", "1111111"])
    assert {k: p.first_name for k, p in by_trn.items()} == {"1234567": "Siân", "7654321": "Ívar"}
    by_id = C.person_rows_by("id", ids + [max(ids) + 1])
    assert sorted(by_id) == ids and by_id[ids[0]] == by_email["sian@example.org"]
    one_by_one = {i: C.person_rows_by("id", [i])[i] for i in ids}
    assert one_by_one == by_id
    assert C.person_rows_by("email", [None, ""]) == {}


def test_records_named_by_few_keys_or_by_more_keys_than_rows_are_found_alike(db):
    """models_where_in: looked up by key, or (at least as many keys as rows) every row's key
    read once; an empty table found empty without a look-up per key."""
    from ittdesk.models import Enrolment
    from ittdesk.services.programmes import cohorts, enrolments, programmes

    assert C.models_where_in(Enrolment, "trainee_id", [f"T{i}" for i in range(1200)]) == []
    ids = _add_people()
    programme = programmes.create({"name": "PGCE Primary", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "2025", "academic_year": "2025/26"})
    made = [enrolments.create({"person": pid, "cohort": cohort.id, "trainee_id": tid})
            for pid, tid in zip(ids, ("T1", "T2", None), strict=True)]
    few = C.models_where_in(Enrolment, "trainee_id", ["T2"])
    many = C.models_where_in(Enrolment, "trainee_id", ["T1", "T2", "t1", "", None, "T9"])
    assert [e.id for e in few] == [made[1].id]
    assert [e.id for e in many] == [made[0].id, made[1].id]  # by id, as before
    by_person = C.models_where_in(Enrolment, "person", ids + [max(ids) + 1])
    assert [e.person_id for e in by_person] == ids
    assert [e.id for e in C.models_where_in(Enrolment, "person", [ids[2]])] == [made[2].id]
