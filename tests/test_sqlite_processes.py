"""One SQLite file, several real processes: the running app, the CLI, a second app, two imports.

Each process here is a real one (``subprocess``), because what broke was between processes:
SQLite's locks are POSIX locks that belong to a process, and a process that closed any
descriptor of the file outside SQLite lost them, after which another process's close deleted
the app's -wal and -shm (ENVIRONMENT.md). Bounded: every wait has a timeout.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ittdesk import backup, presence, restore
from ittdesk.academic_year import AcademicYear

ROOT = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).resolve().parent / "app_driver.py"
TIMEOUT = 90


def environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", ITTDESK_DATA_DIR=str(data_dir),
               PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    env.pop("ITTDESK_DATABASE", None)
    return env


def cli(path: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ittdesk", "--db", str(path), *argv],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)


class App:
    """``tests/app_driver.py`` on ``path``: the real app, commands on stdin, answers on stdout."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, str(DRIVER), str(path)], env=env,
                                        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        assert self.answer() == "ready"

    def answer(self) -> str:
        line = self.process.stdout.readline()  # the driver answers every command
        assert line, f"the app ended (exit {self.process.poll()})"
        return line.strip()

    def ask(self, command: str) -> str:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.answer()

    def quit(self) -> int:
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        return self.process.wait(timeout=TIMEOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)


@contextlib.contextmanager
def running_app(path: Path, env: dict[str, str]) -> Iterator[App]:
    app = App(path, env)
    try:
        yield app
        assert app.quit() == 0
    finally:
        app.kill()


