"""Versioned schema changes: ordered steps, a backup first, all-or-nothing, newer refused.

A new database gets the current tables and the latest version at once. An existing one runs
each step above its version inside one transaction (SQLite and PostgreSQL both have
transactional DDL), so a failed step leaves schema and data as they were.

To change the schema: edit the model, then append a ``Migration`` whose ``apply`` brings a
database of the previous version to the new one (``playhouse.migrate`` operations through the
given migrator, or ``create_tables`` for new tables).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from peewee import Database, PostgresqlDatabase, SchemaManager
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator
from playhouse.migrate import migrate as run

from . import __version__, audit_guard, backup, maintenance, role_sort, search_index, sort_index
from .errors import DatabaseOpenError, MaintenanceError
from .location import Location
from .models import (
    ALL_MODELS,
    ConfirmationRound,
    Enrolment,
    Event,
    EventAttendance,
    FundingSample,
    FundingYear,
    HostingAppetite,
    HostingOffer,
    MentorTraining,
    Person,
    Placement,
    PlacementMentor,
    PlacementRule,
    Presence,
    RoundSchool,
    SchemaVersion,
    School,
    TermDates,
    database,
)
from .models.base import Versioned
from .models.programmes import HOME_CARD_INDEXES
from .sortkeys import key_fields, key_value
from .sqlite_file import LATEST_SCHEMA


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[SchemaMigrator], None]


def _initial(_migrator: SchemaMigrator) -> None:
    """Version 1 is the first release's schema, created whole for new databases."""


def _leadership_rounds(migrator: SchemaMigrator) -> None:
    """Version 2: yearly leadership confirmation rounds and hosting appetite per school."""
    migrator.database.create_tables([ConfirmationRound, RoundSchool, HostingAppetite, HostingOffer])


# Migration 3's expression indexes, as it made them (migration 7 drops them again).
LOWER_NAME_INDEXES: tuple[str, ...] = (
    'CREATE INDEX IF NOT EXISTS "school_name_lower" ON "school" (LOWER("name"))',
    'CREATE INDEX IF NOT EXISTS "person_last_name_lower" ON "person" (LOWER("last_name"))',
)


def _sort_indexes(migrator: SchemaMigrator) -> None:
    """Version 3: expression indexes for the big lists' case-insensitive sort (LOWER(name))."""
    for statement in LOWER_NAME_INDEXES:
        migrator.database.execute_sql(statement)


def _audit_append_only(migrator: SchemaMigrator) -> None:
    """Version 4: the database itself refuses UPDATE and DELETE of audit entries (triggers;
    on PostgreSQL also the scrub function the erasure goes through). See ``audit_guard.install_guard``."""
    audit_guard.install_guard(migrator.database)


def _five_digit_urns(migrator: SchemaMigrator) -> None:
    """Version 5: 5-digit URNs are real GIAS URNs (children's centres): the CHECK on
    ``school.urn`` starts at 10000 instead of 100000. Only loosened, so every stored row holds.

    PostgreSQL drops and re-adds the constraint. SQLite cannot alter a CHECK; its documented way
    for loosening one ("ALTER TABLE", section 7) is to edit the table's SQL in the schema and
    bump ``schema_version`` inside the transaction: no table rebuild, no row touched.
    """
    db = migrator.database
    table = School._meta.table_name
    new_check = "urn BETWEEN 10000 AND 9999999"
    if _is_postgres(db):
        rows = db.execute_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' "
            "AND pg_get_constraintdef(oid) LIKE %s", (table, "%urn%")).fetchall()
        for (name,) in rows:
            db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_urn_check" CHECK ({new_check})')
        return
    version = db.execute_sql("PRAGMA schema_version").fetchone()[0]
    db.execute_sql("PRAGMA writable_schema = ON")
    try:
        db.execute_sql("UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' "
                       "AND name = ?", ("urn BETWEEN 100000 AND 9999999", new_check, table))
        db.execute_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        db.execute_sql("PRAGMA writable_schema = OFF")


