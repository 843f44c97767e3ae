""""What you can claim": one statement per partner school, as a PDF and an xlsx.

Before DfE's claim window opens (May), each partner school with at least one mentor gets its
mentors' hours, claimable hours and amounts, the total, and what is missing (no TRN, hours not
yet recorded, the school's region not known), with the provider's name on it. The PDF is
HTML laid out by the renderer the caller lends (``documents.RenderPdf``: the GUI's or the
CLI's ``ui.printing.html_to_pdf``), the xlsx is XlsxWriter's through ``spreadsheets.writer``.
All the pairs are written in a staging folder and moved in together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import clock, settings
from ..academic_year import AcademicYear
from ..documents import RenderPdf, esc, stylesheet, template
from ..errors import RefusedError
from ..fields import format_date
from ..files import StagedFolder
from ..spreadsheets.writer import MONEY_FORMAT, Styles, workbook, write_value
from . import ledger as ledgers
from .ledger import Statement, hours_text
from .rates import money_text

ProgressFn = Callable[[int, int | None], None]


@dataclass
class Written:
    year: AcademicYear
    files: list[Path]
    statements: list[Statement]


def file_stem(statement: Statement, year: AcademicYear) -> str:
    """``Mentor funding 2025-26 123456 Fernbank Primary School`` (safe on every system)."""
    words = re.sub(r"[^\w\- ]+", "", statement.name).strip()[:60].strip()
    return f"Mentor funding {str(year).replace('/', '-')} {statement.urn} {words}".strip()


def _caps(ledger: ledgers.Ledger) -> str:
    f = ledger.figures
    return f"initial {f.initial_hours} h, refresher {f.refresher_hours} h"


def _allowance(line: ledgers.Line) -> str:
    return f"{line.allowance} (up to {line.cap} h)"


def html(statement: Statement, ledger: ledgers.Ledger) -> str:
    provider = settings.provider()
    rows = []
    for line in statement.lines:
        rows.append(
            "<tr>" + "".join([
                f"<td>{esc(line.name)}</td>",
                f'<td class="nowrap">{esc(line.trn or "—")}</td>',
                f"<td>{esc(_allowance(line))}</td>",
                f'<td class="money">{esc(hours_text(line.hours))}</td>',
                f'<td class="money">{esc(hours_text(line.claimable))}</td>',
                f'<td class="money last">{esc(money_text(line.amount) or "—")}</td>',
            ]) + "</tr>")
    total = money_text(statement.total) or "—"
    rows.append(
        '<tr><td class="total" colspan="3">Total</td>'
        f'<td class="total">{esc(hours_text(statement.hours))}</td>'
        f'<td class="total">{esc(hours_text(statement.claimable))}</td>'
        f'<td class="total last">{esc(total)}</td></tr>')
    table = ('<table class="grid" width="100%" cellspacing="0"><tr><th>Mentor</th><th>TRN</th>'
             '<th>Allowance</th><th>Hours done</th><th>Claimable hours</th>'
             '<th class="last">Amount</th></tr>' + "".join(rows) + "</table>")
    missing = statement.missing
    missing_html = ("<ul>" + "".join(f"<li>{esc(m)}</li>" for m in missing) + "</ul>"
                    if missing else '<p class="muted">Nothing: every mentor has a TRN and hours.</p>')
    logo = (f'<td valign="top" width="30%"><img src="{esc(provider.logo_uri)}" height="56"></td>'
            if provider.logo_uri else "")
    address = "<br>".join(esc(x) for x in provider.address_lines
                          + ([f"UKPRN {provider.ukprn}"] if provider.ukprn else []))
    return template("mentor_statement.html").substitute({
        "css": stylesheet("agreement.css"),
        "title": esc(f"{statement.name}: mentor funding {ledger.year}"),
        "logo_cell": logo,
        "provider_name": esc(provider.display_name),
        "provider_address": address,
        "school_name": esc(statement.name),
        "urn": esc(statement.urn),
        "year": esc(ledger.year),
        "region": esc(f"{statement.region_label} ({statement.region_how})"),
        "rate": esc(money_text(statement.rate) + " per hour" if statement.rate else "not known"),
        "caps": esc(_caps(ledger)),
        "lines": table,
        "missing": missing_html,
        "source": esc(ledger.figures.source),
    })


def write_xlsx(path: Path, statement: Statement, ledger: ledgers.Ledger) -> None:
    provider = settings.provider().display_name
    with workbook(path, constant_memory=False) as wb:
        styles = Styles(wb)
        money = wb.add_format({"num_format": MONEY_FORMAT})
        bold_money = wb.add_format({"num_format": MONEY_FORMAT, "bold": True})
        ws = wb.add_worksheet("Statement")
        ws.set_column(0, 0, 30)
        ws.set_column(1, 2, 16)
        ws.set_column(3, 5, 15)
        ws.set_column(6, 6, 40)
        cell: Callable[..., None] = lambda r, c, v, f=None: write_value(ws, r, c, v, styles, f)  # noqa: E731
        cell(0, 0, f"What you can claim: general mentor training {ledger.year}", styles.title)
        facts: list[tuple[str, Any]] = [
            ("Accredited provider", provider), ("School", statement.name),
            ("URN", statement.urn), ("Academic year", str(ledger.year)),
            ("Funding region", f"{statement.region_label} ({statement.region_how})"),
            ("Hourly rate", (statement.rate / 100) if statement.rate else "not known"),
            ("Caps", _caps(ledger)),
            ("Made on", format_date(clock.today())),
        ]
        for i, (label, value) in enumerate(facts, start=1):
            cell(i, 0, label, styles.bold)
            cell(i, 1, value, money if label == "Hourly rate" and statement.rate else None)
        top = len(facts) + 2
        for c, heading in enumerate(["Mentor", "TRN", "Allowance", "Hours done",
                                     "Claimable hours", "Amount", "What is missing"]):
            cell(top, c, heading, styles.header)
        r = top
        for line in statement.lines:
            r += 1
            cell(r, 0, line.name)
            cell(r, 1, line.trn or "")
            cell(r, 2, _allowance(line))
            cell(r, 3, line.hours)
            cell(r, 4, line.claimable)
            cell(r, 5, None if line.amount is None else line.amount / 100, money)
            cell(r, 6, ", ".join(line.missing))
        r += 1
        cell(r, 0, "Total", styles.bold)
        cell(r, 3, statement.hours, styles.bold)
        cell(r, 4, statement.claimable, styles.bold)
        cell(r, 5, None if statement.total is None else statement.total / 100, bold_money)
        r += 2
        cell(r, 0, "What is missing", styles.bold)
        for item in statement.missing or ["Nothing: every mentor has a TRN and hours."]:
            r += 1
            cell(r, 0, item)
        r += 2
        cell(r, 0, f"Figures: {ledger.figures.source}", styles.meta)
        ws.freeze_panes(top + 1, 0)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many long as it takes


def write_statements(year: AcademicYear, outdir: Path, render_pdf: RenderPdf, *,
                     progress: ProgressFn | None = None) -> Written:
    """One PDF and one xlsx per partner school with at least one mentor, into ``outdir``."""
    ledger = ledgers.build(year)
    chosen = [s for s in ledger.statements if s.lines]
    if not chosen:
        raise RefusedError(f"No partner school has a mentor in {year}: no statements written")
    provider = settings.provider().display_name
    with StagedFolder(Path(outdir)) as staging:
        for i, statement in enumerate(chosen):
            stem = file_stem(statement, year)
            write_xlsx(staging.path(stem + ".xlsx"), statement, ledger)
            render_pdf(html(statement, ledger), staging.path(stem + ".pdf"),
                       title=f"{statement.name}: mentor funding {year}",
                       header_left=provider, header_right=f"Mentor funding {year}",
                       footer_left=f"{statement.name} (URN {statement.urn})",
                       footer_right=f"printed {format_date(clock.today())}")
            if progress:
                progress(i + 1, len(chosen))
        files = staging.move_in()
    return Written(year, files, chosen)
