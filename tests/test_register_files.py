"""Issue 17 item 5: Register's bulk placements and QTS/EYTS recommendation CSVs written in its
exact layout (tests/data/register, from Register's own code), who is left out and why, and its
trainee export compared with ITT Desk's records; the CLI's exit codes and one-line messages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import register_fixture as fx

from ittdesk.cli import main
from ittdesk.models import Enrolment, Person
from ittdesk.register import compare, layouts, outgoing

DATA = Path(__file__).parent / "data" / "register"


def _layout_head(name: str, lines: int) -> str:
    """The first ``lines`` records of one of Register's sample files, byte for byte."""
    text = (DATA / name).read_bytes().decode("utf-8")
    head, rest = "", text
    for _ in range(lines):
        # a record ends at a newline outside quotes
        quoted, i = False, 0
        while True:
            ch = rest[i]
            if ch == '"':
                quoted = not quoted
            elif ch == "\n" and not quoted:
                break
            i += 1
        head, rest = head + rest[:i + 1], rest[i + 1:]
    return head


@pytest.fixture
def built(db, set_today):
    set_today(fx.TODAY)
    return fx.build()


# -- placements ---------------------------------------------------------------------------------

def test_placements_file_is_registers_layout_byte_for_byte(built, tmp_path):
    written = outgoing.write_placements(tmp_path / "placements.csv")
    data = (tmp_path / "placements.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")  # Register reads UTF-8 without a BOM
    expected = (_layout_head("bulk-add-placements-prepopulated.csv", 2)
                + "9900004,01/09/2025,999102,999103,,,\n"  # salaried: the employing school too
                + "9900001,01/09/2025,999101,999102,,,\n")
    assert data.decode("utf-8") == expected
    assert written.rows == 2


def test_placements_file_leaves_out_each_trainee_it_cannot_carry_with_the_reason(built, tmp_path):
    written = outgoing.write_placements(tmp_path / "placements.csv")
    reasons = {left.name: left.reason for left in written.left_out}
    assert reasons == {
        "Cal Notrn": "no TRN yet: Register matches placements by TRN",
        "Dee Onlyassess": "Assessment only: Register needs no placements",
        "Eve Oneplace": "1 of the 2 placements Register needs recorded",
        "Fay Fivedigit": ("URN 12345 is not the 6 digits Register accepts: add that placement in "
                          "Register by hand"),
        "Gil Deferred": ("deferred: Register's bulk files leave out deferred and withdrawn "
                         "trainees"),
    }


def test_a_year_with_no_trainee_to_send_writes_nothing(built, tmp_path):
    with pytest.raises(outgoing.NothingToWrite) as refused:
        outgoing.write_placements(tmp_path / "p.csv", fx.YEAR.next())
    assert not (tmp_path / "p.csv").exists()
    assert refused.value.left_out == []
    assert str(refused.value) == ("No trainee has a training route recorded (Register's files "
                                  "are by route): nothing was written")


def test_qts_with_no_trainee_met_lists_them_all_and_writes_nothing(built, tmp_path):
    Enrolment.update(route="provider_led_postgrad").where(
        Enrolment.route == "assessment_only").execute()
    Enrolment.update(status="deferred").where(Enrolment.id == built.trainees["ada"].id).execute()
    with pytest.raises(outgoing.NothingToWrite,
                       match="^No trainee's placement check is met: nothing was written$") as refused:
        outgoing.write_qts(tmp_path / "q.csv", date(2026, 6, 30))
    assert not (tmp_path / "q.csv").exists()
    assert len(refused.value.left_out) == 7


# -- QTS / EYTS recommendations -----------------------------------------------------------------

def test_qts_file_is_registers_bulk_recommend_layout_for_trainees_whose_check_is_met(built, tmp_path):
    Enrolment.update(hesa_id="2512345678902", lead_partner=built.schools["south"],
                     age_range="13914", course_subject_1="100511").where(
        Enrolment.route == "assessment_only").execute()
    written = outgoing.write_qts(tmp_path / "qts.csv", date(2026, 6, 30))
    text = (tmp_path / "qts.csv").read_bytes().decode("utf-8")
    expected = (_layout_head("bulk-recommend.csv", 2)
                + "9900008,T-0008,'2512345678902,Dee,Onlyassess,Southgate Example Primary,QTS,"
                  "Assessment only,Primary,5 to 11,Primary Teaching,30/06/2026\n"
                + "9900001,T-0001,'2512345678901,Ada,Testwell,Northfield Testing School,QTS,"
                  "Primary and secondary (postgraduate),Secondary,11 to 16,Mathematics,30/06/2026\n")
    assert text == expected
    assert (written.rows, written.notes) == (2, [])
    reasons = {left.name: left.reason for left in written.left_out}
    assert set(reasons) == {"Bea Samplesby", "Cal Notrn", "Eve Oneplace", "Fay Fivedigit",
                            "Gil Deferred"}
    assert reasons["Eve Oneplace"].startswith("placement check at risk: 70 of 120 days")
    assert reasons["Gil Deferred"].startswith("deferred:")


