"""Every test gets a fresh database; the suite runs on SQLite and, when a server is given, on
PostgreSQL too (``ITTDESK_TEST_POSTGRES_URL``). In CI a missing server is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Qt must never look for a display: without this, pytest aborts on a headless machine.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

# Every test, not only modules that bind it: per-user Qt settings in a temporary file, and any
# message box a test did not answer itself answers "Discard / No / Cancel" at once, so a
# forgotten dialog can never hang the run.
from gui_helpers import qt_settings  # noqa: E402,F401


def _own_database(url: str, worker: str) -> str:
    """The server's database for one pytest-xdist worker (``ittdesk_test_gw1``), made on first
    use: each worker empties its own schema for every test, which two sharing one would drop
    under each other. Tests and the processes they start read it from the same variable."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg2

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{worker}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


#: set by pytest-xdist in each worker process (``-n``), before this file is imported
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER and os.environ.get("ITTDESK_TEST_POSTGRES_URL"):
    os.environ["ITTDESK_TEST_POSTGRES_URL"] = _own_database(
        os.environ["ITTDESK_TEST_POSTGRES_URL"], WORKER)
POSTGRES_URL = os.environ.get("ITTDESK_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


#: A test still running after this many seconds is stuck where pytest-timeout cannot reach it
#: (its alarm is Python code, which never runs again while a thread waits in C holding the GIL,
#: as a PDF worker once did in CI for 20 minutes): every thread's stack is dumped and the run
#: ends, failed. pytest-timeout's own limit (pyproject.toml, 300 s) comes first for the rest.
WATCHDOG_S = 420
_watchdog_out: list = []
_heartbeat: list[Path] = []
_watcher: list[subprocess.Popen] = []


def _runs_tests(config) -> bool:
    """Whether tests run in this process: not in pytest-xdist's controller (``-n``), whose
    workers run them (each with its own watchdog)."""
    return bool(WORKER) or not getattr(config.option, "numprocesses", None)


def pytest_configure(config):
    # A copy of stderr as it is now, before tests capture it: where a stuck run's stacks go.
    _watchdog_out.append(os.fdopen(os.dup(2), "w"))
    if os.environ.get("CI") and not POSTGRES_URL:
        raise pytest.UsageError(
            "CI must run the PostgreSQL tests: set ITTDESK_TEST_POSTGRES_URL (see .ci/run)"
        )
    if not _runs_tests(config):
        return
    # ...and, a minute before that, the C stacks from outside (tests/stuck_watch.py, gdb).
    handle, name = tempfile.mkstemp(prefix="ittdesk-tests-heartbeat-")
    os.close(handle)
    beat = Path(name)
    _heartbeat.append(beat)
    _watcher.append(subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("stuck_watch.py")), "--pid",
         str(os.getpid()), "--heartbeat", str(beat), "--after", str(WATCHDOG_S - 60)],
        stdin=subprocess.DEVNULL, stdout=_watchdog_out[0], stderr=_watchdog_out[0]))


_postgres_passed = []


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and "[postgresql" in report.nodeid:
        _postgres_passed.append(report.nodeid)


def pytest_unconfigure(config):
    for watcher in _watcher:
        watcher.terminate()
        watcher.wait(10)
    for beat in _heartbeat:
        beat.unlink(missing_ok=True)


def pytest_sessionfinish(session, exitstatus):
    """In CI, a run in which no PostgreSQL test passed has not tested PostgreSQL: fail it."""
    if WORKER:  # each worker sees only its share; the controller sees every report
        return
    if os.environ.get("CI") and POSTGRES_URL and not _postgres_passed and exitstatus == 0:
        print("\nCI: no PostgreSQL test ran", flush=True)
        session.exitstatus = 1


def pytest_report_header(config):
    return f"ITT Desk test databases: {', '.join(BACKENDS)}"


@pytest.fixture(autouse=True)
def _stuck_run_ended():
    """See WATCHDOG_S: faulthandler's watchdog is a C thread, so it fires even then."""
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True, file=_watchdog_out[0])
    for beat in _heartbeat:
        with contextlib.suppress(OSError):  # only ever a diagnosis: never a test's failure
            os.utime(beat)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(autouse=True)
def _cycles_collected_on_the_main_thread():
    """As in the app (ui.collector): no automatic cycle collection, which could run on a
    background task's thread and destroy a Qt object there; cycles are collected here, on the
    main thread, after each test (and by the app's timer while a test runs the event loop)."""
    from ui.collector import collect_if_due

    gc.disable()
    yield
    collect_if_due()


@pytest.fixture(autouse=True)
def _clock_restored():
    """Whatever day a test sets on the one clock (ittdesk.clock), the next test starts from the
    day the run started with: the real date, or ``ITTDESK_TODAY`` for a whole run as of that day."""
    from ittdesk import clock

    started_with = clock.fixed_day()
    yield
    clock.set_today(started_with)


@pytest.fixture
def set_today():
    """``set_today(date(2027, 9, 1))``: the app and the test agree that it is that day (the time of
    day still runs). Reset after the test by ``_clock_restored``."""
    from ittdesk import clock

    return clock.set_today


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Backups and default databases go to a temporary folder, never the real user's."""
    data = tmp_path_factory.mktemp("ittdesk-data")
    monkeypatch.setenv("ITTDESK_DATA_DIR", str(data))
    monkeypatch.delenv("ITTDESK_DATABASE", raising=False)
    yield data


#: How long emptying the test database waits for another connection's locks.
RESET_WAIT = "20s"


def _reset_postgres(url: str) -> None:
    """An empty schema. A connection an earlier test left inside a transaction holds locks
    that DROP SCHEMA waited for until the watchdog ended the whole run (CI, session 9): past
    ``RESET_WAIT`` its session is ended instead, and this test fails naming what it was doing."""
    import psycopg2
    from psycopg2 import errors

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET lock_timeout = '{RESET_WAIT}'")
            try:
                cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
                return
            except errors.LockNotAvailable:
                cur.execute("SELECT pid, state, left(query, 200) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                holders = cur.fetchall()
                cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                cur.execute("SET lock_timeout = 0")
                cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
            raise AssertionError(f"an earlier test left PostgreSQL connections holding locks "
                                 f"(ended now): {holders}")
    finally:
        conn.close()


def open_test_database(backend: str, tmp_path: Path):
    from ittdesk import db

    if backend == "sqlite":
        return db.open_database(tmp_path / "test.sqlite3", daily_backup=False)
    _reset_postgres(POSTGRES_URL)
    return db.open_database(POSTGRES_URL, daily_backup=False)


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    """A fresh, migrated, empty database on each backend; yields its Location."""
    from ittdesk import db as dbmod

    location = open_test_database(request.param, tmp_path)
    yield location
    dbmod.close_database()


@pytest.fixture
def sqlite_db(tmp_path):
    """A fresh SQLite database, for what only SQLite files have (backups, file checks)."""
    from ittdesk import db as dbmod

    location = open_test_database("sqlite", tmp_path)
    yield location
    dbmod.close_database()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo partnership built once per session on SQLite; tests copy it."""
    from ittdesk import db as dbmod
    from ittdesk.demo import build_demo

    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"
    os.environ.setdefault("ITTDESK_DATA_DIR", str(folder))
    dbmod.open_database(path, daily_backup=False)
    build_demo(seed=2025)
    dbmod.close_database()
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path):
    """A private copy of the demo database, open."""
    from ittdesk import backup
    from ittdesk import db as dbmod

    path = backup.copy_database(demo_template, tmp_path / "demo.sqlite3")
    location = dbmod.open_database(path, daily_backup=False)
    yield location
    dbmod.close_database()
