"""Issue 14 items 4 and 5: a person's date of birth and an enrolment's HESA ID are stored
(migration 9), read from Register's trainee files, used to find a placement's trainee (HESA ID)
and to match a person with no email again (name and date of birth); both are personal data
(subject access, erasure) and travel in the full export."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from ittdesk import fields, migrations, schema_check
from ittdesk.models import AuditEntry, Enrolment, Person, SchemaVersion, database
from ittdesk.privacy import erasure, sar
from ittdesk.returns import full_export
from ittdesk.services.people import people
from ittdesk.services.programmes import cohorts, enrolments, programmes
from ittdesk.services.schools import schools
from ittdesk.spreadsheets import importing

REAL = Path(__file__).parent / "data" / "real"
WITH_PLACEMENTS = REAL / "register_trainees_with_placements.csv"
PLACEMENT_URNS = (609384, 325900, 894261, 322601, 182836, 733562, 773124)


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _cohort():
    programme = programmes.create({"name": "School Direct", "kind": "itt"})
    return cohorts.create({"programme": programme.id, "name": "2025 cohort",
                           "academic_year": "2025/26"})


# -- the parsers ------------------------------------------------------------------------------


def test_a_hesa_id_is_13_or_17_digits_kept_as_text():
    assert fields.hesa_id("0155120860660") == "0155120860660"
    assert fields.hesa_id(" 1234 5678 90123 ") == "1234567890123"
    assert fields.hesa_id(9155120860660.0) == "9155120860660"
    assert fields.hesa_id("12345678901234567") == "12345678901234567"
    assert fields.hesa_id("n/a") is None
    for wrong in ("123456789012", "123456789012345", "91551208606AB"):
        with pytest.raises(ValueError, match="is not a HESA ID"):
            fields.hesa_id(wrong)
    with pytest.raises(ValueError, match="lost its last digits"):
        fields.hesa_id(12345678901234567.0)


def test_a_date_of_birth_is_not_in_the_future_nor_before_1900(set_today):
    set_today(date(2026, 12, 7))
    assert fields.date_of_birth("08/05/1970") == date(1970, 5, 8)
    assert fields.date_of_birth("2005-06-21") == date(2005, 6, 21)
    assert fields.date_of_birth("3/4/65") == date(1965, 4, 3)  # not 2065
    assert fields.date_of_birth("3/4/05") == date(2005, 4, 3)
    with pytest.raises(ValueError, match="in the future"):
        fields.date_of_birth("08/12/2026")
    with pytest.raises(ValueError, match="before 1900"):
        fields.date_of_birth("31/12/1899")


def test_services_store_a_date_of_birth_and_a_hesa_id_and_refuse_bad_ones(db):
    person = people.create({"first_name": "Ann", "last_name": "Lee", "date_of_birth": "08/05/1990"})
    assert Person.get_by_id(person.id).date_of_birth == date(1990, 5, 8)
    enrolment = enrolments.create({"person": person.id, "cohort": _cohort().id,
                                   "hesa_id": "1234567890123"})
    assert Enrolment.get_by_id(enrolment.id).hesa_id == "1234567890123"
    _values, errors = enrolments.clean({"hesa_id": "12345"}, partial=True)
    assert errors == {"hesa_id": "HESA ID: '12345' is not a HESA ID (13 or 17 digits)"}
    _values, errors = people.clean({"date_of_birth": "01/01/3000"}, partial=True)
    assert "in the future" in errors["date_of_birth"]


# -- migration 9 ------------------------------------------------------------------------------


def test_version_8_gets_dates_of_birth_and_hesa_ids_keeping_its_rows(db):
    person = people.create({"first_name": "Ada", "last_name": "Greaves", "email": "ada@example.org"})
    enrolment = enrolments.create({"person": person.id, "cohort": _cohort().id,
                                   "trainee_id": "T1"})
    database.execute_sql('DROP INDEX IF EXISTS "enrolment_hesa_id"')
    database.execute_sql('ALTER TABLE "enrolment" DROP COLUMN "hesa_id"')
    database.execute_sql('ALTER TABLE "person" DROP COLUMN "date_of_birth"')
    SchemaVersion.update(version=8).execute()

    assert [s.version for s in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version >= 9]

    assert "date_of_birth" in {c.name for c in database.get_columns("person")}
    assert "enrolment_hesa_id" in {i.name for i in database.get_indexes("enrolment")}
    assert Enrolment.get_by_id(enrolment.id).trainee_id == "T1"
    enrolments.update(enrolment.id, {"hesa_id": "1234567890123"})
    people.update(person.id, {"date_of_birth": "01/02/1985"})
    assert Person.get_by_id(person.id).date_of_birth == date(1985, 2, 1)
    if db.kind == "sqlite":
        database.close()
        conn = sqlite3.connect(db.path)
        try:
            assert schema_check.foreign_objects(conn, migrations.LATEST) == []
        finally:
            conn.close()
        database.connect()


# -- Register's trainee files -----------------------------------------------------------------


def _import_real_trainees():
    for urn in PLACEMENT_URNS:
        schools.create({"urn": urn, "name": f"School {urn}"})
    plan, result = importing.run_import(WITH_PLACEMENTS, "enrolments",
                                        options={"create_cohorts": True})
    assert plan.refused == [] and result.added == 5


def test_register_trainee_file_stores_hesa_ids_and_dates_of_birth(db):
    _import_real_trainees()
    enrolment = Enrolment.get(Enrolment.trainee_id == "24/25-16")
    assert enrolment.hesa_id == "9155120860660"  # Register's apostrophe dropped
    assert enrolment.person.date_of_birth == date(1970, 5, 8)
    assert Enrolment.get(Enrolment.trainee_id == "24/25-19").person.date_of_birth == date(2005, 6, 21)
    plan, result = importing.run_import(WITH_PLACEMENTS, "enrolments")
    assert plan.refused == [] and (result.added, result.updated) == (0, 0)  # nothing differs


def test_placements_find_the_trainee_by_hesa_id(db, tmp_path):
    """Register's trainee file with only the HESA ID to find the trainee by (no trainee ID,
    email or TRN): every placement URN column is still imported."""
    _import_real_trainees()
    with WITH_PLACEMENTS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    dropped = {rows[0].index(h) for h in ("provider_trainee_id", "email", "trn")
               if h in rows[0]}
    path = _csv(tmp_path / "by_hesa.csv",
                [[c for i, c in enumerate(row) if i not in dropped] for row in rows])
    plan, result = importing.run_import(path, "placements")
    assert plan.refused == [] and result.added == 7
    first = sorted((p.school.urn, p.kind) for p in Enrolment.get(
        Enrolment.hesa_id == "9155120860660").placements)
    assert first == [(325900, "second"), (609384, "main"), (894261, "second")]


def test_a_placement_for_an_unknown_hesa_id_is_refused_naming_it(db, tmp_path):
    schools.create({"urn": 100001, "name": "School 100001"})
    path = _csv(tmp_path / "placements.csv", [["HESA ID", "Placement 1 URN"],
                                               ["1111111111111", "100001"],
                                               ["12AB", "100001"]])
    plan, _ = importing.run_import(path, "placements", dry_run=True)
    assert [(r.row, r.column, r.reason) for r in plan.refused] == [
        (2, "HESA ID", "there is no enrolled trainee with HESA ID 1111111111111: import "
                       "enrolments first"),
        (3, "HESA ID", "'12AB' is not a HESA ID (13 or 17 digits)")]


# -- people matched by name and date of birth -------------------------------------------------


HEAD = ["First name", "Last name", "Date of birth", "Phone"]


def test_people_without_email_are_matched_again_by_name_and_date_of_birth(db, tmp_path):
    path = _csv(tmp_path / "people.csv", [HEAD, ["Ann", "Lee", "08/05/1990", ""],
                                          ["Ann", "Lee", "08/05/1990", "0113 496 0000"]])
    plan, result = importing.run_import(path, "people")
    assert plan.refused == [] and result.added == 1  # two rows, one person
    assert Person.get().phone == "0113 496 0000"
    again = _csv(tmp_path / "again.csv", [HEAD, ["Ann", "Lee", "1990-05-08", ""]])
    plan, result = importing.run_import(again, "people")
    assert (result.added, Person.select().count()) == (0, 1)
    assert plan.items[0].warnings == []


def test_a_namesake_born_on_another_day_is_another_person_not_a_possible_duplicate(db, tmp_path):
    people.create({"first_name": "Ann", "last_name": "Lee", "date_of_birth": "08/05/1990"})
    path = _csv(tmp_path / "people.csv", [HEAD, ["Ann", "Lee", "09/05/1991", ""]])
    plan, result = importing.run_import(path, "people", options={"match_possible": True})
    assert plan.items[0].warnings == [] and result.added == 1
    assert sorted(p.date_of_birth for p in Person.select()) == [date(1990, 5, 8), date(1991, 5, 9)]


# -- personal data ----------------------------------------------------------------------------


def test_subject_access_export_shows_and_erasure_clears_both(db):
    person = people.create({"first_name": "Ann", "last_name": "Lee", "date_of_birth": "08/05/1990"})
    enrolments.create({"person": person.id, "cohort": _cohort().id, "hesa_id": "1234567890123"})
    data = sar.collect(person.id)
    person_sheet = data.sheet("Person")
    assert person_sheet.rows[0][person_sheet.headers.index("Date of birth")] == date(1990, 5, 8)
    enrolment_sheet = data.sheet("Enrolments")
    assert enrolment_sheet.rows[0][enrolment_sheet.headers.index("HESA ID")] == "1234567890123"

    erasure.erase(person.id, compact_after=False)
    assert Person.get_by_id(person.id).date_of_birth is None
    assert Enrolment.get().hesa_id is None
    for entry in AuditEntry.select():
        changes = json.loads(entry.changes or "{}")
        for key in ("date_of_birth", "hesa_id"):
            if key in changes:
                assert set(changes[key]) <= {None, erasure.ERASED}, (entry.entity, changes)
    assert "1234567890123" not in "".join(e.changes or "" for e in AuditEntry.select())


def test_full_export_carries_both_and_reads_them_back(db, tmp_path):
    from ittdesk.models import Cohort, Programme
    from ittdesk.returns.full_import import restore_export

    person = people.create({"first_name": "Ann", "last_name": "Lee", "date_of_birth": "08/05/1990"})
    enrolments.create({"person": person.id, "cohort": _cohort().id, "hesa_id": "0123456789012"})
    before = full_export.plain_records()
    assert [r["Date of birth"] for r in before["People"]] == [date(1990, 5, 8)]
    assert [r["HESA ID"] for r in before["Enrolments"]] == ["0123456789012"]
    full_export.export_all(tmp_path / "all.xlsx")
    for model in (Enrolment, Cohort, Programme, Person):
        model.delete().execute()
    restore_export(tmp_path / "all.xlsx")
    after = full_export.plain_records()
    assert [r["Date of birth"] for r in after["People"]] == [date(1990, 5, 8)]
    assert [r["HESA ID"] for r in after["Enrolments"]] == ["0123456789012"]
