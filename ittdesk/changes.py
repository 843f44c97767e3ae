"""Changes committed by other users and processes, so open lists and editors refresh themselves.

This process's own writes are announced by the window that made them (``ui.operations``); what
another user, another copy of the app or an ``ittdesk`` command commits reaches it from here, as
``Batch`` es of the records changed (kind and id), on a worker thread (``Watcher``; no Qt).

- **PostgreSQL**: the write path (``audit.record`` / ``record_many``, which every service write
  passes) sends ``NOTIFY ittdesk_changes, '<kind>:<id>'`` inside the write's transaction, so it is
  delivered on commit and never for a rollback; a bulk write sends its kinds alone ('<kind>').
  A dedicated connection (not from the pool) LISTENs; notifications sent by this process's own
  sessions (their server process ids, ``own_session``) are left out. Notifications are not
  replayed: after the listening connection is lost and made again, everything is read again once
  (``Batch.everything``).
- **SQLite**: ``PRAGMA data_version`` (on the watcher's own read-only connection) moves when
  another connection commits; then the audit entries past the last one seen say which records
  changed. The presence heartbeat moves ``data_version`` each minute but writes no audit entry:
  nothing is reported for it. This process's entries are known by id (``mine``, noted after
  their commit), so its own writes are not reported twice.
"""

from __future__ import annotations

import contextlib
import select
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: The PostgreSQL channel every ITT Desk session notifies and listens on.
CHANNEL = "ittdesk_changes"
#: A bulk write of more records than this names its kinds alone (a payload stays far under
#: PostgreSQL's 8000 bytes; a page re-reads a list anyway).
MANY = 50
#: How often SQLite's data_version is read, and how long a PostgreSQL wait lasts, in seconds.
INTERVAL = 0.5
#: A listening PostgreSQL connection silent for this long is asked ``SELECT 1``: a server that
#: went away without a word is found within this time.
PROBE_SECONDS = 10.0

#: Audit entity names that pages know under another kind (``ui.views`` pages' ``shows``).
KIND_OF = {
    "setting": "provider",
    "agreement_party": "agreement",
    "agreement_leader": "agreement",
    "agreement_activity": "agreement",
    "impact_report": "agreement",
    "spend": "agreement",
    "signature": "agreement",
    "confirmation_round": "round_school",
}
#: Entities whose change means anything may have changed (a restore replaced the database).
EVERYTHING_ENTITIES = frozenset({"database"})


@dataclass(frozen=True)
class Batch:
    """What others committed since the last batch: ``records`` (entity, id) named one by one,
    ``entities`` every entity touched (those of ``records`` and of bulk writes named by kind
    alone); ``everything``: read everything again (reconnected, or the database restored)."""

    records: frozenset[tuple[str, int]] = frozenset()
    entities: frozenset[str] = frozenset()
    everything: bool = False

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds pages show (``KIND_OF`` applied), the entity names themselves kept too."""
        return self.entities | {KIND_OF[e] for e in self.entities if e in KIND_OF}

    def names(self, entity: str, record_id: int) -> bool:
        """Whether this batch may concern that record (named, or its kind changed in bulk)."""
        if self.everything or (entity, record_id) in self.records:
            return True
        return entity in self.entities and not any(e == entity for e, _ in self.records)

    def __bool__(self) -> bool:
        return bool(self.everything or self.entities)


def merged(batches: Iterable[Batch]) -> Batch:
    """Several batches as one (the GUI takes what arrived while it was busy at once)."""
    records: set[tuple[str, int]] = set()
    bulk: set[str] = set()
    entities: set[str] = set()
    everything = False
    for batch in batches:
        everything = everything or batch.everything
        records |= batch.records
        entities |= batch.entities
        bulk |= batch.entities - {e for e, _ in batch.records}
    # a kind changed in bulk in one batch stays "in bulk" (names() then matches any of its ids)
    return Batch(frozenset(r for r in records if r[0] not in bulk), frozenset(entities),
                 everything)


def _batch(rows: Iterable[tuple[str, int | None]], bulk: Iterable[str] = ()) -> Batch:
    records: set[tuple[str, int]] = set()
    bulk = frozenset(bulk)
    entities = set(bulk)
    everything = False
    for entity, record_id in rows:
        entities.add(entity)
        everything = everything or entity in EVERYTHING_ENTITIES
        if record_id is not None:
            records.add((entity, record_id))
    return Batch(frozenset(r for r in records if r[0] not in bulk), frozenset(entities),
                 everything)


# -- this process's own writes ---------------------------------------------------------------

class _Own:
    """This process's audit entries (SQLite: id ranges per database file) and server sessions
    (PostgreSQL: backend process ids): what the watcher leaves out. Any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ranges: dict[str, list[tuple[int, int]]] = {}
        self.sessions: set[int] = set()

    def add_range(self, where: str, first: int, last: int) -> None:
        with self.lock:
            ranges = self.ranges.setdefault(where, [])
            if ranges and ranges[-1][1] + 1 == first:
                ranges[-1] = (ranges[-1][0], last)
            else:
                ranges.append((first, last))

    def ranges_after(self, where: str, seen: int) -> list[tuple[int, int]]:
        """The ranges past ``seen`` (those before it are forgotten: never asked about again)."""
        with self.lock:
            kept = self.ranges[where] = [r for r in self.ranges.get(where, []) if r[1] > seen]
            return list(kept)

    def forget(self, where: str) -> None:
        """The file was replaced (a restore): its ids start again, none of them ours."""
        with self.lock:
            self.ranges.pop(where, None)


