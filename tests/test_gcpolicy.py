"""The cyclic collector's one policy (ittdesk.gcpolicy): an import's pause holds against the GUI
thread's collector too, pauses nest and overlap across threads, and automatic collection comes
back as declared."""

from __future__ import annotations

import gc
import threading

import pytest

from ittdesk import gcpolicy
from ui import collector


class _Cycle:
    """Garbage only the cycle collector can free; counts how many were freed."""

    freed = 0

    def __init__(self):
        self.me = self

    def __del__(self):
        _Cycle.freed += 1


@pytest.fixture
def automatic_restored():
    """Each test leaves automatic collection as the session had it (off, see conftest)."""
    was_enabled = gc.isenabled()
    yield
    assert not gcpolicy.is_paused()
    gcpolicy.set_automatic(was_enabled)


@pytest.fixture
def collections():
    """The generations CPython collected, in order, from gc's own callback."""
    seen: list[int] = []

    def note(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


def test_the_gui_collector_collects_nothing_while_an_import_has_paused_collection(
        qapp, automatic_restored, collections):
    installed = collector.GuiThreadCollector(interval_ms=60_000)
    try:
        gc.collect()
        _Cycle.freed = 0
        collections.clear()
        inside = threading.Event()
        finish = threading.Event()

        def import_on_a_worker():
            with gcpolicy.paused():
                inside.set()
                finish.wait(10)

        worker = threading.Thread(target=import_on_a_worker)
        worker.start()
        assert inside.wait(10)
        _Cycle()
        for _ in range(21):  # the timer's checks during one large import, all past threshold
            assert collector.collect_if_due((0, 0, 0)) == 0
            installed.check()
        assert collections == [] and _Cycle.freed == 0
        finish.set()
        worker.join(10)
        assert not gcpolicy.is_paused() and not gc.isenabled()  # the app's switch still holds
        _Cycle()  # (the one made during the pause now counts as old: found by a full collection)
        assert collector.collect_if_due((0, 0, 0)) > 0 and _Cycle.freed >= 1
        gc.collect()
        assert _Cycle.freed == 2
    finally:
        installed.timer.stop()
        installed.deleteLater()


def test_pauses_are_counted_so_collection_resumes_only_when_the_last_one_ends(automatic_restored):
    gcpolicy.set_automatic(True)
    assert gc.isenabled()
    with gcpolicy.paused():
        with gcpolicy.paused():
            assert gcpolicy.is_paused() and not gc.isenabled()
        assert gcpolicy.is_paused() and not gc.isenabled()
    assert not gcpolicy.is_paused() and gc.isenabled() and gc.get_freeze_count() == 0


def test_overlapping_pauses_on_two_threads_resume_when_the_later_one_ends(automatic_restored):
    gcpolicy.set_automatic(True)
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen_after_first: list[bool] = []

    def first():
        with gcpolicy.paused():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with gcpolicy.paused():
            second_in.set()
            first_out.wait(10)
            seen_after_first.append(gcpolicy.is_paused() and not gc.isenabled())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen_after_first == [True]
    assert not gcpolicy.is_paused() and gc.isenabled()


def test_switching_automatic_collection_off_during_a_pause_is_kept_when_it_ends(
        automatic_restored):
    gcpolicy.set_automatic(True)
    with gcpolicy.paused():
        gcpolicy.set_automatic(False)  # e.g. the app's collector installed mid-import
        assert not gc.isenabled()
    assert not gc.isenabled()
    with gcpolicy.paused():
        gcpolicy.set_automatic(True)
    assert gc.isenabled()


def test_a_pause_ends_however_its_block_ends(automatic_restored):
    gcpolicy.set_automatic(True)
    with pytest.raises(ValueError), gcpolicy.paused():
        raise ValueError("refused row")
    assert not gcpolicy.is_paused() and gc.isenabled()
