"""Spreadsheet import, end to end in the core: the files people send, preview, all-or-nothing."""

from __future__ import annotations

import csv
import json
import threading
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from ittdesk.errors import RefusedError
from ittdesk.models import AuditEntry, ImportRun, MentorTraining, Person, Role, SavedMapping, School
from ittdesk.services import bulk
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools
from ittdesk.spreadsheets import importing

GIAS = Path(__file__).resolve().parent / "data" / "gias_sample.csv"  # real DfE rows: data/README.md

HEADS = [("Mrs", "Siân", "O'Brien", "Headteacher"), ("Mr", "Tomasz", "Nowak", "Executive Head"),
         ("Dr", "Zoë", "Brontë", "Head of School"), ("Ms", "Ama", "Mensah", "Acting Headteacher"),
         ("Mx", "Ravi", "Patel", "Head Teacher")]


def gias_rows():
    with GIAS.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path, rows, encoding="utf-8", delimiter=","):
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path, rows, title="Sheet1"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run(path, kind, **kwargs):
    plan, result = importing.run_import(path, kind, **kwargs)
    return plan, result


def counts():
    return (School.select().count(), Person.select().count(), Role.select().count(),
            AuditEntry.select().count(), ImportRun.select().count())


# -- GIAS --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_gias_extract_imports_as_published(db, tmp_path, encoding):
    path = tmp_path / f"gias-{encoding}.csv"
    path.write_bytes(GIAS.read_text(encoding="utf-8").encode(encoding))
    plan, result = run(path, "schools")
    assert (result.added, result.updated, len(plan.refused)) == (99, 0, 0)
    aldgate = School.get(School.urn == 100000)
    assert (aldgate.name, aldgate.phase, aldgate.la_code, aldgate.la_name, aldgate.postcode,
            aldgate.phone, aldgate.status) == ("The Aldgate School", "primary", "201", "City of London",
                                              "EC3A 5DE", "02072831147", "open")
    assert School.select().where(School.status == "closed").count() == 9
    entries = AuditEntry.select().where(AuditEntry.import_run == result.run_id)
    assert entries.count() == 99 and {e.action for e in entries} == {"create"}


def test_welsh_names_survive_a_cp1252_extract(db, tmp_path):
    rows = gias_rows()
    header = rows[0]
    welsh = [r for r in rows[1:] if "Ynys Môn" in r]
    assert welsh, "the sample has a row in Ynys Môn"
    welsh[0][header.index("EstablishmentName")] = "Ysgol Gynradd Môn, Llanfair"
    path = write_csv(tmp_path / "welsh.csv", [header] + welsh, encoding="cp1252")
    source = importing.load_source(path, "schools")
    assert source.book.encoding == "cp1252"
    assert "Ynys Môn" in source.sheet.rows[1]
    run(path, "schools")
    assert School.get(School.urn == int(welsh[0][0])).name == "Ysgol Gynradd Môn, Llanfair"


def test_gias_columns_are_mapped_by_name_not_position(db, tmp_path):
    rows = gias_rows()
    header = rows[0]
    order = list(reversed(range(len(header))))  # every column moved
    shuffled = [[r[i] for i in order] + ["12.5", "01-09-2027"] for r in rows]
    shuffled[0][-2:] = ["FSM", "AccreditationExpiryDate"]  # later extracts add columns
    path = write_csv(tmp_path / "later-year.csv", shuffled)
    plan, result = run(path, "schools")
    assert result.added == 99
    assert School.get(School.urn == 100000).postcode == "EC3A 5DE"


def test_reimporting_the_same_extract_changes_nothing(db, tmp_path):
    run(GIAS, "schools")
    before = counts()
    plan, result = run(GIAS, "schools")
    assert (result.added, result.updated, result.unchanged) == (0, 0, 99)
    assert counts()[:4] == before[:4]


def gias_with_heads(tmp_path, heads=HEADS, name="heads.csv"):
    rows = gias_rows()
    header = rows[0]
    cols = [header.index(h) for h in ("HeadTitle (name)", "HeadFirstName", "HeadLastName",
                                      "HeadPreferredJobTitle")]
    for row, head in zip(rows[1:], heads, strict=False):
        for col, value in zip(cols, head, strict=True):
            row[col] = value
    return write_csv(tmp_path / name, rows[: len(heads) + 1], encoding="cp1252")


