"""Filling in an LA's own template keeps everything the LA made and puts data under its headings."""

from __future__ import annotations

import json
from datetime import date, datetime
from zipfile import ZipFile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from PIL import Image as PILImage

from ittdesk import clock
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.returns import make_filters
from ittdesk.returns.insert_rows import shift_formula
from ittdesk.returns.template import fill_template, inspect_template, read_mapping_file
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools

HOSTILE = '=HYPERLINK("http://x","y")'
HEADINGS = ["School URN", "Name of school", "Head teacher", "Phase of education",
            "Trained mentors", "Comments from the LA"]
HEADER_ROW = 4
BANNER_FILL = "FFC000"


def make_template(path, *, data_rows=3, lists_sheet=True):
    """A realistic LA template: guidance sheet first, banners, logo, drop-down, formats, total."""
    wb = Workbook()
    guide = wb.active
    guide.title = "Guidance"
    guide["A1"] = "Complete the Return sheet and send it back by 31 March."
    guide["A1"].font = Font(bold=True, color="FF0000")
    ws = wb.create_sheet("Return")
    ws.merge_cells("A1:F1")
    ws["A1"] = "Northmoor Council: ITT partnership return"
    ws["A1"].fill = PatternFill("solid", fgColor=BANNER_FILL)
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A2:F2")
    ws["A2"] = "One row per school. Do not change the headings."
    for col, heading in enumerate(HEADINGS, start=1):
        cell = ws.cell(HEADER_ROW, col, heading)
        cell.font = Font(bold=True)
    first, last = HEADER_ROW + 1, HEADER_ROW + data_rows
    total_row = last + 1
    ws.cell(total_row, 1, "Total")
    ws.cell(total_row, 5, f"=SUM(E{first}:E{last})")
    ws.cell(total_row + 2, 1, "Signed by the headteacher: ____________")
    phases = DataValidation(type="list", formula1='"Primary,Secondary,Special"', allow_blank=True)
    phases.add(f"D{first}:D{last}")
    ws.add_data_validation(phases)
    ws.conditional_formatting.add(f"E{first}:E{last}", CellIsRule(
        operator="greaterThan", formula=["2"], fill=PatternFill("solid", fgColor="C6EFCE")))
    ws.column_dimensions["B"].width = 44
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    logo_path = path.parent / "logo.png"
    PILImage.new("RGB", (60, 30), (200, 30, 30)).save(logo_path)
    ws.add_image(Image(str(logo_path)), "H1")
    if lists_sheet:
        lists = wb.create_sheet("Lists")
        lists["A1"] = "Phases"
    wb.save(path)
    return path


@pytest.fixture
def three_schools(db):
    made = []
    for urn, name, phase in ((100001, "Ashby Moor Primary School", "primary"),
                             (100002, HOSTILE, "secondary"),
                             (100003, "Brackenfield Infant School", "primary")):
        made.append(schools.create({"urn": urn, "name": name, "phase": phase,
                                    "la_name": "Northmoor", "partnership_status": "partner"}))
    head = people.create({"first_name": "Jane", "last_name": "Head"})
    roles.create({"person": head.id, "school": made[0].id, "kind": "headteacher"})
    for i in range(3):
        mentor = people.create({"first_name": f"M{i}", "last_name": "Mentor"})
        roles.create({"person": mentor.id, "school": made[0].id, "kind": "mentor"})
    return made


def test_header_row_under_banners_on_the_second_sheet_is_found_and_mapped(three_schools, tmp_path):
    template = make_template(tmp_path / "la.xlsx")
    info = inspect_template(template, "partnership", make_filters())
    assert (info.sheet, info.header_row) == ("Return", HEADER_ROW)
    assert info.mapping == {0: "urn", 1: "school", 2: "headteacher", 3: "phase", 4: "mentors_trained"}
    assert info.unmapped == ["Comments from the LA"]
    assert info.capacity == 3 and info.stop_text == "Total"


def test_inspecting_then_filling_reads_the_returns_rows_once(three_schools, tmp_path,
                                                            monkeypatch):
    """The headings are matched against the return's columns alone; its rows are read when
    the template is filled, not a second time for looking at it."""
    import dataclasses

    from ittdesk.returns import base

    spec = base.get_return("partnership")
    built: list[object] = []

    def build(filters):
        built.append(filters)
        return spec.build(filters)

    monkeypatch.setitem(base.RETURNS, "partnership", dataclasses.replace(spec, build=build))
    template = make_template(tmp_path / "la.xlsx")
    info = inspect_template(template, "partnership", make_filters())
    assert built == [] and info.mapping
    result = fill_template(info, tmp_path / "out.xlsx", make_filters())
    assert len(built) == 1 and result.rows == 3


