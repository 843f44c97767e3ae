"""Start the desktop app: open the database first, then build the window.

A database that cannot be opened safely (damaged, not ours, newer schema, unreachable server)
gets a clear dialog offering to restore a backup or open another database — never a traceback
and never a write to it.

At start-up the full ``PRAGMA quick_check`` (it reads the whole file) runs in the background
right after the window shows, when cheap read-only checks allow it (``can_check_later``: our
file, at the latest schema so nothing migrates, in WAL mode with no WAL content left, as long
as its header says). Until it passes, the database is opened with writes held (SQLite's
``query_only`` on every connection) and the daily backup waits; if it fails, the window goes
and the problem dialog takes over, the file untouched.
"""

from __future__ import annotations

import sqlite3
import sys
import warnings
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from ittdesk import APP_NAME, __version__, files, sqlite_file
from ittdesk.errors import DatabaseOpenError, IttDeskWarning, plain_message
from ittdesk.location import Location, resolve

from . import settings as ui_settings
from . import smoke
from .collector import install as install_collector
from .colours import stylesheet
from .tasks import run_task

# ``ittdesk.db`` (opening) brings peewee and the models (a noticeable import): it is imported where a
# database is opened, so deciding what to open, and the window's first paint, never wait for it.

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def application() -> QApplication:
    """The QApplication, created once and set up (name, icon, stylesheet)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
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
            app.setStyleSheet(stylesheet(style.read_text(encoding="utf-8")))
        install_collector(app)  # cycles collected on this thread only: see ui.collector
        app.setProperty("ittdesk_ready", True)
    return app


def integrity_problem(location: Location) -> str | None:
    """A read-only quick check of an existing SQLite file; the problem in words, or None."""
    if location.kind != "sqlite" or location.path is None or not location.path.exists():
        return None
    found = sqlite_file.inspect_file(location.path)
    if found.problem:
        return found.problem
    if not found.is_ittdesk:
        return None
    try:
        conn = sqlite_file.readonly_connection(location.path)
    except sqlite3.DatabaseError as exc:
        return f"{location.path.name} is damaged: {plain_message(exc)}"
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return f"{location.path.name} is damaged: {plain_message(exc)}"
    finally:
        conn.close()
    if rows != ["ok"]:
        return (f"{location.path.name} failed its integrity check ({'; '.join(rows[:3])}). "
                "It may have been damaged by a crash or a copy that did not finish.")
    return None


_running = [False]  # run() is in its event loop


def can_check_later(location: Location) -> bool:
    """Whether the full integrity check may run after the window shows (read-only, cheap).

    Only for one of our SQLite files that needs no write to open: at the latest schema (no
    migration), already in WAL mode (no journal-mode change), with no WAL content to recover or
    checkpoint, and as long as its header says (not a copy cut short). Anything else is
    checked in full first, as before."""
    path = location.path
    if location.kind != "sqlite" or path is None or not path.exists():
        return False
    # stat and SQLite only, never open(): this also runs while the app has the file open (File >
    # Open of the same database), and closing a descriptor of it would drop the process's locks.
    try:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return False
        size = path.stat().st_size
    except OSError:
        return False
    found = sqlite_file.inspect_file(path)
    if found.problem or not found.is_ittdesk or found.schema_version != sqlite_file.LATEST_SCHEMA:
        return False
    if found.journal_mode != "wal":
        return False
    return bool(found.page_size and found.page_count
                and size >= found.page_size * found.page_count)


def check_in_background(window, location: Location) -> None:
    """The full integrity check, on a worker, for a database opened with writes held.

    Passed: writes are allowed and the day's automatic backup is taken (in the background).
    Failed: the window is hidden, the database closed untouched, and the problem dialog asks
    what to do (restore a backup, open another, or quit)."""
    from ittdesk import backup, db

    def backup_failed(exc: BaseException) -> None:
        window.show_notice(backup_failed_notice(exc), "Automatic backup")

    def done(message: str | None) -> None:
        if getattr(window, "location", location) != location:
            return  # another database was opened meanwhile (with its own full check)
        if message is None:
            db.release_writes()
            # its presence could not be written while writes were held: now, not a minute later
            window.presence_status.heartbeat()
            run_task(window, backup.daily_backup_if_due, location, on_error=backup_failed)
        else:
            problem_after_start(window, location, message)

    def failed(exc: BaseException) -> None:
        done(f"{location.display} could not be checked: {plain_message(exc)}")

    run_task(window, integrity_problem, location, on_done=done, on_error=failed)


def check_after_first_page(window, location: Location) -> None:
    """``check_in_background`` once the window's first page (Home) has what it first shows, at
    most a few seconds after the start (``StartUp.after_first_page``): the check reads the
    whole file, ~1 s of a core at the large scale, and Home's reads shared the machine with it.
    Writes stay held meanwhile, as while the check runs."""
    window.startup.after_first_page(lambda: check_in_background(window, location))


BACK_UP_BY_HAND = "use File > Back up to take one now"

# What opening a database had to say that stops nothing (the day's automatic backup failed, an
# ``IttDeskWarning``): kept until the window that shows the database can say it.
_open_notices: list[str] = []


def backup_failed_notice(exc: BaseException) -> str:
    """The day's backup failed (on the worker after the check): the core's words, GUI's way."""
    from ittdesk.backup import daily_backup_failed

    text = daily_backup_failed(exc, BACK_UP_BY_HAND)
    return text[:1].upper() + text[1:]


