"""Opening a database: SQLite by default, PostgreSQL by URL, the same models on both.

``open_database`` checks an existing SQLite file read-only *before* anything can write to it
(``sqlite_file``: not SQLite, not ours, newer schema -> refused untouched), then connects with
the pragmas every connection needs, migrates (backing up first) and takes the day's automatic
backup. Where a database is lives in ``location`` and what an SQLite file is in
``sqlite_file`` (both without peewee: the desktop app decides what to open, and shows its
window, before this module is imported); their names are re-exported here for callers that
open what they name.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from peewee import Database, OperationalError
from peewee import SqliteDatabase as PeeweeSqliteDatabase

from . import backup, migrations, presence
from .drivers import PostgresqlDatabase, SqliteDatabase
from .errors import DatabaseOpenError, RefusedError
from .location import (
    NETWORK_FILESYSTEMS,
    Location,
    current_location,
    location,
    network_share_warning,
    resolve,
)
from .models import database, is_postgres
from .sqlite_file import (
    LATEST_SCHEMA,
    FileInspection,
    create_private_file,
    ensure_not_in_use,
    file_uri,
    in_use_message,
    inspect_file,
    is_open_database_file,
    readonly_connection,
    refuse_database_file,
    sole_use,
)

if TYPE_CHECKING:
    from peewee import _savepoint, _transaction

__all__ = [
    "LATEST_SCHEMA", "NETWORK_FILESYSTEMS", "SQLITE_PRAGMAS", "FileInspection", "Location",
    "close_database", "create_private_file", "current_location", "database",
    "ensure_not_in_use", "file_uri", "in_use_message", "inspect_file", "is_open_database_file",
    "is_postgres", "location", "make_database", "network_share_warning", "open_database",
    "readonly_connection", "refuse_database_file", "release_writes", "resolve", "sole_use",
    "write_transaction", "writes_held",
]

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    # Overwrite deleted content with zeros, so erased personal data is not left in free pages.
    "secure_delete": 1,
}


def make_database(location: Location, hold_writes: bool = False) -> Database:
    """A peewee Database for ``location``, not yet connected.

    ``hold_writes``: every connection is opened ``query_only`` (SQLite refuses any write) until
    ``release_writes()``; for a file whose full integrity check is still running."""
    if location.kind == "sqlite":
        pragmas = dict(SQLITE_PRAGMAS)
        if hold_writes:
            pragmas["query_only"] = 1  # after journal_mode: the file is already in WAL mode
        return SqliteDatabase(str(location.path), pragmas=pragmas, timeout=10)
    try:
        import psycopg2  # noqa: F401  (an optional extra: its absence is said in words)
    except ImportError as exc:
        raise DatabaseOpenError(
            "PostgreSQL support is not installed: pip install 'ittdesk[postgres]'"
        ) from exc
    parsed = urlparse(location.url)
    return PostgresqlDatabase(
        parsed.path.lstrip("/"),
        user=parsed.username,
        password=parsed.password,
        host=parsed.hostname,
        port=parsed.port,
        # who is connected (ittdesk.presence): every session names its user and computer
        application_name=presence.application_name(),
    )


def open_database(target: str | os.PathLike[str] | None = None, *, migrate: bool = True,
                  daily_backup: bool = True, hold_writes: bool = False) -> Location:
    """Open (creating if needed) the database, migrate it and bind every model to it.

    ``hold_writes`` (an existing SQLite file at the latest schema, whose full integrity check
    runs in the background): nothing can be written until ``release_writes()`` — SQLite refuses
    every write on these connections — and the daily backup is left to the caller, after the
    check."""
    location = resolve(target)
    close_database()
    if location.kind == "sqlite":
        assert location.path is not None
        found = inspect_file(location.path)
        if found.problem:
            raise DatabaseOpenError(found.problem)
        if found.schema_version is not None and found.schema_version > migrations.LATEST:
            raise DatabaseOpenError(migrations.newer_message(found.schema_version))
        if migrate and found.schema_version is not None and found.schema_version < migrations.LATEST:
            _refuse_migration_in_use(location.path, found.schema_version)
        create_private_file(location.path)
        if found.is_empty:
            os.chmod(location.path, 0o600)  # an existing empty file adopted: owner-only, by path
    db = make_database(location, hold_writes=hold_writes and location.kind == "sqlite")
    try:
        db.connect()
    except Exception as exc:  # driver errors vary: name the place, not the stack
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DatabaseOpenError(f"Cannot open {location.display}: {first_line}") from exc
    database.initialize(db)
    current_location[0] = location
    try:
        if migrate:
            migrations.migrate(location)
        if daily_backup and location.kind == "sqlite" and not writes_held():
            backup.daily_backup_or_warning(location)
    except Exception:
        close_database()
        raise
    return location


def _refuse_migration_in_use(path: Path, version: int) -> None:
    """Updating an SQLite file's schema is a whole-file step: as restore does, only while
    nobody else has it open (an older ITT Desk would go on writing the old layout), refused
    with restore's words otherwise (``sqlite_file.in_use_message``), nothing changed."""
    try:
        ensure_not_in_use(path)
    except RefusedError as exc:
        raise DatabaseOpenError(f"This database needs updating from schema {version} to "
                                f"{migrations.LATEST} for this version of ITT Desk, which needs "
                                f"it to itself: {exc}") from exc


