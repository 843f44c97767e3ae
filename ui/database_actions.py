"""The main window's database actions: File > New, Open, Open recent, Connect, Back up, Restore,
and switching the window over to another database.

Imported when one of them is first used (``MainWindow`` keeps a one-line method for each), so
start-up does not compile it. ``window`` is the ``ui.main_window.MainWindow``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
)
from shiboken6 import Shiboken

from ittdesk import backup, clock, db, restore
from ittdesk.location import Location
from ittdesk.models import database
from ittdesk.paths import backups_dir

from . import settings as ui_settings
from . import tasks
from .app import check_in_background, open_database_interactively, remember
from .files import export_folder
from .tasks import run_task


def switch_database(window, target: str) -> bool:
    """Close this database and open ``target`` (asking what to do if it cannot be opened).

    As at start-up, a file the cheap checks accept opens with writes held and gets its full
    integrity check (which reads the whole file) and the day's backup on a worker."""
    for editor in list(window._editors):
        if editor.isVisible() and not editor.close():
            return False
    window.write_settings()
    window.presence_status.stop()  # this app leaves the database it closes
    window.remote_changes.stop()
    current = window.location
    location = open_database_interactively(
        target, window, check_later=True,
        back_to=current.path.name if current.path is not None else current.display)
    if location is None:
        # Reopen the one we had (it was closed by the attempt).
        location = open_database_interactively(window.location.url, window, check_later=True)
        if location is None:
            window.close()
            return False
    window.adopt_database(location)
    if db.writes_held():
        check_in_background(window, location)
    return True


def adopt_database(window, location: Location) -> None:
    """Show ``location`` (already open): pages rebuilt on it, undo forgotten."""

    window.location = location
    remember(location)
    window.last_change.forget()
    current = window.current_key() or "home"
    for page in list(window._pages.values()):
        window.stack.removeWidget(page)
        page.deleteLater()
    window._pages.clear()
    window._update_location_label()
    window.show_page(current)
    window.update_counts()
    window.presence_status.start()
    window.remote_changes.start()


def fill_recent_menu(window) -> None:
    window.recent_menu.clear()
    recent = ui_settings.get("recent_databases")
    for target in recent:
        act = window.recent_menu.addAction(target)
        act.triggered.connect(lambda _=False, t=target: window.switch_database(t))
    if not recent:
        window.recent_menu.addAction("(none yet)").setEnabled(False)


def new_database(window) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "New database", str(export_folder() / "ittdesk.sqlite3"),
                                          "ITT Desk database (*.sqlite3)")
    if path:
        if Path(path).exists() and Path(path).stat().st_size > 0:
            QMessageBox.warning(window, "New database",
                                f"{path} already exists. Choose a new name, or use "
                                "File > Open database to open it.")
            return
        window.switch_database(path)


def open_database(window) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open database", str(export_folder()),
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
    if window.location.kind != "sqlite":
        QMessageBox.information(window, "Back up", "Backups of a PostgreSQL database are made "
                                "on the server (pg_dump): ask whoever runs it.")
        return
    suggested = f"ittdesk-backup-{clock.today():%Y-%m-%d}.sqlite3"
    path, _ = QFileDialog.getSaveFileName(window, "Back up the database", str(export_folder() / suggested),
                                          "ITT Desk database (*.sqlite3)")
    if not path:
        return
    run_task(window, backup.backup_to, window.location, Path(path),
             on_done=lambda dest: window.statusBar().showMessage(f"Backed up to {dest}", 6000),
             progress_title="Backing up…")


#: How long File > Restore waits for other background work before it refuses (milliseconds).
RESTORE_WAIT_MS = 15000


