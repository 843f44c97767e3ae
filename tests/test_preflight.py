"""The preflight's own rules: every cell position found whatever the chunking, limits per
purpose, and ordinary files (many chunks, LibreOffice's habits) let through."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from bench.xlsxraw import write_xlsx
from ittdesk.errors import RefusedError
from ittdesk.spreadsheets import preflight

SHEET = "xl/worksheets/sheet1.xml"


def gias_like(path: Path, rows: int = 600, width: int = 139) -> Path:
    """A sheet shaped like the GIAS extract (139 columns, shared strings, numbers, blanks)."""
    data = [[f"Column {i}" for i in range(width)]]
    data += [[100000 + r if i == 0 else (f"text {r % 97} {i}" if i % 3 else
                                          (r * i if i % 2 else None)) for i in range(width)]
             for r in range(rows)]
    write_xlsx(path, data, width=width)
    return path


def rewrite(path: Path, change) -> Path:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts[SHEET] = change(parts[SHEET])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.fixture(params=[512, 4096, 1024 * 1024], ids=["tiny-chunks", "small-chunks", "1MB"])
def chunk(request, monkeypatch):
    monkeypatch.setattr(preflight, "CHUNK", request.param)
    return request.param


def test_a_gias_shaped_sheet_passes_in_any_chunking(chunk, tmp_path):
    path = gias_like(tmp_path / "gias.xlsx")
    preflight.check_workbook(path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert len(rows) == 601 and len(rows[0]) == 139


@pytest.mark.parametrize("row", [2, 137, 333, 601])
@pytest.mark.parametrize("far", [b"EI1048576", b"ZZ2", b"XFD1"])
def test_one_far_cell_anywhere_is_found_in_any_chunking(chunk, tmp_path, row, far, monkeypatch):
    monkeypatch.setattr(preflight, "IMPORT", dataclasses.replace(preflight.IMPORT, cells=200_000))
    path = gias_like(tmp_path / "far.xlsx")
    rewrite(path, lambda xml: xml.replace(b'<c r="B%d"' % row, b'<c r="%s"' % far, 1))
    letters = far.decode().rstrip("0123456789")
    with pytest.raises(RefusedError, match=f"{letters}[0-9]+.*far beyond"):
        preflight.check_workbook(path)


@pytest.mark.parametrize("cell", [b"EJ300", b"ej300", b"AAAA300", b"Ej300"])
def test_one_column_beyond_the_rest_in_a_later_chunk_widens_the_sheet(chunk, tmp_path, cell,
                                                                       monkeypatch):
    """After the first chunk the preflight only looks closer at a chunk with a cell beyond the
    columns seen so far: a cell one column to the right (or an odd reference to it) is still
    found, and the area it makes is the one refused."""
    path = gias_like(tmp_path / "wide.xlsx")
    rewrite(path, lambda xml: xml.replace(b'<c r="B300"', b'<c r="%s"' % cell, 1))
    if cell.upper().startswith(b"AAAA"):
        with pytest.raises(RefusedError, match="AAAA300, far beyond"):
            preflight.check_workbook(path)
        return
    area = 601 * 140  # A1:EJ601
    preflight.check_workbook(path, dataclasses.replace(preflight.IMPORT, cells=area))
    with pytest.raises(RefusedError, match=r"spans A1:EJ601 \(84,140 cells\), far beyond"):
        preflight.check_workbook(path, dataclasses.replace(preflight.IMPORT, cells=area - 1))


def test_the_pattern_of_the_columns_seen_so_far_matches_exactly_those_columns():
    import re

    from ittdesk.spreadsheets.part_scans import column_letters, columns_up_to

    names = [column_letters(n) for n in range(1, 16_385)]
    for last in (1, 2, 25, 26, 27, 52, 139, 676, 702, 703, 728, 16_384):
        pattern = re.compile(f"(?:{columns_up_to(column_letters(last))})\\Z")
        assert [n for n in names if pattern.match(n)] == names[:last]
        assert not any(pattern.match(n) for n in ("a", "Ab", "AAAA", "XFE", ""))


def test_cells_and_rows_without_references_are_placed_as_calamine_places_them(chunk, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setattr(preflight, "IMPORT", dataclasses.replace(preflight.IMPORT, cells=6_899))
    path = gias_like(tmp_path / "implicit.xlsx", rows=20, width=10)
    # two more rows without r after row 21, each of 300 cells without r: 810 cells that span
    # A1:KN23, 6,900 cells
    extra = (b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>") * 2
    rewrite(path, lambda xml: xml.replace(b"</sheetData>", extra + b"</sheetData>"))
    with pytest.raises(RefusedError, match=r"spans A1:KN23 \(6,900 cells\), far beyond"):
        preflight.check_workbook(path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert (len(rows), len(rows[-1])) == (23, 300)


def test_more_cells_than_the_limit_are_refused_even_when_they_repeat_one_reference(tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setattr(preflight, "IMPORT", dataclasses.replace(preflight.IMPORT, cells=1_000))
    path = gias_like(tmp_path / "repeat.xlsx", rows=2, width=3)
    row = b'<row r="4">' + b'<c r="A4"><v>1</v></c>' * 2_000 + b"</row>"
    rewrite(path, lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>"))
    with pytest.raises(RefusedError, match="more than 1,000 cells"):
        preflight.check_workbook(path)


def test_shared_strings_are_counted_as_well_as_declared(tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "IMPORT", dataclasses.replace(preflight.IMPORT, strings=100))
    path = gias_like(tmp_path / "strings.xlsx", rows=200, width=4)  # ~100 distinct texts
    with zipfile.ZipFile(path) as z:
        declared = z.read("xl/sharedStrings.xml")
    assert b'uniqueCount="' in declared
    rewrite_strings = declared.replace(b'uniqueCount="', b'uniqueCount="1').replace(
        b' count="', b' count="1')
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/sharedStrings.xml"] = rewrite_strings
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(RefusedError, match="shared strings"):
        preflight.check_workbook(path)


def test_templates_have_stricter_limits_than_imports(tmp_path):
    path = gias_like(tmp_path / "merged.xlsx", rows=5, width=3)
    rewrite(path, lambda xml: xml.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A10:CV2000"/>'
                         b"</mergeCells>"))
    preflight.check_workbook(path, preflight.IMPORT)  # calamine does not build merged cells
    with pytest.raises(RefusedError, match="199,100 merged cells"):
        preflight.check_workbook(path, preflight.TEMPLATE)


def test_an_xls_larger_than_the_limit_is_refused_from_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "IMPORT", dataclasses.replace(preflight.IMPORT,
                                                                 file_bytes=2 * 1024 * 1024))
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024 * 1024 + 1))
    with pytest.raises(RefusedError, match=r"more than any real \.xls workbook"):
        preflight.check_workbook(path)


def test_a_far_reference_in_a_non_cell_attribute_is_ignored_but_a_far_range_is_not(tmp_path):
    path = gias_like(tmp_path / "ranges.xlsx", rows=5, width=3)
    rewrite(path, lambda xml: xml.replace(
        b"</sheetData>", b'</sheetData><dataValidations count="1"><dataValidation type="list" '
                         b'sqref="A2:A1048576 C2:C1048576"><formula1>"a,b"</formula1>'
                         b"</dataValidation></dataValidations>"))
    preflight.check_workbook(path)  # whole-column validations are common in real templates
    rewrite(path, lambda xml: xml.replace(b'sqref="A2:A1048576', b'sqref="A2:A1048577'))
    with pytest.raises(RefusedError, match="A1048577"):
        preflight.check_workbook(path)


def test_a_file_that_passed_is_not_scanned_again_until_it_changes(tmp_path, monkeypatch):
    path = gias_like(tmp_path / "twice.xlsx", rows=5, width=3)
    preflight.check_workbook(path)
    scans = []
    monkeypatch.setattr(preflight, "check_archive", lambda *args: scans.append(args))
    preflight.check_workbook(path)  # the import wizard's second and third look
    assert scans == []
    rewrite(path, lambda xml: xml.replace(b'<c r="B2"', b'<c r="B3"', 1))
    preflight.check_workbook(path)
    assert len(scans) == 1
    preflight.check_workbook(path, preflight.TEMPLATE)  # other limits: checked again
    assert len(scans) == 2


def test_deep_nesting_is_refused_in_a_template_and_left_to_calamine_in_an_import(tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setattr(preflight, "CHUNK", 4096)
    path = gias_like(tmp_path / "nested.xlsx", rows=5, width=3)
    rewrite(path, lambda xml: xml.replace(b"</worksheet>",
                                          b"<x>" * 5_000 + b"</x>" * 5_000 + b"</worksheet>"))
    preflight.check_workbook(path, preflight.IMPORT)  # calamine streams: no tree is built
    with pytest.raises(RefusedError, match="deep, far beyond any real workbook"):
        preflight.check_workbook(path, preflight.TEMPLATE)
    preflight.check_workbook(gias_like(tmp_path / "plain.xlsx"), preflight.TEMPLATE)


@pytest.mark.parametrize("parts", [12_000, 70_000], ids=["zip", "zip64"])
def test_an_archive_of_too_many_parts_is_refused_from_its_end_record(parts, tmp_path, monkeypatch):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(parts):
            z.writestr(f"xl/media/p{i}.bin", b"")
    built = []
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: built.append(a))
    with pytest.raises(RefusedError, match=f"holds {parts:,} parts"):
        preflight.check_workbook(path)
    assert built == []  # refused before zipfile built an object per part


def _sheet_xml(rows: list[tuple[int, bool, list[tuple[int, bool]]]]) -> bytes:
    from ittdesk.spreadsheets.part_scans import column_letters

    out = [b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
           b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for row, row_ref, cells in rows:
        out.append(b'<row r="%d">' % row if row_ref else b"<row>")
        for col, cell_ref in cells:
            ref = b' r="%s%d"' % (column_letters(col).encode(), row) if cell_ref else b""
            out.append(b"<c%s><v>%d</v></c>" % (ref, col))
        out.append(b"</row>")
    out.append(b"</sheetData></worksheet>")
    return b"".join(out)


def _positions(draw_rows, draw_cols, omit_row, omit_cell):
    """Unique rows and columns, a reference left out only where it follows the one before (as
    a writer that omits them would), so calamine and the preflight see the same cells."""
    rows, previous = [], 0
    for i, row in enumerate(sorted(set(draw_rows))):
        cols, before = [], 0
        for j, col in enumerate(sorted(set(draw_cols[i % len(draw_cols)]))):
            cols.append((col, not (col == before + 1 and omit_cell[(i + j) % len(omit_cell)])))
            before = col
        rows.append((row, not (row == previous + 1 and omit_row[i % len(omit_row)]), cols))
        previous = row
    return rows


def test_the_area_the_preflight_finds_is_the_one_calamine_builds(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    base = gias_like(tmp_path / "base.xlsx", rows=1, width=1)
    with zipfile.ZipFile(base) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.integers(1, 400), min_size=1, max_size=40),
           st.lists(st.lists(st.integers(1, 800), min_size=1, max_size=12), min_size=1,
                    max_size=5),
           st.lists(st.booleans(), min_size=1, max_size=7),
           st.lists(st.booleans(), min_size=1, max_size=7),
           st.sampled_from([64, 300, 1024 * 1024]))
    def check(draw_rows, draw_cols, omit_row, omit_cell, chunk):
        preflight.CHUNK = chunk
        rows = _positions(draw_rows, draw_cols, omit_row, omit_cell)
        cells = sum(len(r[2]) for r in rows)
        parts[SHEET] = _sheet_xml(rows)
        path = tmp_path / "random.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(
            skip_empty_area=False)
        area = len(grid) * max(len(r) for r in grid)
        exact = dataclasses.replace(preflight.IMPORT, cells=area)
        preflight.check_workbook(path, exact)
        # one cell fewer: the area is too large (or, for a full grid, the count is first)
        expected = "far more than any real sheet" if cells == area else "far beyond any real"
        with pytest.raises(RefusedError, match=expected):
            preflight.check_workbook(path, dataclasses.replace(exact, cells=area - 1))

    old_chunk = preflight.CHUNK
    try:
        check()
    finally:
        preflight.CHUNK = old_chunk


def test_a_cell_without_r_first_in_a_row_after_a_chunk_ends_is_in_column_a(tmp_path,
                                                                              monkeypatch):
    """A chunk that ends just after ``<row r="2">`` read in bulk, the next one's first cell
    without ``r``: it is A2, as calamine places it, not one past the last row's last cell."""
    base = gias_like(tmp_path / "base.xlsx", rows=1, width=1)
    with zipfile.ZipFile(base) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts[SHEET] = _sheet_xml([(1, True, [(1, True), (703, True)]),
                               (2, True, [(1, False), (2, True)])])
    path = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    xml = parts[SHEET]
    monkeypatch.setattr(preflight, "CHUNK", xml.index(b'<row r="2">') + len(b'<row r="2">'))
    exact = dataclasses.replace(preflight.IMPORT, cells=2 * 703)  # A1:AAA2, what calamine builds
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(
        skip_empty_area=False)
    assert len(grid) * max(len(r) for r in grid) == 2 * 703
    preflight.check_workbook(path, exact)
    with pytest.raises(RefusedError, match="far beyond any real"):
        preflight.check_workbook(path, dataclasses.replace(exact, cells=2 * 703 - 1))


