"""ITT Desk entry point: a subcommand runs the CLI; none opens the desktop app.

The one place where the core and ``ui/`` meet for the command line: the CLI gets what only the
desktop app can do (render a PDF with Qt, open the window) as a ``Desktop`` whose parts import
``ui`` when called, so ``ittdesk/`` never imports it and a command without a PDF never loads Qt.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ittdesk.cli.desktop import Desktop
    from ittdesk.documents import RenderPdf


def load_pdf_renderer() -> RenderPdf:
    """``ui.printing.html_to_pdf``: Qt starts headless, only for a command that writes a PDF."""
    from ui.printing import html_to_pdf

    return html_to_pdf


def open_app(db: str | None) -> int:
    """The main window on ``db`` (a path or URL; None: the default database) until it closes."""
    from ui.app import run

    return run(db)


def desktop() -> Desktop:
    """What the CLI borrows from ``ui/`` (tests hand the same to ``ittdesk.cli.main``)."""
    from ittdesk.cli.desktop import Desktop

    return Desktop(load_pdf_renderer=load_pdf_renderer, open_app=open_app)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from ittdesk.files import start_up

    start_up()  # a crashed run's temporaries removed; openpyxl's scratch kept in the data folder
    from ittdesk.cli import has_subcommand
    from ittdesk.cli import main as cli_main

    if has_subcommand(argv):
        return cli_main(argv, desktop=desktop())
    db = None
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            db = argv[i + 1]
        elif arg.startswith("--db="):
            db = arg.split("=", 1)[1]
    return open_app(db)


if __name__ == "__main__":
    sys.exit(main())
