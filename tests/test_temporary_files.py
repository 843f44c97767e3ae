"""Every file is written through one atomic, durable helper, and no temporary copy of personal
data outlives a crash unknown: temporaries live in the data folder named by their process, the
next start removes those of dead processes, and erasure finds and purges them."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from ittdesk import backup, files
from ittdesk.cli import main
from ittdesk.paths import backups_dir, data_dir, tmp_dir
from ittdesk.services.people import people
from ittdesk.spreadsheets.safe import save_workbook

REPO = Path(__file__).resolve().parent.parent


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def events(monkeypatch):
    """fsyncs and renames in the order they happen."""
    seen: list[tuple[str, str]] = []
    real_file, real_folder, real_replace = files.fsync_file, files.fsync_folder, os.replace

    def fsync_file(path):
        seen.append(("fsync file", Path(path).name))
        real_file(path)

    def fsync_folder(folder):
        seen.append(("fsync folder", str(folder)))
        real_folder(folder)

    def replace(src, dst):
        seen.append(("rename", Path(src).name))
        real_replace(src, dst)

    monkeypatch.setattr(files, "fsync_file", fsync_file)
    monkeypatch.setattr(files, "fsync_folder", fsync_folder)
    monkeypatch.setattr(os, "replace", replace)
    return seen


def _write_workbook(target: Path) -> None:
    from openpyxl import Workbook

    save_workbook(Workbook(), target)


def _write_backup(target: Path) -> None:
    import sqlite3

    source = target.parent / "source.sqlite3"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    backup.copy_database(source, target)


def _write_pdf(target: Path) -> None:
    from ui.printing import html_to_pdf

    html_to_pdf("<p>Hello</p>", target)


@pytest.mark.parametrize("write", [_write_workbook, _write_backup, _write_pdf],
                         ids=["workbook", "backup", "pdf"])
def test_every_writer_fsyncs_the_temporary_before_the_rename_and_the_folder_after(
        qapp, tmp_path, events, write):
    target = tmp_path / "out.bin"
    write(target)
    assert target.stat().st_size > 0
    kinds = [kind for kind, _ in events]
    last_rename = max(i for i, kind in enumerate(kinds) if kind == "rename")
    temp = events[last_rename][1]
    assert files.owner_pid(temp) == os.getpid()
    assert ("fsync file", temp) in events[:last_rename]
    assert events[last_rename + 1:] == [("fsync folder", str(tmp_path))]


def test_a_temporary_lives_in_the_data_folder_named_after_its_process(tmp_path):
    seen = []
    files.atomic_write(tmp_path / "a.csv", lambda tmp: seen.append(tmp) or tmp.write_text("x"))
    assert seen[0].parent == tmp_dir() and seen[0].name.endswith(".tmp.csv")
    assert files.owner_pid(seen[0].name) == os.getpid()
    assert [p.name for p in tmp_dir().iterdir()] == []
    assert (tmp_path / "a.csv").read_text() == "x"


def test_interrupted_writes_leave_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "keep.xlsx"
    target.write_bytes(b"old")

    def interrupted(tmp):
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(target, interrupted)
    assert target.read_bytes() == b"old"
    assert list(tmp_dir().iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["keep.xlsx"]


def test_only_temporaries_no_live_process_is_writing_are_stray(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        folder = tmp_dir()
        dead = folder / f".ittdesk-{_dead_pid()}-aa.tmp.sqlite3"
        dead_journal = folder / f"{dead.name}-journal"
        old_style = folder / ".ittdesk-k2j4h5g6.tmp"  # named before pids were in names
        busy = folder / f".ittdesk-{live.pid}-bb.tmp.xlsx"
        abandoned = folder / f".ittdesk-{live.pid}-cc.tmp.xlsx"  # pid reused after a crash
        mine = folder / f".ittdesk-{os.getpid()}-dd.tmp.csv"
        idle_scratch = folder / f".ittdesk-{live.pid}-tempdir"
        unrelated = folder / "notes.txt"
        for path in (dead, dead_journal, old_style, busy, abandoned, mine, unrelated):
            path.write_bytes(b"x")
        idle_scratch.mkdir()
        two_days_ago = time.time() - 2 * 24 * 3600
        os.utime(abandoned, (two_days_ago, two_days_ago))
        os.utime(idle_scratch, (two_days_ago, two_days_ago))
        assert files.stray_temporaries() == sorted([dead, dead_journal, old_style, abandoned])
        assert files.remove_stale_temporaries() == sorted([dead, dead_journal, old_style,
                                                           abandoned])
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            p.name for p in (busy, mine, idle_scratch, unrelated))
    finally:
        live.kill()
        live.wait()


KILLED_BACKUP = textwrap.dedent("""
    import sqlite3, sys, time, types
    from pathlib import Path
    from ittdesk import backup

    source, dest = sys.argv[1], Path(sys.argv[2])

    class Slow:
        # The source connection, copying a page at a time and stalling once every page is in
        # the temporary file (before it is renamed): the moment a kill leaves the most behind.
        def __init__(self, conn):
            self.conn = conn
        def backup(self, target):
            def progress(status, remaining, total):
                if remaining == 0:
                    print("copied", flush=True)
                    time.sleep(60)
            self.conn.backup(target, pages=1, progress=progress)
        def __getattr__(self, name):
            return getattr(self.conn, name)

    shim = types.ModuleType("sqlite3")
    shim.__dict__.update(sqlite3.__dict__)
    shim.connect = lambda path, *a, **k: (Slow(sqlite3.connect(path, *a, **k)) if path == source
                                          else sqlite3.connect(path, *a, **k))
    backup.sqlite3 = shim
    backup.copy_database(Path(source), dest)
