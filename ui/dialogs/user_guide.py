"""The user guide (F1): offline HTML pages shipped in ``resources/guide``, shown in a
QTextBrowser with Back, Contents and a search box. One window, raised again on a second F1."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import settings as ui_settings
from .. import sizing


def guide_folder() -> Path:
    return Path(str(files("resources") / "guide"))


class UserGuide(QDialog):
    """Non-modal: the user reads the guide beside the window they are working in."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("ITT Desk user guide")
        self.setObjectName("UserGuide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(guide_folder())])
        self.browser.document().setDefaultStyleSheet(
            (guide_folder() / "guide.css").read_text(encoding="utf-8"))
        self.back_button = QPushButton("&Back")
        self.back_button.setEnabled(False)
        self.back_button.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(self.back_button.setEnabled)
        contents = QPushButton("&Contents")
        contents.clicked.connect(self.show_contents)
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Find on this page")
        self.find_box.setAccessibleName("Find on this page")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(self.find_next)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        top = QHBoxLayout()
        for widget in (self.back_button, contents):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.find_box)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)
        layout.addLayout(bottom)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.find_box.setFocus)
        self.show_contents()
        geometry = ui_settings.DIALOG_GEOMETRY.get(type(self).__name__)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(720, 560)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale

    def show_contents(self) -> None:
        self.show_page("index.html")

    def show_page(self, name: str) -> None:
        self.browser.setSource(QUrl.fromLocalFile(str(guide_folder() / name)))

    def find_next(self) -> None:
        text = self.find_box.text().strip()
        if text and not self.browser.find(text):
            cursor = self.browser.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.browser.setTextCursor(cursor)
            self.browser.find(text, QTextDocument.FindFlag(0))

    def done(self, result: int) -> None:  # Esc, Close and the window button all end here
        ui_settings.DIALOG_GEOMETRY.set(self.saveGeometry(), type(self).__name__)
        super().done(result)


def open_user_guide(main_window, page: str = "index.html") -> UserGuide:
    """Show the guide (one per main window), at ``page``."""
    guide = getattr(main_window, "_user_guide", None)
    if guide is None:
        guide = UserGuide(main_window)
        main_window._user_guide = guide
    if page != "index.html":
        guide.show_page(page)
    guide.show()
    guide.raise_()
    guide.activateWindow()
    return guide
