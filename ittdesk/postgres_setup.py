"""Setting up a shared PostgreSQL database: the schema, and a role for staff that owns nothing.

Whoever owns the tables can drop the audit guard's triggers (``audit_guard.install_guard``), so staff
should connect as a role that does not: ``setup`` (``ittdesk postgres setup``), run by the
database's owner, brings the schema to the latest version by the normal migrations, then makes
(or brings back to) an application role with only what the app needs: read and write the
records, append audit entries (never change, delete or truncate them), scrub them through
``ittdesk_audit_scrub`` as an erasure does, and no DDL at all. Schema upgrades are therefore
the owner's: run ``setup`` again after installing a new version.

Every check happens before anything is changed; the role and its privileges are set in one
transaction, from scratch each time, so running it twice gives the same result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse, urlunparse

from . import db, migrations, search_index
from .errors import DatabaseOpenError, RefusedError
from .location import resolve
from .models import AuditEntry, SchemaVersion, database

DEFAULT_ROLE = "ittdesk_app"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

#: written by the app only as INSERT; UPDATE/DELETE/TRUNCATE stay the owner's (and the guard's)
_APPEND_ONLY = AuditEntry._meta.table_name
#: written only by migrations, i.e. by the owner
_READ_ONLY = SchemaVersion._meta.table_name
_SCRUB = "ittdesk_audit_scrub(integer, text, text)"


@dataclass
class SetupResult:
    """What ``setup`` did, in lines for the person running it, and the URL staff should use."""

    staff_url: str
    done: list[str] = field(default_factory=list)


def staff_url(admin_url: str, role: str) -> str:
    """The admin URL with the app's role as its user and no password (staff add their own)."""
    parsed = urlparse(admin_url)
    host = parsed.hostname or ""
    if ":" in host:  # an IPv6 address goes back in brackets
        host = f"[{host}]"
    port = f":{parsed.port}" if parsed.port else ""
    return urlunparse(parsed._replace(netloc=f"{role}@{host}{port}"))


def _one(sql: str, params: tuple[Any, ...] = ()) -> Any:
    return database.execute_sql(sql, params).fetchone()


def _ident(name: str) -> str:
    quoted: str = _one("SELECT quote_ident(%s)", (name,))[0]
    return quoted


def setup(url: str, *, role: str = DEFAULT_ROLE, password: str | None = None) -> SetupResult:
    """Create or upgrade the schema at ``url`` (an owner's or admin's address) and the app's
    ``role``; ``password`` sets the role's password (required for a new role, else kept).

    Raises ``DatabaseOpenError`` (not PostgreSQL, unreachable) or ``RefusedError`` (not enough
    privilege, or a role that could do more than the app needs), having changed nothing."""
    location = resolve(url)
    if location.kind != "postgresql":
        raise DatabaseOpenError(
            "ittdesk postgres setup is for a PostgreSQL server (postgresql://user@host/db); an "
            "SQLite file needs no setup; nothing was changed.")
    if not ROLE_NAME.fullmatch(role):
        raise RefusedError(f"'{role}' is not a role name ITT Desk makes: use lower-case letters, "
                           "digits and _ (e.g. ittdesk_app); nothing was changed.")
    db.open_database(location.url, migrate=False, daily_backup=False)
    try:
        return _setup_open(location.url, role, password)
    finally:
        db.close_database()


def _setup_open(url: str, role: str, password: str | None) -> SetupResult:
    me, superuser, createrole, schema, dbname, can_create, can_grant_connect = _one(
        "SELECT current_user, r.rolsuper, r.rolcreaterole, current_schema(), current_database(),"
        " has_schema_privilege(current_schema(), 'CREATE'),"
        " has_database_privilege(current_database(), 'CONNECT WITH GRANT OPTION')"
        " FROM pg_roles r WHERE r.rolname = current_user")
    _refuse_unless_able(me, superuser, createrole, schema, can_create, can_grant_connect)
    owner = _tables_owner(schema)
    if owner is not None and owner != me and not superuser:
        raise RefusedError(f"The ITT Desk tables in {dbname} belong to {owner}: run setup "
                           f"connected as {owner}; nothing was changed.")
    existing = _one("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin"
                    " FROM pg_roles WHERE rolname = %s", (role,))
    _refuse_role(role, me, owner or me, existing, password)

    result = SetupResult(staff_url(url, role))
    before = migrations.current_version()
    migrations.migrate()
    after = migrations.current_version()
    if before is None:
        result.done.append(f"schema: created at version {after}")
    elif before != after:
        result.done.append(f"schema: upgraded from version {before} to {after}")
    else:
        result.done.append(f"schema: already at version {after}")
    # Migration 14 may have met a server that refused pg_trgm then: the owner asks again here.
    with database.atomic():
        indexed = search_index.install(database.obj)
    result.done.append("search: trigram indexes in place" if indexed else
                       "search: the pg_trgm extension could not be created, so the lists' "
                       "search scans the tables (ask the server's administrator to allow it)")
    result.done.append(_role_and_grants(role, password, existing, schema, dbname))
    return result