def _form_written_apart_from_sent(migrator: SchemaMigrator) -> None:
    """Version 6: a round's school rows say when its form was *written* apart from when it was
    *sent*. Forms written before this were recorded as sent on the day they were written, so
    that day is their written day too; the sent day is kept (the user may well have sent them)."""
    table = RoundSchool._meta.table_name
    if "written_on" in {c.name for c in migrator.database.get_columns(table)}:
        return  # already there (a database made whole at this version, then marked older)
    run(migrator.add_column(table, "written_on", RoundSchool.written_on))
    migrator.database.execute_sql(f'UPDATE "{table}" SET written_on = sent_on')


def _name_sort_keys(migrator: SchemaMigrator) -> None:
    """Version 7: names sort as people expect ("Ó Súilleabháin" among the O's, "O'Brien" beside
    "Obi"): people and schools get stored sort keys (``ittdesk.sortkeys``), filled here for
    every existing row and indexed; the LOWER(name) indexes of version 3 go.

    The columns are added with the very DDL a new database's table has (NOT NULL DEFAULT '',
    last), so a migrated database's schema is identical to a new one's."""
    db = migrator.database
    for model in (School, Person):
        table = model._meta.table_name
        have = {c.name for c in db.get_columns(table)}
        keys = key_fields(model)
        for key in keys.values():
            if key.column_name not in have:
                ctx = db.get_sql_context()
                column = ctx.sql(key.ddl(ctx)).query()[0]
                db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {column}')
        names = list(keys)
        rows = db.execute_sql(
            f'SELECT "id", {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{table}"'
        ).fetchall()
        sets = ", ".join(f'"{keys[n].column_name}" = {db.param}' for n in names)
        update = f'UPDATE "{table}" SET {sets} WHERE "id" = {db.param}'
        for start in range(0, len(rows), 1000):
            part = rows[start:start + 1000]
            db.cursor().executemany(update, [
                [key_value(keys[n], row[1 + i]) for i, n in enumerate(names)] + [row[0]]
                for row in part])
        SchemaManager(model).create_indexes(safe=True)  # the model's own, as create_tables
    for statement in LOWER_NAME_INDEXES:
        name = statement.split('"')[1]
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


def _events_and_newsletters(migrator: SchemaMigrator) -> None:
    """Version 8 (issue 20): events with who was invited, came and led them, and a person's
    "no newsletters" choice. The column is added with the very DDL a new database's table has
    (NOT NULL DEFAULT FALSE, last), so a migrated database's schema is identical to a new one's;
    each step is skipped when already there (a database made whole, then marked older)."""
    db = migrator.database
    table = Person._meta.table_name
    if "no_newsletters" not in {c.name for c in db.get_columns(table)}:
        ctx = db.get_sql_context()
        column = ctx.sql(Person.no_newsletters.ddl(ctx)).query()[0]
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {column}')
    db.create_tables([Event, EventAttendance], safe=True)


def _birth_dates_and_hesa_ids(migrator: SchemaMigrator) -> None:
    """Version 9 (issue 14): a person's date of birth and an enrolment's HESA ID, read from
    Register's trainee files (people with no email matched on name + date of birth, placements
    found by HESA ID). Added with the very DDL a new database's table has (nullable, last), and
    the HESA ID's index; each step skipped when already there."""
    db = migrator.database
    for model, field in ((Person, Person.date_of_birth), (Enrolment, Enrolment.hesa_id)):
        table = model._meta.table_name
        if field.column_name not in {c.name for c in db.get_columns(table)}:
            ctx = db.get_sql_context()
            column = ctx.sql(field.ddl(ctx)).query()[0]
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {column}')
    SchemaManager(Enrolment).create_indexes(safe=True)


