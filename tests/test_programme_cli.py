"""``ittdesk programme add|list`` and ``ittdesk cohort add|list``, through main.main: a first
import scripted end to end (schools, a programme and its cohort, then the trainees)."""

from __future__ import annotations

import csv

import pytest

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.models import AuditEntry, Cohort, Enrolment, Programme


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "cli.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    dbmod.close_database()
    return path


def _run(dbfile, *args) -> int:
    return main(["--db", str(dbfile), *args])


def _query(dbfile, fn):
    dbmod.open_database(dbfile, daily_backup=False)
    try:
        return fn()
    finally:
        dbmod.close_database()


def test_programme_add_then_list(dbfile, capsys):
    assert _run(dbfile, "programme", "add", "Primary SCITT", "--kind", "SCITT") == 0
    assert "Added programme #1: Primary SCITT (ITT route)" in capsys.readouterr().out
    assert _run(dbfile, "programme", "list") == 0
    assert capsys.readouterr().out.splitlines() == ["#1  Primary SCITT  (ITT route)  0 cohorts"]
    audit = _query(dbfile, lambda: [(a.entity, a.action) for a in AuditEntry.select()])
    assert ("programme", "create") in audit


def test_a_second_programme_of_the_same_name_is_refused_with_exit_1(dbfile, capsys):
    assert _run(dbfile, "programme", "add", "Primary SCITT", "--kind", "itt") == 0
    capsys.readouterr()
    assert _run(dbfile, "programme", "add", "Primary SCITT", "--kind", "itt") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ittdesk: Programme not added: There is already a programme called 'Primary SCITT'"]
    assert _query(dbfile, lambda: Programme.select().count()) == 1


def test_an_unknown_programme_kind_is_a_usage_error(dbfile, capsys):
    assert _run(dbfile, "programme", "add", "Odd", "--kind", "circus") == 2
    err = capsys.readouterr().err
    assert "'circus' is not a kind of programme" in err and "Traceback" not in err
    assert _query(dbfile, lambda: Programme.select().count()) == 0


def test_cohort_add_by_programme_name_with_year_defaults_and_list(dbfile, capsys):
    _run(dbfile, "programme", "add", "Primary SCITT", "--kind", "itt")
    capsys.readouterr()
    assert _run(dbfile, "cohort", "add", "primary scitt", "2025 intake", "--year", "2025/26",
                "--places", "24") == 0
    assert "Added cohort #1: Primary SCITT / 2025 intake 2025/26 (import trainees into it with " \
           "--cohort 1)" in capsys.readouterr().out
    assert _run(dbfile, "cohort", "list", "--programme", "1") == 0
    assert capsys.readouterr().out.splitlines() == [
        "#1  Primary SCITT / 2025 intake  2025/26  01/09/2025 to 31/08/2026  0 of 24 places taken"]
    assert _run(dbfile, "cohort", "list", "--year", "2024/25") == 0
    assert capsys.readouterr().out.strip() == "No cohorts found."


def test_cohort_for_a_programme_that_does_not_exist_is_refused(dbfile, capsys):
    assert _run(dbfile, "cohort", "add", "Nope", "2025 intake", "--year", "2025/26") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ittdesk: There is no programme 'Nope' ('ittdesk programme list' shows them)"]
    assert _query(dbfile, lambda: Cohort.select().count()) == 0


def test_a_cohort_ending_before_it_starts_is_refused(dbfile, capsys):
    _run(dbfile, "programme", "add", "Primary SCITT", "--kind", "itt")
    capsys.readouterr()
    assert _run(dbfile, "cohort", "add", "1", "Late", "--year", "2025/26", "--start", "01/09/2025",
                "--end", "01/08/2025") == 1
    assert "End date is before the start date" in capsys.readouterr().err
    assert _query(dbfile, lambda: Cohort.select().count()) == 0


def test_a_bad_year_or_date_is_a_usage_error(dbfile, capsys):
    assert _run(dbfile, "cohort", "add", "1", "X", "--year", "next year") == 2
    assert _run(dbfile, "cohort", "add", "1", "X", "--year", "2025/26", "--start", "31/02/2025") == 2
    assert _run(dbfile, "cohort") == 2
    assert _run(dbfile, "programme") == 2


def test_a_first_import_scripted_end_to_end(dbfile, tmp_path, capsys):
    schools = tmp_path / "schools.csv"
    with schools.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["URN", "EstablishmentName"], ["100000", "Fernbank Primary"]])
    trainees = tmp_path / "trainees.csv"
    with trainees.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["Trainee ID", "First name", "Last name", "Email"],
                                  ["T1", "Ada", "Testperson", "ada@example.org"]])
    assert _run(dbfile, "import", "schools", str(schools)) == 0
    assert _run(dbfile, "programme", "add", "Primary SCITT", "--kind", "itt") == 0
    assert _run(dbfile, "cohort", "add", "Primary SCITT", "2025 intake", "--year", "2025/26") == 0
    assert _run(dbfile, "import", "enrolments", str(trainees), "--cohort", "1") == 0
    assert _query(dbfile, lambda: [(e.trainee_id, e.cohort.name) for e in Enrolment.select()]) == [
        ("T1", "2025 intake")]
