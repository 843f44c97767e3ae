"""The benchmark runner: ``python -m bench [--quick] [--json PATH] [--postgres-url URL]``.

Generates (or reuses) the data for the scale, then takes every figure with its baseline *in the
same run on the same data*, each measurement in a fresh process (``bench.worker``), and prints
one table: figure, our time, baseline, its time, ratio, goal, met, peak memory. A figure whose
feature is not in the code yet is reported as "not measured: <why>", never guessed.

``--quick`` runs the typical scale (500 schools) once each: for development and the smoke test.
Without it the large scale runs (50,000 schools, 100,000 people and enrolments), the quick
figures ``repeats`` times (median).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import generate
from .figures import Figure, Measure, figures
from .scales import LARGE, SCALES, TYPICAL

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "out"


@dataclass
class Row:
    figure: str
    seconds: float | None
    baseline: str
    baseline_seconds: float | None
    ratio: float | None
    goal: str
    met: bool
    peak_mb: float | None = None
    baseline_peak_mb: float | None = None
    measured: bool = True
    runs: list[float] = field(default_factory=list)
    baseline_runs: list[float] = field(default_factory=list)
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = {"figure": self.figure, "seconds": _round(self.seconds), "baseline": self.baseline,
                "baseline_seconds": _round(self.baseline_seconds), "ratio": _round(self.ratio, 3),
                "goal": self.goal, "met": self.met, "measured": self.measured}
        if self.peak_mb is not None:
            data["peak_mb"] = self.peak_mb
        if self.baseline_peak_mb is not None:
            data["baseline_peak_mb"] = self.baseline_peak_mb
        if self.runs:
            data["runs"] = [_round(x) for x in self.runs]
        if self.baseline_runs:
            data["baseline_runs"] = [_round(x) for x in self.baseline_runs]
        if self.note:
            data["note"] = self.note
        if self.detail:
            data["detail"] = _rounded(self.detail)
        return data


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# -- measuring -------------------------------------------------------------------------------


class Runner:
    def __init__(self, out: Path, repeats: int, log, max_timeout: float | None = None,
                 profile: bool = False, heavy_repeats: int = 1):
        self.heavy_repeats = heavy_repeats
        self.loads: list[float] = []  # 1-minute load average before each measurement
        self.max_timeout = max_timeout
        self.profile = profile
        self.out = out
        self.repeats = repeats
        self.log = log
        self.cache: dict[str, list[dict[str, Any]]] = {}
        self.logs = out / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.scratch = out / "scratch"
        self.scratch.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["QT_QPA_PLATFORM"] = env.get("BENCH_QT_QPA_PLATFORM", "offscreen")
        env["ITTDESK_DATA_DIR"] = str(self.out / "appdata")
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env.pop("ITTDESK_DATABASE", None)
        # Byte-code as an installed app has it (pip compiles on install): a development
        # environment's PYTHONDONTWRITEBYTECODE would make every measured process compile the
        # project from source. The cache lives under OUT, keyed by each copy's own paths.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(self.out / "pycache")
        if self.max_timeout:
            env["BENCH_WAIT_TIMEOUT"] = str(self.max_timeout / 2)
        return env

    def once(self, m: Measure) -> dict[str, Any]:
        args = dict(m.args)
        if m.copy_db is not None:
            source, name = m.copy_db
            args[name] = str(generate.fresh_copy(source, self.scratch / f"{m.key}.sqlite3"))
        if m.reset_postgres:
            reset_postgres(m.reset_postgres)
        request = self.scratch / f"{m.key}.request.json"
        answer = self.scratch / f"{m.key}.answer.json"
        answer.unlink(missing_ok=True)
        if hasattr(os, "getloadavg"):
            self.loads.append(os.getloadavg()[0])
        log_path = self.logs / f"{m.key}.log"
        with open(log_path, "a", encoding="utf-8") as log:
            if m.cold:
                args["t0"] = time.time()
            req = {"task": m.task, "args": args, "result": str(answer)}
            if self.profile:
                (self.out / "profiles").mkdir(exist_ok=True)
                req["profile"] = str(self.out / "profiles" / f"{m.key}.txt")
            request.write_text(json.dumps(req))
            timeout = min(m.timeout, self.max_timeout or m.timeout)
            try:
                subprocess.run([sys.executable, "-m", "bench.worker", str(request)], cwd=ROOT,
                               env=self.env(), stdout=log, stderr=log, timeout=timeout,
                               check=False)
            except subprocess.TimeoutExpired:
                return {"error": f"timed out after {timeout:.0f} s"}
        if not answer.exists():
            return {"error": f"the worker died without an answer (see {log_path})"}
        return json.loads(answer.read_text(encoding="utf-8"))

    def count(self, m: Measure) -> int:
        return self.repeats if m.repeat else self.heavy_repeats

    def measure(self, *measures: Measure | None) -> list[list[dict[str, Any]]]:
        """Runs of each measure; those not yet taken run interleaved (A, B, A, B...), so a
        figure and its baseline see the same load on a busy machine."""
        todo = list({m.key: m for m in measures
                     if m is not None and m.key not in self.cache}.values())
        for m in todo:
            self.cache[m.key] = []
            if m.cold:
                self.once(m)  # warm-up: OS file cache, the day's automatic backup
        for round_ in range(max((self.count(m) for m in todo), default=0)):
            for m in todo:
                runs = self.cache[m.key]
                if round_ >= self.count(m) or any("error" in r or "not_measured" in r for r in runs):
                    continue
                started = time.perf_counter()
                answer = self.once(m)
                self.log(f"    {m.key}: {_brief(answer)} ({time.perf_counter() - started:.1f} s wall)")
                runs.append(answer)
        return [self.cache[m.key] if m is not None else [] for m in measures]


def _brief(answer: dict[str, Any]) -> str:
    if "not_measured" in answer:
        return f"not measured: {answer['not_measured']}"
    if "error" in answer:
        return f"error: {answer['error']}"
    return ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in answer.items())


def reset_postgres(url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    conn.close()


def _summary(runs: list[dict[str, Any]], metric: str) -> tuple[float | None, str, dict[str, Any]]:
    """(median of ``metric``, why not measured, detail of the median run)."""
    for run in runs:
        if "not_measured" in run:
            return None, run["not_measured"], {}
        if "error" in run:
            return None, f"failed: {run['error']}", {}
        if metric not in run:
            if metric == "peak_mb" and "peak_not_measured" in run:
                return None, run["peak_not_measured"], {}
            return None, f"the measurement gave no '{metric}'", {}
    if not runs:
        return None, "no run", {}
    ordered = sorted(runs, key=lambda r: r[metric])
    return statistics.median(r[metric] for r in runs), "", ordered[(len(ordered) - 1) // 2]


def _peak(runs: list[dict[str, Any]]) -> float | None:
    peaks = [r["peak_mb"] for r in runs if "peak_mb" in r]
    return max(peaks) if peaks else None


DETAIL_SKIP = {"seconds", "peak_mb", "open", "search", "sort", "scroll"}


def take(figure: Figure, runner: Runner) -> Row:
    row = Row(figure.name, None, figure.baseline_label, None, None, figure.goal, False)
    if figure.not_measured or figure.ours is None:
        row.measured, row.note = False, f"not measured: {figure.not_measured}"
        return row
    runs, base_runs = runner.measure(figure.ours, figure.baseline)
    if figure.baseline_metric:  # taken in the same process, interleaved with ours
        base_runs = [{"seconds": r[figure.baseline_metric]} if figure.baseline_metric in r
                     else r for r in runs]
    if figure.memory:
        ours, why, detail = _summary(runs, "peak_mb")
        base, base_why, _ = _summary(base_runs, "peak_mb")
        row.peak_mb, row.baseline_peak_mb = ours, base
    else:
        ours, why, detail = _summary(runs, figure.metric)
        base, base_why, _ = (_summary(base_runs, "seconds")
                             if figure.baseline or figure.baseline_metric else (None, "", {}))
        row.seconds, row.baseline_seconds = ours, base
        if figure.show_peak:
            row.peak_mb, row.baseline_peak_mb = _peak(runs), _peak(base_runs)
    row.detail = {k: v for k, v in detail.items() if k not in DETAIL_SKIP}
    if figure.baseline and base_runs and not figure.memory:
        _b, _w, base_detail = _summary(base_runs, "seconds")
        row.detail.update({f"baseline_{k}": v for k, v in base_detail.items()
                           if k not in DETAIL_SKIP})
    metric = "peak_mb" if figure.memory else figure.metric
    row.runs = [r[metric] for r in runs if isinstance(r.get(metric), (int, float))]
    row.baseline_runs = [r[metric if figure.memory else "seconds"] for r in base_runs
                         if isinstance(r.get(metric if figure.memory else "seconds"), (int, float))]
    if why:
        row.measured, row.note = False, f"not measured: {why}"
        row.peak_mb = row.seconds = None
        return row
    if base_why:
        row.note = f"baseline not measured: {base_why}"
    if ours is not None and base:
        row.ratio = ours / base
    if figure.max_ratio is not None:
        row.met = row.ratio is not None and row.ratio <= figure.max_ratio
    elif figure.max_seconds is not None:
        row.met = ours is not None and ours < figure.max_seconds
    if figure.must is not None:  # an outcome, not a time: every run must have it
        row.met = all(all(r.get(k) == v for k, v in figure.must.items()) for r in runs)
    return row


# -- output ----------------------------------------------------------------------------------


def _secs(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _met(row: Row) -> str:
    """The table's "met": a figure without a goal (``-``: context) is neither."""
    return "-" if row.goal == "-" else "yes" if row.met else "NO"


