"""When a database cannot be opened safely: say why, and offer a way out that writes nothing to it.

Damaged, not an ITT Desk file, made by a newer version, or a server that cannot be reached: the
dialog names the problem and offers to restore a backup, open another database, or quit. A
damaged file is never written: restoring moves it aside (kept, renamed) and copies the chosen,
checked backup into its place.
"""

from __future__ import annotations

import os
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

from ittdesk import clock
from ittdesk.db import Location

RESTORE, OPEN_OTHER, QUIT = 1, 2, 3


class DatabaseProblemDialog(QDialog):
    """Result: RESTORE, OPEN_OTHER or QUIT (``choice``)."""

    def __init__(self, location: Location | None, message: str, parent: QWidget | None = None):
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
        note = QLabel("Nothing has been written to it. You can restore a backup, open another "
                      "database, or quit and ask for help.")
        note.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(self.message)
        layout.addWidget(note)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("&Restore a backup…")
        self.open_button = QPushButton("&Open another database…")
        self.quit_button = QPushButton("&Quit")
        can_restore = location is not None and location.kind == "sqlite"
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


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its -wal/-shm) so it is kept but out of the way."""
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, kept)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            os.replace(extra, kept.with_name(kept.name + suffix))
    return kept


def check_backup(location: Location, source: str | Path) -> Path:
    """Check ``source`` before it may replace ``location``'s file; returns it resolved.

    Slow (it reads the whole backup) and it never touches the open database, so the main
    window runs it on a worker while the database stays open. Raises RefusedError."""
    from ittdesk import backup, migrations
    from ittdesk.errors import RefusedError

    assert location.path is not None
    source = Path(source).expanduser().resolve()
    if source != location.path.resolve():  # never a descriptor of the open database (locks)
        from ittdesk.spreadsheets.preflight import check_sqlite_file

        try:  # a non-SQLite, cut-short or absurd file: refused from its header, at once
            check_sqlite_file(source)
        except RefusedError as exc:
            raise RefusedError(f"Not restored: {exc}") from None
    report = backup.check_file(source)
    if not report.ok:
        raise RefusedError(f"Not restored: {'; '.join(report.messages)}")
    if report.schema_version is not None and report.schema_version > migrations.latest():
        raise RefusedError("Not restored: the backup was made by a newer version of ITT Desk")
    if source == location.path.resolve():
        raise RefusedError("Not restored: that file is the database itself")
    return source


def replace_with_backup(location: Location, source: Path) -> str:
    """Keep the current file aside and copy the (checked) backup in. Returns a summary.

    The database must be closed, with no connection open on any thread. Refused
    (RefusedError, nothing moved) while another program has the file open: replacing it under
    a running app would leave that app writing to the file kept aside. The backup is copied
    beside the file first (the slow part), so the check and the two renames follow each other
    at once. If anything fails, the kept file is put back, so the database is as it was."""
    from ittdesk import backup, db

    path = location.path
    assert path is not None
    staged = path.with_name(f".{path.name}.restoring")
    backup.copy_database(source, staged)
    try:
        kept = None
        if path.exists():
            db.ensure_not_in_use(path)
            kept = move_aside(path)
        try:
            os.replace(staged, path)
        except BaseException:
            if kept is not None:
                _put_back(kept, path)
            raise
    finally:
        staged.unlink(missing_ok=True)
    os.chmod(path, 0o600)
    if kept:
        return f"Restored from {source.name}. The previous file is kept as {kept.name}."
    return f"Restored from {source.name}."


def _put_back(kept: Path, path: Path) -> None:
    os.replace(kept, path)
    for suffix in ("-wal", "-shm"):
        extra = kept.with_name(kept.name + suffix)
        if extra.exists():
            os.replace(extra, path.with_name(path.name + suffix))


def restore_backup_file(location: Location, source: str | Path) -> str:
    """Check ``source``; keep the current file aside; copy the backup in. Returns a summary.

    All on the calling thread (the problem dialog at start-up, before any window exists)."""
    from ittdesk.db import close_database

    checked = check_backup(location, source)
    close_database()
    return replace_with_backup(location, checked)


def restore_into(parent: QWidget | None, location: Location, source: str | Path) -> bool:
    from .. import tasks

    try:
        summary = restore_backup_file(location, source)
    except Exception as exc:
        tasks.show_error(parent, exc, "Restore")
        return False
    QMessageBox.information(parent, "Restore", summary)
    return True


def choose_backup(parent: QWidget | None) -> str:
    from ittdesk.paths import backups_dir

    path, _ = QFileDialog.getOpenFileName(parent, "Choose a backup to restore", str(backups_dir()),
                                          "ITT Desk database (*.sqlite3 *.db);;All files (*)")
    return path


def choose_database(parent: QWidget | None) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open a database", "",
                                          "ITT Desk database (*.sqlite3 *.db);;All files (*)")
    return path
