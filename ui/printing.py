"""Print HTML made by the core on A4: preview, printer or PDF — one renderer for the GUI and CLI.

The core (``ittdesk.documents``) turns a record into self-contained HTML (Qt's rich-text subset:
tables, ``pt`` font sizes, ``%`` widths, ``page-break-before``); this module lays it out on
pages with Qt and draws, on every page, a running header, a footer and "Page N of M".

Generic API (reuse it for any printed document — agreements, subject-access exports, forms):

``html_to_pdf(html, out_path, *, footer_left, footer_right, watermark=None, ...) -> int``
    Write a PDF and return its page count. Headless: it creates a ``QGuiApplication`` when
    none exists (offscreen on a Linux machine with no display), so the CLI can call it. The
    file is written to a temporary name and renamed, so a failed run never leaves half a PDF.
``ui.print_dialogs``: ``print_preview``, ``print_html``, ``save_pdf_as`` / ``save_pdf``
    The GUI's preview, print dialog and Save as PDF over the same renderer.
``ui.table_fit``: ``fit_table``
    Before a wide table's HTML is written: portrait or landscape, which columns fit, how wide.
``render(device, html, options, progress=None) -> int``
    The one paint loop all of the above use; ``device`` is any ``QPagedPaintDevice``
    (``QPdfWriter``, ``QPrinter``). Safe on a worker thread (Qt allows painting on printers and
    PDF writers off the GUI thread), as long as nothing else uses the device meanwhile.
``prepare(html, options) -> Prepared`` / ``Prepared.paint(device)``
    The layout half on a worker, the painting half later: Qt's print preview asks for its
    pages on the GUI thread (``print_dialogs.preview_prepared``), so long lists are laid out
    first, off it. ``paint`` gives ``render``'s pages (laid out again if the page changed).

Every path gives the same pages: the document is laid out once at ``LAYOUT_DPI`` on a PDF
writer of the device's page layout (never on the device itself), and the painter is scaled to
the device's resolution. Laying out in a printer's own pixels (1200 dpi) rounded text widths
differently from the PDF's 300 dpi, so lines, page breaks and ``keep_sections_together``'s
decisions moved: Print… gave a page more than Save as PDF.

Extra keyword options shared by all: ``header_left``/``header_right`` (small grey running
header, not on page 1 — the document's own letterhead is there), ``watermark`` (e.g. "DRAFT",
drawn large and pale across every page behind the text) and ``title`` (PDF metadata).
Widgets are imported lazily so this module can be imported by the CLI without QtWidgets.
"""

from __future__ import annotations

import base64
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt, QThread, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)

from ittdesk.files import atomic_write

