"""Migrations: an old schema is upgraded keeping every row; a failed step changes nothing."""

from __future__ import annotations

import pytest
from peewee import CharField
from playhouse.migrate import migrate as run_ops

from ittdesk import backup, migrations
from ittdesk import db as dbmod
from ittdesk.errors import DatabaseOpenError
from ittdesk.models import SchemaVersion, School
from ittdesk.services.schools import schools


def _add_step(monkeypatch, apply):
    steps = list(migrations.MIGRATIONS)
    steps.append(migrations.Migration(steps[-1].version + 1, "test step", apply))
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    return steps[-1].version


def _columns(table):
    return {c.name for c in dbmod.database.obj.get_columns(table)}


def test_an_old_database_is_upgraded_keeping_every_row(db, monkeypatch, tmp_path):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    schools.create({"urn": 123457, "name": "Moorside Academy"})
    new_version = _add_step(monkeypatch, lambda m: run_ops(
        m.add_column("school", "ofsted_rating", CharField(null=True))))
    applied = migrations.migrate(db)
    assert [s.version for s in applied] == [new_version]
    assert "ofsted_rating" in _columns("school")
    assert [s.name for s in School.select().order_by(School.urn)] == [
        "Fernbank Primary School", "Moorside Academy"]
    assert migrations.current_version() == new_version


def test_a_failed_migration_leaves_schema_and_data_as_they_were(db, monkeypatch):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    before_version = migrations.current_version()

    def broken(m):
        run_ops(m.add_column("school", "half_done", CharField(null=True)))
        raise RuntimeError("disk unplugged")

    _add_step(monkeypatch, broken)
    with pytest.raises(DatabaseOpenError, match="nothing was changed"):
        migrations.migrate(db)
    assert "half_done" not in _columns("school")
    assert migrations.current_version() == before_version
    assert School.select().count() == 1


def test_the_file_is_backed_up_before_a_migration(sqlite_db, monkeypatch):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    _add_step(monkeypatch, lambda m: None)
    migrations.migrate(sqlite_db)
    names = [p.name for p in backup.automatic_backups(sqlite_db)]
    assert any("before-migration" in n for n in names)


def test_opening_runs_pending_migrations(tmp_path, monkeypatch):

    path = tmp_path / "old.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    dbmod.close_database()
    target = _add_step(monkeypatch, lambda m: run_ops(
        m.add_column("school", "ofsted_rating", CharField(null=True))))
    dbmod.open_database(path, daily_backup=False)
    try:
        assert SchemaVersion.get().version == target
        assert School.get().name == "Fernbank Primary School"
    finally:
        dbmod.close_database()


def _index_names(table):
    return {i.name for i in dbmod.database.obj.get_indexes(table)}


def test_version_2_gets_the_sort_indexes_keeping_rows_and_matches_a_new_database(db):
    """Version 3 made LOWER(name) indexes; version 7 replaced them with the sort keys' own."""
    from ittdesk.models import Person, database
    from ittdesk.services.people import people

    fresh = {t: _index_names(t) for t in ("school", "person")}
    assert "school_name_key" in fresh["school"]
    assert "person_last_name_key" in fresh["person"]
    assert "person_last_name_lower" not in fresh["person"]
    assert len(migrations.LOWER_NAME_INDEXES) == 2
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    people.create({"first_name": "Ada", "last_name": "Greaves"})
    # Make it a version-2 database: no sort indexes, schema version 2.
    database.execute_sql('DROP INDEX "school_name_key"')
    database.execute_sql('DROP INDEX "person_last_name_key"')
    SchemaVersion.update(version=2).execute()
    assert "school_name_key" not in _index_names("school")
    applied = migrations.migrate(db)
    assert [s.version for s in applied] == [m.version for m in migrations.MIGRATIONS if m.version > 2]
    assert migrations.current_version() == migrations.LATEST
    assert {t: _index_names(t) for t in ("school", "person")} == fresh
    assert School.get().name == "Fernbank Primary School"
    assert Person.get().last_name == "Greaves"
    assert migrations.migrate(db) == []


def test_version_5_round_rows_keep_their_sent_day_as_the_day_the_form_was_written(db):
    """Before version 6 writing a form recorded it as sent; the upgrade keeps that day as the
    written day and keeps the sent day, for every row."""
    from datetime import date

    from ittdesk.models import ConfirmationRound, RoundSchool, database

    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    other = schools.create({"urn": 123457, "name": "Moorside Academy"})
    round_ = ConfirmationRound.create(academic_year="2026/27", token="t" * 16, secret="s" * 64,
                                      started_on=date(2026, 6, 1))
    RoundSchool.create(round=round_, school=school, sent_on=date(2026, 6, 2))
    RoundSchool.create(round=round_, school=other)
    database.execute_sql('ALTER TABLE "round_school" DROP COLUMN "written_on"')
    SchemaVersion.update(version=5).execute()
    assert "written_on" not in _columns("round_school")
    assert [s.version for s in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version > 5]
    rows = {r.school_id: (r.written_on, r.sent_on) for r in RoundSchool.select()}
    assert rows == {school.id: (date(2026, 6, 2), date(2026, 6, 2)), other.id: (None, None)}


def test_the_schema_version_known_without_the_migrations_is_the_latest():
    """ittdesk.db (and the app's decision to show its window before opening) knows the latest
    schema without importing the migrations; a new migration must raise it too."""
    from ittdesk import db as dbmod

    assert dbmod.LATEST_SCHEMA == migrations.LATEST


def test_a_version_9_database_without_the_later_tables_is_upgraded(db):
    """Migration 10 gives every existing table its version column; a table that a later
    migration makes (12: the placement ledger's, 13: mentor funding's) is not there yet at
    version 9 and is made whole by that migration, version included. (Every database older
    than 10 once failed to open: "no such table: term_dates".)"""
    from ittdesk.models import (
        FundingSample,
        FundingYear,
        PlacementMentor,
        PlacementRule,
        TermDates,
        database,
    )

    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    later = (PlacementMentor, TermDates, PlacementRule, FundingYear, FundingSample)
    cascade = " CASCADE" if db.kind == "postgresql" else ""
    for model in later:
        database.execute_sql(f'DROP TABLE "{model._meta.table_name}"{cascade}')
    database.execute_sql('ALTER TABLE "school" DROP COLUMN "version"')
    SchemaVersion.update(version=9).execute()
    assert [s.version for s in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version >= 10]
    from ittdesk.models.base import Versioned

    for model in later:
        assert model._meta.table_name in database.get_tables()
        if issubclass(model, Versioned):
            assert "version" in _columns(model._meta.table_name)
    assert School.get_by_id(school.id).version == 1


def test_a_version_14_database_gets_the_home_card_indexes_and_matches_a_new_database(db):
    from ittdesk.models import database

    fresh = {t: _index_names(t) for t in ("enrolment", "placement")}
    assert "enrolment_home_card" in fresh["enrolment"]
    assert "placement_home_card" in fresh["placement"]
    database.execute_sql('DROP INDEX "enrolment_home_card"')
    database.execute_sql('DROP INDEX "placement_home_card"')
    SchemaVersion.update(version=14).execute()
    applied = migrations.migrate(db)
    assert 16 in [s.version for s in applied]
    assert {t: _index_names(t) for t in ("enrolment", "placement")} == fresh
