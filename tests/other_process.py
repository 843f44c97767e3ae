"""Another process writing to the test database through the services, as another user's app or
an ``ittdesk`` command would: a real process (``subprocess``), so its writes are not this
process's (tests of ``ittdesk.changes`` and the window's ``RemoteChanges``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60

_SCRIPT = """
import json, sys
from ittdesk import db
from ittdesk.services.schools import schools
db.open_database(sys.argv[1], daily_backup=False)
for step in json.loads(sys.argv[2]):
    if step[0] == "add":
        print(schools.create({"urn": str(step[1]), "name": step[2]}).id, flush=True)
    elif step[0] == "update":
        schools.update(step[1], step[2])
    elif step[0] == "many":
        schools.create_many(step[1])
    elif step[0] == "delete":
        schools.delete(step[1])
    elif step[0] == "agreement":
        from ittdesk.services.agreements import agreements
        agreements.update(step[1], step[2])
    elif step[0] == "spend":
        from ittdesk.services.agreements import spend
        spend.create({"agreement": step[1], **step[2]})
db.close_database()
"""


def run(location, *steps: list) -> list[int]:
    """The steps in one other process; the ids of the schools it added."""
    done = subprocess.run([sys.executable, "-c", _SCRIPT, location.url, json.dumps(steps)],
                          cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return [int(line) for line in done.stdout.split()]


def adds(location, *urns: int) -> list[int]:
    """Schools added by another process."""
    return run(location, *(["add", urn, f"School {urn}"] for urn in urns))


def updates(location, school_id: int, data: dict) -> None:
    """A school changed by another process."""
    run(location, ["update", school_id, data])


def deletes(location, school_id: int) -> None:
    """A school deleted by another process."""
    run(location, ["delete", school_id])


def cli(location, *argv: str) -> subprocess.CompletedProcess:
    """``ittdesk --db URL ARGV...`` in another process."""
    return subprocess.run([sys.executable, "-m", "ittdesk", "--db", location.url, *argv],
                          cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
