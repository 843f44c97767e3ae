"""The built-in user guide: F1 opens it offline, every page it links to is there, Esc closes it."""

from __future__ import annotations

import re

import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ui.dialogs.user_guide import UserGuide, guide_folder

qt_settings = gui.qt_settings
main_window = gui.main_window

pytestmark = pytest.mark.gui

TOPICS = ["getting-started", "importing", "yearly-round", "agreements", "returns",
          "personal-data", "glossary"]


def test_every_guide_link_leads_to_a_page_that_is_there():
    pages = {p.name for p in guide_folder().glob("*.html")}
    assert {f"{t}.html" for t in TOPICS} <= pages
    for page in pages:
        text = (guide_folder() / page).read_text(encoding="utf-8")
        for target in re.findall(r'href="([^"#:]+\.html)', text):
            assert target in pages, f"{page} links to missing {target}"


def test_the_glossary_explains_the_terms_users_meet():
    text = (guide_folder() / "glossary.html").read_text(encoding="utf-8")
    for term in ("ITaP", "SLE", "URN", "TRN", "UKPRN", "GIAS", "QTS", "SCITT"):
        assert f"<td>{term}" in text


def test_f1_opens_the_guide_and_esc_closes_it(qtbot, main_window):
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window, timeout=5000)
    qtbot.keyClick(main_window, Qt.Key.Key_F1)
    guide = main_window.findChild(UserGuide)
    assert guide is not None and guide.isVisible()
    assert "ITT Desk user guide" in guide.browser.toPlainText()
    guide.browser.setSource(guide.browser.source().resolved("importing.html"))
    assert "Importing spreadsheets" in guide.browser.toPlainText()
    assert guide.back_button.isEnabled()
    guide.back_button.click()
    assert "Contents" in guide.browser.toPlainText()
    qtbot.keyClick(guide, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not guide.isVisible(), timeout=3000)
    qtbot.keyClick(main_window, Qt.Key.Key_F1)
    assert main_window.findChildren(UserGuide) == [guide] and guide.isVisible()
    guide.close()
