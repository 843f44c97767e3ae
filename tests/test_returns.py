"""Built-in returns: the right figures, real dates and numbers, the styled layout, filters."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ittdesk.academic_year import AcademicYear
from ittdesk.errors import ValidationError
from ittdesk.returns import all_returns, make_filters, make_return, preview
from ittdesk.services.agreements import agreements, leaders, parties, reports, spend
from ittdesk.services.people import designations, mentor_training, people, roles
from ittdesk.services.programmes import cohorts, enrolments, placements, programmes
from ittdesk.services.schools import schools
from ittdesk.spreadsheets.writer import Cancelled, SheetColumn, write_return

HOSTILE = '=HYPERLINK("http://x","y")'
YEAR = "2025/26"
HEADER_ROW = 5


def person(first, last, **extra):
    return people.create({"first_name": first, "last_name": last, **extra})


@pytest.fixture
def partnership(db):
    """Two schools with leaders, mentors, trainees, placements, an agreement and training."""
    a = schools.create({"urn": 123456, "name": HOSTILE, "phase": "primary", "la_code": "901",
                        "la_name": "Northmoor", "trust": "Pennine Schools Trust",
                        "establishment_type": "Community school", "partnership_status": "partner",
                        "partnership_since": date(2019, 9, 1),
                        "leadership_confirmed_on": date(2025, 10, 2)})
    b = schools.create({"urn": 654321, "name": "Eastfield Academy", "phase": "secondary",
                        "la_name": "Eastbridge", "partnership_status": "placement"})
    schools.create({"urn": 111111, "name": "Not In Partnership", "la_name": "Northmoor"})
    head = person("Jane", "Head")
    roles.create({"person": head.id, "school": a.id, "kind": "headteacher",
                  "start_date": date(2020, 1, 1)})
    old_head = person("Olga", "Oldhead")
    roles.create({"person": old_head.id, "school": a.id, "kind": "headteacher",
                  "start_date": date(2010, 1, 1), "end_date": date(2019, 12, 31)})
    champion = person("Carl", "Champ")
    roles.create({"person": champion.id, "school": a.id, "kind": "itt_champion"})
    mo = person("Mo", "Mentor", trn="12345")
    nia = person("Nia", "Newmentor")
    for m in (mo, nia):
        roles.create({"person": m.id, "school": a.id, "kind": "mentor", "capacity": 2,
                      "start_date": date(2024, 9, 1)})
    mentor_training.create({"person": mo.id, "kind": "initial", "hours": 20,
                            "completed_on": date(2025, 10, 1), "school": a.id,
                            "provided_by": "Moorside SCITT"})
    mentor_training.create({"person": nia.id, "kind": "initial", "hours": 12,
                            "completed_on": date(2024, 10, 1), "school": a.id})
    prog = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": prog.id, "name": "Cohort 6", "academic_year": YEAR,
                             "places": 20})
    t1, t2, t3 = person("Tia", "Trainee"), person("Tom", "Withdrew"), person("Tara", "Done")
    e1 = enrolments.create({"person": t1.id, "cohort": cohort.id, "status": "enrolled",
                            "trainee_id": "MS250001", "subject": "Primary", "home_school": a.id})
    enrolments.create({"person": t2.id, "cohort": cohort.id, "status": "withdrawn",
                       "withdrawal_date": date(2025, 11, 1), "home_school": b.id})
    e3 = enrolments.create({"person": t3.id, "cohort": cohort.id, "status": "completed",
                            "outcome": "QTS recommended", "home_school": a.id})
    placements.create({"enrolment": e1.id, "school": a.id, "mentor": mo.id, "kind": "main",
                       "start_date": date(2025, 9, 20), "end_date": date(2025, 12, 15)})
    placements.create({"enrolment": e1.id, "school": b.id, "kind": "itap",
                       "start_date": date(2025, 11, 3), "end_date": date(2025, 11, 7)})
    placements.create({"enrolment": e3.id, "school": a.id, "mentor": nia.id, "kind": "second",
                       "start_date": date(2026, 1, 10), "end_date": date(2026, 3, 20)})
    leader = person("Sam", "Leader")
    designation = designations.create({"person": leader.id, "kind": "SLE",
                                       "specialism": "Mathematics"})
    agreement = agreements.create({"title": "Year 6 maths", "academic_year": YEAR,
                                   "priorities": "Raise attainment", "funding_source": "LA grant",
                                   "amount_agreed_pence": "2,500.50",
                                   "start_date": date(2025, 10, 1), "end_date": date(2026, 7, 1)})
    parties.create({"agreement": agreement.id, "school": b.id, "role": "supported"})
    parties.create({"agreement": agreement.id, "school": a.id, "role": "supporting"})
    leaders.create({"agreement": agreement.id, "person": leader.id,
                    "designation": designation.id, "days": 6})
    reports.create({"agreement": agreement.id, "kind": "interim", "due_date": date(2025, 12, 1),
                    "submitted_on": date(2025, 12, 3), "rag": "amber"})
    reports.create({"agreement": agreement.id, "kind": "final", "due_date": date(2026, 7, 20)})
    spend.create({"agreement": agreement.id, "date": date(2025, 11, 1), "description": "Cover",
                  "amount_pence": "450.25"})
    spend.create({"agreement": agreement.id, "date": date(2026, 1, 1), "description": "Cover",
                  "amount_pence": "100"})
    return {"a": a, "b": b, "programme": prog, "agreement": agreement}


def read_back(path):
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[HEADER_ROW]]
    rows = [dict(zip(header, r, strict=False))
            for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    return wb, ws, header, rows, summary


def test_partnership_return_has_one_row_per_partnership_school_with_real_types(partnership, tmp_path):
    result = make_return("partnership", tmp_path / "p.xlsx", make_filters(YEAR))
    assert result.rows == 2
    wb, ws, header, rows, summary = read_back(result.path)
    assert header[:3] == ["URN", "School", "Local authority"]
    assert "Trainees placed: Primary SCITT" in header
    assert ws["A1"].value == "Partnership return" and ws["A1"].font.b
    assert "Academic year: 2025/26" in ws["A2"].value and "Local authority: all" in ws["A2"].value
    assert ws["A3"].value.startswith("Made on ")
    assert all(c.font.b for c in ws[HEADER_ROW])
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:{ws.cell(HEADER_ROW, len(header)).column_letter}7"
    first = rows[0]
    assert first["School"] == HOSTILE and ws.cell(HEADER_ROW + 1, 2).data_type == "s"
    assert first["URN"] == 123456 and isinstance(first["URN"], int)
    assert first["Phase"] == "Primary" and first["Partnership status"] == "Partner"
    assert first["Partner since"] == datetime(2019, 9, 1)
    assert ws.cell(HEADER_ROW + 1, header.index("Partner since") + 1).is_date
    assert first["Headteacher"] == "Jane Head"  # the current one, not the one who left
    assert first["ITT champion"] == "Carl Champ"
    assert (first["Mentors trained"], first["Mentors"]) == (2, 2)
    assert first["Trainees placed: Primary SCITT"] == 2 and first["ITaP placements hosted"] == 0
    assert first["Leadership last confirmed"] == datetime(2025, 10, 2)
    second = rows[1]
    assert second["School"] == "Eastfield Academy" and second["ITaP placements hosted"] == 1
    assert second["Headteacher"] is None
    assert summary["Rows"] == 2 and summary["Trainees placed"] == 2
    assert summary["ITaP placements hosted"] == 1 and "URN" not in summary
    assert summary["Partner"] == 1 and summary["Placement school"] == 1


def test_mentor_training_older_than_the_refresher_period_does_not_count_as_trained(partnership,
                                                                                    tmp_path):
    from ittdesk import settings

    settings.set("mentor_refresher_months", 12)
    result = make_return("partnership", tmp_path / "p.xlsx", make_filters(YEAR))
    _wb, _ws, _h, rows, _s = read_back(result.path)
    assert (rows[0]["Mentors trained"], rows[0]["Mentors"]) == (1, 2)


def test_mentor_counts_take_only_the_returns_schools_and_training_up_to_its_day(partnership,
                                                                              tmp_path):
    """Mentors are read for every school and kept for the return's (the LA filter included);
    training is read for everyone and counts only for mentors, only up to the return's day."""
    from ittdesk.models import Person, School

    outside = School.get(School.urn == 111111)

    mo = Person.get((Person.first_name == "Mo") & (Person.last_name == "Mentor"))
    roles.create({"person": mo.id, "school": partnership["b"].id, "kind": "mentor",
                  "start_date": date(2024, 9, 1)})
    pat = person("Pat", "Latetrained")  # trained only after the return's day (31 August 2026)
    roles.create({"person": pat.id, "school": partnership["b"].id, "kind": "mentor",
                  "start_date": date(2024, 9, 1)})
    mentor_training.create({"person": pat.id, "kind": "initial", "hours": 20,
                            "completed_on": date(2026, 9, 15)})
    out = person("Oz", "Outside")  # mentors, trained, at a school outside the return
    roles.create({"person": out.id, "school": outside.id, "kind": "mentor",
                  "start_date": date(2024, 9, 1)})
    mentor_training.create({"person": out.id, "kind": "initial", "hours": 20,
                            "completed_on": date(2025, 10, 1)})
    only = person("Tess", "Trainedonly")  # trained, mentors nowhere
    mentor_training.create({"person": only.id, "kind": "initial", "hours": 20,
                            "completed_on": date(2025, 10, 1)})

    result = make_return("partnership", tmp_path / "p.xlsx", make_filters(YEAR))
    _wb, _ws, _h, rows, _s = read_back(result.path)
    counts = {r["URN"]: (r["Mentors trained"], r["Mentors"]) for r in rows}
    assert counts == {123456: (2, 2), 654321: (1, 2)}
    result = make_return("partnership", tmp_path / "e.xlsx", make_filters(YEAR, la="Eastbridge"))
    _wb, _ws, _h, rows, _s = read_back(result.path)
    assert [(r["URN"], r["Mentors trained"], r["Mentors"]) for r in rows] == [(654321, 1, 2)]


