"""Issue 19, item 1's remaining write paths: a delete from a list, an agreement's parts, its
status steps, the cohort's bulk status change and an event's ticks each pass the version the
user saw, and a record another user changed meanwhile is refused naming who and when
("changed by X at HH:MM since you opened it"), never overwritten or deleted unseen. The
audit's "who" names the computer too."""

from __future__ import annotations

import agreement_factory as make
import pytest

from ittdesk import audit, clock, presence
from ittdesk.errors import ConflictError, RefusedError
from ittdesk.models import AgreementParty, Enrolment, School, SupportAgreement
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import PartEdit, parties, save_agreement
from ittdesk.services.events import attendance, events
from ittdesk.services.people import people
from ittdesk.services.programmes import cohorts, enrolments, programmes
from ittdesk.services.schools import schools


def test_the_audit_names_the_user_and_the_computer(db):
    school = schools.create({"urn": "100001", "name": "Hillside Primary"})
    entry = audit.record("school", school.id, "update", {"phone": [None, "1"]})
    assert entry.user.startswith(f"{presence.os_user()}@{presence.computer()}")
    with pytest.raises(ConflictError) as exc:
        schools.update(school.id, {"phone": "2"})  # version 1 -> 2, by "another" user
        schools.update(school.id, {"phone": "3"}, expected_version=1)
    assert f"by {presence.os_user()}@{presence.computer()}" in str(exc.value)


def test_versions_lists_what_each_record_has_now(db):
    one = schools.create({"urn": "100001", "name": "Hillside Primary"})
    two = schools.create({"urn": "100002", "name": "Moorside Primary"})
    schools.update(two.id, {"phone": "1"})
    assert schools.versions([one.id, two.id, 999]) == {one.id: 1, two.id: 2}


def test_a_list_delete_of_a_record_changed_since_the_question_is_refused(db):
    from ui.views.list_actions import delete_each, seen_for_delete

    school = schools.create({"urn": "100001", "name": "Hillside Primary"})
    what, versions = seen_for_delete(schools, [school.id])
    assert what == schools.describe(school) and versions == {school.id: 1}
    schools.update(school.id, {"name": "Hillside Primary Academy"})  # another user, meanwhile
    entries, refused = delete_each(schools, [school.id], versions)
    assert entries == [] and len(refused) == 1
    assert "was not deleted: it was changed by " in refused[0]
    assert "since you opened it (Name)" in refused[0]
    assert School.get_by_id(school.id).name == "Hillside Primary Academy"
    entries, refused = delete_each(schools, [school.id], schools.versions([school.id]))
    assert len(entries) == 1 and refused == [] and not School.select().exists()


def test_a_part_changed_by_another_user_is_not_overwritten_by_the_agreement_save(db):
    built = make.agreement()
    party = built.supporting
    seen = PartEdit({"role": party.role, "school": party.school_id, "contact": party.contact_id,
                     "responsibilities": "Weekly coaching"}, party.id, version=party.version)
    parties.update(party.id, {"responsibilities": "Fortnightly visits"})  # the other user
    with pytest.raises(ConflictError) as exc:
        save_agreement(built.agreement.id, {"title": "Renamed"}, {"parties": [seen]})
    assert exc.value.entity == "agreement_party" and "Responsibilities" in str(exc.value)
    assert AgreementParty.get_by_id(party.id).responsibilities == "Fortnightly visits"
    assert SupportAgreement.get_by_id(built.agreement.id).title == "Improving early reading"


def test_a_part_changed_in_another_field_merges(db):
    built = make.agreement()
    party = built.supporting
    seen = PartEdit({"role": party.role, "school": party.school_id, "contact": party.contact_id,
                     "responsibilities": "Weekly coaching"}, party.id, version=party.version)
    other = make.person("Other", "Contact")
    parties.update(party.id, {"contact": other.id})  # the other user, another field
    save_agreement(built.agreement.id, {}, {"parties": [seen]})
    saved = AgreementParty.get_by_id(party.id)
    assert (saved.contact_id, saved.responsibilities) == (other.id, "Weekly coaching")


