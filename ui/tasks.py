"""The one background-task helper: run a core function off the GUI thread, get the answer back on it.

Anything that may take longer than ~50 ms (import, export, printing, a big query, a backup) goes
through ``run_task``. The pattern is Picard's ``run_task`` and Anki's operations::

    from ui.tasks import run_task

    def done(result):            # called on the GUI thread
        self.show(result)

    handle = run_task(self, core_function, arg1, arg2,
                      on_done=done,                 # result of core_function(...)
                      on_error=None,                # default: a message box (IttDeskError = one line)
                      progress_title="Importing schools…")   # None: no progress dialog
    handle.cancel()                                 # discard the result; the function may stop early

Contract for the core function (it never imports Qt):

- It runs on a worker thread with its own database connection (opened and closed here with
  ``database.connection_context()``: on PostgreSQL checked out of the pool and back in, see
  ``ittdesk.drivers``), so it must not touch widgets or model instances that belong
  to the GUI thread. Pass ids and plain values in, get plain values out.
- If it has a parameter named ``progress`` it is given ``progress(done, total=None, message="")``.
- If it has a parameter named ``cancel`` it is given a ``threading.Event``; it should check
  ``cancel.is_set()`` between steps and stop (returning anything, or raising) when set. Writes
  must be atomic (one ``database.atomic()``) so stopping early leaves nothing half done.
- After ``cancel()`` neither ``on_done`` nor ``on_error`` is called; ``on_cancelled`` is.

Tests run tasks synchronously (as Picard's test case does with a fake thread pool)::

    from ui import tasks
    tasks.set_synchronous(True)      # or: with tasks.synchronous(): ...

Then ``run_task`` calls the function at once on the calling thread, reusing its connection, and
delivers the result before returning.
"""

from __future__ import annotations

import contextlib
import inspect
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from PySide6.QtCore import QObject, QSocketNotifier, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget
from shiboken6 import Shiboken

from ittdesk.errors import IttDeskError, plain_message

if TYPE_CHECKING:
    import socket

_synchronous = [False]
_running: set[TaskHandle] = set()
T = TypeVar("T")


def set_synchronous(value: bool) -> None:
    """Run every task at once on the calling thread (for tests)."""
    _synchronous[0] = bool(value)


def is_synchronous() -> bool:
    return _synchronous[0]


@contextlib.contextmanager
def synchronous(value: bool = True) -> Iterator[None]:
    old = _synchronous[0]
    _synchronous[0] = value
    try:
        yield
    finally:
        _synchronous[0] = old


def running_tasks() -> int:
    """How many tasks have not delivered yet, plus background work held (tests wait for 0)."""
    return len(_running) + len(_held)


_held: set[int] = set()


def hold(token: object) -> None:
    """Count background work done in steps on the GUI thread (the main window's warm-up after
    start-up) as a running task until ``release(token)``, so "no task running" still means the
    app has nothing left to do."""
    _held.add(id(token))


def release(token: object) -> None:
    _held.discard(id(token))


class _Inbox:
    """Results and progress from workers, drained on the GUI thread by a timer.

    Worker threads never call into Qt (no signal emission from a worker): a worker that emits
    while the GUI thread disconnects a signal can deadlock PySide (the worker holds Qt's
    connection mutex and waits for the GIL; the GUI thread holds the GIL and waits for the
    mutex), which we saw as a hang when a window was rebuilt while a list query finished.
    Workers only put plain tuples on a thread-safe queue.
    """

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.timer: QTimer | None = None
        # A worker also writes a byte to this socket pair (an OS call, not Qt), which wakes the
        # GUI thread's event loop at once through a QSocketNotifier, instead of the answer
        # waiting up to the timer's 10 ms (the timer stays, should the socket pair fail).
        self.wake_send: socket.socket | None = None
        self.wake_receive: socket.socket | None = None
        self.notifier: QSocketNotifier | None = None

    def post(self, item: tuple) -> None:  # any thread
        self.queue.put(item)
        sender = self.wake_send
        if sender is not None:
            try:
                sender.send(b"\0")
            except OSError:  # full (the GUI thread is busy and will drain anyway) or closed
                pass

    def start(self) -> None:  # GUI thread
        if self.timer is None:
            self.timer = QTimer()
            self.timer.setInterval(10)
            self.timer.timeout.connect(self.drain)
            import socket  # here: an import start-up need not pay before the first paint

            try:
                self.wake_receive, self.wake_send = socket.socketpair()
                for end in (self.wake_receive, self.wake_send):
                    end.setblocking(False)
                self.notifier = QSocketNotifier(self.wake_receive.fileno(),
                                                QSocketNotifier.Type.Read)
                self.notifier.activated.connect(self.drain)
            except OSError:
                self.wake_receive = self.wake_send = self.notifier = None
        if not self.timer.isActive():
            self.timer.start()

    def drain(self, *_args) -> None:  # GUI thread
        receiver = self.wake_receive
        if receiver is not None:
            try:
                while receiver.recv(4096):
                    pass
            except OSError:  # nothing left to read
                pass
        while True:
            try:
                kind, handle, *payload = self.queue.get_nowait()
            except queue.Empty:
                break
            if kind == "progress":
                handle._deliver_progress(*payload)
            elif kind == "call":
                handle.run()
            else:
                handle._deliver(*payload)
        if not _running and self.timer is not None:
            self.timer.stop()