def test_partnership_columns_without_its_rows_are_the_returns_own(partnership):
    """A template's headings are matched against the columns alone (``columns_for``): the
    same columns as the return built in full, a programme's placements column included only
    for its placements but ITaP or an ITT cohort, with and without the programme filter."""
    from ittdesk.returns.base import get_return

    b = partnership["b"]
    for name, kind in (("Leaders CPD", "cpd"), ("ITaP only CPD", "leadership")):
        prog = programmes.create({"name": name, "kind": kind})
        cohort = cohorts.create({"programme": prog.id, "name": "C1", "academic_year": YEAR,
                                 "places": 5})
        who = person(name.split()[0], "Placed")
        enrolment = enrolments.create({"person": who.id, "cohort": cohort.id,
                                       "status": "enrolled"})
        placements.create({"enrolment": enrolment.id, "school": b.id,
                           "kind": "main" if kind == "cpd" else "itap",
                           "start_date": date(2025, 11, 3), "end_date": date(2025, 11, 7)})
    spec = get_return("partnership")

    def described(columns):
        return [(c.key, c.heading, c.kind, c.synonyms) for c in columns]

    every = make_filters(YEAR)
    assert described(spec.columns_for(every)) == described(spec.build(every).columns)
    assert [c.heading for c in spec.columns_for(every) if c.key.startswith("placed_")] == [
        "Trainees placed: Leaders CPD", "Trainees placed: Primary SCITT"]
    for programme in ("Leaders CPD", "ITaP only CPD", "Primary SCITT"):
        one = make_filters(YEAR, programme=programme)
        assert described(spec.columns_for(one)) == described(spec.build(one).columns)


