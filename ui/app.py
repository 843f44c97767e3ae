"""Start the desktop app: open the database first, then build the window.

A database that cannot be opened safely (damaged, not ours, newer schema, unreachable server)
gets a clear dialog offering to restore a backup or open another database — never a traceback
and never a write to it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from ittdesk import APP_NAME, __version__, db
from ittdesk.errors import DatabaseOpenError

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def application() -> QApplication:
    """The QApplication, created once and set up (name, icon, stylesheet)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    if not app.property("ittdesk_ready"):
        app.setApplicationName(APP_NAME)
        app.setApplicationDisplayName(APP_NAME)
        app.setApplicationVersion(__version__)
        app.setOrganizationName(APP_NAME)
        app.setDesktopFileName("ittdesk")
        icon = RESOURCES / "ittdesk.svg"
        if icon.exists():
            app.setWindowIcon(QIcon(str(icon)))
        style = RESOURCES / "style.qss"
        if style.exists():
            app.setStyleSheet(style.read_text(encoding="utf-8"))
        app.setProperty("ittdesk_ready", True)
    return app


def integrity_problem(location: db.Location) -> str | None:
    """A read-only quick check of an existing SQLite file; the problem in words, or None."""
    import sqlite3

    if location.kind != "sqlite" or location.path is None or not location.path.exists():
        return None
    found = db.inspect_file(location.path)
    if found.problem:
        return found.problem
    if not found.is_ittdesk:
        return None
    try:
        conn = db.readonly_connection(location.path)
    except sqlite3.DatabaseError as exc:
        return f"{location.path.name} is damaged: {exc}"
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return f"{location.path.name} is damaged: {exc}"
    finally:
        conn.close()
    if rows != ["ok"]:
        return (f"{location.path.name} failed its integrity check ({'; '.join(rows[:3])}). "
                "It may have been damaged by a crash or a copy that did not finish.")
    return None


def ask_about_problem(location: db.Location | None, message: str, parent: QWidget | None) -> int:
    """Show the problem dialog; returns RESTORE, OPEN_OTHER or QUIT. Tests replace this."""
    from .dialogs.database_problem import DatabaseProblemDialog

    dialog = DatabaseProblemDialog(location, message, parent)
    dialog.exec()
    return dialog.choice


def open_database_interactively(target: str | None, parent: QWidget | None = None
                                ) -> db.Location | None:
    """Open ``target``; on a problem ask what to do until it opens or the user gives up."""
    from .dialogs import database_problem as problem

    while True:
        try:
            location = db.resolve(target)
        except DatabaseOpenError as exc:
            location, message = None, str(exc)
        else:
            message = integrity_problem(location)
            if message is None:
                try:
                    return db.open_database(target)
                except DatabaseOpenError as exc:
                    message = str(exc)
        choice = ask_about_problem(location, message, parent)
        if choice == problem.RESTORE and location is not None:
            source = problem.choose_backup(parent)
            if source:
                problem.restore_into(parent, location, source)
        elif choice == problem.OPEN_OTHER:
            other = problem.choose_database(parent)
            if other:
                target = other
        else:
            return None


def remember(location: db.Location) -> None:
    """Add to File > Open recent; a server address is kept without its password."""
    from urllib.parse import urlparse, urlunparse

    from . import settings as ui_settings

    if location.path is not None:
        target = str(location.path)
    else:
        parsed = urlparse(location.url)
        netloc = parsed.hostname or ""
        if parsed.username:
            netloc = f"{parsed.username}@{netloc}"
        if parsed.port:
            netloc += f":{parsed.port}"
        target = urlunparse(parsed._replace(netloc=netloc))
    ui_settings.add_recent_database(target)


def run(db_url_or_path: str | None = None) -> int:
    """Open the database, show the main window, run until it closes. Returns the exit code."""
    app = application()
    location = open_database_interactively(db_url_or_path)
    if location is None:
        return 1
    from .main_window import MainWindow

    remember(location)
    window = MainWindow(location)
    window.show()
    try:
        return app.exec()
    finally:
        db.close_database()
