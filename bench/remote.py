"""Another process's change appearing in an open list (issue 19, item 2), taken headless.

``gui_remote_change``: the main window on the database, its Schools list open and filled, the
watcher listening (``ui.remote_changes``). Another process, started beforehand (its start-up is
not what the user waits for), adds one school through the services when told to and reports
the wall-clock time its commit returned. The figure runs from that moment until the open list
shows the new school (its row in the model, painted): what a colleague waits for after someone
else saved. ``changes`` such changes, one at a time; the median is the figure, the slowest is
reported too. On SQLite a copy of the database is used; on PostgreSQL (``db`` a URL, wiped by
the runner) a few schools are added first, untimed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ittdesk.db import close_database

from .gui import _painted, _visible_table, _wait, open_app, shown
from .tasks import NotAvailable, task

ROOT = Path(__file__).resolve().parent.parent

#: The other process: opens the database, then for each URN read on stdin adds a school and
#: prints the time its commit returned.
_OTHER = """
import sys, time
from ittdesk import db
from ittdesk.services.schools import schools
db.open_database(sys.argv[1], daily_backup=False)
print("ready", flush=True)
for line in sys.stdin:
    urn = line.strip()
    if not urn:
        break
    schools.create({"urn": urn, "name": "Bench Remote School " + urn})
    print(repr(time.time()), flush=True)
db.close_database()
"""


@task("gui_remote_change")
def remote_change(db: str, folder: str, changes: int = 5) -> dict[str, Any]:
    """See the module docstring."""
    _app, location, main_window = open_app(db, folder)
    if location.kind != "sqlite":
        from ittdesk.services.schools import schools

        for n in range(20):
            schools.create({"urn": str(990000 + n), "name": f"Bench School {n}"})
    window = main_window(location)
    if not hasattr(window, "remote_changes"):
        raise NotAvailable("the window does not follow others' changes (ui.remote_changes)")
    shown(window)
    window.show_page("schools")
    table = _visible_table(window.current_page())
    model = table.model()
    _wait(lambda: model.rowCount() > 0 and window.remote_changes.watcher is not None)
    if not window.remote_changes.wait_ready(60):
        raise NotAvailable("the watcher did not start")
    other = subprocess.Popen([sys.executable, "-c", _OTHER, location.url], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    runs: list[float] = []
    try:
        assert other.stdout is not None and other.stdin is not None
        if other.stdout.readline().strip() != "ready":
            raise RuntimeError("the other process did not open the database")
        for n in range(changes):
            rows = model.rowCount()
            other.stdin.write(f"{995000 + n}\n")
            other.stdin.flush()
            _wait(lambda rows=rows: model.rowCount() > rows, timeout=60)
            _painted(table)
            appeared = time.time()
            committed = float(other.stdout.readline())
            runs.append(appeared - committed)
            _wait(lambda: not model.is_loading(), timeout=60)
        other.stdin.write("\n")
        other.stdin.flush()
        other.wait(60)
    finally:
        if other.poll() is None:
            other.kill()
        window.close()
        close_database()
    return {"seconds": statistics.median(runs), "slowest_s": max(runs), "runs_s": runs,
            "rows": model.rowCount(), "backend": location.kind}
