"""Every window fits the screen it opens on, so Save, Cancel and Next stay reachable.

At 150 % display scaling (usual on Full-HD laptops) a 1366×768 screen is 910×512 logical
pixels, less the task bar: a dialog asking for 900×600, or a window whose minimum is 760×520,
put its buttons below the bottom edge, with no way to scroll to them. So:

- ``fit_on_show(window, preferred)``: each time the window is shown it takes ``preferred`` (or
  the size it has), but never more than the available screen less the title bar and borders,
  lowers a minimum size that would not fit, and moves onto the screen;
- ``scrolled(widget)``: long forms go in a scroll area, with the buttons outside it, so the form
  can shrink while the buttons stay in view.

Only the window's own Show event is watched (a filter on the window, not on the application,
which would put a Python call in the path of every event the app handles).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

#: What a window manager adds around a window before it is shown (title bar, borders); once
#: the window is on screen its real frame is used instead.
FRAME_ALLOWANCE = QSize(16, 40)


def available_rect(widget: QWidget | None = None) -> QRect:
    """The usable part of the screen ``widget`` is on (or will open on): task bar excluded."""
    screen = None
    if widget is not None:
        screen = widget.screen()
        parent = widget.parentWidget()
        if parent is not None and parent.isVisible():
            screen = parent.screen() or screen
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 700)


def frame_margins(window: QWidget) -> QSize:
    """Width and height the frame adds to the window: at least ``FRAME_ALLOWANCE``, because
    until the window manager has framed the window Qt does not know its real frame."""
    frame, inner = window.frameGeometry(), window.geometry()
    real = QSize(frame.width() - inner.width(), frame.height() - inner.height())
    return real.expandedTo(FRAME_ALLOWANCE)


def largest_size(window: QWidget) -> QSize:
    """The biggest window (without its frame) that fits on the available screen."""
    room, frame = available_rect(window), frame_margins(window)
    return QSize(max(room.width() - frame.width(), 200), max(room.height() - frame.height(), 150))


def fit(window: QWidget, preferred: QSize | None = None) -> None:
    """Size ``window`` to ``preferred`` (default: its size now) within the screen, and move it
    so that all of it, title bar included, is on the screen."""
    limit = largest_size(window)
    wanted = preferred if preferred is not None else window.size()
    minimum = window.minimumSize()
    if minimum.width() > limit.width() or minimum.height() > limit.height():
        window.setMinimumSize(minimum.boundedTo(limit))
    size = wanted.boundedTo(limit).expandedTo(window.minimumSize())
    if size != window.size():
        window.resize(size)
    room, frame = available_rect(window), frame_margins(window)
    pos = window.pos()  # a window's pos() is its frame's top-left corner
    x = max(min(pos.x(), room.right() + 1 - size.width() - frame.width()), room.left())
    y = max(min(pos.y(), room.bottom() + 1 - size.height() - frame.height()), room.top())
    if QPoint(x, y) != pos:
        window.move(x, y)


class _FitOnShow(QObject):
    """Fits its window each time it is shown (Show arrives before the window is mapped)."""

    def __init__(self, window: QWidget, preferred: QSize | None):
        super().__init__(window)
        self.preferred = preferred

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (event.type() == QEvent.Type.Show and watched is self.parent()
                and isinstance(watched, QWidget)):
            fit(watched, self.preferred)
            self.preferred = None  # afterwards: the size the user chose, still kept on screen
        return False


def fit_on_show(window: QWidget, preferred: QSize | None = None) -> None:
    """Fit ``window`` to the screen whenever it is shown; ``preferred`` is its first size."""
    window.installEventFilter(_FitOnShow(window, preferred))


def scrolled(widget: QWidget, name: str = "") -> QScrollArea:
    """``widget`` in a frameless scroll area that scrolls only when the window is too small."""
    area = QScrollArea()
    area.setObjectName(name or "scrolledForm")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area
