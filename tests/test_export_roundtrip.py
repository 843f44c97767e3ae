"""The full export: every table on its own sheet, and reading it into an empty database gives
the same records."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from ittdesk import db as dbmod
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry
from ittdesk.returns.full_export import SHEETS, export_all, plain_records, sheet_columns
from ittdesk.returns.full_import import restore_export
from ittdesk.services.schools import schools
from ittdesk.spreadsheets.writer import Cancelled


def comparable(records: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Records with ids replaced by each row's position, so two databases can be compared."""
    position = {name: {row["ID"]: i for i, row in enumerate(rows)} for name, rows in records.items()}
    refs = {}
    for sheet in SHEETS:
        fk = {}
        for spec in sheet.service.fields:
            field = sheet.service.model._meta.fields[spec.name]
            if hasattr(field, "rel_model"):
                target = next(s.name for s in SHEETS if s.service.model is field.rel_model)
                fk[spec.label] = target
        refs[sheet.name] = fk
    links = {sheet.name: sheet.links for sheet in SHEETS}
    result = {}
    for name, rows in records.items():
        out = []
        for row in rows:
            clean = {k: v for k, v in row.items() if k != "ID"}
            for heading, target in refs[name].items():
                if clean.get(heading) is not None:
                    clean[heading] = position[target][clean[heading]]
            if links[name] is not None and clean.get(links[name].heading):
                clean[links[name].heading] = [position[links[name].target][int(i)] for i in
                                              clean[links[name].heading].split("; ")]
            out.append(clean)
        result[name] = out
    return result


def test_full_export_has_a_sheet_per_entity_with_field_label_headings(demo_db, tmp_path):
    written = export_all(tmp_path / "all.xlsx")
    wb = load_workbook(tmp_path / "all.xlsx")
    assert wb.sheetnames == [s.name for s in SHEETS] + ["Settings", "Audit trail"]
    schools_sheet = wb["Schools"]
    header = [c.value for c in schools_sheet[1]]
    assert header[:4] == ["ID", "URN", "Name", "Phase"] and "Local authority" in header
    assert schools_sheet.freeze_panes == "B2"
    assert written["Schools"] == schools_sheet.max_row - 1 == 120
    row = {h: c.value for h, c in zip(header, schools_sheet[2], strict=False)}
    assert isinstance(row["URN"], int) and row["Phase"] in ("All-through", "Primary", "Secondary",
                                                           "Special")
    people = wb["People"]
    trn_col = [c.value for c in people[1]].index("TRN") + 1
    assert all(people.cell(r, trn_col).data_type == "s" for r in range(2, people.max_row + 1)
               if people.cell(r, trn_col).value is not None)
    agreements_header = [c.value for c in wb["Support agreements"][1]]
    assert "Reference" in agreements_header and "Amount agreed" in agreements_header
    placements_sheet = wb["Placements"]
    start_col = [c.value for c in placements_sheet[1]].index("Start date") + 1
    assert placements_sheet.cell(2, start_col).is_date


def test_exporting_and_reading_into_an_empty_database_gives_the_same_records(demo_db, tmp_path):
    before = comparable(plain_records())
    export_all(tmp_path / "all.xlsx")
    dbmod.close_database()
    dbmod.open_database(tmp_path / "empty.sqlite3", daily_backup=False)
    added = restore_export(tmp_path / "all.xlsx")
    after = comparable(plain_records())
    assert {name: len(rows) for name, rows in after.items()} == \
        {name: len(rows) for name, rows in before.items()} == added
    for name in before:
        assert after[name] == before[name], name
    assert any(row["Other mentors"] for row in before["Placements"])  # the demo has some
    assert AuditEntry.select().where(AuditEntry.note.contains("full export")).count() == \
        sum(added.values())


def test_round_trip_on_every_backend_keeps_awkward_values(db, tmp_path):
    from ittdesk.services.people import people

    schools.create({"urn": 123456, "name": '=HYPERLINK("http://x","y")', "phase": "primary",
                    "partnership_since": date(2019, 9, 1), "notes": "line one\nline two"})
    people.create({"first_name": "Siân", "last_name": "Ó Súilleabháin", "trn": "0012345",
                   "phone": "+44 1632 960000"})
    before = comparable(plain_records())
    export_all(tmp_path / "all.xlsx")
    for model in (people.model, schools.model):
        model.delete().execute()
    restore_export(tmp_path / "all.xlsx")
    assert comparable(plain_records()) == before


def test_reading_an_export_into_a_database_with_records_is_refused(demo_db, tmp_path):
    export_all(tmp_path / "all.xlsx")
    with pytest.raises(RefusedError, match="empty database"):
        restore_export(tmp_path / "all.xlsx")


def test_a_bad_row_in_an_export_refuses_the_whole_file(demo_db, tmp_path):
    export_all(tmp_path / "all.xlsx")
    wb = load_workbook(tmp_path / "all.xlsx")
    header = [c.value for c in wb["Schools"][1]]
    wb["Schools"].cell(3, header.index("URN") + 1).value = "12"
    wb.save(tmp_path / "edited.xlsx")
    dbmod.close_database()
    dbmod.open_database(tmp_path / "empty.sqlite3", daily_backup=False)
    with pytest.raises(ValidationError, match="Schools row 3"):
        restore_export(tmp_path / "edited.xlsx")
    assert schools.model.select().count() == 0


def test_cancelled_full_export_leaves_no_file(demo_db, tmp_path):
    with pytest.raises(Cancelled):
        export_all(tmp_path / "all.xlsx", cancelled=lambda: True)
    assert list(tmp_path.glob("*.xlsx")) == []


def test_every_service_field_has_a_column(demo_db):
    for sheet in SHEETS:
        columns, _attrs, _conv = sheet_columns(sheet)
        assert [c.heading for c in columns][1:len(sheet.service.fields) + 1] == \
            [f.label for f in sheet.service.fields]


def test_the_importer_reads_the_schools_and_people_sheets_without_refusals(demo_db, tmp_path):
    from ittdesk.spreadsheets.importing import apply_plan, load_source, plan_import

    written = export_all(tmp_path / "all.xlsx")
    dbmod.close_database()
    dbmod.open_database(tmp_path / "empty.sqlite3", daily_backup=False)
    for kind, sheet in (("schools", "Schools"), ("people", "People")):
        plan = plan_import(load_source(tmp_path / "all.xlsx", kind, sheet=sheet))
        assert plan.refused == [] and len(plan.adds) == written[sheet], kind
        assert apply_plan(plan).added == written[sheet]