def test_qts_file_leaves_out_a_column_not_every_trainee_has_as_register_would_refuse_a_blank(
        built, tmp_path):
    """Dee (Assessment only) has no HESA ID, training partner, age range or subject: Register
    would refuse her row for each blank, so those columns are not in the file at all."""
    written = outgoing.write_qts(tmp_path / "qts.csv", date(2026, 6, 30))
    text = (tmp_path / "qts.csv").read_text(encoding="utf-8")
    assert text == (
        "TRN,Provider trainee ID,First names,Last names,QTS or EYTS,Route,"
        "Date QTS or EYTS requirements met\n"
        + "Do not edit," * 6 + '"' + layouts.DATE_GUIDANCE + '"\n'
        "9900008,T-0008,Dee,Onlyassess,QTS,Assessment only,30/06/2026\n"
        "9900001,T-0001,Ada,Testwell,QTS,Primary and secondary (postgraduate),30/06/2026\n")
    assert written.notes == [
        "Not every trainee has HESA ID, Training partner, Phase, Age range, Subject recorded: "
        "left out of the file, as Register checks every column it is given against its own record"]


def test_qts_file_leaves_out_a_trainee_without_a_trn(built, tmp_path):
    Person.update(trn=None).where(Person.trn == "9900008").execute()
    written = outgoing.write_qts(tmp_path / "qts.csv", date(2026, 6, 30))
    reasons = {left.name: left.reason for left in written.left_out}
    assert reasons["Dee Onlyassess"] == ("no TRN recorded: Register recommends trainees who have "
                                         "their TRN")
    assert written.rows == 1


def test_qts_names_that_look_like_formulas_are_written_as_text(built, tmp_path):
    Person.update(first_name="=Ada").where(Person.trn == "9900001").execute()
    outgoing.write_qts(tmp_path / "qts.csv", date(2026, 6, 30))
    assert ",'=Ada,Testwell," in (tmp_path / "qts.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("met_on, said", [(date(2026, 7, 2), "is in the future"),
                                         (date(2025, 6, 30), "more than 12 months ago")])
def test_qts_date_register_would_refuse_is_refused_before_writing(built, tmp_path, met_on, said):
    with pytest.raises(outgoing.RefusedError, match=said):
        outgoing.write_qts(tmp_path / "qts.csv", met_on)
    assert not (tmp_path / "qts.csv").exists()


def test_qts_date_before_a_trainees_itt_start_leaves_that_trainee_out(built, tmp_path):
    Enrolment.update(itt_start_date=date(2026, 6, 1)).where(
        Enrolment.id == built.trainees["ada"].id).execute()
    written = outgoing.write_qts(tmp_path / "qts.csv", date(2026, 5, 29))
    reasons = {left.name: left.reason for left in written.left_out}
    assert reasons["Ada Testwell"] == ("29/05/2026 is before their ITT start date 01/06/2026: "
                                       "Register refuses it")


# -- compare ----------------------------------------------------------------------------------

def test_compare_lists_what_differs_and_who_is_only_on_one_side(built):
    found = compare.compare(DATA / "trainees-export.csv")
    assert found.on_register == 3
    by_name = {p.ours.name: p for p in found.pairs}
    assert set(by_name) == {"Ada Testwell", "Bea Samplesby"}
    assert by_name["Ada Testwell"].differences == []  # TRN match, same route, dates, schools
    bea = by_name["Bea Samplesby"]  # Register has only the employing school
    assert [d.text() for d in bea.differences] == [
        "placements: Register 999103, ITT Desk 999102, 999103"]
    assert [t.name for t in found.only_register] == ["Dai Owain Placeholder-Jones"]
    assert {t.name for t in found.only_ours} == {"Cal Notrn", "Dee Onlyassess", "Eve Oneplace",
                                                 "Fay Fivedigit", "Gil Deferred"}
    lines = found.lines()
    assert lines[0] == ("Bea Samplesby (TRN 9900004, row 3): placements: Register 999103, "
                        "ITT Desk 999102, 999103")
    assert "Only on Register: Dai Owain Placeholder-Jones (TRN 9900007, row 4)" in lines
    assert "Only in ITT Desk: Eve Oneplace (TRN 9900005)" in lines


