"""Opening the database: SQLite by default, PostgreSQL by URL, the same models on both.

``open_database`` checks an existing SQLite file read-only *before* anything can write to it
(not SQLite, not ours, newer schema -> refused untouched), then connects with the pragmas every
connection needs, migrates (backing up first) and takes the day's automatic backup.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

from .errors import DatabaseOpenError, RefusedError
from .paths import default_database_path

if TYPE_CHECKING:
    from peewee import Database

# peewee and the models (~60 ms of imports) are imported when a database is opened, not with
# this module: the desktop app decides what to open, and shows its window, before that.

#: ``migrations.LATEST``, known without importing the migrations (and peewee); the migrations
#: module refuses to load if the two disagree.
LATEST_SCHEMA = 9


def __getattr__(name: str) -> Any:  # ``db.database`` as before the imports became lazy
    if name == "database":
        from .models import database

        return database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    # Overwrite deleted content with zeros, so erased personal data is not left in free pages.
    "secure_delete": 1,
}
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "afpfs", "fuse.sshfs", "9p", "davfs"}


@dataclass(frozen=True)
class Location:
    """Where a database lives, in a form both the GUI and the CLI can show."""

    url: str
    kind: str  # "sqlite" or "postgresql"
    path: Path | None = None

    @property
    def warning(self) -> str | None:
        """Something the user should be told on opening (an SQLite file on a network share)."""
        return network_share_warning(self.path) if self.path is not None else None

    @property
    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        parsed = urlparse(self.url)
        host = parsed.hostname or "localhost"
        port = f":{parsed.port}" if parsed.port else ""
        user = f"{parsed.username}@" if parsed.username else ""
        return f"PostgreSQL {user}{host}{port}/{parsed.path.lstrip('/')}"


def resolve(target: str | os.PathLike | None = None) -> Location:
    """Turn ``--db`` / ``ITTDESK_DATABASE`` / the default into a Location."""
    value = str(target) if target is not None else os.environ.get("ITTDESK_DATABASE") or ""
    if not value:
        path = default_database_path()
        return Location(f"sqlite:///{path}", "sqlite", path)
    if value.startswith(("postgresql://", "postgres://", "postgresql+psycopg2://")):
        _check_port(value)
        return Location(value, "postgresql")
    if value.startswith("sqlite:///"):
        path = Path(value[len("sqlite:///"):]).expanduser().resolve()
        return Location(f"sqlite:///{path}", "sqlite", path)
    if "://" in value:
        raise DatabaseOpenError(
            f"'{value}' is not a database ITT Desk can open: give a file path, "
            "sqlite:///PATH or postgresql://user@host/db"
        )
    path = Path(value).expanduser().resolve()
    return Location(f"sqlite:///{path}", "sqlite", path)


def _check_port(url: str) -> None:
    """A server address whose port is not a number 1-65535 is refused in words (urllib would
    raise later, naming only itself); the address is not repeated: it may hold a password."""
    try:
        port = urlparse(url).port
    except ValueError:
        port = 0
    if port == 0:
        raise DatabaseOpenError("The PostgreSQL address has a port that is not a number from 1 "
                                "to 65535 (e.g. postgresql://user@host:5432/db); nothing was opened.")


def network_share_warning(path: Path) -> str | None:
    """A warning when an SQLite file sits on a network share, where locking is unreliable."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return _network_message(path)
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, fstype = "", ""
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and resolved.startswith(parts[1]) and len(parts[1]) > len(best):
            best, fstype = parts[1], parts[2]
    return _network_message(path) if fstype in NETWORK_FILESYSTEMS else None


def _network_message(path: Path) -> str:
    return (
        f"{path} is on a network share. SQLite files on shared drives can be corrupted when "
        "two people use them; to share a database, use PostgreSQL (see the README)."
    )


def make_database(location: Location, hold_writes: bool = False) -> Database:
    """A peewee Database for ``location``, not yet connected.

    ``hold_writes``: every connection is opened ``query_only`` (SQLite refuses any write) until
    ``release_writes()``; for a file whose full integrity check is still running."""
    from .drivers import PostgresqlDatabase, SqliteDatabase  # a failed transaction keeps its cause

    if location.kind == "sqlite":
        pragmas = dict(SQLITE_PRAGMAS)
        if hold_writes:
            pragmas["query_only"] = 1  # after journal_mode: the file is already in WAL mode
        return SqliteDatabase(str(location.path), pragmas=pragmas, timeout=10)
    try:
        import psycopg2  # noqa: F401
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
    )


