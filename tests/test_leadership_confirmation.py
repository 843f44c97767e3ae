"""One definition of "in the round" and "confirmed for the year": Home, the round's status, the
CLI and the page count the same schools; writing a form is not sending it."""

from __future__ import annotations

from datetime import date

import pytest

from ittdesk import clock
from ittdesk import db as dbmod
from ittdesk.academic_year import AcademicYear
from ittdesk.attention import leadership_unconfirmed
from ittdesk.cli import main
from ittdesk.errors import RefusedError
from ittdesk.leadership import confirmation, rounds, sending
from ittdesk.models import AuditEntry, RoundSchool, School
from ittdesk.services.schools import schools

YEAR = "2026/27"  # for the tests that set the day
# The demo is built as of today, so the tests on it start the round of today's academic year.
THIS_YEAR = str(AcademicYear.current())


def _reopen(location):
    dbmod.open_database(location.path, daily_backup=False)


def _unconfirmed_ids(status: rounds.RoundStatus) -> set[int]:
    return {r.school_id for r in status.rows if r.state != "confirmed"}


def test_home_and_the_round_count_the_same_unconfirmed_schools_lead_schools_included(demo_db):
    today = clock.today()
    round_ = rounds.start_round(THIS_YEAR)
    leads = [s.id for s in School.select().where((School.partnership_status == "lead")
                                                 & (School.status == "open"))]
    assert leads and set(leads) <= {e.school_id for e in rounds.entries(round_)}
    entry = next(e for e in rounds.entries(round_) if e.school.leadership_confirmed_on is None)
    schools.update(entry.school_id, {"leadership_confirmed_on": today})  # confirmed by hand
    joined = schools.create({"urn": 990002, "name": "Quarry Bank Academy",
                             "partnership_status": "placement"})  # after the round started

    status = rounds.status(round_)
    home = leadership_unconfirmed(today, limit=10_000)

    assert home.title == f"Schools whose leadership is not confirmed for {THIS_YEAR}"
    assert home.count == status.unconfirmed == len(_unconfirmed_ids(status))
    assert {item.id for item in home.items} == _unconfirmed_ids(status)
    by_id = {r.school_id: r for r in status.rows}
    assert by_id[entry.school_id].state == "confirmed"
    assert by_id[entry.school_id].confirmed_on == today
    assert by_id[joined.id].state == "not added" and not by_id[joined.id].in_round
    confirmed_by_hand = School.select().where(
        School.id.in_(list(by_id)) & School.leadership_confirmed_on.between(
            AcademicYear.parse(THIS_YEAR).start, AcademicYear.parse(THIS_YEAR).end)).count()
    assert confirmed_by_hand > 1 and status.confirmed == confirmed_by_hand
    assert confirmation.counts(AcademicYear.parse(THIS_YEAR)) == (status.total, status.confirmed)


def test_a_round_sent_in_the_summer_confirms_the_coming_year_on_home_too(demo_db, set_today):
    set_today(date(2026, 6, 15))
    round_ = rounds.start_round(YEAR)
    assert confirmation.year_being_confirmed() == AcademicYear.parse(YEAR)
    school = rounds.entries(round_)[0].school
    schools.update(school.id, {"leadership_confirmed_on": date(2026, 6, 20)})
    status = rounds.status(round_)
    home = leadership_unconfirmed(date(2026, 6, 20), limit=10_000)
    assert next(r for r in status.rows if r.school_id == school.id).state == "confirmed"
    assert YEAR in home.title
    assert school.id not in {item.id for item in home.items}
    assert home.count == status.unconfirmed


def test_without_a_round_for_the_coming_year_home_asks_about_the_current_one(demo_db):
    today = date(2026, 12, 7)
    assert confirmation.year_being_confirmed(today) == AcademicYear(2026)
    rounds.start_round("2027/28")
    assert confirmation.year_being_confirmed(today) == AcademicYear(2027)