def restore_database(window) -> None:
    """File > Restore: the backup is checked and copied in on a worker, the window switched
    to it afterwards.

    The one restore (``ittdesk.restore``, as the CLI's and the problem dialog's), in two steps
    around closing the window's database. Order (the database file is replaced, so nothing may
    have it open):

    1. Check the backup on a worker while the database stays open; a refusal (damaged, newer,
       the database itself) changes nothing, not even the window.
    2. On the GUI thread: stop the warm-up, then wait until no other task is running (list
       queries, counts, an import...): each task opens its own connection on a worker. Still
       busy after ``RESTORE_WAIT_MS``: refuse, nothing changed.
    3. Close the database and unbind the models from it (``database.initialize(None)``), so a
       query asked for meanwhile fails instead of reopening the file being replaced.
    4. Keep the database as it was (a "before-restore" backup) and copy the backup in, on a
       worker (``restore.replace``).
    5. On the GUI thread: reopen it (``switch_database``), then the summary.

    No Cancel: the check could be abandoned, but stopping a copy half way would leave no usable
    database, so the dialog only says what is happening. A second click is ignored (the dialog
    is window-modal and the action disabled until the end).
    """
    if getattr(window, "_restoring", False):
        return
    if window.location.kind != "sqlite":
        QMessageBox.information(window, "Restore", "A PostgreSQL database is restored on the "
                                "server (pg_restore): ask whoever runs it.")
        return
    path, _ = QFileDialog.getOpenFileName(window, "Restore from a backup", str(backups_dir()),
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
    _Restore(window, path).start()


class _RestoringDialog(QProgressDialog):
    """"Restoring…" with no Cancel button; Escape and the close button do nothing."""

    def __init__(self, parent) -> None:
        super().__init__("Checking the backup…", "", 0, 0, parent)
        self.setObjectName("restoringDialog")
        self.setWindowTitle("Restoring")
        self.setCancelButton(None)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(400)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(420)

    def reject(self) -> None:  # Escape: the copy cannot be stopped safely
        pass

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        event.ignore()


class _Restore:
    """One File > Restore run, from the checked backup to the window on the restored file."""

    def __init__(self, window, path: str) -> None:
        self.window = window
        self.location = window.location
        self.path = path
        self.waited = 0
        self.dialog: _RestoringDialog | None = None

    def start(self) -> None:
        window = self.window
        window._restoring = True
        window.restore_act.setEnabled(False)
        self.dialog = _RestoringDialog(window)
        run_task(window, restore.check_backup, self.location, self.path,
                 on_done=self.checked, on_error=self.refused)

    def _finish(self) -> None:
        window = self.window
        window._restoring = False
        window.restore_act.setEnabled(True)
        dialog, self.dialog = self.dialog, None
        if dialog is not None and Shiboken.isValid(dialog):
            dialog.hide()
            dialog.deleteLater()

    def _say(self, text: str) -> None:
        if self.dialog is not None:
            self.dialog.setLabelText(text)

    # -- 1: the check ---------------------------------------------------------------------
    def refused(self, exc: BaseException) -> None:
        self._finish()
        tasks.show_error(self.window, exc, "Restore")

    def checked(self, source) -> None:
        self.window.startup.stop()
        self._say("Waiting for other work to finish…")
        self.when_idle(source)

    # -- 2: nothing else running ----------------------------------------------------------
    def when_idle(self, source) -> None:
        if not Shiboken.isValid(self.window):
            return
        if tasks.running_tasks() == 0:
            self.replace(source)
        elif self.waited >= RESTORE_WAIT_MS:
            self._finish()
            self.window.startup.warm_up()
            QMessageBox.warning(self.window, "Restore",
                                "Not restored: other work is still running in the background "
                                "(an import, an export or a list loading). Try again when it "
                                "has finished.")
        else:
            self.waited += 50
            QTimer.singleShot(50, lambda: self.when_idle(source))

    # -- 3, 4: closed, then replaced on a worker ------------------------------------------
    def replace(self, source) -> None:
        self._say("Copying the backup in…")
        if self.dialog is not None:
            self.dialog.show()  # now at once (not after 400 ms): the window takes no input
        self.window.presence_status.stop()  # no heartbeat on the file being replaced
        self.window.remote_changes.stop()  # nor a connection of its own
        db.close_database()
        database.initialize(None)
        run_task(self.window, replace_and_say, self.location, source,
                 on_done=self.restored, on_error=self.failed)

    # -- 5: the window on the restored file -----------------------------------------------
    def restored(self, summary: str) -> None:
        self._finish()
        window = self.window
        if window.switch_database(self.location.url):
            window.statusBar().showMessage(summary, 10000)
        QMessageBox.information(window, "Restore", summary)

    def failed(self, exc: BaseException) -> None:
        self._finish()
        tasks.show_error(self.window, exc, "Restore")
        self.window.switch_database(self.location.url)  # the file as it was (put back)


def replace_and_say(location: Location, checked: restore.Checked) -> str:
    """The one restore's copy step (on a worker, the database closed), then its summary."""
    return restore.summary(checked.source, restore.replace(location, checked))