def _record_versions(migrator: SchemaMigrator) -> None:
    """Version 10 (issue 19): every record people edit carries a ``version`` (``Versioned``),
    so an edit saved over another user's is caught instead of silently undoing it. Added with
    the very DDL a new table has (NOT NULL DEFAULT 1, last): every existing row gets 1 without
    being rewritten one by one; skipped for a table that already has it."""
    db = migrator.database
    for model in ALL_MODELS:
        if not issubclass(model, Versioned):
            continue
        table = model._meta.table_name
        if not db.table_exists(table):
            continue  # made whole (with its version) by the later migration that adds it
        if "version" not in {c.name for c in db.get_columns(table)}:
            ctx = db.get_sql_context()
            column = ctx.sql(Versioned.version.ddl(ctx)).query()[0]
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {column}')


def _presence(migrator: SchemaMigrator) -> None:
    """Version 11 (issue 19): who has an SQLite database open (``ittdesk.presence``); each
    running app keeps its row fresh. PostgreSQL names its sessions instead, so the table stays
    empty there."""
    migrator.database.create_tables([Presence], safe=True)


#: Migration 12's columns, in the order a new table has them (last, after every earlier one).
PLACEMENT_LEDGER_COLUMNS = (
    (Enrolment, ("route", "course_subject_1", "course_subject_2", "course_subject_3", "age_range",
                 "study_mode", "itt_start_date", "itt_end_date", "employing_school",
                 "lead_partner", "withdrawal_reason_code", "deferral_date", "deferral_reason")),
    (Placement, ("status", "status_reason", "days_spent", "absence_days")),
)


def _placement_ledger(migrator: SchemaMigrator) -> None:
    """Version 12 (issue 17): the route-aware trainee record, the placement ledger (status,
    days, absences, several mentors), term dates and the rules per route.

    Columns are added with the very DDL a new table has (references inline, as SQLite and
    PostgreSQL both record them as the table's foreign keys), each skipped when there. Existing
    placements were recorded as real ones, so they become "confirmed" (a new one starts as
    "proposed"); each one's mentor becomes its first PlacementMentor (the column stays as the
    lead mentor)."""
    db = migrator.database
    for model, names in PLACEMENT_LEDGER_COLUMNS:
        table = model._meta.table_name
        have = {c.name for c in db.get_columns(table)}
        added = False
        for name in names:
            field = model._meta.fields[name]
            if field.column_name in have:
                continue
            added = True
            if hasattr(field, "rel_model"):
                run(migrator.add_column(table, field.column_name, field))
                continue
            ctx = db.get_sql_context()
            column = ctx.sql(field.ddl(ctx)).query()[0]
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {column}')
        # The model's indexes as version 12 had them: migration 16's are its own.
        for index in model._meta.fields_to_index():
            if not any(index is later for later in HOME_CARD_INDEXES):
                db.execute(index)
        if model is Placement and added:
            db.execute_sql(f"UPDATE \"{table}\" SET status = 'confirmed'")
    created = not db.table_exists(PlacementMentor._meta.table_name)
    db.create_tables([PlacementMentor, TermDates, PlacementRule], safe=True)
    if created:
        db.execute_sql('INSERT INTO "placement_mentor" ("placement_id", "person_id") '
                       'SELECT "id", "mentor_id" FROM "placement" WHERE "mentor_id" IS NOT NULL')


def _mentor_funding(migrator: SchemaMigrator) -> None:
    """Version 13 (issue 18): mentor training funding. The training ledger stays one table
    (``mentor_training``, which the return, Home and the person's history already read): each
    row is a session a mentor attended, and it gains the accredited provider that ran it, an
    evidence note and whether it was ITT general mentor training. A school gains its GIAS
    district code and a funding region set by hand; the year's caps and rates and DfE's samples
    are tables of their own. Columns added with the very DDL a new table has (nullable, or NOT
    NULL DEFAULT TRUE), last; each step skipped when already there."""
    db = migrator.database
    for model, field in ((MentorTraining, MentorTraining.accredited_provider),
                         (MentorTraining, MentorTraining.evidence),
                         (MentorTraining, MentorTraining.general),
                         (School, School.district_code),
                         (School, School.funding_region)):
        table = model._meta.table_name
        if field.column_name not in {c.name for c in db.get_columns(table)}:
            ctx = db.get_sql_context()
            column = ctx.sql(field.ddl(ctx)).query()[0]
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {column}')
    db.create_tables([FundingYear, FundingSample], safe=True)