_inbox = _Inbox()
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ittdesk-task")

#: how long a worker waits for the GUI thread to run a call for it before running it itself
GUI_CALL_WAIT_S = 10.0


class _GuiCall(Generic[T]):
    """A function a worker needs run on the GUI thread, run once by whichever side claims it
    first: the GUI thread when it drains the inbox, or the worker when the GUI thread does not
    answer in time (it may be quitting)."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.claim = threading.Lock()
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None

    def run(self) -> bool:
        """Run it here if nobody has; True when it ran here."""
        if not self.claim.acquire(blocking=False):
            return False
        try:
            self.result = self.fn()
        except BaseException as exc:  # raised again on the worker, which asked
            self.error = exc
        finally:
            self.done.set()
        return True


def on_gui_thread(fn: Callable[[], T]) -> T:
    """``fn()`` run on the GUI thread while this worker waits (without the GIL), for the few Qt
    objects a worker must not make itself (``ui.printing``: a document's layout connects a
    signal inside Qt, which can deadlock the GUI thread). On the GUI thread, or where none
    drains the inbox (the CLI, a script, synchronous tests), it is simply called here."""
    if threading.current_thread() is threading.main_thread() or _inbox.notifier is None:
        return fn()
    call = _GuiCall(fn)
    _inbox.post(("call", call))
    if not call.done.wait(GUI_CALL_WAIT_S):
        call.run()  # no answer (the GUI thread may be quitting): here, unless it has begun
    call.done.wait()
    if call.error is not None:
        raise call.error
    return cast(T, call.result)


def _work(handle: TaskHandle) -> None:  # worker thread: no Qt calls here
    result, error = None, None
    try:
        result = _call_with_own_connection(handle._call)
    except BaseException as exc:  # delivered to on_error on the GUI thread
        error = exc
        error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
    _inbox.post(("done", handle, result, error))


def _call_with_own_connection(call: Callable[[], Any]) -> Any:
    """Open this thread's own connection if it has none, and close it afterwards (PostgreSQL:
    taken from the pool and returned to it, no new login per task)."""
    from ittdesk.models import database  # peewee: not before the first paint

    db = database.obj
    if db is None or not db.is_closed():
        return call()
    with db.connection_context():
        return call()


class TaskHandle:
    """A running task: ``cancel()``, and afterwards ``finished``, ``result``, ``error``."""

    def __init__(self, parent: QObject | None, fn: Callable, args: tuple, kwargs: dict,
                 on_done: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None,
                 on_progress: Callable[[int, int | None, str], None] | None,
                 on_cancelled: Callable[[], None] | None,
                 on_written: Callable[[Any], None] | None = None):
        self.parent = parent
        self.fn = fn
        self.cancel_event = threading.Event()
        self.on_done = on_done
        self.on_error = on_error
        self.on_progress = on_progress
        self.on_cancelled = on_cancelled
        self.on_written = on_written
        self.finished = False
        self.cancelled = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.dialog: QProgressDialog | None = None
        wants = _parameters(fn)
        if "progress" in wants:
            kwargs = {**kwargs, "progress": self._report_progress}
        if "cancel" in wants:
            kwargs = {**kwargs, "cancel": self.cancel_event}
        self._call = lambda: fn(*args, **kwargs)

    # -- called from the worker ---------------------------------------------------------------
    def _report_progress(self, done: int, total: int | None = None, message: str = "") -> None:
        if _synchronous[0]:
            self._deliver_progress(int(done), total, message)
        else:
            _inbox.post(("progress", self, int(done), total, message))

    # -- GUI thread -----------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the function to stop and discard whatever it returns."""
        if self.finished or self.cancelled:
            return
        self.cancelled = True
        self.cancel_event.set()
        self._close_dialog()
        if self.on_cancelled and _alive(self.parent):
            self.on_cancelled()

    def _deliver_progress(self, done: int, total: object, message: str) -> None:
        if self.cancelled or not _alive(self.parent):
            return
        dialog = self.dialog
        if dialog is not None:
            if isinstance(total, int) and total > 0:
                dialog.setMaximum(total)
                # A modal QProgressDialog processes events in setValue: the result may be
                # delivered there, closing the dialog (self.dialog None) before the label is set.
                dialog.setValue(min(done, total))
            else:
                dialog.setMaximum(0)
            if message and self.dialog is dialog:
                dialog.setLabelText(message)
        if self.on_progress:
            self.on_progress(done, total if isinstance(total, int) else None, message)

    def _deliver(self, result: Any, error: BaseException | None) -> None:
        self.finished = True
        _running.discard(self)
        self._close_dialog()
        if error is None and self.on_written is not None:
            self.on_written(result)  # a write that finished happened, whoever still listens
        if self.cancelled or not _alive(self.parent):
            return
        self.result, self.error = result, error
        if error is not None:
            if not isinstance(error, IttDeskError):
                text = getattr(error, "__traceback_text__", None)
                print(text or "".join(traceback.format_exception(error)), file=sys.stderr)
            (self.on_error or (lambda exc: show_error(_widget(self.parent), exc)))(error)
        elif self.on_done:
            self.on_done(result)

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            if _alive(dialog):
                dialog.close()
                dialog.deleteLater()


