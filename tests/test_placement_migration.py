"""Migration 12 (issue 17): a version-11 database gets the route-aware enrolment, the placement
ledger (existing placements confirmed, their mentor the first of their mentors), term dates and
rules, its rows kept, with the very schema a new database has."""

from __future__ import annotations

import sqlite3
from datetime import date

from ittdesk import migrations, schema_check
from ittdesk.models import (
    Enrolment,
    Placement,
    PlacementMentor,
    PlacementRule,
    SchemaVersion,
    TermDates,
    database,
)
from ittdesk.models.programmes import HOME_CARD_INDEXES


def _as_at_version_11(model, names):
    """``model``'s table as version 11 made it: the same model less migration 12's columns."""
    class Meta:
        table_name = model._meta.table_name

    old = type(f"Old{model.__name__}", (model,), {"Meta": Meta, "__module__": __name__})
    for name in names:
        old._meta.remove_field(name)
    # Nor migration 16's index (over columns version 11 lacks: SQLite would index their
    # quoted names as text).
    old._meta.indexes = [i for i in old._meta.indexes
                         if not any(i is later for later in HOME_CARD_INDEXES)]
    return old


def _columns(table):
    return {c.name for c in database.get_columns(table)}


def test_version_11_gets_the_ledger_keeping_placements_and_their_mentors(db):
    for table in ("placement_mentor", "placement_rule", "term_dates", "placement", "enrolment"):
        database.execute_sql(f'DROP TABLE "{table}"')
    old = {}
    for model, names in migrations.PLACEMENT_LEDGER_COLUMNS:
        old[model] = _as_at_version_11(model, names)
    old_enrolment, old_placement = old[Enrolment], old[Placement]
    old_placement._meta.fields["enrolment"].rel_model = old_enrolment
    database.create_tables([old_enrolment, old_placement])
    SchemaVersion.update(version=11).execute()
    assert "route" not in _columns("enrolment") and "status" not in _columns("placement")
    database.execute_sql("INSERT INTO school (urn, name, status, name_key, version) "
                         "VALUES (100001, 'Oak', 'open', 'oak', 1)")
    database.execute_sql("INSERT INTO person (first_name, last_name, erased, first_name_key, "
                         "last_name_key, no_newsletters, version) VALUES "
                         "('Ada', 'Greaves', FALSE, 'ada', 'greaves', FALSE, 1), "
                         "('Max', 'Mentor', FALSE, 'max', 'mentor', FALSE, 1)")
    database.execute_sql("INSERT INTO programme (name, kind, version) VALUES ('PGCE', 'itt', 1)")
    database.execute_sql("INSERT INTO cohort (programme_id, name, academic_year, version) "
                         "VALUES (1, '2025', '2025/26', 1)")
    database.execute_sql("INSERT INTO enrolment (person_id, cohort_id, status, version) "
                         "VALUES (1, 1, 'enrolled', 1)")
    database.execute_sql("INSERT INTO placement (enrolment_id, school_id, mentor_id, kind, "
                         "start_date, end_date, version) VALUES "
                         "(1, 1, 2, 'main', '2025-09-08', '2025-12-19', 1), "
                         "(1, 1, NULL, 'second', '2026-01-05', '2026-03-27', 1)")

    applied = migrations.migrate(db)
    assert [s.version for s in applied] == [m.version for m in migrations.MIGRATIONS if m.version > 11]

    first, second = Placement.select().order_by(Placement.id)
    assert (first.status, second.status) == ("confirmed", "confirmed")
    assert (first.days_spent, float(first.absence_days)) == (None, 0)
    assert [(m.placement_id, m.person_id) for m in PlacementMentor.select()] == [(first.id, 2)]
    assert Enrolment.get().route is None
    new = Placement.create(enrolment=1, school=1, start_date=date(2026, 4, 13),
                           end_date=date(2026, 5, 1))
    assert Placement.get_by_id(new.id).status == "proposed"
    assert TermDates.select().count() == 0 and PlacementRule.select().count() == 0
    if db.kind == "sqlite":
        database.close()
        conn = sqlite3.connect(db.path)
        try:
            assert schema_check.foreign_objects(conn, migrations.LATEST) == []
        finally:
            conn.close()
        database.connect()
