"""A print preview's pages are laid out on a worker (``ui.printing.prepare``): Qt asks for the
preview's pages, and for them again on Print, on the GUI thread, which then only paints them.
A list of 2,000 rows is ~130 pages; laying them out took ~4 of the ~6 s the preview held the
GUI thread. The painted pages are the ones ``render`` paints from the HTML."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import gui_helpers as gui
import pytest
from gui_helpers import tasks_idle, wait_loaded
from PySide6.QtGui import QPdfWriter

import ui.print_dialogs
import ui.printing
from ittdesk.documents.agreement import build
from ittdesk.models import SupportAgreement
from ui.editors.agreement_editor import print_agreement
from ui.printing import a4_layout, page_options, prepare, render

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def _page_contents(path: Path) -> list[bytes]:
    """Each page's drawing operators, inflated (the PDF's ids and dates left aside)."""
    data = path.read_bytes()
    objects = {int(m.group(1)): m.end() for m in re.finditer(rb"\n(\d+) 0 obj", data)}
    pages = []
    for number in re.findall(rb"/Contents (\d+) 0 R", data):
        start = data.index(b"stream", objects[int(number)])
        start = data.index(b"\n", start) + 1
        pages.append(zlib.decompress(data[start:data.index(b"endstream", start)]))
    return pages


def _pdf(path: Path, paint, landscape: bool = False) -> list[bytes]:
    writer = QPdfWriter(str(path))
    writer.setResolution(ui.printing.PDF_DPI)
    writer.setPageLayout(a4_layout(landscape))
    paint(writer)
    del writer
    return _page_contents(path)


@pytest.fixture
def layout_threads(monkeypatch) -> list[bool]:
    """For each document laid out: was it laid out on the GUI (main) thread?"""
    return gui.note_threads(monkeypatch, "make_document", ui.printing)


def _shown_and_painted(qtbot, dialog):
    """The preview dialog shown, once Qt has asked it to paint its pages."""
    qtbot.addWidget(dialog)
    painted = []
    dialog.paintRequested.connect(painted.append)
    dialog.show()
    qtbot.waitUntil(lambda: bool(painted))
    return dialog


def test_a_prepared_document_paints_the_pages_render_paints(qapp, demo_db, tmp_path):
    document = build(SupportAgreement.select().first().id)
    options = page_options(**document.page_options())
    drawn = _pdf(tmp_path / "render.pdf", lambda w: render(w, document.html, options))
    prepared = prepare(document.html, options)
    assert len(drawn) == 3
    portrait, landscape = QPdfWriter(str(tmp_path / "p.pdf")), QPdfWriter(str(tmp_path / "l.pdf"))
    portrait.setPageLayout(a4_layout())
    landscape.setPageLayout(a4_layout(True))
    assert prepared.fits(portrait) and not prepared.fits(landscape)
    assert _pdf(tmp_path / "prepared.pdf", prepared.paint) == drawn
    # A page the document was not laid out for (the preview's orientation button): laid out
    # again for it, as render does.
    turned = _pdf(tmp_path / "render-landscape.pdf",
                  lambda w: render(w, document.html, options), landscape=True)
    assert turned != drawn
    assert _pdf(tmp_path / "prepared-landscape.pdf", prepared.paint, landscape=True) == turned


def test_an_agreements_preview_only_paints_on_the_gui_thread(qtbot, demo_db, layout_threads):
    previews = []
    print_agreement(None, SupportAgreement.select().first().id, exec_dialog=False,
                    on_preview=previews.append)
    qtbot.waitUntil(lambda: tasks_idle() and bool(previews), timeout=20000)
    _shown_and_painted(qtbot, previews[0])
    assert layout_threads == [False]  # laid out once, on the worker; painted as it was


def test_a_printed_list_is_read_and_laid_out_on_a_worker(qtbot, demo_window, layout_threads,
                                                        monkeypatch):
    demo_window.show_page("schools")
    panel = demo_window.current_page().panel
    wait_loaded(qtbot, panel)
    previews = []
    real = ui.print_dialogs.preview_prepared
    monkeypatch.setattr(ui.print_dialogs, "preview_prepared",
                        lambda parent, prepared: previews.append(
                            real(parent, prepared, exec_dialog=False)))
    panel.print_list("Schools")
    qtbot.waitUntil(lambda: tasks_idle() and bool(previews), timeout=30000)
    dialog = _shown_and_painted(qtbot, previews[0])
    assert layout_threads == [False]
    html, _landscape = panel.printable_html("Schools")  # what the preview shows
    assert f"{len(panel.model.ids):,} schools" in html
    assert "Print preview — Schools" == dialog.windowTitle()