def test_gias_head_columns_become_the_schools_head_role(db, tmp_path):
    plan, result = run(gias_with_heads(tmp_path), "schools")
    assert result.added == 5
    found = {(r.person.first_name, r.person.last_name, r.person.title, r.kind, r.job_title)
             for r in Role.select()}
    assert found == {
        ("Siân", "O'Brien", "Mrs", "headteacher", "Headteacher"),
        ("Tomasz", "Nowak", "Mr", "executive_headteacher", "Executive Head"),
        ("Zoë", "Brontë", "Dr", "head_of_school", "Head of School"),
        ("Ama", "Mensah", "Ms", "headteacher", "Acting Headteacher"),
    }
    # Ravi Patel's school (URN 100004) closed in 1992: a closed school gets no current head
    assert "row 6: A closed school: the head it names is not added as a current head" in plan.notes
    # one audit entry per changed record: 5 schools, 4 people, 4 roles
    assert AuditEntry.select().where(AuditEntry.import_run == result.run_id).count() == 13


def test_a_new_head_in_the_extract_ends_the_old_role_and_keeps_history(db, tmp_path):
    run(gias_with_heads(tmp_path), "schools")
    changed = [HEADS[0][:3] + ("Headteacher",)]
    changed[0] = ("Mr", "Kofi", "Okafor", "Headteacher")
    plan, result = run(gias_with_heads(tmp_path, changed, "new-head.csv"), "schools")
    assert result.updated == 1
    update = plan.updates[0]
    assert update.changes["Headteacher"] == ("Siân O'Brien", "Kofi Okafor")
    school = School.get(School.urn == 100000)
    history = [(r.person.last_name, r.end_date is None) for r in
               Role.select().where(Role.school == school).order_by(Role.id)]
    assert history == [("O'Brien", False), ("Okafor", True)]


# -- messy workbooks ----------------------------------------------------------------------


DATE_FORMS = [date(2023, 9, 1), 45170, "01/09/2023", "1.9.23", "1 September 2023", "Sep 2023",
              " 01-09-2023 "]


def messy_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partner schools"
    ws["A1"] = "Moorside SCITT — partner schools"
    ws.merge_cells("A1:G1")
    ws["A2"] = "Please do not change the headings. Dates are day/month/year."
    ws.merge_cells("A2:G2")
    ws["A4"] = "Notes: URNs from GIAS"
    ws.append(["School URN", "Name of School", "Phase", "Partner since", "Postcode", "Head Teacher",
               "Head's e-mail"])
    assert ws.max_row == 5
    for i, when in enumerate(DATE_FORMS):
        ws.append([f" {900001 + i} " if i % 2 else 900001 + i, f"School {i}",
                   ["PRIMARY", "secondary", "Primary", "n/a", "-", "not given", "Infant"][i],
                   when, "ls1 1aa", f"Ada Greaves{i}", f"head{i}@example.org"])
    ws.append([])
    ws.append(["Total", f"=COUNTA(B6:B{5 + len(DATE_FORMS)})"])
    ws.column_dimensions["E"].hidden = True
    ws.cell(row=6, column=5).value = "not a postcode"  # a hidden helper column, not mapped
    wb.save(path)
    return path


def test_messy_workbook_header_on_row_5_every_date_form_and_totals(db, tmp_path):
    path = messy_workbook(tmp_path / "messy.xlsx")
    source = importing.load_source(path, "schools")
    assert source.header.row_number == 5
    assert "postcode" not in source.mapping.values()  # hidden column ignored unless mapped
    assert any("Hidden columns" in n for n in source.notes)
    plan = importing.plan_import(source)
    assert plan.refused == []
    assert any("Stopped reading at row" in n for n in plan.notes)
    result = importing.apply_plan(plan)
    assert result.added == len(DATE_FORMS)
    got = {s.urn: (s.partnership_since, s.phase) for s in School.select()}
    assert all(v[0] == date(2023, 9, 1) for v in got.values()), got
    assert [got[900001 + i][1] for i in range(7)] == ["primary", "secondary", "primary", None, None,
                                                       None, "primary"]
    assert not School.select().where(School.name.startswith("=")).exists()
    heads = {r.person.email for r in Role.select(Role, Person).join(Person)}
    assert heads == {f"head{i}@example.org" for i in range(7)}


