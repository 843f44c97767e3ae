"""``ittdesk export``: exit codes, one-line errors, templates with suggested or given mappings."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook, load_workbook

from ittdesk import db as dbmod
from ittdesk.academic_year import AcademicYear
from ittdesk.cli import main


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def demo_path(demo_db):
    path = demo_db.path
    dbmod.close_database()
    return path


def test_export_writes_a_builtin_return_for_the_current_year_by_default(demo_db, tmp_path, capsys):
    path = demo_path(demo_db)
    code, out, err = run(capsys, "--db", path, "export", "placements", tmp_path / "p.xlsx")
    assert code == 0, err
    assert f"for {AcademicYear.current()}" in out and "rows written" in out
    ws = load_workbook(tmp_path / "p.xlsx").worksheets[0]
    assert ws.title == "Placements return" and ws["A5"].value == "Trainee"


def test_export_filters_by_la_and_year(demo_db, tmp_path, capsys):
    path = demo_path(demo_db)
    code, out, err = run(capsys, "--db", path, "export", "partnership", tmp_path / "p.xlsx",
                         "--la", "Westdale", "--year", str(AcademicYear.current()))
    assert code == 0, err
    ws = load_workbook(tmp_path / "p.xlsx").worksheets[0]
    las = {r[2] for r in ws.iter_rows(min_row=6, values_only=True)}
    assert las == {"Westdale"}


def test_bad_input_is_one_line_with_exit_1_and_no_file(demo_db, tmp_path, capsys):
    path = demo_path(demo_db)
    code, out, err = run(capsys, "--db", path, "export", "cohorts", tmp_path / "c.xlsx",
                         "--year", "2025/27")
    assert code == 2 and err.count("\n") == 1 and "academic year" in err
    code, out, err = run(capsys, "--db", path, "export", "cohorts", tmp_path / "c.xlsx",
                         "--la", "Atlantis")
    assert code == 1 and "Atlantis" in err and "Northmoor" in err
    code, out, err = run(capsys, "--db", path, "export", "cohorts", tmp_path / "nope" / "c.xlsx")
    assert code == 1 and "does not exist" in err
    assert list(tmp_path.glob("*.xlsx")) == []


def test_usage_errors_exit_2(demo_db, tmp_path, capsys):
    path = demo_path(demo_db)
    assert run(capsys, "--db", path, "export", "fish", tmp_path / "x.xlsx")[0] == 2
    assert run(capsys, "--db", path, "export", "cohorts", tmp_path / "x.xlsx",
               "--mapping", "m.json")[0] == 2
    assert run(capsys, "--db", path, "export", "all", tmp_path / "x.xlsx", "--la", "X")[0] == 2
    assert run(capsys, "--db", path, "export", "cohorts", tmp_path / "x.csv")[0] == 2
    code, _out, err = run(capsys, "--db", path, "export", "agreements", tmp_path / "x.xlsx",
                          "--programme", "NPQ for Senior Leadership")
    assert code == 2 and "no programme filter" in err


def last_complete_year() -> str:
    """The demo's last complete academic year: the current one may have just begun (from 1
    September to its first training day the demo has no mentor training in it, as in life)."""
    return str(AcademicYear.current().previous())


def make_la_template(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Mentor training"
    ws.merge_cells("A1:E1")
    ws["A1"] = "Westdale mentor training claim"
    ws.append([])
    ws.append(["Mentor name", "Teacher reference number", "School", "Hours", "Shoe size"])
    ws.append([])
    ws.append([])
    ws.append(["Total", None, None, "=SUM(D4:D5)"])
    wb.save(path)
    return path


def test_template_with_suggested_mapping_prints_it_and_the_headings_left_empty(demo_db, tmp_path,
                                                                             capsys):
    path = demo_path(demo_db)
    template = make_la_template(tmp_path / "la.xlsx")
    code, out, err = run(capsys, "--db", path, "export", "mentor-training", tmp_path / "out.xlsx",
                         "--template", template, "--year", last_complete_year())
    assert code == 0, err
    assert "Mapping (suggested)" in out and "'Mentor name'" in out and "<- Mentor" in out
    assert "could not place (left empty): Shoe size" in out
    assert "rows were inserted" in out
    ws = load_workbook(tmp_path / "out.xlsx")["Mentor training"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] and r[0] != "Total"]
    total_row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "Total")
    assert ws.cell(total_row, 4).value == f"=SUM(D4:D{total_row - 1})"
    assert len(rows) == total_row - 4
    assert all(r[4] is None for r in rows)


def test_template_with_a_mapping_file(demo_db, tmp_path, capsys):
    path = demo_path(demo_db)
    template = make_la_template(tmp_path / "la.xlsx")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"E": "Training", "Hours": None}))
    code, out, err = run(capsys, "--db", path, "export", "mentor-training", tmp_path / "out.xlsx",
                         "--template", template, "--mapping", mapping, "--year", last_complete_year())
    assert code == 0, err
    assert "Mapping (from m.json)" in out
    ws = load_workbook(tmp_path / "out.xlsx").active
    assert ws["E4"].value in ("Initial", "Refresher") and ws["D4"].value is None
    mapping.write_text("{not json")
    code, out, err = run(capsys, "--db", path, "export", "mentor-training", tmp_path / "o2.xlsx",
                         "--template", template, "--mapping", mapping)
    assert code == 1 and "not a JSON mapping" in err


@pytest.mark.slow
def test_export_all_then_read_export_into_an_empty_database(demo_db, tmp_path, capsys):
    path = demo_path(demo_db)
    code, out, err = run(capsys, "--db", path, "export", "all", tmp_path / "all.xlsx")
    assert code == 0, err
    assert "Schools" in out
    empty = tmp_path / "new.sqlite3"
    code, out, err = run(capsys, "--db", empty, "read-export", tmp_path / "all.xlsx")
    assert code == 0, err
    assert "120 Schools" in " ".join(out.split())
    code, out, err = run(capsys, "--db", empty, "read-export", tmp_path / "all.xlsx")
    assert code == 1 and "empty database" in err


def test_a_full_export_also_imports_with_ittdesk_import_all(demo_db, tmp_path, capsys):
    from ittdesk.models import Person

    people_in_demo = Person.select().count()
    path = demo_path(demo_db)
    assert run(capsys, "--db", path, "export", "all", tmp_path / "all.xlsx")[0] == 0
    empty = tmp_path / "via-import.sqlite3"
    code, out, err = run(capsys, "import", "all", tmp_path / "all.xlsx", "--db", empty)
    assert code == 0, err
    assert "120 Schools" in " ".join(out.split())
    dbmod.open_database(empty, daily_backup=False)
    try:
        assert Person.select().count() == people_in_demo
    finally:
        dbmod.close_database()