def _search_index(migrator: SchemaMigrator) -> None:
    """Version 14 (issue 22): the big lists' search box asks an index instead of reading every
    row (``ittdesk.search_index``): SQLite FTS5 trigram tables, filled here from the rows there
    and kept in step by triggers; PostgreSQL ``pg_trgm`` GIN indexes (without the extension the
    lists search as before, and the log says so)."""
    search_index.install(migrator.database, fill=True)


def _home_card_index(migrator: SchemaMigrator) -> None:
    """Version 16 (issue 17): two indexes holding every enrolment and placement column Home's
    at-risk card reads (``models.programmes.HOME_CARD_INDEXES``);
    each made only if missing."""
    for index in HOME_CARD_INDEXES:
        migrator.database.execute(index)


def _placement_sort(migrator: SchemaMigrator) -> None:
    """Version 18 (issue 22): the placements list's stored sort keys (``ittdesk.sort_index``:
    a table of each placement's trainee, school and mentor keys, indexed, kept in step by
    triggers), filled from the placements there. SQLite only; PostgreSQL sorts as before."""
    sort_index.install(migrator.database, fill=True)


def _list_indexes(migrator: SchemaMigrator) -> None:
    """Version 19 (issue 22): indexes the people, schools, enrolments and placements lists'
    slow sorts walk (``sort_index.LIST_INDEXES``: current roles and heads, emails, subjects,
    year groups) and each role's school and holder keys (``role_sort``), filled from the roles
    there. SQLite only; PostgreSQL sorts as before."""
    sort_index.install_list_indexes(migrator.database)
    role_sort.install(migrator.database, fill=True)


def _people_by_school(migrator: SchemaMigrator) -> None:
    """Version 20 (issue 22): ``role_sort`` indexed in the people list by school's own order
    (``role_sort.KEY_INDEX``), so that sort walks it instead of looking up every person's
    current role and sorting them all. SQLite only; PostgreSQL sorts as before."""
    role_sort.install(migrator.database)


MIGRATIONS: list[Migration] = [
    Migration(1, "first release schema", _initial),
    Migration(2, "leadership confirmation rounds and hosting appetite", _leadership_rounds),
    Migration(3, "indexes for sorting the big lists by name", _sort_indexes),
    Migration(4, "the database itself refuses changing or deleting audit entries",
              _audit_append_only),
    Migration(5, "5-digit URNs (GIAS children's centres) are accepted", _five_digit_urns),
    Migration(6, "confirmation forms: written and sent are recorded apart",
              _form_written_apart_from_sent),
    Migration(7, "names sort as people expect (accents, case and punctuation aside)",
              _name_sort_keys),
    Migration(8, "events (who came, who led) and a person's no-newsletters choice",
              _events_and_newsletters),
    Migration(9, "a person's date of birth and an enrolment's HESA ID",
              _birth_dates_and_hesa_ids),
    Migration(10, "every record carries a version: no edit silently overwrites another's",
              _record_versions),
    Migration(11, "who has the database open (status bar, ittdesk who)", _presence),
    Migration(12, "placements as a ledger checked per route; the route-aware trainee record",
              _placement_ledger),
    Migration(13, "mentor training funding: the training ledger, regions, rates, DfE samples",
              _mentor_funding),
    Migration(14, "an index for the big lists' search box", _search_index),
    Migration(16, "indexes for Home's trainees-at-risk card", _home_card_index),
    Migration(18, "the placements list sorts by trainee, school or mentor from an index",
              _placement_sort),
    Migration(19, "the people, schools and enrolments lists sort by role, head or email from "
              "indexes", _list_indexes),
    Migration(20, "the people list sorts by school from an index", _people_by_school),
]


def latest() -> int:
    return MIGRATIONS[-1].version


