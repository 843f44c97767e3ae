"""The main window driven like a user: first run, navigation, keyboard, delete/undo, settings."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from gui_helpers import close_window, make_window, search, tasks_idle, wait_loaded
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from ittdesk.models import School
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools
from ui import tasks

qt_settings = gui.qt_settings
main_window = gui.main_window
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def activate(qtbot, window):
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


@pytest.mark.slow
def test_first_run_greets_with_what_to_do_next_and_can_load_the_demo(qtbot, main_window):
    home = main_window.current_page()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.welcome, timeout=10000)
    buttons = home.welcome.buttons
    assert set(buttons) == {"import", "demo", "school", "open", "postgres"}
    assert buttons["demo"].isEnabled()
    with tasks.synchronous():
        buttons["demo"].click()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.dashboard, timeout=30000)
    assert home.card_widgets["leadership"].group.count > 0
    qtbot.waitUntil(lambda: "120 schools" in main_window.counts_label.text(), timeout=10000)


def test_status_bar_names_the_database_and_counts_records(qtbot, demo_window):
    assert str(demo_window.location.path) in demo_window.location_label.toolTip()
    qtbot.waitUntil(lambda: "120 schools" in demo_window.counts_label.text(), timeout=10000)
    assert "6 agreements" in demo_window.counts_label.text()


def test_home_fits_a_narrow_window_with_one_column_of_cards_and_the_charts_below(qtbot, demo_window):
    home = demo_window.current_page()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.dashboard, timeout=10000)

    def layout():
        cards = list(home.card_widgets.values())
        columns = {home.cards.getItemPosition(home.cards.indexOf(c))[1] for c in cards}
        beside = home.row.indexOf(home.charts_host) >= 0
        return len(columns), beside, home.body.indexOf(home.charts_host) >= 0

    demo_window.resize(1280, 800)
    qtbot.waitUntil(lambda: layout() == (2, True, False))
    demo_window.resize(760, 680)  # half a laptop screen
    qtbot.waitUntil(lambda: layout() == (1, False, True))
    assert home.cards_host.width() >= 300
    demo_window.resize(1280, 800)
    qtbot.waitUntil(lambda: layout() == (2, True, False))


def test_home_items_open_their_records(qtbot, demo_window):
    home = demo_window.current_page()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.dashboard, timeout=10000)
    card = home.card_widgets["leadership"]
    item = card.group.items[0]
    assert item.text in card.body.text()
    card.body.linkActivated.emit(f"record:school/{item.id}")
    editor = demo_window._editors[-1]
    assert editor.instance.id == item.id and editor.isVisible()
    card.body.linkActivated.emit("more:")
    assert card.group.items[8].text in card.body.text()


def test_keyboard_moves_between_pages_searches_and_opens(qtbot, demo_window):
    activate(qtbot, demo_window)
    qtbot.keyClick(demo_window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert demo_window.current_key() == "schools"
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    qtbot.keyClick(demo_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    search(qtbot, panel, "Moorside")
    assert panel.model.rowCount() >= 1
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)
    assert panel.table.hasFocus() and panel.selected_ids()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    editor = demo_window._editors[-1]
    assert editor.instance.name.startswith("Moorside") or "Moorside" in editor.instance.name
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not editor.isVisible())
    activate(qtbot, demo_window)
    qtbot.keyClick(demo_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    new_editor = demo_window._editors[-1]
    assert new_editor is not editor and new_editor.instance is None
    assert new_editor.windowTitle() == "New school"
    qtbot.keyClick(new_editor, Qt.Key.Key_Escape)
    activate(qtbot, demo_window)
    qtbot.keyClick(demo_window, Qt.Key.Key_F5)
    wait_loaded(qtbot, panel)
    assert panel.model.search == "Moorside"


def test_delete_asks_first_and_ctrl_z_brings_the_school_back(qtbot, main_window, monkeypatch):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    main_window.show_page("schools")
    panel = main_window.current_page().panel
    wait_loaded(qtbot, panel)
    panel.select_ids([school.id])
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: (asked.append(a[2]), answers.pop(0))[1])
    activate(qtbot, main_window)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(asked) == 1)  # what is deleted is read on a worker first
    assert "Delete Fernbank Primary School (URN 123456)?" in asked[0]
    qtbot.waitUntil(tasks_idle)
    assert School.select().count() == 1
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(asked) == 2)
    qtbot.waitUntil(tasks_idle)  # the delete is a write on a worker (ui.operations)
    assert School.select().count() == 0
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0 and not panel.model.is_loading())
    assert main_window.undo_act.isEnabled()
    qtbot.keyClick(main_window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(tasks_idle)  # the undo too
    assert School.get().name == "Fernbank Primary School"
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and not panel.model.is_loading())


def test_deleting_a_school_with_roles_is_refused_with_the_reason(qtbot, main_window, monkeypatch):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    roles.create({"person": person.id, "school": school.id, "kind": "headteacher"})
    main_window.show_page("schools")
    panel = main_window.current_page().panel
    wait_loaded(qtbot, panel)
    panel.select_ids([school.id])
    warnings = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    main_window.delete_selected()
    qtbot.waitUntil(tasks_idle)
    assert "still has 1 role" in warnings[0]
    assert School.select().count() == 1 and not main_window.undo_act.isEnabled()


def test_window_state_and_list_layout_are_restored_after_a_restart(qtbot, demo_db):
    first = make_window(qtbot, demo_db)
    first.resize(777, 611)  # fits the offscreen screen (800 x 800): geometry is kept on it
    first.show_page("schools")
    panel = first.current_page().panel
    wait_loaded(qtbot, panel)
    urn = panel.model.column_of("urn")
    trust = panel.model.column_of("trust")
    panel.table.setColumnWidth(urn, 133)
    panel.set_column_visible(trust, False)
    panel.table.horizontalHeader().setSortIndicator(urn, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: panel.model.sort_key == "urn" and not panel.model.is_loading())
    close_window(qtbot, first)

    second = make_window(qtbot, demo_db, size=None)
    try:
        assert second.current_key() == "schools"
        assert (second.width(), second.height()) == (777, 611)
        again = second.current_page().panel
        wait_loaded(qtbot, again)
        assert again.table.columnWidth(urn) == 133
        assert again.table.isColumnHidden(trust)
        assert (again.model.sort_key, again.model.descending) == ("urn", True)
        urns = [int(again.model.data(again.model.index(r, urn))) for r in range(3)]
        assert urns == sorted(urns, reverse=True)
    finally:
        close_window(qtbot, second)


def test_lists_have_their_filters_and_the_summary_pane_links_records(qtbot, demo_window):
    demo_window.show_page("placements")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    total = panel.model.rowCount()
    panel.set_filter("mentor", "none")
    qtbot.waitUntil(lambda: not panel.model.is_loading() and panel.model.rowCount() < total)
    assert "placement" in panel.count_label.text()
    panel.table.selectRow(0)
    assert "Trainee" in panel.detail.toPlainText()
    demo_window.show_page("agreements")
    agreements = demo_window.current_page().panel
    wait_loaded(qtbot, agreements)
    assert agreements.model.column_of("next_report") >= 0
    assert set(agreements.filter_boxes) == {"status", "reports"}


def test_a_page_or_action_whose_module_is_missing_is_an_error_not_a_missing_feature(
        qtbot, db, monkeypatch):
    """Issue 16: a target that does not import raises (the smoke hook and
    tests/test_targets_load.py catch it before a user could), never a quiet "not available"."""
    from ui import views

    monkeypatch.setattr(views, "PAGES", views.PAGES + [
        views.PageSpec("later", "Later", "ui.views.not_written_yet:LaterPage")])
    monkeypatch.setattr(views, "ACTIONS", [
        views.ActionSpec("Tools", "Do a thing…", "ui.dialogs.not_written_yet:do_it")])
    window = make_window(qtbot, db)
    try:
        with pytest.raises(ModuleNotFoundError, match="not_written_yet"):
            window.page("later")
        assert window.tools_menu is not None
        with qtbot.captureExceptions() as raised:  # raised in the menu action's slot
            window.tools_menu.actions()[0].trigger()
        assert [type(exc) for _, exc, _ in raised] == [ModuleNotFoundError]
        assert "not available" not in window.statusBar().currentMessage()
    finally:
        close_window(qtbot, window)


def test_an_agreement_opens_in_its_editor_and_its_save_refreshes_the_list(qtbot, demo_window):
    demo_window.show_page("agreements")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    panel.table.selectRow(0)
    panel.open_selected()
    editor = demo_window._editors[-1]
    assert editor.isVisible() and editor.objectName() == "AgreementEditor"
    loads = panel.model.generation
    announced = []
    demo_window.changes.changes_announced.connect(announced.append)
    assert editor.save()  # a real save: its write announces the agreement's change, once
    assert announced == [frozenset({"agreement"})]
    assert panel.model.generation > loads
    editor.dirty = False
    editor.close()


def test_a_list_exports_what_it_shows(qtbot, demo_window, tmp_path):
    from openpyxl import load_workbook

    demo_window.show_page("schools")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    panel.set_filter("la", "Northmoor")
    qtbot.waitUntil(lambda: not panel.model.is_loading() and panel.model.rowCount() == 40)
    with tasks.synchronous():
        panel.export_to(tmp_path / "northmoor.xlsx", "Schools")
    sheet = load_workbook(tmp_path / "northmoor.xlsx").worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    header = next(i for i, r in enumerate(rows) if r[0] == "Name")
    assert len(rows) - header - 1 == 40
    assert "exported 40 schools" in demo_window.statusBar().currentMessage().lower()


def test_opening_another_database_rebuilds_the_pages_on_it(qtbot, sqlite_db, tmp_path):
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    window = make_window(qtbot, sqlite_db)
    try:
        window.show_page("schools")
        wait_loaded(qtbot, window.current_page().panel)
        assert window.current_page().panel.model.rowCount() == 1
        other = tmp_path / "other.sqlite3"
        assert window.switch_database(str(other))
        assert window.location.path == other.resolve()
        assert window.current_key() == "schools"
        panel = window.current_page().panel
        wait_loaded(qtbot, panel)
        assert panel.model.rowCount() == 0
        assert str(other.resolve()) in window.location_label.toolTip()
        from ui import settings as ui_settings

        assert ui_settings.get("recent_databases")[0] == str(other.resolve())
    finally:
        close_window(qtbot, window)


def test_opening_another_database_checks_it_in_the_background_with_writes_held_until_then(
        qtbot, sqlite_db, tmp_path, monkeypatch):
    import threading

    from ittdesk import db
    from ui import app as ui_app

    other = tmp_path / "other.sqlite3"
    db.open_database(other, daily_backup=False)
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    db.close_database()
    db.open_database(sqlite_db.path, daily_backup=False)
    checked_on = []
    real_check = ui_app.integrity_problem

    def check(location):
        checked_on.append(threading.current_thread().name)
        return real_check(location)

    monkeypatch.setattr(ui_app, "integrity_problem", check)
    window = make_window(qtbot, sqlite_db)
    try:
        assert window.switch_database(str(other))
        qtbot.waitUntil(lambda: bool(checked_on) and not db.writes_held(), timeout=10000)
        assert threading.main_thread().name not in checked_on
        assert window.location.path == other.resolve()
        schools.create({"urn": 123457, "name": "Written after the check"})
    finally:
        close_window(qtbot, window)


def test_tab_moves_from_the_search_box_through_the_filters_to_the_list(qtbot, demo_window):
    demo_window.show_page("schools")
    panel = demo_window.current_page().panel
    order = [panel.search, *panel.filter_boxes.values(), panel.columns_button, panel.table]
    focusable = []
    widget = panel.search
    while len(focusable) < len(order):
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget in order:
            focusable.append(widget)
        widget = widget.nextInFocusChain()
    assert focusable == order


def test_help_lists_the_keyboard_shortcuts(qtbot, demo_window):
    rows = dict(demo_window.shortcut_rows())
    assert rows["New record"] == "Ctrl+N"
    assert rows["Find"] == "Ctrl+F"
    assert rows["Refresh"] == "F5"
    assert rows["Print"] == "Ctrl+P"
    assert rows["Delete"] == "Del"
    assert rows["Schools"] == "Ctrl+2"
    assert rows["Programmes & cohorts"] == "Ctrl+4"  # its "&&", not "Programmes  cohorts"
