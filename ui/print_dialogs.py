"""The GUI's ways to print a document: preview, the system print dialog, Save as PDF.

Each lays the pages out with ``ui.printing.render`` (the one renderer, headless and shared with
the CLI), so every path gives the same pages; printing and saving run on a worker with
progress and Cancel. QtWidgets and QtPrintSupport are imported when first used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from .printing import PageOptions, Prepared, a4_layout, html_to_pdf, page_options, render


def a4_printer(landscape: bool = False):
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(a4_layout(landscape))
    return printer


def print_preview(parent, html: str, *, footer_left: str = "", footer_right: str = "",
                  watermark: str | None = None, header_left: str = "", header_right: str = "",
                  title: str = "", exec_dialog: bool = True, landscape: bool = False):
    """Show a print preview of ``html`` on A4; printing from it prints the same pages.

    Returns the dialog's result, or the dialog itself when ``exec_dialog`` is false (tests and
    callers that want to show it non-modally).
    """
    options = page_options(footer_left, footer_right, watermark=watermark, header_left=header_left,
                       header_right=header_right, title=title, landscape=landscape)
    return _preview(parent, options, lambda printer: render(printer, html, options), exec_dialog)


def preview_prepared(parent, prepared: Prepared, *, exec_dialog: bool = True):
    """``print_preview`` of a document already laid out on a worker (``printing.prepare``):
    Qt asks for the preview's pages, and for them again on Print, on the GUI thread, which
    then only paints them."""
    return _preview(parent, prepared.options, prepared.paint, exec_dialog)


def _preview(parent, options: PageOptions, paint: Callable[[Any], object], exec_dialog: bool):
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    printer = a4_printer(options.landscape)
    printer.setDocName(options.title or options.footer_left)
    dialog = QPrintPreviewDialog(printer, parent)
    title = options.title
    dialog.setWindowTitle(f"Print preview — {title}" if title else "Print preview")
    _fit_to_screen(dialog, 900, 1000)
    dialog.paintRequested.connect(lambda p: _paint_with_busy_cursor(paint, p))
    cast(Any, dialog)._printer = printer  # keep the printer alive as long as the dialog
    if not exec_dialog:
        return dialog
    return dialog.exec()


def _fit_to_screen(dialog, width: int, height: int) -> None:
    """At most the screen's available area (a 1000-pixel preview ran off a 768-pixel laptop
    screen, hiding its buttons), centred on it."""
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        dialog.resize(width, height)
        return
    area = screen.availableGeometry()
    frame = 40  # title bar and borders the window manager adds
    dialog.resize(min(width, area.width() - frame), min(height, area.height() - frame))
    dialog.move(area.center() - dialog.rect().center())


def _paint_with_busy_cursor(paint: Callable[[Any], object], printer) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        paint(printer)
    finally:
        QApplication.restoreOverrideCursor()


def print_html(parent, html: str, *, footer_left: str = "", footer_right: str = "",
               watermark: str | None = None, header_left: str = "", header_right: str = "",
               title: str = "", landscape: bool = False):
    """The system print dialog, then the pages on a background task; None if cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog

    printer = a4_printer(landscape)
    printer.setDocName(title or footer_left)
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    options = page_options(footer_left, footer_right, watermark=watermark, header_left=header_left,
                       header_right=header_right, title=title, landscape=landscape)
    return print_to(parent, printer, html, options)


def print_to(parent, printer, html: str, options: PageOptions, on_done=None):
    """Paint the pages on ``printer`` off the GUI thread, with progress and Cancel."""
    from ui.tasks import run_task

    def work(progress, cancel):
        return render(printer, html, options, progress, cancel.is_set)

    handle = run_task(parent, work, on_done=on_done, progress_title="Printing…")
    cast(Any, handle).printer = printer  # keep the printer alive until the job is delivered
    return handle


def save_pdf_as(parent, html: str, suggested_name: str, *, footer_left: str = "",
                footer_right: str = "", watermark: str | None = None, header_left: str = "",
                header_right: str = "", title: str = "",
                on_saved: Callable[[Path], None] | None = None, landscape: bool = False):
    """Ask where to save, then write the PDF on a background task with progress."""
    from .files import ask_save_path

    path = ask_save_path(parent, "Save as PDF", suggested_name, "PDF files (*.pdf)", (".pdf",))
    if path is None:
        return None
    return save_pdf(parent, html, path, footer_left=footer_left, footer_right=footer_right,
                    watermark=watermark, header_left=header_left, header_right=header_right,
                    title=title, on_saved=on_saved, landscape=landscape)


def save_pdf(parent, html: str, path: Path, *, on_saved: Callable[[Path], None] | None = None,
             show_message: bool = True, **options):
    """Write the PDF at ``path`` on a background task; ``on_saved(path)`` runs on the GUI thread.

    Returns the ``ui.tasks`` handle. Errors (folder missing, file locked) come back as one
    message box, and no half-written file is left behind.
    """
    from PySide6.QtWidgets import QMessageBox

    from ui.tasks import run_task

    def work(progress, cancel):
        return html_to_pdf(html, path, progress=progress, cancelled=cancel.is_set, **options)

    def done(_pages: int) -> None:
        if on_saved is not None:
            on_saved(path)
        if show_message:
            QMessageBox.information(parent, "Saved as PDF", f"Saved {path}")

    return run_task(parent, work, on_done=done, progress_title=f"Saving {path.name}…")