def test_filled_template_keeps_the_las_workbook_and_grows_the_total(three_schools, tmp_path):
    from ittdesk.services.people import mentor_training

    for person in people.model.select().where(people.model.last_name == "Mentor"):
        mentor_training.create({"person": person.id, "kind": "initial",
                                "completed_on": clock.today()})
    template = make_template(tmp_path / "la.xlsx", data_rows=2)
    before = template.read_bytes()
    info = inspect_template(template, "partnership", make_filters())
    result = fill_template(info, tmp_path / "filled.xlsx", make_filters())
    assert template.read_bytes() == before  # the template is never written to
    assert result.rows == 3 and result.inserted == 1
    assert any("inserted" in m for m in result.messages)

    wb = load_workbook(result.path)
    assert wb.sheetnames == ["Guidance", "Return", "Lists"]
    assert wb["Guidance"]["A1"].font.color.rgb.endswith("FF0000")
    ws = wb["Return"]
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].fill.fgColor.rgb.endswith(BANNER_FILL)
    assert [c.value for c in ws[HEADER_ROW]][:6] == HEADINGS
    rows = [[c.value for c in ws[r]][:6] for r in range(HEADER_ROW + 1, HEADER_ROW + 4)]
    # Sorted by name, as the built-in return is ("=" sorts before letters).
    assert rows[0][:2] == [100002, HOSTILE]
    assert ws.cell(HEADER_ROW + 1, 2).data_type == "s"
    assert rows[1] == [100001, "Ashby Moor Primary School", "Jane Head", "Primary", 3, None]
    assert rows[2][1] == "Brackenfield Infant School"
    # The total moved down one row and now sums all three data rows.
    assert ws["A8"].value == "Total" and ws["E8"].value == "=SUM(E5:E7)"
    assert ws["A10"].value.startswith("Signed by")
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert validations == {"D5:D7": '"Primary,Secondary,Special"'}
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["E5:E7"]
    assert ws.column_dimensions["B"].width == 44
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape"
    assert len(ws._images) == 1  # the LA's logo survives


def test_template_with_room_to_spare_is_filled_without_inserting(three_schools, tmp_path):
    template = make_template(tmp_path / "la.xlsx", data_rows=10)
    info = inspect_template(template, "partnership", make_filters())
    result = fill_template(info, tmp_path / "filled.xlsx", make_filters())
    assert result.inserted == 0 and result.messages == []
    ws = load_workbook(result.path)["Return"]
    assert ws["E15"].value == "=SUM(E5:E14)"
    assert ws["B8"].value is None


def test_confirmed_mapping_is_saved_and_offered_for_the_same_template(three_schools, tmp_path):
    template = make_template(tmp_path / "la.xlsx")
    info = inspect_template(template, "partnership", make_filters())
    assert not info.from_saved
    mapping = dict(info.mapping)
    mapping[5] = "trust"  # the user decides "Comments" gets the trust
    fill_template(info, tmp_path / "out.xlsx", make_filters(), mapping, remember=True)
    again = inspect_template(make_template(tmp_path / "copy.xlsx"), "partnership", make_filters())
    assert again.from_saved and again.mapping[5] == "trust"


def test_mapping_file_by_letter_and_heading_overrides_the_suggestion(three_schools, tmp_path):
    template = make_template(tmp_path / "la.xlsx")
    info = inspect_template(template, "partnership", make_filters())
    mapping_file = tmp_path / "m.json"
    mapping_file.write_text(json.dumps({"F": "Local authority", "Head teacher": None}))
    mapping = read_mapping_file(mapping_file, info)
    assert mapping[5] == "la_name" and 2 not in mapping
    result = fill_template(info, tmp_path / "out.xlsx", make_filters(), mapping)
    ws = load_workbook(result.path)["Return"]
    assert ws["F5"].value == "Northmoor" and ws["C5"].value is None
    mapping_file.write_text(json.dumps({"Z9": "school", "B": "shoe size"}))
    with pytest.raises(ValidationError) as caught:
        read_mapping_file(mapping_file, info)
    assert "shoe size" in caught.value.errors["B"]


