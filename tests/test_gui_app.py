"""Opening a database: a damaged, foreign or newer file is explained and never written to."""

from __future__ import annotations

import hashlib
import sqlite3

import gui_helpers as gui
import pytest

from ittdesk import backup, db
from ui import app
from ui.dialogs import database_problem as problem

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def asked(monkeypatch):
    answers: list[int] = []
    seen: list[str] = []

    def ask(location, message, parent, back_to=None):
        seen.append(message)
        return answers.pop(0) if answers else problem.QUIT

    monkeypatch.setattr(app, "ask_about_problem", ask)
    return answers, seen


def test_a_file_that_is_not_a_database_is_explained_and_left_alone(qtbot, tmp_path, asked):
    answers, seen = asked
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"Dear diary, " * 100)
    before = digest(path)
    assert app.open_database_interactively(str(path)) is None
    assert "not an ITT Desk database" in seen[0]
    assert digest(path) == before


def test_a_database_from_a_newer_version_is_refused_unchanged(qtbot, tmp_path, asked):
    answers, seen = asked
    path = tmp_path / "newer.sqlite3"
    db.open_database(path, daily_backup=False)
    db.close_database()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    before = digest(path)
    assert app.open_database_interactively(str(path)) is None
    assert "newer version" in seen[0]
    assert digest(path) == before


def test_a_damaged_database_can_be_replaced_by_a_backup_keeping_the_damaged_file(
        qtbot, tmp_path, asked, monkeypatch):
    answers, seen = asked
    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    from ittdesk.services.schools import schools

    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    db.close_database()
    good = backup.copy_database(path, tmp_path / "good-backup.sqlite3")
    raw = bytearray(path.read_bytes())
    raw[8192:12288] = b"\x07\xff\x13\x00" * 1024  # scribble over one table page
    path.write_bytes(bytes(raw))
    damaged = digest(path)
    answers.append(problem.RESTORE)
    monkeypatch.setattr(problem, "choose_backup", lambda parent: str(good))
    monkeypatch.setattr(problem.QMessageBox, "information", lambda *a, **k: None)
    location = app.open_database_interactively(str(path))
    try:
        assert "failed its integrity check" in seen[0]
        assert location is not None
        from ittdesk.models import School

        assert School.get().name == "Fernbank Primary School"
        kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
        assert len(kept) == 1 and digest(kept[0]) == damaged
    finally:
        db.close_database()


def test_the_problem_dialog_offers_restore_only_for_files(qtbot, tmp_path):
    file_dialog = problem.DatabaseProblemDialog(db.resolve(str(tmp_path / "x.sqlite3")), "is damaged")
    qtbot.addWidget(file_dialog)
    assert file_dialog.restore_button.isEnabled()
    assert file_dialog.message.text() == "is damaged"
    server = problem.DatabaseProblemDialog(db.resolve("postgresql://u@h/db"), "cannot connect")
    qtbot.addWidget(server)
    assert not server.restore_button.isEnabled()
    server.open_button.click()
    assert server.choice == problem.OPEN_OTHER


def test_a_server_that_cannot_be_reached_while_switching_offers_going_back_not_quitting(qtbot):
    """Seen in a real window: connecting to a database that does not exist offered "Quit"
    (which went back to the open file) and to restore a backup of a server."""
    switching = problem.DatabaseProblemDialog(db.resolve("postgresql://u@h/db"), "cannot connect",
                                              back_to="demo.sqlite3")
    qtbot.addWidget(switching)
    assert switching.quit_button.text() == "&Back to demo.sqlite3"
    note = switching.findChild(problem.QLabel, "problemNote").text()
    assert note == "Nothing has been written to it. You can open another database, or go back " \
                   "to demo.sqlite3."
    switching.quit_button.click()
    assert switching.choice == problem.QUIT  # open_database_interactively gives up: back to it


