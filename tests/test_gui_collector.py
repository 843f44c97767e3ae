"""Reference cycles are collected on the GUI thread only (ui.collector): a worker that
allocates a lot must never be the thread that destroys a Qt object left in a cycle."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from ui import collector


class _Cycle:
    """A cycle holding a Qt object; notes the thread that finally frees it."""

    freed_on: list[str] = []

    def __init__(self):
        self.me = self
        self.qt = QObject()

    def __del__(self):
        _Cycle.freed_on.append(threading.current_thread().name)


def test_a_cycle_holding_a_qt_object_is_freed_by_the_gui_thread_not_a_busy_worker(qapp, qtbot):
    was_enabled = gc.isenabled()
    gc.enable()
    installed = collector.GuiThreadCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        _Cycle.freed_on.clear()
        _Cycle()  # unreachable at once, but only the cycle collector can free it
        kept: list[dict] = []

        def busy():  # far past the first generation's threshold: CPython would collect here
            kept.extend({} for _ in range(20 * gc.get_threshold()[0]))

        worker = threading.Thread(target=busy, name="busy-worker")
        worker.start()
        worker.join()
        assert _Cycle.freed_on in ([], [threading.main_thread().name])
        qtbot.waitUntil(lambda: _Cycle.freed_on != [], timeout=5000)
        assert _Cycle.freed_on == [threading.main_thread().name]
        kept.clear()
    finally:
        installed.timer.stop()
        installed.deleteLater()
        if was_enabled:
            gc.enable()


def test_collect_if_due_collects_only_past_the_thresholds():
    gc.collect()
    _Cycle.freed_on.clear()
    _Cycle()
    huge = (10**9, 10**9, 10**9)
    assert collector.collect_if_due(huge) == 0 and _Cycle.freed_on == []
    assert collector.collect_if_due((0, 0, 0)) > 0
    assert _Cycle.freed_on == [threading.main_thread().name]


def test_the_application_installs_one_collector(qapp):
    from ui.app import application

    app = application()
    assert app.findChild(collector.GuiThreadCollector) is not None
    assert collector.install(app) is app.findChild(collector.GuiThreadCollector)
    assert not gc.isenabled()
