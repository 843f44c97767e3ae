"""Colours that mean something (an error, a warning, a good state), readable on the light and
the dark palette alike: the deep reds and ambers chosen for white backgrounds were too dark to
read on a dark one (contrast under 3:1), so each has a lighter twin for dark palettes."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

#: meaning -> (on a light background, on a dark background); each at least 4.5:1 on its own.
COLOURS = {
    "error": ("#b3261e", "#ff8a80"),
    "warning": ("#8a5a00", "#ffcc80"),
    "ok": ("#1b5e20", "#a5d6a7"),
}


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether windows are drawn dark (the text is lighter than the background)."""
    if palette is None:
        app = QGuiApplication.instance()
        palette = app.palette() if isinstance(app, QGuiApplication) else QPalette()
    return (palette.color(QPalette.ColorRole.WindowText).lightness()
            > palette.color(QPalette.ColorRole.Window).lightness())


def colour(meaning: str, palette: QPalette | None = None) -> str:
    light, dark = COLOURS[meaning]
    return dark if is_dark(palette) else light


def error() -> str:
    return colour("error")


def warning() -> str:
    return colour("warning")


def contrast(foreground: str, background: QColor | str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF())
                + 0.0722 * channel(c.blueF()))

    a, b = luminance(QColor(foreground)), luminance(QColor(background))
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def stylesheet(text: str) -> str:
    """The app's stylesheet with its ``@error`` / ``@warning`` / ``@ok`` for this palette."""
    for meaning in COLOURS:
        text = text.replace(f"@{meaning}", colour(meaning))
    return text