def test_the_returns_name_rule_is_person_full_name():
    from ittdesk.models import Person
    from ittdesk.returns.rows import person_name as _name

    for first in ("Ann", "", None):
        for last in ("Lee", "", None):
            for erased in (False, True, 0, 1):
                expected = Person(id=7, first_name=first, last_name=last, erased=erased).full_name
                assert _name(7, first, last, erased) == expected, (first, last, erased)


def test_partnership_leaders_in_words_when_schools_have_several_or_none(db, tmp_path):
    """One head; two heads at once (newest first, then surname; no start date is oldest); an
    executive head beside a headteacher (the headteacher wins); only a champion; two
    champions; an erased head; nobody."""
    from ittdesk.models import Person

    def school(urn, name):
        return schools.create({"urn": urn, "name": name, "partnership_status": "partner"})

    def role(school_row, first, last, kind, start=None):
        someone = person(first, last)
        roles.create({"person": someone.id, "school": school_row.id, "kind": kind,
                      "start_date": start})
        return someone

    one, two, exe, champ, champs, erased, _nobody = (
        school(100001, "A One"), school(100002, "B Two"), school(100003, "C Exec"),
        school(100004, "D Champ"), school(100005, "E Champs"), school(100006, "F Erased"),
        school(100007, "G Nobody"))
    role(one, "Ann", "Alpha", "headteacher", date(2020, 1, 1))
    role(two, "Bob", "Older", "headteacher", date(2019, 1, 1))
    role(two, "Cat", "Zed", "headteacher", date(2024, 1, 1))
    role(two, "Dan", "Yew", "headteacher", date(2024, 1, 1))
    role(two, "Eve", "Undated", "headteacher")
    role(exe, "Fay", "Exec", "executive_headteacher", date(2024, 1, 1))
    role(exe, "Gus", "Head", "headteacher", date(2020, 1, 1))
    role(exe, "Hal", "Champ", "itt_champion")
    role(champ, "Ivy", "Champ", "itt_champion")
    role(champs, "Jon", "Second", "itt_champion", date(2021, 1, 1))
    role(champs, "Kim", "First", "itt_champion", date(2023, 1, 1))
    gone = role(erased, "Lea", "Gone", "headteacher")
    Person.update(erased=True).where(Person.id == gone.id).execute()
    result = make_return("partnership", tmp_path / "p.xlsx", make_filters(YEAR))
    _wb, _ws, _h, rows, _s = read_back(result.path)
    assert [(r["School"], r["Headteacher"], r["ITT champion"]) for r in rows] == [
        ("A One", "Ann Alpha", None),
        ("B Two", "Dan Yew; Cat Zed; Bob Older; Eve Undated", None),
        ("C Exec", "Gus Head", "Hal Champ"),
        ("D Champ", None, "Ivy Champ"),
        ("E Champs", None, "Kim First; Jon Second"),
        ("F Erased", f"erased person #{gone.id}", None),
        ("G Nobody", None, None),
    ]


