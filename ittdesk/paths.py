"""Where ITT Desk keeps its files: the per-user data folder, overridable for tests and scripts."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from . import APP_NAME


def data_dir() -> Path:
    """The per-user data folder (``ITTDESK_DATA_DIR`` overrides it), created owner-only."""
    override = os.environ.get("ITTDESK_DATA_DIR")
    path = Path(override) if override else Path(user_data_dir(APP_NAME, appauthor=False))
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        try:
            path.chmod(0o700)
        except OSError:
            pass
    return path


def default_database_path() -> Path:
    return data_dir() / "ittdesk.sqlite3"


def _private_folder(name: str) -> Path:
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    try:
        path.chmod(0o700)
    except OSError:
        pass
    return path


def backups_dir() -> Path:
    return _private_folder("backups")


def tmp_dir() -> Path:
    """Temporary files (partial backups, staged forms, XlsxWriter's scratch files) live here,
    owner-only, so a crash never leaves personal data where start-up and erasure cannot find it
    (see ``ittdesk.files``)."""
    return _private_folder("tmp")
