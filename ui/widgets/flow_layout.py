"""A row of widgets that wraps onto further lines when the window is too narrow for it.

A list's search box, filters and Columns button need about 820 pixels side by side; at 150 %
scaling on a 1366×768 laptop the list gets ~520, and a plain row then drew the widgets on top
of each other. Here each line takes as many widgets as fit (at their preferred width), and the
widgets given a stretch share what is left of their line, as in a ``QHBoxLayout``.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QWidget, QWidgetItem


class FlowLayout(QLayout):
    """Left to right, wrapping; ``addWidget(w, stretch)`` like a box layout."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretch: list[int] = []
        self._spacing = spacing
        # height for width, remembered until Qt invalidates the layout (as its own box layouts
        # do): each frame of the search box's clear-button fade asks it (~260 times for the
        # first key typed), which re-wrapped the row in Python on the GUI thread each time
        self._heights: dict[int, int] = {}
        self.setContentsMargins(0, 0, 0, 0)

    # -- the QLayout interface -------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt override
        self._items.append(item)
        self._stretch.append(0)
        self._heights.clear()

    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 - Qt name
        self.addChildWidget(widget)
        self._items.append(QWidgetItem(widget))
        self._stretch.append(stretch)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        if 0 <= index < len(self._items):
            self._stretch.pop(index)
            self._heights.clear()
            return self._items.pop(index)
        return None

    def spacing(self) -> int:
        return self._spacing

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt override
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = self._arrange(QRect(0, 0, width, 0), move=False)
        return height

    def invalidate(self) -> None:
        """Qt's call when an item's size hint, visibility or the items changed."""
        self._heights.clear()
        super().invalidate()

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Everything on one line."""
        shown = self._shown()
        width = sum(item.sizeHint().width() for item, _s in shown)
        width += self._spacing * max(len(shown) - 1, 0)
        height = max((item.sizeHint().height() for item, _s in shown), default=0)
        return QSize(width, height).grownBy(self.contentsMargins())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        """The widest single widget: narrower than that, nothing can help."""
        size = QSize()
        for item, _stretch in self._shown():
            size = size.expandedTo(item.minimumSize())
        return size.grownBy(self.contentsMargins())

    # -- layout ----------------------------------------------------------------------------------
    def _shown(self) -> list[tuple[QLayoutItem, int]]:
        return [(item, stretch) for item, stretch in zip(self._items, self._stretch, strict=True)
                if not item.isEmpty()]

    def _lines(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        lines: list[list[tuple[QLayoutItem, int]]] = [[]]
        used = 0
        for item, stretch in self._shown():
            wanted = item.sizeHint().width()
            if lines[-1] and used + self._spacing + wanted > width:
                lines.append([])
                used = 0
            used += (self._spacing if lines[-1] else 0) + wanted
            lines[-1].append((item, stretch))
        return [line for line in lines if line]

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins: QMargins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        y = area.y()
        for line in self._lines(area.width()):
            widths = [min(item.sizeHint().width(), area.width()) for item, _s in line]
            spare = area.width() - sum(widths) - self._spacing * (len(line) - 1)
            stretch = sum(s for _i, s in line)
            if spare > 0 and stretch:
                for n, (_item, s) in enumerate(line):
                    widths[n] += spare * s // stretch
            height = max(item.sizeHint().height() for item, _s in line)
            x = area.x()
            for (item, _s), width in zip(line, widths, strict=True):
                if move:
                    widget = item.widget()
                    policy = widget.sizePolicy() if widget else None
                    h = height if policy is None or policy.verticalPolicy() != QSizePolicy.Policy.Fixed \
                        else item.sizeHint().height()
                    item.setGeometry(QRect(QPoint(x, y), QSize(width, h)))
                x += width + self._spacing
            y += height + self._spacing
        return y - self._spacing - area.y() + margins.top() + margins.bottom() if y > area.y() else 0
