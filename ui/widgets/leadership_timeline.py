"""Who held which post at a school, when: one lane per post, one bar per spell in post.

Reusable anywhere a school is shown (school editor, summary pane, confirmation page):

    timeline = LeadershipTimeline()
    timeline.set_school(school_id)      # reads ittdesk.leadership.history.timeline (one query)

Bars run from the start to the end date (to today, with an open end, for current holders);
hovering a bar shows the person, post and dates. ``set_entries`` draws a ready list, which is
what tests and callers that already hold the entries use.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ittdesk import clock
from ittdesk.fields import format_date
from ittdesk.leadership.history import TimelineEntry, timeline

LANE_HEIGHT = 26
AXIS_HEIGHT = 22
LABEL_WIDTH = 190
PALETTE = ("#2F5597", "#548235", "#BF8F00", "#7030A0", "#C55A11", "#2E75B6", "#7F6000")


class LeadershipTimeline(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("LeadershipTimeline")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Leadership timeline")
        self._entries: list[TimelineEntry] = []
        self._lanes: list[tuple[str, list[TimelineEntry]]] = []
        self._bars: list[tuple[QRectF, TimelineEntry]] = []
        self.today = clock.today()

    # -- data ---------------------------------------------------------------------------------
    def set_school(self, school_id: int | None) -> None:
        self.set_entries(timeline(school_id) if school_id is not None else [])

    def set_entries(self, entries: list[TimelineEntry]) -> None:
        self._entries = list(entries)
        self._lanes = self._make_lanes(self._entries)
        self.setAccessibleDescription(self.summary())
        self.setMinimumHeight(self.sizeHint().height())  # splitters must not clip the lanes
        self.updateGeometry()
        self.update()

    def entries(self) -> list[TimelineEntry]:
        return list(self._entries)

    def summary(self) -> str:
        """The timeline in words (screen readers, tests, copy)."""
        if not self._entries:
            return "No leadership on record"
        return "; ".join(f"{e.post}: {e.person} from {format_date(e.start)}" if e.future else
                         f"{e.post}: {e.person} {format_date(e.start) or '?'} - "
                         f"{format_date(e.end) or 'now'}" for e in self._entries)

    @staticmethod
    def _make_lanes(entries: list[TimelineEntry]) -> list[tuple[str, list[TimelineEntry]]]:
        """One lane per post; spells that overlap (two deputies) get a lane each."""
        lanes: list[tuple[str, list[TimelineEntry]]] = []
        by_post: dict[str, list[list[TimelineEntry]]] = {}
        for entry in entries:
            rows = by_post.setdefault(entry.post, [])
            for row in rows:
                last = row[-1]
                if last.end is not None and entry.start is not None and entry.start > last.end:
                    row.append(entry)
                    break
            else:
                rows.append([entry])
                lanes.append((entry.post if len(rows) == 1 else "", rows[-1]))
        return lanes

    # -- geometry -----------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        lanes = max(1, len(self._lanes))
        return QSize(640, AXIS_HEIGHT + lanes * LANE_HEIGHT + 8)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(320, self.sizeHint().height())

    def _span(self) -> tuple[date, date]:
        starts = [e.start for e in self._entries if e.start] + \
                 [e.end for e in self._entries if e.end]
        first = min(starts) if starts else date(self.today.year - 5, 1, 1)
        first = date(min(first.year, self.today.year - 3), 1, 1)
        # A little room after today, so the open ends of current holders show.
        last = date(self.today.year + 1, 1, 1) if self.today.month < 7 else \
            date(self.today.year + 1, 7, 1)
        if starts and max(starts) >= last:  # someone appointed for later, or a known end date
            last = date(max(starts).year + 1, 1, 1)
        return first, last

    def _x(self, day: date, first: date, last: date, left: float, width: float) -> float:
        total = (last - first).days or 1
        return left + width * ((day - first).days / total)

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text_color = pal.color(QPalette.ColorRole.WindowText)
        muted = QColor(text_color)
        muted.setAlpha(110)
        metrics = QFontMetrics(self.font())
        self._bars = []
        if not self._entries:
            painter.setPen(muted)
            painter.drawText(self.rect().adjusted(8, 0, 0, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             "No leadership on record")
            return
        first, last = self._span()
        left, right = LABEL_WIDTH, self.width() - 12
        width = max(50.0, right - left)
        # Year grid and labels.
        step = 1 if last.year - first.year <= 12 else 2
        for year in range(first.year, last.year + 1, step):
            x = self._x(date(year, 1, 1), first, last, left, width)
            if x + metrics.horizontalAdvance("0000") + 4 > self.width():
                break
            painter.setPen(QPen(muted, 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(x, AXIS_HEIGHT - 4), QPointF(x, self.height() - 4))
            painter.setPen(muted)
            painter.drawText(QRectF(x + 3, 0, 60, AXIS_HEIGHT),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, str(year))
        today_x = self._x(self.today, first, last, left, width)
        painter.setPen(QPen(QColor("#C00000"), 1.5))
        painter.drawLine(QPointF(today_x, AXIS_HEIGHT - 4), QPointF(today_x, self.height() - 4))
        posts = list(dict.fromkeys(e.post for e in self._entries))
        for lane, (label, spells) in enumerate(self._lanes):
            top = AXIS_HEIGHT + lane * LANE_HEIGHT
            if label:
                painter.setPen(text_color)
                painter.drawText(QRectF(6, top, LABEL_WIDTH - 12, LANE_HEIGHT),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                                    LABEL_WIDTH - 12))
            for n, entry in enumerate(spells):
                colour = QColor(PALETTE[posts.index(entry.post) % len(PALETTE)])
                if n % 2:  # successive holders alternate shades, so a change stands out
                    colour = colour.darker(130)
                start = entry.start or first
                # an open end runs to today, or past it for a holder appointed for later
                end = entry.end or (last if entry.future else self.today)
                x1 = self._x(start, first, last, left, width)
                x2 = max(x1 + 4, self._x(end, first, last, left, width))
                rect = QRectF(x1, top + 4, x2 - x1, LANE_HEIGHT - 8)
                path = QPainterPath()
                path.addRoundedRect(rect, 4, 4)
                fill = QColor(colour)
                if entry.current:
                    fill = fill.lighter(115)
                painter.fillPath(path, fill)
                if entry.end is None:  # an open end: a small arrow past it
                    painter.setPen(QPen(colour, 2))
                    tip = QPointF(rect.right() + 6, rect.center().y())
                    painter.drawLine(QPointF(rect.right(), rect.center().y()), tip)
                painter.setPen(QColor("white"))
                inner = rect.adjusted(5, 0, -4, 0)
                painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 metrics.elidedText(entry.person, Qt.TextElideMode.ElideRight,
                                                    int(max(0, inner.width()))))
                self._bars.append((rect, entry))
        painter.end()

    def entry_at(self, point: QPointF) -> TimelineEntry | None:
        for rect, entry in self._bars:
            if rect.adjusted(-2, -2, 2, 2).contains(point):
                return entry
        return None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        entry = self.entry_at(event.position())
        if entry is None:
            QToolTip.hideText()
            return
        when = f"{format_date(entry.start) or 'start not known'} to {format_date(entry.end) or 'now'}"
        lines = [f"<b>{entry.person}</b>", entry.job_title or entry.post, when]
        if entry.email:
            lines.append(entry.email)
        QToolTip.showText(event.globalPosition().toPoint(), "<br>".join(lines), self)
