"""A large xlsx sheet read a slice at a time gives exactly the rows calamine gives reading it whole.

The slices are made tiny here (a few hundred bytes of sheet XML) so that small workbooks are cut
in many places: every cell of every sheet is compared with calamine's whole-sheet reading.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from ittdesk.errors import RefusedError
from ittdesk.spreadsheets import reading, xlsx_slices

DATA = Path(__file__).resolve().parent / "data"
SHEET = "xl/worksheets/sheet1.xml"


def read_in_slices(monkeypatch: pytest.MonkeyPatch, first: int, size: int, block: int) -> None:
    """Every xlsx sheet read in slices, however small: the first of ~``first`` bytes, the
    others of ~``size``, cut at ``block``-byte blocks."""
    monkeypatch.setattr(xlsx_slices, "MIN_SHEET_BYTES", 0)
    monkeypatch.setattr(xlsx_slices, "MIN_RATIO", 0)
    monkeypatch.setattr(xlsx_slices, "FIRST_SLICE_BYTES", first)
    monkeypatch.setattr(xlsx_slices, "SLICE_BYTES", size)
    monkeypatch.setattr(xlsx_slices, "_BLOCK", block)


@pytest.fixture
def tiny_slices(monkeypatch):
    """Every xlsx sheet read in slices of ~1 KB, cut at 256-byte blocks."""
    read_in_slices(monkeypatch, 600, 1500, 256)


def _trimmed(rows: list[list]) -> list[list]:
    """Rows without their trailing empty cells, and without trailing empty rows (calamine makes
    every row as wide as the widest; a slice's rows are as wide as the sheet's dimension)."""
    result = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        result.append(row)
    while result and not result[-1]:
        result.pop()
    return result


def _whole_and_sliced(path: Path, monkeypatch) -> dict[str, tuple[object, object, object]]:
    """Each sheet's rows read whole, then in slices: name -> (whole, sliced, SlicedRows)."""
    sliced_min = xlsx_slices.MIN_SHEET_BYTES
    monkeypatch.setattr(xlsx_slices, "MIN_SHEET_BYTES", 1 << 40)
    whole_book = reading.open_book(path)
    monkeypatch.setattr(xlsx_slices, "MIN_SHEET_BYTES", sliced_min)
    sliced_book = reading.open_book(path)
    assert sliced_book.sheet_names == whole_book.sheet_names
    result = {}
    for name in whole_book.sheet_names + whole_book.hidden_sheets:
        outcomes = []
        for book in (whole_book, sliced_book):
            try:
                sheet = book.sheet(name)
            except RefusedError as exc:
                outcomes.append((f"refused: {exc}", None))
                continue
            outcomes.append((_trimmed(list(sheet.iter_rows())), sheet.stream))
        result[name] = (outcomes[0][0], outcomes[1][0], outcomes[1][1])
    whole_book.close()
    sliced_book.close()
    return result


def _assert_same_as_calamine(path: Path, monkeypatch) -> dict[str, int]:
    """Every sheet's rows the same both ways; gives the number of slices each was read in."""
    slices = {}
    for name, (whole, sliced, stream) in _whole_and_sliced(path, monkeypatch).items():
        assert sliced == whole, (path.name, name)
        if isinstance(whole, list) and whole:
            assert isinstance(stream, xlsx_slices.SlicedRows)
            assert stream.whole_from is None, (path.name, name)
            slices[name] = stream.slices
    return slices