_own = _Own()


def mine(where: str, first: int, last: int | None = None) -> None:
    """Audit entries ``first``..``last`` of the SQLite file ``where`` were written by this
    process (called after their commit)."""
    _own.add_range(_file_key(where), first, first if last is None else last)


def _file_key(path: str | Path) -> str:
    return str(Path(path).resolve())


def own_session(pid: int, is_open: bool = True) -> None:
    """A PostgreSQL session of this process (its server process id) opened or closed."""
    with _own.lock:
        if is_open:
            _own.sessions.add(pid)
        else:
            _own.sessions.discard(pid)


def is_own_session(pid: int) -> bool:
    with _own.lock:
        return pid in _own.sessions


# -- the write path: what audit.record / record_many call --------------------------------------

def written(db: Any, postgres: bool, entries: list[tuple[str, int | None]],
            ids: tuple[int, int] | None) -> None:
    """Audit entries about ``entries`` (entity, id) were just inserted on ``db``'s connection,
    with ids ``ids`` (first, last; SQLite). PostgreSQL: notify the others (delivered on commit);
    SQLite: note the ids as this process's once committed (``db.after_commit``: a rollback
    forgets them, so an id SQLite gives again to another process's entry is not taken for ours)."""
    if postgres:
        for payload in payloads(entries):
            db.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        return
    if ids is not None:
        first, last = ids
        where = str(db.database)
        db.after_commit(lambda: mine(where, first, last))


def payloads(entries: list[tuple[str, int | None]]) -> list[str]:
    """One payload per entity and id ('school:12'), or per entity alone ('school') for more than
    ``MANY`` of one entity or an entry about no one record (a provider setting)."""
    by_entity: dict[str, set[int | None]] = {}
    for entity, record_id in entries:
        by_entity.setdefault(entity, set()).add(record_id)
    found: list[str] = []
    for entity, ids in by_entity.items():
        if len(ids) > MANY or None in ids:
            found.append(entity)
        else:
            found.extend(f"{entity}:{i}" for i in sorted(ids))  # type: ignore[type-var]
    return found


def parse(payload: str) -> tuple[str, int | None]:
    """'school:12' -> ("school", 12); 'school' -> ("school", None)."""
    entity, _, rest = payload.partition(":")
    try:
        return entity, int(rest) if rest else None
    except ValueError:
        return entity, None


# -- where the batches come from ------------------------------------------------------------------

class Source(Protocol):
    @property
    def closed(self) -> bool: ...

    def next(self, timeout: float, wake: Any = None) -> Batch | None:
        """Wait up to ``timeout`` seconds (less when ``wake``, a socket, becomes readable: the
        watcher is stopping) and say what others committed meanwhile."""
    def close(self) -> None: ...


class SqliteSource:
    """Another connection's commits to an SQLite file, through a read-only connection of its own
    (opened and used on the watcher's thread)."""

    def __init__(self, path: Path) -> None:
        from .sqlite_file import file_uri

        self.conn = sqlite3.connect(file_uri(path, "mode=ro"), uri=True, isolation_level=None,
                                    timeout=5)
        self.key = _file_key(path)
        self.closed = False
        self.version = self._data_version()
        self.seen = self._last_entry()

    def _data_version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _last_entry(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM audit_entry")
                   .fetchone()[0])

    def next(self, timeout: float, wake: Any = None) -> Batch | None:
        _wait(timeout, wake)
        return self.poll()

    def poll(self) -> Batch | None:
        """What was committed since the last poll by others (None: nothing to report)."""
        version = self._data_version()
        if version == self.version:
            return None
        self.version = version
        last = self._last_entry()
        if last == self.seen:
            return None  # the presence heartbeat, an import run's record: no record changed
        if last < self.seen:  # the file was replaced (a restore): entries went back
            self.seen = last
            _own.forget(self.key)
            return Batch(everything=True)
        seen, self.seen = self.seen, last
        own = _own.ranges_after(self.key, seen)
        not_own = " ".join(f"AND id NOT BETWEEN {int(a)} AND {int(b)}" for a, b in own)
        where = f"id > ? AND id <= ? {not_own}"
        rows = self.conn.execute(f"SELECT entity, entity_id FROM audit_entry WHERE {where} "
                                 f"LIMIT {MANY * 4 + 1}", (seen, last)).fetchall()
        if len(rows) <= MANY * 4:
            counts: dict[str, int] = {}
            for entity, _ in rows:
                counts[entity] = counts.get(entity, 0) + 1
            bulk = [e for e, n in counts.items() if n > MANY]
            return _batch(rows, bulk) or None
        entities = [e for (e,) in self.conn.execute(
            f"SELECT DISTINCT entity FROM audit_entry WHERE {where}", (seen, last))]
        return _batch(((e, None) for e in entities), entities) or None

    def close(self) -> None:
        self.conn.close()
        self.closed = True


