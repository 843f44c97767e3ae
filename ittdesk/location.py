"""Where a database is: an SQLite file or a PostgreSQL server, as the user named it.

Deciding what to open needs neither peewee nor the models (the desktop app shows its window
before they are imported), so this module imports nothing heavier than ``paths``. It also
keeps which database is open now (``current_location``), so what may not touch that file
(``sqlite_file.refuse_database_file``) can ask without opening anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .errors import DatabaseOpenError
from .paths import default_database_path

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


def resolve(target: str | os.PathLike[str] | None = None) -> Location:
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


# The open location, so services can name it (About box, SAR cover sheet) without globals
# leaking elsewhere; set by ``db.open_database``, reset whenever the database closes.
current_location: list[Location | None] = [None]


def location() -> Location:
    """The open database's Location (DatabaseOpenError when none is open)."""
    loc = current_location[0]
    if loc is None:
        raise DatabaseOpenError("No database is open")
    return loc