@contextmanager
def write_transaction(*, cancel: threading.Event | None = None,
                      on_wait: Callable[[], None] | None = None,
                      ) -> Iterator[_transaction | _savepoint]:
    """``database.atomic()`` that takes SQLite's write lock at its BEGIN (``BEGIN IMMEDIATE``).

    For a long transaction that reads before it writes (an import re-matches its rows first):
    begun deferred, it would read a snapshot, then fail at once with "database is locked" when
    another process committed meanwhile (a read transaction cannot be upgraded past a newer
    write). Begun IMMEDIATE it waits its turn: past the busy timeout (another import may take
    longer than that) it keeps waiting, calling ``on_wait()`` each second, until ``cancel``
    (a ``threading.Event``) is set. PostgreSQL's transactions need no such thing; nested calls
    are savepoints either way."""
    if is_postgres() or database.in_transaction():
        with database.atomic() as transaction:
            yield transaction
        return
    patient = None
    try:
        while True:
            atomic = database.atomic("IMMEDIATE")
            try:
                transaction = atomic.__enter__()  # the transaction (``rollback()``, ...)
                break
            except OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("Cancelled while waiting for another process to "
                                           "finish writing; nothing was changed") from None
                if on_wait is not None:
                    on_wait()
                if patient is None:  # from now on wake each second to look at ``cancel``
                    patient = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
                    database.execute_sql("PRAGMA busy_timeout = 1000")
    finally:
        if patient is not None:
            database.execute_sql(f"PRAGMA busy_timeout = {int(patient)}")
    try:
        yield transaction
    except BaseException as exc:
        atomic.__exit__(type(exc), exc, exc.__traceback__)  # rolls back; never swallows
        raise
    else:
        atomic.__exit__(None, None, None)


def writes_held() -> bool:
    """Whether the open database refuses writes until its integrity check passes."""
    db = database.obj
    # The pragmas each new connection gets (peewee's own list, not in its stubs): asking the
    # connection instead would connect.
    if not isinstance(db, PeeweeSqliteDatabase):
        return False
    return bool(dict(db._pragmas or ()).get("query_only"))  # type: ignore[attr-defined]


def release_writes() -> None:
    """Allow writes again (the integrity check passed): new connections and this thread's."""
    db = database.obj
    if writes_held():
        db.pragma("query_only", 0, permanent=True)


def close_database() -> None:
    """Close this thread's connection (and, on PostgreSQL, every pooled one); forget where."""
    db = database.obj
    if db is not None and not db.is_closed():
        db.close()
    if isinstance(db, PostgresqlDatabase):
        # The pool's idle connections too: nothing stays logged in to the server. One a task
        # still uses is left to it (closed under it, its query would fail); it goes when the
        # task ends and the forgotten pool with it.
        db.close_idle()
    current_location[0] = None
