"""Where exports go and what happens after: every "Save as" starts in the folder of the last
export (the Documents folder the first time, where these users keep their workbooks, not the
folder the app happened to start in), and a finished export offers to open the file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from . import settings as ui_settings


def export_folder() -> Path:
    """The folder the next Save dialog opens in."""
    last = ui_settings.EXPORT_FOLDER.get()
    if last and Path(last).is_dir():
        return Path(last)
    documents = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def ask_save_path(parent: QWidget | None, title: str, suggested_name: str, file_filter: str,
                  suffixes: tuple[str, ...]) -> Path | None:
    """A Save dialog in the export folder; the first of ``suffixes`` is added when the name has
    none of them. Remembers the folder chosen."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(export_folder() / suggested_name),
                                          file_filter)
    if not name:
        return None
    path = Path(name)
    if path.suffix.lower() not in suffixes:
        path = path.with_name(path.name + suffixes[0])
    ui_settings.EXPORT_FOLDER.set(str(path.parent))
    return path


def open_file(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def offer_to_open(parent: QWidget | None, path: Path, text: str) -> QMessageBox:
    """Say the file is written and offer Open / Show folder / Close. The box is window-modal but
    does not block (``open()``, not ``exec()``), so a background answer never stalls the app."""
    box = QMessageBox(QMessageBox.Icon.Information, "Saved", text,
                      QMessageBox.StandardButton.Close, parent)
    box.setInformativeText(str(path))
    open_button = box.addButton("&Open", QMessageBox.ButtonRole.AcceptRole)
    folder_button = box.addButton("Show &folder", QMessageBox.ButtonRole.ActionRole)
    box.setDefaultButton(open_button)
    box.setEscapeButton(QMessageBox.StandardButton.Close)

    def clicked(button) -> None:
        if button is open_button:
            open_file(path)
        elif button is folder_button:
            open_file(path.parent)

    box.buttonClicked.connect(clicked)
    box.open()
    return box