#: Page margins in millimetres (left, top, right, bottom); header and footer sit inside them.
MARGINS_MM = (18.0, 16.0, 18.0, 16.0)
HEADER_MM = 8.0  # band above the body for the running header
FOOTER_MM = 10.0  # band below the body for the footer
PDF_DPI = 300
LAYOUT_DPI = PDF_DPI  # the one resolution every document is laid out at, whatever the device
FONT_FAMILIES = ["Calibri", "Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PageOptions:
    """What goes around the body on every page."""

    footer_left: str = ""
    footer_right: str = ""
    header_left: str = ""
    header_right: str = ""
    watermark: str | None = None
    title: str = ""
    landscape: bool = False


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or a new headless ``QGuiApplication`` for CLI use."""
    running = QGuiApplication.instance()
    if isinstance(running, QGuiApplication):
        return running  # a QApplication is a QGuiApplication too
    if running is not None:  # a console-only QCoreApplication cannot lay out text
        raise RuntimeError("Printing needs a GUI application, and a console-only one is running")
    if (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication(["ittdesk"])
    _keep.append(app)
    return app


_keep: list[QGuiApplication] = []


def a4_layout(landscape: bool = False) -> QPageLayout:
    left, top, right, bottom = MARGINS_MM
    orientation = (QPageLayout.Orientation.Landscape if landscape
                   else QPageLayout.Orientation.Portrait)
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orientation,
                       QMarginsF(left, top, right, bottom), QPageLayout.Unit.Millimeter)


def _mm(mm: float) -> float:
    """Millimetres in layout pixels (``LAYOUT_DPI``)."""
    return mm / 25.4 * LAYOUT_DPI


def _font(points: float, *, bold: bool = False, scale: float = 1.0) -> QFont:
    """``points`` on paper; ``scale`` is the painter's scale (device dpi / ``LAYOUT_DPI``), which
    the font's own conversion to device pixels would otherwise apply a second time."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(points / scale)
    font.setBold(bold)
    return font


class LayoutDevice:
    """A PDF writer at ``LAYOUT_DPI`` on a page layout, never painted on: what documents are
    laid out on, so every device (printer, preview, PDF) gets the same lines and pages."""

    def __init__(self, page_layout: QPageLayout):
        from PySide6.QtCore import QBuffer, QIODevice

        self.buffer = QBuffer()
        self.buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.writer = QPdfWriter(self.buffer)
        self.writer.setResolution(LAYOUT_DPI)
        self.writer.setPageLayout(page_layout)


class _LaidOutDocument(QTextDocument):
    """A document laid out on a ``LayoutDevice``, holding it: the writer must outlive the
    document's layout."""

    def __init__(self, layout_device: LayoutDevice) -> None:
        super().__init__()
        self.layout_device = layout_device


def _new_document(layout_device: LayoutDevice) -> _LaidOutDocument:
    """A document with its layout made, for this thread: on a worker, made on the GUI thread
    and moved here.

    Making a document's layout connects a signal inside Qt (``registerHandler``), which takes
    one of Qt's shared connection locks while this thread holds Python's GIL (PySide keeps it
    for such calls). If the GUI thread is meanwhile destroying an object whose connections
    PySide tidies under the same lock, it waits for the GIL with the lock held, and both wait
    for ever: writing placement letters as PDFs stopped CI's test run for 20 minutes that way.
    The GUI thread making it holds the GIL itself, so it only waits for the lock's holder."""
    if threading.current_thread() is threading.main_thread():
        # on_gui_thread would call it here too; asked first so that the CLI and the bench,
        # which draw on the main thread, never import ui.tasks (and QtWidgets with it)
        return _document_made(layout_device, None)
    from .tasks import on_gui_thread

    here = QThread.currentThread()
    return on_gui_thread(lambda: _document_made(layout_device, here))


def _document_made(layout_device: LayoutDevice, thread: QThread | None) -> _LaidOutDocument:
    doc = _LaidOutDocument(layout_device)
    doc.documentLayout()  # made now, here
    if thread is not None:
        doc.moveToThread(thread)  # its children (the layout) with it; here already: nothing
    return doc


#: a ``data:`` image in an ``src`` attribute, as the core writes a provider's logo
_DATA_IMAGE = re.compile(r"""src=(["'])(data:image/(png|jpeg);base64,([A-Za-z0-9+/=]+))\1""")


def _add_data_images(doc: QTextDocument, html: str) -> None:
    """Each ``data:`` image of ``html`` given to ``doc`` decoded by its own format. Left to Qt,
    the image is loaded by trying each image plugin in turn, and the SVG plugin's try connects
    a signal: the same lock as in ``_new_document``, on a worker holding the GIL."""
    for match in _DATA_IMAGE.finditer(html):
        uri, kind, data = match.group(2), match.group(3), match.group(4)
        image = _decoded_image(kind, data)
        if not image.isNull():  # else Qt's own loading says what is wrong, as before
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(uri), image)


#: the last ``data:`` image decoded, by (kind, base64 text): the provider's logo
_decoded: dict[tuple[str, str], QImage] = {}
_decoded_lock = threading.Lock()
_KEEP_PIXELS = 4_000_000  # up to 16 MB decoded is kept; a larger image is decoded per document


def _decoded_image(kind: str, data: str) -> QImage:
    """A ``data:`` image decoded once for all the documents that print it: the provider's logo
    heads every agreement, statement and paper form, and a batch of those PDFs decoded it
    again for each (a 1200 x 400 PNG: ~2-4 ms of a ~40 ms agreement PDF). Only the last one is
    kept, so a changed logo replaces the old. A ``QImage`` is implicitly shared and only read
    by the documents, so one copy serves every thread."""
    key = (kind, data)
    with _decoded_lock:
        image = _decoded.get(key)
    if image is None:
        image = QImage.fromData(base64.b64decode(data), kind.upper())  # type: ignore[arg-type]
        if image.width() * image.height() <= _KEEP_PIXELS:
            with _decoded_lock:
                _decoded.clear()
                _decoded[key] = image
    return image


