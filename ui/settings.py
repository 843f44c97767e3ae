"""Per-user window state and preferences (QSettings): every option declared once with its default.

Provider settings shared by everyone on a database live in ``ittdesk.settings``; this module is
only for what belongs to one person on one computer: window geometry, splitter sizes, the last
view, each list's columns and sort, recent databases.

Use ``ui_settings.get("last_page")`` / ``ui_settings.set("last_page", "schools")``. Keys built
at run time (one per list) use a declared *prefix*: ``get("list_state/schools")``.

Tests point QSettings at a temporary file with ``use_file(path)`` (or the environment variable
``ITTDESK_QT_SETTINGS``), so they never read or change the real user's settings.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from ittdesk import APP_NAME


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    description: str


OPTIONS: dict[str, Option] = {o.key: o for o in (
    Option("window/geometry", QByteArray(), "main window size and position"),
    Option("window/state", QByteArray(), "tool bar and dock positions"),
    Option("last_page", "home", "the page shown when the app last closed"),
    Option("recent_databases", [], "databases opened recently, newest first"),
    Option("recent_limit", 8, "how many recent databases the File menu lists"),
    Option("export_folder", "", "where the last export was saved (empty: the Documents folder)"),
    Option("search_delay_ms", 100, "the longest wait after typing before searching (a list "
           "whose searches answer faster waits as long as its last search took, at least 30 ms)"),
    # Prefixes: one value per list / dialog, named after it.
    Option("list_state/", {}, "a list's column widths, hidden columns, sort and splitter sizes"),
    Option("dialog_geometry/", QByteArray(), "a dialog's size and position, by class name"),
)}

_file: list[str | None] = [None]


def use_file(path: str | os.PathLike | None) -> None:
    """Keep settings in this INI file instead of the user's (tests)."""
    _file[0] = str(path) if path is not None else None


def qsettings() -> QSettings:
    path = _file[0] or os.environ.get("ITTDESK_QT_SETTINGS")
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ITT Desk", APP_NAME)


def _option(key: str) -> Option:
    if key in OPTIONS:
        return OPTIONS[key]
    prefix = key.split("/", 1)[0] + "/"
    if "/" in key and prefix in OPTIONS and key != prefix:
        return OPTIONS[prefix]
    raise KeyError(f"Undeclared UI setting '{key}': declare it in ui/settings.py OPTIONS")


def get(key: str) -> Any:
    option = _option(key)
    value = qsettings().value(key, None)
    if value is None:
        return _copy(option.default)
    default = option.default
    try:
        if isinstance(default, bool):
            return value in (True, "true", "1", 1)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, (list, dict)):  # kept as JSON text: INI files lose their types
            loaded = json.loads(value) if isinstance(value, str) else None
            return loaded if isinstance(loaded, type(default)) else _copy(default)
        if isinstance(default, QByteArray):
            return value if isinstance(value, QByteArray) else QByteArray(value)
    except (TypeError, ValueError):
        return _copy(default)
    return value


def set(key: str, value: Any) -> None:  # noqa: A001 - reads naturally as ui_settings.set
    option = _option(key)
    if isinstance(option.default, (list, dict)):
        value = json.dumps(value)
    store = qsettings()
    store.setValue(key, value)
    store.sync()


def add_recent_database(display_target: str) -> list[str]:
    recent = [r for r in get("recent_databases") if r and r != display_target]
    recent.insert(0, display_target)
    recent = recent[: get("recent_limit")]
    set("recent_databases", recent)
    return recent


def _copy(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return type(value)(value)
    if isinstance(value, QByteArray):
        return QByteArray(value)
    return value
