"""An import started while another process writes waits its turn, however long that takes (past
SQLite's busy timeout), says it is waiting, and can be cancelled while it waits."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from ittdesk.models import School, database
from ittdesk.spreadsheets import importing
from ittdesk.spreadsheets.importing import ImportCancelled


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "schools.csv"
    path.write_text("URN,School name\n100001,Brook Primary\n100002,Hill Academy\n",
                    encoding="utf-8")
    return path


def _holding_the_write_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_an_import_waits_past_the_busy_timeout_for_another_writer(sqlite_db, tmp_path):
    plan = importing.plan_import(importing.load_source(_csv(tmp_path), "schools"))
    database.execute_sql("PRAGMA busy_timeout = 100")
    other = _holding_the_write_lock(sqlite_db.path)
    said: list[str] = []
    released = threading.Event()

    def progress(done, total, message):
        said.append(message)
        if message.startswith("Waiting") and not released.is_set():
            released.set()
            threading.Timer(1.5, other.rollback).start()

    result = importing.apply_plan(plan, progress=progress)
    assert result.added == 2 and School.select().count() == 2
    assert "Waiting for another import or save to finish…" in said
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 100  # put back
    other.close()


def test_cancel_while_waiting_for_another_writer_changes_nothing(sqlite_db, tmp_path):
    plan = importing.plan_import(importing.load_source(_csv(tmp_path), "schools"))
    database.execute_sql("PRAGMA busy_timeout = 100")
    other = _holding_the_write_lock(sqlite_db.path)
    cancel = threading.Event()

    def progress(done, total, message):
        if message.startswith("Waiting"):
            cancel.set()

    with pytest.raises(ImportCancelled):
        importing.apply_plan(plan, progress=progress, cancel=cancel)
    other.rollback()
    other.close()
    assert School.select().count() == 0