def test_la_filter_keeps_only_that_las_schools_and_is_named_on_the_sheet(partnership, tmp_path):
    result = make_return("partnership", tmp_path / "p.xlsx", make_filters(YEAR, la="northmoor"))
    _wb, ws, _h, rows, _s = read_back(result.path)
    assert [r["URN"] for r in rows] == [123456]
    assert "Local authority: Northmoor" in ws["A2"].value


def test_bad_filters_are_refused_with_every_reason(partnership):
    with pytest.raises(ValidationError) as caught:
        make_filters("2025/27", la="Atlantis", programme="Basket weaving")
    errors = caught.value.errors
    assert "academic year" in errors["year"]
    assert "Atlantis" in errors["la"] and "Northmoor" in errors["la"]
    assert "Primary SCITT" in errors["programme"]


def test_placements_return_lists_each_placement_with_dates(partnership, tmp_path):
    result = make_return("placements", tmp_path / "pl.xlsx", make_filters(YEAR))
    _wb, ws, header, rows, summary = read_back(result.path)
    assert result.rows == 3
    by_kind = {r["Kind"]: r for r in rows}
    assert set(by_kind) == {"Main", "ITaP", "Second / contrasting"}
    main = by_kind["Main"]
    assert (main["Trainee"], main["Trainee ID"], main["Programme"]) == ("Tia Trainee", "MS250001",
                                                                        "Primary SCITT")
    assert (main["URN"], main["Mentor"]) == (123456, "Mo Mentor")
    assert main["Start date"] == datetime(2025, 9, 20) and main["End date"] == datetime(2025, 12, 15)
    assert by_kind["ITaP"]["Mentor"] is None and by_kind["ITaP"]["School"] == "Eastfield Academy"
    assert summary["ITaP"] == 1


