"""Every CLI failure is one plain line (no class name, no traceback) with a consistent exit code,
and nothing changed: corrupt files, a full disk, a lost server, paths that are folders, closed
pipes, malformed option values, missing or damaged databases, a failed automatic backup."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest

from ittdesk import backup
from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.errors import plain_message

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("ITTDESK_TEST_POSTGRES_URL", "")
CLASS_NAME = re.compile(r"Traceback|Exception ignored|Errno|\b[A-Z][A-Za-z]*(Error|Exception|Warning)\b"
                        r"|\b[A-Z][a-z]+[A-Z][A-Za-z]*File\b")


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_plain_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ittdesk: "), err
    assert not CLASS_NAME.search(err), err
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(path: Path) -> tuple[int, ...]:
    """Rows in the tables a failed command could have touched, read without writing."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("school", "person", "audit_entry", "import_run", "setting"))
    finally:
        conn.close()


@pytest.fixture
def demo_file(demo_template, tmp_path) -> Path:
    """A private, closed copy of the demo database."""
    return backup.copy_database(demo_template, tmp_path / "demo.sqlite3")


def schools_csv(path: Path, rows: int) -> Path:
    lines = ["School URN,Name of School"]
    lines += [f"{900000 + i},Synthetic Community Primary School Number {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the translator -------------------------------------------------------------------------


@pytest.mark.parametrize("exc, words", [
    (zipfile.BadZipFile("Bad CRC-32 for file 'xl/worksheets/sheet1.xml'"), "damaged"),
    (zlib.error("Error -3 while decompressing data: invalid distance too far back"), "damaged"),
    (UnicodeDecodeError("utf-8", b"\xff\xfeabc", 0, 1, "invalid start byte"), "encoding"),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "/data/out.xlsx"), "is a folder"),
    (PermissionError(errno.EACCES, "Permission denied", "/data/in.csv"), "Permission denied"),
    (OSError(errno.ENOSPC, "No space left on device"), "disk is full"),
    (ValueError("Port out of range 0-65535"), "port"),
    (RuntimeError("SomethingError: odd"), "did not expect"),
])
def test_plain_message_names_no_class_and_says_nothing_changed(exc, words):
    message = plain_message(exc)
    assert words in message and "nothing was changed" in message
    assert not CLASS_NAME.search(message) and "\n" not in message


def test_plain_message_reports_the_failure_a_failed_rollback_hides():
    import peewee

    try:
        try:
            raise peewee.OperationalError(sqlite3.OperationalError("database or disk is full"),
                                          "database or disk is full")
        except peewee.OperationalError:
            raise peewee.OperationalError("cannot rollback - no transaction is active") from None
    except peewee.OperationalError as exc:
        caught = exc  # ``from None`` hides the context from a traceback; it is still there
    assert "disk holding the database is full" in plain_message(caught)


@pytest.mark.parametrize("exc", [
    zipfile.BadZipFile("Bad CRC-32 for file 'xl/sharedStrings.xml'"),
    zlib.error("Error -3 while decompressing data"),
    UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    PermissionError(errno.EACCES, "Permission denied", "schools.csv"),
])
def test_a_reader_failing_in_an_unexpected_way_is_one_line_and_imports_nothing(
        exc, demo_file, tmp_path, capsys, monkeypatch):
    from ittdesk.spreadsheets import importing

    def fails(*_args, **_kwargs):
        raise exc

    monkeypatch.setattr(importing, "load_source", fails)
    before = counts(demo_file)
    code, _, err = run(["import", "schools", schools_csv(tmp_path / "s.csv", 2),
                        "--db", demo_file], capsys)
    assert code == 1
    assert "nothing was changed" in one_plain_line(err)
    assert counts(demo_file) == before


