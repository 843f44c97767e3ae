"""Who is connected (issue 19, item 3): on both databases another process's app shows, and
goes when it closes; ``ittdesk who`` prints them; every PostgreSQL session names itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from ittdesk import clock, presence
from ittdesk.cli import main
from ittdesk.models import Presence, database, is_postgres

ROOT = Path(__file__).resolve().parent.parent

#: another user's app on another computer, in its own process: open, register, wait for a line
#: on stdin, then close as the app does (unregister, close the database)
OTHER_APP = """
import sys
from ittdesk import db, presence
presence.os_user = lambda: "amira"
presence.computer = lambda: "OFFICE-PC-2"
db.open_database(sys.argv[1], daily_backup=False)
presence.register()
print("open", flush=True)
sys.stdin.readline()
presence.unregister()
db.close_database()
"""


def _target(location) -> str:
    return str(location.path) if location.kind == "sqlite" else location.url


def _start_other(location) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", OTHER_APP, _target(location)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def _close(proc: subprocess.Popen) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.wait(timeout=60) == 0


def _labels(seats) -> list[str]:
    return [s.label for s in seats]


def _others_when_settled(expected: list[str]) -> list[str]:
    """PostgreSQL ends a closed session's backend a moment after the client has gone: ask
    again until it has (or a minute has passed, and the answer is what it is)."""
    deadline = time.monotonic() + 60
    found = _labels(presence.others())
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        found = _labels(presence.others())
    return found


def test_another_process_shows_and_goes_when_it_closes(db):
    presence.register()
    me = f"{presence.os_user()}@{presence.computer()}"
    assert _labels(presence.connected()) == [me]
    assert presence.others() == []

    other = _start_other(db)
    try:
        seats = presence.connected()
        assert _labels(seats) == [me, "amira@OFFICE-PC-2"]
        assert [s.mine for s in seats] == [True, False]
        assert all(s.since is not None for s in seats)
        assert _labels(presence.others(seats)) == ["amira@OFFICE-PC-2"]
    finally:
        _close(other)
    assert _others_when_settled([]) == []
    presence.unregister()


def test_opening_names_the_session_on_postgresql_and_writes_nothing_on_sqlite(db):
    """A CLI command opens the database this way: on SQLite it leaves no presence row."""
    if is_postgres():
        name = database.execute_sql("SHOW application_name").fetchone()[0]
        assert name == f"ITT Desk {presence.os_user()}@{presence.computer()}"[:63]
    else:
        assert Presence.select().count() == 0


def test_an_application_name_is_cut_to_63_bytes_on_a_whole_character():
    name = presence.application_name("é" * 40, "LAPTOP")
    assert len(name.encode("utf-8")) <= 63 and name.startswith("ITT Desk éé")
    assert "\ufffd" not in name


def test_an_sqlite_app_not_seen_for_three_minutes_is_not_listed(sqlite_db):
    stale = clock.utcnow() - presence.FRESH - timedelta(seconds=1)
    Presence.create(user="bea", computer="CRASHED-PC", pid=1, started_at=stale, seen_at=stale)
    fresh = clock.utcnow()
    Presence.create(user="cal", computer="LAB-3", pid=2, started_at=fresh, seen_at=fresh)
    assert _labels(presence.connected()) == ["cal@LAB-3"]


def test_the_heartbeat_gives_up_quietly_while_another_program_writes(sqlite_db):
    import sqlite3

    other = sqlite3.connect(str(sqlite_db.path), timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        assert presence.heartbeat() is False
    finally:
        other.rollback()
        other.close()
    assert presence.heartbeat() is True
    assert _labels(presence.connected()) == [f"{presence.os_user()}@{presence.computer()}"]


def test_who_prints_each_user_and_computer_on_one_line(db, capsys):
    other = _start_other(db)
    try:
        code = main(["who", "--db", _target(db)])
    finally:
        _close(other)
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert any(line.startswith("amira@OFFICE-PC-2 since ") for line in lines), out
    if db.kind == "postgresql":  # the command's own session is listed, as this user's
        assert any(line.endswith("you)") for line in lines), out
        assert len(lines) == 2
    else:  # a command does not register: only the app
        assert len(lines) == 1