def test_refuses_to_overwrite_the_template_or_read_an_old_xls(three_schools, tmp_path):
    template = make_template(tmp_path / "la.xlsx")
    info = inspect_template(template, "partnership", make_filters())
    with pytest.raises(RefusedError, match="new file"):
        fill_template(info, template, make_filters())
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(RefusedError, match="Save As"):
        inspect_template(old, "partnership", make_filters())
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    with pytest.raises(RefusedError, match="not an Excel workbook"):
        inspect_template(junk, "partnership", make_filters())


def test_template_without_recognisable_headings_is_refused(three_schools, tmp_path):
    wb = Workbook()
    wb.active["A1"] = 42
    wb.save(tmp_path / "blank.xlsx")
    with pytest.raises(RefusedError, match="no row of headings"):
        inspect_template(tmp_path / "blank.xlsx", "partnership", make_filters())


def test_dates_land_as_date_cells_in_a_placements_template(db, tmp_path):
    from ittdesk.services.programmes import cohorts, enrolments, placements, programmes

    school = schools.create({"urn": 100001, "name": "Ashby", "la_name": "Northmoor"})
    prog = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": prog.id, "name": "C1", "academic_year": "2025/26"})
    trainee = people.create({"first_name": "Tia", "last_name": "Trainee"})
    enrolment = enrolments.create({"person": trainee.id, "cohort": cohort.id, "status": "enrolled"})
    placements.create({"enrolment": enrolment.id, "school": school.id, "kind": "main",
                       "start_date": "20/09/2025", "end_date": "15/12/2025"})
    wb = Workbook()
    ws = wb.active
    ws.append(["Placements 2025/26"])
    ws.append(["Trainee name", "School", "From", "To"])
    wb.save(tmp_path / "t.xlsx")
    filters = make_filters("2025/26")
    info = inspect_template(tmp_path / "t.xlsx", "placements", filters)
    assert info.mapping == {0: "trainee", 1: "school", 2: "start_date", 3: "end_date"}
    result = fill_template(info, tmp_path / "out.xlsx", filters)
    back = load_workbook(result.path).active
    assert back["C3"].value == datetime(2025, 9, 20) and back["C3"].is_date
    assert back["D3"].value == datetime(2025, 12, 15)


def test_formula_shifting_follows_excel_rules():
    assert shift_formula("=SUM(E5:E7)", 7, 3, sheet="S", home="S") == "=SUM(E5:E10)"
    assert shift_formula("=SUM(E5:E7)", 8, 3, sheet="S", home="S") == "=SUM(E5:E7)"
    assert shift_formula("=E9*2", 8, 3, sheet="S", home="S") == "=E12*2"
    assert shift_formula("=$E$9", 8, 3, sheet="S", home="S") == "=$E$12"
    assert shift_formula("=SUM('S'!E5:E9)+Other!E9", 8, 1, sheet="S", home="X") == \
        "=SUM('S'!E5:E10)+Other!E9"
    assert shift_formula("=SUM(A:A)", 1, 5, sheet="S", home="S") == "=SUM(A:A)"
    assert shift_formula("=SUM(E5:E5)+E5", 6, 4, sheet="S", home="S", grow_end=5) == \
        "=SUM(E5:E9)+E5"
    assert shift_formula("=SUM(E5:E7)", 8, 4, sheet="S", home="S", grow_end=5) == "=SUM(E5:E7)"
    assert shift_formula('=IF(A9="E9","x","y")', 8, 1, sheet="S", home="S") == \
        '=IF(A10="E9","x","y")'