def table(rows: list[Row]) -> str:
    shown: set[str] = set()
    lines = ["| figure | ours | baseline | baseline time | ratio | goal | met | peak MB |",
             "| --- | ---: | --- | ---: | ---: | --- | --- | ---: |"]
    notes = []
    for r in rows:
        if not r.measured:
            lines.append(f"| {r.figure} | {r.note} | {r.baseline} | - | - | {r.goal} | no | - |")
            continue
        if r.peak_mb is not None and r.seconds is None:  # a memory figure
            ours, base = f"{r.peak_mb:.0f} MB", f"{r.baseline_peak_mb or 0:.0f} MB"
        else:
            ours, base = _secs(r.seconds), _secs(r.baseline_seconds)
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        peak = "-" if r.peak_mb is None else f"{r.peak_mb:.0f}"
        if r.peak_mb is not None and r.baseline_peak_mb is not None and r.seconds is not None:
            peak += f" (baseline {r.baseline_peak_mb:.0f})"
        lines.append(f"| {r.figure} | {ours} | {r.baseline} | {base if r.baseline != '-' else '-'} "
                     f"| {ratio} | {r.goal} | {_met(r)} | {peak} |")
        key = repr(sorted(r.detail.items(), key=str))
        extra = "" if key in shown else "; ".join(
            f"{k}={_fmt(v)}" for k, v in r.detail.items() if v not in ("", None))
        shown.add(key)
        if r.note or extra:
            notes.append(f"- {r.figure}: {'; '.join(x for x in (r.note, extra) if x)}")
    return "\n".join(lines + ([""] + notes if notes else []))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _rounded(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in detail.items()}


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    try:
        import PySide6

        qt = PySide6.__version__
    except Exception:
        qt = "?"
    return (f"{platform.platform()}, Python {platform.python_version()}, PySide6 {qt}, "
            f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it (read-only git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, text=True, capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    changed = len(dirty.splitlines())
    return f"{head or 'unknown'}" + (f" plus uncommitted changes to {changed} files" if changed else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="typical scale, one run each")
    parser.add_argument("--scale", choices=sorted(SCALES), help="default: large (typical with --quick)")
    parser.add_argument("--repeats", type=int, help="runs of the quick figures (median)")
    parser.add_argument("--heavy-repeats", type=int, default=1,
                        help="runs of the heavy figures (imports, exports; median; default 1)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument("--postgres-url", default=os.environ.get("ITTDESK_BENCH_POSTGRES_URL", ""),
                        help="a PostgreSQL database the bench may wipe")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where generated data and outputs go (default bench/out)")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="only figures whose name contains TEXT (repeatable)")
    parser.add_argument("--profile", action="store_true",
                        help="save a pyinstrument profile of each measurement in OUT/profiles "
                             "(profiled times are slower: do not report them)")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale] if args.scale else (TYPICAL if args.quick else LARGE)
    repeats = args.repeats or (1 if args.quick else scale.repeats)
    out = args.out.resolve()

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    log(f"ITT Desk benchmarks, {scale.name} scale ({scale.schools:,} schools, "
        f"{scale.people:,} people, {scale.enrolments:,} enrolments); data in {out}")
    os.environ["ITTDESK_DATA_DIR"] = str(out / "appdata")
    paths = generate.ensure(scale, out, log=log)
    log(f"  data ready ({time.perf_counter() - started:.1f} s)")
    before, code = machine(), code_version()
    run_dir = out / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    runner = Runner(out, repeats, log, max_timeout=120 if scale is TYPICAL else None,
                    profile=args.profile, heavy_repeats=max(1, args.heavy_repeats))
    rows = []
    for figure in figures(scale, paths, run_dir, args.postgres_url):
        if args.only and not any(text.lower() in figure.name.lower() for text in args.only):
            continue
        log(f"  {figure.name}")
        rows.append(take(figure, runner))
    print(f"Machine: {before}")
    print(f"Code: {code}")
    if runner.loads:
        print(f"Load average (1 min) before each measurement: min {min(runner.loads):.2f}, "
              f"median {statistics.median(runner.loads):.2f}, max {max(runner.loads):.2f} "
              f"on {os.cpu_count()} CPUs")
    print(f"Scale: {scale.name}; quick figures: median of {repeats}, heavy ones of "
          f"{max(1, args.heavy_repeats)}; "
          f"took {time.perf_counter() - started:.0f} s; load at the end: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(table(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.as_json() for r in rows], indent=2, default=str),
                             encoding="utf-8")
    return 0
