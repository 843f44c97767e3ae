"""``ittdesk postgres setup URL``: the schema, and an app role that can work with the records
and the audit's one way of scrubbing, but the server refuses it any change to audit entries or
to the schema. The refusals that need no server run everywhere; the rest where
``ITTDESK_TEST_POSTGRES_URL`` names a server, as the other PostgreSQL tests."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest
from conftest import POSTGRES_URL, _reset_postgres

from ittdesk import cli
from ittdesk import db as dbmod
from ittdesk.models import AuditEntry, School, database
from ittdesk.postgres_setup import staff_url


def _setup(*argv: str) -> int:
    return cli.main(["postgres", "setup", *argv])


def test_an_sqlite_database_is_refused_in_one_line_and_no_file_is_made(tmp_path, capsys):
    path = tmp_path / "itt.sqlite3"
    assert _setup(f"sqlite:///{path}") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ittdesk: ittdesk postgres setup is for a PostgreSQL server "
                   "(postgresql://user@host/db); an SQLite file needs no setup; nothing was "
                   "changed."]
    assert not path.exists()


def test_an_unreachable_server_is_refused_in_one_line(capsys):
    assert _setup("postgresql://someone:hunter2@127.0.0.1:9/itt") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("ittdesk: Cannot open PostgreSQL someone@127.0.0.1:9/itt")
    assert "hunter2" not in err[0]


def test_the_url_for_staff_names_the_role_and_never_the_owners_password():
    assert (staff_url("postgresql://owner:s3cret@db.example.org:5433/itt?sslmode=require",
                      "ittdesk_app")
            == "postgresql://ittdesk_app@db.example.org:5433/itt?sslmode=require")
    assert staff_url("postgresql://owner@[::1]/itt", "clerk") == "postgresql://clerk@[::1]/itt"


def test_a_role_name_that_is_not_a_plain_identifier_is_refused(capsys):
    assert _setup("postgresql://o@127.0.0.1:9/itt", "--role", 'x"; DROP TABLE school; --') == 1
    assert "is not a role name" in capsys.readouterr().err


if POSTGRES_URL:
    import psycopg2

    @pytest.fixture
    def app_role(monkeypatch):
        """A fresh empty schema and the name of a role that does not exist yet (dropped after)."""
        _reset_postgres(POSTGRES_URL)
        name = f"ittdesk_t_app_{uuid.uuid4().hex[:8]}"
        monkeypatch.setenv("ITTDESK_T_APP_PASSWORD", "correct horse battery")
        try:
            yield name
        finally:
            dbmod.close_database()
            admin = psycopg2.connect(POSTGRES_URL)
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
                if cur.fetchone():
                    cur.execute(f"DROP OWNED BY {name}")
                    cur.execute(f"DROP ROLE {name}")
            admin.close()

    def _as(role: str) -> str:
        """The test server's URL connecting as ``role`` (the server trusts local connections)."""
        return staff_url(POSTGRES_URL, role)

    def _privileges(role: str) -> list[tuple]:
        conn = psycopg2.connect(POSTGRES_URL)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT table_name, privilege_type FROM "
                            "information_schema.role_table_grants WHERE grantee = %s "
                            "ORDER BY 1, 2", (role,))
                tables = cur.fetchall()
                cur.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, "
                            "has_function_privilege(%s, "
                            "'ittdesk_audit_scrub(integer, text, text)', 'EXECUTE'), "
                            "has_schema_privilege(%s, 'public', 'CREATE'), "
                            "has_database_privilege(%s, current_database(), 'CONNECT') "
                            "FROM pg_roles WHERE rolname = %s", (role, role, role, role))
                return tables + [cur.fetchone()]
        finally:
            conn.close()

    def test_the_app_role_works_with_records_but_the_server_refuses_it_audit_and_schema_changes(
            app_role, capsys):
        from ittdesk.privacy import erasure
        from ittdesk.services.people import people
        from ittdesk.services.schools import schools

        assert _setup(POSTGRES_URL, "--role", app_role,
                      "--password-from-env", "ITTDESK_T_APP_PASSWORD") == 0
        out = capsys.readouterr().out
        assert "schema: created at version" in out
        assert f"role {app_role}: created" in out
        assert f"Staff connect with: {_as(app_role)}" in out
        assert "correct horse" not in out

        dbmod.open_database(_as(app_role), daily_backup=False)
        assert database.execute_sql("SELECT current_user").fetchone()[0] == app_role
        school = schools.create({"urn": 812345, "name": "Fernbank Primary"})
        schools.update(school.id, {"name": "Fernbank Academy"})
        assert School.get_by_id(school.id).name == "Fernbank Academy"
        schools.delete(school.id)
        assert not School.select().where(School.id == school.id).exists()
        assert AuditEntry.select().where(AuditEntry.entity_id == school.id).count() == 3

        person = people.create({"first_name": "Ada", "last_name": "Greaves",
                                "email": "ada.greaves@example.org"})
        result = erasure.erase(person.id)
        assert result.audit_entries_scrubbed == 1
        created = AuditEntry.get((AuditEntry.entity == "person")
                                 & (AuditEntry.entity_id == person.id)
                                 & (AuditEntry.action == "create"))
        assert "ada.greaves@example.org" not in (created.changes or "")

        entries = AuditEntry.select().count()
        for sql in ("UPDATE audit_entry SET note = 'rewritten'", "DELETE FROM audit_entry",
                    "TRUNCATE audit_entry CASCADE", "CREATE TABLE side_notes (id integer)",
                    "DROP TRIGGER audit_entry_append_only ON audit_entry",
                    "ALTER TABLE school ADD COLUMN extra text",
                    "INSERT INTO schema_version (version, app_version) VALUES (99, 'x')"):
            with pytest.raises(Exception, match="permission denied|must be owner"):
                with database.atomic():
                    database.execute_sql(sql)
        assert AuditEntry.select().count() == entries

    def test_running_setup_twice_gives_the_same_role_and_privileges_and_says_so(
            app_role, capsys):
        args = (POSTGRES_URL, "--role", app_role, "--password-from-env", "ITTDESK_T_APP_PASSWORD")
        assert _setup(*args) == 0
        first = _privileges(app_role)
        capsys.readouterr()
        assert _setup(POSTGRES_URL, "--role", app_role) == 0
        out = capsys.readouterr().out
        assert "schema: already at version" in out
        assert f"role {app_role}: already there; password left as it was" in out
        assert _privileges(app_role) == first
        assert ("audit_entry", "INSERT") in first and ("audit_entry", "SELECT") in first
        assert not {("audit_entry", p) for p in ("UPDATE", "DELETE", "TRUNCATE")} & set(first)
        assert first[-1] == (False, False, False, True, True, False, True)

    def test_setup_as_a_role_without_privilege_is_refused_and_changes_nothing(app_role, capsys):
        assert _setup(POSTGRES_URL, "--role", app_role,
                      "--password-from-env", "ITTDESK_T_APP_PASSWORD") == 0
        capsys.readouterr()
        other = f"{app_role}_b"
        assert _setup(_as(app_role), "--role", other,
                      "--password-from-env", "ITTDESK_T_APP_PASSWORD") == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert err[0].startswith(f"ittdesk: {app_role} may not create roles")
        conn = psycopg2.connect(POSTGRES_URL)
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (other,))
            assert cur.fetchone() is None
        conn.close()

    def test_a_new_role_without_a_password_is_refused_before_the_schema_is_made(
            app_role, capsys, monkeypatch):
        monkeypatch.delenv("ITTDESK_T_UNSET", raising=False)
        assert _setup(POSTGRES_URL, "--role", app_role, "--password-from-env",
                      "ITTDESK_T_UNSET") == 1
        assert _setup(POSTGRES_URL, "--role", app_role) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            "ittdesk: The environment variable ITTDESK_T_UNSET is not set or empty; nothing was "
            "changed.",
            f"ittdesk: The new role {app_role} needs a password: put it in an environment "
            "variable and name it with --password-from-env VAR; nothing was changed."]
        conn = psycopg2.connect(POSTGRES_URL)
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('public.audit_entry')")
            assert cur.fetchone()[0] is None
        conn.close()

    def test_the_owner_itself_is_refused_as_the_app_role(app_role, capsys):
        owner = urlparse(POSTGRES_URL).username
        assert _setup(POSTGRES_URL, "--role", owner) == 1
        assert f"{owner} owns the tables" in capsys.readouterr().err

    def test_staff_opening_a_database_that_needs_an_upgrade_are_told_the_owner_does_it(
            app_role, capsys):
        from ittdesk import migrations
        from ittdesk.errors import DatabaseOpenError

        assert _setup(POSTGRES_URL, "--role", app_role,
                      "--password-from-env", "ITTDESK_T_APP_PASSWORD") == 0
        older = migrations.latest() - 1
        conn = psycopg2.connect(POSTGRES_URL)
        with conn, conn.cursor() as cur:  # as if made by the previous version of ITT Desk
            cur.execute("UPDATE schema_version SET version = %s", (older,))
        with pytest.raises(DatabaseOpenError) as refused:
            dbmod.open_database(_as(app_role), daily_backup=False)
        assert str(refused.value) == (
            f"This database needs upgrading from schema {older} to {migrations.latest()} for "
            f"this version of ITT Desk, which {app_role} may not do: ask whoever looks after "
            "the server to run 'ittdesk postgres setup' (with this version); nothing was changed.")
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM schema_version")
            assert cur.fetchall() == [(older,)]
        conn.close()
