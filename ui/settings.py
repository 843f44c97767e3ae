"""Per-user window state and preferences (QSettings): every option declared once with its default.

Provider settings shared by everyone on a database live in ``ittdesk.settings``; this module is
only for what belongs to one person on one computer: window geometry, splitter sizes, the last
view, each list's columns and sort, recent databases.

Read and write through the declaration, which gives the declared type:
``ui_settings.LAST_PAGE.get()`` / ``ui_settings.LAST_PAGE.set("schools")``. Keys built at run
time (one per list) use a declared *prefix*: ``ui_settings.LIST_STATE.get("schools")``. The
key-named ``get("last_page")`` / ``set(...)`` go through the same declarations.

Tests point QSettings at a temporary file with ``use_file(path)`` (or the environment variable
``ITTDESK_QT_SETTINGS``), so they never read or change the real user's settings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from ittdesk import APP_NAME

T = TypeVar("T")


class UserOption(Generic[T]):
    """One per-user option, declared once: its key, type, default and what it is for.

    ``get()`` gives the declared type: a stored value that is not one (a hand-edited INI file,
    another version's value) reads as the default, as a missing one does. A *prefix* option
    (key ending in "/") holds one value per name: ``LIST_STATE.get("schools")``.
    """

    def __init__(self, key: str, default: T, description: str) -> None:
        self.key = key
        self.default = default
        self.description = description

    @property
    def is_prefix(self) -> bool:
        return self.key.endswith("/")

    def full_key(self, name: str = "") -> str:
        if self.is_prefix != bool(name):
            raise KeyError(f"UI setting '{self.key}' {'needs' if self.is_prefix else 'takes no'} "
                           "name")
        return self.key + name

    def get(self, name: str = "") -> T:
        value = qsettings().value(self.full_key(name), None)
        if value is not None:
            try:
                decoded = self.decode(value)
            except (TypeError, ValueError):
                decoded = None
            if decoded is not None:
                return decoded
        return self.fresh_default()

    def set(self, value: T, name: str = "") -> None:
        store = qsettings()
        store.setValue(self.full_key(name), self.encode(value))
        store.sync()

    def decode(self, stored: object) -> T | None:
        """The stored value as this option's type, or None when it is not one."""
        raise NotImplementedError

    def encode(self, value: T) -> object:
        return value

    def fresh_default(self) -> T:
        """The default, as a new object when it is mutable (a caller may change what it gets)."""
        return self.default


class TextOption(UserOption[str]):
    def decode(self, stored: object) -> str | None:
        return stored if isinstance(stored, str) else None


class IntOption(UserOption[int]):
    def decode(self, stored: object) -> int | None:
        # an INI file keeps numbers as text; a bool is not a number here
        if isinstance(stored, bool) or not isinstance(stored, (int, str)):
            return None
        return int(stored)


class BytesOption(UserOption[QByteArray]):
    """Geometry and state blobs Qt saves and restores (``saveGeometry()``)."""

    def decode(self, stored: object) -> QByteArray | None:
        if isinstance(stored, QByteArray):
            return QByteArray(stored)
        return QByteArray(stored) if isinstance(stored, bytes) else None

    def fresh_default(self) -> QByteArray:
        return QByteArray(self.default)


class TextListOption(UserOption[list[str]]):
    """A list of text, kept as JSON text: INI files lose their types."""

    def decode(self, stored: object) -> list[str] | None:
        loaded = json.loads(stored) if isinstance(stored, str) else None
        if isinstance(loaded, list) and all(isinstance(item, str) for item in loaded):
            return loaded
        return None

    def encode(self, value: list[str]) -> object:
        return json.dumps(value)

    def fresh_default(self) -> list[str]:
        return list(self.default)


class MappingOption(UserOption[dict[str, Any]]):
    """A small record (a list's columns and sort), kept as JSON text."""

    def decode(self, stored: object) -> dict[str, Any] | None:
        loaded = json.loads(stored) if isinstance(stored, str) else None
        return loaded if isinstance(loaded, dict) else None

    def encode(self, value: dict[str, Any]) -> object:
        return json.dumps(value)

    def fresh_default(self) -> dict[str, Any]:
        return dict(self.default)


WINDOW_GEOMETRY = BytesOption("window/geometry", QByteArray(), "main window size and position")
WINDOW_STATE = BytesOption("window/state", QByteArray(), "tool bar and dock positions")
LAST_PAGE = TextOption("last_page", "home", "the page shown when the app last closed")
RECENT_DATABASES = TextListOption("recent_databases", [],
                                  "databases opened recently, newest first")
RECENT_LIMIT = IntOption("recent_limit", 8, "how many recent databases the File menu lists")
EXPORT_FOLDER = TextOption("export_folder", "",
                           "where the last export was saved (empty: the Documents folder)")
SEARCH_DELAY_MS = IntOption(
    "search_delay_ms", 100, "the longest wait after typing before searching (a list whose "
    "searches answer faster waits as long as its last search took, at least 30 ms)")
# Prefixes: one value per list / dialog, named after it.
LIST_STATE = MappingOption("list_state/", {},
                           "a list's column widths, hidden columns, sort and splitter sizes")
DIALOG_GEOMETRY = BytesOption("dialog_geometry/", QByteArray(),
                              "a dialog's size and position, by class name")

OPTIONS: dict[str, UserOption[Any]] = {o.key: o for o in (
    WINDOW_GEOMETRY, WINDOW_STATE, LAST_PAGE, RECENT_DATABASES, RECENT_LIMIT, EXPORT_FOLDER,
    SEARCH_DELAY_MS, LIST_STATE, DIALOG_GEOMETRY,
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


def _option(key: str) -> tuple[UserOption[Any], str]:
    """The declaration of a key named at run time, and the name after its prefix (if any)."""
    if key in OPTIONS and not OPTIONS[key].is_prefix:
        return OPTIONS[key], ""
    prefix = key.split("/", 1)[0] + "/"
    if "/" in key and prefix in OPTIONS and key != prefix:
        return OPTIONS[prefix], key[len(prefix):]
    raise KeyError(f"Undeclared UI setting '{key}': declare it in ui/settings.py OPTIONS")


def get(key: str) -> Any:
    """A setting by its full key; code that knows which one reads ``OPTION.get()``, typed."""
    option, name = _option(key)
    return option.get(name)


def set(key: str, value: Any) -> None:  # noqa: A001 - reads naturally as ui_settings.set
    option, name = _option(key)
    option.set(value, name)


def add_recent_database(display_target: str) -> list[str]:
    recent = [r for r in RECENT_DATABASES.get() if r and r != display_target]
    recent.insert(0, display_target)
    recent = recent[: RECENT_LIMIT.get()]
    RECENT_DATABASES.set(recent)
    return recent