""")


def test_a_backup_killed_midway_leaves_a_temporary_that_the_next_start_removes(sqlite_db):
    people.create({"first_name": "Zebedee", "last_name": "Quillfeather"})
    dest = backups_dir() / "test-0000" / "auto-20261207-000000-000000-daily.sqlite3"
    child = subprocess.Popen([sys.executable, "-c", KILLED_BACKUP, str(sqlite_db.path), str(dest)],
                             stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert child.stdout.readline() == "copied\n"
    finally:
        child.kill()  # SIGKILL: no handler, no atexit, no finally
        child.wait()
    left = [p for p in tmp_dir().iterdir() if files.owner_pid(p.name) == child.pid]
    assert left and not dest.exists()
    assert any(b"Quillfeather" in p.read_bytes() for p in left)  # personal data, unknown

    started = subprocess.run([sys.executable, "-m", "ittdesk", "--version"], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    assert list(tmp_dir().iterdir()) == []  # nor is the new run's own scratch folder left


def test_start_up_sends_openpyxl_scratch_files_to_this_process_folder(monkeypatch):
    from openpyxl.worksheet._writer import create_temporary_file

    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    monkeypatch.setattr(files, "_started", [])
    stray = tmp_dir() / f".ittdesk-{_dead_pid()}-tempdir"
    stray.mkdir()
    (stray / "openpyxl.abc.xml").write_text("<c>Zebedee Quillfeather</c>")
    assert files.start_up() == [stray]
    scratch = Path(create_temporary_file())
    try:
        assert scratch.parent == files.process_temp_dir()
        assert scratch.parent.parent == tmp_dir()
    finally:
        scratch.unlink()


def _files_holding(folder: Path, text: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and text in p.read_bytes()]


def test_purge_backups_after_a_crash_leaves_no_file_holding_the_person(sqlite_db, capsys):
    person = people.create({"first_name": "Zebedee", "last_name": "Quillfeather"})
    backup.automatic_backup(sqlite_db, reason="daily")
    folder = backup.automatic_backups(sqlite_db)[0].parent
    # What crashes left: a partial backup and its journal (this version's names and an older
    # version's, beside the backups), and openpyxl's scratch file of a killed export.
    whole = backup.automatic_backups(sqlite_db)[0].read_bytes()
    dead = _dead_pid()
    (tmp_dir() / f".ittdesk-{dead}-aa.tmp.sqlite3").write_bytes(whole)
    (tmp_dir() / f".ittdesk-{dead}-aa.tmp.sqlite3-journal").write_bytes(whole)
    (folder / ".ittdesk-q1w2e3r4.tmp").write_bytes(whole)
    scratch = tmp_dir() / f".ittdesk-{dead}-tempdir"
    scratch.mkdir()
    (scratch / "openpyxl.xyz.xml").write_text("<c>Zebedee Quillfeather</c>")
    assert len(_files_holding(data_dir(), b"Quillfeather")) == 5

    code = main(["person", "erase", str(person.id), "--yes", "--purge-backups",
                 "--db", str(sqlite_db.path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert _files_holding(data_dir(), b"Quillfeather") == []
    assert list(tmp_dir().iterdir()) == []


def test_erasure_lists_and_purges_a_crashed_exports_scratch_files_on_every_backend(db):
    from ittdesk.privacy import erasure

    person = people.create({"first_name": "Zebedee", "last_name": "Quillfeather"})
    scratch = tmp_dir() / f".ittdesk-{_dead_pid()}-tempdir"
    scratch.mkdir()
    (scratch / "openpyxl.xyz.xml").write_text("<c>Zebedee Quillfeather</c>")
    result = erasure.erase(person.id)
    assert scratch in result.backups
    assert scratch.resolve() in erasure.purge_backups(result.backups)
    assert _files_holding(data_dir(), b"Quillfeather") == []
