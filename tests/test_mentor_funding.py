"""Mentor training funding (issue 18): DfE's caps and rates, regions, the ledger, statements,
DfE's sample answered, the CLI. Figures checked against DfE's own code (itt-mentor-services:
training_hours.rb, _grant_conditions.html.erb, regional_areas.rb)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ittdesk import attention, clock, settings
from ittdesk import db as dbmod
from ittdesk.academic_year import AcademicYear
from ittdesk.cli import main
from ittdesk.errors import RefusedError
from ittdesk.mentor_funding import ledger as ledgers
from ittdesk.mentor_funding import rates, regions
from ittdesk.mentor_funding import sample as samples
from ittdesk.mentor_funding.demo import CASES, OTHER_PROVIDER, sample_rows
from ittdesk.models import AuditEntry, FundingSample, MentorTraining
from ittdesk.services.people import mentor_training, people, roles
from ittdesk.services.schools import schools

REAL = Path(__file__).parent / "data" / "real"
Y2425, Y2526 = AcademicYear(2024), AcademicYear(2025)
LATEST_HEADERS = ["claim_reference", "school_urn", "school_name", "school_local_authority",
                  "school_type_of_establishment", "school_group", "provider_name",
                  "claim_submission_date", "mentor_trn", "mentor_full_name",
                  "mentor_hours_of_training", "claim_accepted", "rejection_reason"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def school(urn, **extra):
    return schools.create({"urn": urn, "name": f"School {urn}", "partnership_status": "partner",
                           "la_code": "901", **extra})


def mentor(first, last, at, trn=None, since=date(2020, 9, 1)):
    person = people.create({"first_name": first, "last_name": last, "trn": trn})
    roles.create({"person": person.id, "school": at.id, "kind": "mentor", "start_date": since})
    return person


def trained(person, on, hours, at=None, **extra):
    return mentor_training.create({"person": person.id, "kind": "initial", "hours": hours,
                                   "completed_on": on, "school": at.id if at else None, **extra})


@pytest.fixture
def provider(db, set_today):
    set_today(date(2026, 9, 20))
    settings.set("provider_name", "Moorside SCITT")
    return db


# -- DfE's figures, as data --------------------------------------------------------------------

def test_dfe_caps_are_20_initial_hours_before_2025_26_16_from_it_and_6_refresher(provider):
    assert (rates.figures(Y2425).initial_hours, rates.figures(Y2425).refresher_hours) == (20, 6)
    assert (rates.figures(Y2526).initial_hours, rates.figures(Y2526).refresher_hours) == (16, 6)
    assert rates.figures(Y2526).rates == {"inner_london": 5360, "outer_london": 4825,
                                          "fringe": 4510, "rest_of_england": 4380}
    assert "training_hours.rb" in rates.figures(Y2526).source
    with pytest.raises(RefusedError, match="No mentor funding figures for 2031/32"):
        rates.figures(AcademicYear(2031))


def test_a_mentors_initial_hours_are_capped_at_the_years_figure(provider):
    s = school(900001)
    for year, cap in ((Y2425, 20), (Y2526, 16)):
        m = mentor("Ada", f"Cap{year.start_year}", s, trn=f"10000{year.start_year % 100}")
        trained(m, year.start + timedelta(days=40), 12, s)
        trained(m, year.start + timedelta(days=70), 12, s)
        line = ledgers.build(year).statement_for(s.id).lines
        (mine,) = [x for x in line if x.person_id == m.id]
        assert (mine.allowance, mine.hours, mine.claimable) == ("initial", 24, cap)
        assert mine.amount == cap * 4380  # £876.00 (20 h) and £700.80 (16 h) outside London


def test_training_with_the_same_provider_in_an_earlier_year_gives_the_refresher_allowance(provider):
    s = school(900002)
    again = mentor("Bea", "Again", s, trn="2000001")
    elsewhere = mentor("Cal", "Elsewhere", s, trn="2000002")
    trained(again, date(2024, 11, 1), 20, s)
    trained(elsewhere, date(2024, 11, 1), 20, s, accredited_provider=OTHER_PROVIDER)
    trained(again, date(2025, 10, 1), 8, s)
    trained(elsewhere, date(2025, 10, 1), 18, s)
    ledger = ledgers.build(Y2526)
    assert (ledger.mentors[again.id].allowance, ledger.mentors[again.id].claimable) == (
        "refresher", 6)
    # another provider's training earlier does not make this provider's a refresher
    assert (ledger.mentors[elsewhere.id].allowance, ledger.mentors[elsewhere.id].claimable) == (
        "initial", 16)


def test_each_region_is_paid_its_own_hourly_rate_exactly_in_pence(provider):
    cases = {"inner_london": ({"funding_region": "inner_london"}, 5360, 40200),
             "outer_london": ({"district_code": "E09000004"}, 4825, 36188),  # 36187.5 half up
             "fringe": ({"la_code": "871"}, 4510, 33825),
             "rest_of_england": ({}, 4380, 32850)}
    made = {}
    for i, (key, (extra, _rate, _total)) in enumerate(cases.items()):
        s = school(900010 + i, **extra)
        m = mentor("Dee", f"Region{i}", s, trn=f"300000{i}")
        trained(m, date(2025, 10, 1), 7.5, s)
        made[key] = s
    ledger = ledgers.build(Y2526)
    for key, (_extra, rate, total) in cases.items():
        statement = ledger.statement_for(made[key].id)
        assert (statement.region, statement.rate) == (key, rate)
        assert statement.total == total  # 7.5 h x the rate, e.g. 7.5 x £45.10 = £338.25
    assert ledgers.amount_pence(Decimal("7.5"), 4825) == 36188


def test_the_cap_is_shared_between_schools_in_the_order_the_training_happened(provider):
    first, second = school(900020), school(900021)
    m = mentor("Eve", "Shared", first, trn="4000001")
    trained(m, date(2025, 10, 1), 10, first)
    trained(m, date(2025, 11, 1), 10, second)
    ledger = ledgers.build(Y2526)
    assert ledger.statement_for(first.id).claimable == 10
    assert ledger.statement_for(second.id).claimable == 6  # grant conditions: 10 + 6 = 16


def test_what_is_missing_names_mentors_without_a_trn_or_hours(provider):
    s = school(900030)
    mentor("Fay", "NoTrn", s)
    idle = mentor("Gus", "Idle", s, trn="5000001")
    untimed = mentor("Hal", "Untimed", s, trn="5000002")
    mentor_training.create({"person": untimed.id, "kind": "initial",
                            "completed_on": date(2025, 10, 1), "school": s.id})
    missing = ledgers.build(Y2526).statement_for(s.id).missing
    assert missing == ["Gus Idle: no hours recorded", "Fay NoTrn: no TRN, no hours recorded",
                       "Hal Untimed: hours not recorded for a session"]
    assert idle.trn == "5000001"


def test_the_provider_sets_a_years_figures_and_they_win_over_dfes(provider):
    changes = rates.parse_settings(["initial=18", "fringe=46.20"])
    rates.set_figures(Y2526, changes, "DfE letter of March 2026")
    f = rates.figures(Y2526)
    assert (f.initial_hours, f.rates["fringe"], f.set_by_provider) == (18, 4620, True)
    assert AuditEntry.select().where(AuditEntry.entity == "funding_year").count() == 1
    with pytest.raises(RefusedError, match="give every one"):
        rates.set_figures(AcademicYear(2030), {"initial_hours": 16})


def test_a_new_session_names_this_provider_as_its_accredited_provider(provider):
    s = school(900040)
    record = trained(mentor("Ivy", "Named", s), date(2025, 10, 1), 3, s)
    assert MentorTraining.get_by_id(record.id).accredited_provider == "Moorside SCITT"
    assert MentorTraining.get_by_id(record.id).general is True


# -- regions from GIAS codes ---------------------------------------------------------------------

def test_regions_from_dfes_own_gias_fixture_district_codes():
    """DfE's fixture names each school by the region its district code gives."""
    expected = {"InnerLondonSchool": "inner_london", "OuterLondonSchool": "outer_london",
                "FringeSchool": "fringe", "RestOfEnglandSchool": "rest_of_england"}
    with open(REAL / "gias_codes_trusts_regions.csv", encoding="utf-8-sig") as f:
        found = {row["EstablishmentName"]: regions.region_of(
            None, row["DistrictAdministrative (code)"], None).key for row in csv.DictReader(f)
            if row["EstablishmentName"] in expected}
    assert found == expected