@dataclass(frozen=True)
class FileInspection:
    """What a read-only look at an SQLite file found."""

    exists: bool
    is_sqlite: bool = False
    is_ittdesk: bool = False
    is_empty: bool = False
    schema_version: int | None = None
    problem: str | None = None
    #: SQLite's own answers, for ``ui.app.can_check_later``: "wal" / "delete" ...; pages.
    journal_mode: str | None = None
    page_size: int = 0
    page_count: int = 0


def file_uri(path: Path, query: str) -> str:
    """An SQLite ``file:`` URI for ``path`` (``?``, ``#`` and ``%`` in a name escaped)."""
    return f"file:{quote(str(path), safe='/:')}?{query}"


def readonly_connection(path: Path) -> sqlite3.Connection:
    """Open ``path`` so that nothing can be written to it, not even a journal-mode change."""
    uri = file_uri(path, "mode=ro")
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise
        # A WAL file in a read-only folder may refuse mode=ro; immutable never writes.
        conn = sqlite3.connect(file_uri(path, "immutable=1"), uri=True)
        return conn


def inspect_file(path: Path) -> FileInspection:
    """Look at an SQLite file without writing a byte: is it ours, and which schema version?

    Only ``stat`` and SQLite itself touch the file, never Python's ``open``: this runs while
    the app (or this very thread) holds a connection to it, and closing any descriptor of the
    file outside SQLite drops every POSIX lock the process holds on it — another process then
    believes it is alone and deletes the -wal and -shm under the app (ENVIRONMENT.md). SQLite
    shares its lock bookkeeping between a process's connections, so a read-only one is safe."""
    if not path.exists():
        return FileInspection(exists=False)
    if path.stat().st_size == 0:
        return FileInspection(exists=True, is_sqlite=True, is_empty=True)
    name = path.name
    try:
        conn = readonly_connection(path)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return FileInspection(exists=True,
                                  problem=f"{name} is not an ITT Desk database (not an SQLite file)")
        return FileInspection(exists=True, is_sqlite=True, problem=f"{name} is damaged: {exc}")
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        facts = {
            "journal_mode": str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower(),
            "page_size": int(conn.execute("PRAGMA page_size").fetchone()[0]),
            "page_count": int(conn.execute("PRAGMA page_count").fetchone()[0]),
        }
        if not tables:
            return FileInspection(exists=True, is_sqlite=True, is_empty=True, **facts)
        if "schema_version" not in tables:
            return FileInspection(exists=True, is_sqlite=True,
                                  problem=f"{name} is an SQLite file but not an ITT Desk database")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return FileInspection(exists=True, is_sqlite=True, is_ittdesk=True,
                              schema_version=row[0] if row else None, **facts)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return FileInspection(exists=True,
                                  problem=f"{name} is not an ITT Desk database (not an SQLite file)")
        return FileInspection(exists=True, is_sqlite=True, problem=f"{name} is damaged: {exc}")
    finally:
        conn.close()


def in_use_message(path: Path) -> str:
    return (f"{path.name} is open in another program (the ITT Desk app, or an ittdesk command "
            "still running). Close it there first; nothing was changed.")


@contextmanager
def sole_use(path: Path, wait: float = 1.0) -> Iterator[sqlite3.Connection]:
    """A connection holding SQLite's exclusive lock on ``path`` until the block ends, so no
    other connection — another process, or a stray one of this process — can read or write it.

    In WAL mode (every ITT Desk connection) each open connection keeps a shared lock on the
    database file for as long as it is open, idle or not; so the exclusive lock (taken by
    ``BEGIN EXCLUSIVE`` in exclusive locking mode, and kept after its empty ``COMMIT``) is
    granted only when nobody else has the file open. Still refused after ``wait`` seconds:
    RefusedError, nothing written. Closing it may fold the file's own WAL into it, as the last
    connection's close always does."""
    conn = sqlite3.connect(file_uri(path, "mode=rw"), timeout=wait, isolation_level=None)
    try:
        try:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise RefusedError(in_use_message(path)) from exc
            raise
        yield conn
    finally:
        conn.close()