def test_1904_workbook_serial_dates(db, tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["URN", "Name", "Partner since"])
    ws.append([900001, "Mac School", date(2023, 9, 1)])
    ws.append([900002, "Typed Serial", 43708])  # 1904 system: 43708 days after 1 Jan 1904
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    run(path, "schools")
    assert {s.partnership_since for s in School.select()} == {date(2023, 9, 1)}


# -- refusals, all or nothing -------------------------------------------------------------


def test_bad_and_duplicate_urns_are_refused_with_row_column_and_reason(db, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [
        ["URN", "School name", "Partner since", "Email"],
        ["100000", "Good", "01/09/2023", ""],
        ["1234", "Short URN", "", ""],
        ["100001", "Twice A", "", ""],
        ["100001", "Twice B", "", ""],
        ["100002", "Bad date", "31/02/2023", ""],
        ["100003", "Bad email", "", "head@@example"],
        ["100004", "", "", ""],
    ])
    plan, result = importing.run_import(path, "schools", dry_run=True)
    assert result is None
    reasons = {(r.row, r.column): r.reason for r in plan.refused}
    assert "not a URN" in reasons[(3, "URN")]
    assert "more than one row (4, 5)" in reasons[(4, "URN")] and (5, "URN") in reasons
    assert "not a real date" in reasons[(6, "Partner since")]
    assert "not an email" in reasons[(7, "Email")]
    assert reasons[(8, "School name")] == "Name is required"
    assert [i.row for i in plan.adds] == [2]
    before = counts()
    with pytest.raises(RefusedError, match="6 row\\(s\\) refused, nothing was imported"):
        importing.run_import(path, "schools")
    assert counts() == before
    _plan, result = importing.run_import(path, "schools", skip_invalid=True)
    assert result.added == 1 and ImportRun.get_by_id(result.run_id).refused == 6
    assert [s.urn for s in School.select()] == [100000]


def test_a_phone_longer_than_its_column_is_refused_by_row_on_every_database(db, tmp_path):
    path = write_csv(tmp_path / "phones.csv", [
        ["URN", "Name", "Telephone"],
        ["100000", "Short", "0113 496 0000"],
        ["100001", "Long", "0113 496 0000 ext. 1234 (reception)"],
    ])
    before = counts()
    plan, _ = importing.run_import(path, "schools", dry_run=True)
    assert [(r.row, r.column) for r in plan.refused] == [(3, "Telephone")]
    assert "longer than 30 characters" in plan.refused[0].reason
    with pytest.raises(RefusedError, match="1 row\\(s\\) refused, nothing was imported"):
        importing.run_import(path, "schools")
    assert counts() == before


def test_update_shows_old_and_new_and_blank_never_wipes(db, tmp_path):
    schools.create({"urn": 100000, "name": "Old Name", "postcode": "LS1 1AA", "trust": "Moor Trust"})
    path = write_csv(tmp_path / "upd.csv", [
        ["URN", "Name", "Postcode", "Trust"],
        ["100000", "New Name", "", "n/a"],
    ])
    plan, result = run(path, "schools")
    assert plan.updates[0].changes == {"Name": ("Old Name", "New Name")}
    school = School.get(School.urn == 100000)
    assert (school.name, school.postcode, school.trust) == ("New Name", "LS1 1AA", "Moor Trust")
    entry = AuditEntry.get(AuditEntry.import_run == result.run_id)
    assert (entry.action, json.loads(entry.changes)) == ("update", {"name": ["Old Name", "New Name"]})


def test_formula_text_in_a_csv_is_refused_not_stored(db, tmp_path):
    path = write_csv(tmp_path / "f.csv", [["URN", "Name"], ["100000", "=HYPERLINK(\"evil\")"]])
    plan, _ = importing.run_import(path, "schools", dry_run=True)
    assert plan.refused[0].column == "Name" and "formula" in plan.refused[0].reason


