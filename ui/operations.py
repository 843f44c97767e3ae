"""Reads and writes of records as background operations, and the one change signal.

Anki's ``QueryOp`` / ``CollectionOp``, done our way over ``ui.tasks.run_task``::

    from ui import operations

    operations.read(self, school_summary, school_id, on_done=self.show)
    operations.write(self, schools.update, school_id, data, changes={"school"},
                     on_done=self.saved, on_error=self.refused)

Both run the core function on a worker with its own connection (``run_task``: progress, cancel,
synchronous in tests). A write, once its function has returned, announces ONCE which kinds of
record it changed, on the main window's ``Changes`` notifier (``changes_announced``), and then
calls ``on_done``; it announces even when the widget that asked has gone or its task was
cancelled after the write finished, because the records changed whoever asked.

Kinds are the services' entity names (``"school"``, ``"person"``, ``"role"``, ``"placement"``,
``"agreement"`` for an agreement and its parts, ``"event_attendance"``, ``"round_school"``...),
or ``EVERYTHING`` (``"*"``: the demo, an import, a restore). A page declares the kinds it shows
(``ui.views.base.Page.shows``) and the window refreshes only the pages a change touches.

Waiting for another program's write (an editor's save, a dialog's change). SQLite lets one
connection write at a time. While another program holds the write lock (a long import, an
``ittdesk`` command, the app open a second time) a write waits (busy timeout); on the GUI thread
that froze the window for ten seconds and then lost the edit behind a traceback on stderr. So:

- ``write_when_free`` (on a worker) calls the write; while the database is locked it tries
  again, up to ``SAVE_WAIT_SECONDS`` (each try rolls back whole, so trying again is safe). Any
  other database failure (disk full, I/O error, server gone) becomes one plain sentence
  (``SaveFailed``), never a traceback.
- ``write_and_wait`` (on the GUI thread) runs it as a ``write`` and waits in a local event
  loop, as a modal dialog does: the window keeps painting and answering, the editor says what
  it waits for after ``WAITING_SHOWN_AFTER_MS``, and the caller gets the outcome back as a
  plain return value (``EntityEditor.save`` still answers True/False).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import Shiboken

from ittdesk.errors import IttDeskError, is_connection_lost, plain_message

from .tasks import TaskHandle, run_task

#: Any kind of record (the demo, an import, a restore, collected forms).
EVERYTHING = "*"

Kinds = Iterable[str] | Callable[[Any], Iterable[str]]


class Changes(QObject):
    """The main window's one change signal: after a write, which kinds of record changed."""

    #: a frozenset[str] of kinds, ``EVERYTHING`` among them when anything may have changed
    changes_announced = Signal(object)
    #: an ``ittdesk.changes.Batch``: which records another user or process changed (after
    #: ``changes_announced`` said their kinds), for an open editor to say its record changed
    changed_elsewhere = Signal(object)

    def announce(self, kinds: Iterable[str]) -> None:
        """Say once that records of ``kinds`` changed (nothing said for no kinds)."""
        announced = frozenset(kinds)
        if announced:
            self.changes_announced.emit(announced)


def affects(shows: Iterable[str], changed: Iterable[str]) -> bool:
    """Whether a change of ``changed`` touches something that shows ``shows``."""
    shows, changed = frozenset(shows), frozenset(changed)
    return bool(EVERYTHING in changed or EVERYTHING in shows or shows & changed)


def changes_of(obj: Any) -> Changes | None:
    """The ``Changes`` of the main window ``obj`` belongs to (a page, an editor, a dialog), or
    None (a dialog on its own, as in some tests): found through ``main_window`` attributes and
    Qt parents."""
    seen = 0
    while obj is not None and seen < 50:
        seen += 1
        if isinstance(obj, QObject) and not Shiboken.isValid(obj):
            return None
        found = getattr(obj, "changes", None)
        if isinstance(found, Changes):
            return found
        following = getattr(obj, "main_window", None)
        if following is None or following is obj:
            following = obj.parent() if isinstance(obj, QObject) else None
        obj = following
    return None


