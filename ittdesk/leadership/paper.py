"""The confirmation form on paper, for schools that prefer to print, write and scan.

The same content as the workbook (``forms.form_content``) as HTML in Qt's rich-text subset; the
GUI and the CLI hand it to ``ui.printing.html_to_pdf``. The core never imports Qt: the renderer
is passed in. Answers on paper are typed in by the office, so a paper form carries the round
and URN in its footer rather than a machine-readable identifier.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from ..documents import RenderPdf
from ..errors import RefusedError
from ..fields import format_date
from ..models import ConfirmationRound, School
from . import rounds
from .forms import (
    COMPLETED_QUESTIONS,
    HEADINGS,
    HOSTING_QUESTIONS,
    NEW_IN_POST_ROWS,
    OTHER_OFFER_ROWS,
    SCHOOL_DETAILS,
    SECTION_TITLES,
    FormContent,
    cell_text,
    file_name_for,
    form_content,
)
from .vocabulary import HOSTING_APPETITES, NOT_HOSTING_REASONS, STILL_CORRECT

BOX = "&#9744;"  # a tick box
STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; }
h1 { font-size: 15pt; color: #1F3864; margin-bottom: 2pt; }
h2 { font-size: 11pt; color: #ffffff; background-color: #1F3864; margin-top: 10pt; }
p.note { font-style: italic; color: #404040; }
table { border-collapse: collapse; }
th { background-color: #D9E1F2; text-align: left; }
td.answer { background-color: #FFF8DC; }
"""


def _row(cells: list[str], answer_from: int, heights: str = "18") -> str:
    parts = []
    for i, cell in enumerate(cells):
        css = ' class="answer"' if i >= answer_from else ""
        parts.append(f"<td{css} height='{heights}'>{cell}</td>")
    return "<tr>" + "".join(parts) + "</tr>"


def _table(headings: tuple[str, ...], rows: list[str], widths: tuple[int, ...]) -> str:
    head = "".join(f"<th width='{w}%'>{escape(h)}</th>" for h, w in zip(headings, widths, strict=True))
    head_row = f"<tr>{head}</tr>" if any(headings) else ""
    return ("<table width='100%' border='1' cellspacing='0' cellpadding='4'>"
            f"{head_row}{''.join(rows)}</table>")


def _letterhead(content: FormContent) -> str:
    """The provider's logo and address above the heading, as on its agreements."""
    provider = content.letterhead
    if provider is None or not (provider.logo_uri or provider.address_lines):
        return ""
    logo = (f"<td valign='top'><img src='{escape(provider.logo_uri)}' height='48'></td>"
            if provider.logo_uri else "")
    address = "<br>".join(escape(line) for line in provider.address_lines)
    return (f"<table width='100%' cellspacing='0' cellpadding='0'><tr>{logo}<td valign='top' "
            f"align='right'><b>{escape(provider.display_name)}</b><br>{address}</td></tr></table>")


def paper_form_html(round_: ConfirmationRound, school: School) -> str:
    content = form_content(round_, school)
    year = content.hosting_year
    still = "<br>".join(f"{BOX} {escape(label)}" for _k, label in STILL_CORRECT)
    out = [f"<html><head><style>{STYLE}</style></head><body>", _letterhead(content),
           f"<h1>{escape(content.provider)}: yearly leadership confirmation {escape(year)}</h1>",
           f"<p><b>{escape(school.name)}</b> (URN {school.urn})</p>",
           "<p class='note'>Please check what we hold, tick or write your answers, and send the "
           "form back to us" + (f" by {format_date(round_.return_by)}" if round_.return_by else "")
           + ".</p>"]

    out.append(f"<h2>{escape(SECTION_TITLES['school'])}</h2>")
    rows = [_row([escape(label), escape(cell_text(getattr(school, name))),
                  f"{BOX} Yes &nbsp; {BOX} No", ""], 2) for label, name in SCHOOL_DETAILS]
    out.append(_table(HEADINGS["school"], rows, (22, 36, 16, 26)))

    out.append(f"<h2>{escape(SECTION_TITLES['roles'])}</h2>")
    rows = [_row([escape(label), escape(name), escape(email), still, ""], 3)
            for _id, label, name, email in content.role_rows]
    if not rows:
        rows = [_row(["We have no one on record: please add your team below.", "", "", "", ""], 5)]
    out.append(_table(HEADINGS["roles"], rows, (18, 18, 22, 22, 20)))

    out.append(f"<h2>{escape(SECTION_TITLES['new'])}</h2>")
    rows = [_row([""] * 6, 0, "24") for _ in range(NEW_IN_POST_ROWS)]
    out.append(_table(HEADINGS["new"], rows, (22, 16, 16, 24, 8, 14)))

    out.append(f"<h2>{escape(SECTION_TITLES['hosting'].format(year=year))}</h2>")
    appetite = "<br>".join(f"{BOX} {escape(label)}" for _k, label in HOSTING_APPETITES)
    reasons = "<br>".join(f"{BOX} {escape(label)}" for _k, label in NOT_HOSTING_REASONS)
    answers = {"appetite": appetite, "reason": reasons, "reason_detail": "", "mentors": ""}
    rows = [_row([escape(q.format(year=year)), answers[key]], 1, "30")
            for key, q in HOSTING_QUESTIONS]
    out.append(_table(("Question", "Answer"), rows, (45, 55)))
    out.append("<p></p>")
    rows = [_row([escape(label), ""], 1) for label in content.offers]
    rows += [_row(["", ""], 0) for _ in range(OTHER_OFFER_ROWS)]
    out.append(_table(HEADINGS["offers"], rows, (60, 40)))

    out.append(f"<h2>{escape(SECTION_TITLES['completed'])}</h2>")
    rows = [_row([escape(q), ""], 1, "24") for _k, q in COMPLETED_QUESTIONS]
    out.append(_table(("", ""), rows, (30, 70)))
    out.append("</body></html>")
    return "".join(out)


def write_paper_forms(round_: ConfirmationRound, outdir: Path, render: RenderPdf, *,
                      school_ids: list[int] | None = None,
                      progress: Callable[[int, int, str], None] | None = None,
                      cancelled: Callable[[], bool] | None = None) -> list[Path]:
    """One PDF per school beside the workbooks (same name, .pdf); ``render`` is html_to_pdf."""
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RefusedError(f"Cannot create the folder {outdir}: {exc.strerror or exc}") from exc
    todo = rounds.entries(round_)
    if school_ids is not None:
        todo = [e for e in todo if e.school_id in set(school_ids)]
    written = []
    for i, entry in enumerate(todo):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(i, len(todo), entry.school.name)
        target = outdir / file_name_for(entry.school).replace(".xlsx", ".pdf")
        write_paper_form(round_, entry.school, target, render)
        written.append(target)
    return written


def write_paper_form(round_: ConfirmationRound, school: School, target: Path,
                     render: RenderPdf) -> int:
    """One school's paper form as a PDF at ``target``; returns its page count."""
    return render(paper_form_html(round_, school), target,
                  footer_left=f"{school.name} (URN {school.urn})",
                  footer_right=f"Leadership confirmation {round_.academic_year}",
                  title=f"Leadership confirmation {round_.academic_year}: {school.name}")