def test_cohort_return_counts_trainees_by_status_and_outcome(partnership, tmp_path):
    result = make_return("cohorts", tmp_path / "c.xlsx", make_filters(YEAR))
    _wb, _ws, header, rows, summary = read_back(result.path)
    (row,) = rows
    assert (row["Programme"], row["Cohort"], row["Academic year"]) == ("Primary SCITT", "Cohort 6",
                                                                       "2025/26")
    assert row["Places"] == 20
    assert (row["Applied"], row["Enrolled"], row["Withdrawn"], row["Completed"], row["Total"]) == \
        (0, 1, 1, 1, 3)
    assert row["Outcomes"] == "QTS recommended: 1"
    assert row["Start date"] == datetime(2025, 9, 1)
    la_only = make_return("cohorts", tmp_path / "c2.xlsx", make_filters(YEAR, la="Eastbridge"))
    (row,) = read_back(la_only.path)[3]
    assert (row["Withdrawn"], row["Total"]) == (1, 1)


def test_agreements_return_shows_parties_money_and_reports(partnership, tmp_path):
    result = make_return("agreements", tmp_path / "a.xlsx", make_filters(YEAR))
    _wb, ws, header, rows, summary = read_back(result.path)
    (row,) = rows
    assert row["Reference"] == partnership["agreement"].reference
    assert row["Supported school(s)"] == "Eastfield Academy" and row["Supported URN(s)"] == "654321"
    assert row["Supporting school(s)"] == HOSTILE
    assert row["System leaders deployed"] == "Sam Leader (SLE, Mathematics, 6 days)"
    assert row["Amount agreed"] == 2500.5 and row["Amount spent"] == 550.25
    assert "£" in ws.cell(HEADER_ROW + 1, header.index("Amount agreed") + 1).number_format
    assert row["Interim report due"] == datetime(2025, 12, 1)
    assert row["Interim report submitted"] == datetime(2025, 12, 3)
    assert row["Final report submitted"] is None and row["Impact rating"] == "Amber"
    assert summary["Amount agreed"] == 2500.5 and summary["Rows"] == 1


def test_mentor_training_return_keeps_trns_as_text_and_only_the_year(partnership, tmp_path):
    result = make_return("mentor-training", tmp_path / "m.xlsx", make_filters(YEAR))
    _wb, _ws, _h, rows, summary = read_back(result.path)
    (row,) = rows  # Nia's training was in 2024/25
    assert (row["Mentor"], row["TRN"], row["URN"], row["Training"]) == ("Mo Mentor", "0012345",
                                                                         123456, "Initial")
    assert row["Hours"] == 20 and row["Date"] == datetime(2025, 10, 1)
    assert summary["Hours"] == 20


def test_preview_gives_the_columns_and_first_rows_without_writing(partnership):
    columns, rows, count = preview("placements", make_filters(YEAR), limit=2)
    assert [c.heading for c in columns][:2] == ["Trainee", "Trainee ID"]
    assert len(rows) == 2 and count == 3


def test_every_builtin_return_writes_from_the_demo_partnership(demo_db, tmp_path):
    year = AcademicYear.current()
    for spec in all_returns():
        # A year that began on 1 September may have no mentor training yet (the demo is built as
        # of today, as in life): that return is asked for the last complete year.
        asked = year.previous() if spec.key == "mentor-training" else year
        result = make_return(spec.key, tmp_path / f"{spec.key}.xlsx", make_filters(str(asked)))
        wb, ws, header, rows, summary = read_back(result.path)
        assert wb.sheetnames == [spec.title, "Summary"]
        assert len(rows) == result.rows > 0, spec.key
        assert summary["Rows"] == result.rows
        assert ws.freeze_panes == "A6" and all(header)
        for column in header:
            if "date" in column.lower() or column in ("Date", "Partner since"):
                values = [r[column] for r in rows if r[column] is not None]
                assert all(isinstance(v, datetime) for v in values), (spec.key, column)


