"""How a table of many columns goes on A4: portrait or landscape, which columns fit, how wide.

A printed list (``ui.views.list_actions.list_document``) asks ``fit_table`` before it writes
its HTML, so the table it hands ``ui.printing`` already fits the page: every column at least
as wide as its longest word (no "Primar/y" or "21/09/2/025"), landscape when portrait would be
cramped, and the columns past what landscape holds left out and named rather than printed as
slivers. Split from ``ui.printing`` along that seam: this measures text before there is a
document; ``ui.printing`` lays out and paints the document once it is written, and nothing
there uses this. It takes the printed page's margins and fonts from ``ui.printing``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QGuiApplication

from .printing import FONT_FAMILIES, MARGINS_MM, ensure_gui_app


@dataclass(frozen=True)
class TableFit:
    """How a table of many columns goes on paper: landscape or not, and which columns fit."""

    landscape: bool
    columns: int  # the first this many columns are printed
    left_out: tuple[str, ...]  # the headings of those that did not fit
    percents: tuple[int, ...] = ()  # the printed columns' shares of the width


TABLE_POINTS = 9.0  # never below 8 pt on paper
_CELL_PADDING_PT = 8.0  # cellpadding on both sides, borders and a little air


def screen_dpi() -> float:
    """The primary screen's logical dots per inch (96 without a screen): ask on the GUI thread
    and hand it to ``fit_table`` on a worker."""
    ensure_gui_app()
    screen = QGuiApplication.primaryScreen()
    return screen.logicalDotsPerInchX() if screen else 96.0


def fit_table(headings: list[str], rows: list[list[str]], *, dpi: float | None = None) -> TableFit:
    """Portrait when every column fits with its longest word whole and the table is not
    cramped, else landscape; in landscape, columns past what fits are left out (named, so the
    caller can say so) rather than printed as slivers of broken words."""
    from PySide6.QtGui import QFontMetricsF

    ensure_gui_app()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(TABLE_POINTS)
    bold = QFont(font)
    bold.setBold(True)
    to_pt = 72.0 / (dpi if dpi is not None else screen_dpi())
    plain_metrics, bold_metrics = QFontMetricsF(font), QFontMetricsF(bold)

    def widest_word(metrics, text: str) -> float:
        return max((metrics.horizontalAdvance(w) for w in text.split()), default=0.0)

    least, natural = [], []
    for n, heading in enumerate(headings):
        values = [r[n] for r in rows if n < len(r)]
        least.append(to_pt * max([widest_word(bold_metrics, heading)]
                                 + [widest_word(plain_metrics, v) for v in values]) + _CELL_PADDING_PT)
        natural.append(to_pt * max([bold_metrics.horizontalAdvance(heading)]
                                   + [plain_metrics.horizontalAdvance(v) for v in values])
                       + _CELL_PADDING_PT)
    portrait, landscape = body_width_pt(False), body_width_pt(True)
    if sum(least) <= portrait and sum(natural) <= portrait * 1.5:
        return TableFit(False, len(headings), (), _shares(least, natural, portrait))
    total, keep = 0.0, 0
    for width in least:
        if total + width > landscape and keep:
            break
        total += width
        keep += 1
    return TableFit(True, keep, tuple(headings[keep:]),
                    _shares(least[:keep], natural[:keep], landscape))


def _shares(least: list[float], natural: list[float], page: float) -> tuple[int, ...]:
    """Column widths as percentages: every column its longest word, the room left shared in
    proportion to how much more each would take to print on one line."""
    room = max(0.0, page - sum(least))
    wants = [max(0.0, n - m) for m, n in zip(least, natural, strict=True)]
    scale = min(1.0, room / sum(wants)) if sum(wants) else 0.0
    widths = [m + w * scale for m, w in zip(least, wants, strict=True)]
    total = sum(widths) or 1.0
    return tuple(max(1, round(100 * w / total)) for w in widths)


def body_width_pt(landscape: bool = False) -> float:
    """The width text may take on the page, in points (for sizing tables to fit)."""
    width_mm = (297.0 if landscape else 210.0) - MARGINS_MM[0] - MARGINS_MM[2]
    return width_mm / 25.4 * 72