def test_inserted_rows_copy_per_row_formulas_and_move_what_is_below(three_schools, tmp_path):
    """A template with a per-row formula, a logo under the table, a cross-sheet total and a
    named range over the data: all follow the inserted rows."""
    from openpyxl.workbook.defined_name import DefinedName

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["School URN", "Name of school", "Trained mentors", "Mentors x2"])
    ws.append([None, None, None, "=C2*2"])
    ws.append([None, None, None, "=C3*2"])
    ws.append(["Total", None, "=SUM(C2:C3)", "=SUM(D2:D3)"])
    ws.row_dimensions[4].height = 30
    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (40, 20), (0, 90, 160)).save(logo)
    ws.add_image(Image(str(logo)), "A6")
    summary = wb.create_sheet("Summary")
    summary["A1"] = "Mentors"
    summary["B1"] = "=SUM(Data!C2:C3)"
    wb.defined_names["Mentors"] = DefinedName("Mentors", attr_text="Data!$C$2:$C$3")
    wb.save(tmp_path / "t.xlsx")

    info = inspect_template(tmp_path / "t.xlsx", "partnership", make_filters())
    assert (info.header_row, info.capacity) == (1, 2)
    result = fill_template(info, tmp_path / "out.xlsx", make_filters())
    assert result.inserted == 1
    back = load_workbook(result.path)
    data = back["Data"]
    assert [data.cell(r, 4).value for r in (2, 3, 4)] == ["=C2*2", "=C3*2", "=C4*2"]
    assert data["A5"].value == "Total" and data["C5"].value == "=SUM(C2:C4)"
    assert data.row_dimensions[5].height == 30
    assert back["Summary"]["B1"].value == "=SUM(Data!C2:C4)"
    assert back.defined_names["Mentors"].attr_text == "Data!$C$2:$C$4"
    (image,) = data._images
    assert image.anchor._from.row == 6  # 0-based: was row 6 (A6), now row 7


def test_a_table_and_print_area_over_the_data_grow_with_it(three_schools, tmp_path):
    from openpyxl.worksheet.table import Table

    wb = Workbook()
    ws = wb.active
    ws.title = "Schools"
    ws.append(["DfE URN", "Establishment name"])
    ws.append([None, None])
    ws.add_table(Table(displayName="LAReturn", ref="A1:B2"))
    ws.append(["Total", "=COUNTA(B2:B2)"])
    ws.print_area = "A1:B3"
    wb.save(tmp_path / "t.xlsx")
    info = inspect_template(tmp_path / "t.xlsx", "partnership", make_filters())
    result = fill_template(info, tmp_path / "out.xlsx", make_filters())
    assert result.inserted == 2
    back = load_workbook(result.path)["Schools"]
    assert back.tables["LAReturn"].ref == "A1:B4"
    assert back["B5"].value == "=COUNTA(B2:B4)"
    assert back.print_area == "'Schools'!$A$1:$B$5"
    assert [back.cell(r, 1).value for r in (2, 3, 4)] == [100002, 100001, 100003]


def test_inserted_rows_look_like_the_first_data_row_and_keep_each_values_type(db, tmp_path):
    """Every value kind a return hands the filler, in rows inserted under a styled first data
    row: each cell takes that row's style, numbers and dates are typed, money is in pounds,
    formula-like text stays text, and a value that brings its own number format (a date in a
    text column) changes only its own cell."""
    from openpyxl.styles import Border, Side

    from ittdesk.returns.base import RETURNS, ReturnData, ReturnSpec, register
    from ittdesk.spreadsheets.writer import DATE_FORMAT, MONEY_FORMAT, SheetColumn

    columns = [SheetColumn("label", "Label"), SheetColumn("when", "When"), SheetColumn("count", "Count", "int"),
               SheetColumn("ratio", "Ratio", "number"), SheetColumn("paid", "Paid", "money"),
               SheetColumn("day", "Day", "date"), SheetColumn("flag", "Flag")]
    records = [
        ("plain", "text", 1, 0.5, 1250, date(2025, 9, 1), True),
        (HOSTILE, date(2024, 1, 2), 2, 1.25, 99, datetime(2025, 9, 2, 10, 30), False),
        ("+44 1632", datetime(2024, 1, 3, 8, 0), 0, None, None, None, None),
        ("-5", "", 3, 2.0, 0, "not a date", "#N/A"),
    ]
    register(ReturnSpec("test-kinds", "Kinds", "every kind of value",
                        lambda f: ReturnData(columns, list(records), len(records))))
    try:
        wb = Workbook()
        ws = wb.active
        ws.append(["Kinds return"])
        ws.append([c.heading for c in columns])
        thin = Side(style="thin", color="808080")
        for row in (3, 4):  # two data rows, both styled; two more rows are inserted
            for col in range(1, len(columns) + 1):
                cell = ws.cell(row, col)
                cell.fill = PatternFill("solid", fgColor="FFF2CC")
                cell.border = Border(bottom=thin)
                cell.font = Font(italic=True)
            ws.cell(row, 4).number_format = "0.000"
        ws.cell(5, 1, "Total")
        ws.cell(5, 3, "=SUM(C3:C4)")
        wb.save(tmp_path / "kinds.xlsx")
        filters = make_filters()
        info = inspect_template(tmp_path / "kinds.xlsx", "test-kinds", filters)
        assert len(info.mapping) == len(columns)
        result = fill_template(info, tmp_path / "out.xlsx", filters)
    finally:
        RETURNS.pop("test-kinds", None)
    assert result.inserted == 2
    back = load_workbook(result.path).active
    got = [[back.cell(r, c).value for c in range(1, 8)] for r in range(3, 7)]
    assert got == [
        ["plain", "text", 1, 0.5, 12.5, datetime(2025, 9, 1), True],
        [HOSTILE, datetime(2024, 1, 2), 2, 1.25, 0.99, datetime(2025, 9, 2, 10, 30), False],
        ["+44 1632", datetime(2024, 1, 3, 8, 0), 0, None, None, None, None],
        ["-5", None, 3, 2, 0, "not a date", "#N/A"],
    ]
    for r in range(3, 7):
        for c in range(1, 8):
            cell = back.cell(r, c)
            assert cell.fill.fgColor.rgb.endswith("FFF2CC"), cell.coordinate
            assert cell.border.bottom.style == "thin" and cell.font.i, cell.coordinate
        assert back.cell(r, 1).data_type == "s"  # formula-like text stays text
        assert back.cell(r, 3).data_type == "n" and back.cell(r, 4).number_format == "0.000"
        assert back.cell(r, 5).number_format == MONEY_FORMAT
        assert back.cell(r, 6).number_format == DATE_FORMAT
    assert isinstance(back["C3"].value, int) and isinstance(back["D4"].value, float)
    assert back["F3"].is_date and back["F4"].is_date and back["F6"].data_type == "s"
    assert back["G3"].data_type == "b" and back["G6"].data_type == "e"
    # A date in the text column "When" gets a date format on its own cell only.
    assert back["B4"].is_date and back["B5"].is_date
    assert back["B3"].number_format == "General" and back["B6"].number_format == "General"
    assert back["A7"].value == "Total" and back["C7"].value == "=SUM(C3:C6)"