def _checkpointed(path):
    """Fold any WAL content into the file, as the last connection's close does (a stray
    connection from an earlier test's background task may still have been open)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _scribbled(tmp_path):
    """A database whose header and schema look fine but one table page is damaged."""
    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    from ittdesk.services.schools import schools

    for n in range(40):
        schools.create({"urn": 123456 + n, "name": f"School {n} " + "x" * 150})
    db.close_database()
    _checkpointed(path)
    raw = bytearray(path.read_bytes())
    raw[12288:16384] = b"\x07\xff\x13\x00" * 1024  # scribble over a table page, not the schema
    path.write_bytes(bytes(raw))
    return path


def test_a_sound_file_opens_before_its_full_check_and_writes_wait_for_it(qtbot, tmp_path, asked):
    from ittdesk.services.schools import schools
    from ui import tasks
    from ui.main_window import MainWindow

    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    db.close_database()
    _checkpointed(path)
    location = app.open_database_interactively(str(path), check_later=True)
    try:
        assert location is not None and db.writes_held()
        assert backup.automatic_backups(location) == []  # the daily backup waits for the check
        with pytest.raises(Exception, match="readonly|read-only"):
            schools.create({"urn": 123457, "name": "Moorside Academy"})
        window = MainWindow(location)
        qtbot.addWidget(window)
        with tasks.synchronous():
            app.check_in_background(window, location)
        assert not db.writes_held()
        assert len(backup.automatic_backups(location)) == 1
        schools.create({"urn": 123457, "name": "Moorside Academy"})
        assert asked[1] == []
    finally:
        db.close_database()


def test_at_start_the_full_check_waits_for_homes_cards_with_writes_held(qtbot, tmp_path, asked,
                                                                       monkeypatch):
    """Opened after the first paint, a sound file's full check starts once Home has its cards
    (it reads the whole file; Home's reads had to share the machine with it): writes are held
    until then, and allowed once it passes."""
    import threading

    from ittdesk.services.schools import schools
    from ui import tasks
    from ui.views import home_page

    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    db.close_database()
    _checkpointed(path)
    release, checked = threading.Event(), []
    real_home_data, real_check = home_page.home_data, app.integrity_problem

    def held_home_data(*args, **kwargs):
        release.wait(timeout=20)
        return real_home_data(*args, **kwargs)

    def check(location):
        checked.append(location)
        return real_check(location)

    monkeypatch.setattr(home_page, "home_data", held_home_data)
    monkeypatch.setattr(app, "integrity_problem", check)
    window = app.start_window(str(path))
    try:
        assert window is not None
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: "home" in window._pages and window._pages["home"].is_loading(),
                        timeout=5000)
        qtbot.waitUntil(lambda: window.startup.pending_waited_ms >= 300, timeout=5000)
        assert checked == [] and db.writes_held()
        release.set()
        qtbot.waitUntil(lambda: tasks.running_tasks() == 0, timeout=20000)
        assert len(checked) == 1 and not db.writes_held()
        schools.create({"urn": 123457, "name": "Written after the check"})
        assert asked[1] == []
    finally:
        release.set()
        qtbot.waitUntil(lambda: tasks.running_tasks() == 0, timeout=20000)
        window.close()
        db.close_database()


def test_a_damaged_file_found_after_the_window_shows_is_never_written_to(qtbot, tmp_path, asked):
    from ittdesk.services.schools import schools
    from ui import tasks
    from ui.main_window import MainWindow

    answers, seen = asked
    path = _scribbled(tmp_path)
    assert app.can_check_later(db.resolve(str(path)))  # the cheap checks cannot see the damage
    before = digest(path)
    location = app.open_database_interactively(str(path), check_later=True)
    assert location is not None and db.writes_held()
    window = MainWindow(location)
    qtbot.addWidget(window)
    window.show()
    with pytest.raises(Exception, match="readonly|read-only"):
        schools.create({"urn": 999999, "name": "Written too early"})
    with tasks.synchronous():
        app.check_in_background(window, location)
    assert "failed its integrity check" in seen[0]  # the problem dialog (answered: quit)
    assert not window.isVisible()
    assert backup.automatic_backups(location) == []
    db.close_database()
    assert digest(path) == before


def test_files_that_need_a_write_to_open_are_checked_in_full_first(tmp_path):
    path = tmp_path / "partnership.sqlite3"
    assert not app.can_check_later(db.resolve(str(path)))  # new file: created, migrated
    db.open_database(path, daily_backup=False)
    db.close_database()
    _checkpointed(path)
    assert app.can_check_later(db.resolve(str(path)))
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = version - 1")
    conn.commit()
    conn.close()
    assert not app.can_check_later(db.resolve(str(path)))  # a migration would write
    cut = tmp_path / "cut.sqlite3"
    db.open_database(path, migrate=True, daily_backup=False)
    db.close_database()
    cut.write_bytes(path.read_bytes()[:-4096])
    assert not app.can_check_later(db.resolve(str(cut)))  # a copy that did not finish


def _sound_file(tmp_path):
    path = tmp_path / "partnership.sqlite3"
    db.open_database(path, daily_backup=False)
    from ittdesk.services.schools import schools

    schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    db.close_database()
    _checkpointed(path)
    return path


def test_a_sound_file_shows_the_window_first_and_opens_right_after_its_first_paint(
        qtbot, tmp_path, asked):
    from ui import tasks
    from ui.views.home_page import HomePage

    path = _sound_file(tmp_path)
    window = app.start_window(str(path))
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and db.current_location[0] is None  # not opened yet
        assert window.location == db.resolve(str(path))
        assert str(path) in window.location_label.toolTip()
        qtbot.waitUntil(lambda: db.current_location[0] is not None, timeout=5000)
        assert isinstance(window.current_page(), HomePage)
        qtbot.waitUntil(lambda: tasks.running_tasks() == 0, timeout=20000)
        assert not db.writes_held()  # the background check passed
        assert len(backup.automatic_backups(db.location())) == 1
        assert asked[1] == []
        assert window.page("schools").panel.model.rowCount() == 1
    finally:
        window.close()
        db.close_database()


def test_a_list_restored_as_the_last_page_waits_for_the_database_too(qtbot, tmp_path, asked):
    from ui import settings as ui_settings
    from ui import tasks

    path = _sound_file(tmp_path)
    ui_settings.set("last_page", "schools")
    window = app.start_window(str(path))
    qtbot.addWidget(window)
    try:
        assert "schools" not in window._pages and window.current_key() == "schools"
        panel = window.current_page().panel  # asking for it opens the database first
        assert db.current_location[0] is not None
        qtbot.waitUntil(lambda: tasks.running_tasks() == 0, timeout=20000)
        assert panel.model.rowCount() == 1 and window.current_page().panel is panel
    finally:
        window.close()
        db.close_database()


def test_a_file_that_fails_to_open_after_the_first_paint_goes_to_the_problem_dialog(
        qtbot, tmp_path, asked, monkeypatch):
    from ittdesk.errors import DatabaseOpenError

    path = _sound_file(tmp_path)
    before = digest(path)

    def refuse(*args, **kwargs):
        raise DatabaseOpenError("partnership.sqlite3 is locked by another program")

    monkeypatch.setattr(db, "open_database", refuse)
    window = app.start_window(str(path))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: asked[1] != [], timeout=5000)  # answered: quit
    assert "locked" in asked[1][0]
    assert not window.isVisible() and window.startup.stand_in is None
    assert "home" not in window._pages
    assert digest(path) == before
