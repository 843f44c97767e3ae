"""One policy for Python's cyclic garbage collector, which has two owners.

- Bulk work (an import's plan and apply) pauses collection: a 50,000-row sheet keeps millions
  of cells alive, and every collection its allocations trigger walks them all.
- The app switches automatic collection off and collects on the GUI thread from a timer
  (ui/collector.py), so a worker never destroys a Qt object left in a cycle.

They used to disagree: an import on a worker turned automatic collection off, but the GUI
thread's timer went on calling ``gc.collect()`` again and again during one large import, each
call freezing the window (BENCHMARKS.md, "Figures behind the code's comments"). Here both ask one place: :func:`paused` is counted by depth (nested and
concurrent pauses compose; collection resumes when the last one ends), the GUI collector asks
:func:`is_paused` before collecting, and whether automatic collection should be on once nothing
is paused is declared with :func:`set_automatic` rather than by calling ``gc.enable()`` /
``gc.disable()`` behind a pause's back.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_automatic = True  # whether automatic collection is on once no pause is open


def is_paused() -> bool:
    """True while any :func:`paused` block runs, on any thread: nobody should collect."""
    return _depth > 0


def set_automatic(enabled: bool) -> None:
    """Declare whether CPython's automatic collection is on when nothing is paused (the GUI
    collector turns it off for the app's life). Applied now, or when the last pause ends."""
    global _automatic
    with _lock:
        _automatic = enabled
        if _depth == 0:
            (gc.enable if enabled else gc.disable)()


@contextmanager
def paused() -> Iterator[None]:
    """No cycle collection while the block runs — neither CPython's automatic one nor the GUI
    collector's. Reference counting still frees memory meanwhile. When the last pause ends,
    what the blocks allocated is counted as old (see below) and automatic collection is put
    back as declared (as it was found, unless :func:`set_automatic` said otherwise since)."""
    global _depth, _automatic
    with _lock:
        if _depth == 0:
            _automatic = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                # Everything allocated meanwhile is still in the youngest generation, so the
                # next young collection would walk all of it (a long pause after a GIAS plan). Moved
                # to the oldest generation instead (freeze, then unfreeze: no object is freed
                # or finalised), it is walked only by the next full collection, like any
                # long-lived data; cyclic garbage among it is still found then.
                gc.freeze()
                gc.unfreeze()
                if _automatic:
                    gc.enable()
