"""The bench's peak-memory figures are each measured process's own, never its parent's.

On Linux ``ru_maxrss`` survives ``exec``: a worker started by a parent that had just generated
the data reported the parent's high-water mark (every figure after data generation read 384 MB,
the bare window included). Here the parent holds a few hundred MB while the bench starts its
measured processes the way ``python -m bench`` does; their reported peaks must stay far below.
No time is asserted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from bench.figures import Figure, Measure
from bench.run import Runner, take
from bench.worker import PEAK_NOT_MEASURED, peak_mb

HELD_MB = 400


@pytest.fixture(scope="module")
def parent_holding_memory() -> Iterator[bytearray]:
    """A parent whose resident memory (and so its high-water mark) is HELD_MB above normal."""
    held = bytearray(HELD_MB * 1024 * 1024)
    for i in range(0, len(held), 4096):  # touch every page so it is resident, not just mapped
        held[i] = 1
    peak = peak_mb()
    # Else the tests below prove nothing (off Linux, where the bench says "not measured").
    assert peak is not None and peak >= HELD_MB, (sys.platform, peak)
    yield held
    del held


@pytest.mark.parametrize("task, args", [
    # the worker's own peak (getrusage's RUSAGE_SELF carried the parent's over)
    ("gui_bare_window", {}),
    # an app the worker starts, as the packaged-app figure does: the app reports its own peak
    # (RUSAGE_CHILDREN counted the worker's high-water mark too)
    ("app_start_source", {"db": "new.sqlite3"}),
])
@pytest.mark.slow
def test_a_measured_process_reports_its_own_peak_not_its_parents(
        parent_holding_memory: bytearray, tmp_path: Path, task: str,
        args: dict[str, str]) -> None:
    args = {"folder": str(tmp_path),
            **{k: str(tmp_path / v) if k == "db" else v for k, v in args.items()}}
    runner = Runner(tmp_path / "out", repeats=1, log=lambda text: None, max_timeout=120)
    answer = runner.once(Measure(f"leak-{task}", task, args, cold=True, timeout=120))
    assert "error" not in answer, answer
    # A bare window (or the app on a new database) needs well under half what the parent holds.
    assert 0 < answer["peak_mb"] < HELD_MB / 2, answer


def test_peak_is_read_from_the_processes_own_high_water_mark(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nVmPeak:\t  900000 kB\nVmHWM:\t  123904 kB\n"
                      "VmRSS:\t   60000 kB\n", encoding="ascii")
    assert peak_mb(str(status)) == 121.0
    status.write_text("Name:\tpython\n", encoding="ascii")
    assert peak_mb(str(status)) is None
    assert peak_mb(str(tmp_path / "no-such-file")) is None


class _Runs:
    """A runner whose measurements answered ``answer`` (what a worker off Linux writes)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    def measure(self, *measures: Measure | None) -> list[list[dict[str, Any]]]:
        return [[dict(self.answer)] if m is not None else [] for m in measures]


def _runs(answer: dict[str, Any]) -> Runner:
    return cast(Runner, _Runs(answer))


def test_a_memory_figure_without_a_peak_says_not_measured_and_why() -> None:
    ours, base = Measure("a", "gui_list", {}), Measure("b", "gui_bare_window", {})
    figure = Figure("peak memory, somewhere", "<= 4x", ours, base, "bare window", max_ratio=4,
                    memory=True)
    row = take(figure, _runs({"seconds": 0.1, "peak_not_measured": PEAK_NOT_MEASURED}))
    assert not row.measured and not row.met
    assert row.note == f"not measured: {PEAK_NOT_MEASURED}"
    assert row.peak_mb is None

    timed = Figure("import, somewhere", "<= 3x", ours, base, "floor", max_ratio=3,
                   show_peak=True)
    row = take(timed, _runs({"seconds": 0.1, "peak_not_measured": PEAK_NOT_MEASURED}))
    assert row.measured and row.seconds == 0.1
    assert row.peak_mb is None and row.baseline_peak_mb is None  # "-", not a wrong number
