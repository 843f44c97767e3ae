"""One measurement in a fresh process: ``python -m bench.worker REQUEST.json``.

The request names a task and its arguments and where to write the answer. The answer is the
task's metrics plus ``peak_mb`` (this process's own peak resident memory, see :func:`peak_mb`;
``peak_not_measured`` says why when it cannot be read), or ``not_measured`` (the feature is missing) or ``error`` (it failed; the traceback goes to stderr).
A fresh process per measurement keeps one figure's memory and caches out of the next. With
``"profile": PATH`` in the request the whole task runs under pyinstrument and its report is
written there (the times it reports are then slower than unprofiled ones).
"""

from __future__ import annotations

import json
import os
import sys
import traceback

PEAK_NOT_MEASURED = "peak memory is read from /proc/self/status (VmHWM), which only Linux has"


def peak_mb(status: str = "/proc/self/status") -> float | None:
    """This process's own peak resident memory in MB, or None where it cannot be told honestly.

    Not ``getrusage``: on Linux ``ru_maxrss`` survives ``exec``, so a worker started by a parent
    that had just generated the data reported the parent's high-water mark (every figure after
    data generation read 384 MB, the bare window included). ``VmHWM`` belongs to the address
    space, which ``exec`` replaces, so it starts afresh in each measured process. Elsewhere no
    dependency-free equivalent is known to be per process, so the figure says "not measured".
    """
    try:
        with open(status, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return None


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
        if "peak_mb" not in answer and "peak_not_measured" not in answer:
            peak = peak_mb()
            if peak is None:
                answer["peak_not_measured"] = PEAK_NOT_MEASURED
            else:
                answer["peak_mb"] = peak
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
