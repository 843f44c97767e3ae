"""No lost update, measured (issue 19, item 1's proof; #22's "the conflict check" figure).

``two_writers``: two processes, each opened on the same database, edit the *same field* of one
school ``edits`` times each, interleaved: read the record (its version and the value seen),
then save a new value through the service with ``expected_version`` = the version read, as an
editor does. A save that meets the other's change in between must be refused
(``ConflictError``); one that goes through must have seen what it replaced. Afterwards the
record's audit trail is read back:

- ``lost``: saves that went through without having seen the value they replaced (the audit
  entry's "before" is not the value the save read): an overwrite nobody saw. Goal 0.
- ``undetected``: saves that went through although the other process had saved in between
  (the version they wrote is not the one read + 1). Goal 0, i.e. conflicts detected 100%.
- ``conflicts``: saves refused as conflicts; ``saved``: the others; every saved value is in the
  audit trail, in order.

A random pause of up to ``pause_ms`` between read and save (as over a network) makes the two
meet often. ``seconds``: the median wall time of one checked save.

In the same processes, on a school each edits alone (no contention), every checked save is
followed by an *unchecked* update (``unchecked_s``, the baseline): the write as it was before
versions, one ``UPDATE ... SET notes`` with no version in its ``WHERE`` and no row lock, plus its
audit entry, in one transaction. Their ratio is what the check costs per save.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .tasks import task

ROOT = Path(__file__).resolve().parent.parent

_WRITER = r"""
import json, random, sys, time
from ittdesk import audit, db
from ittdesk.errors import ConflictError
from ittdesk.models import School, database
from ittdesk.services.schools import schools

db.open_database(sys.argv[1], daily_backup=False)
me, shared, own, edits, pause = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
rng = random.Random(me)
print("ready", flush=True)
sys.stdin.readline()  # go
out = []
for i in range(edits):
    seen = School.get_by_id(shared)
    time.sleep(rng.random() * pause / 1000)
    value = f"{me}-{i}"
    started = time.perf_counter()
    try:
        saved = schools.update(shared, {"notes": value}, expected_version=seen.version)
        out.append({"value": value, "seen": seen.notes, "seen_version": seen.version,
                    "wrote_version": saved.version, "s": time.perf_counter() - started})
    except ConflictError as exc:
        out.append({"conflict": True, "seen_version": seen.version,
                    "current_version": exc.current_version, "s": time.perf_counter() - started})
    # the cost of the check, no contention: a checked save and an unchecked one of its own school
    mine = School.get_by_id(own)
    started = time.perf_counter()
    schools.update(own, {"notes": f"checked {me}-{i}"}, expected_version=mine.version)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    with database.atomic():
        School.update(notes=f"{me}-{i}").where(School.id == own).execute()
        audit.record("school", own, "update", {"notes": [None, f"{me}-{i}"]})
    out.append({"own_checked_s": checked, "own_unchecked_s": time.perf_counter() - started})
db.close_database()
print(json.dumps(out), flush=True)
"""


@task("two_writers")
def two_writers(db: str, edits: int = 300, pause_ms: float = 2.0) -> dict[str, Any]:
    """See the module docstring."""
    from ittdesk import db as dbmod
    from ittdesk.models import AuditEntry
    from ittdesk.services.schools import schools

    location = dbmod.open_database(db, daily_backup=False)
    shared = schools.create({"urn": "990001", "name": "Bench Shared School"}).id
    own = [schools.create({"urn": str(990002 + n), "name": f"Bench Own School {n}"}).id
           for n in range(2)]
    first_entry = AuditEntry.select().order_by(AuditEntry.id.desc()).first().id
    url = location.url
    dbmod.close_database()
    writers = [subprocess.Popen(
        [sys.executable, "-c", _WRITER, url, name, str(shared), str(own[n]), str(edits),
         str(pause_ms)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for n, name in enumerate(("A", "B"))]
    try:
        for w in writers:
            assert w.stdout is not None
            if w.stdout.readline().strip() != "ready":
                raise RuntimeError("a writer did not open the database")
        started = time.perf_counter()
        for w in writers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        results = [json.loads(w.communicate(timeout=1800)[0]) for w in writers]
        wall = time.perf_counter() - started
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
    attempts = [r for rs in results for r in rs if "seen_version" in r]
    saved = [r for r in attempts if "value" in r]
    conflicts = [r for r in attempts if r.get("conflict")]
    alone = [r for rs in results for r in rs if "own_checked_s" in r]
    dbmod.open_database(db, daily_backup=False)
    try:
        entries = list(AuditEntry.select().where(
            (AuditEntry.id > first_entry) & (AuditEntry.entity == "school")
            & (AuditEntry.entity_id == shared) & (AuditEntry.action == "update"))
            .order_by(AuditEntry.id))
        trail = [json.loads(e.changes)["notes"] for e in entries]  # [before, after] in order
    finally:
        dbmod.close_database()
    before_of = {after: before for before, after in trail}
    lost = sum(1 for r in saved if before_of.get(r["value"], object()) != r["seen"])
    undetected = sum(1 for r in saved if r["wrote_version"] != r["seen_version"] + 1)
    missing = sum(1 for r in saved if r["value"] not in before_of)
    chained = all(trail[i][0] == trail[i - 1][1] for i in range(1, len(trail)))
    met_version_moved = len(conflicts) + undetected
    return {
        "seconds": statistics.median(r["s"] for r in saved),
        "unchecked_s": statistics.median(r["own_unchecked_s"] for r in alone),
        "checked_alone_s": statistics.median(r["own_checked_s"] for r in alone),
        "edits": len(attempts), "saved": len(saved), "conflicts": len(conflicts),
        "lost": lost, "undetected": undetected, "missing_from_audit": missing,
        "audit_chained": chained,
        "detected_pct": 100.0 * len(conflicts) / met_version_moved if met_version_moved else 100.0,
        "wall_s": wall, "backend": location.kind,
    }
