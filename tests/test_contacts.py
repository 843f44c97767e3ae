"""Contact lists (issue 20 item 4): current post holders chosen by role, designation, school
status, LA, phase and subject; no-newsletter and erased people left out; CSV and Bcc."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.contacts import HEADINGS, build, parse_audience, write_csv
from ittdesk.errors import ValidationError
from ittdesk.privacy import erasure
from ittdesk.services.people import designations, people, roles
from ittdesk.services.schools import schools


def _seed(set_today=None):
    fern = schools.create({"urn": 812345, "name": "Fernbank Primary School", "phase": "primary",
                           "partnership_status": "partner", "la_name": "Kirklees",
                           "trust": "Pennine Learning Trust"})
    moor = schools.create({"urn": 812346, "name": "Moorside Academy", "phase": "secondary",
                           "partnership_status": "prospective", "la_name": "Calderdale"})
    made = {}

    def person(key, first, last, email, school, kind, **role):
        p = people.create({"first_name": first, "last_name": last, "email": email})
        if school is not None:
            roles.create({"person": p.id, "school": school.id, "kind": kind, **role})
        made[key] = p
        return p

    person("asha", "Asha", "Verma", "asha@example.org", fern, "headteacher",
           start_date=date(2019, 9, 1))
    person("old", "Oswald", "Pryce", "oswald@example.org", fern, "headteacher",
           start_date=date(2010, 9, 1), end_date=date(2019, 8, 31))
    person("next", "Nia", "Jones", "nia@example.org", moor, "headteacher",
           start_date=date(2031, 1, 1))
    person("moorhead", "Malik", "Shah", "malik@example.org", moor, "headteacher")
    person("maths", "=Mina", "Ortiz", "mina@example.org", moor, "mentor", subjects="Maths, Physics")
    person("english", "Eli", "Brook", "eli@example.org", moor, "mentor", subjects="English")
    person("quiet", "Quinn", "Hale", "quinn@example.org", fern, "itt_champion")
    people.update(made["quiet"].id, {"no_newsletters": "yes"})
    person("noemail", "Nell", "Ames", None, fern, "itt_champion")
    person("gone", "Gwen", "Doe", "gwen@example.org", fern, "itt_champion")
    erasure.erase(made["gone"].id, compact_after=False)
    sle = person("sle", "Sam", "Lee", "sam@example.org", fern, "deputy_head")
    designations.create({"person": sle.id, "kind": "SLE", "specialism": "Early reading"})
    return made


def _emails(contacts):
    return [c.email for c in contacts.contacts]


def test_only_current_holders_of_the_role_are_listed(db):
    _seed()
    found = build(parse_audience(roles=["headteacher"]))
    assert _emails(found) == ["malik@example.org", "asha@example.org"]  # by last name: Shah, Verma


def test_the_schools_partnership_status_la_and_phase_narrow_the_list(db):
    _seed()
    assert _emails(build(parse_audience(roles=["head"], partnership=["partner"]))) == ["asha@example.org"]
    assert _emails(build(parse_audience(roles=["headteacher"], la="calderdale"))) == ["malik@example.org"]
    assert _emails(build(parse_audience(roles=["headteacher"], phase="Primary"))) == ["asha@example.org"]
    assert _emails(build(parse_audience(roles=["headteacher"], trust="Pennine learning trust"))) == [
        "asha@example.org"]


def test_mentors_are_chosen_by_subject(db):
    _seed()
    assert _emails(build(parse_audience(roles=["mentor"], subject="maths"))) == ["mina@example.org"]


def test_mentors_are_chosen_by_phase_from_their_school_or_their_key_stages(db):
    made = _seed()
    through = schools.create({"urn": 812347, "name": "Hilltop All-through", "phase": "all_through"})
    kai = people.create({"first_name": "Kai", "last_name": "Nash", "email": "kai@example.org"})
    roles.create({"person": kai.id, "school": through.id, "kind": "mentor", "key_stages": "KS1, KS2"})
    assert _emails(build(parse_audience(roles=["mentor"], phase="primary"))) == ["kai@example.org"]
    assert _emails(build(parse_audience(roles=["mentor"], phase="secondary"))) == [
        "eli@example.org", "mina@example.org"]
    assert made["maths"].id not in {c.person_id for c in build(
        parse_audience(roles=["mentor"], phase="primary")).contacts}


def test_people_who_asked_for_no_newsletters_erased_people_and_those_without_email_are_left_out(db):
    _seed()
    found = build(parse_audience(roles=["itt_champion"]))
    assert _emails(found) == []
    assert (found.opted_out, found.no_email) == (1, 1)
    assert found.left_out() == "Left out: 1 asked for no newsletters, 1 with no email address."


def test_designations_list_system_leaders_with_their_school(db):
    _seed()
    found = build(parse_audience(designations=["specialist leader of education"]))
    assert [(c.email, c.row()[4], c.row()[6]) for c in found.contacts] == [
        ("sam@example.org", "Fernbank Primary School", "SLE (Early reading)")]


def test_unknown_words_and_an_empty_choice_are_refused(db):
    with pytest.raises(ValidationError) as bad:
        parse_audience(roles=["janitor"], partnership=["friend"])
    assert set(bad.value.errors) == {"role", "partnership"}
    with pytest.raises(ValidationError):
        parse_audience()


def test_the_csv_has_a_bom_the_headings_and_formula_like_text_as_text(db, tmp_path):
    _seed()
    n = write_csv(build(parse_audience(roles=["mentor"])), tmp_path / "mentors.csv")
    raw = (tmp_path / "mentors.csv").read_bytes()
    assert n == 2 and raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == HEADINGS
    assert rows[1][:7] == ["Eli", "Brook", "eli@example.org", "", "Moorside Academy", "812346", "Mentor"]
    assert rows[2][0] == "'=Mina"


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "cli.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    _seed()
    dbmod.close_database()
    return path


def test_cli_writes_the_csv_or_prints_the_bcc_line(dbfile, tmp_path, capsys):
    out = tmp_path / "heads.csv"
    assert main(["--db", str(dbfile), "contacts", "--role", "headteacher", str(out)]) == 0
    assert "2 contact(s) written" in capsys.readouterr().out
    assert "asha@example.org" in out.read_text(encoding="utf-8-sig")
    assert main(["--db", str(dbfile), "contacts", "--role", "headteacher", "--bcc"]) == 0
    assert capsys.readouterr().out.strip() == "malik@example.org; asha@example.org"


def test_cli_usage_and_refusals(dbfile, tmp_path, capsys):
    assert main(["--db", str(dbfile), "contacts", "--role", "headteacher"]) == 2
    assert main(["--db", str(dbfile), "contacts", "--role", "headteacher", str(tmp_path / "x.xlsx")]) == 2
    capsys.readouterr()
    assert main(["--db", str(dbfile), "contacts", "--role", "janitor", "--bcc"]) == 1
    err = capsys.readouterr().err
    assert "'janitor' is not a role" in err and "Traceback" not in err
