"""The packaged app's cold start beside the source install's, and its size on disk.

Both are started the same way, as a user starts them, in a new process with the smoke hook
(``ITTDESK_SMOKE_QUIT_AFTER_FIRST_PAGE``, ``ui/smoke.py``), which prints the wall-clock time of
the main window's first paint and of Home filled, then quits: the figure is that first paint
minus the moment just before this worker started the process, so interpreter start (or the
frozen bootloader unpacking nothing: it is a one-folder build) and every import count. The
source install is ``python main.py`` with byte-code cached (as pip installs it); the packaged
app is ``dist/ITT Desk/ittdesk`` from ``.ci/build-app``, measured only when it is there.
The peak memory is the one the started process reports on that line (its own ``VmHWM``; not
``RUSAGE_CHILDREN``, which would carry this worker's high-water mark across ``exec``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .tasks import NotAvailable, task

ROOT = Path(__file__).resolve().parent.parent
NOT_BUILT = "no packaged app in dist/ (build it with .ci/build-app)"


def built_app() -> Path | None:
    """The packaged app's executable, when .ci/build-app has left one in dist/."""
    candidates = {
        "darwin": ROOT / "dist" / "ITT Desk.app" / "Contents" / "MacOS" / "ittdesk",
        "win32": ROOT / "dist" / "ITT Desk" / "ittdesk.exe",
    }
    exe = candidates.get(sys.platform, ROOT / "dist" / "ITT Desk" / "ittdesk")
    return exe if exe.is_file() else None


def stale_build(exe: Path) -> str:
    """Why the build in dist/ cannot open this code's databases (built before a migration the
    code has since gained), or "" when it can."""
    from ittdesk.migrations import latest

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.run([str(exe), "version"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    found = re.search(r"\(schema (\d+)\)", proc.stdout)
    if found is None:
        return f"the packaged app in dist/ does not start ({proc.stderr.strip()[-200:]})"
    if int(found.group(1)) != latest():
        return (f"the packaged app in dist/ was built from older code (schema "
                f"{found.group(1)}, the code's is {latest()}): rebuild with .ci/build-app")
    return ""


def size_mb(folder: Path) -> float:
    """Bytes of real files (a symbolic link to a bundled library is not counted twice)."""
    return sum(p.stat().st_size for p in folder.rglob("*")
               if p.is_file() and not p.is_symlink()) / 1e6


def _start(argv: list[str], db: str, folder: str) -> dict[str, Any]:
    env = dict(os.environ, ITTDESK_SMOKE_QUIT_AFTER_FIRST_PAGE="1", ITTDESK_SMOKE_TIMEOUT="45",
               ITTDESK_QT_SETTINGS=os.path.join(folder, f"qt-settings-{os.getpid()}.ini"))
    if argv[0] != sys.executable:  # the packaged app: nothing from the development setup
        env = {k: v for k, v in env.items() if not k.startswith("PYTHON")}
    started = time.time()
    proc = subprocess.run([*argv, "--db", db], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("ITT Desk smoke:")), "")
    if proc.returncode != 0 or "painted_at=" not in line:
        raise RuntimeError(f"the app exited {proc.returncode}: {(line or proc.stderr)[-300:]}")
    painted = float(line.split("painted_at=")[1].split()[0])
    filled = float(line.split("filled_at=")[1].split(";")[0])
    times = {"seconds": painted - started, "settled_s": filled - started}
    if "peak_mb=" not in line:
        return {**times, "peak_not_measured": "the app did not report its peak memory "
                "(only Linux builds of this code do)"}
    return {**times, "peak_mb": round(float(line.split("peak_mb=")[1].split()[0]), 1)}


@task("app_start_frozen")
def frozen_start(db: str, folder: str, t0: float = 0.0) -> dict[str, Any]:
    """(``t0``, the parent's clock, is not used: timing starts when this worker starts the app.)"""
    exe = built_app()
    if exe is None:
        raise NotAvailable(NOT_BUILT)
    stale = stale_build(exe)
    if stale:
        raise NotAvailable(stale)
    app_folder = exe.parents[2] if sys.platform == "darwin" else exe.parent
    return {**_start([str(exe)], db, folder), "app_size_mb": round(size_mb(app_folder))}


@task("app_start_source")
def source_start(db: str, folder: str, t0: float = 0.0) -> dict[str, Any]:
    return _start([sys.executable, str(ROOT / "main.py")], db, folder)


def figure(schools: int, db: Path, out: str):
    """The figure for bench.run: the packaged app against the source install, same run."""
    from .figures import Figure, Measure

    args = {"db": str(db), "folder": out}
    # cold: one warm-up start of each first (file cache, the day's backup), as for cold start
    frozen = Measure("app-start-frozen", "app_start_frozen", args, repeat=True, cold=True,
                     timeout=300)
    source = Measure("app-start-source", "app_start_source", args, repeat=True, cold=True,
                     timeout=300)
    return Figure(f"packaged app: cold start to main window shown, {schools:,}-school database",
                  "<= 1x", frozen, source, "source install (python main.py), the same way",
                  max_ratio=1.0, show_peak=True)
