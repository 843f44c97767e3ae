"""``ittdesk import``: exit codes, the printed summary, --dry-run, --skip-invalid, --mapping, list."""

from __future__ import annotations

import csv
import json

import pytest

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.models import ImportRun, School


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "cli.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    dbmod.close_database()
    return path


def write_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def school_count(path):
    dbmod.open_database(path, daily_backup=False)
    try:
        return School.select().count(), ImportRun.select().count()
    finally:
        dbmod.close_database()


def test_import_prints_summary_and_exits_0(dbfile, tmp_path, capsys):
    path = write_csv(tmp_path / "s.csv", [["School URN", "Name of School"], ["100000", "Fernbank"],
                                          ["100001", "Moorside"]])
    assert main(["--db", str(dbfile), "import", "schools", str(path)]) == 0
    out = capsys.readouterr().out
    assert "'School URN' -> URN" in out and "2 to add" in out
    assert "Imported: 2 added, 0 updated, 0 unchanged, 0 refused" in out
    assert school_count(dbfile) == (2, 1)


def test_a_refused_row_exits_1_and_writes_nothing(dbfile, tmp_path, capsys):
    path = write_csv(tmp_path / "s.csv", [["URN", "Name"], ["100000", "Fernbank"], ["abc", "Bad"]])
    assert main(["--db", str(dbfile), "import", "schools", str(path)]) == 1
    captured = capsys.readouterr()
    assert "row 3, column 'URN': 'abc' is not a URN" in captured.out
    assert captured.err.strip().splitlines() == [
        "ittdesk: 1 row(s) refused; nothing was imported (correct the file, or use --skip-invalid "
        "to import the other rows)"]
    assert "Traceback" not in captured.err
    assert school_count(dbfile) == (0, 0)


def test_skip_invalid_imports_the_rest_and_lists_refusals(dbfile, tmp_path, capsys):
    path = write_csv(tmp_path / "s.csv", [["URN", "Name"], ["100000", "Fernbank"], ["abc", "Bad"]])
    assert main(["--db", str(dbfile), "import", "schools", str(path), "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "row 3, column 'URN'" in out and "1 added" in out and "1 refused" in out
    assert school_count(dbfile) == (1, 1)


def test_dry_run_writes_nothing(dbfile, tmp_path, capsys):
    path = write_csv(tmp_path / "s.csv", [["URN", "Name"], ["100000", "Fernbank"]])
    assert main(["--db", str(dbfile), "import", "schools", str(path), "--dry-run"]) == 0
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert school_count(dbfile) == (0, 0)


def test_mapping_file_corrects_columns_and_updates_show_old_and_new(dbfile, tmp_path, capsys):
    first = write_csv(tmp_path / "a.csv", [["URN", "Name"], ["100000", "Fernbank"]])
    assert main(["--db", str(dbfile), "import", "schools", str(first)]) == 0
    odd = write_csv(tmp_path / "odd.csv", [["Ref", "Setting"], ["100000", "Fernbank Academy"]])
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Ref": "URN", "Setting": "name"}))
    capsys.readouterr()
    assert main(["--db", str(dbfile), "import", "schools", str(odd), "--mapping", str(mapping)]) == 0
    out = capsys.readouterr().out
    assert "row 2: URN 100000 Fernbank: Name 'Fernbank' -> 'Fernbank Academy'" in out
    # the corrected mapping is remembered for files with the same headings
    assert main(["--db", str(dbfile), "import", "schools", str(odd), "--dry-run"]) == 0
    assert "the mapping saved for these headings" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a real .xlsx workbook"),
    (b"PK\x03\x04 truncated", "damaged"),
])
def test_bad_files_get_one_line_and_exit_1(dbfile, tmp_path, capsys, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    assert main(["--db", str(dbfile), "import", "schools", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_bad_mapping_json_is_one_line(dbfile, tmp_path, capsys):
    path = write_csv(tmp_path / "s.csv", [["URN", "Name"], ["100000", "Fernbank"]])
    mapping = tmp_path / "map.json"
    mapping.write_text("{not json")
    assert main(["--db", str(dbfile), "import", "schools", str(path), "--mapping", str(mapping)]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_usage_errors_exit_2(dbfile, tmp_path, capsys):
    assert main(["--db", str(dbfile), "import"]) == 2
    assert main(["--db", str(dbfile), "import", "lions", "x.csv"]) == 2


def test_import_list_shows_past_imports(dbfile, tmp_path, capsys):
    path = write_csv(tmp_path / "s.csv", [["URN", "Name"], ["100000", "Fernbank"]])
    main(["--db", str(dbfile), "import", "schools", str(path)])
    capsys.readouterr()
    assert main(["--db", str(dbfile), "import", "list"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert "schools: 1 added, 0 updated, 0 refused" in line and str(path) in line
