"""Leadership history per school, the Home-page gap query, hosting appetite, round bookkeeping
and the schema step that adds the round tables — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from ittdesk import backup, migrations
from ittdesk import db as dbmod
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.leadership import rounds
from ittdesk.leadership.appetite import appetites, describe_appetite, offers_text
from ittdesk.leadership.history import holder_on, schools_without_head_or_champion, timeline
from ittdesk.models import (
    ConfirmationRound,
    HostingAppetite,
    HostingOffer,
    RoundSchool,
    SchemaVersion,
    School,
)
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools


def _school(urn=123456, name="Fernbank Primary School", status="partner"):
    return schools.create({"urn": urn, "name": name, "partnership_status": status,
                           "phase": "primary"})


def _person(first, last):
    return people.create({"first_name": first, "last_name": last,
                          "email": f"{first}.{last}@example.org".lower()})


def test_timeline_keeps_every_head_in_order_and_answers_who_was_head_when(db):
    school = _school()
    first, second, third = _person("Ann", "Ashworth"), _person("Ben", "Bramley"), _person("Cat", "Calder")
    roles.create({"person": first.id, "school": school.id, "kind": "headteacher",
                  "start_date": date(2015, 9, 1)})
    roles.change_holder(school.id, "headteacher", second.id, date(2019, 1, 7))
    roles.change_holder(school.id, "headteacher", third.id, date(2024, 9, 1))
    roles.create({"person": first.id, "school": school.id, "kind": "itt_champion",
                  "start_date": date(2020, 9, 1)})
    entries = timeline(school)
    assert [(e.post, e.person, e.start, e.end) for e in entries] == [
        ("Headteacher", "Ann Ashworth", date(2015, 9, 1), date(2019, 1, 6)),
        ("Headteacher", "Ben Bramley", date(2019, 1, 7), date(2024, 8, 31)),
        ("Headteacher", "Cat Calder", date(2024, 9, 1), None),
        ("ITT champion", "Ann Ashworth", date(2020, 9, 1), None),
    ]
    assert holder_on(school, "headteacher", date(2020, 3, 1)).person == "Ben Bramley"
    assert holder_on(school, "headteacher", date(2010, 1, 1)) is None


def test_schools_without_a_head_or_champion_are_listed_with_what_is_missing(db):
    complete, no_champion, nothing = (_school(100001, "Complete"), _school(100002, "No champion"),
                                      _school(100003, "Nothing"))
    _school(100004, "Not a partner", status="prospective")
    closed = _school(100005, "Closed partner")
    schools.update(closed.id, {"status": "closed"})
    head, champ, head2 = _person("Ann", "A"), _person("Ben", "B"), _person("Cat", "C")
    roles.create({"person": head.id, "school": complete.id, "kind": "executive_headteacher"})
    roles.create({"person": champ.id, "school": complete.id, "kind": "itt_champion"})
    roles.create({"person": head2.id, "school": no_champion.id, "kind": "headteacher"})
    left = roles.create({"person": champ.id, "school": no_champion.id, "kind": "itt_champion",
                         "start_date": date(2020, 1, 1)})
    roles.end(left.id, date(2024, 7, 31))
    gaps = {g.name: g.missing for g in schools_without_head_or_champion()}
    assert gaps == {"No champion": ("itt_champion",), "Nothing": ("headteacher", "itt_champion")}
    assert nothing.id in {g.school_id for g in schools_without_head_or_champion()}


def test_hosting_appetite_is_one_record_per_year_with_offers_replaced(db):
    school = _school()
    appetites.record(school.id, "2026/27", {"appetite": "interested", "mentors_available": 2},
                     [("Key stage 1", 1), ("Key stage 2", "2"), ("Other", "")])
    record = appetites.record(school.id, "2026/27", {"appetite": "Not open",
                                                     "reason": "Not enough trained mentors"},
                              [("Key stage 2", 0)])
    assert HostingAppetite.select().count() == 1
    assert (record.appetite, record.reason) == ("not_open", "mentors")
    assert offers_text(record) == "" and HostingOffer.select().count() == 0
    assert describe_appetite(record).startswith("Not open to hosting this year; because: Not enough")
    with pytest.raises(ValidationError) as caught:
        appetites.record(school.id, "2026/27", {"appetite": "perhaps"})
    assert "not a hosting appetite" in caught.value.errors["appetite"]
    with pytest.raises(ValidationError):
        appetites.record(school.id, "2026/27", {"appetite": "interested"}, [("KS1", "lots")])


def test_a_round_starts_once_per_year_over_the_chosen_statuses(db):
    partner, placement = _school(100001, "P1"), _school(100002, "P2", status="placement")
    _school(100003, "Prospect", status="prospective")
    round_ = rounds.start_round("2026/27", return_by=date(2026, 10, 16))
    assert {e.school_id for e in rounds.entries(round_)} == {partner.id, placement.id}
    with pytest.raises(RefusedError, match="already been started"):
        rounds.start_round("2026-2027")
    late = _school(100004, "Late joiner")
    assert rounds.add_schools(round_) == 1 and rounds.add_schools(round_) == 0
    assert late.id in {e.school_id for e in rounds.entries(round_)}
    status = rounds.status(round_)
    assert (status.total, status.written, status.sent, status.not_sent) == (3, 0, 0, 3)
    assert status.summary() == ("2026/27: 3 schools, 0 confirmed, 3 not confirmed "
                                "(3 with no form yet)")
    with pytest.raises(ValidationError):
        rounds.parse_statuses("partner,cousins")
    assert rounds.parse_statuses("Placement school, partner") == ("placement", "partner")


def test_a_round_with_no_schools_is_refused(db):
    with pytest.raises(RefusedError, match="No schools"):
        rounds.start_round("2026/27")
    assert ConfirmationRound.select().count() == 0


def test_a_version_1_database_is_upgraded_to_2_keeping_rows_after_a_backup(sqlite_db):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    database = dbmod.database.obj
    database.drop_tables([HostingOffer, HostingAppetite, RoundSchool, ConfirmationRound])
    SchemaVersion.update(version=1).execute()
    assert migrations.current_version() == 1
    dbmod.close_database()

    dbmod.open_database(sqlite_db.path, daily_backup=False)

    assert migrations.current_version() == migrations.latest() >= 2
    assert [s.name for s in School.select()] == ["Fernbank Primary School"]
    tables = set(dbmod.database.obj.get_tables())
    assert {"confirmation_round", "round_school", "hosting_appetite", "hosting_offer"} <= tables
    names = [p.name for p in backup.automatic_backups(sqlite_db)]
    assert any(f"before-migration-1-to-{migrations.latest()}" in n for n in names)
    rounds.start_round("2026/27", [School.get().id])  # the new tables work


def test_a_returned_form_is_collected_and_applied_on_every_backend(db, tmp_path):
    from test_leadership_forms import fill_form

    from ittdesk.leadership import collect, sending
    from ittdesk.services.people import current_roles

    school = _school()
    head, champion = _person("Ann", "Ashworth"), _person("Ben", "Bramley")
    roles.create({"person": head.id, "school": school.id, "kind": "headteacher",
                  "start_date": date(2015, 9, 1)})
    roles.create({"person": champion.id, "school": school.id, "kind": "itt_champion",
                  "start_date": date(2020, 9, 1)})
    round_ = rounds.start_round("2026/27")
    path = sending.generate_forms(round_, tmp_path).written[0]
    fill_form(path, people={"Ann Ashworth": ("No - has left this post", date(2026, 8, 31)),
                            "Ben Bramley": ("No - details changed", "ben.b@example.org")},
              new=[("Headteacher", "Dr", "Cat", "Calder", "cat.calder@example.org",
                    date(2026, 9, 1))],
              appetite="Interested", offers={"Key stage 1 (Years 1-2)": 2},
              completed=("Dee Office", "Office manager", date(2026, 9, 15)))
    found = collect.collect([tmp_path], round_)
    assert found.refused == [] and len(found.returns) == 1
    collect.apply(found.returns[0], today=date(2026, 9, 20))
    heads = [(e.person, e.start, e.end) for e in timeline(school, ("headteacher",))]
    assert heads == [("Ann Ashworth", date(2015, 9, 1), date(2026, 8, 31)),
                     ("Cat Calder", date(2026, 9, 1), None)]
    assert [r.person.email for r in current_roles(school, ("itt_champion",))] == ["ben.b@example.org"]
    record = appetites.for_year(school, "2026/27")
    assert record.appetite == "interested" and offers_text(record) == "Key stage 1 (Years 1-2): 2"
    entry = rounds.entry_for(round_, school)
    assert (entry.returned_on, entry.confirmed_on, entry.completed_by) == (
        date(2026, 9, 20), date(2026, 9, 20), "Dee Office, Office manager")
    assert School.get_by_id(school.id).leadership_confirmed_on == date(2026, 9, 20)


def test_a_school_with_no_one_on_record_gets_a_form_and_its_new_team_is_recorded(db, tmp_path):
    from openpyxl import load_workbook
    from test_leadership_forms import fill_form

    from ittdesk.leadership import collect, sending

    school = schools.create({"urn": 123457, "name": "=HYPERLINK(\"http://x\")", "phase": "special",
                             "partnership_status": "placement"})
    round_ = rounds.start_round("2026/27")
    path = sending.generate_forms(round_, tmp_path).written[0]
    ws = load_workbook(path)["Leadership form"]
    name_cell = next(c for row in ws.iter_rows() for c in row if c.value == school.name)
    assert name_cell.data_type == "s"  # typed text never becomes a live formula
    fill_form(path, new=[("Headteacher", None, "Ann", "Ashworth", None, "01/09/2026"),
                         ("ITT champion", "Mr", "Ben", "Bramley", "ben@example.org", None)],
              offers={"Any phase": 1}, appetite="Actively looking",
              completed=("Ann Ashworth", "Head", date(2026, 9, 10)))
    ret = collect.collect([path], round_).returns[0]
    collect.apply(ret)
    assert [(e.post, e.person, e.start) for e in timeline(school)] == [
        ("Headteacher", "Ann Ashworth", date(2026, 9, 1)),
        ("ITT champion", "Ben Bramley", date(2026, 9, 10))]
    assert schools_without_head_or_champion() == []
