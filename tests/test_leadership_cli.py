"""``ittdesk leadership ...``: forms, collect (a dry run unless --apply), status and changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_leadership_forms import fill_form

from ittdesk import clock
from ittdesk import db as dbmod
from ittdesk.academic_year import AcademicYear
from ittdesk.cli import main
from ittdesk.leadership import forms, rounds
from ittdesk.models import AuditEntry, Role, School
from ittdesk.services.people import current_roles, people
from main import desktop

TODAY = clock.today()
YEAR = str(AcademicYear.current())  # the demo is built as of today: its round is this year's


def run(argv, capsys):
    code = main(argv, desktop=desktop())  # as main.py runs it: PDFs through ui.printing
    out, err = capsys.readouterr()
    return code, out, err


def _reopen(location):
    dbmod.open_database(location.url, daily_backup=False)


def _school_with_head(round_year=YEAR):
    for entry in rounds.entries(rounds.get_round(round_year)):
        heads = [r for r in current_roles(entry.school) if r.kind == "headteacher"]
        if heads and heads[0].start_date < TODAY - timedelta(days=30):
            return entry.school, heads[0]
    raise AssertionError("no school with a head")


@pytest.mark.slow
def test_forms_collect_dry_run_then_apply_then_status(demo_db, tmp_path, capsys):
    db = ["--db", str(demo_db.path)]
    outdir = tmp_path / "out"
    code, out, err = run(["leadership", "forms", "--year", YEAR, str(outdir), *db], capsys)
    assert code == 0, err
    assert f"Started the {YEAR} confirmation round" in out and "Wrote " in out
    _reopen(demo_db)
    school, head = _school_with_head()
    written = len(list(outdir.glob("*.xlsx")))
    assert written == len(rounds.entries(rounds.get_round(YEAR)))
    fill_form(outdir / forms.file_name_for(school),
              people={head.person.full_name: ("No - has left this post", TODAY)},
              new=[("Headteacher", "Ms", "Ada", "Quarmby-Lee", "ada.ql@example.org", TODAY)],
              appetite="Actively looking to host trainees")
    before = (Role.select().count(), AuditEntry.select().count())
    dbmod.close_database()

    code, out, err = run(["leadership", "collect", str(outdir), *db], capsys)
    assert code == 0, err
    assert f"{school.urn} {school.name}" in out
    assert "+ New headteacher: Ms Ada Quarmby-Lee" in out
    assert "+ Headteacher has left" in out
    assert "nothing changed (add --apply" in out
    assert f"{written - 1} form(s) not filled in yet were skipped" in out
    _reopen(demo_db)
    assert (Role.select().count(), AuditEntry.select().count()) == before
    dbmod.close_database()

    code, out, err = run(["leadership", "collect", str(outdir), "--apply", *db], capsys)
    assert code == 0, err
    assert f"applied 3 change(s); confirmed for {YEAR}" in out
    _reopen(demo_db)
    new_head = [r for r in current_roles(school) if r.kind == "headteacher"]
    assert [r.person.full_name for r in new_head] == ["Ada Quarmby-Lee"]
    assert Role.get_by_id(head.id).end_date is not None
    assert School.get_by_id(school.id).leadership_confirmed_on == TODAY
    dbmod.close_database()

    code, out, err = run(["leadership", "status", "--year", YEAR, *db], capsys)
    assert code == 0, err
    assert "Outstanding:" not in out  # written, never sent: nobody to chase yet
    code, out, err = run(["leadership", "mark-sent", "--year", YEAR, *db], capsys)
    assert code == 0, err
    assert f"Marked {written} form(s) as sent for {YEAR}." in out
    _reopen(demo_db)
    # confirmed for the year: by the collected form, or by hand since its 1 September
    year = AcademicYear.parse(YEAR)
    confirmed = School.select().where(School.leadership_confirmed_on.between(
        year.start, year.end) & School.id.in_(
        [e.school_id for e in rounds.entries(rounds.get_round(YEAR))])).count()
    dbmod.close_database()
    assert 1 < confirmed < written

    export = tmp_path / "chase.xlsx"
    code, out, err = run(["leadership", "status", "--year", YEAR, "--export", str(export),
                          *db], capsys)
    assert code == 0, err
    waiting = written - confirmed
    assert (f"{YEAR}: {written} schools, {confirmed} confirmed, {waiting} not confirmed "
            f"({waiting} sent and awaited)") in out
    assert export.exists()
    assert f"{school.urn} {school.name}" not in out.split("Outstanding:")[1]


def test_collect_refuses_junk_with_one_line_and_exit_1(demo_db, tmp_path, capsys):
    rounds.start_round("2026/27")
    dbmod.close_database()
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    code, out, err = run(["leadership", "collect", str(junk), "--apply", "--db",
                          str(demo_db.path)], capsys)
    assert code == 1
    assert err.strip().splitlines() == [
        "ittdesk: refused junk.xlsx: not a spreadsheet ITT Desk can read (is it a form we sent?)"]


def test_collect_without_a_round_is_refused(demo_db, tmp_path, capsys):
    dbmod.close_database()
    code, _, err = run(["leadership", "collect", str(tmp_path), "--db", str(demo_db.path)], capsys)
    assert code == 1 and "No confirmation round has been started" in err


def test_bad_year_and_bad_status_are_clear_errors(demo_db, tmp_path, capsys):
    dbmod.close_database()
    db = ["--db", str(demo_db.path)]
    code, _, err = run(["leadership", "forms", "--year", "2026/28", str(tmp_path), *db], capsys)
    assert code == 2 and "not an academic year" in err and "Traceback" not in err
    code, _, err = run(["leadership", "forms", "--year", "2026/27", str(tmp_path),
                        "--schools", "partner,nonsense", *db], capsys)
    assert code == 1 and "'nonsense' is not a partnership status" in err
    code, _, err = run(["leadership", "forms", str(tmp_path), *db], capsys)
    assert code == 2 and "--year" in err


def test_change_starts_the_new_holder_and_ends_the_old(demo_db, capsys, set_today):
    set_today(date(2026, 12, 7))  # the change is for 1 January: the new head is not head yet
    rounds.start_round("2026/27")
    school, head = _school_with_head("2026/27")
    newcomer = people.create({"first_name": "Nadia", "last_name": "Holroyd",
                              "email": "nadia.h@example.org"})
    dbmod.close_database()
    code, out, err = run(["leadership", "change", str(school.urn), "head teacher",
                          "nadia.h@example.org", "--on", "01/01/2027", "--db",
                          str(demo_db.path)], capsys)
    assert code == 0, err
    assert "Nadia Holroyd is headteacher" in out
    _reopen(demo_db)
    assert Role.get_by_id(head.id).end_date == date(2026, 12, 31)
    heads_now = [r.person_id for r in current_roles(school) if r.kind == "headteacher"]
    heads_then = [r.person_id for r in current_roles(school, day=date(2027, 1, 1))
                  if r.kind == "headteacher"]
    assert heads_now == [head.person_id] and heads_then == [newcomer.id]
    dbmod.close_database()
    code, out, _ = run(["leadership", "history", str(school.urn), "--db", str(demo_db.path)],
                       capsys)
    assert code == 0 and "Nadia Holroyd" in out and "from 01/01/2027" in out
    assert "01/01/2027 - now" not in out and "- 31/12/2026 (now)" in out


def test_gaps_lists_schools_without_a_head_or_champion(demo_db, capsys):
    dbmod.close_database()
    code, out, _ = run(["leadership", "gaps", "--db", str(demo_db.path)], capsys)
    assert code == 0 and "missing ITT champion" in out


def test_forms_can_also_be_written_as_paper_pdfs(qapp, demo_db, tmp_path, capsys):
    # ``qapp`` first: the PDF renderer reuses it, and a plain QGuiApplication made here would
    # stop later widget tests in the same process from creating their QApplication.
    from pypdf import PdfReader

    school = School.select().where(School.partnership_status == "partner").first()
    rounds.start_round("2026/27", [school.id])
    dbmod.close_database()
    code, out, err = run(["leadership", "forms", "--year", "2026/27", str(tmp_path), "--pdf",
                          "--db", str(demo_db.path)], capsys)
    assert code == 0, err
    assert "Wrote 1 paper form(s) (PDF)" in out
    pdf = tmp_path / forms.file_name_for(school).replace(".xlsx", ".pdf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    assert school.name in text and "Still correct?" in text and "Hosting trainee teachers" in text
