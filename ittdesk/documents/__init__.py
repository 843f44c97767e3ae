"""Printed documents as HTML, made in the core from templates in ``resources/templates``.

The core decides what a document says; ``ui/printing.py`` decides how it lands on A4 pages. A
template is plain HTML with ``$name`` placeholders (``string.Template``); the code fills each
with already-escaped HTML, so typed text can never inject markup.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parents[2] / "resources" / "templates"


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
