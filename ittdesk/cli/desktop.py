"""What the CLI borrows from the desktop app: the PDF renderer and the app window itself.

The core never imports ``ui`` (docs/ARCHITECTURE.md), not even inside a function. ``main.py``,
which already chooses between the CLI and the GUI, hands ``ittdesk.cli.main`` a ``Desktop``
whose parts load ``ui`` only when called, so a command that writes no PDF never starts Qt.
Run without one (``ittdesk.cli.main`` called from Python), a command that needs it refuses
before it changes or writes anything.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from ..documents import RenderPdf
from ..errors import RefusedError


@dataclass(frozen=True)
class Desktop:
    """The two things only ``ui/`` can do for a command, each loaded when first needed."""

    load_pdf_renderer: Callable[[], RenderPdf]  # ui.printing.html_to_pdf (Qt, headless)
    open_app: Callable[[str | None], int]  # the main window on a database URL; the exit code


def pdf_renderer(args: argparse.Namespace) -> RenderPdf:
    """The renderer for a command's PDF output (Qt is imported now, not before)."""
    return _desktop(args, "Writing a PDF").load_pdf_renderer()


def app_opener(args: argparse.Namespace) -> Callable[[str | None], int]:
    """Opens the app's window; asked for before the command does anything else."""
    return _desktop(args, "Opening the app").open_app


def _desktop(args: argparse.Namespace, what: str) -> Desktop:
    desktop: Desktop | None = getattr(args, "desktop", None)
    if desktop is None:
        raise RefusedError(f"{what} needs the desktop app, which this program was started "
                           "without (run it as ittdesk); nothing was written")
    return desktop
