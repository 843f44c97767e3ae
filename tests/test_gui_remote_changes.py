"""Issue 19, item 2, in the window: what another process commits (another user's app, an
``ittdesk`` command) shows in the open list, its summary pane and the counts without F5; an
open editor whose record changed says so ("Changed by X at HH:MM — Reload / Keep editing") and
reloads only the fields the user has not touched; this window's own saves are announced once;
the watcher stops with the window. The waits have generous timeouts (the other process has to
start): how fast it is lives in bench/ (``remote_change``)."""

from __future__ import annotations

import re
import threading

import agreement_factory as make
import gui_helpers as gui
import other_process
import pytest
from PySide6.QtCore import Qt

from ittdesk import audit
from ittdesk.models import School
from ittdesk.services.schools import schools

pytestmark = pytest.mark.gui
main_window = gui.main_window

WAIT_MS = 10000


def watching(qtbot, window) -> None:
    """The window has its database open and its watcher listening."""
    qtbot.waitUntil(lambda: window.remote_changes.watcher is not None, timeout=WAIT_MS)
    assert window.remote_changes.wait_ready()


def schools_panel(qtbot, window):
    window.show_page("schools")
    panel = window.current_page().panel
    gui.wait_loaded(qtbot, panel)
    return panel


def names_in(panel) -> set[str]:
    column = next(i for i in range(panel.model.columnCount())
                  if panel.model.headerData(i, Qt.Orientation.Horizontal) == "Name")
    return {panel.model.index(r, column).data() for r in range(panel.model.rowCount())}


def test_a_school_the_ittdesk_command_adds_shows_in_the_open_list(qtbot, main_window, tmp_path):
    panel = schools_panel(qtbot, main_window)
    watching(qtbot, main_window)
    assert panel.model.rowCount() == 0
    rows = tmp_path / "schools.csv"
    rows.write_text("URN,School name\n100001,Added Elsewhere Primary\n", encoding="utf-8")

    done = other_process.cli(main_window.location, "import", "schools", str(rows))

    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: names_in(panel) == {"Added Elsewhere Primary"}, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "1 school" in main_window.counts_label.text(), timeout=WAIT_MS)


def test_home_follows_another_processs_first_school(qtbot, main_window):
    """Home's welcome (an empty database) gives way to what needs attention, without F5."""
    main_window.show_page("home")
    home = main_window.current_page()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.welcome, timeout=WAIT_MS)
    watching(qtbot, main_window)

    other_process.adds(main_window.location, 100010)

    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.dashboard, timeout=WAIT_MS)


def test_the_summary_pane_shows_another_processs_change_of_the_selected_school(qtbot,
                                                                              main_window):
    school = schools.create({"urn": "100002", "name": "Old Name Primary"})
    panel = schools_panel(qtbot, main_window)
    watching(qtbot, main_window)
    panel.table.selectRow(0)
    assert "Old Name Primary" in panel.detail.toPlainText()

    other_process.updates(main_window.location, school.id, {"name": "New Name Primary"})

    qtbot.waitUntil(lambda: names_in(panel) == {"New Name Primary"}, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "New Name Primary" in panel.detail.toPlainText(), timeout=WAIT_MS)


def test_an_open_editor_says_its_record_changed_and_reloads_only_untouched_fields(qtbot,
                                                                                 main_window):
    school = schools.create({"urn": "100003", "name": "Brook Primary"})
    watching(qtbot, main_window)
    editor = main_window.open_record("school", school.id)
    qtbot.waitExposed(editor)
    bar = editor.changed_bar
    assert bar.isHidden()
    editor.widgets["phone"].setText("01632 960003")  # the user is typing here

    other_process.updates(main_window.location, school.id,
                          {"name": "Brook Primary Academy", "website": "https://brook.example"})

    qtbot.waitUntil(bar.isVisible, timeout=WAIT_MS)
    # who (as the audit names them: the other process runs as this test's user) and when
    assert re.fullmatch(rf"Changed by {re.escape(audit.current_user())} at \d\d:\d\d while "
                        r"open here\. Reload shows their changes and keeps what you typed\.",
                        bar.label.text())
    assert editor.get_widget_value("name") == "Brook Primary"  # nothing reloaded unasked
    qtbot.mouseClick(bar.reload_button, Qt.MouseButton.LeftButton)

    assert bar.isHidden()
    assert editor.get_widget_value("name") == "Brook Primary Academy"
    assert editor.get_widget_value("website") == "https://brook.example"
    assert editor.get_widget_value("phone") == "01632 960003"  # what was typed stays
    assert editor.is_dirty()
    assert editor.save()
    saved = School.get_by_id(school.id)
    assert (saved.name, saved.website, saved.phone) == (
        "Brook Primary Academy", "https://brook.example", "01632 960003")


def test_keep_editing_hides_the_bar_and_a_same_field_save_is_still_a_conflict(qtbot,
                                                                             main_window):
    school = schools.create({"urn": "100004", "name": "Hill Primary"})
    watching(qtbot, main_window)
    editor = main_window.open_record("school", school.id)
    qtbot.waitExposed(editor)
    editor.widgets["name"].setText("Hill Primary (mine)")

    other_process.updates(main_window.location, school.id, {"name": "Hill Primary (theirs)"})

    qtbot.waitUntil(editor.changed_bar.isVisible, timeout=WAIT_MS)
    qtbot.mouseClick(editor.changed_bar.keep_button, Qt.MouseButton.LeftButton)
    assert editor.changed_bar.isHidden()
    assert editor.get_widget_value("name") == "Hill Primary (mine)"
    assert not editor.save()  # the conflict dialog (answered Cancel in tests): nothing lost
    assert School.get_by_id(school.id).name == "Hill Primary (theirs)"
    assert editor.get_widget_value("name") == "Hill Primary (mine)"


