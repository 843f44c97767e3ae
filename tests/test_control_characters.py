"""Control characters (NUL, U+0001-U+001F but tab, LF, CR) are refused where text comes in, and
exports survive an older database that already holds one.

Before: a name with U+0001 was stored from an import, after which that person's subject access
export and the full export failed for everyone (openpyxl refuses to write such text).
"""

from __future__ import annotations

import csv

import openpyxl
import pytest

from ittdesk import fields
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry, Person, School, database
from ittdesk.spreadsheets import importing


@pytest.mark.parametrize("bad", ["Ada\x00", "Ad\x01a", "Ada\x1f", "A\x0bda", "A\x0cda"])
def test_text_parsers_refuse_control_characters(bad):
    for parse in (fields.text, fields.phone, fields.email):
        with pytest.raises(ValueError, match=r"control character \(U\+00"):
            parse(bad)


def test_tab_newline_and_carriage_return_are_kept():
    assert fields.text("line one\r\nline two\tend") == "line one\r\nline two\tend"


def test_the_services_refuse_a_control_character_in_any_field_with_a_field_message(db):
    from ittdesk.services.people import people
    from ittdesk.services.schools import schools

    with pytest.raises(ValidationError) as caught:
        people.create({"first_name": "Ada", "last_name": "Gre\x00aves", "notes": "ok\x07"})
    assert set(caught.value.errors) == {"last_name", "notes"}
    assert "control character (U+0000)" in caught.value.errors["last_name"]
    school = schools.create({"urn": 100001, "name": "Moorside Primary"})
    with pytest.raises(ValidationError, match="U\\+0002"):
        schools.update(school.id, {"name": "Moor\x02side"})
    assert Person.select().count() == 0 and School.get_by_id(school.id).name == "Moorside Primary"


def test_an_import_refuses_the_row_naming_row_and_column(db, tmp_path):
    path = tmp_path / "schools.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["URN", "School name", "Phase"])
    ws.append([100001, "Moorside Primary", "Primary"])
    ws.append([100002, "Castle Hill Academy", "Secondary"])
    wb.save(path)
    # openpyxl will not write U+0001 itself: put it in the sheet's XML as Excel's escape would
    # leave it after a copy from another program.
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"Castle Hill", b"Castle\x01Hill")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    audit_before = AuditEntry.select().count()
    with pytest.raises(RefusedError) as caught:
        importing.run_import(path, "schools")
    assert "row 3, column 'School name': holds a control character (U+0001)" in str(caught.value)
    assert School.select().count() == 0 and AuditEntry.select().count() == audit_before


def test_a_csv_import_refuses_a_control_character_naming_row_and_column(db, tmp_path):
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["URN", "School name"], ["100001", "Moorside"],
                                  ["100002", "Castle\x1bHill"]])
    with pytest.raises(RefusedError) as caught:
        importing.run_import(path, "schools")
    assert ("row 3, column 'School name': holds a control character (U+001B), which cannot be "
            "stored: retype the value") in str(caught.value)
    assert School.select().count() == 0


def _store_raw(model, record_id: int, column: str, value: str) -> None:
    """What an older version left behind: the value written past the services."""
    database.execute_sql(f'UPDATE "{model._meta.table_name}" SET "{column}" = %s WHERE id = %s'
                         .replace("%s", database.param), (value, record_id))


def test_exports_drop_a_stored_control_character_instead_of_failing(db, tmp_path):
    from ittdesk.privacy import sar
    from ittdesk.returns.full_export import export_all
    from ittdesk.services.people import people
    from ittdesk.services.schools import schools

    school = schools.create({"urn": 100001, "name": "Moorside Primary"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves", "notes": "fine"})
    nul = "\x00" if db.kind == "sqlite" else ""  # PostgreSQL cannot store a NUL at all
    _store_raw(Person, person.id, "last_name", f"Grea{nul}ves\x01")
    _store_raw(Person, person.id, "notes", "=cell\x02")
    _store_raw(School, school.id, "name", "Moor\x1fside Primary")

    _data, path = sar.export(person.id, tmp_path / "sar.xlsx")
    sheet = openpyxl.load_workbook(path)["Person"]
    row = [c.value for c in sheet[2]]
    assert "Greaves" in row and "=cell" in row

    export_all(tmp_path / "all.xlsx")
    book = openpyxl.load_workbook(tmp_path / "all.xlsx")
    values = {c.value for ws in book.worksheets for r in ws.iter_rows() for c in r}
    assert {"Greaves", "Moorside Primary", "=cell"} <= values