def test_a_corrupt_workbook_is_refused_in_one_line(demo_file, tmp_path, capsys):
    from openpyxl import Workbook

    good = tmp_path / "good.xlsx"
    wb = Workbook()
    wb.active.append(["School URN", "Name of School"])
    for i in range(50):
        wb.active.append([900000 + i, f"Synthetic School {i}"])
    wb.save(good)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 40):
        data[i] ^= 0x5A  # the sheet's compressed bytes: bad CRC or bad deflate stream
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    before = counts(demo_file)
    code, _, err = run(["import", "schools", bad, "--db", demo_file], capsys)
    assert code == 1
    one_plain_line(err)
    assert counts(demo_file) == before


# -- a full disk ----------------------------------------------------------------------------


@pytest.mark.parametrize("nested", [False, True], ids=["transaction", "savepoint"])
def test_a_transaction_failing_on_a_full_disk_raises_the_full_disk(nested, sqlite_db):
    """SQLite rolls the whole transaction back itself; peewee's own ROLLBACK (or ROLLBACK TO
    SAVEPOINT) would then fail and hide the full disk behind "no transaction is active"."""
    import contextlib

    import peewee

    from ittdesk.models import database

    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count={pages + 5}")
    database.execute_sql("CREATE TABLE filler (x)")
    with pytest.raises(peewee.OperationalError) as caught:
        with database.atomic():
            with database.atomic() if nested else contextlib.nullcontext():
                for _ in range(200):
                    database.execute_sql("INSERT INTO filler VALUES (randomblob(1000))")
    assert "database or disk is full" in str(caught.value)
    assert database.execute_sql("SELECT count(*) FROM filler").fetchone()[0] == 0


def test_an_import_onto_a_full_disk_says_the_disk_is_full_and_changes_nothing(
        demo_file, tmp_path, capsys, monkeypatch):
    conn = sqlite3.connect(demo_file)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    monkeypatch.setitem(dbmod.SQLITE_PRAGMAS, "max_page_count", pages + 2)
    before = counts(demo_file)
    code, _, err = run(["import", "schools", schools_csv(tmp_path / "s.csv", 3000),
                        "--db", demo_file], capsys)
    assert code == 1
    line = one_plain_line(err)
    assert "full" in line and "rollback" not in line and "nothing was changed" in line
    assert counts(demo_file) == before


FULL_DISK_EXPORT = textwrap.dedent("""
    import errno, io, os, sys
    real_open = io.open

    class Full(io.FileIO):
        written = 0
        def write(self, data):
            if Full.written + len(data) > 4096:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            Full.written += len(data)
            return super().write(data)

    def full_open(file, mode="r", buffering=-1, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and str(file).endswith(".xlsx") \\
                and "b" in mode and ("w" in mode or "+" in mode):
            raw = Full(file, mode.replace("b", ""))
            return io.BufferedRandom(raw) if "+" in mode else io.BufferedWriter(raw)
        return real_open(file, mode, buffering, *args, **kwargs)

    io.open = full_open  # zipfile opens its file with io.open: the export's disk is full
    from main import main
    sys.exit(main(sys.argv[1:]))
""")


