"""Printed documents as HTML, made in the core from templates in ``resources/templates``.

The core decides what a document says; ``ui/printing.py`` decides how it lands on A4 pages. A
template is plain HTML with ``$name`` placeholders (``string.Template``); the code fills each
with already-escaped HTML, so typed text can never inject markup.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template
from typing import Protocol, TypedDict, Unpack

TEMPLATES = Path(__file__).resolve().parents[2] / "resources" / "templates"


class PageOptions(TypedDict, total=False):
    """How a document lands on A4 pages: the keywords every ``ui.printing`` entry point takes."""

    footer_left: str
    footer_right: str
    header_left: str
    header_right: str
    watermark: str | None
    title: str
    landscape: bool


class RenderPdf(Protocol):
    """Writes HTML as an A4 PDF at a path and returns its page count. The GUI and the CLI hand
    ``ui.printing.html_to_pdf`` to the core as one of these: the core never imports Qt."""

    def __call__(self, html: str, out_path: Path, /, **options: Unpack[PageOptions]) -> int: ...


def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def stylesheet(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def paragraphs(value: str | None, empty: str = "Not yet recorded") -> str:
    """Typed text as paragraphs: blank lines split paragraphs, single newlines are kept."""
    text = (value or "").strip()
    if not text:
        return f'<p class="muted">{esc(empty)}</p>'
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join("<p>" + "<br>".join(esc(line) for line in block.split("\n")) + "</p>"
                   for block in blocks)