def test_an_empty_row_without_r_in_a_chunk_read_in_bulk_numbers_the_rows_after_it(tmp_path,
                                                                                   monkeypatch):
    """``<row r="1">…</row><row/>`` then, in the next chunk, rows without ``r``: calamine numbers
    them 3, 4 (the empty row is row 2), and so does the preflight."""
    base = gias_like(tmp_path / "base.xlsx", rows=1, width=1)
    with zipfile.ZipFile(base) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = _sheet_xml([(1, True, [(1, True), (2, True)]), (2, False, []),
                      (3, False, [(1, False)]), (4, False, [(1, False)])])
    parts[SHEET] = xml
    path = tmp_path / "empty_row.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    monkeypatch.setattr(preflight, "CHUNK", xml.index(b"<row></row>") + len(b"<row></row>"))
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(
        skip_empty_area=False)
    area = len(grid) * max(len(r) for r in grid)
    assert area == 4 * 2
    preflight.check_workbook(path, dataclasses.replace(preflight.IMPORT, cells=area))
    with pytest.raises(RefusedError, match="far beyond any real"):
        preflight.check_workbook(path, dataclasses.replace(preflight.IMPORT, cells=area - 1))


def test_cells_filed_under_the_wrong_rows_are_placed_where_their_references_say(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ittdesk.spreadsheets.part_scans import column_letters

    base = gias_like(tmp_path / "base.xlsx", rows=1, width=1)
    with zipfile.ZipFile(base) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}

    @settings(max_examples=40, deadline=None)
    @given(st.sets(st.tuples(st.integers(1, 700), st.integers(1, 3000)), min_size=1, max_size=60),
           st.lists(st.integers(1, 3000), min_size=1, max_size=8, unique=True),
           st.sampled_from([64, 300, 1024 * 1024]))
    def check(cells, row_tags, chunk):
        preflight.CHUNK = chunk
        tags = sorted(row_tags)
        body = []
        for i, (col, row) in enumerate(sorted(cells, key=lambda c: (c[1] * 7 + c[0]) % 11)):
            if i % 3 == 0:
                body.append(b'%s<row r="%d">' % (b"</row>" if i else b"", tags[i % len(tags)]))
            body.append(b'<c r="%s%d"><v>1</v></c>' % (column_letters(col).encode(), row))
        parts[SHEET] = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                        b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                        + b"".join(body) + b"</row></sheetData></worksheet>")
        path = tmp_path / "filed.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
        area = max(c for c, _ in cells) * max(r for _, r in cells)
        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(
            skip_empty_area=False)
        assert len(grid) * max(len(r) for r in grid) == area  # calamine goes by the references
        exact = dataclasses.replace(preflight.IMPORT, cells=area)
        preflight.check_workbook(path, exact)
        expected = "far more than any real sheet" if len(cells) == area else "far beyond any real"
        with pytest.raises(RefusedError, match=expected):
            preflight.check_workbook(path, dataclasses.replace(exact, cells=area - 1))

    old_chunk = preflight.CHUNK
    try:
        check()
    finally:
        preflight.CHUNK = old_chunk


@pytest.mark.parametrize("name", ["libreoffice answers.ods", "libreoffice answers.xlsx",
                                  "libreoffice head typed over.ods",
                                  "libreoffice head typed over.xlsx"])
def test_files_libreoffice_really_wrote_pass_with_the_strictest_limits(name):
    # LibreOffice repeats empty rows and cells to the sheet's edge (1,048,576 x 16,384)
    path = Path(__file__).resolve().parent / "data" / "leadership" / name
    preflight.check_workbook(path, preflight.TEMPLATE)
