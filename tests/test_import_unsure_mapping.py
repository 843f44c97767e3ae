"""A mapping the matcher only guessed is marked "check" and the CLI will not import it unasked."""

from __future__ import annotations

import csv
import json

import pytest

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.models import School


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "cli.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    dbmod.close_database()
    return path


def _csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _schools(path) -> list[tuple[int, str, str | None]]:
    dbmod.open_database(path, daily_backup=False)
    try:
        return [(s.urn, s.name, s.postcode) for s in School.select().order_by(School.urn)]
    finally:
        dbmod.close_database()


GUESSED = [["URN", "School name", "Correspondence postcode"], ["100000", "Fernbank", "LS1 4AP"]]


def test_an_unsure_column_is_marked_check_and_the_import_refused_naming_it(dbfile, tmp_path, capsys):
    path = _csv(tmp_path / "s.csv", GUESSED)
    assert main(["--db", str(dbfile), "import", "schools", str(path)]) == 1
    captured = capsys.readouterr()
    assert "'Correspondence postcode' -> Postcode   (check" in captured.out
    assert "'School name' -> Name\n" in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1
    assert "1 column(s) matched by a guess" in err[0]
    assert "'Correspondence postcode' -> Postcode" in err[0]
    assert "--accept-mapping" in err[0] and "--mapping" in err[0]
    assert _schools(dbfile) == []


def test_accept_mapping_imports_the_guessed_columns(dbfile, tmp_path, capsys):
    path = _csv(tmp_path / "s.csv", GUESSED)
    assert main(["--db", str(dbfile), "import", "schools", str(path), "--accept-mapping"]) == 0
    assert _schools(dbfile) == [(100000, "Fernbank", "LS1 4AP")]


def test_a_mapping_file_settles_the_unsure_column(dbfile, tmp_path, capsys):
    path = _csv(tmp_path / "s.csv", GUESSED)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"Correspondence postcode": None}), encoding="utf-8")
    assert main(["--db", str(dbfile), "import", "schools", str(path), "--mapping", str(mapping)]) == 0
    assert _schools(dbfile) == [(100000, "Fernbank", None)]


def test_a_dry_run_shows_the_guess_without_refusing(dbfile, tmp_path, capsys):
    path = _csv(tmp_path / "s.csv", GUESSED)
    assert main(["--db", str(dbfile), "import", "schools", str(path), "--dry-run"]) == 0
    assert "(check" in capsys.readouterr().out


def test_the_losing_column_is_named_in_the_notes(dbfile, tmp_path, capsys):
    path = _csv(tmp_path / "s.csv", [["URN", "Name", "Correspondence postcode", "establishment_postcode"],
                                     ["100000", "Fernbank", "LS2 9JT", "LS1 4AP"]])
    assert main(["--db", str(dbfile), "import", "schools", str(path)]) == 0
    out = capsys.readouterr().out
    assert "'Correspondence postcode' also looks like Postcode; 'establishment_postcode' was used" in out
    assert _schools(dbfile) == [(100000, "Fernbank", "LS1 4AP")]


def test_the_wizard_marks_a_guessed_column_check(tmp_path, sqlite_db):
    from PySide6.QtCore import Qt

    from ittdesk.spreadsheets import importing
    from ui.dialogs.import_wizard import MappingModel

    path = _csv(tmp_path / "s.csv", GUESSED)
    source = importing.load_source(path, "schools")
    try:
        model = MappingModel()
        model.load(source)
        how = {model.data(model.index(r, model.COL_HEADING)): model.data(model.index(r, model.COL_HOW))
               for r in range(model.rowCount())}
    finally:
        source.book.close()
    assert how == {"URN": "exact", "School name": "exact", "Correspondence postcode": "check"}
    row = next(r for r in range(model.rowCount())
               if model.data(model.index(r, model.COL_HEADING)) == "Correspondence postcode")
    tip = model.data(model.index(row, model.COL_HOW), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("A guess: the heading does not plainly name this field")
