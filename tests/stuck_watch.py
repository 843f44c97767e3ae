"""Native stacks of a test run that got stuck, taken from outside it (tests/conftest.py).

A deadlock between the GIL and a lock inside Qt shows in a Python traceback only as the line
each thread was on; which lock, and who holds it, is in the C stacks. This process watches the
run's heartbeat (a file the run touches as each test starts): when it is older than
``--after`` seconds, every thread's native stack is written with gdb, once; the file is
removed when the run has gone. The run's own
watchdog (faulthandler, a little later) then dumps the Python stacks and ends it.

    python tests/stuck_watch.py --pid PID --heartbeat FILE --after SECONDS
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--heartbeat", required=True)
    parser.add_argument("--after", type=float, required=True)
    args = parser.parse_args(argv)
    gdb = shutil.which("gdb")
    _watch(args.pid, args.heartbeat, args.after, gdb)
    if not _alive(args.pid):
        try:
            os.unlink(args.heartbeat)  # the run, once stuck, ends without removing it
        except OSError:
            pass
    return 0


def _watch(pid: int, heartbeat: str, after: float, gdb: str | None) -> None:
    """Until the run ends: once, when it has been quiet for ``after`` seconds, its stacks."""
    taken = False
    while _alive(pid):
        time.sleep(5)
        try:
            quiet_for = time.time() - os.stat(heartbeat).st_mtime
        except OSError:
            return  # the run has finished and removed it
        if taken or quiet_for < after:
            continue
        taken = True
        print(f"\n== stuck for {quiet_for:.0f} s: native stacks of process {pid}",
              file=sys.stderr, flush=True)
        if gdb is None:
            print("(gdb is not installed: none taken)", file=sys.stderr, flush=True)
        else:
            subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                           stdout=sys.stderr, stderr=subprocess.STDOUT, timeout=120, check=False)


if __name__ == "__main__":
    sys.exit(main())