def test_compare_names_route_status_and_date_differences(built, tmp_path):
    Enrolment.update(route="school_direct_tuition_fee", status="withdrawn",
                     itt_end_date=date(2026, 8, 31)).where(
        Enrolment.id == built.trainees["ada"].id).execute()
    found = compare.compare(DATA / "trainees-export.csv")
    ada = next(p for p in found.pairs if p.ours.name == "Ada Testwell")
    assert [d.text() for d in ada.differences] == [
        "route: Register 'Primary and secondary (postgraduate)', ITT Desk 'School direct (fee funded)'",
        "status: Register trn received, ITT Desk Withdrawn",
        "expected end date: Register 17/07/2026, ITT Desk 31/08/2026"]


def test_compare_matches_by_hesa_id_then_by_name_and_date_of_birth(built, tmp_path):
    Person.update(trn=None).where(Person.trn.in_(["9900001", "9900004"])).execute()
    found = compare.compare(DATA / "trainees-export.csv")
    assert {p.ours.name: p.register.row for p in found.pairs} == {"Ada Testwell": 2,
                                                                 "Bea Samplesby": 3}


def test_compare_refuses_a_bad_cell_naming_its_row_and_column(built, tmp_path):
    text = (DATA / "trainees-export.csv").read_text(encoding="utf-8")
    bad = tmp_path / "export.csv"
    bad.write_text(text.replace(",2025-09-01,2026-07-17,1,2025-09-01,Northfield",
                                ",2025-13-45,2026-07-17,1,2025-09-01,Northfield", 1),
                   encoding="utf-8")
    with pytest.raises(outgoing.RefusedError,
                       match=r"^export.csv: row 2, column itt_start_date: '2025-13-45' is not a real date$"):
        compare.compare(bad)


