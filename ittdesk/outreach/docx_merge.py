"""Filling {fields} in a Word document (python-docx), and the document as simple HTML.

The mail merge engine of ``letters``: a field is replaced as text, never by running a template
language, so a template from anywhere cannot run code; a field that Word split across runs
(spell-check, an edit in the middle) is still found: a paragraph's text is matched whole and
the value is put in the run where the field starts (keeping its formatting). A provider's file
passes the same zip preflight as a workbook before python-docx inflates it.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import RefusedError

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph


class _Container(Protocol):
    """What holds paragraphs and tables: the document's body, a table cell, a header."""

    @property
    def paragraphs(self) -> list[Paragraph]: ...

    @property
    def tables(self) -> list[Table]: ...

FIELD = re.compile(r"\{([a-z_]+)\}")


def _open(source: Path | bytes) -> Document:
    import docx

    try:
        return docx.Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    except Exception as exc:  # python-docx raises zipfile, KeyError, lxml errors alike
        name = "the template" if isinstance(source, bytes) else Path(source).name
        raise RefusedError(f"Cannot read {name} as a Word document (.docx)") from exc


def open_checked(path: Path) -> Document:
    """A provider's file, its zip checked first (sizes, ratios, XML depth: the same preflight
    as a workbook's) so a hostile file is refused before python-docx inflates it."""
    from ..spreadsheets.preflight import check_workbook

    check_workbook(path)
    return _open(path)


def unknown_fields(path: Path, known: tuple[str, ...]) -> list[str]:
    """The {fields} of a provider's file that no letter fills (its zip checked first)."""
    document = open_checked(Path(path))
    return sorted({name for text in _texts(document) for name in FIELD.findall(text)
                   if name not in known})


def _paragraphs(document: Document) -> Iterator[Paragraph]:
    def walk(container: _Container) -> Iterator[Paragraph]:
        yield from container.paragraphs
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)
    yield from walk(document)
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header,
                     section.first_page_footer):
            if not part.is_linked_to_previous:
                yield from walk(part)


def _texts(document: Document) -> Iterator[str]:
    for paragraph in _paragraphs(document):
        yield "".join(run.text for run in paragraph.runs)


def _fill_paragraph(paragraph: Paragraph, values: dict[str, str]) -> None:
    """Each {field} replaced, even when Word split it over several runs: the value goes into
    the run where the field starts, the rest of the field is cut from the runs after it."""
    runs = list(paragraph.runs)
    texts = [run.text for run in runs]
    whole = "".join(texts)
    matches = [m for m in FIELD.finditer(whole) if m.group(1) in values]
    if not matches:
        return
    starts: list[int] = []
    at = 0
    for text in texts:
        starts.append(at)
        at += len(text)
    for match in reversed(matches):  # right to left: earlier offsets stay valid
        begin, end = match.span()
        first = max(i for i, s in enumerate(starts) if s <= begin and (texts[i] or s < end))
        for i in range(len(runs) - 1, first, -1):  # the field's tail in later runs
            s = starts[i]
            if s >= end or s + len(texts[i]) <= begin:
                continue
            cut_from, cut_to = max(begin, s) - s, min(end, s + len(texts[i])) - s
            texts[i] = texts[i][:cut_from] + texts[i][cut_to:]
        local = begin - starts[first]
        stop = min(end, starts[first] + len(runs[first].text)) - starts[first]
        texts[first] = texts[first][:local] + values[match.group(1)] + texts[first][stop:]
    for run, text in zip(runs, texts, strict=True):
        if run.text != text:
            run.text = text  # python-docx writes "\n" as a line break


def merge(template: bytes, values: dict[str, str]) -> Document:
    """The template with every known field filled; returns the python-docx Document."""
    document = _open(template)
    for paragraph in _paragraphs(document):
        _fill_paragraph(paragraph, values)
    return document


def as_html(document: Document) -> str:
    """The merged letter's words and simple formatting as HTML for ``ui.printing``."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def para(p: Paragraph) -> str:
        parts: list[str] = []
        for run in p.runs:
            text = html.escape(run.text).replace("\n", "<br>")
            if run.bold:
                text = f"<b>{text}</b>"
            if run.italic:
                text = f"<i>{text}</i>"
            if run.underline:
                text = f"<u>{text}</u>"
            parts.append(text)
        align = {1: "center", 2: "right", 3: "justify"}.get(int(p.alignment or 0), "")
        style = f' align="{align}"' if align else ""
        inner = "".join(parts) or "&nbsp;"
        name = (p.style.name or "") if p.style is not None else ""
        if name.startswith("Heading") or name == "Title":
            return f"<h3{style}>{inner}</h3>"
        return f"<p{style}>{inner}</p>"

    out = ['<div style="font-family: Arial; font-size: 11pt;">']
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            out.append(para(block))
        elif isinstance(block, Table):
            out.append('<table border="1" cellspacing="0" cellpadding="4" width="100%">')
            for row in block.rows:
                out.append("<tr>" + "".join(
                    "<td>" + "".join(para(p) for p in cell.paragraphs) + "</td>"
                    for cell in row.cells) + "</tr>")
            out.append("</table>")
    out.append("</div>")
    return "\n".join(out)
