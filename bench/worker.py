"""One measurement in a fresh process: ``python -m bench.worker REQUEST.json``.

The request names a task and its arguments and where to write the answer. The answer is the
task's metrics plus ``peak_mb`` (this process's peak resident memory, from ``getrusage``), or
``not_measured`` (the feature is missing) or ``error`` (it failed; the traceback goes to stderr).
A fresh process per measurement keeps one figure's memory and caches out of the next. With
``"profile": PATH`` in the request the whole task runs under pyinstrument and its report is
written there (the times it reports are then slower than unprofiled ones).
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        request = json.load(fh)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .tasks import NotAvailable, run

    answer: dict
    profiler = None
    if request.get("profile"):
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("--profile needs pyinstrument (pip install pyinstrument)", file=sys.stderr)
        else:
            profiler = Profiler(interval=0.002)
            profiler.start()
    try:
        answer = dict(run(request["task"], request.get("args", {})))
        answer.setdefault("peak_mb", peak_mb())
    except NotAvailable as exc:
        answer = {"not_measured": str(exc)}
    except Exception as exc:  # reported, never hidden
        traceback.print_exc()
        answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    if profiler is not None:
        profiler.stop()
        with open(request["profile"], "w", encoding="utf-8") as fh:
            fh.write(profiler.output_text(unicode=False, color=False))
    with open(request["result"], "w", encoding="utf-8") as fh:
        json.dump(answer, fh, default=str)
    sys.stdout.flush()
    os._exit(0)  # skip slow teardown of big heaps and Qt objects; the answer is written


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
