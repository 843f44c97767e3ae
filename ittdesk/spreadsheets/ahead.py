"""An iterator's items made in a thread, the next one while the caller uses this one.

Why: calamine parsing a slice of a large sheet is long work in C that lets go of the GIL,
beside an import's plan of each row in Python, which holds it. On a second core the one is
done while the other runs: the GIAS import's own thread ran ~3 s less (BENCHMARKS.md, "The
GIAS workbook's reading, cheaper"). Not for short C calls between Python steps: the
preflight's 1 MB chunks inflated ahead while the one before was scanned took 0.2 s off its
thread but no less wall time (the two threads waited on each other for the GIL).

What it promises: one item ahead at most (one more slice or chunk held); the items come in
order; an exception ends them where it was raised, as it would have without the thread; the
thread stops with :meth:`Ahead.close` (after the item it is making, if any). The first
``serial`` items are made only when asked (a sheet's first slice is its head's: the rows a
header is looked for in are often all that is wanted, and a second slice would be parsed for
nothing).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

_ITEM, _DONE, _FAILED = range(3)


class Ahead:
    """``items`` made in a thread named ``name``, one ahead of the caller after the first
    ``serial``. Call :meth:`close` when done (or stopping early), before closing what the
    items are read from."""

    def __init__(self, items: Iterator[Any], *, name: str, serial: int = 0) -> None:
        self.items = items
        self.serial = serial
        self._want = threading.Semaphore(0)  # items the thread may make
        self._ready: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        self._taken = 0
        self._asked = False  # the thread is already making the next item
        self._over = self._stop = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._want.acquire()
            if self._stop:
                return
            try:
                item = next(self.items)
            except StopIteration:
                self._ready.put((_DONE, None))
                return
            except BaseException as exc:  # handed to the caller, raised there
                self._ready.put((_FAILED, exc))
                return
            self._ready.put((_ITEM, item))
            del item  # the caller's alone once taken

    def __iter__(self) -> Ahead:
        return self

    def __next__(self) -> Any:
        if self._over:
            raise StopIteration
        if not self._asked:
            self._want.release()
        kind, value = self._ready.get()
        if kind != _ITEM:
            self._over = True
            if kind == _FAILED:
                raise value
            raise StopIteration
        self._taken += 1
        self._asked = self._taken > self.serial
        if self._asked:
            self._want.release()  # the next one is made while this one is used
        return value

    def close(self) -> None:
        """Stops the thread (after the item it is making, if any) and drops what it made."""
        self._stop = True
        self._want.release()
        self._thread.join()
        while not self._ready.empty():
            self._ready.get()
