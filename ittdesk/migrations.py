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

from peewee import PostgresqlDatabase
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from . import __version__
from .db import LATEST_SCHEMA
from .errors import DatabaseOpenError
from .models import ALL_MODELS, SchemaVersion, database


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[SchemaMigrator], None]


def _initial(_migrator: SchemaMigrator) -> None:
    """Version 1 is the first release's schema, created whole for new databases."""


def _leadership_rounds(migrator: SchemaMigrator) -> None:
    """Version 2: yearly leadership confirmation rounds and hosting appetite per school."""
    from .models import ConfirmationRound, HostingAppetite, HostingOffer, RoundSchool

    migrator.database.create_tables([ConfirmationRound, RoundSchool, HostingAppetite, HostingOffer])


def _sort_indexes(migrator: SchemaMigrator) -> None:
    """Version 3: expression indexes for the big lists' case-insensitive sort (LOWER(name))."""
    from .models import SORT_INDEXES

    for statement in SORT_INDEXES:
        migrator.database.execute_sql(statement)


def _audit_append_only(migrator: SchemaMigrator) -> None:
    """Version 4: the database itself refuses UPDATE and DELETE of audit entries (triggers;
    on PostgreSQL also the scrub function the erasure goes through). See ``audit.install_guard``."""
    from . import audit

    audit.install_guard(migrator.database)


MIGRATIONS: list[Migration] = [
    Migration(1, "first release schema", _initial),
    Migration(2, "leadership confirmation rounds and hosting appetite", _leadership_rounds),
    Migration(3, "indexes for sorting the big lists by name", _sort_indexes),
    Migration(4, "the database itself refuses changing or deleting audit entries",
              _audit_append_only),
]


def latest() -> int:
    return MIGRATIONS[-1].version


LATEST = latest()
if LATEST != LATEST_SCHEMA:  # ittdesk.db knows it without importing this module
    raise RuntimeError(f"ittdesk.db.LATEST_SCHEMA is {LATEST_SCHEMA}, the migrations reach {LATEST}")


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


def migrator_for(db) -> SchemaMigrator:
    return PostgresqlMigrator(db) if isinstance(db, PostgresqlDatabase) else SqliteMigrator(db)


def migrate(location=None) -> list[Migration]:
    """Bring the open database to the latest schema; returns the steps applied."""
    from . import backup

    db = database.obj
    target = latest()
    version = current_version()
    if version is None:
        from . import audit

        with db.atomic():
            db.create_tables(ALL_MODELS)
            audit.install_guard(db)  # what migration 4 adds to older databases
            SchemaVersion.create(version=target, app_version=__version__)
        return []
    if version > target:
        raise DatabaseOpenError(newer_message(version))
    pending = [m for m in MIGRATIONS if m.version > version]
    if not pending:
        return []
    if location is not None and location.kind == "sqlite":
        backup.automatic_backup(location, reason=f"before-migration-{version}-to-{target}")
    migrator = migrator_for(db)
    try:
        with db.atomic():
            for step in pending:
                step.apply(migrator)
            SchemaVersion.update(version=target, app_version=__version__).execute()
    except Exception as exc:
        raise DatabaseOpenError(
            f"Updating the database from schema {version} to {target} failed ({exc}); "
            "nothing was changed."
        ) from exc
    return pending
