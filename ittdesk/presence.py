"""Who has the database open: users and computers, for the status bar, its dialog and ``ittdesk who``.

Several people share one PostgreSQL database (and now and then one SQLite file on a laptop with
the CLI beside the app); before a restore or a big import it helps to know who else is in.

- PostgreSQL already lists its sessions: every connection the app or the CLI opens names itself
  (``application_name`` = "ITT Desk <user>@<computer>", set by ``ittdesk.db.make_database``) and
  ``connected()`` reads ``pg_stat_activity``. A closed app's sessions end with it.
- SQLite has no sessions to ask, so a running desktop app keeps a row in the ``Presence`` table:
  ``register()`` at start, ``heartbeat()`` every minute (on a worker, a single tiny write that
  gives up quietly when the database is busy), ``unregister()`` on close; ``connected()`` lists
  the rows seen in the last ``FRESH`` (an app that crashed drops out by itself). CLI commands do
  not register: they are over in seconds.

Rows are grouped per user@computer: one person with the app and two lists open is one line.
Times are UTC without tzinfo, as the audit trail keeps them. No Qt here.
"""

from __future__ import annotations

import getpass
import os
import platform
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from peewee import OperationalError

from . import changes, clock
from .models import Presence, database, is_postgres

#: Every session of ours on PostgreSQL is named with this, then "<user>@<computer>".
PREFIX = "ITT Desk "
#: PostgreSQL keeps the first 63 bytes of an application_name (NAMEDATALEN - 1).
NAME_BYTES = 63
#: An SQLite app not seen for this long has gone (crashed, or its computer slept).
FRESH = timedelta(minutes=3)
#: How long the heartbeat's write waits for another writer before giving up until next time.
BUSY_MS = 200


@dataclass(frozen=True)
class Seat:
    """One user on one computer with the database open: since when, in how many sessions
    (apps, or pooled connections on PostgreSQL), and whether that is this user on this
    computer (``mine``)."""

    user: str
    computer: str
    since: datetime | None  # UTC; None when the server will not say (another role's session)
    sessions: int
    mine: bool

    @property
    def label(self) -> str:
        return f"{self.user}@{self.computer}"


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account without one): still name the seat
        return "unknown"


def computer() -> str:
    return platform.node() or "unknown"


def application_name(user: str | None = None, host: str | None = None) -> str:
    """"ITT Desk <user>@<computer>", cut to what PostgreSQL keeps (63 bytes, whole characters)."""
    name = f"{PREFIX}{user or os_user()}@{host or computer()}"
    return name.encode("utf-8")[:NAME_BYTES].decode("utf-8", "ignore")


def _parse(name: str) -> tuple[str, str]:
    """A session's (user, computer) from its application_name (a computer has no "@")."""
    user, _, host = name[len(PREFIX):].rpartition("@")
    return (user, host) if user else (host, "")


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def connected() -> list[Seat]:
    """Everyone with the open database open, this user first, then by name."""
    rows = ([(user, host, since) for _pid, user, host, since in _postgres_sessions()]
            if is_postgres() else _sqlite_rows())
    return _seats(rows)


def elsewhere() -> list[Seat]:
    """Everyone else with the database open, this user's own other windows included: on
    PostgreSQL every ITT Desk session but this process's own. Maintenance asks this, so that
    an app left open on the maintainer's own computer is named, not taken for the maintainer."""
    if not is_postgres():
        return others()
    rows = [(user, host, since) for pid, user, host, since in _postgres_sessions()
            if not changes.is_own_session(pid)]
    return [replace(seat, mine=False) for seat in _seats(rows)]


def _seats(rows: list[tuple[str, str, datetime | None]]) -> list[Seat]:
    me = (os_user(), computer())
    if is_postgres():  # what this process's own name reads back as, after the cut
        me = _parse(application_name())
    seats: dict[tuple[str, str], Seat] = {}
    for user, host, since in rows:
        key = (user, host)
        seen = seats.get(key)
        if seen is not None:
            earliest = min((t for t in (seen.since, since) if t is not None), default=None)
            seats[key] = Seat(user, host, earliest, seen.sessions + 1, seen.mine)
        else:
            seats[key] = Seat(user, host, since, 1, key == me)
    return sorted(seats.values(), key=lambda s: (not s.mine, s.user.casefold(), s.computer.casefold()))


