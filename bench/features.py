"""The one place the benchmarks call ITT Desk's feature code.

Each function imports the feature lazily and raises ``NotAvailable`` (with what is missing) when
it is not in the code yet, so the runner reports "not measured: ..." instead of failing. When a
feature's API changes, this is the file to adapt.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from .tasks import NotAvailable


def need(module: str, *names: str):
    """Import ``module`` and check it has ``names``; NotAvailable otherwise."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise NotAvailable(f"{module} does not exist yet") from exc
        raise
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise NotAvailable(f"{module} has no {', '.join(missing)} yet")
    return mod


def open_db(target: str) -> None:
    from ittdesk import db

    db.open_database(target, daily_backup=False)


# -- import ----------------------------------------------------------------------------------


def import_file(path: str, target: str, kind: str) -> dict[str, Any]:
    """load_source -> plan_import -> apply_plan, as the import wizard does; timed as one."""
    importing = need("ittdesk.spreadsheets.importing", "load_source", "plan_import", "apply_plan")
    try:
        importing.kind_for(kind)
    except Exception as exc:
        raise NotAvailable(f"no '{kind}' import yet ({exc})") from exc
    open_db(target)
    started = time.perf_counter()
    source = importing.load_source(path, kind)
    loaded = time.perf_counter()
    try:
        plan = importing.plan_import(source)
        planned = time.perf_counter()
        result = importing.apply_plan(plan, skip_invalid=True)
    finally:
        source.book.close()
    done = time.perf_counter()
    return {
        "seconds": done - started, "load_s": loaded - started, "plan_s": planned - loaded,
        "apply_s": done - planned, "added": result.added, "updated": result.updated,
        "refused": len({r.row for r in result.refused}),
        "first_refusal": str(result.refused[0]) if result.refused else "",
    }


# -- returns and templates -------------------------------------------------------------------


def _filters():
    base = need("ittdesk.returns.base", "make_filters", "make_return", "get_return")
    return base, base.make_filters()


def make_return(target: str, out: str, key: str) -> dict[str, Any]:
    open_db(target)
    base, filters = _filters()
    started = time.perf_counter()
    result = base.make_return(key, Path(out), filters)
    return {"seconds": time.perf_counter() - started, "rows": result.rows}


def placement_check(target: str) -> dict[str, Any]:
    """Issue 17: every trainee's placement check (``check_trainees``), then Home's card twice:
    computed (this and last year's cohorts), then remembered (nothing written in between)."""
    check = need("ittdesk.placements.check", "check_trainees")
    card = need("ittdesk.placements.home_card", "at_risk")
    open_db(target)
    started = time.perf_counter()
    found = check.check_trainees()
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    risky = card.at_risk(limit=50)  # as Home asks: the count, the first 50 in full
    home_first = time.perf_counter() - started
    started = time.perf_counter()
    card.at_risk(limit=50)
    home_again = time.perf_counter() - started
    return {"seconds": seconds, "trainees": len(found), "home_first": home_first,
            "home_again": home_again, "at_risk": risky.count}


def placement_sum_sql(target: str) -> dict[str, Any]:
    """The baseline: one plain SQL sum of the same trainees' placement days (calendar days
    between the dates, no terms, rules or reasons), every row fetched, through sqlite3."""
    import sqlite3

    conn = sqlite3.connect(target)
    started = time.perf_counter()
    rows = conn.execute(
        "SELECT e.id, SUM(julianday(p.end_date) - julianday(p.start_date) + 1), "
        "COUNT(DISTINCT p.school_id) FROM enrolment e "
        "JOIN cohort c ON c.id = e.cohort_id JOIN programme g ON g.id = c.programme_id "
        "JOIN person pe ON pe.id = e.person_id "
        "LEFT JOIN placement p ON p.enrolment_id = e.id "
        "WHERE e.status IN ('enrolled', 'deferred', 'completed') AND g.kind = 'itt' "
        "GROUP BY e.id").fetchall()
    seconds = time.perf_counter() - started
    conn.close()
    return {"seconds": seconds, "trainees": len(rows)}


def return_cells(target: str, key: str) -> tuple[list[str], list[list[Any]]]:
    """The headings and plain cell values the return writes (money in pounds), fetched untimed."""
    open_db(target)
    base, filters = _filters()
    data = base.get_return(key).build(filters)
    money = [i for i, c in enumerate(data.columns) if c.kind == "money"]
    rows = []
    for row in data.rows:
        row = list(row)
        for i in money:
            if row[i] is not None:
                row[i] = row[i] / 100
        rows.append(row)
    return [c.heading for c in data.columns], rows


def _template_info(target: str, template: str):
    mod = need("ittdesk.returns.template", "inspect_template", "fill_template")
    open_db(target)
    base, filters = _filters()
    info = mod.inspect_template(Path(template), "partnership", filters)
    if not info.mapping:
        raise NotAvailable("the template's headings matched no column of the partnership return")
    return mod, base, filters, info


def fill_template(target: str, template: str, out: str) -> dict[str, Any]:
    mod, _base, filters, info = _template_info(target, template)
    started = time.perf_counter()
    result = mod.fill_template(info, Path(out), filters)
    return {"seconds": time.perf_counter() - started, "rows": result.rows,
            "inserted": result.inserted, "mapped": len(info.mapping)}


def template_cells(target: str, template: str) -> tuple[str, list[tuple[int, int, Any]]]:
    """(sheet, [(row, column, value)]) that the fill writes: the same cells for the baseline."""
    _mod, base, filters, info = _template_info(target, template)
    data = base.get_return("partnership").build(filters)
    index = {c.key: i for i, c in enumerate(data.columns)}
    cells = []
    for n, record in enumerate(data.rows):
        for col, key in sorted(info.mapping.items()):
            value = record[index[key]]
            if data.columns[index[key]].kind == "money" and value is not None:
                value = value / 100
            cells.append((info.data_start + n, col + 1, value))
    return info.sheet, cells


# -- printing --------------------------------------------------------------------------------


def _agreement_id() -> int:
    from ittdesk.models import SupportAgreement

    ids = [a.id for a in SupportAgreement.select(SupportAgreement.id).order_by(SupportAgreement.id)]
    if not ids:
        raise NotAvailable("the demo database has no support agreement")
    return ids[0]


def agreement_pdf(target: str, out: str, repeats: int) -> dict[str, Any]:
    """Build the agreement's HTML from the database and print it to an A4 PDF (median of runs)."""
    import statistics

    document = need("ittdesk.documents.agreement", "build")
    printing = need("ui.printing", "html_to_pdf")
    open_db(target)
    agreement_id = _agreement_id()

    def once() -> tuple[float, int]:
        started = time.perf_counter()
        doc = document.build(agreement_id)
        pages = printing.html_to_pdf(doc.html, out, **doc.page_options())
        return time.perf_counter() - started, pages

    once()  # warm-up: font database, PDF engine
    runs = [once() for _ in range(max(1, repeats))]
    return {"seconds": statistics.median(s for s, _p in runs), "pages": runs[0][1]}


def agreement_text(target: str) -> str:
    """The visible text of the printed agreement (what the plain baseline prints)."""
    document = need("ittdesk.documents.agreement", "build")
    open_db(target)
    from PySide6.QtGui import QGuiApplication, QTextDocument

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841
    doc = QTextDocument()
    doc.setHtml(document.build(_agreement_id()).html)
    return doc.toPlainText()
