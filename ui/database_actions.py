"""The main window's database actions: File > New, Open, Open recent, Connect, Back up, Restore,
and switching the window over to another database.

Imported when one of them is first used (``MainWindow`` keeps a one-line method for each), so
start-up does not compile it. ``window`` is the ``ui.main_window.MainWindow``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from ittdesk.db import Location

from . import settings as ui_settings
from .tasks import run_task


def switch_database(window, target: str) -> bool:
    """Close this database and open ``target`` (asking what to do if it cannot be opened)."""
    from .app import open_database_interactively

    for editor in list(window._editors):
        if editor.isVisible() and not editor.close():
            return False
    window.write_settings()
    location = open_database_interactively(target, window)
    if location is None:
        # Reopen the one we had (it was closed by the attempt).
        location = open_database_interactively(window.location.url, window)
        if location is None:
            window.close()
            return False
    window.adopt_database(location)
    return True


def adopt_database(window, location: Location) -> None:
    """Show ``location`` (already open): pages rebuilt on it, undo forgotten."""
    from .app import remember

    window.location = location
    remember(location)
    window._undo = None
    window.undo_act.setEnabled(False)
    current = window.current_key() or "home"
    for page in list(window._pages.values()):
        window.stack.removeWidget(page)
        page.deleteLater()
    window._pages.clear()
    window._update_location_label()
    window.show_page(current)
    window.update_counts()


def fill_recent_menu(window) -> None:
    window.recent_menu.clear()
    recent = ui_settings.get("recent_databases")
    for target in recent:
        act = window.recent_menu.addAction(target)
        act.triggered.connect(lambda _=False, t=target: window.switch_database(t))
    if not recent:
        window.recent_menu.addAction("(none yet)").setEnabled(False)


def new_database(window) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "New database", "ittdesk.sqlite3",
                                          "ITT Desk database (*.sqlite3)")
    if path:
        from pathlib import Path

        if Path(path).exists() and Path(path).stat().st_size > 0:
            QMessageBox.warning(window, "New database",
                                f"{path} already exists. Choose a new name, or use "
                                "File > Open database to open it.")
            return
        window.switch_database(path)


def open_database(window) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open database", "",
                                          "ITT Desk database (*.sqlite3 *.db);;All files (*)")
    if path:
        window.switch_database(path)


def connect_postgres(window) -> None:
    url, ok = QInputDialog.getText(
        window, "Connect to PostgreSQL",
        "Server address, as postgresql://user:password@server/database",
        QLineEdit.EchoMode.Normal, "postgresql://")
    if ok and url.strip() and url.strip() != "postgresql://":
        window.switch_database(url.strip())


def backup_database(window) -> None:
    from datetime import date

    from ittdesk import backup

    if window.location.kind != "sqlite":
        QMessageBox.information(window, "Back up", "Backups of a PostgreSQL database are made "
                                "on the server (pg_dump): ask whoever runs it.")
        return
    suggested = f"ittdesk-backup-{date.today():%Y-%m-%d}.sqlite3"
    path, _ = QFileDialog.getSaveFileName(window, "Back up the database", suggested,
                                          "ITT Desk database (*.sqlite3)")
    if not path:
        return
    from pathlib import Path

    run_task(window, backup.backup_to, window.location, Path(path),
             on_done=lambda dest: window.statusBar().showMessage(f"Backed up to {dest}", 6000),
             progress_title="Backing up…")


def restore_database(window) -> None:
    from .dialogs.database_problem import restore_into

    if window.location.kind != "sqlite":
        QMessageBox.information(window, "Restore", "A PostgreSQL database is restored on the "
                                "server (pg_restore): ask whoever runs it.")
        return
    path, _ = QFileDialog.getOpenFileName(window, "Restore from a backup", "",
                                          "ITT Desk database (*.sqlite3 *.db);;All files (*)")
    if not path:
        return
    answer = QMessageBox.question(
        window, "Restore",
        f"Replace the database with {path}?\n\nThe database as it is now is kept as a backup "
        "first, so this can be undone by restoring that backup.")
    if answer != QMessageBox.StandardButton.Yes:
        return
    for editor in list(window._editors):
        if editor.isVisible() and not editor.close():
            return
    if restore_into(window, window.location, path):
        window.switch_database(window.location.url)