def test_an_editor_whose_record_was_deleted_elsewhere_says_so_and_offers_no_reload(qtbot,
                                                                                  main_window):
    school = schools.create({"urn": "100007", "name": "Gone Primary"})
    watching(qtbot, main_window)
    editor = main_window.open_record("school", school.id)
    qtbot.waitExposed(editor)

    other_process.deletes(main_window.location, school.id)

    qtbot.waitUntil(editor.changed_bar.isVisible, timeout=WAIT_MS)
    assert editor.changed_bar.label.text().startswith(f"Deleted by {audit.current_user()} at ")
    assert editor.changed_bar.reload_button.isHidden()


def open_agreement(qtbot, window, agreement_id: int):
    editor = window.open_record("agreement", agreement_id)
    qtbot.waitExposed(editor)
    return editor


def test_an_open_agreement_says_it_changed_and_reload_reads_it_again(qtbot, main_window):
    built = make.agreement(title="Improving early reading")
    watching(qtbot, main_window)
    editor = open_agreement(qtbot, main_window, built.agreement.id)
    assert editor.changed_bar.isHidden()

    other_process.run(main_window.location,
                      ["agreement", built.agreement.id, {"title": "Improving early writing"}])

    qtbot.waitUntil(editor.changed_bar.isVisible, timeout=WAIT_MS)
    assert editor.changed_bar.label.text().startswith(f"Changed by {audit.current_user()} at ")
    assert editor.main_fields["title"].value() == "Improving early reading"
    qtbot.mouseClick(editor.changed_bar.reload_button, Qt.MouseButton.LeftButton)
    assert editor.main_fields["title"].value() == "Improving early writing"
    assert not editor.dirty
    editor.close()


def test_a_part_added_elsewhere_is_news_and_what_was_typed_stays_on_reload(qtbot, main_window):
    built = make.agreement()
    watching(qtbot, main_window)
    editor = open_agreement(qtbot, main_window, built.agreement.id)
    editor.main_fields["notes"].set_value("Met the head on Tuesday")  # typed, not saved
    editor._changed()

    other_process.run(main_window.location,
                      ["spend", built.agreement.id,
                       {"date": "01/11/2025", "description": "Cover", "amount_pence": "250.00"}],
                      ["agreement", built.agreement.id, {"title": "Improving early writing"}])

    qtbot.waitUntil(editor.changed_bar.isVisible, timeout=WAIT_MS)
    qtbot.mouseClick(editor.changed_bar.reload_button, Qt.MouseButton.LeftButton)
    assert editor.main_fields["title"].value() == "Improving early writing"  # untouched: theirs
    assert editor.main_fields["notes"].value() == "Met the head on Tuesday"  # typed: stays
    assert editor.dirty
    editor.dirty = False  # close without the unsaved-changes question
    editor.close()


def test_this_windows_own_save_is_announced_once_not_heard_back(qtbot, main_window):
    school = schools.create({"urn": "100005", "name": "Own Primary"})
    schools_panel(qtbot, main_window)
    watching(qtbot, main_window)
    heard = []
    main_window.changes.changed_elsewhere.connect(heard.append)
    announced = []
    main_window.changes.changes_announced.connect(announced.append)
    editor = main_window.open_record("school", school.id)
    qtbot.waitExposed(editor)
    editor.widgets["phone"].setText("01632 960005")
    assert editor.save()
    assert announced == [frozenset({"school"})]
    assert not editor.changed_bar.isVisible()

    [theirs] = other_process.adds(main_window.location, 100006)

    qtbot.waitUntil(lambda: any(("school", theirs) in b.records for b in heard), timeout=WAIT_MS)
    assert all(("school", school.id) not in b.records for b in heard)


def test_a_lost_listener_or_another_database_means_everything_is_read_again(qtbot, main_window):
    """PostgreSQL does not replay notifications: after the listening session is lost (a server
    restart) and made again, every page reads again once. Opening a database (the same one
    again here) stops the old watcher and listens to the new connection."""
    watching(qtbot, main_window)
    announced = []
    main_window.changes.changes_announced.connect(announced.append)
    first = main_window.remote_changes.watcher
    if main_window.location.kind == "postgresql":
        from ittdesk.models import database

        pid = first.source.conn.get_backend_pid()
        database.execute_sql("SELECT pg_terminate_backend(%s)", (pid,))
        qtbot.waitUntil(lambda: frozenset({"*"}) in announced, timeout=WAIT_MS)

    assert main_window.switch_database(main_window.location.url)

    assert not first.running
    watching(qtbot, main_window)
    assert main_window.remote_changes.watcher is not first
    panel = schools_panel(qtbot, main_window)
    other_process.adds(main_window.location, 100011)
    qtbot.waitUntil(lambda: names_in(panel) == {"School 100011"}, timeout=WAIT_MS)


def test_the_watcher_stops_with_the_window(qtbot, main_window):
    watching(qtbot, main_window)
    assert any(t.name == "ittdesk-changes" for t in threading.enumerate())
    watcher = main_window.remote_changes.watcher
    main_window.close()
    assert main_window.remote_changes.watcher is None
    assert not watcher.running  # its thread has ended, not merely been let go
