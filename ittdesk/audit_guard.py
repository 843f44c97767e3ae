"""The database's own guard over the audit trail: audit entries are append-only whoever asks.

``install_guard`` makes the database itself refuse UPDATE and DELETE of entries (triggers,
raw SQL included), for a new database, by migration 4 for an existing one and in
``schema_check``'s expected schema; ``scrubbing`` is the one way round it, the erasure's. Apart
from ``audit`` (which writes and reads entries) because it is schema, not records: DDL run at
set-up and a transaction that lifts one trigger, each with its SQLite and PostgreSQL form.

What the guard cannot do: whoever owns the tables (on SQLite, whoever can write the file) can
drop the triggers. That is why a shared PostgreSQL database should be used through a role that
does not own them (``ittdesk postgres setup``): such a role cannot drop or bypass the triggers,
and reaches the scrub only through ``ittdesk_audit_scrub``, a function that runs as the owner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from peewee import Database, PostgresqlDatabase

from .models import AuditEntry, database

_SQLITE_GUARD = {
    # Never dropped: who, when and which record of an entry stay as they were written.
    "audit_entry_keeps_who_when": (
        'CREATE TRIGGER IF NOT EXISTS "audit_entry_keeps_who_when" BEFORE UPDATE OF "at", '
        '"user", "entity", "entity_id", "action", "person_id" ON "audit_entry" BEGIN '
        "SELECT RAISE(ABORT, 'Audit entries cannot be changed: the audit trail is append-only'); END"),
    "audit_entry_no_delete": (
        'CREATE TRIGGER IF NOT EXISTS "audit_entry_no_delete" BEFORE DELETE ON "audit_entry" BEGIN '
        "SELECT RAISE(ABORT, 'Audit entries cannot be deleted: the audit trail is append-only'); END"),
    # Dropped and created again inside the erasure's own transaction (see ``scrubbing``).
    "audit_entry_no_update": (
        'CREATE TRIGGER IF NOT EXISTS "audit_entry_no_update" BEFORE UPDATE ON "audit_entry" BEGIN '
        "SELECT RAISE(ABORT, 'Audit entries cannot be changed: the audit trail is append-only'); END"),
}
_SCRUB_TRIGGER = "audit_entry_no_update"

# PostgreSQL: one row trigger for UPDATE and DELETE, one statement trigger for TRUNCATE. An
# UPDATE passes only with the scrub flag set (SET LOCAL, so it ends with the transaction) by the
# table's owner and only if it leaves who/when/which record alone; ``ittdesk_audit_scrub`` runs
# as the owner (SECURITY DEFINER), so a role that does not own the table can scrub through it
# and in no other way.
_POSTGRES_GUARD = (
    """CREATE OR REPLACE FUNCTION ittdesk_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF coalesce(current_setting('ittdesk.audit_scrub', true), '') = 'on'
           AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
           AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW."user" = OLD."user"
           AND NEW.entity = OLD.entity AND NEW.action = OLD.action
           AND NEW.entity_id IS NOT DISTINCT FROM OLD.entity_id
           AND NEW.person_id IS NOT DISTINCT FROM OLD.person_id
           AND NEW.import_run_id IS NOT DISTINCT FROM OLD.import_run_id THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'Audit entries cannot be changed: the audit trail is append-only';
    END IF;
    RAISE EXCEPTION 'Audit entries cannot be deleted: the audit trail is append-only';
END $$""",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE PROCEDURE ittdesk_audit_guard()",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE PROCEDURE ittdesk_audit_guard()",
    """CREATE OR REPLACE FUNCTION ittdesk_audit_scrub(entry integer, new_changes text, new_note text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    PERFORM set_config('ittdesk.audit_scrub', 'on', true);
    UPDATE audit_entry SET changes = new_changes, note = new_note WHERE id = entry;
    PERFORM set_config('ittdesk.audit_scrub', 'off', true);
END $$""",
    # Only roles given it (the owner, and the app's role when ``ittdesk postgres setup`` makes
    # one) may scrub; nobody but the owner may change or delete entries at all.
    "REVOKE EXECUTE ON FUNCTION ittdesk_audit_scrub(integer, text, text) FROM PUBLIC",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM PUBLIC",
)


def _is_postgres(db: Database) -> bool:
    return isinstance(db, PostgresqlDatabase)


def install_guard(db: Database | None = None) -> None:
    """Make the database itself refuse UPDATE and DELETE of audit entries (idempotent).

    Run for a new database and by migration 4 for an existing one; ``backup.check_file``
    builds the expected schema with it too, so the statements are the one definition."""
    db = db if db is not None else database.obj
    # peewee's stubs leave ``execute_sql`` untyped: its shape as used here (a driver's cursor).
    execute_sql: Callable[[str], Any] = db.execute_sql
    if _is_postgres(db):
        schema = execute_sql("SELECT quote_ident(current_schema())").fetchone()[0]
        for statement in _POSTGRES_GUARD:
            execute_sql(statement.replace("{schema}", schema))
        return
    for statement in _SQLITE_GUARD.values():
        execute_sql(statement)


@contextmanager
def scrubbing() -> Iterator[Callable[[int, str | None, str | None], None]]:
    """The one way to rewrite audit entries: yields ``scrub(entry_id, changes, note)``.

    Only the erasure uses it. Everything happens in one transaction (a savepoint inside the
    caller's): on SQLite the trigger that refuses updates is dropped and created again before
    the transaction ends, so no other connection ever sees the table unguarded (the erasure holds
    the write lock throughout) and a failure rolls the drop back with everything else; the
    who/when trigger stays in place. On PostgreSQL each entry goes through
    ``ittdesk_audit_scrub``, which sets the transaction-local flag the trigger checks.
    """
    db = database.obj
    with database.atomic():
        if _is_postgres(db):
            def scrub(entry_id: int, changes: str | None, note: str | None) -> None:
                db.execute_sql("SELECT ittdesk_audit_scrub(%s, %s, %s)", (entry_id, changes, note))

            yield scrub
            return
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{_SCRUB_TRIGGER}"')

        def scrub(entry_id: int, changes: str | None, note: str | None) -> None:
            AuditEntry.update(changes=changes, note=note).where(AuditEntry.id == entry_id).execute()

        try:
            yield scrub
        finally:
            # IF NOT EXISTS: after an error SQLite may already have rolled the drop back.
            db.execute_sql(_SQLITE_GUARD[_SCRUB_TRIGGER])
