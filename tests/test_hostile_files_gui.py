"""A hostile workbook dropped on the main window is refused in the wizard; the app lives on.

Before the preflight, dropping a 5 KB workbook with one cell at XFD1048576 made calamine ask for
512 GB and the whole app aborted (SIGABRT) — this test process would have died with it.
"""

from __future__ import annotations

import gui_helpers as gui
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from test_hostile_files import WORKBOOK_MUTANTS, mutant, valid_workbook

from ittdesk.models import AuditEntry, School
from ui.dialogs.import_wizard import ImportWizard

qt_settings = gui.qt_settings
main_window = gui.main_window

pytestmark = pytest.mark.gui


def drop(window, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    # Qt delivers a Drop only to the target of a real drag, which a test cannot start: hand it
    # to the window's filter as Qt would (as test_import_wizard does).
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    if getattr(window, "_import_drop_filter", None) is None:
        from ui.dialogs.import_wizard import install_file_drop

        install_file_drop(window)
    assert window._import_drop_filter.eventFilter(window, event)


@pytest.mark.parametrize("name", ["cell at XFD1048576", "four billion shared strings declared"])
def test_dropping_a_hostile_workbook_refuses_it_and_the_app_lives_on(name, qtbot, main_window,
                                                                      tmp_path):
    change, expected = WORKBOOK_MUTANTS[name]
    hostile = mutant(tmp_path, "dropped", change)
    before = (School.select().count(), AuditEntry.select().count())
    drop(main_window, hostile)
    wizard = main_window._import_wizard
    assert isinstance(wizard, ImportWizard)
    qtbot.waitUntil(lambda: "it was not read" in wizard.message.text(), timeout=20000)
    assert all(word in wizard.message.text() for word in expected)
    assert wizard.currentId() == ImportWizard.PAGE_FILE
    assert wizard.file_page.guessed_path == ""
    # the same wizard still reads a good file dropped next
    good = valid_workbook(tmp_path / "good.xlsx")
    drop(main_window, good)
    qtbot.waitUntil(lambda: wizard.file_page.guessed_path == str(good), timeout=20000)
    assert wizard.file_page.kind_combo.currentData() == "schools"
    assert (School.select().count(), AuditEntry.select().count()) == before
    wizard.close()


def test_the_apps_restore_check_refuses_a_cut_short_backup_before_sqlite_reads_it(sqlite_db,
                                                                                   tmp_path,
                                                                                   monkeypatch):
    from ittdesk import backup
    from ittdesk.errors import RefusedError
    from ittdesk.restore import check_backup

    copy = backup.copy_database(sqlite_db.path, tmp_path / "copy.sqlite3")
    cut = tmp_path / "cut.sqlite3"
    cut.write_bytes(copy.read_bytes()[:4096 + 100])
    checked = []
    monkeypatch.setattr(backup, "check_file", lambda path: checked.append(path))
    with pytest.raises(RefusedError, match="Not restored: cut.sqlite3 is damaged or cut short"):
        check_backup(sqlite_db, cut)
    assert checked == []
