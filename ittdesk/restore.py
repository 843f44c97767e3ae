"""The one restore: ``ittdesk restore``, File > Restore and the problem dialog all come here.

One behaviour wherever it starts:

- the backup is checked first (a non-SQLite or absurd file from its header, then integrity,
  foreign keys and ITT Desk's exact schema; newer, or the database itself: refused); a refusal
  changes nothing;
- refused (RefusedError, nothing changed) while another program has the database open;
- the database as it is now is kept: a sound file is copied to the automatic backups
  ("before-restore", the same online copy as every backup); a file that is damaged or not
  ours (what the problem dialog offers to replace) is never written to, but renamed beside
  itself as ``NAME.damaged-STAMP``. A healthy file is never called damaged;
- the backup is copied in under SQLite's exclusive lock (nobody can open it half-copied; a
  copy that fails puts a file moved aside back), and the restore is recorded in the restored
  database's audit (who, when, which file, its SHA-256).

Two steps, so the GUI can check on a worker while the database stays open and copy after it
has closed it: ``check_backup`` then ``replace``; ``restore`` does both for the CLI.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import audit, backup, clock
from .db import close_database
from .errors import DatabaseOpenError, RefusedError
from .integrity import opening_problem
from .location import Location
from .spreadsheets.preflight import check_sqlite_file
from .sqlite_file import LATEST_SCHEMA, ensure_not_in_use, sole_use

DAMAGED = ".damaged-"


@dataclass(frozen=True)
class Checked:
    """A backup that passed ``check_backup``, with what ``replace`` needs to know of it."""

    source: Path
    report: backup.CheckReport
    #: automatic backups to keep (the setting, read while the database was still open)
    keep: int


def check_backup(location: Location, source: str | os.PathLike[str]) -> Checked:
    """Check ``source`` before it may replace ``location``'s file. RefusedError ("Not
    restored: ...") when it may not. Slow (it reads the whole backup) and it never touches the
    open database, so the GUI runs it on a worker while the database stays open."""
    target = _sqlite_path(location)
    source = Path(source).expanduser().resolve()
    if source != target:  # never a descriptor of the open database (locks)
        try:  # a non-SQLite, cut-short or absurd file: refused from its header, at once
            check_sqlite_file(source)
        except RefusedError as exc:
            raise RefusedError(f"Not restored: {exc}") from None
    report = backup.check_file(source)
    if not report.ok:
        raise RefusedError(f"Not restored: {'; '.join(report.messages)}")
    if report.schema_version is not None and report.schema_version > LATEST_SCHEMA:
        raise RefusedError("Not restored: the backup was made by a newer version of ITT Desk")
    if source == target:
        raise RefusedError("Not restored: that file is the database itself")
    return Checked(source, report, backup.backups_to_keep())


def replace(location: Location, checked: Checked) -> Path | None:
    """Keep the database as it is now and copy the checked backup in; returns where the old
    database is kept (None: there was none, or it was empty).

    The database must be closed, with no connection open on any thread of this process.
    The caller reopens it afterwards (which migrates a backup from an older version)."""
    target = _sqlite_path(location)
    if target.exists():
        ensure_not_in_use(target)  # before any copy: refused, nothing made or moved
    damaged = target.exists() and opening_problem(target) is not None
    kept: Path | None
    if damaged:
        kept = move_aside(target)
    else:
        kept = backup.automatic_backup(location, reason="before-restore", keep=checked.keep)
    entry = _restore_entry(checked, kept)
    try:
        with _copy_target(target) as dst:
            backup.copy_pages(checked.source, dst, read_only=True)
            dst.execute("PRAGMA journal_mode=WAL")
    except BaseException as exc:
        if damaged and kept is not None:
            _put_back(kept, target)
        if isinstance(exc, sqlite3.DatabaseError):
            raise DatabaseOpenError(f"Restore failed: {exc}") from exc
        raise
    os.chmod(target, 0o600)
    _record_restore(target, entry)
    return kept


def restore(location: Location, source: str | os.PathLike[str]) -> Path | None:
    """Check ``source``, close the database, keep it and copy the backup in (``replace``).
    Returns where the database as it was is kept; the caller reopens it."""
    checked = check_backup(location, source)
    close_database()
    return replace(location, checked)


def summary(source: str | os.PathLike[str], kept: Path | None) -> str:
    """What the user is told after a restore, in the GUI's one line."""
    name = Path(source).name
    if kept is None:
        return f"Restored from {name}."
    if DAMAGED in kept.name:
        return f"Restored from {name}. The damaged file is kept as {kept.name}."
    return f"Restored from {name}. The database as it was is kept in {kept}."


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its -wal/-shm) so it is kept, unwritten, out of the way."""
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}{DAMAGED}{stamp}")
    os.replace(path, kept)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            os.replace(extra, kept.with_name(kept.name + suffix))
    return kept


def _put_back(kept: Path, path: Path) -> None:
    """Undo ``move_aside`` after a failed copy: the partial new file goes, the old returns."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(kept, path)
    for suffix in ("-wal", "-shm"):
        extra = kept.with_name(kept.name + suffix)
        if extra.exists():
            os.replace(extra, path.with_name(path.name + suffix))


def _sqlite_path(location: Location) -> Path:
    if location.kind != "sqlite" or location.path is None:
        raise RefusedError("A PostgreSQL database is restored on the server (pg_restore): ask "
                           "whoever runs it.")
    return location.path


@contextlib.contextmanager
def _copy_target(target: Path) -> Iterator[sqlite3.Connection]:
    """The connection the backup is copied into: the existing file held for sole use (refused
    while another program has it open), or a new file nobody can have open."""
    if target.exists():
        with sole_use(target, wait=2.0) as conn:
            yield conn
        return
    with contextlib.closing(sqlite3.connect(str(target))) as conn:
        yield conn


def _restore_entry(checked: Checked, kept: Path | None) -> tuple[object, ...]:
    """The audit entry a restore leaves in the restored database: who, when, and which file
    (path, size, SHA-256, schema version), so a replaced history is never silent. The backup
    (never the database) is hashed while no connection to it is open."""
    source = checked.source
    digest = hashlib.sha256()
    with source.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    size = source.stat().st_size
    version = checked.report.schema_version
    changes = {"file": [None, str(source)], "size_bytes": [None, size],
               "sha256": [None, digest.hexdigest()], "schema_version": [None, version]}
    note = (f"database restored from {source.name} ({size:,} bytes, schema {version}); the "
            f"database before it was kept as "
            f"{kept if kept is not None else 'nothing (it was empty)'}")
    return (audit.now().isoformat(" "), audit.current_user(), "database", None, "restore",
            json.dumps(changes, ensure_ascii=False), None, None, note)


def _record_restore(target: Path, entry: tuple[object, ...]) -> None:
    """Append the restore's entry to the restored file (through SQLite, inserting only: the
    audit's own triggers refuse anything else)."""
    conn = sqlite3.connect(str(target), timeout=10)
    try:
        conn.execute('INSERT INTO audit_entry (at, "user", entity, entity_id, action, changes, '
                     "person_id, import_run_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", entry)
        conn.commit()
    finally:
        conn.close()
