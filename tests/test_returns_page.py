"""The Returns page: returns with filters, a preview, export and template filling off the GUI
thread, and "Open the file now" afterwards."""

from __future__ import annotations

import threading

import pytest
from gui_helpers import tasks_idle
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import Qt

from ittdesk.academic_year import AcademicYear
from ittdesk.spreadsheets.writer import Cancelled
from ui.views import returns_page
from ui.views.returns_page import ReturnsPage, export_job

pytestmark = pytest.mark.gui


idle = tasks_idle


@pytest.fixture
def page(qtbot, demo_db):
    widget = ReturnsPage(None)
    qtbot.addWidget(widget)
    widget.resize(1100, 650)
    widget.show()
    qtbot.waitUntil(lambda: idle() and widget.model.rowCount() > 0)
    return widget


def choose(page, qtbot, key):
    row = [s.key for s in page.specs].index(key)
    page.list.setCurrentRow(row)
    qtbot.waitUntil(lambda: idle() and page.model.columns
                    and page.model.headerData(0, Qt.Orientation.Horizontal) is not None)


def test_page_lists_the_returns_and_previews_the_first_rows(page, qtbot, qtmodeltester, tmp_path):
    assert [page.list.item(i).text() for i in range(page.list.count())] == [
        "Partnership return", "Placements return", "Cohort return",
        "Support agreements return", "Mentor training return", "School engagement return"]
    qtmodeltester.check(page.model)
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "URN"
    assert page.model.rowCount() == returns_page.PREVIEW_ROWS
    assert page.preview_note.text().startswith("Showing the first 50 of ")
    assert page.year.currentText() == str(AcademicYear.current())
    assert [page.la.itemText(i) for i in range(page.la.count())] == [
        "All", "Eastbridge", "Northmoor", "Westdale"]
    page.grab().save(str(tmp_path / "returns_page.png"))


def test_filters_change_the_preview_and_programme_applies_only_where_it_can(page, qtbot,
                                                                            qtmodeltester):
    page.la.setCurrentIndex(page.la.findText("Westdale"))
    qtbot.waitUntil(lambda: idle() and {page.model.data(page.model.index(r, 2))
                                        for r in range(page.model.rowCount())} == {"Westdale"})
    choose(page, qtbot, "agreements")
    assert not page.programme.isEnabled()
    choose(page, qtbot, "placements")
    assert page.programme.isEnabled()
    page.programme.setCurrentIndex(page.programme.findText("Secondary SCITT (11-16)"))
    programme_col = [c.heading for c in page.model.columns].index("Programme")
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0 and {
        page.model.data(page.model.index(r, programme_col))
        for r in range(page.model.rowCount())} == {"Secondary SCITT (11-16)"})
    qtmodeltester.check(page.model)


def test_a_bad_year_is_explained_beside_the_filters_and_export_is_disabled(page, qtbot):
    page.year.setCurrentText("2025/27")
    qtbot.waitUntil(lambda: idle() and bool(page.filter_error.text()))
    assert "academic year" in page.filter_error.text()
    assert not page.export_button.isEnabled() and page.model.rowCount() == 0
    page.year.setCurrentText(str(AcademicYear.current()))
    qtbot.waitUntil(lambda: idle() and page.export_button.isEnabled())
    assert page.filter_error.text() == ""


def test_export_runs_in_the_background_then_offers_to_open_the_file(page, qtbot, tmp_path,
                                                                    monkeypatch):
    target = tmp_path / "partnership.xlsx"
    monkeypatch.setattr(page, "choose_save_path", lambda title, suggested: str(target))
    opened = []
    monkeypatch.setattr(returns_page.QDesktopServices, "openUrl",
                        lambda url: opened.append(url.toLocalFile()))
    assert page.suggested_name() == f"partnership-return-{page.year.currentText().replace('/', '-')}.xlsx"
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: idle() and page.done_bar.isVisible())
    assert target.exists() and "partnership.xlsx" in page.done_label.text()
    ws = load_workbook(target).worksheets[0]
    assert ws["A5"].value == "URN" and ws.freeze_panes == "A6"
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert opened == [str(target)]
    page.grab().save(str(tmp_path / "returns_page_saved.png"))


def test_cancelled_export_writes_nothing(demo_db, tmp_path):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        export_job("partnership", str(tmp_path / "x.xlsx"), str(AcademicYear.current()), None,
                   None, progress=lambda *a: None, cancel=cancel)
    assert list(tmp_path.glob("*.xlsx")) == [] and list(tmp_path.glob(".x-*")) == []


def make_template(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Return"
    ws.merge_cells("A1:D1")
    ws["A1"] = "Eastbridge partnership return"
    ws.append([])
    ws.append(["URN", "Name of school", "Head teacher", "Notes"])
    ws.append([])
    ws.append(["Total schools", "=COUNTA(B4:B4)"])
    wb.save(path)
    return path


def test_fill_in_a_template_with_a_changed_mapping(page, qtbot, tmp_path, monkeypatch,
                                                   qtmodeltester):
    template = make_template(tmp_path / "la.xlsx")
    target = tmp_path / "filled.xlsx"
    page.la.setCurrentIndex(page.la.findText("Eastbridge"))
    qtbot.waitUntil(lambda: idle() and page.count is not None and page.count < 50)
    monkeypatch.setattr(page, "choose_template_path", lambda: str(template))
    monkeypatch.setattr(page, "choose_save_path", lambda title, suggested: str(target))
    seen = {}

    def confirm(dialog):
        seen["room"] = dialog.room.text()
        qtmodeltester.check(dialog.table.model())
        assert dialog.mapping() == {0: "urn", 1: "school", 2: "headteacher"}
        combo = dialog.combos[3]
        combo.setCurrentIndex(combo.findText("Trust"))
        assert "4 of 4 columns" in dialog.summary.text()
        dialog.resize(760, 480)
        dialog.grab().save(str(tmp_path / "template_dialog.png"))
        return True

    monkeypatch.setattr(page, "exec_dialog", confirm)
    qtbot.mouseClick(page.template_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: idle() and page.done_bar.isVisible())
    assert "room for 1 row (row 4)" in seen["room"] and "will be inserted" in seen["room"]
    ws = load_workbook(target)["Return"]
    assert ws["A3"].value == "URN" and isinstance(ws["A4"].value, int)
    count = page.count
    assert ws.cell(4 + count, 1).value == "Total schools"
    assert ws.cell(4 + count, 2).value == f"=COUNTA(B4:B{3 + count})"
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
    assert "filled in" in page.done_label.text()
    # The mapping was remembered for the next time.
    from ittdesk.returns import make_filters
    from ittdesk.returns.template import inspect_template

    again = inspect_template(template, "partnership", make_filters())
    assert again.from_saved and again.mapping[3] == "trust"


def test_export_everything_from_the_page(page, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "all.xlsx"
    monkeypatch.setattr(page, "choose_save_path", lambda title, suggested: str(target))
    qtbot.mouseClick(page.everything_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: idle() and page.done_bar.isVisible())
    assert "Every record exported" in page.done_label.text()
    assert "Schools" in load_workbook(target, read_only=True).sheetnames


def test_the_main_window_has_a_returns_page(qtbot, demo_db, tmp_path):
    from ui.main_window import MainWindow

    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    window.resize(1280, 760)
    window.show()
    page = window.show_page("returns")
    assert isinstance(page, ReturnsPage)
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0)
    assert window.export_act.isEnabled()
    window.grab().save(str(tmp_path / "returns_in_window.png"))
