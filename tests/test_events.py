"""Events (issue 20 item 5): who was invited, came and led; a school's engagement year by year;
the engagement return; attendance from a sign-in sheet; the events CLI."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from ittdesk import db as dbmod
from ittdesk.academic_year import AcademicYear
from ittdesk.cli import main
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry, Event, EventAttendance, Person
from ittdesk.returns import make_filters
from ittdesk.returns.base import get_return
from ittdesk.returns.engagement import school_engagement
from ittdesk.services.events import attendance, events
from ittdesk.services.people import mentor_training, people, roles
from ittdesk.services.programmes import cohorts, enrolments, placements, programmes
from ittdesk.services.schools import schools

SIGN_IN = Path(__file__).parent / "data" / "events" / "sign-in.csv"


def _partnership():
    fern = schools.create({"urn": 812345, "name": "Fernbank Primary School",
                           "partnership_status": "partner", "la_name": "Kirklees"})
    moor = schools.create({"urn": 812346, "name": "Moorside Academy",
                           "partnership_status": "placement", "la_name": "Calderdale"})
    asha = people.create({"first_name": "Asha", "last_name": "Verma",
                          "email": "asha.verma@example.org"})
    ben = people.create({"first_name": "Ben", "last_name": "Okafor"})
    carys = people.create({"first_name": "Carys", "last_name": "Lloyd"})
    roles.create({"person": asha.id, "school": fern.id, "kind": "headteacher",
                  "start_date": date(2019, 9, 1)})
    roles.create({"person": ben.id, "school": moor.id, "kind": "mentor",
                  "start_date": date(2021, 9, 1)})
    roles.create({"person": carys.id, "school": fern.id, "kind": "itt_champion"})
    return fern, moor, asha, ben, carys


def test_a_person_added_to_an_event_takes_the_school_of_their_post_and_leading_means_attending(db):
    fern, _moor, asha, _ben, _carys = _partnership()
    meeting = events.create({"title": "Strategic working group", "kind": "working group",
                             "held_on": "12/11/2025"})
    row = attendance.create({"event": meeting.id, "person": asha.id, "led": "yes"})
    assert (row.school_id, row.invited, row.attended, row.led) == (fern.id, True, True, True)
    entry = AuditEntry.select().where(AuditEntry.entity == "event_attendance").get()
    assert entry.person_id == asha.id


def test_a_person_is_on_an_events_list_once_and_an_erased_person_cannot_be_added(db):
    _fern, _moor, asha, ben, _carys = _partnership()
    meeting = events.create({"title": "Webinar", "kind": "webinar", "held_on": date(2025, 10, 1)})
    attendance.create({"event": meeting.id, "person": asha.id})
    with pytest.raises(ValidationError) as again:
        attendance.create({"event": meeting.id, "person": asha.id})
    assert "already on the event's list" in str(again.value.errors["person"])
    from ittdesk.privacy import erasure

    erasure.erase(ben.id, compact_after=False)
    with pytest.raises(ValidationError) as erased:
        attendance.create({"event": meeting.id, "person": ben.id})
    assert "erased" in erased.value.errors["person"]


def test_add_people_skips_those_already_on_the_list(db):
    _fern, _moor, asha, ben, carys = _partnership()
    meeting = events.create({"title": "Induction", "kind": "induction", "held_on": date(2025, 9, 20)})
    attendance.create({"event": meeting.id, "person": asha.id, "attended": True})
    added = attendance.add_people(meeting.id, [asha.id, ben.id, carys.id, ben.id])
    assert sorted(a.person_id for a in added) == sorted([ben.id, carys.id])
    assert EventAttendance.select().where(EventAttendance.event == meeting.id).count() == 3
    assert EventAttendance.get(EventAttendance.person == asha.id).attended is True


def test_deleting_an_event_deletes_and_audits_its_list(db):
    _fern, _moor, asha, _ben, _carys = _partnership()
    meeting = events.create({"title": "Conference", "kind": "conference", "held_on": date(2026, 3, 3)})
    row = attendance.create({"event": meeting.id, "person": asha.id})
    events.delete(meeting.id)
    assert not Event.select().exists() and not EventAttendance.select().exists()
    deleted = {(e.entity, e.entity_id) for e in AuditEntry.select().where(AuditEntry.action == "delete")}
    assert deleted == {("event", meeting.id), ("event_attendance", row.id)}


def test_undoing_an_events_delete_brings_back_its_list_but_not_rows_removed_before(db):
    """Seen in a real window: Delete then Ctrl+Z brought the event back with nobody on it."""
    _fern, _moor, asha, ben, carys = _partnership()
    meeting = events.create({"title": "Induction", "kind": "induction", "held_on": date(2026, 9, 15)})
    came = attendance.create({"event": meeting.id, "person": asha.id, "attended": True})
    led = attendance.create({"event": meeting.id, "person": ben.id, "led": True})
    gone = attendance.create({"event": meeting.id, "person": carys.id})
    attendance.delete(gone.id)  # taken off the list by hand before the event was deleted
    entry = events.delete(meeting.id)
    assert not EventAttendance.select().exists()
    events.undo_delete(entry)
    back = {(r.id, r.person_id, r.attended, r.led) for r in EventAttendance.select()}
    assert back == {(came.id, asha.id, True, False), (led.id, ben.id, True, True)}
    restored = {(e.entity, e.entity_id) for e in AuditEntry.select().where(AuditEntry.action == "restore")}
    assert restored == {("event", meeting.id), ("event_attendance", came.id),
                        ("event_attendance", led.id)}


def test_undoing_an_events_delete_is_all_or_nothing(db):
    _fern, _moor, asha, _ben, _carys = _partnership()
    meeting = events.create({"title": "Webinar", "kind": "webinar", "held_on": date(2026, 1, 9)})
    attendance.create({"event": meeting.id, "person": asha.id})
    entry = events.delete(meeting.id)
    roles.delete(next(iter(asha.roles)).id)
    people.delete(asha.id)  # nobody could be on the list again
    with pytest.raises(RefusedError, match="Cannot undo"):
        events.undo_delete(entry)
    assert not Event.select().exists() and not EventAttendance.select().exists()


def test_a_person_on_an_events_list_cannot_be_deleted(db):
    _fern, _moor, _asha, _ben, carys = _partnership()
    meeting = events.create({"title": "Webinar", "kind": "webinar", "held_on": date(2025, 10, 1)})
    attendance.create({"event": meeting.id, "person": carys.id})
    roles.delete(next(iter(carys.roles)).id)
    with pytest.raises(RefusedError, match="place on an event's list"):
        people.delete(carys.id)


def _engagement_seed():
    fern, moor, asha, ben, carys = _partnership()
    programme = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "C6", "academic_year": "2025/26"})
    for n, kind in enumerate(("main", "itap", "itap")):
        trainee = people.create({"first_name": f"Trainee{n}", "last_name": "Hall"})
        enrolment = enrolments.create({"person": trainee.id, "cohort": cohort.id, "status": "enrolled"})
        placements.create({"enrolment": enrolment.id, "school": fern.id, "kind": kind,
                           "start_date": date(2025, 10, 1 + n), "end_date": date(2025, 10, 20)})
    mentor_training.create({"person": ben.id, "kind": "initial", "completed_on": date(2025, 11, 1)})
    group1 = events.create({"title": "Working group 1", "kind": "working_group",
                            "held_on": date(2025, 11, 12)})
    group2 = events.create({"title": "Working group 2", "kind": "working_group",
                            "held_on": date(2026, 2, 11)})
    session = events.create({"title": "Behaviour training", "kind": "training",
                             "held_on": date(2026, 1, 14)})
    older = events.create({"title": "Working group 2024", "kind": "working_group",
                           "held_on": date(2025, 3, 5)})
    attendance.create({"event": group1.id, "person": asha.id, "attended": True})
    attendance.create({"event": group2.id, "person": carys.id, "attended": True})
    attendance.create({"event": group2.id, "person": asha.id, "attended": False})  # invited only
    attendance.create({"event": session.id, "person": carys.id, "led": True})
    attendance.create({"event": older.id, "person": asha.id, "attended": True})
    return fern, moor


def test_a_schools_engagement_is_shown_year_by_year(db):
    fern, moor = _engagement_seed()
    years = school_engagement(fern.id)
    assert [str(y.year) for y in years] == ["2025/26", "2024/25"]
    now, before = years
    assert (now.trainees, now.itap, now.leaders, now.working_group, now.working_group_held) == (
        1, 2, ["Carys Lloyd"], 2, 2)
    assert (before.trainees, before.working_group, before.working_group_held) == (0, 1, 1)
    moor_now = school_engagement(moor.id)
    assert [(str(y.year), y.mentors_trained) for y in moor_now] == [("2025/26", 1)]


def test_the_engagement_return_lists_every_partner_school_for_the_year(db, tmp_path):
    fern, moor = _engagement_seed()
    schools.create({"urn": 812399, "name": "Not a partner", "partnership_status": "prospective"})
    data = get_return("engagement").build(make_filters("2025/26"))
    heads = [c.heading for c in data.columns]
    rows = {r[0]: dict(zip(heads, r, strict=True)) for r in data.rows}
    assert set(rows) == {"Fernbank Primary School", "Moorside Academy"}
    fern_row = rows["Fernbank Primary School"]
    assert (fern_row["Trainees hosted"], fern_row["ITaP hosted"], fern_row["Who led"],
            fern_row["Working group meetings attended"], fern_row["Working group meetings held"]) == (
        1, 2, "Carys Lloyd", 2, 2)
    assert rows["Moorside Academy"]["Mentors trained"] == 1


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "cli.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    _engagement_seed()
    dbmod.close_database()
    return path


def test_cli_exports_the_engagement_return(dbfile, tmp_path, capsys):
    out = tmp_path / "engagement.xlsx"
    assert main(["--db", str(dbfile), "export", "engagement", str(out), "--year", "2025/26"]) == 0
    assert "2 rows written" in capsys.readouterr().out
    book = CalamineWorkbook.from_path(str(out))
    cells = [c for row in book.get_sheet_by_index(0).to_python() for c in row]
    assert "Fernbank Primary School" in cells and "Carys Lloyd" in cells


def test_cli_adds_an_event_puts_people_on_it_and_lists_it(dbfile, capsys):
    assert main(["--db", str(dbfile), "events", "add", "Mentor conference", "--kind", "conference",
                 "--date", "02/07/2026", "--where", "Town hall"]) == 0
    event_id = int(capsys.readouterr().out.split("#")[1].split()[0])
    assert main(["--db", str(dbfile), "events", "attend", str(event_id),
                 "asha.verma@example.org", "--led"]) == 0
    capsys.readouterr()
    assert main(["--db", str(dbfile), "events", "list", "--year", "2025/26"]) == 0
    listed = capsys.readouterr().out
    assert "Mentor conference" in listed and "1 came of 1 invited, led by Asha Verma" in listed


def test_cli_an_unknown_kind_of_event_is_a_usage_error_in_one_line(dbfile, capsys):
    assert main(["--db", str(dbfile), "events", "add", "X", "--kind", "party",
                 "--date", "01/01/2026"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("'party' is not a kind of event (use working_group, training, webinar, "
                        "induction, conference, other)") and "\n" not in err


def test_cli_refuses_an_unknown_person_and_changes_nothing(dbfile, capsys):
    assert main(["--db", str(dbfile), "events", "attend", "1", "nobody@example.org"]) == 1
    err = capsys.readouterr().err
    assert "No person with id or email 'nobody@example.org'" in err and "Traceback" not in err


def _attendance_of(path, title):
    dbmod.open_database(path, daily_backup=False)
    try:
        event = Event.get(Event.title == title)
        return {(a.person.last_name, a.attended, a.led, a.school.name if a.school_id else None)
                for a in EventAttendance.select().where(EventAttendance.event == event)}
    finally:
        dbmod.close_database()


def test_a_sign_in_sheet_imports_attendance_matched_by_email_name_and_school(dbfile, tmp_path, capsys):
    sheet = shutil.copy(SIGN_IN, tmp_path / "sign-in.csv")
    args = ["--db", str(dbfile), "import", "attendance", str(sheet), "--event", "1",
            "--accept-mapping"]
    assert main(args) == 1  # Dan Noone is not in ITT Desk: nothing imported
    out = capsys.readouterr()
    assert "no person dan.noone@example.org in ITT Desk" in out.out
    assert _attendance_of(dbfile, "Working group 1") == {("Verma", True, False, "Fernbank Primary School")}

    assert main(args + ["--skip-invalid"]) == 0
    assert _attendance_of(dbfile, "Working group 1") == {
        ("Verma", True, True, "Fernbank Primary School"),
        ("Okafor", True, False, "Moorside Academy"),
        ("Lloyd", True, False, "Fernbank Primary School")}


def test_the_attendance_import_needs_an_event(dbfile, tmp_path, capsys):
    sheet = shutil.copy(SIGN_IN, tmp_path / "sign-in.csv")
    assert main(["--db", str(dbfile), "import", "attendance", str(sheet), "--event", "99",
                 "--accept-mapping"]) == 1
    assert "There is no event #99" in capsys.readouterr().err
    assert main(["--db", str(dbfile), "import", "attendance", str(sheet)]) == 2


def test_engagement_academic_year_of_an_event_follows_september(db):
    fern, _moor, asha, _ben, _carys = _partnership()
    late = events.create({"title": "Summer", "kind": "working_group", "held_on": date(2026, 8, 31)})
    early = events.create({"title": "Autumn", "kind": "working_group", "held_on": date(2026, 9, 1)})
    attendance.add_people(late.id, [asha.id], attended=True)
    attendance.add_people(early.id, [asha.id], attended=True)
    assert [(y.year, y.working_group) for y in school_engagement(fern.id)] == [
        (AcademicYear.parse("2026/27"), 1), (AcademicYear.parse("2025/26"), 1)]


def test_the_full_export_carries_events_and_an_older_export_without_them_still_reads(db, tmp_path):
    from openpyxl import load_workbook

    from ittdesk.returns.full_export import export_all
    from ittdesk.returns.full_import import restore_export

    _engagement_seed()
    people.update(Person.get(Person.last_name == "Verma").id, {"no_newsletters": True})
    written = export_all(tmp_path / "all.xlsx")
    assert (written["Events"], written["Event attendance"]) == (4, 5)
    book = load_workbook(tmp_path / "all.xlsx")
    del book["Events"], book["Event attendance"]
    book.save(tmp_path / "older.xlsx")
    dbmod.close_database()
    dbmod.open_database(tmp_path / "copy.sqlite3", daily_backup=False)
    added = restore_export(tmp_path / "all.xlsx")
    assert (added["Events"], added["Event attendance"]) == (4, 5)
    assert Person.get(Person.last_name == "Verma").no_newsletters is True
    assert EventAttendance.select().where(EventAttendance.led).get().person.last_name == "Lloyd"
    dbmod.close_database()
    dbmod.open_database(tmp_path / "older.sqlite3", daily_backup=False)
    assert restore_export(tmp_path / "older.xlsx")["Events"] == 0


def test_a_people_import_reads_no_newsletters(db, tmp_path):
    from ittdesk.spreadsheets import importing

    sheet = tmp_path / "people.csv"
    sheet.write_text("First name,Last name,Email,No newsletters\n"
                     "Asha,Verma,asha@example.org,yes\nBen,Okafor,ben@example.org,\n",
                     encoding="utf-8")
    source = importing.load_source(sheet, "people")
    try:
        importing.apply_plan(importing.plan_import(source))
    finally:
        source.book.close()
    assert {p.email: p.no_newsletters for p in Person.select()} == {
        "asha@example.org": True, "ben@example.org": False}


def test_an_events_history_includes_its_attendance_and_a_school_on_a_list_is_not_deleted(db):
    from ittdesk.privacy.audit_query import has_related, history

    fern, _moor, asha, _ben, _carys = _partnership()
    meeting = events.create({"title": "Working group", "kind": "working_group",
                             "held_on": date(2025, 11, 12)})
    row = attendance.create({"event": meeting.id, "person": asha.id})
    attendance.set_flags(row.id, attended=True)
    assert has_related("event")
    lines = [e.line() for e in history("event", meeting.id)[0]]
    assert any("event attendance" in line and "Attended: no -> yes" in line for line in lines), lines
    with pytest.raises(RefusedError, match="1 place on an event's list"):
        schools.delete(fern.id)


def test_engagement_for_tens_of_thousands_of_schools_is_not_one_sql_parameter_each(db):
    from ittdesk.returns.engagement import engagement

    fern, moor = _engagement_seed()
    found = engagement(list(range(1, 40001)), AcademicYear.parse("2025/26"))
    assert set(found) == {fern.id, moor.id}
    assert found[fern.id]["2025/26"].itap == 2


def test_one_schools_engagement_counts_as_when_every_school_is_counted(db):
    """The school editor asks for one school, whose queries read only its rows: a mentor's
    training without a school still goes to the school of their current mentor post, not to
    an earlier post's school, exactly as in the whole partnership's count."""
    from ittdesk.returns.engagement import engagement

    fern, moor = _engagement_seed()
    ben = people.get(next(iter(moor.roles)).person_id)
    roles.create({"person": ben.id, "school": fern.id, "kind": "mentor",
                  "start_date": date(2018, 9, 1), "end_date": date(2021, 8, 31)})
    every = engagement()
    for school in (fern, moor):
        assert repr(engagement([school.id])) == repr({school.id: every[school.id]})
    assert every[moor.id]["2025/26"].mentors_trained == 1
    assert every[fern.id]["2025/26"].mentors_trained == 0


def test_the_demo_partnership_has_working_groups_and_a_session_led_by_a_school_leader(demo_db):
    kinds = {e.kind for e in Event.select()}
    assert {"working_group", "training", "webinar", "induction"} <= kinds
    led = EventAttendance.select().where(EventAttendance.led).get()
    assert led.event.kind == "training" and led.school_id is not None and led.attended


def test_the_subject_access_export_says_whether_the_person_asked_for_no_newsletters(db, tmp_path):
    from ittdesk.privacy import sar

    _fern, _moor, asha, _ben, _carys = _partnership()
    people.update(asha.id, {"no_newsletters": True})
    data, _path = sar.export(asha.id, tmp_path / "sar.xlsx")
    sheet = data.sheet("Person")
    assert dict(zip(sheet.headers, sheet.rows[0], strict=True))["No newsletters"] == "yes"