def read_school_name(path: Path, urn: int) -> str:
    """What a process that was not running before sees (a new one, read-only)."""
    script = ("import sqlite3, sys\n"
              "conn = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True)\n"
              "print(conn.execute('SELECT name FROM school WHERE urn = ?', (int(sys.argv[2]),))"
              ".fetchone()[0])\n")
    done = subprocess.run([sys.executable, "-c", script, str(path), str(urn)],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def write_schools_csv(path: Path, first_urn: int, count: int, label: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["URN", "School name", "Postcode"])
        for n in range(count):
            writer.writerow([first_urn + n, f"{label} School {n}", "LS1 1AA"])
    return path


@pytest.fixture
def shared(demo_template, tmp_path) -> tuple[Path, dict[str, str]]:
    """A copy of the demo partnership, as the app leaves it when it closes (WAL mode, the WAL
    folded in: the usual start, whose full check runs in the background once the window
    shows), and the environment its processes run in."""
    path = backup.copy_database(demo_template, tmp_path / "partnership.sqlite3")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    data = tmp_path / "data"
    data.mkdir()
    return path, environment(data)


def first_row(path: Path, sql: str) -> tuple:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute(sql).fetchone()


def every_command(path: Path, tmp_path: Path) -> list[tuple[list[str], int]]:
    """Every CLI subcommand, read-only and writing, with the exit code it must give while the
    app has the file open (restore is refused: the app is using the database)."""
    (urn,) = first_row(path, "SELECT urn FROM school ORDER BY id LIMIT 1")
    (person,) = first_row(path, "SELECT id FROM person ORDER BY id LIMIT 1")
    (event,) = first_row(path, "SELECT id FROM event ORDER BY id LIMIT 1")
    (email,) = first_row(path, "SELECT email FROM person WHERE email IS NOT NULL ORDER BY id LIMIT 1")
    sign_in = tmp_path / "sign-in.csv"
    sign_in.write_text(f"Name,Email\nA Person,{email}\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    spare = backup.copy_database(path, out / "spare.sqlite3")
    extra = write_schools_csv(tmp_path / "extra.csv", 990000, 30, "Extra")
    return [
        (["version"], 0),
        (["who"], 0),
        (["check"], 0),
        (["backup", str(out / "backup.sqlite3")], 0),
        (["attention"], 0),
        (["agreement", "list"], 0),
        (["agreement", "reminders"], 0),
        (["audit", "--limit", "5"], 0),
        (["retention", "review"], 0),
        (["retention", "set", "contact", "7"], 0),
        (["leadership", "forms", "--year", str(AcademicYear.current()), str(out / "forms")], 0),
        (["leadership", "status"], 0),
        (["leadership", "gaps"], 0),
        (["leadership", "history", str(urn)], 0),
        (["export", "partnership", str(out / "partnership.xlsx")], 0),
        (["export", "all", str(out / "all.xlsx")], 0),
        (["person", "export", str(person), str(out / "person.xlsx")], 0),
        (["export", "engagement", str(out / "engagement.xlsx")], 0),
        (["contacts", "--role", "headteacher", str(out / "heads.csv")], 0),
        (["contacts", "--role", "itt_champion", "--bcc"], 0),
        (["events", "list"], 0),
        (["events", "add", "Working group", "--kind", "working_group", "--date", "01/10/2025"], 0),
        (["events", "attend", str(event), str(person)], 0),
        (["import", "attendance", str(sign_in), "--event", str(event), "--accept-mapping"], 0),
        (["import", "schools", str(extra), "--dry-run"], 0),
        (["import", "schools", str(extra)], 0),
        (["import", "list"], 0),
        (["read-export", str(out / "all.xlsx")], 1),  # refused: the database is not empty
        (["demo"], 1),  # refused: the database already has records
        (["restore", str(spare)], 1),  # refused: the app has it open
        (["check"], 0),
    ]


def assert_wal_and_shm_present(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        assert path.with_name(path.name + suffix).exists(), f"{suffix} deleted under the app"


@pytest.mark.slow
@pytest.mark.parametrize("apps", [1, 2], ids=["one app", "two apps"])
def test_every_cli_command_beside_running_apps_leaves_their_saves_working(shared, tmp_path, apps):
    path, env = shared
    urns = [row[0] for row in sqlite3.connect(path).execute(
        "SELECT urn FROM school ORDER BY id LIMIT ?", (apps,))]
    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(running_app(path, env)) for _ in range(apps)]
        assert_wal_and_shm_present(path)
        for argv, code in every_command(path, tmp_path):
            done = cli(path, env, *argv)
            assert done.returncode == code, (argv, done.stdout, done.stderr)
            assert "Traceback" not in done.stderr, argv
            assert_wal_and_shm_present(path)
        who = cli(path, env, "who")  # the running apps said they are there (ittdesk.presence)
        me = re.escape(f"{presence.os_user()}@{presence.computer()}")
        assert re.fullmatch(rf"{me} since \S+ \(you\)\n", who.stdout), who.stdout
        restore = cli(path, env, "restore", str(tmp_path / "out" / "spare.sqlite3"))
        assert "is open in another program" in restore.stderr
        for n, (app, urn) in enumerate(zip(running, urns, strict=True)):
            assert app.ask(f"rename {urn} Saved By App {n + 1}") == "saved"
        for n, urn in enumerate(urns):
            assert read_school_name(path, urn) == f"Saved By App {n + 1}"  # a new process
            for app in running:  # and every app, each other's saves included
                assert app.ask(f"name {urn}") == f"Saved By App {n + 1}"
        assert_wal_and_shm_present(path)
        assert first_row(path, "SELECT count(*) FROM school WHERE urn >= 990000") == (30,)
        assert cli(path, env, "check").returncode == 0
    assert cli(path, env, "check").returncode == 0
    assert [read_school_name(path, urn) for urn in urns] == [
        f"Saved By App {n + 1}" for n in range(apps)]


# -- restore never replaces a file another process has open ---------------------------------

HOLDER = """
import sys
from ittdesk import db
from ittdesk.models import School
db.open_database(sys.argv[1], daily_backup=False)
School.select().count()  # a connection that has read: as the app's, idle between saves
print("open", flush=True)
sys.stdin.readline()
db.close_database()
"""


@contextlib.contextmanager
def another_process_using(path: Path, env: dict[str, str], script: str = HOLDER
                          ) -> Iterator[subprocess.Popen]:
    holder = subprocess.Popen([sys.executable, "-c", script, str(path)], env=env, cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        yield holder
    finally:
        with contextlib.suppress(BrokenPipeError):
            holder.stdin.write("\n")
            holder.stdin.close()
        assert holder.wait(timeout=TIMEOUT) == 0


def school_count(path: Path) -> int:
    return first_row(path, "SELECT count(*) FROM school")[0]


def test_restore_is_refused_while_another_process_has_the_database_open(shared, tmp_path):
    from ittdesk import db
    from ittdesk.errors import RefusedError

    path, env = shared
    empty = tmp_path / "empty.sqlite3"
    db.open_database(empty, daily_backup=False)
    db.close_database()
    before = school_count(path)
    location = db.resolve(path)
    with another_process_using(path, env):
        db.open_database(path, daily_backup=False)
        with pytest.raises(RefusedError, match="open in another program"):
            restore.restore(location, empty)
        db.close_database()
        assert school_count(path) == before
    db.open_database(path, daily_backup=False)
    restore.restore(location, empty)  # nobody else has it open now
    db.close_database()
    assert school_count(path) == 0


def test_the_apps_restore_never_moves_a_file_another_process_has_open(shared, tmp_path):
    from ittdesk import db
    from ittdesk.errors import RefusedError
    from ui.dialogs.database_problem import restore_backup_file

    path, env = shared
    empty = tmp_path / "empty.sqlite3"
    db.open_database(empty, daily_backup=False)
    db.close_database()
    before = school_count(path)
    location = db.resolve(path)
    with another_process_using(path, env):
        with pytest.raises(RefusedError, match="open in another program"):
            restore_backup_file(location, empty)
        assert sorted(p.name for p in tmp_path.glob("partnership.sqlite3*")
                      if not p.name.endswith(("-wal", "-shm"))) == ["partnership.sqlite3"]
        assert school_count(path) == before
    assert restore_backup_file(location, empty).startswith("Restored from empty.sqlite3.")
    assert school_count(path) == 0


# -- two writers: an import waits its turn ---------------------------------------------------

WRITER = """
import sys
from ittdesk import db
from ittdesk.services.schools import schools
db.open_database(sys.argv[1], daily_backup=False)
with db.write_transaction():
    schools.create({"urn": 980001, "name": "Written While The Import Waited"})
    print("open", flush=True)
    sys.stdin.readline()
db.close_database()
"""


def test_an_import_waits_for_another_processs_write_instead_of_failing(shared, tmp_path):
    path, env = shared
    rows = write_schools_csv(tmp_path / "schools.csv", 970000, 200, "Waiting")
    with another_process_using(path, env, WRITER):
        importer = subprocess.Popen(
            [sys.executable, "-m", "ittdesk", "--db", str(path), "import", "schools", str(rows)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The plan is printed, then the import's transaction begins and waits for the lock.
        for line in importer.stdout:
            if " to add, " in line:
                break
        time.sleep(0.5)
    out, err = importer.communicate(timeout=TIMEOUT)
    assert importer.returncode == 0, err
    assert first_row(path, "SELECT count(*) FROM school WHERE urn BETWEEN 970000 AND 970199") == (200,)
    assert first_row(path, "SELECT count(*) FROM school WHERE urn = 980001") == (1,)


@pytest.mark.slow
def test_two_imports_started_together_both_finish(shared, tmp_path):
    """Large enough that their transactions overlap: begun deferred, the second failed with
    "database is locked" when the first committed (seen three times in three runs)."""
    path, env = shared
    files = [write_schools_csv(tmp_path / f"schools{n}.csv", 950000 + n * 10000, 3000,
                               f"Batch {n}") for n in range(2)]
    imports = [subprocess.Popen(
        [sys.executable, "-m", "ittdesk", "--db", str(path), "import", "schools", str(f)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for f in files]
    for process in imports:
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
    assert first_row(path, "SELECT count(*) FROM school WHERE urn BETWEEN 950000 AND 969999") == (6000,)
    assert first_row(path, "SELECT count(*) FROM import_run") >= (2,)


# -- the database is never read or written as a spreadsheet or an export --------------------


def test_the_open_database_is_never_opened_as_a_spreadsheet_or_written_over(sqlite_db):
    from ittdesk import files
    from ittdesk.errors import RefusedError
    from ittdesk.spreadsheets import reading

    path = sqlite_db.path
    before = school_count(path)
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with pytest.raises(RefusedError, match="is an ITT Desk database, in use"):
            reading.open_book(name)
    with pytest.raises(RefusedError, match="is an ITT Desk database, in use"):
        files.atomic_write(path, lambda tmp: tmp.write_bytes(b"not a database"))
    with pytest.raises(RefusedError, match="is an ITT Desk database, in use"):
        backup.backup_to(sqlite_db, path)
    assert school_count(path) == before
    assert_wal_and_shm_present(path)


def test_an_export_never_replaces_a_database_another_process_has_open(shared):
    path, env = shared
    other = backup.copy_database(path, path.with_name("other.sqlite3"))
    with another_process_using(path, env):
        for argv in (["backup", str(path)], ["backup", str(path.with_name(path.name + "-wal"))]):
            done = cli(other, env, *argv)
            assert done.returncode == 1, done.stderr
            assert "is an ITT Desk database, in use" in done.stderr
            assert_wal_and_shm_present(path)
    assert cli(path, env, "check").returncode == 0


@pytest.mark.slow
def test_file_restore_in_the_app_is_refused_while_another_process_has_the_file_open(
        qtbot, shared, tmp_path, monkeypatch):
    import gui_helpers as gui
    from gui_helpers import close_window, make_window
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from ittdesk import db
    from ui import tasks

    path, env = shared
    empty = tmp_path / "empty.sqlite3"
    db.open_database(empty, daily_backup=False)
    db.close_database()
    before = school_count(path)
    location = db.open_database(path, daily_backup=False)
    window = make_window(qtbot, location)
    try:
        qtbot.waitUntil(gui.tasks_idle, timeout=20000)
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(empty), "")))
        monkeypatch.setattr(QMessageBox, "question",
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
        with another_process_using(path, env):
            window.restore_database()
            qtbot.waitUntil(lambda: not window._restoring and tasks.running_tasks() == 0,
                            timeout=30000)
            warnings = [text for kind, text in gui.unanswered if kind == "warning"]
            assert warnings and "open in another program" in warnings[0]
            assert list(tmp_path.glob("*.damaged-*")) == []
            assert window.location.path == path and school_count(path) == before
            from ittdesk.models import School

            assert School.select().count() == before  # the window is back on the file
    finally:
        close_window(qtbot, window)
        db.close_database()