def _open(target: str | None, **kwargs) -> Location:
    """``db.open_database``, keeping its ``IttDeskWarning``s for the window (``show_open_notices``)
    instead of letting Python print them on stderr, where nobody running the app looks."""
    from ittdesk import db

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IttDeskWarning)
        location = db.open_database(target, **kwargs)
    for found in caught:
        if issubclass(found.category, IttDeskWarning):
            cause = getattr(found.message, "__cause__", None)
            text = str(found.message)
            _open_notices.append(backup_failed_notice(cause) if cause is not None
                                 else text[:1].upper() + text[1:])
        else:
            warnings.warn_explicit(found.message, found.category, found.filename, found.lineno)
    return location


def show_open_notices(window) -> None:
    """Say in the main window what opening its database warned about (then forget it)."""
    while _open_notices:
        window.show_notice(_open_notices.pop(0), "Automatic backup")


def problem_after_start(window, location: Location, message: str) -> None:
    """The background check failed: close the database and ask, as at start-up."""
    from ittdesk import db

    window.hide()
    window.remote_changes.stop()
    db.close_database()
    opened = open_database_interactively(location.url, None, problem=message)
    if opened is None:
        window.close()
        if _running[0]:  # run()'s event loop: the user chose to quit
            QApplication.exit(1)
        return
    window.adopt_database(opened)
    window.show()


def ask_about_problem(location: Location | None, message: str, parent: QWidget | None, *,
                      back_to: str | None = None) -> int:
    """Show the problem dialog; returns RESTORE, OPEN_OTHER or QUIT (for a switch, ``back_to``:
    back to the database still open). Tests replace this."""
    from .dialogs.database_problem import DatabaseProblemDialog

    dialog = DatabaseProblemDialog(location, message, parent, back_to=back_to)
    dialog.exec()
    return dialog.choice


def open_database_interactively(target: str | None, parent: QWidget | None = None, *,
                                check_later: bool = False, problem: str | None = None,
                                back_to: str | None = None) -> Location | None:
    """Open ``target``; on a problem ask what to do until it opens or the user gives up.

    ``check_later``: when ``can_check_later`` allows, skip the full integrity check and open with
    writes held; the caller then runs ``check_in_background``. ``problem``: already known (the
    background check failed), asked about first. ``back_to``: the database being switched
    from, which giving up goes back to (the dialog's last button names it)."""
    from .dialogs import database_problem as problem_dialog

    while True:
        location: Location | None
        try:
            resolved = resolve(target)
        except DatabaseOpenError as exc:
            location, message = None, str(exc)
        else:
            location = resolved
            if problem is not None:
                message, problem = problem, None
            elif check_later and can_check_later(resolved):
                try:
                    return _open(target, hold_writes=True)
                except DatabaseOpenError as exc:
                    message = str(exc)
            else:
                found = integrity_problem(resolved)
                if found is not None:
                    message = found
                else:
                    try:
                        return _open(target)
                    except DatabaseOpenError as exc:
                        message = str(exc)
        choice = ask_about_problem(location, message, parent, back_to=back_to)
        if choice == problem_dialog.RESTORE and location is not None:
            source = problem_dialog.choose_backup(parent)
            if source:
                problem_dialog.restore_into(parent, location, source)
        elif choice == problem_dialog.OPEN_OTHER:
            other = problem_dialog.choose_database(parent)
            if other:
                target = other
        else:
            return None


def remember(location: Location) -> None:
    """Add to File > Open recent; a server address is kept without its password."""
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


def start_window(db_url_or_path: str | None = None):
    """The main window, shown, on the database; None when the user gave up opening one.

    A file ``can_check_later`` accepts (the usual case) needs nothing from the user, so the
    window shows first and the database is opened straight after the window's first paint
    (``open_after_first_paint``): peewee, the models and the connection wait until the user
    sees the window. Anything else is opened first, asking about problems, as before."""
    try:
        location = resolve(db_url_or_path)
    except DatabaseOpenError:
        location = None
    from .main_window import MainWindow

    if location is not None and can_check_later(location):
        window = MainWindow(location, opener=open_after_first_paint)
        window.show()
        return window
    location = open_database_interactively(db_url_or_path, check_later=True)
    if location is None:
        return None
    remember(location)
    window = MainWindow(location)
    window.show()
    show_open_notices(window)
    from ittdesk import db

    if db.writes_held():
        check_after_first_page(window, location)
    return window


def open_after_first_paint(window) -> bool:
    """Open the window's ``location`` (shown, not opened yet) with writes held and its full
    check in the background. False when it failed: the window is hidden and the problem dialog
    asks what to do, as when the background check fails."""
    from ittdesk import db

    location = window.location
    try:
        opened = db.open_database(location.url, hold_writes=True)
    except DatabaseOpenError as exc:
        problem_after_start(window, location, str(exc))
        return False
    remember(opened)
    check_after_first_page(window, opened)
    return True


def run(db_url_or_path: str | None = None) -> int:
    """Open the database, show the main window, run until it closes. Returns the exit code."""
    app = application()
    files.start_up()  # stale temporaries removed (a no-op when main.py already ran it)
    if smoke.asked():  # the packaged app's smoke test (.ci/smoke-app): quit once Home is filled
        smoke.quit_after_first_page(app)
    if start_window(db_url_or_path) is None:
        return 1
    _running[0] = True
    try:
        return app.exec()
    finally:
        _running[0] = False
        from ittdesk import db

        db.close_database()