def test_regions_from_la_codes_where_they_decide_and_none_where_they_do_not():
    def key(la):
        return regions.region_of(None, None, la).key

    assert (key("202"), key("304"), key("302"), key("871"), key("936"), key("901")) == (
        "inner_london", "inner_london", "outer_london", "fringe", "fringe", "rest_of_england")
    assert key("919") is None  # Hertfordshire: Watford is Fringe, Stevenage is not
    assert "district code" in regions.region_of(None, None, "919").how
    assert regions.region_of(None, "E07000103", "919").key == "fringe"  # Watford
    assert regions.region_of("outer_london", "E09000007", "202").key == "outer_london"


# -- DfE's sample, answered on the demo partnership ------------------------------------------------

def write_sample(path: Path, rows, headers=LATEST_HEADERS, *, bom=False, newline="\n",
                 delimiter=","):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator=newline)
        writer.writerow(headers)
        for row in rows:  # as DfE writes them: no cells for the two answers
            writer.writerow([row[h] for h in headers if h in row])


def demo_sample(demo_db, tmp_path, **options):
    year = AcademicYear.current().previous()
    rows = sample_rows(year)
    path = tmp_path / "quality_assurance_for_moorside.csv"
    write_sample(path, rows, **options)
    location = demo_db.path
    dbmod.close_database()
    return location, path, rows


