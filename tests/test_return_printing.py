"""A return printed from Excel or LibreOffice stays readable: landscape A4, headings on every
page, and as many pages across as keep the text at 8 pt or more (one page across shrank a wide
return to unreadable strips)."""

from __future__ import annotations

from openpyxl import load_workbook

from ittdesk.spreadsheets.writer import MIN_PRINT_SCALE, SheetColumn, pages_wide, write_return


def test_a_narrow_return_fits_one_page_across_and_a_wide_one_several():
    assert pages_wide([30, 12, 20]) == 1
    assert pages_wide([40] * 12) >= 3
    assert MIN_PRINT_SCALE >= 8 / 11


def _written(tmp_path, count: int):
    columns = [SheetColumn(f"c{n}", f"Heading number {n}") for n in range(count)]
    rows = [[f"a value in column {n}" for n in range(count)] for _ in range(30)]
    write_return(tmp_path / "r.xlsx", title="Wide", filters=[], columns=columns, rows=rows)
    return load_workbook(tmp_path / "r.xlsx").worksheets[0]


def _pages_across(sheet) -> int:
    """fitToWidth as a spreadsheet program reads it: absent means 1 (the file format's default,
    ECMA-376 CT_PageSetup; XlsxWriter leaves a default out, openpyxl reads it back as None)."""
    across = sheet.page_setup.fitToWidth
    return 1 if across is None else across


def test_a_wide_return_prints_landscape_over_pages_with_headings_and_first_column_repeated(
        tmp_path):
    sheet = _written(tmp_path, 20)
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9
    assert _pages_across(sheet) > 1 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    header_row = next(c.row for c in sheet["A"] if c.value == "Heading number 0")
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.print_title_cols == "$A:$A"


def test_a_narrow_return_prints_one_page_across_without_a_repeated_column(tmp_path):
    sheet = _written(tmp_path, 3)
    assert _pages_across(sheet) == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_cols is None
