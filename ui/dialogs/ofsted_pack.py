"""Tools > Ofsted notification pack…: choose a folder, and today's pack (one workbook, one PDF:
``ittdesk.ofsted.pack``, the same as ``ittdesk ofsted-pack``) is written there on a worker;
then the PDF is offered to open, with what the pack holds."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from ittdesk.ofsted import pack as ofsted

from .. import operations
from ..files import export_folder, offer_to_open
from ..tasks import show_error


def write(folder: Path, progress=None, cancel=None) -> ofsted.Pack:
    """Worker: the pack, its PDF drawn by ui.printing (safe off the GUI thread)."""
    from ..printing import html_to_pdf

    return ofsted.write_pack(folder, html_to_pdf)


def make_pack(parent: QWidget, folder: Path):
    """Write the pack into ``folder``; the result box (or the error) when it is done."""

    def done(made: ofsted.Pack) -> None:
        pdf = next(p for p in made.paths if p.suffix == ".pdf")
        offer_to_open(parent, pdf, f"Ofsted notification pack written: {made.summary()}. "
                                          "The workbook is beside the PDF.")

    return operations.read(parent, write, folder, on_done=done,
                           on_error=lambda exc: show_error(parent, exc, "Ofsted notification pack"),
                           progress_title="Writing the Ofsted notification pack…")


def open_ofsted_pack(main_window, folder: Path | None = None):
    if folder is None:
        name = QFileDialog.getExistingDirectory(main_window, "Folder for the Ofsted pack",
                                                str(export_folder()))
        if not name:
            return None
        folder = Path(name)
    return make_pack(main_window, folder)