def announce(obj: Any, kinds: Iterable[str]) -> None:
    """Announce ``kinds`` on ``obj``'s main window (for a write that did not go through
    ``write``: one made in a dialog's own task that reports its outcome itself)."""
    notifier = changes_of(obj)
    if notifier is not None:
        notifier.announce(kinds)


def read(parent: QObject | None, fn: Callable, *args: Any,
         on_done: Callable[[Any], None] | None = None,
         on_error: Callable[[BaseException], None] | None = None,
         on_cancelled: Callable[[], None] | None = None,
         on_progress: Callable[[int, int | None, str], None] | None = None,
         progress_title: str | None = None, **kwargs: Any) -> TaskHandle:
    """``fn(*args, **kwargs)`` on a worker, its result to ``on_done``; nothing is announced."""
    return run_task(parent, fn, *args, on_done=on_done, on_error=on_error,
                    on_cancelled=on_cancelled, on_progress=on_progress,
                    progress_title=progress_title, **kwargs)


def write(parent: QObject | None, fn: Callable, *args: Any, changes: Kinds,
          on_done: Callable[[Any], None] | None = None,
          on_error: Callable[[BaseException], None] | None = None,
          on_cancelled: Callable[[], None] | None = None,
          on_progress: Callable[[int, int | None, str], None] | None = None,
          progress_title: str | None = None, **kwargs: Any) -> TaskHandle:
    """``fn(*args, **kwargs)`` on a worker; once it has returned, ``changes`` (kinds, or a
    function of the result giving them) announced once on ``parent``'s main window, then
    ``on_done(result)``. A failure announces nothing (the write rolled back whole) and goes to
    ``on_error`` (default: one plain message)."""
    notifier = changes_of(parent)

    def written(result: Any) -> None:
        if notifier is not None and Shiboken.isValid(notifier):
            notifier.announce(changes(result) if callable(changes) else changes)

    return run_task(parent, _after_the_check(fn), *args, on_done=on_done, on_error=on_error,
                    on_cancelled=on_cancelled, on_progress=on_progress,
                    progress_title=progress_title, on_written=written, **kwargs)


def _after_the_check(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, begun on its worker only once writes are no longer held for the start-up check
    (``db.open_database(hold_writes=True)``, at most a few seconds after the window shows).

    Begun while held, its first write failed ("attempt to write a readonly database") and a
    Delete, Undo or status change in the window's first seconds was refused, silently when its
    widget had gone meanwhile. Waiting before ``fn`` starts repeats nothing it did. Same
    signature as ``fn`` (``run_task`` still hands it ``progress``/``cancel``)."""

    @functools.wraps(fn)
    def begun_when_writable(*args: Any, **kwargs: Any) -> Any:
        _wait_while_held()
        return fn(*args, **kwargs)

    return begun_when_writable


def _wait_while_held() -> None:
    """On a worker: wait (up to ``SAVE_WAIT_SECONDS``) while writes are held, then let this
    worker's connection, opened meanwhile as ``query_only``, write. Never on the GUI thread,
    which is what releases them (tests' synchronous tasks)."""
    from ittdesk import db

    if not db.writes_held() or threading.current_thread() is threading.main_thread():
        return
    deadline = time.monotonic() + SAVE_WAIT_SECONDS
    while db.writes_held() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not db.writes_held():
        _write_again_if_released()


# -- waiting for another program's write --------------------------------------------------------

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


#: What an editor says when its save met a server it cannot reach (beside a Retry button).
UNREACHABLE_TEXT = "The database server cannot be reached; your changes are kept — Retry"


class ServerUnreachable(SaveFailed):
    """The PostgreSQL server could not be reached (restarting, network down): nothing was
    written, the editor stays open with what was typed, and Retry saves once the server is
    back (the pool replaces the dropped connections on checkout: ``ittdesk.drivers``)."""

    def __init__(self) -> None:
        super().__init__(UNREACHABLE_TEXT)


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


def write_when_free(fn: Callable[..., Any], *args: Any,
                    cancel: threading.Event | None = None) -> Any:
    """``fn(*args)``, tried again while the database is locked (worker thread: no Qt)."""
    deadline = time.monotonic() + SAVE_WAIT_SECONDS
    while True:
        try:
            return fn(*args)
        except IttDeskError:
            raise
        except Exception as exc:
            if not _is_database_error(exc):
                raise  # a bug: run_task reports it (with its traceback on stderr)
            if is_connection_lost(exc):
                raise ServerUnreachable() from exc
            if ((is_locked(exc) or is_held(exc)) and time.monotonic() < deadline
                    and not (cancel is not None and cancel.is_set())):
                time.sleep(0.05)
                _write_again_if_released()
                continue
            raise SaveFailed(f"Not saved: {plain_message(exc)} Your changes are still here: "
                             "press Save to try again.") from exc


class _InputHeld(QObject):
    """While a write is waited for, the asking window takes no clicks, keys or shortcuts, as
    under a modal dialog: a second press of Save, Start round or Mark sent would otherwise
    write twice. It keeps painting; after ``WAITING_SHOWN_AFTER_MS`` the cursor says it is busy."""

    HELD = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                      QEvent.Type.MouseButtonDblClick, QEvent.Type.KeyPress,
                      QEvent.Type.KeyRelease, QEvent.Type.Shortcut,
                      QEvent.Type.ShortcutOverride, QEvent.Type.Wheel})

    def __init__(self, parent: QObject) -> None:
        super().__init__()
        self.window = parent.window() if isinstance(parent, QWidget) else None
        self.busy_cursor = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() not in self.HELD or self.window is None:
            return False
        if event.type() in (QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride):
            return True  # an action's shortcut may belong to any window: none runs meanwhile
        return isinstance(obj, QWidget) and Shiboken.isValid(self.window) and \
            obj.window() is self.window

    def show_busy(self) -> None:
        if not self.busy_cursor:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            self.busy_cursor = True

    def release(self) -> None:
        if self.busy_cursor:
            QGuiApplication.restoreOverrideCursor()
            self.busy_cursor = False


