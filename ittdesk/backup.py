"""Backups that stay consistent while the app writes: SQLite's online backup API.

Restoring one is ``ittdesk.restore`` (it closes the database, which this module, imported
by the opening, must not).

Every copy is written to a temporary file (``files.atomic_write``) and renamed into place, created
readable by its owner only, and automatic copies are rotated (keep the last N, a setting).
"""

from __future__ import annotations

import hashlib
import sqlite3
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import clock, schema_check, settings
from .errors import IttDeskWarning, RefusedError
from .files import atomic_write
from .location import Location
from .paths import backups_dir, data_dir
from .sqlite_file import LATEST_SCHEMA, file_uri, inspect_file, readonly_connection

AUTO_PREFIX = "auto"


def _require_sqlite(location: Location) -> Path:
    if location.kind != "sqlite" or location.path is None:
        raise RefusedError(
            "Backups of a PostgreSQL database are the server's job: use pg_dump "
            "(ask whoever runs the server)."
        )
    return location.path


def copy_database(source: Path, dest: Path) -> Path:
    """Consistent copy of ``source`` to ``dest`` via the online backup API, atomically.

    The copy is built in a temporary file named after this process (``files.atomic_write``:
    the data folder's ``tmp``), so a kill mid-copy leaves a file that the next start and
    erasure both find."""
    dest = dest.expanduser().resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                copy_pages(source, dst)
                # A backup is one self-contained file: no WAL beside it.
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            Path(f"{tmp}-journal").unlink(missing_ok=True)

    return atomic_write(dest, write)


def copy_pages(source: Path, dst: sqlite3.Connection, *, read_only: bool = False) -> None:
    """Copy the SQLite database ``source`` into the connection ``dst`` (the online backup API:
    consistent while others write). ``read_only``: ``source`` is opened so that nothing, not
    even a journal-mode change, can be written to it (a backup being restored)."""
    src = (sqlite3.connect(file_uri(source, "mode=ro"), uri=True) if read_only
           else sqlite3.connect(str(source), timeout=10))
    try:
        src.backup(dst)
    finally:
        src.close()


def backup_to(location: Location, dest: Path) -> Path:
    return copy_database(_require_sqlite(location), dest)


def _folder_for(location: Location) -> Path:
    path = _require_sqlite(location)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    folder = backups_dir() / f"{path.stem}-{digest}"
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
    return folder


def automatic_backups(location: Location) -> list[Path]:
    """This database's automatic backups, oldest first."""
    if location.kind != "sqlite":
        return []
    return sorted(_folder_for(location).glob(f"{AUTO_PREFIX}-*.sqlite3"))


def automatic_backup(location: Location, reason: str = "daily", keep: int | None = None
                     ) -> Path | None:
    """Take an automatic backup and keep only the newest ``keep`` (by default the setting
    ``backup_keep``, read from the open database)."""
    path = _require_sqlite(location)
    if not path.exists() or path.stat().st_size == 0:
        return None
    stamp = clock.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = _folder_for(location) / f"{AUTO_PREFIX}-{stamp}-{reason}.sqlite3"
    copy_database(path, dest)
    rotate(location, keep)
    return dest


def backups_to_keep() -> int:
    """The setting ``backup_keep``; its default when no database is open to say."""
    try:
        return settings.BACKUP_KEEP.get()
    except Exception:  # no database open, or no readable settings table (a damaged file)
        return settings.BACKUP_KEEP.default


def rotate(location: Location, keep: int | None = None) -> list[Path]:
    keep = max(1, backups_to_keep() if keep is None else keep)
    existing = automatic_backups(location)
    removed = existing[:-keep] if len(existing) > keep else []
    for old in removed:
        old.unlink(missing_ok=True)
    return removed


def daily_backup_if_due(location: Location, today: date | None = None) -> Path | None:
    """Once a day, on the first start, copy the database (it may hold a day's typing)."""
    today = today or clock.today()
    stamp = today.strftime("%Y%m%d")
    if any(p.name.startswith(f"{AUTO_PREFIX}-{stamp}") for p in automatic_backups(location)):
        return None
    return automatic_backup(location, reason="daily")


def daily_backup_or_warning(location: Location) -> Path | None:
    """The daily backup when a database is opened; failing is a warning, not a refusal.

    A full or unwritable backup folder must not stop anyone reading or correcting their
    records, so the failure is issued as an ``IttDeskWarning`` (the CLI prints one line; the
    GUI shows it in the main window)."""
    try:
        return daily_backup_if_due(location)
    except (OSError, sqlite3.Error) as exc:
        warning = IttDeskWarning(daily_backup_failed(exc))
        warning.__cause__ = exc  # the GUI words it its own way (File > Back up)
        warnings.warn(warning, stacklevel=2)
        return None


def daily_backup_failed(exc: BaseException, how: str = "take a backup with 'ittdesk backup FILE'"
                        ) -> str:
    """What to tell the user when the day's automatic backup failed (``how``: the way to take
    one by hand where they are: the CLI's command, or the GUI's menu)."""
    reason = "the copy failed"  # anything else's words may name a class
    if isinstance(exc, (OSError, sqlite3.Error)):
        reason = getattr(exc, "strerror", None) or str(exc) or reason
    return (f"today's automatic backup could not be made in {data_dir() / 'backups'} "
            f"({reason}); the database itself is fine. Free some space there or {how}.")


@dataclass
class CheckReport:
    path: Path
    ok: bool
    messages: list[str] = field(default_factory=list)
    schema_version: int | None = None


def check_file(path: Path) -> CheckReport:
    """Integrity, foreign-key and schema check of an SQLite file, read-only: it is never written
    to. The schema must be ITT Desk's own (``schema_check``): no trigger, view, table or index
    that a fresh database of its version would not have."""
    path = Path(path).expanduser().resolve()
    if not path.exists():
        return CheckReport(path, False, [f"{path} does not exist"])
    found = inspect_file(path)
    if found.problem:
        return CheckReport(path, False, [found.problem])
    if found.is_empty or not found.is_ittdesk:
        return CheckReport(path, False, [f"{path.name} is not an ITT Desk database (it is empty)"])
    report = CheckReport(path, True, schema_version=found.schema_version)
    conn = readonly_connection(path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            report.ok = False
            report.messages += [f"integrity: {r}" for r in rows[:20]]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            report.ok = False
            report.messages += [
                f"foreign key: table {t} row {rowid} points to a missing {parent} record"
                for t, rowid, parent, _ in fk[:20]
            ]
        foreign = schema_check.foreign_objects(conn, found.schema_version)
        if foreign:
            report.ok = False
            report.messages.append(schema_check.message(path.name, foreign))
    except sqlite3.DatabaseError as exc:
        report.ok = False
        report.messages.append(f"{path.name} is damaged: {exc}")
    finally:
        conn.close()
    if found.schema_version is not None and found.schema_version > LATEST_SCHEMA:
        report.messages.append(f"schema {found.schema_version} is newer than this ITT Desk "
                               f"understands ({LATEST_SCHEMA})")
    return report