def test_new_rows_share_one_named_style_per_look_and_the_las_own_styles_stay(three_schools,
                                                                            tmp_path):
    """Inserted rows take the first data row's look through named cell styles (openpyxl's
    public way to copy a whole look): one per distinct look, named so the LA can tell them
    from its own, and the template's own named styles are all still there."""
    from copy import copy

    from openpyxl.styles import Border, NamedStyle, Side

    template = make_template(tmp_path / "la.xlsx", data_rows=1)
    wb = load_workbook(template)
    heading = NamedStyle(name="LA heading", font=Font(bold=True))
    wb["Return"].cell(HEADER_ROW, 1).style = heading
    thin = Side(style="thin", color="808080")
    for col in range(1, 7):  # a styled first data row: two looks
        cell = wb["Return"].cell(HEADER_ROW + 1, col)
        cell.border = Border(bottom=thin)
        if col % 2:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
    wb.save(template)
    own = load_workbook(template).named_styles
    assert "LA heading" in own
    info = inspect_template(template, "partnership", make_filters())
    result = fill_template(info, tmp_path / "filled.xlsx", make_filters())
    assert result.inserted >= 1
    wb = load_workbook(result.path)
    added = [name for name in wb.named_styles if name not in own]
    assert set(own) <= set(wb.named_styles)
    assert added and all(name.startswith("ITT Desk ") for name in added)
    ws = wb["Return"]
    first, inserted = HEADER_ROW + 1, HEADER_ROW + 2
    looks = {repr((ws.cell(first, c).font, ws.cell(first, c).border, ws.cell(first, c).fill))
             for c in range(1, 7)}
    assert len(looks) == 2 and len(added) == 2
    for col in range(1, 7):
        assert ws.cell(inserted, col).border == copy(ws.cell(first, col).border)
        assert ws.cell(inserted, col).fill == copy(ws.cell(first, col).fill)


