"""DfE Register trainee files imported as Register writes them (issue 14 items 4 and 6):
values kept as text with a leading apostrophe, HESA / HECoS codes stored as words, each row's
cohort from its route and the year of its ITT start date (created when asked), and every
problem of a row reported in one run."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.models import AuditEntry, Cohort, Enrolment, Programme
from ittdesk.services.programmes import cohorts, programmes
from ittdesk.services.schools import schools
from ittdesk.spreadsheets import importing

REAL = Path(__file__).parent / "data" / "real"
FIVE = REAL / "register_five_trainees.csv"
ROUTE_11 = "Primary and Secondary Undergraduate Fee Funded"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _register(tmp_path: Path, rows: list[dict[str, str]], name: str = "register.csv") -> Path:
    """Rows in the real Register bulk-create layout: every column, these cells filled."""
    header = _rows(FIVE)[0]
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for values in rows:
            assert set(values) <= set(header), set(values) - set(header)
            writer.writerow([values.get(h, "") for h in header])
    return path


def _trainee(n: int, **cells: str) -> dict[str, str]:
    return {"provider_trainee_id": f"T{n}", "first_names": "Ann", "last_name": f"Smith{n}",
            "email": f"ann{n}@example.com", "training_route": "'11", "course_subject_1": "'100403",
            "itt_start_date": "'2024-09-02", "itt_end_date": "'2025-07-18", **cells}


def test_register_file_stores_words_for_codes_and_creates_the_cohorts_it_needs(db):
    plan, _ = importing.run_import(FIVE, "enrolments", dry_run=True)
    assert {r.row for r in plan.refused} == {2, 3, 4, 5, 6}
    assert plan.refused[0].reason == (
        f"there is no programme '{ROUTE_11}' and its 2024/25 cohort yet: tick 'Create the "
        "programmes and cohorts listed' in the preview, or use --create-cohorts")
    assert Programme.select().count() == 0

    plan, result = importing.run_import(FIVE, "enrolments", options={"create_cohorts": True})
    assert result.added == 5 and plan.refused == []
    assert f"4 rows (2, 3, 4, 5): Creates the programme '{ROUTE_11}' and its 2024/25 cohort" \
        in plan.notes
    assert plan.items[0].changes["Cohort"] == (None, f"{ROUTE_11} 2024/25 (new)")
    stored = {e.trainee_id: (e.subject, e.cohort.programme.name, str(e.cohort.academic_year))
              for e in Enrolment.select()}
    assert stored["24/25-1"] == ("Geography", ROUTE_11, "2024/25")
    assert stored["24/25-4"] == ("Product Design", ROUTE_11, "2024/25")
    assert stored["24/25-13"][1] == "Undergraduate Opt-in"
    assert not any(s[0].isdigit() for s in (v[0] for v in stored.values()))
    created = {e.entity for e in AuditEntry.select().where(
        AuditEntry.import_run == result.run_id, AuditEntry.action == "create")}
    assert {"programme", "cohort", "enrolment", "person"} <= created


def test_apostrophe_marked_dates_and_codes_are_read_as_register_strips_them(db, tmp_path):
    path = _register(tmp_path, [_trainee(1, itt_start_date="'2024-10-01")])
    plan, result = importing.run_import(path, "enrolments", options={"create_cohorts": True})
    assert plan.refused == [] and result.added == 1
    enrolment = Enrolment.get()
    assert enrolment.subject == "Mathematics"
    assert enrolment.cohort.academic_year.start == date(2024, 9, 1)


def test_trainees_of_another_year_never_go_into_the_only_cohort(db, tmp_path):
    programme = programmes.create({"name": ROUTE_11, "kind": "itt"})
    only = cohorts.create({"programme": programme.id, "name": "Cohort 5",
                           "academic_year": "2024/25"})
    path = _register(tmp_path, [_trainee(1), _trainee(2, itt_start_date="'2022-09-05",
                                                       itt_end_date="'2023-07-14")])
    plan, _ = importing.run_import(path, "enrolments", dry_run=True)
    assert plan.items[0].changes["Cohort"] == (None, f"{ROUTE_11} Cohort 5 (2024/25)")
    assert [(r.row, r.column, r.reason) for r in plan.refused] == [
        (3, "training_route", f"there is no 2022/23 cohort of '{ROUTE_11}' yet: tick 'Create "
                              "the programmes and cohorts listed' in the preview, or use "
                              "--create-cohorts")]
    plan, result = importing.run_import(path, "enrolments", options={"create_cohorts": True})
    assert result.added == 2
    years = {e.trainee_id: (e.cohort_id == only.id, str(e.cohort.academic_year))
             for e in Enrolment.select()}
    assert years == {"T1": (True, "2024/25"), "T2": (False, "2022/23")}
    assert Programme.select().count() == 1  # the programme existed: only its cohort is new


def test_a_subject_code_not_in_dfe_s_list_is_refused_not_stored(db, tmp_path):
    path = _register(tmp_path, [_trainee(1, course_subject_1="'999999")])
    plan, _ = importing.run_import(path, "enrolments", dry_run=True,
                                   options={"create_cohorts": True})
    assert [(r.column, r.reason) for r in plan.refused] == [
        ("course_subject_1", "'999999' is not a HECoS subject code DfE's Register uses")]


def test_every_problem_of_a_row_is_reported_at_once(db, tmp_path):
    path = _register(tmp_path, [_trainee(1, email="ann@", employing_school_urn="999999",
                                         training_route="'03", itt_start_date="'2023-09-04")])
    plan, _ = importing.run_import(path, "enrolments", dry_run=True)
    assert sorted((r.column, r.reason.split(":")[0]) for r in plan.refused) == [
        ("email", "'ann@' is not an email address"),
        ("employing_school_urn", "there is no school with URN 999999"),
        ("training_route", "there is no programme 'School Direct salaried' and its 2023/24 "
                           "cohort yet"),
    ]


def test_a_trainee_id_repeated_on_a_row_refused_for_something_else_is_said_the_same_run(db,
                                                                                        tmp_path):
    """The repeat was said only on the run after the other row was mended."""
    path = _register(tmp_path, [_trainee(1, email="ann@"), _trainee(1, last_name="Jones"),
                                _trainee(2)])
    plan, _ = importing.run_import(path, "enrolments", dry_run=True,
                                   options={"create_cohorts": True})
    assert sorted((r.row, r.column, r.reason.split(":")[0]) for r in plan.refused) == [
        (2, "email", "'ann@' is not an email address"),
        (2, "provider_trainee_id", "trainee ID T1 is on more than one row (2, 3)"),
        (3, "provider_trainee_id", "trainee ID T1 is on more than one row (2, 3)"),
    ]
    assert [item.row for item in plan.items if item.action == "add"] == [4]


def test_a_two_year_course_moves_its_cohort_s_end_so_second_year_placements_fit(db, tmp_path):
    for urn in (100001, 100002, 100003):
        schools.create({"urn": urn, "name": f"School {urn}"})
    programme = programmes.create({"name": ROUTE_11, "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "Cohort 5",
                             "academic_year": "2024/25"})
    two_years = _trainee(1, study_mode="'31", itt_end_date="'2026-07-17",
                         placement_1_urn="100001", placement_2_urn="100002",
                         placement_3_urn="'100003")
    path = _register(tmp_path, [two_years, _trainee(2)])
    plan, result = importing.run_import(path, "enrolments")
    assert result.added == 2
    assert any("its end date moves to the latest ITT end date" in n for n in plan.notes)
    assert Cohort.get_by_id(cohort.id).end_date == date(2026, 7, 17)
    plan, result = importing.run_import(path, "placements", options={}, mapping=None)
    assert plan.refused == []
    placed = sorted((p.school.urn, p.end_date) for p in Enrolment.get(
        Enrolment.trainee_id == "T1").placements)
    assert placed == [(100001, date(2026, 7, 17)), (100002, date(2026, 7, 17)),
                      (100003, date(2026, 7, 17))]


def test_cli_create_cohorts_creates_them_and_lists_each_row_s_cohort(tmp_path, capsys):
    dbfile = tmp_path / "cli.sqlite3"
    assert main(["--db", str(dbfile), "import", "enrolments", str(FIVE)]) == 1
    captured = capsys.readouterr()
    assert "use --create-cohorts" in captured.out
    assert main(["--db", str(dbfile), "import", "enrolments", str(FIVE),
                 "--create-cohorts"]) == 0
    out = capsys.readouterr().out
    assert f"row 2: 24/25-1 Spencer Murphy ({ROUTE_11} 2024/25 (new))" in out
    dbmod.open_database(dbfile, daily_backup=False)
    try:
        assert Cohort.select().count() == 2 and Enrolment.select().count() == 5
    finally:
        dbmod.close_database()


@pytest.mark.parametrize("cell", ["'2024-10-01", "2024-10-01"])
def test_a_leading_apostrophe_is_dropped_from_any_cell(db, tmp_path, cell):
    path = _register(tmp_path, [_trainee(1, itt_start_date=cell)])
    plan, _ = importing.run_import(path, "enrolments", dry_run=True,
                                   options={"create_cohorts": True})
    # the cells as read (a plan no longer keeps its records: they are read from the file)
    source = importing.load_source(path, "enrolments")
    refused: list = []
    records = importing.read_source(source, source.mapping, refused, [])
    source.book.close()
    assert plan.refused == [] and refused == []
    assert [r.raw["start_date"] for r in records] == ["2024-10-01"]


# -- real Register files (tests/data/real) ---------------------------------------------------


def test_register_trainees_with_placements_import_every_placement_column(db):
    """The real file: Materials Science as a code, two-year trainees in a one-year cohort's
    year, a trainee with three placement URNs (the third was dropped)."""
    path = REAL / "register_trainees_with_placements.csv"
    for urn in (609384, 325900, 894261, 322601, 182836, 733562, 773124):
        schools.create({"urn": urn, "name": f"School {urn}"})
    plan, result = importing.run_import(path, "enrolments", options={"create_cohorts": True})
    assert result.added == 5 and plan.refused == []
    assert Enrolment.get(Enrolment.trainee_id == "24/25-16").subject == "Materials Science"
    cohort = Cohort.get()
    assert (str(cohort.academic_year), cohort.end_date) == ("2024/25", date(2026, 7, 21))
    plan, result = importing.run_import(path, "placements")
    assert plan.refused == [] and result.added == 7
    first = sorted((p.school.urn, p.kind) for p in Enrolment.get(
        Enrolment.trainee_id == "24/25-16").placements)
    assert first == [(325900, "second"), (609384, "main"), (894261, "second")]
    two_year = Enrolment.get(Enrolment.trainee_id == "24/25-28").placements.get()
    assert (two_year.start_date, two_year.end_date) == (date(2024, 10, 1), date(2026, 7, 21))


def test_register_placements_file_finds_the_trainee_by_trn_past_its_guidance_row(db):
    """Register's placements file: keyed by TRN, a row of multi-line quoted guidance under
    its headings, five placement URN columns."""
    from ittdesk.services.people import people
    from ittdesk.services.programmes import enrolments

    path = REAL / "register_placements_five.csv"
    for urn in range(100000, 100005):
        schools.create({"urn": urn, "name": f"School {urn}"})
    programme = programmes.create({"name": ROUTE_11, "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "Cohort 4",
                             "academic_year": "2023/24"})
    person = people.create({"first_name": "Ann", "last_name": "Lee", "trn": "1234567"})
    enrolments.create({"person": person.id, "cohort": cohort.id})
    source = importing.load_source(path, "placements")
    try:
        assert (source.book.delimiter, source.header.row_number) == (",", 1)
    finally:
        source.book.close()
    plan, result = importing.run_import(path, "placements")
    assert plan.refused == [] and result.added == 5
    assert [i.row for i in plan.items] == [3] * 5  # row 2, the guidance, is not a record
    assert sorted(p.school.urn for p in Enrolment.get().placements) == list(range(100000, 100005))


def test_re_importing_stored_two_year_trainees_moves_a_cohort_end_set_back_since(db):
    path = REAL / "register_trainees_with_placements.csv"
    importing.run_import(path, "enrolments", options={"create_cohorts": True})
    cohort = Cohort.get()
    cohorts.update(cohort.id, {"end_date": date(2025, 8, 31)})
    plan, result = importing.run_import(path, "enrolments")
    assert [i.row for i in plan.updates] == [5, 6]
    assert plan.updates[1].changes == {"Cohort end date": (date(2025, 8, 31), date(2026, 7, 21))}
    assert (result.updated, Cohort.get_by_id(cohort.id).end_date) == (2, date(2026, 7, 21))


def test_the_mapping_page_samples_show_values_without_register_s_apostrophe(db):
    source = importing.load_source(FIVE, "enrolments")
    try:
        column = source.headings.index("itt_start_date")
        assert source.samples(column) == ["2024-10-01", "2024-10-01", "2024-10-01"]
    finally:
        source.book.close()


def test_register_file_fills_the_route_aware_record(db):
    """Issue 17: the route, ITT dates, first subject (HECoS), study mode and age range a
    Register file carries are kept on the enrolment, as Register's codes."""
    from datetime import date

    importing.run_import(FIVE, "enrolments", options={"create_cohorts": True})
    first = Enrolment.get(Enrolment.trainee_id == "24/25-1")
    assert (first.route, first.course_subject_1, first.study_mode, first.age_range) == (
        "provider_led_undergrad", "100409", "part_time", "13919")
    assert (first.itt_start_date, first.itt_end_date) == (date(2024, 10, 1), date(2025, 7, 6))
    assert Enrolment.get(Enrolment.trainee_id == "24/25-13").route == "opt_in_undergrad"