def make_document(html: str, device: QPagedPaintDevice | LayoutDevice
                  ) -> tuple[QTextDocument, QRectF]:
    """Lay ``html`` out at ``LAYOUT_DPI`` for ``device``'s page; returns the document and the
    body rectangle (both in layout pixels: paint with the painter scaled by ``_scale``)."""
    layout = device if isinstance(device, LayoutDevice) else LayoutDevice(device.pageLayout())
    paint_rect = layout.writer.pageLayout().paintRectPixels(LAYOUT_DPI)
    width, height = paint_rect.width(), paint_rect.height()
    top = _mm(HEADER_MM)
    body = QRectF(0, top, width, height - top - _mm(FOOTER_MM))
    doc = _new_document(layout)
    doc.documentLayout().setPaintDevice(layout.writer)
    doc.setDefaultFont(_font(10))
    # Lines break between words, never inside one ("Primar/y", "21/09/2/025"): a table column
    # is then at least as wide as its longest word.
    option = doc.defaultTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    doc.setDefaultTextOption(option)
    doc.setDocumentMargin(0)
    _add_data_images(doc, html)
    doc.setHtml(html)
    doc.setPageSize(QSizeF(body.width(), body.height()))
    keep_sections_together(doc, body.height())
    return doc, body


def keep_sections_together(doc: QTextDocument, page_height: float) -> None:
    """Start a heading on a new page rather than strand it, or split a short section.

    A heading (h1-h3) moves to the next page when the page would end within a few lines of it,
    or when its section (up to the next heading of the same or a higher level) is at most
    half a page long yet would be split across two pages — e.g. a signature block.
    """
    layout = doc.documentLayout()
    headings = []
    block = doc.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level:
            headings.append((block, level))
        block = block.next()
    for index, (block, level) in enumerate(headings):
        top = layout.blockBoundingRect(block).top()
        following = next((b for b, lv in headings[index + 1:] if lv <= level), None)
        end = (layout.blockBoundingRect(following).top() if following is not None
               else layout.documentSize().height())
        page_top = (top // page_height) * page_height
        if page_top == 0 and top < 1:
            continue
        room = page_top + page_height - top
        head = layout.blockBoundingRect(block).height()
        nxt = block.next()
        first_lines = layout.blockBoundingRect(nxt).height() if nxt.isValid() else 0
        stranded = room < head + min(first_lines, head * 2.5) + 1
        split_short = end - top <= page_height / 2 and end > page_top + page_height + 1
        if stranded or split_short:
            cursor = QTextCursor(block)
            fmt = QTextBlockFormat()
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            cursor.mergeBlockFormat(fmt)


def render(device: QPagedPaintDevice, html: str, options: PageOptions,
           progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> int:
    """Paint every page of ``html`` on ``device``; returns the number of pages painted."""
    doc, body = make_document(html, device)
    return paint_pages(device, doc, body, options, progress, cancelled)


def paint_pages(device: QPagedPaintDevice, doc: QTextDocument, body: QRectF,
                options: PageOptions, progress: Progress | None = None,
                cancelled: Callable[[], bool] | None = None) -> int:
    """Paint a document ``make_document`` laid out for ``device``'s page layout, page by page
    with header and footer; returns the number of pages painted."""
    pages = max(1, doc.pageCount())
    scale = _scale(device)
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("Cannot start printing (the printer or file is not available)")
    try:
        painter.scale(scale, scale)
        for index in range(pages):
            if cancelled is not None and cancelled():
                break
            if index:
                device.newPage()
            _paint_page(painter, scale, doc, body, index, pages, options)
            if progress is not None:
                progress(index + 1, pages)
    finally:
        painter.end()
    return pages


@dataclass
class Prepared:
    """A document laid out on A4 pages ahead of painting (``prepare``, on a worker), so that
    the GUI thread only paints it: Qt's print preview asks for its pages on the GUI thread,
    and laying out a long table is most of the time (a 2,000-row list: ~4 of ~6 s)."""

    html: str
    options: PageOptions
    page_layout: QPageLayout
    doc: QTextDocument
    body: QRectF

    def fits(self, device: QPagedPaintDevice) -> bool:
        """Laid out for ``device``'s page (else lay it out again: the user changed the page
        in the preview, or a printer narrowed the margins)."""
        return device.pageLayout().isEquivalentTo(self.page_layout)

    def paint(self, device: QPagedPaintDevice, progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None) -> int:
        """The same pages ``render(device, html, options)`` paints."""
        if not self.fits(device):
            return render(device, self.html, self.options, progress, cancelled)
        return paint_pages(device, self.doc, self.body, self.options, progress, cancelled)


def prepare(html: str, options: PageOptions) -> Prepared:
    """Lay ``html`` out on A4 (landscape if ``options`` say so) for painting later. Safe on a
    worker: the document is handed to the GUI thread (Qt objects belong to the thread that
    made them) once it is laid out to its last page."""
    from PySide6.QtCore import QCoreApplication

    ensure_gui_app()
    page_layout = a4_layout(options.landscape)
    layout = LayoutDevice(page_layout)
    doc, body = make_document(html, layout)
    doc.pageCount()  # the whole layout now, not when the GUI thread first asks
    app = QCoreApplication.instance()
    if app is not None:  # a no-op when this is the GUI thread already
        for made_here in (doc, layout.buffer, layout.writer):
            made_here.moveToThread(app.thread())
    return Prepared(html, options, page_layout, doc, body)


def _scale(device: QPagedPaintDevice) -> float:
    """Device pixels per layout pixel (4 for a 1200 dpi printer, 1 for the PDF writer)."""
    return device.logicalDpiY() / LAYOUT_DPI


def _paint_page(painter: QPainter, scale: float, doc: QTextDocument, body: QRectF,
                index: int, pages: int, options: PageOptions) -> None:
    """One page, in layout pixels (the painter is already scaled to the device)."""
    width = body.width()
    if options.watermark:
        _paint_watermark(painter, body, options.watermark, scale)
    # The body: this page's slice of the laid-out document, clipped to the body rectangle.
    painter.save()
    painter.translate(body.left(), body.top() - index * body.height())
    clip = QRectF(0, index * body.height(), width, body.height())
    painter.setClipRect(clip)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.clip = clip
    context.palette.setColor(context.palette.ColorRole.Text, QColor("black"))
    doc.documentLayout().draw(painter, context)
    painter.restore()

    grey = QColor(90, 90, 90)
    rule = QPen(QColor(170, 170, 170))
    rule.setWidthF(max(1.0, LAYOUT_DPI / 200))
    small = _font(8, scale=scale)
    painter.setFont(small)
    line_height = painter.fontMetrics().height()
    if index > 0 and (options.header_left or options.header_right):
        band = QRectF(0, body.top() - _mm(HEADER_MM), width, _mm(HEADER_MM) * 0.7)
        painter.setPen(grey)
        painter.drawText(band, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), _elide(painter, options.header_left, width * 0.6))
        painter.drawText(band, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), _elide(painter, options.header_right, width * 0.38))
        painter.setPen(rule)
        painter.drawLine(QPointF(0, band.bottom() + line_height * 0.25),
                         QPointF(width, band.bottom() + line_height * 0.25))
    footer_top = body.bottom() + _mm(FOOTER_MM) * 0.35
    painter.setPen(rule)
    painter.drawLine(QPointF(0, footer_top), QPointF(width, footer_top))
    band = QRectF(0, footer_top + line_height * 0.3, width, line_height * 1.2)
    painter.setPen(grey)
    painter.drawText(band, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), _elide(painter, options.footer_left, width * 0.38))
    painter.drawText(band, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), f"Page {index + 1} of {pages}")
    painter.drawText(band, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), _elide(painter, options.footer_right, width * 0.38))