def write_and_wait(parent: QObject, fn: Callable[..., Any], *args: Any, changes: Kinds
                   ) -> tuple[Any, BaseException | None]:
    """``fn(*args)`` as a ``write`` announcing ``changes``, tried again while another program
    writes (``write_when_free``), waited for here; ``(result, error)``.

    ``parent`` (an editor or a dialog) shows the wait (its ``show_waiting()``, if it has one)
    once it lasts, and stops at the end (``waiting_over()``); it must not close meanwhile
    (``EntityEditor.reject`` ignores Esc and the close button while a save is under way)."""
    outcome: list[tuple[Any, BaseException | None]] = []
    loop = QEventLoop()

    def finish(result: Any, error: BaseException | None) -> None:
        outcome.append((result, error))
        loop.quit()

    waiting = QTimer(parent)
    waiting.setSingleShot(True)
    if hasattr(parent, "show_waiting"):
        waiting.timeout.connect(parent.show_waiting)
    held = _InputHeld(parent)
    waiting.timeout.connect(held.show_busy)
    waiting.start(WAITING_SHOWN_AFTER_MS)
    parent.destroyed.connect(loop.quit)
    app = QApplication.instance()
    if app is not None:
        app.installEventFilter(held)
    try:
        write(parent, write_when_free, fn, *args, changes=changes,
              on_done=lambda result: finish(result, None),
              on_error=lambda error: finish(None, error))
        if not outcome:  # synchronous tasks (tests) have delivered already
            loop.exec()
    finally:
        if app is not None:
            app.removeEventFilter(held)
        held.release()
        if Shiboken.isValid(waiting):
            waiting.stop()
            waiting.deleteLater()
        if Shiboken.isValid(parent):
            parent.destroyed.disconnect(loop.quit)
            if hasattr(parent, "waiting_over"):
                parent.waiting_over()  # an editor that stays open must not go on saying it waits
    if not outcome:
        return None, SaveFailed("Not saved: the editor was closed before the database answered.")
    result, error = outcome[0]
    if error is not None and not isinstance(error, IttDeskError) and is_connection_lost(error):
        # the task's own connection could not be had (the server is down): the same words
        unreachable = ServerUnreachable()
        unreachable.__cause__ = error
        return None, unreachable
    return result, error