def test_compare_refuses_a_file_that_is_not_registers_export(built, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("School,URN\nNorthfield,999101\n", encoding="utf-8")
    with pytest.raises(outgoing.RefusedError, match="not Register's trainee export"):
        compare.compare(other)


# -- the CLI ----------------------------------------------------------------------------------

def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db_file(tmp_path, set_today):
    """A database on disk, as the CLI opens it."""
    from ittdesk import db as dbmod

    path = tmp_path / "ittdesk.db"
    dbmod.open_database(path)
    set_today(fx.TODAY)
    fx.build()
    dbmod.close_database()
    return path


def test_cli_register_placements_writes_and_lists_who_was_left_out(db_file, tmp_path, capsys):
    out_csv = tmp_path / "p.csv"
    code, out, err = _run(capsys, "--db", str(db_file), "register", "placements", str(out_csv))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"2 trainee(s) written to {out_csv}"
    assert "Left out: Cal Notrn: no TRN yet: Register matches placements by TRN" in lines
    assert len([line for line in lines if line.startswith("Left out: ")]) == 5


def test_cli_register_qts_refuses_a_future_date_in_one_line_and_writes_nothing(db_file, tmp_path,
                                                                               capsys):
    out_csv = tmp_path / "q.csv"
    code, out, err = _run(capsys, "--db", str(db_file), "register", "qts", str(out_csv),
                          "--met-on", "02/07/2026")
    assert code == 1 and out == ""
    assert err == "ittdesk: 02/07/2026 is in the future: Register refuses it; nothing was written\n"
    assert not out_csv.exists()


def test_cli_register_usage_errors_exit_2(db_file, tmp_path, capsys):
    code, _out, err = _run(capsys, "--db", str(db_file), "register", "qts", str(tmp_path / "q.csv"))
    assert code == 2 and "--met-on" in err and len(err.splitlines()) == 1
    code, _out, err = _run(capsys, "--db", str(db_file), "register", "placements",
                           str(tmp_path / "p.xlsx"))
    assert code == 2 and err.strip().endswith("the output must be a .csv file")
    code, _out, err = _run(capsys, "--db", str(db_file), "register")
    assert code == 2 and "choose an action" in err


def test_cli_register_compare_prints_differences_and_a_summary(db_file, capsys):
    code, out, err = _run(capsys, "--db", str(db_file), "register", "compare",
                          str(DATA / "trainees-export.csv"))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[-1] == ("3 trainee(s) in trainees-export.csv, 2 matched: 1 differ; "
                         "1 only on Register, 5 only in ITT Desk")
    assert lines[0].startswith("Bea Samplesby (TRN 9900004, row 3): placements:")


def test_cli_register_compare_of_a_bad_file_exits_1_in_one_line(db_file, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("trn,itt_start_date\nABC,2025-09-01\n", encoding="utf-8")
    code, out, err = _run(capsys, "--db", str(db_file), "register", "compare", str(bad))
    assert code == 1 and out == ""
    assert err == "ittdesk: bad.csv: row 2, column trn: 'ABC' is not a TRN (7 digits)\n"


def test_a_file_over_registers_upload_limit_says_so(built, tmp_path, monkeypatch):
    monkeypatch.setattr(layouts, "MAX_UPLOAD_BYTES", 100)
    written = outgoing.write_placements(tmp_path / "placements.csv")
    size = (tmp_path / "placements.csv").stat().st_size
    assert written.notes == [f"placements.csv is {size / 100:.1f} MB; Register accepts files up to "
                             "1 MB: write one per year (--year) or split it"]


def test_cli_register_file_nobody_can_go_in_exits_1_and_writes_nothing(db_file, tmp_path, capsys):
    out_csv = tmp_path / "q.csv"
    code, out, err = _run(capsys, "--db", str(db_file), "register", "qts", str(out_csv),
                          "--met-on", "30/06/2026", "--year", "2026/27")
    assert (code, out) == (1, "")
    assert err == ("ittdesk: No trainee has a training route recorded (Register's files are by "
                   "route): nothing was written\n")
    assert not out_csv.exists()


def test_compare_reads_the_export_saved_as_a_workbook_the_same(built, tmp_path):
    """Opened in Excel and saved: dates become date cells, TRNs and URNs numbers."""
    import csv

    import xlsxwriter

    with (DATA / "trainees-export.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    book = xlsxwriter.Workbook(str(tmp_path / "export.xlsx"))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if r and len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
                sheet.write_datetime(r, c, date.fromisoformat(cell), book.add_format(
                    {"num_format": "dd/mm/yyyy"}))
            elif r and cell.isdigit():
                sheet.write_number(r, c, int(cell))
            else:
                sheet.write_string(r, c, cell)
    book.close()
    from_csv = compare.compare(DATA / "trainees-export.csv")
    from_xlsx = compare.compare(tmp_path / "export.xlsx")
    assert from_xlsx.lines() == from_csv.lines()
    assert from_xlsx.summary().replace("export.xlsx", "trainees-export.csv") == from_csv.summary()


def test_a_placement_register_cannot_take_is_noted_when_the_others_are_enough(built, tmp_path):
    fx._place(built.trainees["ada"], built.schools["old"], date(2026, 3, 2), date(2026, 3, 13), 10,
              kind="enrichment")
    written = outgoing.write_placements(tmp_path / "placements.csv")
    assert "9900001,01/09/2025,999101,999102,,,\n" in (tmp_path / "placements.csv").read_text(
        encoding="utf-8")
    assert written.notes == ["Ada Testwell: URN 12345 is not the 6 digits Register accepts: add "
                             "that placement in Register by hand"]


def test_qts_file_keeps_a_finished_course_but_not_one_already_recommended(built, tmp_path):
    Enrolment.update(status="completed", outcome="Completed").where(
        Enrolment.id == built.trainees["ada"].id).execute()
    Enrolment.update(status="completed", outcome="QTS recommended").where(
        Enrolment.route == "assessment_only").execute()
    written = outgoing.write_qts(tmp_path / "qts.csv", date(2026, 6, 30))
    assert written.rows == 1
    assert "\n9900001,T-0001," in (tmp_path / "qts.csv").read_text(encoding="utf-8")
    reasons = {left.name: left.reason for left in written.left_out}
    assert reasons["Dee Onlyassess"] == "outcome already recorded: QTS recommended"


def test_compare_for_one_year_leaves_out_both_sides_other_years(built):
    found = compare.compare(DATA / "trainees-export.csv", fx.YEAR.next())
    assert (found.on_register, found.pairs, found.only_register, found.only_ours) == (0, [], [], [])