def _paint_watermark(painter: QPainter, body: QRectF, text: str, scale: float = 1.0) -> None:
    painter.save()
    painter.setFont(_font(96, bold=True, scale=scale))
    painter.setPen(QColor(200, 40, 40, 45))
    painter.translate(body.center())
    painter.rotate(-40)
    box = QRectF(-body.width(), -body.height() / 4, body.width() * 2, body.height() / 2)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()


def _elide(painter: QPainter, text: str, width: float) -> str:
    return painter.fontMetrics().elidedText(text or "", Qt.TextElideMode.ElideRight, int(width))


def page_options(footer_left: str, footer_right: str, **extra) -> PageOptions:
    return PageOptions(footer_left=footer_left, footer_right=footer_right, **extra)


def html_to_pdf(html: str, out_path: str | os.PathLike, *, footer_left: str = "",
                footer_right: str = "", watermark: str | None = None, header_left: str = "",
                header_right: str = "", title: str = "", progress: Progress | None = None,
                cancelled: Callable[[], bool] | None = None, landscape: bool = False) -> int:
    """Write ``html`` as an A4 PDF at ``out_path``; returns the page count (see module doc)."""
    ensure_gui_app()
    out = Path(out_path)
    if out.parent and not out.parent.exists():
        raise OSError(f"The folder {out.parent} does not exist")
    options = page_options(footer_left, footer_right, watermark=watermark, header_left=header_left,
                       header_right=header_right, title=title, landscape=landscape)
    pages = 0

    def write(temp_name: Path) -> None:
        nonlocal pages
        writer = QPdfWriter(str(temp_name))
        writer.setResolution(PDF_DPI)
        writer.setPageLayout(a4_layout(landscape))
        writer.setTitle(title or footer_left)
        writer.setCreator("ITT Desk")
        pages = render(writer, html, options, progress, cancelled)
        del writer  # closes the file
        if cancelled is not None and cancelled():
            raise InterruptedError("Cancelled; no PDF was written")

    atomic_write(out, write)
    return pages