def test_an_export_to_a_full_disk_is_one_line_without_tracebacks(demo_file, tmp_path):
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    before = counts(demo_file)
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK_EXPORT, "export", "all",
         str(out_dir / "all.xlsx"), "--db", str(demo_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "disk is full" in one_plain_line(result.stderr)
    assert list(out_dir.iterdir()) == []
    assert counts(demo_file) == before


# -- paths, pipes, addresses ----------------------------------------------------------------


def test_an_export_onto_a_folder_names_the_folder(demo_file, tmp_path, capsys):
    folder = tmp_path / "out.xlsx"
    folder.mkdir()
    code, _, err = run(["export", "all", folder, "--db", demo_file], capsys)
    assert code == 1
    assert re.search(r"out\.xlsx.*(is a folder|Is a directory)", one_plain_line(err))
    assert list(folder.iterdir()) == []


class _ClosedPipe:
    def write(self, _text):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_a_closed_pipe_stops_quietly(demo_file, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = main(["audit", "--db", str(demo_file)])
    assert code == 1
    assert capsys.readouterr().err == ""


def test_a_closed_pipe_in_a_real_process_prints_nothing(demo_file):
    proc = subprocess.Popen([sys.executable, "main.py", "audit", "--db", str(demo_file)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert err == ""


@pytest.mark.parametrize("url", ["postgresql://someone@127.0.0.1:99999/itt",
                                 "postgresql://someone:secret@127.0.0.1:54x2/itt"])
def test_a_bad_port_in_a_server_address_is_one_line_without_the_password(url, capsys):
    code, _, err = run(["attention", "--db", url], capsys)
    assert code == 1
    line = one_plain_line(err)
    assert "port" in line and "secret" not in line


def test_a_bad_port_through_a_real_process(tmp_path):
    result = subprocess.run([sys.executable, "main.py", "agreement", "list", "--db",
                             "postgresql://u@localhost:70000/x"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "port" in one_plain_line(result.stderr)


# -- malformed option values ----------------------------------------------------------------


@pytest.mark.parametrize("argv, option", [
    (["agreement", "list", "--year", "2025/27"], "--year"),
    (["export", "partnership", "{tmp}/p.xlsx", "--year", "next year"], "--year"),
    (["leadership", "forms", "--year", "2026", "{tmp}"], "--year"),
    (["leadership", "status", "--year", "26/27"], "--year"),
    (["leadership", "collect", "{tmp}", "--year", "x"], "--year"),
    (["leadership", "forms", "--year", "2026/27", "{tmp}", "--return-by", "soon"], "--return-by"),
    (["leadership", "change", "100000", "headteacher", "a@example.org", "--on", "31/02/2026"],
     "--on"),
    (["retention", "review", "--date", "tomorrow"], "--date"),
    (["audit", "--since", "last week"], "--since"),
    (["audit", "--until", "32/01/2025"], "--until"),
    (["attention", "--limit", "-1"], "--limit"),
    (["agreement", "reminders", "--days", "soon"], "--days"),
    (["import", "list", "--limit", "0"], "--limit"),
])
def test_a_malformed_option_value_is_a_usage_error_in_every_command(argv, option, tmp_path,
                                                                    capsys):
    target = tmp_path / "never.sqlite3"
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--db", str(target)]
    code, _, err = run(argv, capsys)
    assert code == 2
    line = err.strip()
    assert "\n" not in line and option in line and not CLASS_NAME.search(line)
    assert not target.exists()


# -- missing, empty and damaged databases ---------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["attention"], ["agreement", "list"], ["agreement", "reminders"], ["audit"],
    ["export", "partnership", "{tmp}/p.xlsx"], ["import", "list"], ["leadership", "gaps"],
    ["retention", "review"], ["person", "export", "1", "{tmp}/p.xlsx"],
])
def test_commands_that_only_read_refuse_a_database_that_does_not_exist(argv, tmp_path, capsys):
    target = tmp_path / "typo" / "itt.sqlite3"
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--db", str(target)]
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    assert one_plain_line(err) == f"ittdesk: There is no ITT Desk database at {target}."
    assert not target.parent.exists()
    assert not list(tmp_path.glob("*.xlsx"))


def test_a_read_only_command_refuses_an_empty_file_and_leaves_it_empty(tmp_path, capsys):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    code, _, err = run(["agreement", "list", "--db", empty], capsys)
    assert code == 1 and "There is no ITT Desk database" in one_plain_line(err)
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite3"]


def test_demo_adopts_an_existing_empty_file_owner_only(tmp_path, capsys):
    empty = tmp_path / "new.sqlite3"
    empty.touch()
    os.chmod(empty, 0o644)
    code, out, _ = run(["demo", "--db", empty], capsys)
    assert code == 0 and "Demo partnership created" in out
    assert empty.stat().st_mode & 0o777 == 0o600


def test_importing_creates_the_database_a_read_only_command_would_not(tmp_path, capsys):
    target = tmp_path / "fresh.sqlite3"
    code, _, _ = run(["import", "schools", schools_csv(tmp_path / "s.csv", 2), "--db", target],
                     capsys)
    assert code == 0 and target.exists()
    assert run(["import", "list", "--db", target], capsys)[0] == 0


def damage(path: Path) -> None:
    """Overwrite the cells of the person table's first b-tree page: quick_check notices."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'person'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    offset = (root - 1) * page_size
    data[offset + 8:offset + 600] = b"\xde\xad\xbe\xef" * 148
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("argv", [
    ["export", "all", "{tmp}/all.xlsx"], ["attention"], ["agreement", "list"],
    ["retention", "set", "trainee", "9"],
])
def test_a_damaged_database_is_refused_before_any_command_uses_it(argv, demo_file, tmp_path,
                                                                   capsys):
    damage(demo_file)
    before = digest(demo_file)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--db", str(demo_file)]
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    assert "failed its integrity check" in one_plain_line(err)
    assert digest(demo_file) == before
    assert not (tmp_path / "all.xlsx").exists()
    assert run(["check", demo_file], capsys)[0] == 1  # the same verdict as check


def test_a_large_file_gets_the_cheaper_check_and_a_short_copy_is_refused(demo_file, tmp_path):
    from ittdesk.integrity import opening_problem

    assert opening_problem(demo_file, full_below=0) is None
    short = tmp_path / "short.sqlite3"
    short.write_bytes(demo_file.read_bytes()[: demo_file.stat().st_size // 2])
    problem = opening_problem(short, full_below=0)
    assert problem is not None and "short.sqlite3" in problem


# -- the automatic backup -------------------------------------------------------------------


def test_a_failed_automatic_backup_is_a_warning_not_a_refusal(demo_file, capsys,
                                                              _isolated_data_dir):
    (_isolated_data_dir / "backups").write_text("a file where the backup folder should be")
    code, out, err = run(["attention", "--db", demo_file], capsys)
    assert code == 0 and out
    line = one_plain_line(err)
    assert line.startswith("ittdesk: warning: today's automatic backup could not be made")
    code, out, err = run(["retention", "set", "trainee", "9", "--db", demo_file], capsys)
    assert code == 0 and "9 years" in out and "warning" in one_plain_line(err)


# -- PostgreSQL -----------------------------------------------------------------------------


# Only with a server, as conftest's BACKENDS: in CI a missing server fails the run there.
if POSTGRES_URL:
    def _pg_reset() -> None:
        import psycopg2

        conn = psycopg2.connect(POSTGRES_URL)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        conn.close()


    def _pg_scalar(sql: str):
        import psycopg2

        conn = psycopg2.connect(POSTGRES_URL)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchone()[0]
        finally:
            conn.close()


    def test_a_read_only_command_refuses_an_empty_server_database_and_creates_nothing(capsys):
        _pg_reset()
        code, _, err = run(["attention", "--db", POSTGRES_URL], capsys)
        assert code == 1 and "There is no ITT Desk database at PostgreSQL" in one_plain_line(err)
        assert _pg_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


    def test_a_lost_server_connection_is_one_line_and_changes_nothing(capsys, monkeypatch):
        import psycopg2

        from ittdesk.privacy import retention

        _pg_reset()
        dbmod.open_database(POSTGRES_URL, daily_backup=False)
        dbmod.close_database()
        audit_before = _pg_scalar("SELECT count(*) FROM audit_entry")
        settings_before = _pg_scalar("SELECT count(*) FROM setting")
        real_set_period = retention.set_period

        def server_goes_away(*args, **kwargs):
            killer = psycopg2.connect(POSTGRES_URL)
            killer.autocommit = True
            with killer.cursor() as cur:
                cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            killer.close()
            return real_set_period(*args, **kwargs)

        monkeypatch.setattr(retention, "set_period", server_goes_away)
        code, out, err = run(["retention", "set", "trainee", "9", "--db", POSTGRES_URL], capsys)
        assert code == 1 and "kept" not in out
        line = one_plain_line(err)
        assert "connection to the PostgreSQL server was lost" in line
        assert _pg_scalar("SELECT count(*) FROM audit_entry") == audit_before
        assert _pg_scalar("SELECT count(*) FROM setting") == settings_before