def test_cells_styled_with_the_las_own_cell_style_keep_that_style_when_filled(three_schools,
                                                                             tmp_path):
    """An LA that formats its input cells with a cell style of its own ("LA input") gets its
    filled and inserted cells back in that style, as before the public-API filler: no extra
    named styles in the LA's workbook for a look that is already one of the LA's."""
    from openpyxl.styles import Border, NamedStyle, Side

    template = make_template(tmp_path / "la.xlsx", data_rows=1)
    wb = load_workbook(template)
    thin = Side(style="thin")
    wb.add_named_style(NamedStyle(name="LA input", fill=PatternFill("solid", fgColor="FFFFCC"),
                                  border=Border(left=thin, right=thin, top=thin, bottom=thin)))
    for col in range(1, 7):
        wb["Return"].cell(HEADER_ROW + 1, col).style = "LA input"
    wb.save(template)
    own = load_workbook(template).named_styles
    info = inspect_template(template, "partnership", make_filters())
    result = fill_template(info, tmp_path / "filled.xlsx", make_filters())
    assert result.inserted >= 1
    back = load_workbook(result.path)
    assert back.named_styles == own  # nothing added: every look filled is the LA's own
    ws = back["Return"]
    for row in (HEADER_ROW + 1, HEADER_ROW + 2, HEADER_ROW + 3):
        for col in range(1, 7):
            cell = ws.cell(row, col)
            assert cell.style == "LA input", cell.coordinate
            assert cell.fill.fgColor.rgb.endswith("FFFFCC") and cell.border.left.style == "thin"


def test_inserted_rows_made_with_their_look_match_cells_styled_one_by_one(three_schools,
                                                                         tmp_path, monkeypatch):
    """Inserted rows are made the quick way (each cell made with its look, appended under the
    sheet and moved up into place: template_cells.NewRows) and come out exactly as when each
    cell is made bare and styled one by one: values, types, formats, looks and named styles,
    the per-row formula in an unmapped column between mapped ones, the total and the LA's
    rows below, with nothing left where the rows were appended."""
    from openpyxl.styles import Border, Side

    from ittdesk.returns import template_cells

    template = make_template(tmp_path / "la.xlsx", data_rows=1)
    wb = load_workbook(template)
    ws = wb["Return"]
    thin = Side(style="thin", color="808080")
    for col in range(1, 8):  # a styled first data row, a per-row formula in column D
        ws.cell(HEADER_ROW + 1, col).border = Border(bottom=thin)
    ws.cell(HEADER_ROW + 1, 4, f"=E{HEADER_ROW + 1}*2")
    ws.merge_cells(f"B{HEADER_ROW + 4}:D{HEADER_ROW + 4}")  # a signature box below the total
    wb.save(template)
    filters = make_filters()
    info = inspect_template(template, "partnership", filters)
    # Columns C and D are left out between mapped ones: append makes empty cells there.
    mapping = {0: "urn", 1: "school", 4: "mentors_trained", 6: "la_name"}

    made = []
    real_make = template_cells.NewRows.make.__func__

    def spy(cls, *args):
        made.append(real_make(cls, *args))
        return made[-1]

    monkeypatch.setattr(template_cells.NewRows, "make", classmethod(spy))
    quick = fill_template(info, tmp_path / "quick.xlsx", filters, mapping)
    assert made and made[0] is not None and made[0].count == 2  # the quick way was taken
    monkeypatch.setattr(template_cells.NewRows, "make", classmethod(lambda cls, *args: None))
    slow = fill_template(info, tmp_path / "slow.xlsx", filters, mapping)
    assert quick.inserted == slow.inserted == 2

    def cells(path):
        book = load_workbook(path)
        sheet = book["Return"]
        found = {(c.row, c.column): (c.value, c.data_type, c.number_format, c.style,
                                     repr(c.font), repr(c.border), repr(c.fill))
                 for row in sheet.iter_rows() for c in row if c.value is not None or c.has_style}
        return (found, sorted(map(str, sheet.merged_cells.ranges)), sheet.max_row,
                sorted(book.named_styles))

    got, expected = cells(quick.path), cells(slow.path)
    assert got == expected
    # The same file, part for part, but the time it was saved: nothing left where the rows
    # were appended (an empty cell there would not show once read back).
    with ZipFile(quick.path) as a, ZipFile(slow.path) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "docProps/core.xml":
                assert a.read(name) == b.read(name), name
    found, merged, max_row, _styles = got
    last_data = HEADER_ROW + 3
    assert found[(last_data, 4)][0] == f"=E{last_data}*2"  # the formula, copied per row
    assert found[(last_data + 1, 1)][0] == "Total"
    assert found[(last_data + 1, 5)][0] == f"=SUM(E{HEADER_ROW + 1}:E{last_data})"
    assert f"B{last_data + 3}:D{last_data + 3}" in merged
    assert max_row == last_data + 3  # nothing left below the LA's rows