def test_a_part_removed_after_another_user_changed_it_is_kept(db):
    built = make.agreement()
    party = built.lead
    parties.update(party.id, {"responsibilities": "Chairs the reviews"})  # the other user
    with pytest.raises(ConflictError) as exc:
        save_agreement(built.agreement.id, {}, {}, {"parties": [party.id]},
                       removed_versions={"parties": {party.id: party.version}})
    assert "was not deleted: it was changed by" in str(exc.value)
    assert AgreementParty.get_or_none(AgreementParty.id == party.id) is not None


def test_a_status_step_on_an_agreement_changed_since_it_was_opened_is_refused(db):
    built = make.agreement()
    seen = built.agreement.version
    from ittdesk.services.agreements import agreements

    agreements.update(built.agreement.id, {"notes": "Called the head"})  # the other user
    with pytest.raises(ConflictError) as exc:
        lifecycle.change_status(built.agreement.id, "agreed", expected_version=seen)
    assert str(exc.value).startswith(f"{built.agreement.reference} was not agreed: it was "
                                     "changed by ")
    assert "since you opened it" in str(exc.value)
    assert SupportAgreement.get_by_id(built.agreement.id).status == "draft"
    now = SupportAgreement.get_by_id(built.agreement.id).version
    moved = lifecycle.change_status(built.agreement.id, "agreed", expected_version=now)
    assert moved.status == "agreed" and moved.version == now + 1
    assert SupportAgreement.get_by_id(built.agreement.id).version == now + 1


def test_a_reopen_of_an_agreement_changed_since_it_was_opened_is_refused(db):
    built = make.agreement()
    lifecycle.change_status(built.agreement.id, "withdrawn", reason="School closed")
    seen = SupportAgreement.get_by_id(built.agreement.id).version
    from ittdesk.services.agreements import agreements

    agreements.update(built.agreement.id, {"notes": "Filed"})  # the other user
    with pytest.raises(ConflictError, match="was not reopened: it was changed by"):
        lifecycle.reopen(built.agreement.id, "Reopened by mistake", expected_version=seen)
    assert SupportAgreement.get_by_id(built.agreement.id).status == "withdrawn"


def _cohort_with_two():
    programme = programmes.create({"name": "School Direct", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "2025 cohort",
                             "academic_year": "2025/26"})
    made = []
    for name in ("Ivy", "Leo"):
        trainee = people.create({"first_name": name, "last_name": "Lumb"})
        made.append(enrolments.create({"person": trainee.id, "cohort": cohort.id,
                                       "status": "enrolled"}))
    return made


def test_the_cohort_bulk_status_change_refuses_all_when_one_changed_meanwhile(db):
    from ittdesk.services.programmes import enrolments

    made = _cohort_with_two()
    versions = enrolments.versions([e.id for e in made])
    enrolments.update(made[1].id, {"status": "deferred"})  # the other user
    with pytest.raises(RefusedError) as exc:
        enrolments.set_statuses([e.id for e in made], "withdrawn", clock.today(), versions)
    assert "Leo Lumb: the enrolment was changed by " in str(exc.value)
    assert "since you chose it" in str(exc.value)
    assert [e.status for e in Enrolment.select().order_by(Enrolment.id)] == ["enrolled", "deferred"]
    assert enrolments.set_statuses([e.id for e in made], "withdrawn", clock.today(),
                      enrolments.versions([e.id for e in made])) == 2


def test_an_attendance_tick_from_an_older_view_keeps_the_other_users_tick(db):
    # A tick is yes/no: two users ticking one box from the same view make the same change,
    # so it never conflicts; what must not happen is the older view undoing the other tick.
    event = events.create({"title": "Mentor update", "kind": "webinar",
                           "held_on": "01/10/2025"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    row = attendance.add_people(event.id, [person.id])[0]
    attendance.set_flags(row.id, attended=True)  # the other user ticks "came"
    merged = attendance.set_flags(row.id, expected_version=row.version, invited=False)
    assert (merged.attended, merged.invited, merged.version) == (True, False, row.version + 2)