def test_an_error_inside_the_import_leaves_the_database_unchanged(db, tmp_path, monkeypatch):
    schools.create({"urn": 100000, "name": "Before"})
    rows = [["URN", "Name"], ["100000", "After"]] + [[str(200000 + i), f"S{i}"] for i in range(250)]
    path = write_csv(tmp_path / "many.csv", rows)
    before = counts()

    def boom(entries):
        raise RuntimeError("disk full")

    monkeypatch.setattr("ittdesk.audit.record_many", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        run(path, "schools")
    assert counts() == before
    assert School.get(School.urn == 100000).name == "Before"


def test_cancel_mid_way_rolls_everything_back(db, tmp_path, monkeypatch):
    rows = [["URN", "Name"]] + [[str(200000 + i), f"S{i}"] for i in range(350)]
    path = write_csv(tmp_path / "many.csv", rows)
    cancel = threading.Event()
    real = bulk.insert_returning
    chunks_done = []

    def insert_then_cancel(model, rows, *names):
        ids = real(model, rows, *names)
        chunks_done.append(len(ids))
        cancel.set()  # the user presses Cancel after the first chunk is written
        return ids

    monkeypatch.setattr(bulk, "insert_returning", insert_then_cancel)
    before = counts()
    source = importing.load_source(path, "schools")
    plan = importing.plan_import(source)
    with pytest.raises(importing.ImportCancelled):
        importing.apply_plan(plan, cancel=cancel)
    assert chunks_done and counts() == before


def test_progress_reports_rows_and_rate(db, tmp_path):
    path = write_csv(tmp_path / "p.csv", [["URN", "Name"]] + [[str(200000 + i), "S"] for i in range(120)])
    seen = []
    importing.run_import(path, "schools", progress=lambda done, total=None, message="": seen.append(
        (done, total, message)))
    assert seen[-1][0] == seen[-1][1] == 120 and "rows/s" in seen[-1][2]


# -- bad files ----------------------------------------------------------------------------


def test_empty_sheet_and_unrecognised_header_are_refused(db, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Empty"
    wb.save(tmp_path / "empty.xlsx")
    with pytest.raises(RefusedError, match="every sheet is empty"):
        importing.load_source(tmp_path / "empty.xlsx", "schools")
    write_xlsx(tmp_path / "numbers.xlsx", [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(RefusedError, match="has no header row"):
        importing.load_source(tmp_path / "numbers.xlsx", "schools")
    write_xlsx(tmp_path / "nohead.xlsx", [["Colour", "Flavour"], ["red", "mint"]])
    with pytest.raises(RefusedError, match="No heading on row 1 .* is recognised for schools"):
        importing.plan_import(importing.load_source(tmp_path / "nohead.xlsx", "schools"))
    write_xlsx(tmp_path / "headonly.xlsx", [["URN", "Name"]])
    with pytest.raises(RefusedError, match="headings but no rows"):
        importing.plan_import(importing.load_source(tmp_path / "headonly.xlsx", "schools"))
    write_xlsx(tmp_path / "nourn.xlsx", [["School name", "Postcode"], ["A", "LS1 1AA"]])
    with pytest.raises(RefusedError, match="No column is mapped to URN"):
        importing.plan_import(importing.load_source(tmp_path / "nourn.xlsx", "schools"))


# -- mapping ------------------------------------------------------------------------------


def test_corrected_mapping_is_saved_and_reused_for_the_same_headings(db, tmp_path):
    rows = [["Ref", "Setting", "Where"], ["100000", "Fernbank", "LS1 1AA"]]
    path = write_csv(tmp_path / "odd.csv", rows)
    source = importing.load_source(path, "schools")
    assert source.mapping_from == "matched"
    mapping = importing.mapping_from_json(source, {"Ref": "urn", "Setting": "Name", "Where": "postcode"})
    plan = importing.plan_import(source, mapping)
    importing.apply_plan(plan)
    again = importing.load_source(write_csv(tmp_path / "odd2.csv", rows), "schools")
    assert again.mapping_from == "saved"
    assert again.mapping == {0: "urn", 1: "name", 2: "postcode"}
    assert SavedMapping.select().count() == 1


def test_mapping_mistakes_are_refused_clearly(db, tmp_path):
    source = importing.load_source(write_csv(tmp_path / "m.csv", [["URN", "Name"], ["100000", "A"]]),
                                   "schools")
    with pytest.raises(RefusedError, match="column 'Town' the file does not have"):
        importing.mapping_from_json(source, {"Town": "town"})
    with pytest.raises(RefusedError, match="cannot import"):
        importing.mapping_from_json(source, {"Name": "shoe size"})
    with pytest.raises(RefusedError, match="Two columns are mapped to Name"):
        importing.plan_import(source, {0: "name", 1: "name"})


# -- people and mentors -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_people_csv_keeps_accents_and_apostrophes_exactly(db, tmp_path, encoding):
    schools.create({"urn": 100000, "name": "Fernbank Primary"})
    path = write_csv(tmp_path / "mentors.csv", [
        ["Mentor list 2025/26"],
        [],
        ["First name", "Surname", "E-mail", "School URN", "Role", "Subject", "Capacity",
         "Training completed"],
        ["Siân", "O'Brien", "Sian.OBrien@Example.org", "100000", "", "Maths", "2", "01/09/2023"],
        ["Zoë", "Brontë", "", "100000", "Lead mentor", "", "1", "Sep 2023"],
        ["Ana", "Núñez", "ana@example.org", "", "", "", "", ""],
    ], encoding=encoding)
    plan, result = run(path, "people")
    assert result.added == 3
    names = {(p.first_name, p.last_name, p.email) for p in Person.select()}
    assert names == {("Siân", "O'Brien", "sian.obrien@example.org"), ("Zoë", "Brontë", None),
                     ("Ana", "Núñez", "ana@example.org")}
    kinds = {(r.person.last_name, r.kind, r.subjects, r.capacity) for r in Role.select()}
    assert kinds == {("O'Brien", "mentor", "Maths", 2), ("Brontë", "lead_mentor", None, 1)}
    assert MentorTraining.select().count() == 2
    # again: matched by email, and by name at the school when there is no email
    plan, result = run(path, "people")
    assert (result.added, result.updated, result.unchanged) == (0, 0, 3)


def test_mentor_with_unknown_school_urn_is_refused(db, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["Name", "Email", "School URN"],
                                          ["Ada Greaves", "ada@example.org", "999999"]])
    plan, _ = importing.run_import(path, "people", dry_run=True)
    assert [(r.row, r.column) for r in plan.refused] == [(2, "School URN")]
    assert "no school with URN 999999" in plan.refused[0].reason


def test_person_found_by_email_is_updated_not_duplicated(db, tmp_path):
    person = people.create({"first_name": "Ada", "last_name": "Greaves", "email": "ada@example.org",
                            "phone": "01632 960000"})
    path = write_csv(tmp_path / "p.csv", [["Full name", "Email", "Phone"],
                                          ["Dr Ada Greaves-Holroyd", "ADA@example.org", ""]])
    plan, result = run(path, "people")
    assert result.updated == 1 and Person.select().count() == 1
    person = Person.get_by_id(person.id)
    assert (person.title, person.last_name, person.phone) == ("Dr", "Greaves-Holroyd", "01632 960000")


# -- enrolments and placements (DfE Register layout) -------------------------------------


def register_workbook(path, rows):
    return write_xlsx(path, [
        ["Register trainee teachers: bulk upload"],
        [],
        ["Provider Trainee ID", "First Names", "Last Name", "Email", "Training Route",
         "Course Subject One", "ITT Start Date", "ITT End Date", "Lead Partner URN",
         "Employing School URN", "First Placement URN", "Second Placement URN"],
        *rows,
    ], title="Trainees")


def setup_programme():
    from ittdesk.services.programmes import cohorts, programmes

    primary = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": primary.id, "name": "Cohort 7", "academic_year": "2026/27"})
    for urn in (100000, 100001, 100002):
        schools.create({"urn": urn, "name": f"School {urn}"})
    return cohort


def test_register_layout_imports_enrolments_then_placements(db, tmp_path):
    cohort = setup_programme()
    path = register_workbook(tmp_path / "register.xlsx", [
        ["T900", "Siân", "O'Brien", "sian@example.org", "Primary SCITT", "Primary", date(2026, 9, 1),
         date(2027, 7, 20), 100000, 100000, 100001, 100002],
        ["T901", "Zoë", "Brontë", "zoe@example.org", "primary scitt", "Mathematics",
         "01/09/2026", "20/07/2027", 100000, None, 100002, None],
    ])
    plan, result = run(path, "enrolments")
    assert result.added == 2
    from ittdesk.models import Enrolment, Placement

    siân = Enrolment.get(Enrolment.trainee_id == "T900")
    assert (siân.cohort_id, siân.subject, siân.home_school.urn, siân.person.last_name) == (
        cohort.id, "Primary", 100000, "O'Brien")
    plan, result = run(path, "placements")
    assert result.added == 3
    kinds = sorted((p.enrolment.trainee_id, p.school.urn, p.kind, p.start_date, p.end_date)
                   for p in Placement.select())
    assert kinds == [("T900", 100001, "main", date(2026, 9, 1), date(2027, 7, 20)),
                     ("T900", 100002, "second", date(2026, 9, 1), date(2027, 7, 20)),
                     ("T901", 100002, "main", date(2026, 9, 1), date(2027, 7, 20))]
    _plan, again = run(path, "placements")
    assert (again.added, again.updated) == (0, 0)


def test_enrolment_rows_that_fit_no_cohort_or_clash_are_refused(db, tmp_path):
    setup_programme()
    path = register_workbook(tmp_path / "r.xlsx", [
        ["T1", "Ada", "Greaves", "ada@example.org", "", "", "01/09/2024", "", "", "", "", ""],
        ["T2", "Ben", "Naylor", "ben@example", "", "", "01/09/2026", "", "", "", "", ""],
        ["T3", "Cy", "Lumb", "cy@example.org", "", "", "next year", "", "", "", "", ""],
        ["T4", "Di", "Kershaw", "di@example.org", "", "", "01/09/2026", "", "", "999999", "", ""],
        ["T5", "Ed", "Uttley", "ed@example.org", "", "", "01/09/2026", "", "", "", "", ""],
        ["T5", "Ed", "Uttley", "ed2@example.org", "", "", "01/09/2026", "", "", "", "", ""],
    ])
    plan, _ = importing.run_import(path, "enrolments", dry_run=True)
    reasons = {r.row: (r.column, r.reason) for r in plan.refused}
    assert "no cohort in 2024/25" in reasons[4][1]
    assert reasons[5] == ("Email", "'ben@example' is not an email address")
    assert reasons[6][0] == "ITT Start Date" and "not a date" in reasons[6][1]
    assert reasons[7] == ("Employing School URN",
                          "there is no school with URN 999999: import the school first")
    assert "more than one row (8, 9)" in reasons[8][1] and 9 in reasons


def _placements_of_ada(tmp_path, rows: list[list[str]]):
    """The plan (dry run) of placements ``rows`` for trainee T1, enrolled in Cohort 7."""
    setup_programme()
    run(register_workbook(tmp_path / "r.xlsx", [
        ["T1", "Ada", "Greaves", "ada@example.org", "", "", "01/09/2026", "", "", "", "", ""]]),
        "enrolments")
    path = write_csv(tmp_path / "p.csv", [
        ["Trainee ID", "Placement school URN", "Mentor email", "Start date", "End date"], *rows])
    plan, _ = importing.run_import(path, "placements", dry_run=True)
    return plan


def test_placement_for_unknown_trainee_school_or_mentor_is_refused(db, tmp_path):
    plan = _placements_of_ada(tmp_path, [
        ["T1", "999999", "", "01/10/2026", "01/12/2026"],
        ["T9", "100000", "", "01/10/2026", "01/12/2026"],
        ["T1", "100001", "nobody@example.org", "01/10/2026", "01/12/2026"],
        ["T1", "100002", "", "01/10/2025", "01/12/2025"],
    ])
    reasons = {r.row: (r.column, r.reason) for r in plan.refused}
    assert reasons[2] == ("Placement school URN", "there is no school with URN 999999: import the school first")
    assert "no enrolled trainee with trainee ID T9" in reasons[3][1]
    assert reasons[4][0] == "Mentor email" and "no mentor with email" in reasons[4][1]
    assert "within the cohort's dates" in reasons[5][1]


def test_a_placement_repeated_on_a_row_refused_for_its_mentor_is_said_the_same_run(db,
                                                                                    tmp_path):
    """Issue 14 item 6: the repeat showed only once the mentor was mended."""
    plan = _placements_of_ada(tmp_path, [
        ["T1", "100001", "nobody@example.org", "01/10/2026", "01/12/2026"],
        ["T1", "100001", "", "02/10/2026", "01/12/2026"],
        ["T1", "100002", "", "01/01/2027", "01/03/2027"],
    ])
    assert sorted((r.row, r.column, r.reason.split(":")[0]) for r in plan.refused) == [
        (2, "Mentor email", "there is no mentor with email nobody@example.org"),
        (3, "Placement school URN", "the same placement is also on row 2"),
    ]
    assert [item.row for item in plan.items] == [4]


def test_placement_mentor_found_by_name_at_the_school(db, tmp_path):
    setup_programme()
    school = School.get(School.urn == 100001)
    mentor = people.create({"first_name": "Maya", "last_name": "Kershaw"})
    roles.create({"person": mentor.id, "school": school.id, "kind": "mentor"})
    run(register_workbook(tmp_path / "r.xlsx", [
        ["T1", "Ada", "Greaves", "ada@example.org", "", "", "01/09/2026", "", "", "", "", ""]]),
        "enrolments")
    path = write_csv(tmp_path / "p.csv", [["Email", "School URN", "Mentor", "Placement type"],
                                          ["ada@example.org", "100001", "Maya Kershaw", "ITaP"]])
    run(path, "placements")
    from ittdesk.models import Placement

    placement = Placement.get()
    assert (placement.mentor_id, placement.kind) == (mentor.id, "itap")


# -- listing and round trip --------------------------------------------------------------


def test_past_imports_are_listed_with_file_and_counts(db, tmp_path):
    run(GIAS, "schools")
    listed = importing.past_imports()
    assert [(r.kind, r.added, r.updated, r.file_name) for r in listed] == [
        ("schools", 99, 0, str(GIAS))]


@pytest.mark.slow
def test_full_export_reimports_without_a_mapping(demo_db, tmp_path):
    from ittdesk.returns.full_export import export_all

    path = tmp_path / "everything.xlsx"
    export_all(path, include_audit=False)
    for kind in ("schools", "people"):
        source = importing.load_source(path, kind)
        plan = importing.plan_import(source)
        assert plan.refused == [], plan.refused[:3]
        assert not plan.adds and not plan.updates, (kind, plan.summary())
    assert importing.load_source(path, "schools").sheet.name == "Schools"
    assert importing.load_source(path, "people").sheet.name == "People"


def test_apply_rematches_when_the_database_changed_since_the_preview(db, tmp_path):
    path = write_csv(tmp_path / "s.csv", [["URN", "Name"], ["100000", "From the file"],
                                          ["100001", "Second"]])
    source = importing.load_source(path, "schools")
    plan = importing.plan_import(source)
    assert len(plan.adds) == 2
    schools.create({"urn": 100000, "name": "Typed meanwhile"})  # someone adds it before Import
    result = importing.apply_plan(plan)
    assert (result.added, result.updated) == (1, 1)
    assert School.get(School.urn == 100000).name == "From the file"


def test_a_failed_apply_can_be_retried_with_the_same_plan(db, tmp_path, monkeypatch):
    path = gias_with_heads(tmp_path)
    plan = importing.plan_import(importing.load_source(path, "schools"))
    import ittdesk.audit as audit_module

    original = audit_module.record_many
    calls = []

    def fail_once(entries):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return original(entries)

    monkeypatch.setattr(audit_module, "record_many", fail_once)
    with pytest.raises(RuntimeError):
        importing.apply_plan(plan)
    assert counts()[:4] == (0, 0, 0, 0)
    result = importing.apply_plan(plan)
    assert result.added == 5
    # the fifth school closed in 1992: no head role there
    assert (School.select().count(), Person.select().count(), Role.select().count()) == (5, 4, 4)
    assert {r.school.urn for r in Role.select()} == {int(r[0]) for r in gias_rows()[1:5]}


def test_same_head_under_a_new_title_is_retitled_not_duplicated(db, tmp_path):
    run(gias_with_heads(tmp_path, HEADS[:1]), "schools")
    plan, result = run(gias_with_heads(tmp_path, [("Mrs", "Siân", "O'Brien", "Executive Headteacher")],
                                       "retitled.csv"), "schools")
    assert result.updated == 1
    assert plan.updates[0].changes["Headteacher role"] == ("Headteacher", "Executive headteacher")
    role = Role.get()
    assert (Role.select().count(), role.kind, role.job_title, role.end_date) == (
        1, "executive_headteacher", "Executive Headteacher", None)
    _plan, again = run(gias_with_heads(tmp_path, [("Mrs", "Siân", "O'Brien", "Executive Headteacher")],
                                       "again.csv"), "schools")
    assert (again.added, again.updated) == (0, 0)


KILLED_CHILD = r'''
import sys
from ittdesk import db
from ittdesk.services import bulk
from ittdesk.spreadsheets import importing

db.open_database(sys.argv[1], daily_backup=False)
real = bulk.insert_returning
def insert_then_wait(model, rows, *names):
    ids = real(model, rows, *names)
    print("inside", flush=True)  # rows are written, the transaction is still open
    sys.stdin.readline()         # wait here until the parent kills this process
    return ids
bulk.insert_returning = insert_then_wait
importing.run_import(sys.argv[2], "schools")
'''


def test_killing_the_process_mid_import_leaves_the_database_unchanged(sqlite_db, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from ittdesk import db as dbmod

    schools.create({"urn": 100000, "name": "Before"})
    path = write_csv(tmp_path / "many.csv", [["URN", "Name"], ["100000", "After"]]
                     + [[str(200000 + i), f"S{i}"] for i in range(600)])
    before = counts()
    dbmod.close_database()
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, str(sqlite_db.path), str(path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ), cwd=Path(__file__).resolve().parents[1])
    try:
        assert child.stdout.readline().strip() == "inside"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    dbmod.open_database(sqlite_db.path, daily_backup=False)
    assert counts() == before
    assert School.get(School.urn == 100000).name == "Before"


def test_the_garbage_collector_is_back_on_after_an_import_whatever_happens(db, tmp_path):
    import gc

    was_enabled = gc.isenabled()  # the test session may run with it off, as the app does
    bad = write_csv(tmp_path / "bad.csv", [["URN", "Name"], ["abc", "Bad"]])
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            with pytest.raises(RefusedError):
                importing.run_import(bad, "schools")
            assert gc.isenabled() is enabled
            run(write_csv(tmp_path / f"ok{enabled}.csv",
                          [["URN", "Name"], [str(100000 + enabled), "Good"]]), "schools")
            assert gc.isenabled() is enabled and gc.get_freeze_count() == 0
    finally:
        gc.enable() if was_enabled else gc.disable()


def test_the_kind_of_a_dropped_file_is_guessed_from_its_headings(tmp_path):
    register = register_workbook(tmp_path / "register.xlsx", [])
    mentors = write_csv(tmp_path / "mentors.csv", [["First name", "Surname", "Email", "School URN",
                                                    "Role", "Capacity"]])
    placements_file = write_csv(tmp_path / "p.csv", [["Trainee ID", "Placement school URN", "Mentor",
                                                      "Start date", "End date", "Year group"]])
    assert importing.guess_kind(GIAS) == "schools"
    assert importing.guess_kind(register) == "enrolments"
    assert importing.guess_kind(mentors) == "people"
    assert importing.guess_kind(placements_file) == "placements"
