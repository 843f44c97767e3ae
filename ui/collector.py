"""Python's cyclic garbage collector, run on the GUI thread only.

CPython collects reference cycles on whichever thread happens to cross an allocation
threshold, which in this app is usually a ``ui.tasks`` worker doing bulk work. When the
garbage includes a Qt object (a closed dialog kept in a cycle by a connected lambda, say),
that thread destroys an object the GUI thread owns, and the app can crash at random — seen as
a segfault in the test suite while two workers ran the retention review. The long-standing
workaround (Kovid Goyal on the PyQt list, 2011; packaged as ``qtpygc``) is to switch
automatic collection off and collect from a timer on the GUI thread, by the same thresholds.
Reference counting still frees everything not in a cycle at once, on any thread.

While bulk work has paused collection (``ittdesk.gcpolicy.paused``, e.g. an import on a
worker), the timer collects nothing: the pause exists because a collection then would walk
millions of live cells — on the GUI thread, that froze the window for seconds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from ittdesk import gcpolicy

#: how often the GUI thread looks at the collector's counts (a check costs microseconds)
INTERVAL_MS = 250


def collect_if_due(thresholds: tuple[int, int, int] | None = None) -> int:
    """Collect the generations whose counts have passed their thresholds, as CPython itself
    would; returns the number of unreachable objects found. Call on the GUI thread. Nothing
    is collected while bulk work has paused collection (ittdesk.gcpolicy)."""
    if gcpolicy.is_paused():
        return 0
    t0, t1, t2 = thresholds or gc.get_threshold()
    count0, count1, count2 = gc.get_count()
    if count0 <= t0:
        return 0
    found = gc.collect(0)
    if count1 > t1:
        found += gc.collect(1)
        if count2 > t2:
            found += gc.collect(2)
    return found


class GuiThreadCollector(QObject):
    """Owns the switch: automatic collection off while it lives, a timer collecting instead."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gcpolicy.set_automatic(False)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        collect_if_due(self.thresholds)


def install(app: QObject) -> GuiThreadCollector:
    """The application's collector, created once (a child of ``app``)."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
