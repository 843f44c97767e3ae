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


def test_a_worker_has_a_call_run_on_the_gui_thread_and_gets_its_answer(qtbot, db):
    ran_on = []

    def on_gui():
        ran_on.append(threading.current_thread())
        return "made"

    handle = tasks.run_task(None, lambda: tasks.on_gui_thread(on_gui))
    qtbot.waitUntil(lambda: handle.finished)
    assert handle.result == "made"
    assert ran_on == [threading.main_thread()]


def test_an_error_in_a_call_on_the_gui_thread_is_raised_on_the_worker_that_asked(qtbot, db):
    def on_gui():
        raise RefusedError("the GUI thread said no")

    errors = []
    handle = tasks.run_task(None, lambda: tasks.on_gui_thread(on_gui), on_error=errors.append)
    qtbot.waitUntil(lambda: handle.finished)
    assert [str(e) for e in errors] == ["the GUI thread said no"]


def test_a_call_the_gui_thread_does_not_answer_runs_on_the_worker_once(qtbot, db, monkeypatch):
    monkeypatch.setattr(tasks, "GUI_CALL_WAIT_S", 0.2)
    held = []  # the calls posted to the GUI thread, held back as if it were busy or quitting
    real_post = tasks._inbox.post
    monkeypatch.setattr(tasks._inbox, "post", lambda item: held.append(item) if item[0] == "call"
                        else real_post(item))
    ran_on = []

    def on_gui():
        ran_on.append(threading.current_thread())
        return len(ran_on)

    handle = tasks.run_task(None, lambda: tasks.on_gui_thread(on_gui))
    qtbot.waitUntil(lambda: handle.finished)
    assert handle.result == 1
    assert len(ran_on) == 1 and ran_on[0] is not threading.main_thread()
    [(_kind, late)] = held
    assert late.run() is False  # the GUI thread, getting to it at last, does not run it again
    assert len(ran_on) == 1


def test_on_the_gui_thread_a_call_is_simply_made(db):
    assert tasks.on_gui_thread(lambda: threading.current_thread()) is threading.main_thread()
