"""A small bar chart painted with QPainter in the palette's colours (no QtCharts start-up cost)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


def compact(value: int) -> str:
    """A count in at most four or five characters: 950, 3.9k, 39k, 1.2m."""
    if abs(value) < 1000:
        return str(value)
    if abs(value) < 9950:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    if abs(value) < 999_500:
        return f"{round(value / 1000)}k"
    return f"{value / 1_000_000:.1f}m".replace(".0m", "m")


def value_text(value: int, room: float, fm: QFontMetrics) -> str:
    """The count as it fits above its bar: 3,896 when there is room, else 3.9k (the tooltip and
    the accessible description keep every exact value)."""
    full = f"{value:,}"
    return full if fm.horizontalAdvance(full) <= room else compact(value)


class BarChart(QWidget):
    """Vertical bars (``horizontal=False``, e.g. per month) or horizontal bars (per subject)."""

    def __init__(self, title: str, horizontal: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.horizontal = horizontal
        self.values: list[tuple[str, int]] = []
        self.setMinimumHeight(190)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(title)

    def set_values(self, values: list[tuple[str, int]]) -> None:
        self.values = list(values)
        self.setAccessibleDescription(", ".join(f"{k}: {v:,}" for k, v in self.values))
        self.setToolTip("\n".join(f"{k}: {v:,}" for k, v in self.values))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(360, 220)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        bar = pal.color(QPalette.ColorRole.Highlight)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        fm = painter.fontMetrics()
        line = fm.height()
        font = painter.font()
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self.width(), line + 4),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        painter.setFont(font)
        area = QRectF(4, line + 10, self.width() - 8, self.height() - line - 14)
        top = max((v for _k, v in self.values), default=0)
        if not self.values or top == 0:
            painter.setPen(muted)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "Nothing to show yet")
            return
        if self.horizontal:
            label_w = min(area.width() * 0.45, max(fm.horizontalAdvance(k) for k, _v in self.values) + 8)
            row_h = min(line + 8, area.height() / len(self.values))
            value_w = max(fm.horizontalAdvance(f"{v:,}") for _k, v in self.values) + 8
            for n, (label, value) in enumerate(self.values):
                y = area.top() + n * row_h
                painter.setPen(text)
                painter.drawText(QRectF(area.left(), y, label_w - 6, row_h),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 fm.elidedText(label, Qt.TextElideMode.ElideRight, int(label_w - 6)))
                width = max(area.width() - label_w - value_w, 1) * value / top
                painter.fillRect(QRectF(area.left() + label_w, y + 3, max(width, 1), row_h - 6), bar)
                painter.drawText(QRectF(area.left() + label_w + width + 4, y, value_w, row_h),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 f"{value:,}")
        else:
            chart = QRectF(area.left(), area.top() + line, area.width(), area.height() - 2 * line - 4)
            slot = chart.width() / len(self.values)
            for n, (label, value) in enumerate(self.values):
                x = chart.left() + n * slot
                height = chart.height() * value / top
                painter.fillRect(QRectF(x + slot * 0.18, chart.bottom() - height, slot * 0.64,
                                        max(height, 1 if value else 0)), bar)
                painter.setPen(text)
                if value:
                    painter.drawText(QRectF(x, chart.bottom() - height - line - 2, slot, line),
                                     Qt.AlignmentFlag.AlignCenter, value_text(value, slot - 2, fm))
                painter.setPen(muted)
                painter.drawText(QRectF(x, chart.bottom() + 4, slot, line),
                                 Qt.AlignmentFlag.AlignCenter, label)
            painter.setPen(muted)
            painter.drawLine(chart.bottomLeft(), chart.bottomRight())
        painter.end()