def ensure_not_in_use(path: Path, wait: float = 1.0) -> None:
    """Refuse (RefusedError) while another connection has the SQLite file ``path`` open.

    A file SQLite cannot read (not a database, page 1 damaged) cannot be open in a program
    that reads it through SQLite, so it passes."""
    try:
        with sole_use(path, wait):
            pass
    except sqlite3.DatabaseError:
        return


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (``stat`` only: nothing is opened)."""
    try:
        first, second = a.stat(), b.stat()
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def is_open_database_file(path: Path) -> bool:
    """Whether ``path`` is the SQLite file this process has open, or its -wal or -shm: a file
    nothing but SQLite may open here (``inspect_file`` says why)."""
    loc = current_location[0]
    if loc is None or loc.path is None:
        return False
    own = loc.path
    return any(_same_file(Path(path), own.with_name(own.name + suffix))
               for suffix in ("", "-wal", "-shm"))


def refuse_database_file(path: Path, doing: str) -> None:
    """RefusedError when a spreadsheet or an export would be read from, or written over, a
    database: the one this process has open (opening it outside SQLite would drop the app's
    locks), or one in use by any process (a -wal or -shm beside it; writing over it would
    replace a database under a running app). ``doing``: "read" or "write over"."""
    path = Path(path)
    base = path.with_name(path.name.removesuffix("-wal").removesuffix("-shm"))
    in_use = doing != "read" and any(
        base.with_name(base.name + suffix).exists() for suffix in ("-wal", "-shm"))
    if is_open_database_file(path) or in_use:
        raise RefusedError(f"{path.name} is an ITT Desk database, in use: ITT Desk will not "
                           f"{doing} it as a spreadsheet or export. Choose another file; "
                           "nothing was changed.")


def _create_private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (WAL and SHM files inherit the mode).

    SQLite creates it (an empty file) and the mode is then set by path: no descriptor of the
    database file is ever opened or closed outside SQLite (see ``inspect_file``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        sqlite3.connect(file_uri(path, "mode=rwc"), uri=True).close()
        os.chmod(path, 0o600)


def open_database(target: str | os.PathLike | None = None, *, migrate: bool = True,
                  daily_backup: bool = True, hold_writes: bool = False) -> Location:
    """Open (creating if needed) the database, migrate it and bind every model to it.

    ``hold_writes`` (an existing SQLite file at the latest schema, whose full integrity check
    runs in the background): nothing can be written until ``release_writes()`` — SQLite refuses
    every write on these connections — and the daily backup is left to the caller, after the
    check."""
    from . import backup, migrations
    from .models import database

    location = resolve(target)
    close_database()
    if location.kind == "sqlite":
        assert location.path is not None
        found = inspect_file(location.path)
        if found.problem:
            raise DatabaseOpenError(found.problem)
        if found.schema_version is not None and found.schema_version > migrations.LATEST:
            raise DatabaseOpenError(migrations.newer_message(found.schema_version))
        _create_private_file(location.path)
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


@contextmanager
def write_transaction(*, cancel: Any = None, on_wait: Any = None) -> Iterator[Any]:
    """``database.atomic()`` that takes SQLite's write lock at its BEGIN (``BEGIN IMMEDIATE``).

    For a long transaction that reads before it writes (an import re-matches its rows first):
    begun deferred, it would read a snapshot, then fail at once with "database is locked" when
    another process committed meanwhile (a read transaction cannot be upgraded past a newer
    write). Begun IMMEDIATE it waits its turn: past the busy timeout (another import may take
    longer than that) it keeps waiting, calling ``on_wait()`` each second, until ``cancel``
    (a ``threading.Event``) is set. PostgreSQL's transactions need no such thing; nested calls
    are savepoints either way."""
    from peewee import OperationalError

    from .models import database

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
        if not atomic.__exit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        atomic.__exit__(None, None, None)


def writes_held() -> bool:
    """Whether the open database refuses writes until its integrity check passes."""
    from peewee import SqliteDatabase

    from .models import database

    db = database.obj
    return isinstance(db, SqliteDatabase) and bool(dict(db._pragmas or ()).get("query_only"))


def release_writes() -> None:
    """Allow writes again (the integrity check passed): new connections and this thread's."""
    from .models import database

    db = database.obj
    if writes_held():
        db.pragma("query_only", 0, permanent=True)


def close_database() -> None:
    import sys

    models = sys.modules.get(f"{__package__}.models")
    if models is None:
        current_location[0] = None
        return  # nothing was ever opened
    db = models.database.obj
    if db is not None and not db.is_closed():
        db.close()
    current_location[0] = None


# The open location, so services can name it (About box, SAR cover sheet) without globals
# leaking elsewhere; reset whenever the database closes.
current_location: list[Location | None] = [None]


def location() -> Location:
    loc = current_location[0]
    if loc is None:
        raise DatabaseOpenError("No database is open")
    return loc


def is_postgres() -> bool:
    from peewee import PostgresqlDatabase

    from .models import database

    return isinstance(database.obj, PostgresqlDatabase)