def read_csv(path: Path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_demo_sample_is_answered_with_each_rejection_reason(demo_db, tmp_path, capsys):
    db_path, sample, rows = demo_sample(demo_db, tmp_path)
    out = tmp_path / "answered.csv"
    code, stdout, err = run(capsys, "--db", db_path, "mentor-funding", "answer", sample, out,
                            "--received", "01/12/2026")
    assert code == 0, err
    written = read_csv(out)
    assert written[0] == LATEST_HEADERS
    original = read_csv(sample)
    answers = {}
    for before, after, case in zip(original[1:], written[1:], [c.key for c in CASES] + ["unknown"],
                                   strict=True):
        assert after[:11] == before[:11]  # every other cell as DfE sent it
        answers[case] = after[11:]
    assert answers["accepted"] == ["yes", ""]
    assert answers["hours"][0] == "no" and answers["hours"][1].startswith(samples.HOURS_EXCEED)
    assert answers["not_at_school"][0] == "no"
    assert answers["not_at_school"][1].startswith(samples.NOT_AT_SCHOOL)
    assert answers["not_general"][0] == "no"
    assert answers["not_general"][1].startswith(samples.NOT_GENERAL)
    assert answers["other"][0] == "no" and answers["other"][1].startswith(samples.OTHER + ":")
    assert OTHER_PROVIDER in answers["other"][1]
    assert answers["unknown"][0] == "no" and answers["unknown"][1].startswith(samples.NOT_KNOWN)
    assert answers["undecided"] == []  # left as DfE sent it, nothing guessed
    assert "1 accepted, 5 rejected, 1 left for you to decide" in stdout
    assert "Florian Hepworth: undecided" in stdout and "no hours recorded" in stdout
    assert "by 22/12/2026" in stdout


def test_an_open_sample_shows_its_deadline_on_home_until_marked_sent(demo_db, tmp_path, capsys):
    db_path, sample, _rows = demo_sample(demo_db, tmp_path)
    assert run(capsys, "--db", db_path, "mentor-funding", "answer", sample,
               tmp_path / "a.csv", "--received", "01/12/2026")[0] == 0
    dbmod.open_database(db_path, daily_backup=False)
    try:
        (row,) = FundingSample.select()
        assert (row.received_on, row.answer_by, row.undecided) == (
            date(2026, 12, 1), date(2026, 12, 22), 1)
        group = next(g for g in attention.needs_attention(date(2026, 12, 18))
                     if g.key == "mentor_sample")
        assert group.count == 1 and group.only_when_due
        assert group.items[0].detail.startswith("answer by 22/12/2026 (in 4 days)")
        assert group.items[0].urgent
    finally:
        dbmod.close_database()
    code, out, err = run(capsys, "--db", db_path, "mentor-funding", "sent")
    assert code == 0 and "marked sent" in out, err
    dbmod.open_database(db_path, daily_backup=False)
    try:
        group = next(g for g in attention.needs_attention() if g.key == "mentor_sample")
        assert group.count == 0
    finally:
        dbmod.close_database()


def test_the_january_2025_layout_is_read_by_its_own_column_names(demo_db, tmp_path, capsys):
    """66bc4c2c: claim_assured / claim_not_assured_reason, no TRN and no provider: mentors
    are matched on name at the school; BOM, semicolons and CRLF are kept."""
    headers = ["claim_reference", "sampling_reason", "school_urn", "school_name",
               "school_postcode", "mentor_full_name", "mentor_hours_of_training",
               "claim_assured", "claim_not_assured_reason"]
    year = AcademicYear.current().previous()
    rows = [{**r, "sampling_reason": "Random", "school_postcode": "ZZ1 1AA"}
            for r in sample_rows(year)][:2]  # accepted, hours
    sample = tmp_path / "old.csv"
    write_sample(sample, rows, headers, bom=True, newline="\r\n", delimiter=";")
    db_path = demo_db.path
    dbmod.close_database()
    out = tmp_path / "old answered.csv"
    code, stdout, err = run(capsys, "--db", db_path, "mentor-funding", "answer", sample, out,
                            "--year", str(year))
    assert code == 0, err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 3
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ";".join(headers)
    assert lines[1].endswith(";yes;") and ";no;Hours claimed exceed" in lines[2]


@pytest.mark.parametrize("content, words", [
    ("claim_reference,school_urn,mentor_hours_of_training,claim_accepted,rejection_reason\n"
     "1,900100,4,,\n", ["row 1", "mentor_full_name"]),
    (",".join(LATEST_HEADERS) + "\n1,900100,S,LA,T,G,P,2026-06-01,1234567,A B,4,,,extra\n",
     ["line 2", "14 cells under 13 column names"]),
    ("", ["is empty"]),
    ("URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (code),"
     + ",".join(f"Extra{n}" for n in range(130)) + "\n100000,201,City of London,3614,A,02\n",
     ["row 1", "claim_reference", "URN, LA (code)", "and 130 more"]),
])
def test_a_bad_sample_is_refused_in_one_line_and_nothing_is_written(demo_db, tmp_path, capsys,
                                                                    content, words):
    db_path = demo_db.path
    dbmod.close_database()
    sample = tmp_path / "bad.csv"
    sample.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, stdout, err = run(capsys, "--db", db_path, "mentor-funding", "answer", sample, out)
    assert code == 1 and len(err.splitlines()) == 1 and len(err) < 300, err
    assert all(w in err for w in words) and "nothing was written" in err
    assert not out.exists()
    dbmod.open_database(db_path, daily_backup=False)
    try:
        assert FundingSample.select().count() == 0
    finally:
        dbmod.close_database()


# -- statements, summary, the CLI ----------------------------------------------------------------

def test_statements_are_one_pdf_and_one_xlsx_per_partner_school_with_a_mentor(provider, tmp_path):
    from openpyxl import load_workbook

    from ittdesk.mentor_funding.statements import write_statements

    a, b = school(900050, funding_region="inner_london"), school(900051)
    school(900052)  # a partner with no mentor: no statement
    trained(mentor("Jo", "Inner", a, trn="6000001"), date(2025, 10, 1), 20, a)
    mentor("Kit", "NoHours", b)
    rendered = []

    def render(html, path, **options):
        rendered.append((html, options))
        Path(path).write_bytes(b"%PDF-1.4 test")
        return 1

    written = write_statements(Y2526, tmp_path, render)
    assert sorted(p.name for p in written.files) == [
        "Mentor funding 2025-26 900050 School 900050.pdf",
        "Mentor funding 2025-26 900050 School 900050.xlsx",
        "Mentor funding 2025-26 900051 School 900051.pdf",
        "Mentor funding 2025-26 900051 School 900051.xlsx"]
    html_a = rendered[0][0]
    assert "Moorside SCITT" in html_a and "£857.60" in html_a  # 16 h x £53.60
    assert rendered[0][1]["header_left"] == "Moorside SCITT"
    assert "Kit NoHours: no TRN" in rendered[1][0]
    ws = load_workbook(tmp_path / "Mentor funding 2025-26 900050 School 900050.xlsx").active
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert ["Accredited provider", "Moorside SCITT"] in values
    assert ["Jo Inner", "6000001", "initial (up to 16 h)", 20, 16, 857.6] in values
    assert ["Total", 20, 16, 857.6] in values


def test_the_statements_command_needs_the_desktop_for_pdfs_and_writes_nothing_without(
        sqlite_db, set_today, tmp_path, capsys):
    set_today(date(2026, 9, 20))
    s = school(900060)
    trained(mentor("Lou", "Cli", s, trn="6100001"), date(2025, 10, 1), 4, s)
    path = sqlite_db.path
    dbmod.close_database()
    code, out, err = run(capsys, "--db", path, "mentor-funding", "statements", "--year",
                         "2025/26", tmp_path)
    assert code == 1 and "needs the desktop app" in err and len(err.splitlines()) == 1
    assert list(tmp_path.glob("Mentor funding*")) == []
    code, out, err = run(capsys, "--db", path, "mentor-funding", "summary", "--year", "2025/26")
    assert code == 0, err
    assert "900060  School 900060  Rest of England: 1 mentor(s), 4 h done, 4 h claimable, £175.20" in out
    code, out, err = run(capsys, "--db", path, "mentor-funding", "statements", tmp_path)
    assert code == 2 and "--year" in err


def test_the_rates_command_shows_and_sets_figures_with_plain_errors(sqlite_db, tmp_path, capsys):
    path = sqlite_db.path
    dbmod.close_database()
    code, out, err = run(capsys, "--db", path, "mentor-funding", "rates", "--year", "2025/26")
    assert code == 0 and "initial up to 16 h, refresher up to 6 h" in out
    assert "Fringe: £45.10 per hour" in out
    code, out, err = run(capsys, "--db", path, "mentor-funding", "rates", "--set", "initial=16")
    assert code == 2 and "--set needs --year" in err
    code, out, err = run(capsys, "--db", path, "mentor-funding", "rates", "--year", "2025/26",
                         "--set", "initial=lots")
    assert code == 1 and len(err.splitlines()) == 1 and "initial" in err
    code, out, err = run(capsys, "--db", path, "mentor-funding", "rates", "--year", "2027/28")
    assert code == 1 and "No mentor funding figures for 2027/28" in err
    code, out, err = run(capsys, "--db", path, "mentor-funding", "rates", "--year", "2025/26",
                         "--set", "fringe=46.00")
    assert code == 0 and "Fringe: £46.00 per hour (" not in out and "Fringe: £46.00" in out
    code, out, err = run(capsys, "--db", path, "mentor-funding")
    assert code == 2 and "choose an action" in err


def test_the_mentor_training_return_gains_claimable_hours_and_amounts(provider, tmp_path):
    from ittdesk.returns import make_filters, make_return
    from ittdesk.spreadsheets.writer import SheetColumn  # noqa: F401 - the columns' kind

    s = school(900070, funding_region="fringe")
    m = mentor("May", "Return", s, trn="6200001")
    trained(m, date(2025, 10, 1), 10, s)
    trained(m, date(2025, 11, 1), 10, s)
    result = make_return("mentor-training", tmp_path / "m.xlsx", make_filters("2025/26"))
    from openpyxl import load_workbook

    ws = load_workbook(result.path).worksheets[0]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    header = rows[0]
    got = [(r[header.index("Hours")], r[header.index("Hours claimable")],
            r[header.index("Amount claimable")]) for r in rows[1:]]
    assert got == [(10, 10, 451.0), (10, 6, 270.6)]


def test_samples_answered_again_keep_one_record_and_audit(provider, tmp_path):
    s = school(900080)
    m = mentor("Ned", "Again", s, trn="6300001")
    trained(m, date(2025, 10, 1), 16, s)
    sample = tmp_path / "s.csv"
    write_sample(sample, [{"claim_reference": "1", "school_urn": "900080", "school_name": "x",
                           "school_local_authority": "", "school_type_of_establishment": "",
                           "school_group": "", "provider_name": "Moorside SCITT",
                           "claim_submission_date": "2026-06-01T09:00:00Z",
                           "mentor_trn": "6300001", "mentor_full_name": "Ned Again",
                           "mentor_hours_of_training": "16"}])
    for _ in range(2):
        result = samples.answer(sample, tmp_path / "out.csv", received_on=clock.today())
        assert [d.accepted for d in result.decisions] == [True]
    assert FundingSample.select().count() == 1
    assert AuditEntry.select().where(AuditEntry.entity == "funding_sample").count() == 2
    with pytest.raises(RefusedError, match="new file"):
        samples.answer(sample, sample)


def test_erasing_a_mentor_clears_training_evidence_but_keeps_the_hours(provider):
    from ittdesk.privacy import erasure

    s = school(900090)
    m = mentor("Ola", "Erased", s, trn="6400001")
    record = trained(m, date(2025, 10, 1), 6, s, evidence="Ola signed the register, row 4")
    assert any("Evidence notes on 1 mentor training" in g for g in erasure.plan(m.id).goes)
    erasure.erase(m.id)
    kept = MentorTraining.get_by_id(record.id)
    assert (kept.evidence, kept.hours) == (None, 6)
    entries = AuditEntry.select().where((AuditEntry.entity == "mentor_training")
                                        & (AuditEntry.entity_id == record.id))
    assert all("row 4" not in (e.changes or "") for e in entries)


def test_the_persons_record_says_whose_training_it_was_and_when_it_was_not_general(provider):
    from ittdesk.queries.summaries import person_summary

    s = school(900095)
    m = mentor("Pip", "Record", s, trn="6500001")
    trained(m, date(2025, 10, 1), 4, s, accredited_provider=OTHER_PROVIDER)
    trained(m, date(2025, 11, 1), 2, s, general=False)
    details = [t.detail for t in person_summary(m.id)["training"]]
    assert details == ["01/11/2025, 2 hours, with Moorside SCITT, not general mentor training",
                       f"01/10/2025, 4 hours, with {OTHER_PROVIDER}"]


def test_the_statements_command_writes_a_pdf_and_an_xlsx_per_school_as_ittdesk(
        sqlite_db, set_today, tmp_path):
    """Through main.py, as the installed command runs: the PDF made by the desktop's renderer."""
    import os
    import subprocess
    import sys

    set_today(date(2026, 9, 20))
    settings.set("provider_name", "Moorside SCITT")
    for urn in (900100, 900101):
        s = school(urn)
        trained(mentor("Rae", f"Cli{urn}", s, trn=f"66{urn % 100000:05d}"), date(2025, 10, 1), 5, s)
    mentor("Ned", "Notrn", s)
    path = sqlite_db.path
    dbmod.close_database()
    out = tmp_path / "statements"
    out.mkdir()
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ITTDESK_TODAY="2026-09-20")
    done = subprocess.run([sys.executable, "-c", "import sys, main; sys.exit(main.main(sys.argv[1:]))",
                           "--db", str(path), "mentor-funding", "statements", "--year", "2025/26",
                           str(out)], capture_output=True, text=True, env=env, cwd=root,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    assert "Wrote 4 files (2 schools)" in done.stdout
    # what is missing, said on the school's line, each mentor once
    assert "£219.00; missing: Ned Notrn: no TRN, no hours recorded\n" in done.stdout
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.name for p in pdfs] == ["Mentor funding 2025-26 900100 School 900100.pdf",
                                      "Mentor funding 2025-26 900101 School 900101.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert len(list(out.glob("*.xlsx"))) == 2


def test_names_match_as_they_sort_and_a_middle_name_is_asked_about_not_rejected(provider,
                                                                                tmp_path):
    s = school(900110)
    irish = people.create({"first_name": "Siobhán", "last_name": "Ó Súilleabháin"})
    roles.create({"person": irish.id, "school": s.id, "kind": "mentor",
                  "start_date": date(2020, 9, 1)})
    trained(irish, date(2025, 10, 1), 8, s)
    plain = mentor("Tom", "Hardcastle", s)
    trained(plain, date(2025, 10, 1), 8, s)
    base = {"claim_reference": "1", "school_urn": "900110", "school_name": "x",
            "school_local_authority": "", "school_type_of_establishment": "",
            "school_group": "", "provider_name": "Moorside SCITT",
            "claim_submission_date": "2026-06-01T09:00:00Z", "mentor_trn": "",
            "mentor_hours_of_training": "8"}
    lines = [{**base, "mentor_full_name": "Siobhan O Suilleabhain"},
             {**base, "mentor_full_name": "Tom James Hardcastle"},
             {**base, "mentor_full_name": "Tom Hardcastle", "mentor_trn": "6999998"}]
    write_sample(tmp_path / "s.csv", lines)
    result = samples.answer(tmp_path / "s.csv", tmp_path / "o.csv", record=False)
    first, middle, wrong_trn = result.decisions
    assert (first.accepted, first.person_id) == (True, irish.id)
    assert middle.accepted is None and "Tom Hardcastle" in middle.why
    assert wrong_trn.accepted is None and "no one has TRN 6999998" in wrong_trn.why
