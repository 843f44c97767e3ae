"""Print…, Print preview and Save as PDF give the same pages: the document is laid out once at a
fixed resolution whatever the device (a 1200 dpi printer used to lay out a page more than the
300 dpi PDF, one of them blank). Checked on the demo agreements, page by page, for ink."""

from __future__ import annotations

from pathlib import Path

import pytest

from ittdesk.documents.agreement import build
from ittdesk.models import SupportAgreement
from ui.print_dialogs import a4_printer
from ui.printing import FOOTER_MM, HEADER_MM, MARGINS_MM, PageOptions, html_to_pdf, render

RENDER_DPI = 50


def page_images(path: Path) -> list:
    """Each page of the PDF as a QImage (Qt's own PDF renderer, no external tool)."""
    from PySide6.QtCore import QSize
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    images = []
    for index in range(document.pageCount()):
        points = document.pagePointSize(index)
        size = QSize(round(points.width() * RENDER_DPI / 72), round(points.height() * RENDER_DPI / 72))
        images.append(document.render(index, size))
    document.close()
    return images


def body_ink(image) -> int:
    """Dark pixels inside the body (between the running header and the footer): text and rules,
    not the pale DRAFT watermark, nor the header and footer every page has."""
    mm = RENDER_DPI / 25.4
    left, top, right, bottom = MARGINS_MM
    x0, x1 = int(left * mm), int(image.width() - right * mm)
    y0, y1 = int((top + HEADER_MM) * mm), int(image.height() - (bottom + FOOTER_MM) * mm)
    dark = 0
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            colour = image.pixelColor(x, y)  # transparent where nothing is drawn
            if colour.alpha() > 128 and colour.lightness() < 140:
                dark += 1
    return dark


@pytest.fixture
def demo_agreements(qapp, sqlite_db):
    from ittdesk.demo import build_demo

    build_demo()
    return [a.id for a in SupportAgreement.select().order_by(SupportAgreement.id)]


@pytest.mark.slow
def test_printer_and_pdf_give_the_same_pages_and_none_is_blank(demo_agreements, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    assert demo_agreements
    for agreement_id in demo_agreements:
        document = build(agreement_id)
        pdf = tmp_path / f"{document.reference}-saved.pdf"
        saved = html_to_pdf(document.html, pdf, **document.page_options())
        printed_file = tmp_path / f"{document.reference}-printed.pdf"
        printer = a4_printer()  # as Print… and Print preview make it: HighResolution (1200 dpi)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed_file))
        assert printer.resolution() != 300  # the case that used to lay out differently
        printed = render(printer, document.html, PageOptions(**document.page_options()))
        del printer  # finishes the file
        assert printed == saved, document.reference
        for path in (pdf, printed_file):
            images = page_images(path)
            assert len(images) == saved
            blank = [n + 1 for n, image in enumerate(images) if body_ink(image) < 10]
            assert blank == [], f"{path.name}: blank pages {blank}"
