"""Background tasks on PostgreSQL take a pooled connection instead of logging in each time.

Each search keystroke, count and export runs as a task on a worker thread with a connection
of its own; on PostgreSQL that was a TCP and login handshake per task. The connections now come
from a pool (``ittdesk.drivers.PostgresqlDatabase``); SQLite is unchanged (a connection is a
file open, opened and closed per task as before).
"""

from __future__ import annotations

import pytest
from playhouse.pool import PooledDatabase

from ittdesk import db as dbmod
from ittdesk.models import School, database
from ittdesk.services.schools import schools
from ui import tasks

pytestmark = pytest.mark.gui


def run_and_wait(qtbot, fn, *args):
    """``fn`` as a background task (a worker thread, its own connection); its result."""
    results: list = []
    errors: list = []
    tasks.run_task(None, fn, *args, on_done=results.append, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(results or errors), timeout=20000)
    assert errors == []
    return results[0]


def backend_pid() -> int:
    """The server process serving this thread's connection (a new one per new connection)."""
    return int(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])


def count_schools_on_the_server() -> tuple[int, int]:
    return backend_pid(), School.select().count()


def connections_here() -> int:
    """Connections to the test database from any client, this thread's included."""
    return int(database.execute_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()").fetchone()[0])


def test_background_tasks_reuse_one_pooled_connection_on_postgresql(qtbot, db):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    if db.kind == "sqlite":  # unchanged: a connection per task, opened and closed by the task
        assert not isinstance(database.obj, PooledDatabase)
        assert run_and_wait(qtbot, lambda: School.select().count()) == 1
        assert tasks.running_tasks() == 0
        return
    assert isinstance(database.obj, PooledDatabase)
    before = connections_here()
    seen = [run_and_wait(qtbot, count_schools_on_the_server) for _ in range(8)]
    assert [count for _, count in seen] == [1] * 8
    assert len({pid for pid, _ in seen}) == 1  # one login, reused by all eight tasks
    assert backend_pid() not in {pid for pid, _ in seen}  # not the GUI thread's own
    assert connections_here() == before + 1  # the pooled one, idle until the next task


def test_a_pooled_connection_the_server_dropped_is_replaced_cleanly(qtbot, db):
    if db.kind == "sqlite":
        assert not isinstance(database.obj, PooledDatabase)
        return
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    first, _ = run_and_wait(qtbot, count_schools_on_the_server)
    database.execute_sql("SELECT pg_terminate_backend(%s)", (first,))  # a server restart, say
    qtbot.waitUntil(lambda: first not in {int(row[0]) for row in database.execute_sql(
        "SELECT pid FROM pg_stat_activity").fetchall()}, timeout=10000)

    again, count = run_and_wait(qtbot, count_schools_on_the_server)

    assert count == 1 and again != first
    assert run_and_wait(qtbot, count_schools_on_the_server)[0] == again  # and pooled in turn


def test_closing_the_database_logs_every_pooled_connection_out(qtbot, db):
    if db.kind == "sqlite":
        assert not isinstance(database.obj, PooledDatabase)
        return
    pids = {run_and_wait(qtbot, count_schools_on_the_server)[0], backend_pid()}
    url = db.url
    dbmod.close_database()
    dbmod.open_database(url, daily_backup=False)
    alive = {int(row[0]) for row in database.execute_sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()").fetchall()}
    assert pids & alive == set()


def test_a_task_still_running_when_the_database_closes_finishes_then_logs_out(qtbot, db):
    """Switching databases does not pull the connection from under a running task (a search):
    the task ends normally, and then its connection is closed, not kept in a forgotten pool."""
    import threading

    release = threading.Event()
    started = threading.Event()

    def slow_task():
        pid = backend_pid() if dbmod.is_postgres() else None  # its connection, in use
        started.set()
        release.wait(10)
        return pid

    results: list = []
    errors: list = []
    tasks.run_task(None, slow_task, on_done=results.append, on_error=errors.append)
    assert started.wait(10)
    url = db.url
    dbmod.close_database()
    dbmod.open_database(url, daily_backup=False)  # File > Open of another database, say
    release.set()
    qtbot.waitUntil(lambda: bool(results or errors), timeout=20000)
    assert errors == []
    if db.kind == "sqlite":
        assert results == [None]
        return
    pid = results[0]
    assert pid is not None and pid != backend_pid()
    qtbot.waitUntil(lambda: pid not in {int(row[0]) for row in database.execute_sql(
        "SELECT pid FROM pg_stat_activity").fetchall()}, timeout=10000)
