"""Issue 17 item 6: the Ofsted notification pack for today, one workbook and one PDF with the
same four parts: settings with current and last placements, trainees by route with their
placement check, mentors with their training, agreements in force."""

from __future__ import annotations

from datetime import date

import pytest
import register_fixture as fx
from python_calamine import CalamineWorkbook
from test_printing import pdf_pages

from ittdesk.cli import main
from ittdesk.models import AgreementParty, SupportAgreement
from ittdesk.ofsted import pack as ofsted


@pytest.fixture
def built(db, set_today):
    set_today(fx.TODAY)
    made = fx.build()
    agreement = SupportAgreement.create(reference="SA-2025-001", title="Early reading support",
                                        academic_year=fx.YEAR, status="active",
                                        start_date=date(2025, 10, 1), end_date=date(2026, 9, 30))
    AgreementParty.create(agreement=agreement, school=made.schools["south"], role="supported")
    AgreementParty.create(agreement=agreement, school=made.schools["north"], role="supporting")
    SupportAgreement.create(reference="SA-2024-009", title="Ended last year",
                            academic_year=fx.YEAR.previous(), status="completed",
                            start_date=date(2024, 10, 1), end_date=date(2025, 7, 31))
    SupportAgreement.create(reference="SA-2025-002", title="Still a draft",
                            academic_year=fx.YEAR, status="draft")
    return made


def _part(pack: ofsted.Pack, title: str) -> ofsted.Part:
    return next(p for p in pack.parts if p.title == title)


def test_settings_show_who_is_placed_now_or_when_the_last_placement_ended(built):
    settings = _part(ofsted.collect(), "Settings")
    rows = {row[1]: row for row in settings.rows}
    south = rows["Southgate Example Primary"]
    assert south[6] == 1
    assert south[7] == "Bea Samplesby (School direct (salaried), until 17/07/2026)"
    north = rows["Northfield Testing School"]
    assert (north[6], north[8]) == (0, date(2026, 6, 26))  # Ada's ITaP ended last
    assert rows["Westmoor Unplaced School"][6:] == (0, "", None)  # a partner, never used
    assert settings.rows[0][1] == "Southgate Example Primary"  # placed now first


def test_trainees_are_listed_by_route_with_their_placement_check(built):
    trainees = _part(ofsted.collect(), "Trainees")
    by_name = {row[1]: row for row in trainees.rows}
    assert "Gil Deferred" in by_name and by_name["Gil Deferred"][4] == "Deferred"
    ada = by_name["Ada Testwell"]
    assert ada[0] == "Primary and secondary (postgraduate)"
    assert (ada[6], ada[7], ada[8], ada[9]) == ("Met", 120, 120, 2)
    bea = by_name["Bea Samplesby"]
    assert bea[5] == "Southgate Example Primary"
    assert [row[0] for row in trainees.rows] == sorted(row[0] for row in trainees.rows)


def test_a_leadership_programmes_participants_are_not_listed_as_trainees(built):
    from ittdesk.models import Cohort, Enrolment, Person, Programme

    npq = Programme.create(name="NPQ for Senior Leadership", kind="leadership")
    cohort = Cohort.create(programme=npq, name="NPQ 2025", academic_year=fx.YEAR)
    head = Person.create(first_name="Nell", last_name="Leaderby", email="nell@example.org")
    Enrolment.create(person=head, cohort=cohort, status="enrolled")
    names = {row[1] for row in _part(ofsted.collect(), "Trainees").rows}
    assert "Ada Testwell" in names and "Nell Leaderby" not in names


def test_mentors_with_their_training_and_who_they_mentor_now(built):
    mentors = _part(ofsted.collect(), "Mentors")
    assert mentors.rows == [("Mona Mentorby", "mona@example.org",
                             "Southgate Example Primary (Primary)", "Bea Samplesby",
                             date(2024, 10, 3), "Initial 03/10/2024 (6 h), Testshire SCITT")]


def test_only_agreements_in_force_today_are_listed(built):
    agreements = _part(ofsted.collect(), "Agreements")
    assert agreements.rows == [("SA-2025-001", "Early reading support", "2025/26", "Active",
                                date(2025, 10, 1), date(2026, 9, 30),
                                "Northfield Testing School (Supporting school); "
                                "Southgate Example Primary (Supported school)")]


def test_pack_writes_a_workbook_with_the_four_sheets_and_a_pdf_with_the_same_rows(built, qapp,
                                                                                 tmp_path):
    from ui.printing import html_to_pdf

    pack = ofsted.write_pack(tmp_path / "pack", html_to_pdf)
    xlsx, pdf = (tmp_path / "pack" / name for name in ofsted.file_names(fx.TODAY))
    assert sorted(pack.paths) == sorted([xlsx, pdf])
    book = CalamineWorkbook.from_path(str(xlsx))
    assert book.sheet_names == ["Settings", "Trainees", "Mentors", "Agreements"]
    trainees = book.get_sheet_by_name("Trainees").to_python()
    assert trainees[3][:3] == ["Route", "Trainee", "TRN"]
    assert len(trainees) == 4 + len(_part(pack, "Trainees").rows)
    assert {row[1] for row in trainees[4:]} >= {"Ada Testwell", "Bea Samplesby"}
    text = " ".join(pdf_pages(pdf))
    for heading in ("Settings (5)", "Trainees (7)", "Mentors (1)", "Agreements (1)"):
        assert heading in text
    for name in ("Southgate Example Primary", "Ada Testwell", "Mona Mentorby", "SA-2025-001"):
        assert name in text
    pages = pdf_pages(pdf)
    for heading, first in (("Trainees (7)", "Ada Testwell"), ("Mentors (1)", "Mona Mentorby"),
                           ("Agreements (1)", "SA-2025-001")):
        # each part begins a page: no heading alone at the foot of the page before its table
        page = next(p for p in pages if first in p)
        assert page.startswith(heading), page[:80]



def test_cli_ofsted_pack_without_the_desktop_refuses_and_writes_nothing(tmp_path, capsys):
    code = main(["ofsted-pack", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("ittdesk: Writing a PDF needs the desktop app")
    assert not (tmp_path / "out").exists()


def test_cli_ofsted_pack_writes_both_files_and_says_what_they_hold(tmp_path, set_today, qapp,
                                                                   capsys):
    from ittdesk import db as dbmod
    from main import desktop

    path = tmp_path / "ittdesk.db"
    dbmod.open_database(path)
    set_today(fx.TODAY)
    fx.build()
    dbmod.close_database()
    out_dir = tmp_path / "pack"
    code = main(["--db", str(path), "ofsted-pack", str(out_dir)], desktop=desktop())
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    xlsx, pdf = (out_dir / name for name in ofsted.file_names(fx.TODAY))
    assert out.splitlines() == [f"Written: {pdf}", f"Written: {xlsx}",
                                "Settings: 5; Trainees: 7; Mentors: 1; Agreements: 0"]


def test_cli_ofsted_pack_into_a_file_is_a_usage_error(tmp_path, capsys):
    from main import desktop

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    code = main(["ofsted-pack", str(a_file)], desktop=desktop())
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"ittdesk ofsted-pack: {a_file} is a file, not a folder\n"
