"""An editor's save, off the GUI thread: it may have to wait for another program's write.

SQLite lets one connection write at a time. While another program holds the write lock (a
long import, an ``ittdesk`` command, the app open a second time) a save waits (busy timeout);
on the GUI thread that froze the window for ten seconds and then lost the edit behind a
traceback on stderr. So:

- ``write_when_free`` (on a worker) calls the editor's ``write``; while the database is locked
  it tries again, up to ``SAVE_WAIT_SECONDS`` (each try rolls back whole, so trying again is
  safe). Any other database failure (disk full, I/O error, server gone) becomes one plain
  sentence (``SaveFailed``), never a traceback.
- ``write_waiting`` (on the GUI thread) runs it with ``ui.tasks.run_task`` and waits in a local
  event loop, as a modal dialog does: the window keeps painting and answering, the editor says
  what it waits for after ``WAITING_SHOWN_AFTER_MS``, and the caller gets the outcome back as a
  plain return value (``EntityEditor.save`` still answers True/False).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from shiboken6 import Shiboken

from ittdesk.errors import IttDeskError, plain_message

#: How long a save keeps trying while another program holds the write lock.
SAVE_WAIT_SECONDS = 120.0
#: A save still under way after this long says what it is waiting for.
WAITING_SHOWN_AFTER_MS = 300

WAITING_TEXT = ("Saving… waiting for the database: another program (an import, an ittdesk "
                "command, or ITT Desk open elsewhere) is writing to it. Your changes stay here "
                "until they are saved.")
WAITING_FOR_CHECK_TEXT = ("Saving… waiting for the check ITT Desk makes of the database when it "
                          "opens it (writing waits until it has passed). Your changes stay here "
                          "until they are saved.")


def waiting_text() -> str:
    """What a save still under way is waiting for, in the user's words."""
    from ittdesk import db

    return WAITING_FOR_CHECK_TEXT if db.writes_held() else WAITING_TEXT


class SaveFailed(IttDeskError):
    """The database could not take the save (locked too long, disk full, server gone)."""


def is_held(exc: BaseException) -> bool:
    """SQLite refused the write because writes are held while the database is checked
    (``db.open_database(hold_writes=True)``: this connection is ``query_only``): the save
    waits for the check, as for a lock. (Another read-only cause, such as a file the user may
    not write, has no ``query_only`` and fails at once as before.)"""
    from ittdesk import db
    from ittdesk.models import database

    if "readonly database" not in str(exc).lower():
        return False
    if db.writes_held():
        return True
    try:
        return bool(database.execute_sql("PRAGMA query_only").fetchone()[0])
    except Exception:  # noqa: BLE001 - no connection to ask: not held
        return False


def _write_again_if_released() -> None:
    """This worker's connection was opened while writes were held (``query_only``); once the
    check has passed (``db.release_writes``), it may write too."""
    from ittdesk import db
    from ittdesk.models import database

    if not db.writes_held():
        database.execute_sql("PRAGMA query_only = 0")


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" (busy): another connection holds the write lock, or
    committed after this transaction began reading."""
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


def _is_database_error(exc: BaseException) -> bool:
    import peewee

    return isinstance(exc, (peewee.PeeweeException, sqlite3.Error, OSError))


def write_when_free(write: Callable[[Any], Any], data: Any,
                    cancel: threading.Event | None = None) -> Any:
    """``write(data)``, tried again while the database is locked (worker thread: no Qt)."""
    deadline = time.monotonic() + SAVE_WAIT_SECONDS
    while True:
        try:
            return write(data)
        except IttDeskError:
            raise
        except Exception as exc:
            if not _is_database_error(exc):
                raise  # a bug: run_task reports it (with its traceback on stderr)
            if ((is_locked(exc) or is_held(exc)) and time.monotonic() < deadline
                    and not (cancel is not None and cancel.is_set())):
                time.sleep(0.05)
                _write_again_if_released()
                continue
            raise SaveFailed(f"Not saved: {plain_message(exc)} Your changes are still here: "
                             "press Save to try again.") from exc


def write_waiting(editor, write: Callable[[Any], Any], data: Any
                  ) -> tuple[Any, BaseException | None]:
    """Run ``write_when_free(write, data)`` on a worker; return ``(result, error)``.

    ``editor`` shows the wait (``show_waiting()``) once it lasts; it must not close meanwhile
    (``EntityEditor.reject`` ignores Esc and the close button while a save is under way)."""
    from ..tasks import run_task

    outcome: list[tuple[Any, BaseException | None]] = []
    loop = QEventLoop()

    def finish(result: Any, error: BaseException | None) -> None:
        outcome.append((result, error))
        loop.quit()

    waiting = QTimer(editor)
    waiting.setSingleShot(True)
    waiting.timeout.connect(editor.show_waiting)
    waiting.start(WAITING_SHOWN_AFTER_MS)
    editor.destroyed.connect(loop.quit)
    try:
        run_task(editor, write_when_free, write, data,
                 on_done=lambda result: finish(result, None),
                 on_error=lambda error: finish(None, error))
        if not outcome:  # synchronous tasks (tests) have delivered already
            loop.exec()
    finally:
        if Shiboken.isValid(waiting):
            waiting.stop()
            waiting.deleteLater()
        if Shiboken.isValid(editor):
            editor.destroyed.disconnect(loop.quit)
    if not outcome:
        return None, SaveFailed("Not saved: the editor was closed before the database answered.")
    return outcome[0]