LATEST = latest()
if LATEST != LATEST_SCHEMA:  # ittdesk.sqlite_file knows it without importing this module
    raise RuntimeError(f"ittdesk.sqlite_file.LATEST_SCHEMA is {LATEST_SCHEMA}, the migrations reach {LATEST}")


def newer_message(version: int) -> str:
    return (
        f"This database was made by a newer version of ITT Desk (schema {version}; this "
        f"version {__version__} understands up to {latest()}). It has not been changed: "
        "install the newer ITT Desk to open it."
    )


def current_version() -> int | None:
    """The schema version of the open database, or None for an empty one."""
    db = database.obj
    if not db.table_exists(SchemaVersion._meta.table_name):
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else None


def _is_postgres(db: Database) -> bool:
    """Asked apart from the statements, which go to ``db`` as the migrator's untyped database
    (``isinstance`` would narrow it to peewee's class, whose ``execute_sql`` is untyped)."""
    return isinstance(db, PostgresqlDatabase)


def _refuse_unless_schema_owner(db: Database, version: int | None, target: int) -> None:
    """On PostgreSQL staff connect as a role that may not change the schema (``ittdesk postgres
    setup``): creating or upgrading it is the owner's, and saying so beats "permission denied"."""
    if not _is_postgres(db):
        return
    execute_sql: Callable[[str], Any] = db.execute_sql  # untyped in peewee's stubs
    may = execute_sql(
        "SELECT CASE WHEN to_regclass('schema_version') IS NULL"
        " THEN has_schema_privilege(current_schema(), 'CREATE')"
        " ELSE (SELECT pg_has_role(relowner, 'USAGE') FROM pg_class"
        " WHERE oid = to_regclass('schema_version')) END").fetchone()[0]
    if may:
        return
    user = execute_sql("SELECT current_user").fetchone()[0]
    needs = ("has no ITT Desk tables yet" if version is None
             else f"needs upgrading from schema {version} to {target} for this version of ITT Desk")
    raise DatabaseOpenError(
        f"This database {needs}, which {user} may not do: ask whoever looks after the server "
        "to run 'ittdesk postgres setup' (with this version); nothing was changed.")


def migrator_for(db: Database) -> SchemaMigrator:
    return PostgresqlMigrator(db) if _is_postgres(db) else SqliteMigrator(db)


def migrate(location: Location | None = None) -> list[Migration]:
    """Bring the open database to the latest schema; returns the steps applied."""
    db = database.obj
    target = latest()
    version = current_version()
    if version is None:
        _refuse_unless_schema_owner(db, None, target)
        with db.atomic():
            db.create_tables(ALL_MODELS)
            audit_guard.install_guard(db)  # what migration 4 adds to older databases
            search_index.install(db)  # what migration 14 adds to older databases
            sort_index.install(db)  # what migrations 18 and 19 add to older databases
            role_sort.install(db)  # and the rest of migration 19, and migration 20
            SchemaVersion.create(version=target, app_version=__version__)
        return []
    if version > target:
        raise DatabaseOpenError(newer_message(version))
    pending = [m for m in MIGRATIONS if m.version > version]
    if not pending:
        return []
    _refuse_unless_schema_owner(db, version, target)
    if location is not None and location.kind == "sqlite":
        backup.automatic_backup(location, reason=f"before-migration-{version}-to-{target}")
    migrator = migrator_for(db)
    try:
        # a whole-database step: maintenance on PostgreSQL (others read-only meanwhile); an
        # SQLite file was found not in use before it was opened (db.open_database)
        with maintenance.maintenance(), db.atomic():
            for step in pending:
                step.apply(migrator)
            SchemaVersion.update(version=target, app_version=__version__).execute()
    except MaintenanceError as exc:
        raise DatabaseOpenError(f"This database needs updating from schema {version} to "
                                f"{target}, which cannot start now: {exc}") from exc
    except Exception as exc:
        raise DatabaseOpenError(
            f"Updating the database from schema {version} to {target} failed ({exc}); "
            "nothing was changed."
        ) from exc
    return pending
