"""Other users' and processes' changes, announced in this window as if made here.

``ittdesk.changes.Watcher`` listens on a worker thread (PostgreSQL's LISTEN, SQLite's
``data_version``) and hands over batches of the records others changed. The worker never calls
Qt: it puts a batch on a queue and writes a byte to a socket pair, whose ``QSocketNotifier``
wakes the GUI thread at once (as ``ui.tasks`` does). There the batches that arrived together are
announced once on the window's ``Changes``: ``changes_announced`` with their kinds (the lists,
Home and the counts under the window refresh as for a change made here; everything after a
reconnect or a restore), then ``changed_elsewhere`` with the records (an open editor of one of
them says so). This process's own writes are not heard back (``ittdesk.changes``).

Started once a database is open, stopped before it closes (quit, another database, a restore):
``stop`` waits for the thread and closes its connection.
"""

from __future__ import annotations

import contextlib
import queue
import socket
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier
from shiboken6 import Shiboken

from .operations import EVERYTHING, Changes

if TYPE_CHECKING:
    from ittdesk.changes import Batch, Watcher


class RemoteChanges(QObject):
    """The window's watcher of others' changes (``start`` / ``stop``)."""

    def __init__(self, parent: QObject, changes: Changes) -> None:
        super().__init__(parent)
        self.changes = changes
        self.watcher: Watcher | None = None
        self.inbox: queue.SimpleQueue[Batch] = queue.SimpleQueue()
        self.receive: socket.socket | None = None
        self.send: socket.socket | None = None
        self.notifier: QSocketNotifier | None = None
        #: batches announced so far (tests and the bench wait on it)
        self.delivered = 0

    def start(self) -> None:
        """A database is open: watch it (its connection is made on the worker)."""
        from ittdesk import changes
        from ittdesk.models import database

        self.stop()
        db = database.obj
        if db is None:
            return
        if self.notifier is None:
            self.receive, self.send = socket.socketpair()
            for end in (self.receive, self.send):
                end.setblocking(False)
            self.notifier = QSocketNotifier(self.receive.fileno(), QSocketNotifier.Type.Read, self)
            self.notifier.activated.connect(self.drain)
        send = self.send
        inbox = self.inbox

        def post(batch: Batch) -> None:  # the watcher's thread: no Qt here
            inbox.put(batch)
            with contextlib.suppress(OSError):  # full (the GUI will drain) or closed
                if send is not None:
                    send.send(b"\0")

        self.watcher = changes.Watcher(lambda: changes.source_for(db), post)
        self.watcher.start()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Whether the watcher is listening (tests: a change made from now on is heard)."""
        return self.watcher is not None and self.watcher.wait_ready(timeout)

    def stop(self) -> None:
        """The database is about to close: the thread ends and its connection is closed; what
        it had found and not yet announced is dropped (the next database is read afresh)."""
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.stop()
        self._take()

    def close(self) -> None:
        """The window closes: stopped, and the socket pair closed."""
        self.stop()
        if self.notifier is not None and Shiboken.isValid(self.notifier):
            self.notifier.setEnabled(False)
        for end in (self.receive, self.send):
            if end is not None:
                end.close()
        self.receive = self.send = None
        self.notifier = None

    def _take(self) -> list[Batch]:
        if self.receive is not None:
            with contextlib.suppress(OSError):
                while self.receive.recv(4096):
                    pass
        batches = []
        while True:
            try:
                batches.append(self.inbox.get_nowait())
            except queue.Empty:
                return batches

    def drain(self, *_args: Any) -> None:
        """On the GUI thread: what arrived, announced once."""
        from ittdesk.changes import merged

        batches = self._take()
        if not batches or self.watcher is None:
            return
        batch = merged(batches)
        if not batch or not Shiboken.isValid(self.changes):
            return
        self.delivered += 1
        self.changes.announce({EVERYTHING} if batch.everything else batch.kinds)
        self.changes.changed_elsewhere.emit(batch)