def _refuse_unless_able(me: str, superuser: bool, createrole: bool, schema: str | None,
                        can_create: bool, can_grant_connect: bool) -> None:
    if schema is None:
        raise RefusedError("The database has no schema to create the tables in (search_path); "
                           "nothing was changed.")
    missing = []
    if not (superuser or createrole):
        missing.append("create roles (CREATEROLE)")
    if not can_create:
        missing.append(f"create tables in schema {schema}")
    if not can_grant_connect:
        missing.append("grant CONNECT on the database (be its owner)")
    if missing:
        raise RefusedError(f"{me} may not {', '.join(missing)}: run setup as the database's "
                           "owner or an administrator; nothing was changed.")


def _tables_owner(schema: str) -> str | None:
    row = _one("SELECT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n"
               " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
               (schema, _APPEND_ONLY))
    return row[0] if row else None


def _refuse_role(role: str, me: str, owner: str, existing: tuple[Any, ...] | None,
                 password: str | None) -> None:
    """A role that owns the tables, or could act as their owner or a superuser, would make the
    audit guard's promise empty: refused rather than quietly used."""
    if role in (me, owner):
        raise RefusedError(f"{role} owns the tables: the app's role must be another one "
                           "(--role NAME); nothing was changed.")
    if existing is None:
        if not password:
            raise RefusedError(f"The new role {role} needs a password: put it in an environment "
                               "variable and name it with --password-from-env VAR; nothing was "
                               "changed.")
        return
    superuser, createrole, createdb, bypassrls, _login = existing
    powers = [name for name, has in (("SUPERUSER", superuser), ("CREATEROLE", createrole),
                                     ("CREATEDB", createdb), ("BYPASSRLS", bypassrls)) if has]
    member_of_owner = _one("SELECT pg_has_role(%s, %s, 'MEMBER')", (role, owner))[0]
    if member_of_owner:
        powers.append(f"member of {owner}")
    if powers:
        raise RefusedError(f"The role {role} already exists and can do more than the app needs "
                           f"({', '.join(powers)}): choose another --role; nothing was changed.")


def _role_and_grants(role: str, password: str | None, existing: tuple[Any, ...] | None,
                     schema: str, dbname: str) -> str:
    """The role, then its privileges taken away and given again: the same result each run."""
    r, s, d = _ident(role), _ident(schema), _ident(dbname)
    audit_table, versions = f"{s}.{_ident(_APPEND_ONLY)}", f"{s}.{_ident(_READ_ONLY)}"
    with database.atomic():
        if existing is None:
            database.execute_sql(f"CREATE ROLE {r} LOGIN PASSWORD %s", (password,))
            said = f"role {role}: created (LOGIN, with the password given)"
        else:
            database.execute_sql(f"ALTER ROLE {r} LOGIN")
            if password:
                database.execute_sql(f"ALTER ROLE {r} PASSWORD %s", (password,))
            said = (f"role {role}: already there; "
                    + ("password changed" if password else "password left as it was"))
        for statement in (
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
            f"REVOKE ALL ON SCHEMA {s} FROM {r}",
            # Before PostgreSQL 15 every role could create tables in "public": not the app's.
            f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
            f"GRANT CONNECT ON DATABASE {d} TO {r}",
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
            f"REVOKE UPDATE, DELETE ON {audit_table} FROM {r}",
            f"REVOKE INSERT, UPDATE, DELETE ON {versions} FROM {r}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
            f"GRANT EXECUTE ON FUNCTION {s}.{_SCRUB} TO {r}",
        ):
            database.execute_sql(statement)
    return (f"{said}; privileges set: read and write the records, append audit entries "
            "(never change or delete them), scrub them for an erasure, no schema changes")