def test_cancelling_a_long_return_leaves_no_file(tmp_path):
    calls = []
    target = tmp_path / "big.xlsx"
    with pytest.raises(Cancelled):
        write_return(target, title="Big", filters=[], columns=[SheetColumn("n", "N", "int")],
                     rows=((i,) for i in range(5000)),
                     progress=lambda done, total: calls.append(done),
                     cancelled=lambda: len(calls) >= 2)
    assert calls == [500, 1000]
    assert list(tmp_path.iterdir()) == []


def test_every_kind_of_value_gets_its_cell_type_format_and_summary_total(tmp_path):
    from ittdesk.spreadsheets.writer import DATE_FORMAT, DATETIME_FORMAT, MONEY_FORMAT

    columns = [SheetColumn("name", "Name", summarise=True), SheetColumn("n", "N", "int"),
               SheetColumn("x", "X", "number"), SheetColumn("paid", "Paid", "money"),
               SheetColumn("day", "Day", "date")]
    rows = [("a", 1, 0.5, 1050, date(2025, 1, 2)),
            ("a", True, 1.25, None, datetime(2025, 1, 3, 9, 30)),
            ("b", None, "n/a", 1, "unknown"),
            (None, 2, 2, 0, date(2025, 1, 4)),
            ("", 2**40, 0.25, 2, None)]
    out = write_return(tmp_path / "k.xlsx", title="Kinds", filters=[], columns=columns,
                       rows=rows)
    wb = load_workbook(out.path)
    ws = wb.worksheets[0]
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert got == [["a", 1, 0.5, 10.5, datetime(2025, 1, 2)],
                   ["a", True, 1.25, None, datetime(2025, 1, 3, 9, 30)],
                   ["b", None, "n/a", 0.01, "unknown"],
                   [None, 2, 2, 0, datetime(2025, 1, 4)],
                   [None, 2**40, 0.25, 0.02, None]]
    formats = [[c.number_format for c in r][3:] for r in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert formats == [[MONEY_FORMAT, DATE_FORMAT], ["General", DATETIME_FORMAT],
                       [MONEY_FORMAT, "General"], [MONEY_FORMAT, DATE_FORMAT],
                       [MONEY_FORMAT, "General"]]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    # Booleans, blanks and text are not added up; money is totalled in pounds.
    assert summary["Rows"] == 5 and summary["N"] == 3 + 2**40 and summary["X"] == 4.0
    assert summary["Paid"] == 10.53 and wb["Summary"]["B9"].number_format == MONEY_FORMAT
    assert (summary["a"], summary["b"], summary["(blank)"]) == (2, 1, 2)


def test_decimal_values_as_postgresql_gives_them_are_numbers_money_in_pounds_and_totalled(
        tmp_path):
    from ittdesk.spreadsheets.writer import MONEY_FORMAT

    columns = [SheetColumn("x", "X", "number"), SheetColumn("paid", "Paid", "money")]
    rows = [(Decimal("1.5"), Decimal("1050")), (2, Decimal("3")), (Decimal("0.25"), 7)]
    out = write_return(tmp_path / "d.xlsx", title="Decimals", filters=[], columns=columns,
                       rows=rows)
    wb = load_workbook(out.path)
    cells = list(wb.worksheets[0].iter_rows(min_row=HEADER_ROW + 1))
    assert [[c.value for c in r] for r in cells] == [[1.5, 10.5], [2, 0.03], [0.25, 0.07]]
    assert [r[1].number_format for r in cells] == [MONEY_FORMAT] * 3
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["X"] == 3.75 and summary["Paid"] == 10.6


@pytest.mark.parametrize("kind", ["number", "money"])
def test_a_decimal_nan_in_a_number_column_is_refused_and_leaves_no_file(tmp_path, kind):
    with pytest.raises(ValueError, match="cannot be written in a cell"):
        write_return(tmp_path / "x.xlsx", title="X", filters=[],
                     columns=[SheetColumn("v", "V", kind)], rows=[(1,), (Decimal("NaN"),)])
    assert list(tmp_path.iterdir()) == []


def test_a_value_no_cell_can_hold_is_refused_and_leaves_no_file(tmp_path):
    with pytest.raises(ValueError):
        write_return(tmp_path / "x.xlsx", title="X", filters=[], columns=[SheetColumn("v", "V")],
                     rows=[("fine",), (object(),)])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["number", "money"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_or_infinity_in_a_number_column_is_refused_as_a_value_and_leaves_no_file(
        tmp_path, kind, value):
    with pytest.raises(ValueError, match="cannot be written in a cell"):
        write_return(tmp_path / "x.xlsx", title="X", filters=[],
                     columns=[SheetColumn("v", "V", kind)], rows=[(1.5,), (value,)])
    assert list(tmp_path.iterdir()) == []


def test_formula_like_text_in_any_text_column_stays_text(tmp_path):
    hostile = ["=1+1", "+44 1632", "-5", "@SUM(A1)", "\tTab"]
    out = write_return(tmp_path / "t.xlsx", title="=TITLE()", filters=[("LA", "=evil")],
                       columns=[SheetColumn("t", "=Heading")], rows=[(h,) for h in hostile])
    ws = load_workbook(out.path).worksheets[0]
    assert ws["A1"].value == "=TITLE()" and ws["A1"].data_type == "s"
    assert ws["A5"].value == "=Heading" and ws["A5"].data_type == "s"
    for i, value in enumerate(hostile, start=6):
        assert ws.cell(i, 1).value == value and ws.cell(i, 1).data_type == "s"


def test_formula_like_text_in_a_date_or_number_column_stays_text_too(tmp_path):
    hostile = '=HYPERLINK("http://x","y")'
    columns = [SheetColumn("d", "D", "date"), SheetColumn("n", "N", "int"), SheetColumn("x", "X", "number"),
               SheetColumn("m", "M", "money"), SheetColumn("t", "T")]
    out = write_return(tmp_path / "t.xlsx", title="T", filters=[], columns=columns,
                       rows=[("=1+1", "=2+2", hostile, 5, "=3+3"),
                             ("=" + "x" * 40000, "#N/A", "+1", 7, "-2")])
    ws = load_workbook(out.path).worksheets[0]
    first = ws[HEADER_ROW + 1]
    assert [c.value for c in first] == ["=1+1", "=2+2", hostile, 0.05, "=3+3"]
    assert [c.data_type for c in first] == ["s", "s", "s", "n", "s"]
    second = ws[HEADER_ROW + 2]
    assert second[0].value == "=" + "x" * 32766 and second[0].data_type == "s"
    assert second[1].value == "#N/A" and second[1].data_type == "s"  # text, as it was typed
    assert [(c.value, c.data_type) for c in second[2:]] == [("+1", "s"), (0.07, "n"),
                                                            ("-2", "s")]


def test_a_target_open_in_excel_gets_a_clear_message_and_keeps_the_old_file(partnership, tmp_path,
                                                                            monkeypatch):
    import os

    from ittdesk.errors import RefusedError

    target = tmp_path / "p.xlsx"
    target.write_bytes(b"the old return")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(RefusedError, match="open in another program"):
        make_return("partnership", target, make_filters(YEAR))
    assert target.read_bytes() == b"the old return"
    assert [p.name for p in tmp_path.glob("*.xlsx")] == ["p.xlsx"]


def test_a_written_or_cancelled_return_leaves_no_scratch_files(tmp_path, monkeypatch):
    """XlsxWriter streams rows through scratch files: they go with the workbook, whether it is
    written or cancelled."""
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out"
    out.mkdir()
    rows = [(i, f"row {i}") for i in range(1200)]
    columns = [SheetColumn("n", "N", "int"), SheetColumn("t", "T")]
    write_return(out / "done.xlsx", title="Done", filters=[], columns=columns, rows=rows)
    assert list(scratch.iterdir()) == []
    with pytest.raises(Cancelled):
        write_return(out / "gone.xlsx", title="Gone", filters=[], columns=columns, rows=rows,
                     cancelled=lambda: True)
    assert list(scratch.iterdir()) == []
    assert [p.name for p in out.iterdir()] == ["done.xlsx"]
