"""ui/printing: any HTML onto A4 pages with footer, page numbers and watermark, headless."""

from __future__ import annotations

import unicodedata

import pytest
from pypdf import PdfReader

from ui.printing import html_to_pdf


def pdf_pages(path) -> list[str]:
    """Each page's text as a reader sees it (Qt's PDFs space words with tabs, use ligatures)."""
    return [" ".join(unicodedata.normalize("NFKC", page.extract_text() or "").split())
            for page in PdfReader(str(path)).pages]


def long_html(rows: int) -> str:
    body = "".join(f"<tr><td>Row {i}</td><td>{'Long text that wraps. ' * 6}</td></tr>" for i in range(rows))
    return (f"<html><body><h1>Long document</h1><table border='1' width='100%'>"
            f"<thead><tr><th>Row</th><th>Text</th></tr></thead>{body}</table>"
            f"<p>THE END</p></body></html>")


def test_pdf_has_footer_and_page_numbers_on_every_page(qapp, tmp_path):
    out = tmp_path / "long.pdf"
    pages = html_to_pdf(long_html(120), out, footer_left="REF-001", footer_right="Version 2")
    texts = pdf_pages(out)
    assert pages == len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
        assert "REF-001" in text and "Version 2" in text
    assert "THE END" in texts[-1]


def test_long_table_rows_are_never_lost_between_pages(qapp, tmp_path):
    out = tmp_path / "rows.pdf"
    html_to_pdf(long_html(90), out)
    text = " ".join(pdf_pages(out))
    missing = [i for i in range(90) if f"Row {i} " not in text and not text.endswith(f"Row {i}")]
    assert missing == []
    # The table's heading row repeats on each page it continues onto.
    assert all(page.count("Text") >= 1 for page in pdf_pages(out))


def test_watermark_is_printed_on_every_page_only_when_asked(qapp, tmp_path):
    marked, plain = tmp_path / "marked.pdf", tmp_path / "plain.pdf"
    html_to_pdf(long_html(60), marked, watermark="DRAFT")
    html_to_pdf(long_html(60), plain)
    assert all("DRAFT" in text for text in pdf_pages(marked))
    assert not any("DRAFT" in text for text in pdf_pages(plain))


def test_running_header_starts_on_page_two(qapp, tmp_path):
    out = tmp_path / "header.pdf"
    html_to_pdf(long_html(80), out, header_left="Moorside Hub", header_right="SSA-2025-001")
    texts = pdf_pages(out)
    assert "Moorside Hub" not in texts[0]
    assert all("Moorside Hub" in t for t in texts[1:])


def test_missing_folder_is_an_error_and_writes_nothing(qapp, tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        html_to_pdf("<p>x</p>", tmp_path / "nope" / "out.pdf")
    assert not (tmp_path / "nope").exists()


def test_cancelled_job_leaves_no_file(qapp, tmp_path):
    out = tmp_path / "cancelled.pdf"
    with pytest.raises(InterruptedError):
        html_to_pdf(long_html(80), out, cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_short_section_is_moved_whole_to_the_next_page_rather_than_split(qapp, tmp_path):
    filler = "".join(f"<p>Paragraph {i} of filler text that takes a line.</p>" for i in range(47))
    block = "".join(f"<p>Sign line {i}</p>" for i in range(8))
    out = tmp_path / "keep.pdf"
    html_to_pdf(f"<html><body>{filler}<h2>Signatures</h2>{block}</body></html>", out)
    texts = pdf_pages(out)
    holder = [t for t in texts if "Signatures" in t]
    assert len(holder) == 1 and all(f"Sign line {i}" in holder[0] for i in range(8))


def test_printing_to_a_printer_runs_as_a_background_task(qtbot, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from ui import tasks
    from ui.print_dialogs import print_to
    from ui.printing import PageOptions, a4_layout

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(a4_layout())
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    done = []
    with tasks.synchronous(False):
        print_to(None, printer, long_html(70), PageOptions(footer_left="REF-9"), on_done=done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=20000)
    texts = pdf_pages(out)
    assert done == [len(texts)] and len(texts) >= 2
    assert all("REF-9" in t for t in texts)


ONE_RED_PIXEL_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5"
                     "ErkJggg==")


def test_a_logo_given_as_a_data_uri_is_printed_decoded_by_its_own_format(qapp, tmp_path):
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QImage, QTextDocument

    from ui.printing import LayoutDevice, a4_layout, make_document

    uri = f"data:image/png;base64,{ONE_RED_PIXEL_PNG}"
    html = f'<table><tr><td><img src="{uri}" height="56"></td><td>Provider</td></tr></table>'
    doc, _body = make_document(html, LayoutDevice(a4_layout()))
    given = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(uri))
    assert isinstance(given, QImage) and given.pixelColor(0, 0).name() == "#ff0000"
    out = tmp_path / "logo.pdf"
    html_to_pdf(html, out)
    assert len(PdfReader(str(out)).pages[0].images) == 1


def test_a_logo_printed_in_many_documents_is_decoded_once_and_printed_in_each(qapp, tmp_path,
                                                                            monkeypatch):
    """A batch of PDFs (statements, letters, agreements) all head with the provider's logo."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QImage, QTextDocument

    import ui.printing as printing

    decoded: list[str] = []

    class CountingImage:
        @staticmethod
        def fromData(data: bytes, kind: str) -> QImage:  # noqa: N802 - Qt's name
            decoded.append(kind)
            return QImage.fromData(data, kind)  # type: ignore[arg-type]

    monkeypatch.setattr(printing, "QImage", CountingImage)
    monkeypatch.setattr(printing, "_decoded", {})
    uri = f"data:image/png;base64,{ONE_RED_PIXEL_PNG}"
    html = f'<table><tr><td><img src="{uri}" height="56"></td><td>Provider</td></tr></table>'
    docs = [printing.make_document(html, printing.LayoutDevice(printing.a4_layout()))[0]
            for _ in range(3)]
    outs = [tmp_path / f"letter-{n}.pdf" for n in range(2)]
    for out in outs:
        html_to_pdf(html, out)
    assert decoded == ["PNG"]
    for doc in docs:
        given = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(uri))
        assert isinstance(given, QImage) and given.pixelColor(0, 0).name() == "#ff0000"
    assert [len(PdfReader(str(out)).pages[0].images) for out in outs] == [1, 1]


def test_only_the_last_logo_is_kept_decoded_and_a_huge_image_is_not(qapp, monkeypatch):
    """What stays in memory between documents is bounded: one logo of ordinary size."""
    import base64

    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    import ui.printing as printing

    def png(width: int, height: int, colour: str) -> str:
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(QColor(colour))
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        return base64.b64encode(bytes(buffer.data())).decode()

    monkeypatch.setattr(printing, "_decoded", {})
    old_logo, new_logo = png(120, 40, "red"), png(120, 40, "blue")
    assert printing._decoded_image("png", old_logo).pixelColor(0, 0).name() == "#ff0000"
    assert printing._decoded_image("png", new_logo).pixelColor(0, 0).name() == "#0000ff"
    assert list(printing._decoded) == [("png", new_logo)]
    huge = png(2001, 2000, "green")
    assert printing._decoded_image("png", huge).width() == 2001
    assert list(printing._decoded) == [("png", new_logo)]
