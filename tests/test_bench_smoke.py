"""The benchmarks still run: ``python -m bench --quick`` end to end, on the typical scale.

No timing is asserted here (timings belong in the bench, see BENCHMARKS.md): only that every
figure is either measured or says why not, and that nothing the bench measures raised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"figure", "seconds", "baseline", "baseline_seconds", "ratio", "goal", "met"}


@pytest.mark.slow
def test_bench_quick_runs_and_reports_every_figure(tmp_path):
    out_json = tmp_path / "results.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("ITTDESK_BENCH_POSTGRES_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out_json),
         "--out", str(tmp_path / "bench-out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| figure |" in proc.stdout
    results = json.loads(out_json.read_text(encoding="utf-8"))
    assert len(results) >= 15
    for item in results:
        assert KEYS <= item.keys(), item
        assert isinstance(item["met"], bool)
        if item["measured"]:
            assert item["seconds"] is not None or item.get("peak_mb") is not None, item
        else:
            assert item["note"].startswith("not measured: "), item
        # A feature that exists but raised (or a bench that rotted) fails the smoke test.
        assert "failed:" not in item.get("note", ""), item
    names = [item["figure"] for item in results]
    assert any("PostgreSQL" in n for n in names)
    # Every feature below exists: if one stops being measured (an API renamed, a page moved),
    # wire it again in bench/features.py or bench/gui.py rather than letting the figure lapse.
    # The packaged app is measured when .ci/build-app has left a current build in dist/; else
    # its figure says to build it (bench/frozen.py).
    unmeasured = [item["figure"] + ": " + item.get("note", "") for item in results
                  if not item["measured"] and "PostgreSQL" not in item["figure"]
                  and not (item["figure"].startswith("packaged app:")
                           and ".ci/build-app" in item["note"])]
    assert not unmeasured, "\n".join(unmeasured)
    assert not list(ROOT.glob("bench/**/*.sqlite3.part"))
