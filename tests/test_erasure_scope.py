"""Erasure removes the person's own values and nothing of anyone else's: other records that
mention them are listed for review, never rewritten; an erased person stays erased."""

from __future__ import annotations

import json

import pytest

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.errors import ValidationError
from ittdesk.models import AuditEntry, Person, School
from ittdesk.privacy import erasure
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools

SWITCHBOARD = "01632 960123"
SCHOOL_NAME = "Thomas Moore Catholic Primary School"
GOVERNOR_NOTE = "Mr Moore (Peter) is our governor"


def _thomas_moore():
    """The case from the issue: a head named like his school, sharing its switchboard number
    with a colleague, and another person's note about a different Mr Moore."""
    school = schools.create({"urn": 812345, "name": SCHOOL_NAME, "phone": SWITCHBOARD})
    head = people.create({"title": "Mr", "first_name": "Thomas", "last_name": "Moore",
                          "email": "t.moore@example.org", "phone": SWITCHBOARD,
                          "notes": "Head since 2019."})
    colleague = people.create({"first_name": "Sarah", "last_name": "Finch", "phone": SWITCHBOARD})
    clerk = people.create({"first_name": "Joan", "last_name": "Able", "notes": GOVERNOR_NOTE})
    roles.create({"person": head.id, "school": school.id, "kind": "headteacher",
                  "job_title": f"Head of {SCHOOL_NAME}"})
    return school, head, colleague, clerk


def _history_of_others(head_id: int) -> list[tuple]:
    return list(AuditEntry.select().where(
        (AuditEntry.person_id != head_id) | AuditEntry.person_id.is_null())
        .where(~((AuditEntry.entity == "person") & (AuditEntry.entity_id == head_id)))
        .order_by(AuditEntry.id).tuples())


def test_erasing_thomas_moore_leaves_the_school_the_shared_phone_and_the_note_alone(db):
    school, head, colleague, clerk = _thomas_moore()
    history = _history_of_others(head.id)

    result = erasure.erase(head.id, compact_after=False)

    kept = School.get_by_id(school.id)
    assert (kept.name, kept.phone) == (SCHOOL_NAME, SWITCHBOARD)
    assert Person.get_by_id(colleague.id).phone == SWITCHBOARD
    assert Person.get_by_id(clerk.id).notes == GOVERNOR_NOTE
    erased = Person.get_by_id(head.id)
    assert erased.erased
    assert (erased.title, erased.email, erased.phone, erased.notes) == (None, None, None, None)
    # The history of the school, the colleague and the clerk is theirs: untouched.
    assert _history_of_others(head.id) == history
    # His own history lost his values.
    created = AuditEntry.get((AuditEntry.entity == "person") & (AuditEntry.entity_id == head.id)
                             & (AuditEntry.action == "create"))
    assert json.loads(created.changes)["phone"] == [None, "[erased]"]
    assert "Thomas" not in created.changes and "t.moore" not in created.changes
    # ... but only his values: his role's job title names the school, on the record and in its
    # history alike.
    role = roles.model.get(roles.model.person == head.id)
    assert role.job_title == f"Head of {SCHOOL_NAME}"
    role_created = AuditEntry.get((AuditEntry.entity == "role") & (AuditEntry.entity_id == role.id))
    assert json.loads(role_created.changes)["job_title"] == [None, f"Head of {SCHOOL_NAME}"]
    # Every mention is listed for review: which record, which field.
    listed = {(m.table, m.record_id, m.field) for m in result.mentions}
    assert listed == {("school", school.id, "name"), ("school", school.id, "phone"),
                      ("person", colleague.id, "phone"), ("person", clerk.id, "notes"),
                      ("role", role.id, "job_title")}


def test_the_plan_lists_the_mentions_with_record_and_field_and_changes_nothing(db):
    school, head, colleague, clerk = _thomas_moore()
    before = list(AuditEntry.select().tuples())

    plan = erasure.plan(head.id)

    text = plan.text()
    assert erasure.MENTIONS_HEADING in text
    assert f'school #{school.id}, name: "{SCHOOL_NAME}"' in text
    assert f'person #{clerk.id}, notes: "{GOVERNOR_NOTE}"' in text
    assert f'person #{colleague.id}, phone: "{SWITCHBOARD}"' in text
    assert not any("Other copies" in line for line in plan.goes)
    assert list(AuditEntry.select().tuples()) == before
    assert School.get_by_id(school.id).name == SCHOOL_NAME


