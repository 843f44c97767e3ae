"""The importer on real files from DfE's public repositories (tests/data/real, see its README)
and on rows in their exact layouts: stored values must be the source cells of the right column.

Issue 14 items 1 and 2: headings that name something else stay out of the wrong field, GIAS
status and close dates, closed schools without current heads, 5-digit URNs, repeated rows,
schools overseas, co-heads, and GIAS extracts that are not lists of schools.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from ittdesk import clock
from ittdesk.cli import main
from ittdesk.models import AuditEntry, Person, Role, School
from ittdesk.services.people import people, roles
from ittdesk.spreadsheets import importing

REAL = Path(__file__).parent / "data" / "real"
GIAS = REAL / "gias_establishments_subset.csv"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _gias(tmp_path: Path, rows: list[dict[str, str]], name: str = "gias.csv",
          drop: tuple[str, ...] = ()) -> Path:
    """Rows in the real GIAS layout: every column of the real extract, these cells filled."""
    header = [h for h in _rows(GIAS)[0] if h not in drop]
    out = [header]
    for values in rows:
        assert set(values) <= set(header), set(values) - set(header)
        out.append([values.get(h, "") for h in header])
    return _write(tmp_path / name, out)


def _mapped(path: Path, kind: str) -> dict[str, str]:
    source = importing.load_source(path, kind)
    try:
        return {source.headings[c]: name for c, name in source.mapping.items()}
    finally:
        source.book.close()


def _import(path: Path, kind: str = "schools", **kwargs):
    return importing.run_import(path, kind, **kwargs)


def _heads(urn: int) -> list[tuple[str, str, str, bool]]:
    return sorted((r.person.first_name, r.person.last_name, r.kind, r.end_date is None)
                  for r in Role.select(Role, Person).join(Person).switch(Role).join(School)
                  .where(School.urn == urn))


# -- headings on real files ----------------------------------------------------------------


def test_provider_sites_file_stores_the_establishment_postcode_not_the_providers(db):
    rows = _rows(REAL / "publish_provider_sites.csv")
    header = rows[0]
    assert _mapped(REAL / "publish_provider_sites.csv", "schools") == {
        "establishment_urn": "urn", "establishment_name": "name",
        "establishment_postcode": "postcode"}
    plan, result = _import(REAL / "publish_provider_sites.csv")
    assert plan.refused == []
    urn, name, postcode = (header.index(h) for h in
                           ("establishment_urn", "establishment_name", "establishment_postcode"))
    expected = {int(r[urn]): (r[name], r[postcode]) for r in rows[1:]}
    stored = {s.urn: (s.name, s.postcode) for s in School.select()}
    assert stored == expected
    # the file's own check that the trap is real: the provider's postcode differs from the school's
    assert all(r[header.index("provider_postcode")] != r[postcode] for r in rows[1:4])


def test_gias_extract_maps_names_not_codes_honours_or_link_columns(db):
    mapped = _mapped(GIAS, "schools")
    assert mapped["TypeOfEstablishment (name)"] == "establishment_type"
    assert mapped["EstablishmentStatus (name)"] == "status"
    assert mapped["EstablishmentStatus (code)"] == "status_code"  # read as a code, not text
    for heading in ("TypeOfEstablishment (code)", "PhaseOfEducation (code)", "HeadHonours",
                    "EstablishmentNumber", "PropsName", "Gender (name)", "Country (name)"):
        assert heading not in mapped, heading


def test_a_gias_file_with_only_code_columns_reads_status_from_its_code(db):
    mapped = _mapped(REAL / "gias_codes_trusts_regions.csv", "schools")
    assert mapped == {"URN": "urn", "EstablishmentName": "name", "Town": "town",
                      "Postcode": "postcode", "EstablishmentStatus (code)": "status_code",
                      "Trusts (name)": "trust",
                      # issue 18: DfE draws mentor-funding regions by this code
                      "DistrictAdministrative (code)": "district_code"}
    plan, _ = _import(REAL / "gias_codes_trusts_regions.csv", dry_run=True)
    # the fixture's own URNs (123, 130, 131) are not URNs: refused, in words
    assert {r.reason for r in plan.refused} >= {"'130' is not a URN (5 to 7 digits)"}


def test_register_trainee_files_keep_middle_previous_and_course_columns_out(db):
    hpitt = _mapped(REAL / "register_hpitt_import.csv", "enrolments")
    assert hpitt == {"Provider trainee ID": "trainee_id", "First names": "first_name",
                     "Last names": "last_name", "Date of birth": "date_of_birth", "Email": "email",
                     "Course ITT start date": "start_date", "Course Expected End Date": "end_date",
                     "Employing school URN": "home_school",
                     # issue 17: the route-aware record keeps Register's study mode and age range
                     "Course study mode": "study_mode", "Course age range": "age_range"}
    bulk = _mapped(REAL / "register_five_trainees.csv", "enrolments")
    for heading in ("previous_last_name", "course_year", "trainee_start_date", "uk_degree"):
        assert heading not in bulk, heading
    assert bulk["last_name"] == "last_name"
    placements = _mapped(REAL / "register_five_trainees.csv", "placements")
    assert "course_year" not in placements and "trainee_start_date" not in placements
    assert placements["placement_1_urn"] == "school_urn"


def test_mentor_school_users_file_maps_every_column_surely(db):
    source = importing.load_source(REAL / "mentor_school_users.csv", "people")
    try:
        assert {source.headings[c]: n for c, n in source.mapping.items()} == {
            "URN": "school_urn", "First name": "first_name", "Last name": "last_name",
            "Email address": "email"}
        assert source.unsure() == {}
    finally:
        source.book.close()


# -- status, close dates and closed schools --------------------------------------------------


def test_real_gias_rows_are_stored_with_their_status_and_closed_schools_get_no_head(db):
    plan, result = _import(GIAS)
    assert plan.refused == [] and result.added == 8
    status = {s.urn: s.status for s in School.select()}
    assert status == {100000: "open", 100004: "closed", 101173: "open", 101077: "closed",
                      137666: "open", 150516: "open", 124087: "open", 126370: "open"}
    assert _heads(101077) == []  # The Dominie School closed in 2022 though it names a principal
    assert _heads(100000) == [("Ada", "Testhead", "headteacher", True)]
    assert any("A closed school: the head it names is not added" in n and "row 5" in n
               for n in plan.notes)


def test_without_a_status_column_a_past_close_date_means_closed(db, tmp_path):
    rows = _rows(GIAS)
    header = rows[0]
    keep = [i for i, h in enumerate(header) if not h.startswith("EstablishmentStatus")]
    path = _write(tmp_path / "no-status.csv", [[r[i] for i in keep] for r in rows])
    _import(path)
    status = {s.urn: s.status for s in School.select()}
    # 100004 closed 1992, 101077 closed 2022, 126370 proposed to close on 31/07/2024
    assert {u for u, s in status.items() if s == "closed"} == {100004, 101077, 126370}
    assert status[100000] == "open"


def test_a_close_date_still_to_come_leaves_the_school_open(db, tmp_path):
    later = clock.today().replace(year=clock.today().year + 1).strftime("%d-%m-%Y")
    path = _gias(tmp_path, [{"URN": "100000", "EstablishmentName": "The Aldgate School",
                             "CloseDate": later}], drop=("EstablishmentStatus (name)",
                                                         "EstablishmentStatus (code)"))
    _import(path)
    assert School.get(School.urn == 100000).status == "open"


def test_a_gias_status_code_alone_sets_the_status(db, tmp_path):
    path = _gias(tmp_path, [{"URN": "100000", "EstablishmentName": "Open One",
                             "EstablishmentStatus (code)": "1"},
                            {"URN": "100001", "EstablishmentName": "Closed One",
                             "EstablishmentStatus (code)": "2"}],
                 drop=("EstablishmentStatus (name)",))
    _import(path)
    assert {s.urn: s.status for s in School.select()} == {100000: "open", 100001: "closed"}


def test_an_import_that_closes_a_school_ends_its_current_roles_on_the_close_date(db, tmp_path):
    _import(_gias(tmp_path, [{"URN": "100000", "EstablishmentName": "The Aldgate School",
                              "EstablishmentStatus (name)": "Open", "HeadFirstName": "Ada",
                              "HeadLastName": "Testhead"}], "open.csv"))
    school = School.get(School.urn == 100000)
    mentor = people.create({"first_name": "Mo", "last_name": "Mentorperson"})
    roles.create({"person": mentor.id, "school": school.id, "kind": "mentor"})
    plan, result = _import(_gias(tmp_path, [{
        "URN": "100000", "EstablishmentName": "The Aldgate School",
        "EstablishmentStatus (name)": "Closed", "CloseDate": "31-08-2025",
        "HeadFirstName": "Ada", "HeadLastName": "Testhead"}], "closed.csv"))
    assert result.updated == 1
    assert plan.updates[0].changes["Current roles"] == ("2 current", "ended on 31/08/2025")
    ended = {(r.person.last_name, r.end_date) for r in Role.select(Role, Person).join(Person)}
    assert ended == {("Testhead", date(2025, 8, 31)), ("Mentorperson", date(2025, 8, 31))}
    assert School.get(School.urn == 100000).status == "closed"
    audit = AuditEntry.select().where(AuditEntry.import_run == result.run_id)
    assert sorted(e.entity for e in audit) == ["role", "role", "school"]


# -- URNs, repeated rows, overseas postcodes -------------------------------------------------


def test_a_five_digit_urn_from_gias_is_imported(db, tmp_path):
    path = _gias(tmp_path, [{"URN": "20001", "EstablishmentName": "Brookside Children's Centre",
                             "EstablishmentStatus (name)": "Open",
                             "TypeOfEstablishment (name)": "Children's centre"}])
    plan, result = _import(path)
    assert plan.refused == [] and result.added == 1
    assert School.get(School.urn == 20001).establishment_type == "Children's centre"


def test_identical_repeated_rows_are_one_school_and_differing_ones_are_refused(db, tmp_path):
    row = {"URN": "100000", "EstablishmentName": "The Aldgate School", "Postcode": "EC3A 5DE"}
    plan, result = _import(_gias(tmp_path, [row, dict(row), {"URN": "100001",
                                                              "EstablishmentName": "Other"}, dict(row)]))
    assert plan.refused == [] and result.added == 2
    assert any(n.startswith("row 2: The same row again further down") for n in plan.notes)
    plan, result = _import(_gias(tmp_path, [row, dict(row, Postcode="EC3A 5DF")], "differ.csv"),
                           dry_run=True)
    assert {r.row for r in plan.refused} == {2, 3}


def test_a_row_refused_for_its_urn_says_everything_else_wrong_with_it_too(db, tmp_path):
    """Issue 14 item 6: a repeated or unreadable URN hid the row's other problems until the
    next run (seen with a repeated URN and an impossible close date)."""
    path = _gias(tmp_path, [
        {"URN": "100000", "EstablishmentName": "A", "CloseDate": "31/02/2020",
         "EstablishmentStatus (code)": "9"},
        {"URN": "100000", "EstablishmentName": "B", "CloseDate": "01/01/2021"},
        {"URN": "10x0", "EstablishmentName": "C", "CloseDate": "30/02/2021",
         "Postcode": "see notes"},
        {"URN": "100002", "EstablishmentName": "D"}])
    plan, _result = _import(path, dry_run=True)
    said = {(r.row, r.column) for r in plan.refused}
    assert said == {(2, "URN"), (2, "CloseDate"), (2, "EstablishmentStatus (code)"), (3, "URN"),
                    (4, "URN"), (4, "CloseDate"), (4, "Postcode")}
    assert [item.key for item in plan.items] == ["URN 100002"]  # the good row is still planned


def test_a_school_overseas_keeps_its_postcode_as_given_with_a_warning(db, tmp_path):
    path = _gias(tmp_path, [
        {"URN": "150516", "EstablishmentName": "Dubai Scholars Private School",
         "TypeOfEstablishment (name)": "British schools overseas", "Postcode": "1017 dd",
         "Country (name)": "Netherlands"},
        {"URN": "100000", "EstablishmentName": "The Aldgate School", "Postcode": "EC3A 5DE"}])
    plan, result = _import(path)
    assert plan.refused == [] and result.added == 2
    assert School.get(School.urn == 150516).postcode == "1017 DD"
    assert School.get(School.urn == 100000).postcode == "EC3A 5DE"
    assert "row 2: A postcode that is not a UK one (a school outside the UK?): kept as given" in plan.notes


def test_a_cell_that_could_not_be_a_postcode_is_still_refused(db, tmp_path):
    path = _gias(tmp_path, [{"URN": "100000", "EstablishmentName": "X", "Postcode": "see notes"}])
    plan, _ = _import(path, dry_run=True)
    assert [(r.row, r.column) for r in plan.refused] == [(2, "Postcode")]


# -- co-heads -------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "last", "expected"), [
    ("Ada & Ben", "Testhead & Fictional", [("Ada", "Testhead"), ("Ben", "Fictional")]),
    ("Ada and Ben", "Testhead", [("Ada", "Testhead"), ("Ben", "Testhead")]),
    ("Ada / Ben", "Testhead / Fictional", [("Ada", "Testhead"), ("Ben", "Fictional")]),
    # as GIAS has it: the second head's whole name after the first one's surname
    ("Ada", "Testhead / Ben Fictional", [("Ada", "Testhead"), ("Ben", "Fictional")]),
])
def test_gias_co_heads_are_two_people_each_a_current_head(db, tmp_path, first, last, expected):
    path = _gias(tmp_path, [{"URN": "100000", "EstablishmentName": "The Aldgate School",
                             "EstablishmentStatus (name)": "Open", "HeadFirstName": first,
                             "HeadLastName": last, "HeadPreferredJobTitle": "Co Headteacher"}])
    plan, result = _import(path)
    assert plan.refused == []
    assert _heads(100000) == sorted((f, la, "headteacher", True) for f, la in expected)
    assert Person.select().count() == 2
    assert {r.job_title for r in Role.select()} == {"Co Headteacher"}
    # the same file again changes nothing: neither co-head ends the other's role
    plan, result = _import(path)
    assert (result.added, result.updated, result.unchanged) == (0, 0, 1)
    assert _heads(100000) == sorted((f, la, "headteacher", True) for f, la in expected)


def test_co_heads_replacing_a_single_head_end_that_head_s_role(db, tmp_path):
    _import(_gias(tmp_path, [{"URN": "100000", "EstablishmentName": "The Aldgate School",
                              "HeadFirstName": "Cora", "HeadLastName": "Placeholder"}], "one.csv"))
    plan, result = _import(_gias(tmp_path, [{"URN": "100000", "EstablishmentName": "The Aldgate School",
                                             "HeadFirstName": "Ada & Ben",
                                             "HeadLastName": "Testhead & Fictional"}], "two.csv"))
    assert plan.updates[0].changes["Headteacher"] == ("Cora Placeholder", "Ada Testhead and Ben Fictional")
    assert _heads(100000) == [("Ada", "Testhead", "headteacher", True),
                              ("Ben", "Fictional", "headteacher", True),
                              ("Cora", "Placeholder", "headteacher", False)]


@pytest.mark.parametrize(("first", "last"), [
    ("Ada & Ben", "Testhead & Fictional & Other"),
    ("Ada Testhead / Ben", "Fictional"),  # or "Mary Ann / John" + "Smith": not guessed
])
def test_co_heads_whose_names_cannot_be_paired_add_no_one_and_say_so(db, tmp_path, first, last):
    path = _gias(tmp_path, [{"URN": "100000", "EstablishmentName": "The Aldgate School",
                             "HeadFirstName": first, "HeadLastName": last}])
    plan, result = _import(path)
    assert result.added == 1 and Person.select().count() == 0
    assert any("co-heads whose names cannot be paired" in n.lower() for n in plan.notes)


# -- GIAS extracts that are not lists of schools ---------------------------------------------


@pytest.mark.parametrize(("headings", "what"), [
    (["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"], "GIAS links extract"),
    (["Group UID", "Group ID", "Group Name", "Group Type", "URN", "EstablishmentName"],
     "GIAS groups extract"),
])
def test_a_gias_links_or_groups_extract_is_refused_as_what_it_is(tmp_path, capsys, headings, what):
    rows = [headings, ["100000", "100001", "The Aldgate School", "Successor", "01-09-2020", ""][
        :len(headings)]]
    path = _write(tmp_path / "extract.csv", rows)
    dbfile = tmp_path / "cli.sqlite3"
    assert main(["--db", str(dbfile), "import", "schools", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and what in err[0] and "not a list of schools" in err[0]


@pytest.mark.parametrize(("name", "kind"), [
    ("gias_establishments_subset.csv", "schools"), ("gias_codes_trusts_regions.csv", "schools"),
    ("publish_provider_sites.csv", "schools"), ("mentor_school_users.csv", "people"),
    ("register_five_trainees.csv", "enrolments"), ("register_hpitt_import.csv", "enrolments"),
    ("register_trainees_with_placements.csv", "enrolments"),
    ("register_placements_five.csv", "placements"),
])
def test_a_dropped_real_file_is_taken_for_what_it_is(name, kind):
    assert importing.guess_kind(REAL / name) == kind
