"""A small bar chart painted with QPainter in the palette's colours (no QtCharts start-up cost)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


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
        self.setAccessibleDescription(", ".join(f"{k}: {v}" for k, v in self.values))
        self.setToolTip("\n".join(f"{k}: {v}" for k, v in self.values))
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
            for n, (label, value) in enumerate(self.values):
                y = area.top() + n * row_h
                painter.setPen(text)
                painter.drawText(QRectF(area.left(), y, label_w - 6, row_h),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 fm.elidedText(label, Qt.TextElideMode.ElideRight, int(label_w - 6)))
                width = (area.width() - label_w - 40) * value / top
                painter.fillRect(QRectF(area.left() + label_w, y + 3, max(width, 1), row_h - 6), bar)
                painter.drawText(QRectF(area.left() + label_w + width + 4, y, 40, row_h),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, str(value))
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
                                     Qt.AlignmentFlag.AlignCenter, str(value))
                painter.setPen(muted)
                painter.drawText(QRectF(x, chart.bottom() + 4, slot, line),
                                 Qt.AlignmentFlag.AlignCenter, label)
            painter.setPen(muted)
            painter.drawLine(chart.bottomLeft(), chart.bottomRight())
        painter.end()