def test_the_cli_listing_without_yes_shows_the_mentions_and_changes_nothing(sqlite_db, capsys):
    school, head, _colleague, _clerk = _thomas_moore()
    dbmod.close_database()

    code = main(["person", "erase", str(head.id), "--db", str(sqlite_db.path)])

    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    assert erasure.MENTIONS_HEADING in out
    assert f'school #{school.id}, name: "{SCHOOL_NAME}"' in out
    assert "Nothing was changed" in out
    dbmod.open_database(sqlite_db.path, daily_backup=False)
    assert not Person.get_by_id(head.id).erased


def test_the_persons_own_agreement_names_go_and_other_peoples_stay(db):
    from ittdesk.models import AgreementActivity, Signature
    from ittdesk.services.agreements import activities, agreements, parties, signatures

    school, head, colleague, _clerk = _thomas_moore()
    agreement = agreements.create({"title": "Reading", "academic_year": "2025/26"})
    party = parties.create({"agreement": agreement.id, "school": school.id, "role": "supported",
                            "contact": head.id})
    his = signatures.create({"agreement": agreement.id, "party": party.id, "person": head.id,
                             "signatory_name": "T. Moore"})
    other_school = schools.create({"urn": 812346, "name": "Moorside Academy"})
    her_party = parties.create({"agreement": agreement.id, "school": other_school.id,
                                "role": "supporting", "contact": colleague.id})
    hers = signatures.create({"agreement": agreement.id, "party": her_party.id, "person": colleague.id,
                              "signatory_name": "S. Finch for Thomas Moore"})
    visit = activities.create({"agreement": agreement.id, "kind": "visit", "person": head.id,
                               "who": "Tom Moore"})
    other_visit = activities.create({"agreement": agreement.id, "kind": "visit",
                                     "person": colleague.id, "who": "Sarah, with Thomas Moore"})

    result = erasure.erase(head.id, compact_after=False)

    assert Signature.get_by_id(his.id).signatory_name == f"erased person #{head.id}"
    assert AgreementActivity.get_by_id(visit.id).who is None
    assert Signature.get_by_id(hers.id).signatory_name == "S. Finch for Thomas Moore"
    assert AgreementActivity.get_by_id(other_visit.id).who == "Sarah, with Thomas Moore"
    listed = {(m.table, m.record_id) for m in result.mentions}
    assert ("signature", hers.id) in listed and ("agreement_activity", other_visit.id) in listed
    assert ("signature", his.id) not in listed


@pytest.mark.parametrize("field, value", [
    ("first_name", "Thomas"), ("last_name", "Moore"), ("title", "Mr"),
    ("email", "t.moore@example.org"), ("phone", SWITCHBOARD), ("trn", "1234567"),
    ("notes", "Back again"),
])
def test_an_erased_person_cannot_be_given_personal_data_again(db, field, value):
    _school, head, _colleague, _clerk = _thomas_moore()
    erasure.erase(head.id, compact_after=False)
    entries = AuditEntry.select().count()

    with pytest.raises(ValidationError) as caught:
        people.update(head.id, {field: value})

    assert field in caught.value.errors
    assert "erased" in caught.value.errors[field]
    assert getattr(Person.get_by_id(head.id), field) in (None, "Erased", f"person #{head.id}")
    assert AuditEntry.select().count() == entries


def test_saving_an_erased_person_unchanged_is_not_refused(db):
    _school, head, _colleague, _clerk = _thomas_moore()
    erasure.erase(head.id, compact_after=False)
    erased = Person.get_by_id(head.id)
    same = {name: getattr(erased, name) for name in
            ("title", "first_name", "last_name", "email", "phone", "trn", "notes")}
    assert people.update(head.id, same).erased


def test_the_cli_erasure_with_yes_names_the_mentions_it_left_alone(sqlite_db, capsys):
    school, head, _colleague, _clerk = _thomas_moore()
    dbmod.close_database()

    code = main(["person", "erase", str(head.id), "--yes", "--db", str(sqlite_db.path)])

    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    assert f"Erased the personal data of person #{head.id}" in out
    assert f'school #{school.id}, name: "{SCHOOL_NAME}"' in out
    dbmod.open_database(sqlite_db.path, daily_backup=False)
    assert Person.get_by_id(head.id).erased
    assert School.get_by_id(school.id).name == SCHOOL_NAME