class PostgresSource:
    """Notifications on ``CHANNEL`` through a connection of its own (never one of the pool's:
    LISTEN belongs to a session), made again when lost."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.conn: Any = None
        self.lost = False
        self.quiet_since = time.monotonic()
        self._connect()

    def _connect(self) -> None:
        import psycopg2

        conn = psycopg2.connect(**self.params)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        self.conn = conn
        # this process's too: maintenance counts every session but its own as someone else
        own_session(conn.get_backend_pid())
        self.quiet_since = time.monotonic()

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                own_session(self.conn.get_backend_pid(), is_open=False)
                self.conn.close()
        self.conn = None
        self.lost = True

    def next(self, timeout: float, wake: Any = None) -> Batch | None:
        import psycopg2

        if self.conn is None:
            try:
                self._connect()
            except psycopg2.Error:
                _wait(timeout, wake)  # the server is still away: try again next time
                return None
            self.lost = False
            return Batch(everything=True)  # what was sent meanwhile is not replayed
        try:
            ready, _, _ = select.select([self.conn, *([wake] if wake else [])], [], [], timeout)
            if self.conn in ready:
                self.conn.poll()
                self.quiet_since = time.monotonic()
            elif time.monotonic() - self.quiet_since > PROBE_SECONDS:
                with self.conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                self.quiet_since = time.monotonic()
        except (psycopg2.Error, OSError, ValueError):
            self._drop()
            return None
        notes, self.conn.notifies[:] = list(self.conn.notifies), []
        rows = [parse(n.payload) for n in notes
                if n.channel == CHANNEL and not is_own_session(n.pid)]
        if not rows:
            return None
        return _batch(rows, [e for e, i in rows if i is None]) or None

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None

    @property
    def closed(self) -> bool:
        return self.conn is None


def _wait(timeout: float, wake: Any) -> None:
    """Sleep ``timeout`` seconds, or until ``wake`` (a socket) is readable."""
    if wake is None:
        time.sleep(timeout)
    else:
        select.select([wake], [], [], timeout)


def source_for(db: Any) -> Source:
    """A source of others' changes for the open peewee database ``db`` (its file or server)."""
    from peewee import PostgresqlDatabase

    if isinstance(db, PostgresqlDatabase):
        params = dict(db.connect_params)
        params.pop("max_connections", None)
        params.pop("stale_timeout", None)
        params.pop("timeout", None)
        return PostgresSource({"dbname": db.database, **params})
    return SqliteSource(Path(db.database))


@dataclass
class Watcher:
    """A worker thread that hands ``deliver`` each batch of others' changes (on that thread: the
    GUI passes a function that only queues it). ``start`` / ``stop`` (which waits for the
    thread and closes its connection: nothing is left behind)."""

    make_source: Callable[[], Source]
    deliver: Callable[[Batch], None]
    interval: float = INTERVAL
    on_failure: Callable[[BaseException], None] | None = None
    #: the source in use (set on the watcher's thread once made; for tests and diagnostics)
    source: Source | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _wake: tuple[socket.socket, socket.socket] | None = None

    def start(self) -> None:
        self._stop.clear()
        self._ready.clear()
        # stop() writes a byte here, so a wait for the next look ends at once
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="ittdesk-changes", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Whether the watcher has its connection and has seen where the database stands (so a
        change committed from now on is reported)."""
        return self._ready.wait(timeout)

    def _run(self) -> None:
        source: Source | None = None
        wake = self._wake[0] if self._wake is not None else None
        try:
            while source is None and not self._stop.is_set():
                try:
                    source = self.source = self.make_source()
                except Exception as exc:  # noqa: BLE001 - a server away, a file gone: try again
                    if self.on_failure is not None:
                        self.on_failure(exc)
                    self._stop.wait(max(self.interval, 1.0))
            self._ready.set()
            while source is not None and not self._stop.is_set():
                try:
                    batch = source.next(self.interval, wake)
                except Exception as exc:  # noqa: BLE001 - one failed look: the next one tries
                    if self.on_failure is not None:
                        self.on_failure(exc)
                    self._stop.wait(self.interval)
                    continue
                if batch and not self._stop.is_set():
                    self.deliver(batch)
        finally:
            self._ready.set()
            if source is not None:
                with contextlib.suppress(Exception):
                    source.close()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        wake = self._wake
        if wake is not None:
            with contextlib.suppress(OSError):
                wake[1].send(b"\0")
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if thread is None or not thread.is_alive():
            # forgotten only once ended, so ``running`` stays true for a thread still winding down
            self._thread = None
            if wake is not None:
                self._wake = None
                for end in wake:
                    end.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
