"""The background-task helper: results and errors arrive on the GUI thread, cancel discards."""

from __future__ import annotations

import threading

import pytest

from ittdesk.errors import RefusedError
from ittdesk.models import School
from ittdesk.services.schools import schools
from ui import tasks

pytestmark = pytest.mark.gui


def count_schools():
    return School.select().count()


def test_a_task_runs_off_the_gui_thread_with_its_own_connection_and_delivers_on_it(qtbot, db):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    seen = {}

    def work(progress):
        seen["thread"] = threading.current_thread()
        progress(1, 2, "half way")
        return count_schools()

    got = []
    progress = []
    handle = tasks.run_task(None, work, on_done=lambda r: got.append((r, threading.current_thread())),
                            on_progress=lambda d, t, m: progress.append((d, t, m)))
    qtbot.waitUntil(lambda: handle.finished)
    assert seen["thread"] is not threading.main_thread()
    assert got == [(1, threading.main_thread())]
    assert progress == [(1, 2, "half way")]
    # The GUI thread's own connection is still usable afterwards.
    assert count_schools() == 1


def test_errors_are_delivered_to_on_error_not_raised(qtbot, db):
    def refuse():
        raise RefusedError("not today")

    errors = []
    handle = tasks.run_task(None, refuse, on_done=lambda r: errors.append("done?"),
                            on_error=errors.append)
    qtbot.waitUntil(lambda: handle.finished)
    assert [str(e) for e in errors] == ["not today"]


def test_cancel_sets_the_flag_and_discards_the_result(qtbot, db):
    started, release = threading.Event(), threading.Event()

    def slow(cancel):
        started.set()
        release.wait(5)
        return "late" if not cancel.is_set() else "stopped"

    got, cancelled = [], []
    handle = tasks.run_task(None, slow, on_done=got.append, on_cancelled=lambda: cancelled.append(1))
    assert started.wait(5)
    handle.cancel()
    assert handle.cancel_event.is_set()
    release.set()
    qtbot.waitUntil(lambda: handle.finished)
    assert got == [] and cancelled == [1]


def test_synchronous_mode_delivers_before_returning(db):
    got = []
    with tasks.synchronous():
        handle = tasks.run_task(None, count_schools, on_done=got.append)
    assert handle.finished and got == [0]
    assert tasks.running_tasks() == 0
