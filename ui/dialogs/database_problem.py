"""When a database cannot be opened safely: say why, and offer a way out that writes nothing to it.

Damaged, not an ITT Desk file, made by a newer version, or a server that cannot be reached: the
dialog names the problem and offers to restore a backup, open another database, or quit. A
damaged file is never written: restoring (``ittdesk.restore``, as the CLI and File > Restore)
moves it aside (kept, renamed) and copies the chosen, checked backup into its place.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk import restore
from ittdesk.location import Location
from ittdesk.paths import backups_dir

from .. import tasks
from ..files import export_folder

RESTORE, OPEN_OTHER, QUIT = 1, 2, 3


class DatabaseProblemDialog(QDialog):
    """Result: RESTORE, OPEN_OTHER or QUIT (``choice``)."""

    def __init__(self, location: Location | None, message: str, parent: QWidget | None = None,
                 *, back_to: str | None = None):
        """``back_to``: the database still open (switching from it): giving up goes back to it
        rather than quitting, and the last button says so."""
        super().__init__(parent)
        self.setObjectName("DatabaseProblemDialog")
        self.setWindowTitle("The database cannot be opened")
        self.choice = QUIT
        layout = QVBoxLayout(self)
        where = location.display if location else "the database"
        heading = QLabel(f"<h3>ITT Desk cannot open {where}</h3>")
        heading.setWordWrap(True)
        self.message = QLabel(message)
        self.message.setObjectName("problemMessage")
        self.message.setWordWrap(True)
        can_restore = location is not None and location.kind == "sqlite"
        give_up = f"go back to {back_to}" if back_to else "quit and ask for help"
        note = QLabel("Nothing has been written to it. You can "
                      + ("restore a backup, " if can_restore else "")
                      + f"open another database, or {give_up}.")
        note.setObjectName("problemNote")
        note.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(self.message)
        layout.addWidget(note)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("&Restore a backup…")
        self.open_button = QPushButton("&Open another database…")
        self.quit_button = QPushButton(f"&Back to {back_to}" if back_to else "&Quit")
        self.restore_button.setEnabled(can_restore)
        if can_restore:
            buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(lambda: self._choose(RESTORE))
        self.open_button.clicked.connect(lambda: self._choose(OPEN_OTHER))
        self.quit_button.clicked.connect(lambda: self._choose(QUIT))
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        self.accept() if choice != QUIT else self.reject()


def restore_backup_file(location: Location, source: str | Path) -> str:
    """The one restore (``ittdesk.restore``), all on the calling thread (the problem dialog
    at start-up, before any window exists). Returns the summary to show."""
    return restore.summary(source, restore.restore(location, source))


def restore_into(parent: QWidget | None, location: Location, source: str | Path) -> bool:
    try:
        summary = restore_backup_file(location, source)
    except Exception as exc:
        tasks.show_error(parent, exc, "Restore")
        return False
    QMessageBox.information(parent, "Restore", summary)
    return True


def choose_backup(parent: QWidget | None) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Choose a backup to restore", str(backups_dir()),
                                          "ITT Desk database (*.sqlite3 *.db);;All files (*)")
    return path


def choose_database(parent: QWidget | None) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open a database", str(export_folder()),
                                          "ITT Desk database (*.sqlite3 *.db);;All files (*)")
    return path
