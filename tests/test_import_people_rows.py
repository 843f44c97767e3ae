"""People imports (issue 14 items 5 and 6): one person on several rows with a role at each
school, people without email or school matched again on re-import (name and phone), possible
duplicates listed for the user to decide, and every problem of a row said in one run."""

from __future__ import annotations

import csv
from pathlib import Path

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.models import Person, Role
from ittdesk.services.schools import schools
from ittdesk.spreadsheets import importing


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEAD = ["First name", "Last name", "Email", "Phone", "School URN", "Role"]


def _schools() -> None:
    for urn in (100001, 100002):
        schools.create({"urn": urn, "name": f"School {urn}"})


def test_a_person_with_roles_at_two_schools_is_one_person_with_two_roles(db, tmp_path):
    _schools()
    path = _csv(tmp_path / "people.csv", [
        HEAD, ["Ann", "Lee", "ann@example.com", "", "100001", "Mentor"],
        ["Ann", "Lee", "ann@example.com", "0113 496 0000", "100002", "Head teacher"]])
    plan, result = importing.run_import(path, "people")
    assert plan.refused == []
    assert plan.items[0].changes["Role"] == (None, "Mentor at School 100001")
    assert plan.items[1].description == "Ann Lee (also on row 2)"
    assert plan.items[1].changes == {"Role": (None, "Headteacher at School 100002")}
    person = Person.get()
    assert Person.select().count() == 1 and person.phone == "0113 496 0000"
    assert sorted((r.school.urn, r.kind) for r in Role.select()) == [
        (100001, "mentor"), (100002, "headteacher")]
    _plan, again = importing.run_import(path, "people")
    assert (again.added, again.updated, Person.select().count()) == (0, 0, 1)


def test_rows_of_one_person_that_disagree_or_repeat_a_role_are_refused(db, tmp_path):
    _schools()
    path = _csv(tmp_path / "people.csv", [
        HEAD, ["Ann", "Lee", "ann@example.com", "0113 496 0000", "100001", "Mentor"],
        ["Ann", "Lee", "ann@example.com", "0113 496 0999", "100002", "Mentor"],
        ["Ann", "Lee", "ann@example.com", "", "100001", "Mentor"]])
    plan, _ = importing.run_import(path, "people", dry_run=True)
    assert [(r.row, r.reason) for r in plan.refused] == [
        (3, "the same person is on row 2 with phone '0113 496 0000': make the rows agree"),
        (4, "this person's role at School 100001 is also on row 2: keep one")]


def test_people_without_email_or_school_are_matched_again_by_name_and_phone(db, tmp_path):
    path = _csv(tmp_path / "people.csv", [["First name", "Last name", "Phone"],
                                          ["Ann", "Lee", "0113 496 0000"]])
    importing.run_import(path, "people")
    plan, again = importing.run_import(path, "people")
    assert (again.added, Person.select().count()) == (0, 1)
    assert plan.notes == []


def test_a_namesake_with_nothing_in_common_is_listed_as_a_possible_duplicate(db, tmp_path):
    path = _csv(tmp_path / "people.csv", [["First name", "Last name"], ["Ann", "Lee"]])
    importing.run_import(path, "people")
    first = Person.get()
    plan, _ = importing.run_import(path, "people", dry_run=True)
    assert plan.items[0].action == "add"
    assert plan.notes == [f"row 2: Possible duplicate of Ann Lee (#{first.id}): added as a new "
                          "person unless you choose to match possible duplicates"]
    plan, result = importing.run_import(path, "people", options={"match_possible": True})
    assert (result.added, result.updated, Person.select().count()) == (0, 0, 1)
    _plan, result = importing.run_import(path, "people")
    assert (result.added, Person.select().count()) == (1, 2)  # the default is to add


def test_every_problem_of_a_people_row_is_said_at_once(db, tmp_path):
    path = _csv(tmp_path / "people.csv", [HEAD, ["Ann", "Lee", "ann@", "", "999999", "Mentor"]])
    plan, _ = importing.run_import(path, "people", dry_run=True)
    assert sorted((r.column, r.reason.split(":")[0]) for r in plan.refused) == [
        ("Email", "'ann@' is not an email address"),
        ("School URN", "there is no school with URN 999999")]


def test_rows_of_one_person_that_disagree_are_said_even_when_one_is_refused_for_more(db,
                                                                                     tmp_path):
    """The disagreement showed only on the run after the other row was mended, either way
    round: the refused row first, or the refused row after the one it disagrees with."""
    _schools()
    path = _csv(tmp_path / "people.csv", [
        HEAD, ["Ann", "Lee", "ann@example.com", "", "999999", "Mentor"],
        ["Bea", "Lee", "ann@example.com", "", "100001", "Mentor"],
        ["Cal", "Roe", "cal@example.com", "", "100001", "Mentor"],
        ["Cat", "Roe", "cal@example.com", "", "100002", "Astronaut"]])
    plan, _ = importing.run_import(path, "people", dry_run=True)
    assert sorted((r.row, r.column, r.reason.split(":")[0]) for r in plan.refused) == [
        (2, "School URN", "there is no school with URN 999999"),
        (3, "First name", "the same person is on row 2 with first name 'Ann'"),
        (5, "First name", "the same person is on row 4 with first name 'Cal'"),
        (5, "Role", "'Astronaut' is not a role (one of"),
    ]
    assert [item.row for item in plan.items] == [4]


def test_cli_lists_possible_duplicates_and_match_possible_matches_them(tmp_path, capsys):
    dbfile = tmp_path / "cli.sqlite3"
    path = _csv(tmp_path / "people.csv", [["First name", "Last name"], ["Ann", "Lee"]])
    assert main(["--db", str(dbfile), "import", "people", str(path)]) == 0
    assert main(["--db", str(dbfile), "import", "people", str(path), "--dry-run"]) == 0
    assert "Possible duplicate of Ann Lee (#1)" in capsys.readouterr().out
    assert main(["--db", str(dbfile), "import", "people", str(path), "--match-possible"]) == 0
    dbmod.open_database(dbfile, daily_backup=False)
    try:
        assert Person.select().count() == 1
    finally:
        dbmod.close_database()


def test_the_same_name_twice_at_one_school_without_email_is_one_person(db, tmp_path):
    _schools()
    path = _csv(tmp_path / "people.csv", [
        ["First name", "Last name", "School URN", "Role"], ["Ann", "Lee", "100001", "Mentor"],
        ["Ann", "Lee", "100001", "Mentor"], ["Ann", "Lee", "100001", "Headteacher"]])
    plan, _ = importing.run_import(path, "people", dry_run=True)
    assert [(r.row, r.reason) for r in plan.refused] == [
        (3, "this person's role at School 100001 is also on row 2: keep one")]
    assert [(i.row, i.action) for i in plan.items] == [(2, "add"), (4, "add")]


def test_a_repeated_row_of_a_new_person_adds_nothing_more(db, tmp_path):
    path = _csv(tmp_path / "people.csv", [["First name", "Last name", "Email"],
                                          ["Ann", "Lee", "ann@example.com"],
                                          ["Ann", "Lee", "ann@example.com"]])
    plan, result = importing.run_import(path, "people")
    assert [(i.row, i.action) for i in plan.items] == [(2, "add"), (3, "same")]
    assert (result.added, result.unchanged, Person.select().count()) == (1, 1, 1)
