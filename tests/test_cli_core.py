"""The CLI's contract: exit 0 ok, 1 refused with nothing changed, 2 usage; one line, no traceback."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from ittdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_version_prints_app_and_schema(capsys, tmp_path):
    code, out, _ = run(["version", "--db", str(tmp_path / "x.sqlite3")], capsys)
    assert code == 0 and "ITT Desk" in out and "schema" in out


def test_unknown_subcommand_is_a_usage_error(capsys):
    code, _, err = run(["frobnicate"], capsys)
    assert code == 2 and "invalid choice" in err and "Traceback" not in err


def test_missing_argument_is_a_usage_error(capsys):
    code, _, err = run(["backup"], capsys)
    assert code == 2 and "required" in err


def test_demo_builds_a_partnership_and_refuses_a_second_time(capsys, tmp_path):
    target = tmp_path / "demo.sqlite3"
    code, out, _ = run(["demo", "--db", str(target)], capsys)
    assert code == 0 and "schools" in out
    code, _, err = run(["--db", str(target), "demo"], capsys)
    assert code == 1
    assert err.count("\n") == 1 and "already has records" in err


def test_backup_check_restore_from_the_command_line(capsys, tmp_path):
    target = tmp_path / "live.sqlite3"
    assert run(["demo", "--db", str(target)], capsys)[0] == 0
    copy = tmp_path / "copy.sqlite3"
    code, out, _ = run(["backup", str(copy), "--db", str(target)], capsys)
    assert code == 0 and copy.exists()
    code, out, _ = run(["check", str(copy)], capsys)
    assert code == 0 and "ok" in out
    code, out, _ = run(["restore", str(copy), "--db", str(target)], capsys)
    assert code == 0 and "Restored" in out


def test_check_of_a_damaged_file_exits_1_and_writes_nothing(capsys, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"\xde\xad" * 2000)
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    code, _, err = run(["check", str(bad)], capsys)
    assert code == 1 and err.strip() and "Traceback" not in err
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.sqlite3"]


def test_restore_of_a_non_database_exits_1(capsys, tmp_path):
    target = tmp_path / "live.sqlite3"
    assert run(["demo", "--db", str(target)], capsys)[0] == 0
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("hello")
    code, _, err = run(["restore", str(junk), "--db", str(target)], capsys)
    assert code == 1 and "Not restored" in err


@pytest.mark.parametrize("entry", [["main.py"], ["-m", "ittdesk"]])
def test_entry_points_run_the_cli_without_a_traceback(entry, tmp_path):
    result = subprocess.run([sys.executable, *entry, "check", str(tmp_path / "missing.sqlite3")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