def _every_kind_of_cell(path: Path, *, date_1904: bool = False) -> Path:
    """A workbook with each kind of value calamine tells apart, on sparse, ragged rows."""
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904, "strings_to_numbers": False})
    ws = wb.add_worksheet("Schools")
    bold = wb.add_format({"bold": True})
    formats = {
        "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
        "builtin date": wb.add_format({"num_format": 14}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "time": wb.add_format({"num_format": "hh:mm"}),
        "duration": wb.add_format({"num_format": "[h]:mm:ss"}),
        "percent": wb.add_format({"num_format": "0.00%"}),
        "text format": wb.add_format({"num_format": "@"}),
    }
    ws.write_row(0, 0, ["URN", "Name", "Opened", "Pupils", "Ratio", "Open?", "Note"], bold)
    for i in range(1, 400):
        r = i * 2 - 1 if i % 7 == 0 else i  # gaps: some rows are missing
        ws.write_number(r, 0, 100000 + i)
        if i % 3:
            ws.write_string(r, 1, f"School {i} Siân O'Brien  " if i % 5 else "  Zoë\u00a0")
        else:
            ws.write_rich_string(r, 1, "Rich ", bold, f"school {i}", " end")
        ws.write_datetime(r, 2, datetime(2000 + i % 25, 1 + i % 12, 1 + i % 28, i % 24, i % 60),
                          formats[["date", "builtin date", "datetime", "time"][i % 4]])
        ws.write_number(r, 3, [i, i + 0.5, -i * 1e15, 1e-7 * i, 2**53 + i][i % 5])
        ws.write_number(r, 4, i / 400, formats["percent"])
        ws.write_boolean(r, 5, bool(i % 2))
        if i % 11 == 0:
            ws.write_formula(r, 6, "=1/0", None, "#DIV/0!")
        elif i % 13 == 0:
            ws.write_formula(r, 6, f"=A{r + 1}&\"x\"", None, f"{100000 + i}x")
        elif i % 17 == 0:
            ws.write_formula(r, 6, f"=A{r + 1}*2", None, (100000 + i) * 2)
        elif i % 19 == 0:
            ws.write_blank(r, 6, None, bold)
        elif i % 23 == 0:
            ws.write_number(r, 6, 1.5 + i, formats["duration"])
        elif i % 29 == 0:
            ws.write_string(r, 40, "far to the right")
        elif i % 2:
            ws.write_string(r, 6, "0123", formats["text format"])
    ws.write_string(900, 2, "after a long gap")
    notes = wb.add_worksheet("Notes")
    notes.write_string(4, 3, "starts at D5")
    notes.write_row(5, 3, ["a", 1, True, date(2024, 2, 29)], None)
    notes.write_datetime(6, 4, date(2024, 9, 1), formats["date"])
    notes.write_datetime(7, 4, time(9, 30), formats["time"])
    hidden = wb.add_worksheet("Hidden")
    hidden.write_row(0, 0, ["kept", "out", "of", "sight"])
    hidden.hide()
    wb.add_worksheet("Empty")
    wb.close()
    return path


def test_every_kind_of_cell_reads_as_calamine_reads_it_whole(tmp_path, monkeypatch, tiny_slices):
    slices = _assert_same_as_calamine(_every_kind_of_cell(tmp_path / "cells.xlsx"), monkeypatch)
    assert slices["Schools"] >= 10 and set(slices) == {"Schools", "Notes", "Hidden"}


def test_the_1904_date_system_reads_as_calamine_reads_it(tmp_path, monkeypatch, tiny_slices):
    path = _every_kind_of_cell(tmp_path / "cells1904.xlsx", date_1904=True)
    assert _assert_same_as_calamine(path, monkeypatch)["Schools"] >= 10
    book = reading.open_book(path)
    assert book.epoch_1904
    first_dates = [row[2] for row in list(book.sheet("Schools").iter_rows())[1:3]]
    assert first_dates == [datetime(2001, 2, 2, 1, 1), datetime(2002, 3, 3, 2, 2)]


def test_real_public_workbooks_read_as_calamine_reads_them(monkeypatch, tiny_slices):
    paths = sorted(DATA.rglob("*.xls[xm]"))
    assert paths  # the LibreOffice-saved forms under tests/data
    for path in paths:
        assert _assert_same_as_calamine(path, monkeypatch)


def _rewritten(path: Path, change) -> Path:
    with zipfile.ZipFile(path) as src:
        parts = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts:
            dst.writestr(name, change(data) if name == SHEET else data)
    return path


def _plain_sheet(path: Path, rows: int = 200) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    for r in range(rows):
        ws.write_row(r, 0, [f"name {r}", r, r * 1.25])
    wb.close()
    return path


def test_inline_strings_and_cells_without_references_read_as_calamine_reads_them(
        tmp_path, monkeypatch, tiny_slices):
    def inline(xml: bytes) -> bytes:
        # every third row's cells lose their r (calamine places them one after the other)
        xml = re.sub(rb'(<row r="\d*[369]"[^>]*>)(.*?)</row>',
                     lambda m: m.group(1) + re.sub(rb' r="[A-Z]+\d+"', b"", m.group(2)) + b"</row>",
                     xml)
        # and numbers become inline strings with runs
        return re.sub(rb'<c r="(B\d+)"><v>([^<]*)</v></c>',
                      rb'<c r="\1" t="inlineStr"><is><r><t>n</t></r><r><t xml:space="preserve"> \2</t></r></is></c>',
                      xml)
    path = _rewritten(_plain_sheet(tmp_path / "inline.xlsx"), inline)
    assert b"inlineStr" in zipfile.ZipFile(path).read(SHEET)
    assert _assert_same_as_calamine(path, monkeypatch)["Sheet1"] >= 10
    rows = list(reading.open_book(path).sheet().iter_rows())
    assert rows[1][1] == "n 1" and rows[2][:3] == ["name 2", 2.0, 2.5]  # row 3: cells without r


@pytest.mark.parametrize("change", [
    pytest.param(lambda x: re.sub(rb'<row r="1\d"', b"<row", x), id="rows without r"),
    pytest.param(lambda x: x.replace(b'<row r="50"', b'<!-- </row> --><row r="50"'), id="a comment"),
    pytest.param(lambda x: re.sub(rb'<c r="A61" t="s"><v>\d+</v></c>',
                                  b'<c r="A61" t="str"><v><![CDATA[</row>x]]></v></c>', x), id="CDATA"),
])
def test_where_a_cut_could_change_the_rows_calamine_reads_the_rest_whole(
        change, tmp_path, monkeypatch, tiny_slices):
    path = _plain_sheet(tmp_path / "odd.xlsx")
    with zipfile.ZipFile(path) as z:
        shared = b"<si>" in z.read("xl/sharedStrings.xml")
    assert shared
    before = zipfile.ZipFile(path).read(SHEET)
    path = _rewritten(path, change)
    assert zipfile.ZipFile(path).read(SHEET) != before
    result = _whole_and_sliced(path, monkeypatch)
    whole, sliced, stream = result["Sheet1"]
    assert sliced == whole
    assert isinstance(stream, xlsx_slices.SlicedRows) and stream.whole_from is not None


def test_rows_out_of_order_across_a_cut_are_refused_not_misread(tmp_path, monkeypatch, tiny_slices):
    def swap(xml: bytes) -> bytes:  # row 150's cells written after row 199
        row = re.search(rb'<row r="150".*?</row>', xml).group()
        return xml.replace(row, b"").replace(b"</sheetData>", row + b"</sheetData>")
    path = _rewritten(_plain_sheet(tmp_path / "order.xlsx"), swap)
    sheet = reading.open_book(path).sheet()
    with pytest.raises(RefusedError, match=r"order\.xlsx cannot be read: its rows are out of order "
                                           r"\(row 150 comes after row \d+\)"):
        list(sheet.iter_rows())


def test_hostile_workbooks_are_refused_with_the_same_message(tmp_path, monkeypatch, tiny_slices):
    from tests.test_hostile_files import WORKBOOK_MUTANTS, mutant

    for name, (change, expected) in WORKBOOK_MUTANTS.items():
        messages = []
        for min_bytes in (1 << 40, 0):
            monkeypatch.setattr(xlsx_slices, "MIN_SHEET_BYTES", min_bytes)
            with pytest.raises(RefusedError) as refused:
                book = reading.open_book(mutant(tmp_path, "hostile", change))
                list(book.sheet().iter_rows())
            messages.append(str(refused.value))
        assert messages[0] == messages[1], name
        assert all(word in messages[1] for word in expected), (name, messages[1])


def test_a_small_sheet_is_read_whole_and_a_large_one_in_slices(tmp_path, monkeypatch):
    path = _plain_sheet(tmp_path / "small.xlsx", rows=50)
    assert not isinstance(reading.open_book(path).sheet().stream, xlsx_slices.SlicedRows)
    assert xlsx_slices.MIN_SHEET_BYTES > xlsx_slices.SLICE_BYTES > xlsx_slices.FIRST_SLICE_BYTES
    # the GIAS sheet (150 MB of XML, 7 MB of shared strings) is sliced; the enrolments sheet
    # (57 MB, 13 MB: each slice would read its shared strings again) is not
    assert xlsx_slices.worth_slicing(150 << 20, 7 << 20)
    assert not xlsx_slices.worth_slicing(57 << 20, 13 << 20)
    assert not xlsx_slices.worth_slicing(200 << 20, 40 << 20)
    monkeypatch.setattr(xlsx_slices, "MIN_SHEET_BYTES", 0)
    monkeypatch.setattr(xlsx_slices, "MIN_RATIO", 0)
    assert isinstance(reading.open_book(path).sheet().stream, xlsx_slices.SlicedRows)


def test_dates_and_times_keep_calamine_types(tmp_path, monkeypatch, tiny_slices):
    book = reading.open_book(_every_kind_of_cell(tmp_path / "types.xlsx"))
    rows = list(book.sheet("Schools").iter_rows())
    kinds = {type(row[2]) for row in rows[1:300] if row and row[2] != ""}
    assert kinds == {date, datetime}
    notes = list(book.sheet("Notes").iter_rows())
    assert notes[6][4] == date(2024, 9, 1) and notes[7][4] == time(9, 30)


def _planned(path: Path) -> tuple[list[tuple], list[str], Any]:
    from ittdesk.spreadsheets import importing

    source = importing.load_source(path, "schools")
    plan = importing.plan_import(source)
    items = [(i.row, i.action, i.key, i.description, dict(i.changes), i.warnings) for i in plan.items]
    return items, [str(r) for r in plan.refused], plan


def test_a_gias_import_read_in_slices_plans_and_stores_what_calamine_whole_gives(
        db, tmp_path, monkeypatch):
    from bench.gias import GIAS_COLUMNS, school_rows
    from bench.xlsxraw import write_xlsx
    from ittdesk.models import School
    from ittdesk.spreadsheets import importing

    path = tmp_path / "gias.xlsx"
    rows = list(school_rows(400, 7))
    write_xlsx(path, [list(GIAS_COLUMNS)] + rows, width=len(GIAS_COLUMNS), sheet_name="Establishments")
    whole_items, whole_refused, _ = _planned(path)
    for name, value in (("MIN_SHEET_BYTES", 0), ("MIN_RATIO", 0), ("FIRST_SLICE_BYTES", 20_000),
                        ("SLICE_BYTES", 60_000), ("_BLOCK", 8_192)):
        monkeypatch.setattr(xlsx_slices, name, value)
    sliced_items, sliced_refused, plan = _planned(path)
    assert isinstance(plan.source.sheet.stream, xlsx_slices.SlicedRows)
    assert plan.source.sheet.stream.slices >= 10 and plan.source.sheet.stream.whole_from is None
    assert sliced_items == whole_items and sliced_refused == whole_refused
    assert len(sliced_items) == 400
    result = importing.apply_plan(plan, skip_invalid=True)
    assert result.added == len([i for i in whole_items if i[1] == "add"]) == School.select().count()


def test_a_small_sheet_beside_a_sliced_one_is_read_whole_from_the_file_that_was_opened(
        tmp_path, monkeypatch):
    path = _every_kind_of_cell(tmp_path / "two.xlsx")
    monkeypatch.setattr(xlsx_slices, "MIN_SHEET_BYTES", 5_000)
    monkeypatch.setattr(xlsx_slices, "MIN_RATIO", 0)
    book = reading.open_book(path)
    assert isinstance(book.sheet("Schools").stream, xlsx_slices.SlicedRows)
    notes = book.sheet("Notes")
    assert not isinstance(notes.stream, xlsx_slices.SlicedRows)
    assert notes.rows[4][3] == "starts at D5"
    book.close()

    book = reading.open_book(path)
    _plain_sheet(tmp_path / "other.xlsx").replace(path)  # saved over after it was opened
    with pytest.raises(RefusedError, match="two.xlsx changed since it was opened: open it again"):
        book.sheet("Notes")
    book.close()
    with pytest.raises(RefusedError, match="two.xlsx was closed before it was read"):
        list(book.sheet("Schools").iter_rows())


def test_a_slices_workbook_is_a_plain_zip_of_its_parts():
    """The small workbook each slice is given to calamine as: a stored zip (zipfile reads it
    back, CRCs checked, a UTF-8 name marked so) made of pieces, the slice's blocks taken over
    (the caller holds no copy), the companions' entries made once for every slice."""
    import io

    parts = {"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": b"<sst>" + b"x" * 5000}
    companions = xlsx_slices._StoredZip(parts)
    for round_ in range(2):
        blocks = [b"<worksheet>", b"<row>" * 1000, b"</worksheet>"]
        pieces = companions.with_entry(f"xl/worksheets/ feuille é{round_}.xml", blocks)
        assert blocks == []  # taken over: the caller holds no copy
        assert pieces[1] is companions.pieces[1]  # the companions' bytes, not a copy of them
        with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as archive:
            assert archive.testzip() is None
            assert {i.filename: archive.read(i) for i in archive.infolist()} == {
                **parts, f"xl/worksheets/ feuille é{round_}.xml": b"<worksheet>" + b"<row>" * 1000
                + b"</worksheet>"}
            assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())


def _counted_parses(monkeypatch) -> list[int]:
    """Counts calamine's workbooks made for slices (one per slice parsed)."""
    from python_calamine import CalamineWorkbook

    made: list[int] = []
    original = CalamineWorkbook.from_path

    def counted(path):
        book = original(path)
        made.append(1)
        return book

    monkeypatch.setattr(CalamineWorkbook, "from_path", counted)
    return made


def test_a_sheets_first_rows_parse_the_first_slice_only(tmp_path, monkeypatch, tiny_slices):
    monkeypatch.setattr(xlsx_slices, "FIRST_SLICE_BYTES", 20_000)  # more than HEAD_ROWS rows
    path = _plain_sheet(tmp_path / "head.xlsx", rows=400)
    made = _counted_parses(monkeypatch)
    book = reading.open_book(path)
    made.clear()  # the workbook's own (its sheet names)
    sheet = book.sheet()
    assert len(sheet.head) == reading.HEAD_ROWS and len(made) == 1
