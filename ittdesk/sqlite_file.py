"""What an SQLite file is, asked of SQLite alone: ours or not, which schema, in use or not.

Everything here reads a file through a read-only SQLite connection or ``stat``, never Python's
``open``: it runs while the app (or this very thread) holds a connection to the file, and
closing any descriptor of the file outside SQLite drops every POSIX lock the process holds on
it (ENVIRONMENT.md). No peewee and no models: the desktop app asks these questions before its
window shows.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .errors import RefusedError
from .location import current_location

#: The newest schema this version understands (``migrations.LATEST``), known here without the
#: migrations (and peewee); the migrations module refuses to load if the two disagree.
LATEST_SCHEMA = 20


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
        journal_mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
        if not tables:
            return FileInspection(exists=True, is_sqlite=True, is_empty=True,
                                  journal_mode=journal_mode, page_size=page_size,
                                  page_count=page_count)
        if "schema_version" not in tables:
            return FileInspection(exists=True, is_sqlite=True,
                                  problem=f"{name} is an SQLite file but not an ITT Desk database")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return FileInspection(exists=True, is_sqlite=True, is_ittdesk=True,
                              schema_version=row[0] if row else None,
                              journal_mode=journal_mode, page_size=page_size, page_count=page_count)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return FileInspection(exists=True,
                                  problem=f"{name} is not an ITT Desk database (not an SQLite file)")
        return FileInspection(exists=True, is_sqlite=True, problem=f"{name} is damaged: {exc}")
    finally:
        conn.close()


def in_use_message(path: Path, then: str = "Close it there first; nothing was changed.") -> str:
    """The words every whole-file step (restore, a schema update, compaction) is refused with
    while another program has the file open; ``then``: what follows for the user."""
    return (f"{path.name} is open in another program (the ITT Desk app, or an ittdesk command "
            f"still running). {then}")


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


def create_private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (WAL and SHM files inherit the mode).

    SQLite creates it (an empty file) and the mode is then set by path: no descriptor of the
    database file is ever opened or closed outside SQLite (see ``inspect_file``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        sqlite3.connect(file_uri(path, "mode=rwc"), uri=True).close()
        os.chmod(path, 0o600)
