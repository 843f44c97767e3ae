"""Workbooks are written formula-safe and atomically."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from ittdesk.errors import RefusedError
from ittdesk.spreadsheets.safe import atomic_write, save_workbook, set_cell


def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    hostile = ['=HYPERLINK("http://x","y")', "+44 1632 960000", "-5 days", "@SUM(A1)", "\tx"]
    for row, value in enumerate(hostile, start=1):
        set_cell(ws.cell(row=row, column=1), value)
    set_cell(ws.cell(row=1, column=2), 42)
    out = save_workbook(wb, tmp_path / "out.xlsx")
    back = load_workbook(out).active
    for row, value in enumerate(hostile, start=1):
        assert back.cell(row=row, column=1).value == value
        assert back.cell(row=row, column=1).data_type == "s"
    assert back.cell(row=1, column=2).value == 42


def test_new_workbooks_are_formula_safe_too(tmp_path):
    from ittdesk.spreadsheets.writer import Styles, workbook, write_value

    def write(tmp):
        with workbook(tmp) as wb:
            ws = wb.add_worksheet("Data")
            for col, value in enumerate(("=1+1", 7, "http://x.example", "1e5", "a\x01b")):
                write_value(ws, 0, col, value, Styles(wb))

    out = atomic_write(tmp_path / "new.xlsx", write)
    back = load_workbook(out).active
    assert back["A1"].value == "=1+1" and back["A1"].data_type == "s"
    assert back["B1"].value == 7
    # no link or number is made of text either, and a control character is dropped
    assert back["C1"].value == "http://x.example" and back["C1"].hyperlink is None
    assert back["D1"].value == "1e5" and back["D1"].data_type == "s"
    assert back["E1"].value == "ab"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "keep.xlsx"
    target.write_bytes(b"old contents")

    def boom(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.xlsx"]


def test_a_missing_folder_is_a_clear_refusal(tmp_path):
    with pytest.raises(RefusedError, match="does not exist"):
        atomic_write(tmp_path / "nope" / "x.xlsx", lambda tmp: None)
