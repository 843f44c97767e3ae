"""Error and warning text is readable on the light and the dark palette (WCAG AA, 4.5:1)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from ui import colours
from ui.app import RESOURCES

pytestmark = pytest.mark.gui


def palette(window: str, text: str) -> QPalette:
    p = QPalette()
    p.setColor(QPalette.ColorRole.Window, QColor(window))
    p.setColor(QPalette.ColorRole.Base, QColor(window))
    p.setColor(QPalette.ColorRole.WindowText, QColor(text))
    return p


@pytest.mark.parametrize("meaning", sorted(colours.COLOURS))
@pytest.mark.parametrize("window,text", [("#ffffff", "#000000"), ("#f0f0f0", "#202020"),
                                         ("#2b2b2b", "#f0f0f0"), ("#1e1e1e", "#ffffff")])
def test_meaningful_colours_keep_their_contrast_on_light_and_dark_windows(qapp, meaning, window,
                                                                          text):
    chosen = colours.colour(meaning, palette(window, text))
    assert colours.contrast(chosen, window) >= 4.5


def test_the_stylesheet_has_a_colour_for_every_placeholder(qapp):
    sheet = colours.stylesheet((RESOURCES / "style.qss").read_text(encoding="utf-8"))
    assert "@" not in sheet
    assert colours.error() in sheet
