"""What the bench measures: each figure (ours and its baseline, the goal) as a ``Figure`` of
``Measure``s, for a scale. ``bench.run`` takes them and prints the table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import frozen, generate
from .scales import Scale


@dataclass
class Measure:
    """One thing to measure: a task, its arguments, and how to prepare a fresh target."""

    key: str
    task: str
    args: dict[str, Any]
    copy_db: tuple[Path, str] | None = None  # (source, arg name): a fresh copy per run
    reset_postgres: str | None = None  # URL to wipe before each run
    repeat: bool = False  # a quick figure: run ``repeats`` times, take the median
    cold: bool = False  # pass the parent's clock as t0 (start-up figures)
    timeout: float = 3600


@dataclass
class Figure:
    name: str
    goal: str
    ours: Measure | None
    baseline: Measure | None = None
    baseline_label: str = "-"
    max_ratio: float | None = None
    max_seconds: float | None = None
    metric: str = "seconds"  # which metric of the measurement is the figure
    memory: bool = False  # a peak-memory figure: ratio of peak_mb
    show_peak: bool = False
    not_measured: str = ""  # decided before measuring (e.g. no PostgreSQL server given)
    baseline_metric: str = ""  # the baseline is this metric of our own runs (same process)
    must: dict[str, Any] | None = None  # an outcome as the goal: met only if every run has these



# -- the figures -----------------------------------------------------------------------------


def figures(scale: Scale, p: generate.Paths, run_dir: Path, postgres_url: str) -> list[Figure]:
    s, e, t = scale.schools, scale.enrolments, scale.template_rows
    out = str(run_dir)
    imp_xlsx = Measure("import-gias-xlsx", "import", {"path": str(p.gias_xlsx), "kind": "schools"},
                       copy_db=(p.empty_db, "db"))
    imp_enrolments = Measure("import-enrolments", "import",
                             {"path": str(p.enrolments_xlsx), "kind": "enrolments"},
                             copy_db=(p.base_db, "db"))
    imp_csv = Measure("import-gias-csv", "import", {"path": str(p.gias_csv), "kind": "schools"},
                      copy_db=(p.empty_db, "db"))
    cold = Measure("cold-start", "gui_cold_start", {"db": str(p.full_db), "folder": out},
                   repeat=True, cold=True, timeout=300)
    bare = Measure("bare-window", "gui_bare_window", {"folder": out}, repeat=True, cold=True,
                   timeout=300)
    schools_list = Measure("list-schools", "gui_list", {
        "db": str(p.full_db), "folder": out, "nav": "Schools", "term": "moor",
        "sort_label": "Name", "other_sort_label": "Local authority", "expected": s}, repeat=True, timeout=300)
    enrolments_list = Measure("list-enrolments", "gui_list", {
        "db": str(p.full_db), "folder": out, "nav": "Programmes", "tab": "Enrolments",
        "term": "patel", "sort_label": "Last name", "other_sort_label": "Programme",
        "expected": e}, repeat=True, timeout=300)
    placements_list = Measure("list-placements", "gui_list", {
        "db": str(p.full_db), "folder": out, "nav": "Placements", "term": "patel",
        "sort_label": "Trainee", "other_sort_label": "School", "expected": 0},
        repeat=True, timeout=300)
    people_list = Measure("list-people", "gui_list", {
        "db": str(p.full_db), "folder": out, "nav": "People", "term": "patel",
        "sort_label": "Last name", "other_sort_label": "School", "expected": 0},
        repeat=True, timeout=300)
    result = [
        Figure(f"import {s:,} schools from xlsx (all 139 GIAS columns)", "<= 0.35x", imp_xlsx,
               Measure("openpyxl-read-gias", "openpyxl_read", {"path": str(p.gias_xlsx)}),
               "openpyxl read-only iteration of the same file", max_ratio=0.35, show_peak=True),
        Figure(f"import {s:,} schools from xlsx, against its floor", "<= 3x", imp_xlsx,
               Measure("floor-gias-xlsx", "floor_xlsx", {"path": str(p.gias_xlsx)},
                       copy_db=(p.empty_db, "db")),
               "floor: calamine + sqlite3 executemany", max_ratio=3, show_peak=True),
        Figure(f"import {s:,} schools from the GIAS CSV (cp1252)", "<= 3x", imp_csv,
               Measure("floor-gias-csv", "floor_csv", {"path": str(p.gias_csv)},
                       copy_db=(p.empty_db, "db")),
               "floor: csv + sqlite3 executemany", max_ratio=3, show_peak=True),
        Figure(f"import {s:,} schools from the GIAS CSV, against storing the same rows", "-",
               imp_csv,
               Measure("same-writes-gias-csv", "same_writes",
                       {"path": str(p.gias_csv), "kind": "schools", "encoding": "cp1252"},
                       copy_db=(p.empty_db, "db"), timeout=1800),
               "csv + plain SQL writing the rows our import stored"),
        # The monthly refresh (U8): the same file into the database that holds its schools,
        # nearly every row an update; its peak against the import into an empty database's.
        Figure(f"re-import {s:,} schools (GIAS CSV) into a database that holds them: peak",
               "<= 1x", Measure("reimport-gias-csv", "import",
                                {"path": str(p.gias_csv), "kind": "schools"},
                                copy_db=(p.full_db, "db")),
               imp_csv, "peak of the same import into an empty database", max_ratio=1.0,
               memory=True),
        Figure(f"import {e:,} enrolments from xlsx", "<= 3x", imp_enrolments,
               Measure("floor-enrolments", "floor_xlsx", {"path": str(p.enrolments_xlsx)},
                       copy_db=(p.base_db, "db")),
               "floor: calamine + sqlite3 executemany", max_ratio=3, show_peak=True),
        # Context, no goal (bench/same_writes.py): what the import's own work costs beyond
        # storing its rows, which the floor above does not store.
        Figure(f"import {e:,} enrolments from xlsx, against storing the same rows", "-",
               imp_enrolments,
               Measure("same-writes-enrolments", "same_writes",
                       {"path": str(p.enrolments_xlsx), "kind": "enrolments"},
                       copy_db=(p.base_db, "db"), timeout=1800),
               "calamine + plain SQL writing the rows our import stored"),
        Figure(f"partnership return for {s:,} schools", "<= 0.6x",
               Measure("return-partnership", "return",
                       {"db": str(p.full_db), "out": f"{out}/partnership.xlsx"}),
               Measure("write-only-partnership", "openpyxl_write_only",
                       {"db": str(p.full_db), "out": f"{out}/write-only.xlsx"}),
               "openpyxl write-only of the same cells", max_ratio=0.6, show_peak=True),
        Figure(f"fill an LA template with {t:,} rows", "<= 1.3x",
               Measure("template-fill", "template_fill",
                       {"db": str(p.template_db), "template": str(p.la_template),
                        "out": f"{out}/la-return.xlsx"}),
               Measure("openpyxl-template", "openpyxl_template",
                       {"db": str(p.template_db), "template": str(p.la_template),
                        "out": f"{out}/la-baseline.xlsx"}),
               "openpyxl load + write of the same cells", max_ratio=1.3, show_peak=True),
        Figure("agreement to PDF (3 pages)", "<= 2x",
               Measure("agreement-pdf", "agreement_pdf",
                       {"db": str(p.demo_db), "out": f"{out}/agreement.pdf",
                        "repeats": scale.repeats}),
               Measure("plain-pdf", "plain_pdf",
                       {"db": str(p.demo_db), "out": f"{out}/plain.pdf", "repeats": scale.repeats}),
               "Qt printing plain HTML of the same length", max_ratio=2),
        Figure(f"cold start to main window shown, {s:,}-school database", "<= 2x", cold, bare,
               "bare PySide6 QMainWindow shown", max_ratio=2, show_peak=True),
    ]
    check = Measure("placement-check", "placement_check", {"db": str(p.full_db)})
    result += [
        Figure(f"placement check of {e:,} enrolments (every ITT trainee)", "< 2 s", check,
               Measure("placement-sum-sql", "placement_sum_sql", {"db": str(p.full_db)}),
               "plain SQL sum of the same placements' days (sqlite3)", max_seconds=2.0),
        Figure(f"Home card: trainees at risk, {e:,} enrolments (computed)", "< 100 ms", check,
               max_seconds=0.1, metric="home_first"),
        Figure(f"Home card: trainees at risk, {e:,} enrolments (nothing written since)",
               "< 100 ms", check, max_seconds=0.1, metric="home_again"),
    ]
    result.append(Figure(f"Home filled after start, {s:,}-school database", "< 1 s", cold,
                         baseline_label="its main window first shown (the same start)",
                         max_seconds=1.0, metric="home_s", baseline_metric="seconds"))
    result.append(Figure(f"import wizard: preview of {s:,} rows on screen after the plan",
                         "< 1 s",
                         Measure("import-preview", "gui_import_preview",
                                 {"path": str(p.gias_csv), "kind": "schools", "folder": out},
                                 copy_db=(p.empty_db, "db"), timeout=900),
                         baseline_label="bare QTableView over as many rows",
                         max_seconds=1.0, baseline_metric="baseline_seconds"))
    result.append(frozen.figure(s, p.full_db, out))  # measured when dist/ holds a build
    for label, measure, n in (("schools", schools_list, s), ("enrolments", enrolments_list, e),
                              ("placements", placements_list, 0), ("people", people_list, 0)):
        other = measure.args["other_sort_label"].lower()
        for step, words in (("open", "open"), ("search", "type a search term"),
                            ("sort", "sort by name"), ("scroll", "scroll to end"),
                            ("sort_other", f"then sort by {other}")):
            rows = f"{n:,} rows" if n else f"every {'placement' if label == 'placements' else 'person'}"
            result.append(Figure(f"{label} list with {rows}: {words}", "< 100 ms", measure,
                                 max_seconds=0.1, metric=step))
    result.extend(editor_figures(s, p, out))
    result.append(Figure("peak memory, large database open on the biggest list (enrolments)",
                         "<= 4x", enrolments_list, bare, "bare PySide6 window", max_ratio=4,
                         memory=True))
    pg = Figure(f"import {s:,} schools into PostgreSQL (GIAS CSV)", "<= 2x", None, imp_csv,
                "the same import into SQLite", max_ratio=2, show_peak=True)
    if postgres_url:
        pg.ours = Measure("import-gias-csv-postgres", "import",
                          {"path": str(p.gias_csv), "kind": "schools", "db": postgres_url},
                          reset_postgres=postgres_url)
    else:
        pg.not_measured = "no server given (--postgres-url or ITTDESK_BENCH_POSTGRES_URL)"
    result.append(pg)
    result.extend(remote_figures(s, p, out, postgres_url))
    result.extend(conflict_figures(p, postgres_url))
    return result


def conflict_figures(p: generate.Paths, postgres_url: str) -> list[Figure]:
    """Two processes x 300 interleaved same-field edits of one school (bench/concurrent.py):
    nothing lost, every conflict detected; and what the check costs per save against the
    unchecked update, in the same processes. SQLite (a copy of the empty database) and
    PostgreSQL when a server is given."""
    result = []
    no_server = "no server given (--postgres-url or ITTDESK_BENCH_POSTGRES_URL)"
    for backend in ("SQLite", "PostgreSQL"):
        if backend == "SQLite":
            measure: Measure | None = Measure("two-writers", "two_writers", {"edits": 300},
                                              copy_db=(p.empty_db, "db"), timeout=1800)
        elif postgres_url:
            measure = Measure("two-writers-postgres", "two_writers",
                              {"edits": 300, "db": postgres_url},
                              reset_postgres=postgres_url, timeout=1800)
        else:
            measure = None
        proof = Figure(f"two processes x 300 interleaved same-field edits of one school, "
                       f"{backend}: a checked save (0 lost, conflicts detected 100%)",
                       "0 lost, 100% detected", measure,
                       must={"lost": 0, "undetected": 0, "missing_from_audit": 0,
                             "audit_chained": True})
        cost = Figure(f"the conflict check: a checked save vs an unchecked update, {backend}",
                      "<= 2x", measure, baseline_label="unchecked UPDATE + audit, same process",
                      max_ratio=2, metric="checked_alone_s", baseline_metric="unchecked_s")
        if measure is None:
            proof.not_measured = cost.not_measured = no_server
        result += [proof, cost]
    return result


def remote_figures(s: int, p: generate.Paths, out: str, postgres_url: str) -> list[Figure]:
    """Another process adds a school: how long until the open Schools list shows it
    (bench/remote.py), on SQLite (the full database) and on PostgreSQL when a server is given."""
    sqlite = Figure(f"another process's new school shown in the open list, {s:,}-school SQLite",
                    "< 1 s", Measure("remote-change", "gui_remote_change",
                                     {"folder": out, "changes": 5}, copy_db=(p.full_db, "db"),
                                     timeout=600), max_seconds=1.0)
    pg = Figure("another process's new school shown in the open list, PostgreSQL", "< 1 s",
                None, max_seconds=1.0)
    if postgres_url:
        pg.ours = Measure("remote-change-postgres", "gui_remote_change",
                          {"folder": out, "changes": 5, "db": postgres_url},
                          reset_postgres=postgres_url, timeout=600)
    else:
        pg.not_measured = "no server given (--postgres-url or ITTDESK_BENCH_POSTGRES_URL)"
    return [sqlite, pg]


def editor_figures(s: int, p: generate.Paths, out: str) -> list[Figure]:
    """Opening an existing record's editor from the main window (bench/editors.py): the worst
    kind, then each kind, against a bare QDialog form of as many fields in the same process."""
    from .editors import KINDS

    editors = Measure("editors", "gui_editors", {"db": str(p.full_db), "folder": out,
                                                 "records": 5},
                      copy_db=(p.full_db, "db"), timeout=600)
    bare = "bare QDialog + QFormLayout, as many fields"
    result = [Figure(f"open any editor on the {s:,}-school database (worst kind)", "< 100 ms",
                     editors, baseline_label=bare, max_seconds=0.1, baseline_metric="baseline_seconds")]
    for kind in KINDS:
        article = "an" if kind[0] in "aeiou" else "a"
        result.append(Figure(f"open {article} {kind} editor, {s:,}-school database", "< 100 ms", editors,
                             baseline_label=bare, max_seconds=0.1, metric=kind,
                             baseline_metric=f"bare_{kind}"))
    return result
