"""Subject access export: complete (every row naming the person), formula-safe, readable."""

from __future__ import annotations

import pytest
from peewee import fn
from python_calamine import CalamineWorkbook
from test_privacy_seed import EMAIL, FIRST, LAST, seed_everywhere

from ittdesk.errors import IttDeskError, NotFoundError
from ittdesk.models import AuditEntry, Person
from ittdesk.privacy import sar, sar_sheets
from ittdesk.privacy.references import person_references


def _sheets(path):
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _ids(rows):
    return {int(r[0]) for r in rows[1:] if r and isinstance(r[0], int | float) and r[0] != ""}


def test_export_has_every_row_in_every_table_that_references_the_person(db, tmp_path):
    seeded = seed_everywhere()
    _data, path = sar.export(seeded.person.id, tmp_path / "sar.xlsx")
    sheets = _sheets(path)
    for ref in person_references():
        title = sar_sheets.sheet_for(ref)
        assert title is not None, f"{ref.key} has no sheet in the subject access export"
        assert seeded.rows[ref.key] in _ids(sheets[title]), f"{ref.key} row missing from '{title}'"
    assert seeded.trainee_placement in _ids(sheets["Placements (trainee)"])
    # Every audit entry about the person, not only one.
    about = {e.id for e in AuditEntry.select().where(AuditEntry.person_id == seeded.person.id)}
    assert about <= _ids(sheets["Audit entries"])
    assert sar_sheets.uncovered_references() == []


def test_person_sheet_holds_the_details_and_other_people_appear_by_number_only(db, tmp_path):
    seeded = seed_everywhere()
    _data, path = sar.export(seeded.person.id, tmp_path / "sar.xlsx")
    sheets = _sheets(path)
    person_row = sheets["Person"][1]
    assert person_row[2:5] == [FIRST, LAST, EMAIL]
    mentored = sheets["Placements (mentor)"][1]
    assert "Greaves" not in " ".join(str(v) for v in mentored)
    assert "enrolment #" in " ".join(str(v) for v in mentored)


def test_text_copies_of_the_name_elsewhere_are_listed(db, tmp_path):
    seeded = seed_everywhere()
    data = sar.collect(seeded.person.id)
    mentions = data.sheet(sar_sheets.MENTIONS_TITLE).rows
    assert [seeded.other.id, "person", "notes"] in [row[:3] for row in mentions]
    assert [seeded.agreement_id, "support agreement", "notes"] in [row[:3] for row in mentions]


def test_cover_sheet_says_what_each_sheet_is_when_and_from_which_database(sqlite_db, tmp_path):
    seeded = seed_everywhere()
    data, path = sar.export(seeded.person.id, tmp_path / "sar.xlsx")
    cover = _sheets(path)["Cover"]
    text = "\n".join(" | ".join(str(v) for v in row) for row in cover)
    assert "Subject access export" in text
    assert str(sqlite_db.path) in text
    assert "Produced" in text and "(local time)" in text
    for sheet in data.sheets:
        assert f"{sheet.title} | {sheet.description} | {len(sheet.rows)}" in text


def test_formula_like_text_stays_text_in_the_export(sqlite_db, tmp_path):
    from openpyxl import load_workbook

    from ittdesk.services.people import people

    nasty = '=HYPERLINK("http://example.invalid/","click")'
    person = people.create({"first_name": "Ada", "last_name": "Greaves", "notes": nasty})
    _data, path = sar.export(person.id, tmp_path / "sar.xlsx")
    cell = load_workbook(path)["Person"]["H2"]
    assert (cell.value, cell.data_type) == (nasty, "s")


def test_demo_person_export_opens_with_a_sheet_per_kind(demo_db, tmp_path):
    busiest = (AuditEntry.select(AuditEntry.person_id).where(AuditEntry.person_id.is_null(False))
               .group_by(AuditEntry.person_id).order_by(fn.COUNT(AuditEntry.id).desc()).scalar())
    _data, path = sar.export(busiest, tmp_path / "demo-sar.xlsx")
    wb = CalamineWorkbook.from_path(str(path))
    expected = ["Cover"] + [spec.title for spec in sar_sheets.SHEETS] + [sar_sheets.MENTIONS_TITLE]
    assert wb.sheet_names == expected
    person = Person.get_by_id(busiest)
    assert wb.get_sheet_by_name("Person").to_python()[1][3] == person.last_name
    assert len(wb.get_sheet_by_name("Audit entries").to_python()) > 1


def test_unknown_person_and_wrong_file_type_are_refused(db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(NotFoundError):
        sar.export(999, out / "sar.xlsx")
    person = Person.create(first_name="Ada", last_name="Greaves")
    with pytest.raises(IttDeskError, match="name it .xlsx"):
        sar.export(person.id, out / "sar.csv")
    assert list(out.iterdir()) == []


def test_cancelled_export_writes_nothing(db, tmp_path):
    seeded = seed_everywhere()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(sar.Cancelled):
        sar.export(seeded.person.id, out / "sar.xlsx", cancelled=lambda: True)
    assert list(out.iterdir()) == []


def test_readable_pdf_holds_every_section(qapp, sqlite_db, tmp_path):
    from pypdf import PdfReader

    from ui.printing import html_to_pdf

    seeded = seed_everywhere()
    data = sar.collect(seeded.person.id)
    pages = html_to_pdf(sar.to_html(data), tmp_path / "sar.pdf", footer_left="Subject access export")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "sar.pdf").pages)
    assert pages >= 2
    assert f"{FIRST} {LAST}" in text
    for sheet in data.sheets:
        assert sheet.title in text
