"""Workbooks are written formula-safe and atomically."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from ittdesk.errors import RefusedError
from ittdesk.spreadsheets.safe import atomic_write, save_workbook, set_cell, write_only_cell


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


def test_write_only_cells_are_formula_safe_too(tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append([write_only_cell(ws, "=1+1"), write_only_cell(ws, 7)])
    out = save_workbook(wb, tmp_path / "wo.xlsx")
    back = load_workbook(out).active
    assert back["A1"].value == "=1+1" and back["A1"].data_type == "s"
    assert back["B1"].value == 7


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
