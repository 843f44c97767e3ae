"""Maintenance mode (issue 19, item 4): a whole-database step has the database to itself while
everyone else can still read, is told who is at it, and writes again once it is over.

PostgreSQL: the step holds the session advisory lock ``KEY`` exclusively
(``pg_try_advisory_lock``), on the very connection it works through. Every write transaction of
every app first takes the same lock *shared* for the length of its transaction
(``pg_try_advisory_xact_lock_shared``, in ``drivers.PostgresqlDatabase``, once per
transaction): while maintenance holds it that fails at once and the write is refused in one
line, ``MaintenanceError`` ("Maintenance by amira@OFFICE-PC: read-only until it finishes"),
nothing changed; the moment the step lets go, writes go through again. A write under way holds
its shared lock until it commits, so the step never begins under a half-done save: it waits a
moment for them, then is refused naming who else is connected. Who holds it is read from
``pg_locks`` and the holder's ``application_name`` (``presence``): no table, nothing to clean
up after a crash (the server drops a dead session's locks).

SQLite has no such lock, and needs none: its whole-file steps (restore, a schema migration,
the compaction after an erasure) run only while nobody else has the file open (SQLite's
exclusive lock, ``sqlite_file.sole_use``), refused otherwise with the words restore uses
(``sqlite_file.in_use_message``); whoever opens it meanwhile waits, as for any writer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from . import presence
from .errors import MaintenanceError
from .models import database, is_postgres

#: The advisory lock's key: below 2**31, so ``pg_locks`` shows it as classid 0, objid KEY.
KEY = 19_0004
#: How long starting maintenance waits for writes under way to commit before refusing.
START_WAIT_SECONDS = 3.0

_HOLDER_SQL = (
    "SELECT a.application_name, a.pid = pg_backend_pid() FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = %s AND l.objsubid = 1 "
    "AND l.mode = 'ExclusiveLock' AND l.granted AND l.database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database())")


@dataclass(frozen=True)
class Holder:
    """Who holds maintenance: "amira@OFFICE-PC", and whether it is this connection."""

    who: str
    mine: bool


def holder() -> Holder | None:
    """Who holds maintenance on the open database now, or None. One small query on
    PostgreSQL (cheap enough to poll); always None on SQLite, where a step in progress holds
    the whole file and nobody else can be connected to ask."""
    if not is_postgres():
        return None
    row = database.execute_sql(_HOLDER_SQL, (KEY,)).fetchone()
    if row is None:
        return None
    return Holder(_name(row[0]), bool(row[1]))


def _name(application_name: str | None) -> str:
    if application_name and application_name.startswith(presence.PREFIX):
        user, host = presence._parse(application_name)
        return f"{user}@{host}" if host else user
    return application_name or "another program"


def refusal(who: str) -> str:
    """The one line a write refused during maintenance says."""
    return f"Maintenance by {who}: read-only until it finishes; nothing was changed."


def bar_text(who: str) -> str:
    """What the app's bar says while someone else holds maintenance."""
    return (f"Maintenance by {who}: read-only until it finishes. You can look at everything; "
            "saving is refused until then, and what you type stays in the editor.")


def refused() -> MaintenanceError:
    """The error a write meets while someone else holds maintenance (who, if still known)."""
    found = holder()
    return MaintenanceError(refusal(found.who if found is not None else "another user"))


@contextmanager
def maintenance(wait: float = START_WAIT_SECONDS) -> Iterator[list[presence.Seat]]:
    """Hold maintenance on the open PostgreSQL database for the block, on this thread's
    connection (its own writes go through; every other session's are refused). Yields the
    others connected (from presence), whom the caller names: they are read-only meanwhile.

    Refused (``MaintenanceError``) when someone else holds it, or writes under way do not
    finish within ``wait`` seconds. On SQLite a no-op: the step itself takes the file alone
    (``sole_use``)."""
    if not is_postgres():
        yield []
        return
    deadline = time.monotonic() + wait
    while not database.execute_sql("SELECT pg_try_advisory_lock(%s)", (KEY,)).fetchone()[0]:
        found = holder()
        if found is not None and not found.mine:
            raise MaintenanceError(f"Maintenance is already on, by {found.who}; "
                                   "nothing was changed.")
        if time.monotonic() >= deadline:
            raise MaintenanceError(
                "Others are saving changes right now, so maintenance could not start "
                f"({_names(presence.elsewhere())}); nothing was changed. Try again in a moment.")
        time.sleep(0.1)
    try:
        yield presence.elsewhere()
    finally:
        try:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (KEY,))
        except Exception:  # noqa: BLE001 - the connection is gone: the server let go
            pass


def _names(seats: list[presence.Seat]) -> str:
    return ", ".join(s.label for s in seats) if seats else "no one else is listed"


def status_text() -> str:
    """One line for ``ittdesk maintenance status`` and the app's bar."""
    found = holder()
    others = presence.elsewhere()
    if found is None:
        who = f"; connected: {_names(others)}" if others else "; no one else is connected"
        return "Maintenance is off" + who + "."
    return f"Maintenance by {found.who}: read-only for everyone else until it finishes."
