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


def backups_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    try:
        path.chmod(0o700)
    except OSError:
        pass
    return path