def others(seats: list[Seat] | None = None) -> list[Seat]:
    """The seats that are not this user on this computer."""
    return [s for s in (connected() if seats is None else seats) if not s.mine]


def _postgres_sessions() -> list[tuple[int, str, str, datetime | None]]:
    """(server process id, user, computer, since) of each ITT Desk session."""
    cursor = database.execute_sql(
        "SELECT pid, application_name, backend_start FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name LIKE %s",
        (PREFIX + "%",))
    return [(pid, *_parse(name), _utc(start)) for pid, name, start in cursor.fetchall()]


def _sqlite_rows() -> list[tuple[str, str, datetime | None]]:
    since = clock.utcnow() - FRESH
    query = Presence.select().where(Presence.seen_at >= since)
    return [(row.user, row.computer, row.started_at) for row in query]


# -- an SQLite app's own row ------------------------------------------------------------------

def _mine() -> tuple[str, str, int]:
    return os_user(), computer(), os.getpid()


def register() -> bool:
    """This app has the SQLite database open (PostgreSQL: nothing to write). False when the
    database would not take the write now (busy, or writes held): the next heartbeat tries."""
    return heartbeat()


def heartbeat() -> bool:
    """Renew this app's row (written if missing): one small write, given up quietly (False)
    when another program holds the write lock for longer than ``BUSY_MS`` or writes are held."""
    if is_postgres():
        return True
    user, host, pid = _mine()
    now = clock.utcnow()
    try:
        with _short_wait():
            with database.atomic():
                changed = (Presence.update(seen_at=now)
                           .where(Presence.user == user, Presence.computer == host,
                                  Presence.pid == pid).execute())
                if not changed:
                    Presence.create(user=user, computer=host, pid=pid, started_at=now,
                                    seen_at=now)
                # rows of apps gone for long: kept small without anyone's help
                Presence.delete().where(Presence.seen_at < now - 10 * FRESH).execute()
    except OperationalError:
        return False
    return True


def other_apps() -> list[str]:
    """Other running apps with this SQLite database open (not this process), as
    "user@computer": what a whole-file step that this process cannot ask SQLite about (its own
    connections hold the file too) is refused for. PostgreSQL: none (maintenance asks there)."""
    if is_postgres():
        return []
    user, host, pid = _mine()
    since = clock.utcnow() - FRESH
    query = Presence.select().where(Presence.seen_at >= since)
    return sorted({f"{row.user}@{row.computer}" for row in query
                   if (row.user, row.computer, row.pid) != (user, host, pid)})


def unregister() -> None:
    """This app closes the database: its row goes at once (quietly, if it cannot now: it is
    no longer listed after ``FRESH`` anyway)."""
    if is_postgres():
        return
    user, host, pid = _mine()
    try:
        with _short_wait():
            (Presence.delete().where(Presence.user == user, Presence.computer == host,
                                     Presence.pid == pid).execute())
    except OperationalError:
        pass


class _short_wait:  # noqa: N801 - used as a context manager, like contextlib's
    """SQLite's busy timeout cut to ``BUSY_MS`` for one write, then put back."""

    def __enter__(self) -> None:
        self.before = database.execute_sql("PRAGMA busy_timeout").fetchone()[0]
        database.execute_sql(f"PRAGMA busy_timeout = {BUSY_MS}")

    def __exit__(self, *exc: object) -> None:
        database.execute_sql(f"PRAGMA busy_timeout = {int(self.before)}")


def since_text(seat: Seat) -> str:
    """When the seat connected, in local time: "09:12" today, else "3 Dec 09:12"."""
    if seat.since is None:
        return "(not shown)"
    local = seat.since.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
    return local.strftime("%H:%M") if local.date() == clock.today() else \
        f"{local.day} {local.strftime('%b %H:%M')}"


def describe(seat: Seat) -> str:
    """One line: "jane@OFFICE-PC since 09:12 (you)". (Not how many sessions: on PostgreSQL
    one app holds several pooled connections, which is nothing the reader need count.)"""
    return f"{seat.label} since {since_text(seat)}{' (you)' if seat.mine else ''}"
