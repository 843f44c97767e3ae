"""5-digit URNs are real GIAS URNs (children's centres): parsed, stored, and allowed by the
database once migration 5 has loosened the CHECK of an older database."""

from __future__ import annotations

import pytest
from peewee import IntegrityError

from ittdesk import fields, migrations
from ittdesk.db import is_postgres
from ittdesk.models import SchemaVersion, School, database
from ittdesk.services.schools import schools

OLD = "urn BETWEEN 100000 AND 9999999"


def _make_version_4(db) -> None:
    """Put back the CHECK the first releases created (6 or 7 digits only)."""
    if is_postgres():
        database.execute_sql('ALTER TABLE "school" DROP CONSTRAINT "school_urn_check"')
        database.execute_sql(f'ALTER TABLE "school" ADD CONSTRAINT "school_urn_check" CHECK ({OLD})')
    else:
        with database.atomic():
            version = database.execute_sql("PRAGMA schema_version").fetchone()[0]
            database.execute_sql("PRAGMA writable_schema = ON")
            database.execute_sql("UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
                                 "WHERE name = 'school'", ("urn BETWEEN 10000 AND 9999999", OLD))
            database.execute_sql(f"PRAGMA schema_version = {version + 1}")
            database.execute_sql("PRAGMA writable_schema = OFF")
    SchemaVersion.update(version=4).execute()


def _raw_insert(urn: int) -> None:
    with database.atomic():
        School.insert(urn=urn, name=f"School {urn}").execute()


def test_a_five_digit_urn_is_parsed_and_four_or_eight_digits_are_not():
    assert fields.urn("20001") == 20001
    assert fields.urn(20001.0) == 20001
    for bad in ("2000", "12345678"):
        with pytest.raises(ValueError, match=r"not a URN \(5 to 7 digits\)"):
            fields.urn(bad)


def test_a_new_database_stores_a_five_digit_urn(db):
    school = schools.create({"urn": "20001", "name": "Brookside Children's Centre"})
    assert School.get_by_id(school.id).urn == 20001
    with pytest.raises(IntegrityError):
        _raw_insert(9999)


def test_migration_5_lets_an_older_database_store_five_digit_urns_keeping_its_rows(db):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    _make_version_4(db)
    with pytest.raises(IntegrityError):
        _raw_insert(20001)
    applied = migrations.migrate(db)
    assert [s.version for s in applied][0] == 5
    assert migrations.current_version() == migrations.LATEST
    _raw_insert(20001)
    assert [s.urn for s in School.select().order_by(School.urn)] == [20001, 123456]
    with pytest.raises(IntegrityError):
        _raw_insert(9999)
    if not is_postgres():
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