def run_task(parent: QObject | None, fn: Callable, *args: Any,
             on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None,
             on_progress: Callable[[int, int | None, str], None] | None = None,
             on_cancelled: Callable[[], None] | None = None,
             progress_title: str | None = None,
             on_written: Callable[[Any], None] | None = None,
             **kwargs: Any) -> TaskHandle:
    """Run ``fn(*args, **kwargs)`` on the thread pool; deliver the outcome on the GUI thread.

    ``parent``: the widget the results are for; if it is deleted first nothing is delivered.
    ``progress_title``: show a modal progress dialog with Cancel (after 400 ms) while it runs.
    ``on_written``: called with the result once ``fn`` returned, even when ``parent`` has gone
    or the task was cancelled meanwhile (``ui.operations.write`` announces the change with it).
    """
    handle = TaskHandle(parent, fn, args, kwargs, on_done, on_error, on_progress, on_cancelled,
                        on_written)
    _running.add(handle)
    if progress_title and not _synchronous[0]:
        dialog = QProgressDialog(progress_title, "Cancel", 0, 0, _widget(parent))
        dialog.setWindowTitle(progress_title.rstrip("…. "))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(handle.cancel)
        handle.dialog = dialog
    if _synchronous[0]:
        result, error = None, None
        try:
            result = _call_with_own_connection(handle._call)
        except Exception as exc:
            error = exc
        handle._deliver(result, error)
    else:
        _inbox.start()
        _pool.submit(_work, handle)
    return handle


def show_error(parent: QWidget | None, exc: BaseException, title: str = "ITT Desk") -> None:
    """One clear message: the text of an IttDeskError, or ``plain_message``'s sentence for any
    other exception (what happened and that nothing changed: never an exception class name)."""
    if isinstance(exc, IttDeskError):
        QMessageBox.warning(parent, title, str(exc))
    else:
        QMessageBox.critical(parent, title, plain_message(exc))


def _parameters(fn: Callable) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


def _alive(obj: QObject | None) -> bool:
    return obj is None or Shiboken.isValid(obj)


def _widget(obj: QObject | None) -> QWidget | None:
    return obj if isinstance(obj, QWidget) and _alive(obj) else None
