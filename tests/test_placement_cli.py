"""Issue 17 on the command line: ``ittdesk compliance [--json]``, ``ittdesk placement-rules``
and ``ittdesk term-dates`` (exit 0 ok, 1 refused with nothing changed, 2 usage)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ittdesk import db as dbmod
from ittdesk.academic_year import AcademicYear
from ittdesk.cli import main
from ittdesk.models import (
    Cohort,
    Enrolment,
    Person,
    Placement,
    PlacementRule,
    Programme,
    School,
    TermDates,
)
from ittdesk.placements.days import school_days


@pytest.fixture
def database_file(tmp_path, set_today):
    set_today(date(2026, 3, 2))
    path = tmp_path / "p.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    programme = Programme.create(name="PGCE", kind="itt")
    cohort = Cohort.create(programme=programme, name="2025", academic_year=AcademicYear(2025),
                           start_date=date(2025, 9, 1), end_date=date(2026, 7, 31))
    school = School.create(urn=100001, name="Oak Primary", la_code="202")
    ada = Person.create(first_name="Ada", last_name="Greaves", trn="1234567")
    enrolment = Enrolment.create(person=ada, cohort=cohort, status="enrolled",
                                 route="provider_led_postgrad")
    Placement.create(enrolment=enrolment, school=school, start_date=date(2025, 9, 8),
                     end_date=date(2026, 1, 30), status="completed", days_spent=96)
    Placement.create(enrolment=enrolment, school=school, kind="itap", start_date=date(2026, 2, 2),
                     end_date=date(2026, 2, 13), status="completed", days_spent=10)
    dbmod.close_database()
    return path, cohort.id


def test_compliance_json_is_one_object_per_trainee_with_the_issues_fields(database_file, capsys):
    path, cohort_id = database_file
    assert main(["--db", str(path), "compliance", "--cohort", str(cohort_id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 1
    one = data[0]
    assert {k: one[k] for k in ("name", "route", "days_in_school", "days_required", "schools",
                                "itap_days", "itap_required", "status")} == {
        "name": "Ada Greaves", "route": "provider_led_postgrad", "days_in_school": 96,
        "days_required": 120, "schools": 1, "itap_days": 10, "itap_required": 20,
        "status": "at_risk"}
    assert one["reasons"] == ["96 of 120 days", "no second school yet",
                              "no contrasting placement yet", "ITaP 10 of 20 days"]
    assert isinstance(one["person_id"], int)


def test_compliance_in_words(database_file, capsys):
    path, _cohort = database_file
    assert main(["--db", str(path), "compliance"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("Ada Greaves [Primary and Secondary Postgraduate Fee Funded]: At risk "
                      "(96/120 days, 1 school, ITaP 10/20): 96 of 120 days; no second school "
                      "yet; no contrasting placement yet; ITaP 10 of 20 days")
    assert out[-1] == "1 at risk"


def test_compliance_for_a_cohort_that_does_not_exist_is_refused(database_file, capsys):
    path, _cohort = database_file
    assert main(["--db", str(path), "compliance", "--cohort", "99"]) == 1
    assert capsys.readouterr().err.strip() == "ittdesk: There is no cohort #99"


def test_placement_rules_are_made_for_a_year_on_first_use_and_can_be_set(database_file, capsys):
    path, _cohort = database_file
    assert main(["--db", str(path), "placement-rules", "--year", "2025/26"]) == 0
    out = capsys.readouterr().out
    assert ("  Primary and Secondary Postgraduate Fee Funded: 120 days, 2 schools, contrasting, "
            "ITaP 20 days, Register 2 placements") in out
    assert "  iQTS: 120 days, 1 schools, Register 1 placements" in out
    assert main(["--db", str(path), "placement-rules", "--year", "2025/26", "--set", "scitt",
                 "--min-days", "110"]) == 0
    assert "Fee Funded: 110 days" in capsys.readouterr().out
    assert main(["--db", str(path), "compliance", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["days_required"] == 110
    dbmod.open_database(path, daily_backup=False)
    try:
        assert PlacementRule.select().where(PlacementRule.academic_year == AcademicYear(2025)).count() == 14
    finally:
        dbmod.close_database()


def test_placement_rules_refuse_an_unknown_route_as_usage(database_file, capsys):
    path, _cohort = database_file
    assert main(["--db", str(path), "placement-rules", "--set", "nonsense", "--min-days", "1"]) == 2
    assert "is not a training route" in capsys.readouterr().err


def test_term_dates_import_all_or_nothing_and_the_school_days_follow_them(database_file, tmp_path, capsys):
    path, _cohort = database_file
    bad = tmp_path / "bad.csv"
    bad.write_text("Academic year,LA code,Term,First day,Last day\n"
                   "2025/26,,Autumn 1,03/09/2025,24/10/2025\n"
                   "2025/26,,Autumn 2,03/11/2025,31/02/2025\n", encoding="utf-8")
    assert main(["--db", str(path), "term-dates", "import", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ittdesk: bad.csv row 3 end_date:")
    good = tmp_path / "terms.csv"
    good.write_text("Academic year,LA code,Term,First day,Last day\n"
                    "2025/26,,Autumn 1,03/09/2025,24/10/2025\n"
                    "2025/26,,Autumn 2,03/11/2025,19/12/2025\n"
                    "2025/26,202,Autumn 1,03/09/2025,17/10/2025\n", encoding="utf-8")
    assert main(["--db", str(path), "term-dates", "import", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "Imported 3 terms from terms.csv"
    assert main(["--db", str(path), "term-dates", "list", "--year", "2025/26"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == ["2025/26 every LA: Autumn 1 03/09/2025 to 24/10/2025",
                      "2025/26 every LA: Autumn 2 03/11/2025 to 19/12/2025",
                      "2025/26 LA 202: Autumn 1 03/09/2025 to 17/10/2025"]
    assert main(["--db", str(path), "term-dates", "add", "--year", "2025/26", "--term",
                 "Spring 1", "--start", "05/01/2026", "--end", "13/02/2026"]) == 0
    dbmod.open_database(path, daily_backup=False)
    try:
        assert TermDates.select().count() == 4
        # 20 Oct - 7 Nov: a week each side of the half-term; LA 202's autumn ended on 17 Oct.
        assert school_days(date(2025, 10, 20), date(2025, 11, 7)) == 10
        assert school_days(date(2025, 10, 20), date(2025, 11, 7), "202") == 0
    finally:
        dbmod.close_database()