def test_writing_forms_records_them_as_written_and_nobody_is_chased_until_marked_sent(
        demo_db, tmp_path):
    result = sending.start_and_write(THIS_YEAR, tmp_path / "forms")
    round_ = result.round
    status = rounds.status(round_)
    assert status.written == len(result.written) == len(rounds.entries(round_))
    assert status.sent == 0 and status.outstanding == []
    assert {r.state for r in status.rows} == {"written", "confirmed"}
    assert "form(s) written, not marked sent" in status.summary()

    first, second = (e.school for e in rounds.entries(round_)[:2])
    sent = rounds.mark_sent(round_, [first.urn], on=date(2026, 12, 8))
    assert sent.marked == [first.name] and sent.already == []
    assert rounds.entry_for(round_, first).sent_on == date(2026, 12, 8)
    assert rounds.entry_for(round_, second).sent_on is None
    note = AuditEntry.select().where((AuditEntry.entity == "round_school")
                                     & (AuditEntry.note == "marked as sent")).get()
    assert note.entity_id == rounds.entry_for(round_, first).id

    again = rounds.mark_sent(round_)  # every written form not yet marked
    assert first.name in again.already and len(again.marked) == len(rounds.entries(round_)) - 1
    assert rounds.entry_for(round_, first).sent_on == date(2026, 12, 8)  # kept
    status = rounds.status(round_)
    assert status.sent == status.written
    assert {r.school_id for r in status.outstanding} == _unconfirmed_ids(status)


def test_marking_sent_refuses_the_lot_naming_each_school_it_cannot_mark(demo_db, tmp_path):
    round_ = rounds.start_round(THIS_YEAR)
    entries = rounds.entries(round_)
    sending.generate_forms(round_, tmp_path / "forms", school_ids=[entries[0].school_id])
    outsider = School.select().where(School.id.not_in([e.school_id for e in entries])).first()
    with pytest.raises(RefusedError) as refused:
        rounds.mark_sent(round_, [entries[0].school.urn, entries[1].school.urn, outsider.urn,
                                  "999999"])
    message = str(refused.value)
    assert message.startswith("Nothing marked as sent: ")
    assert f"no form has been written for {entries[1].school.name}" in message
    assert f"{outsider.name} (URN {outsider.urn}) is not in the {THIS_YEAR} round" in message
    assert "no school with URN 999999" in message
    assert RoundSchool.select().where(RoundSchool.sent_on.is_null(False)).count() == 0


@pytest.mark.slow
def test_mark_sent_and_status_from_the_command_line(demo_db, tmp_path, capsys):
    db = ["--db", str(demo_db.path)]
    round_ = rounds.start_round(THIS_YEAR)
    first = rounds.entries(round_)[0].school
    dbmod.close_database()
    assert main(["leadership", "mark-sent", "--year", THIS_YEAR, *db]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"ittdesk: No form has been written for the {THIS_YEAR} round yet: write the "
                   "forms first"]
    assert main(["leadership", "forms", "--year", THIS_YEAR, str(tmp_path / "forms"), *db]) == 0
    capsys.readouterr()
    assert main(["leadership", "mark-sent", "--year", THIS_YEAR, str(first.urn), "--on",
                 "08/12/2026", *db]) == 0
    out = capsys.readouterr().out
    assert f"Marked 1 form(s) as sent for {THIS_YEAR} on 08/12/2026." in out
    assert main(["leadership", "mark-sent", *db]) == 2  # --year is required
    capsys.readouterr()
    assert main(["leadership", "status", "--year", THIS_YEAR, *db]) == 0
    out = capsys.readouterr().out
    assert f"  {first.urn} {first.name} - sent 08/12/2026" in out
    _reopen(demo_db)
    status = rounds.status(rounds.get_round(THIS_YEAR))
    home = leadership_unconfirmed(clock.today(), limit=10)
    assert out.splitlines()[0] == status.summary()
    assert f"{status.unconfirmed} not confirmed" in out and home.count == status.unconfirmed


def test_the_one_definition_holds_on_every_backend(db):
    """The SQL of ``confirmation`` (EXISTS over the round, dates in the window, never-confirmed
    schools kept by NOT) gives the same schools as the round's status on SQLite and PostgreSQL."""
    import leadership_fixture as fx

    round_, school, other = fx.build()  # a round started on 1 June 2026 for 2026/27
    lead = schools.create({"urn": 900902, "name": "Moorside Teaching School Hub",
                           "partnership_status": "lead"})
    schools.create({"urn": 900903, "name": "Former Partner School",
                    "partnership_status": "former"})
    schools.update(other.id, {"leadership_confirmed_on": date(2026, 7, 1)})  # in the window
    schools.update(lead.id, {"leadership_confirmed_on": date(2026, 5, 31)})  # before it
    year = AcademicYear.parse(fx.YEAR)
    status = rounds.status(round_)
    states = {r.school_id: r.state for r in status.rows}
    assert states == {school.id: "written", other.id: "confirmed", lead.id: "not added"}
    assert {s.id for s in confirmation.unconfirmed(year)} == {school.id, lead.id}
    home = leadership_unconfirmed(date(2026, 12, 7), limit=10)
    assert home.count == status.unconfirmed == 2
