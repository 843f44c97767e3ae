"""peewee's databases, with one change: a failed transaction reports why it failed.

When a write fails because the disk is full (or on an I/O error), SQLite has often rolled the
whole transaction back already; peewee's ``atomic()`` then sends its own ROLLBACK, which fails
with "cannot rollback - no transaction is active" — and that second error is what the user
was shown, hiding the full disk. A PostgreSQL connection the server has dropped does the same
("connection already closed"). Here the undo is skipped when there is nothing left to undo, so
the original error reaches the caller. Imported when a database is opened (it imports peewee).

PostgreSQL connections come from a pool (peewee's ``playhouse.pool``): a background task (a
search keystroke, a count) checks one out and back in (``connection_context``) instead of a
TCP and login handshake each time. A connection the server dropped while it waited in the pool
is found on checkout (peewee asks it ``SELECT 1``) and replaced by a new one.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Sequence
from typing import Any

import peewee
from playhouse.pool import PooledPostgresqlDatabase

from . import changes, maintenance

#: Pooled connections are renewed after this many seconds (a server or a firewall in between
#: may drop connections that have lived long).
POOL_RENEW_SECONDS = 600


class _SkipsAFinishedRollback:
    """Rollbacks (of a transaction or a savepoint) that do nothing when the driver has none.

    ``database.atomic()`` goes through the models' DatabaseProxy, which builds peewee's own
    savepoint around itself: a savepoint's ``ROLLBACK TO SAVEPOINT`` reaches the database only
    as ``execute_sql``, so it is caught there."""

    def transaction_gone(self) -> bool:  # pragma: no cover - each database says
        raise NotImplementedError

    def rollback(self) -> None:
        if self.transaction_gone():
            return
        super().rollback()  # type: ignore[misc]

    def execute_sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The driver's cursor (sqlite3's or psycopg2's: ``Any`` as peewee's own is)."""
        if sql.startswith("ROLLBACK TO SAVEPOINT") and self.transaction_gone():
            return None
        return super().execute_sql(sql, params)  # type: ignore[misc]


class SqliteDatabase(_SkipsAFinishedRollback, peewee.SqliteDatabase):
    def transaction_gone(self) -> bool:
        """SQLite rolled back on its own (full disk, I/O error): the connection is in autocommit."""
        # peewee's per-thread connection state (not in its stubs): the live connection, or
        # None, without connecting as ``connection()`` would.
        conn = self._state.conn  # type: ignore[attr-defined]
        return conn is not None and not conn.in_transaction


# playhouse has no type information: its pooled database is Any to mypy.
class PostgresqlDatabase(_SkipsAFinishedRollback, PooledPostgresqlDatabase):  # type: ignore[misc]
    """PostgreSQL through a pool of connections: one per thread while in use, kept for reuse
    afterwards; no limit beyond the threads that ask (the GUI thread and the task workers)."""

    def __init__(self, database: str, **kwargs: object) -> None:
        kwargs.setdefault("max_connections", None)
        kwargs.setdefault("stale_timeout", POOL_RENEW_SECONDS)
        super().__init__(database, **kwargs)

    def transaction_gone(self) -> bool:
        """The server dropped the connection: the transaction went with it."""
        conn = self._state.conn  # peewee's per-thread connection state, as above
        return conn is not None and bool(getattr(conn, "closed", 0))

    def _connect(self) -> Any:
        """A connection checked out of the pool, its server session noted as this process's:
        the notifications it sends are not heard back as another user's (``ittdesk.changes``)."""
        conn = super()._connect()
        with contextlib.suppress(Exception):
            changes.own_session(conn.get_backend_pid())
        return conn

    def _close_raw(self, conn: Any) -> None:
        with contextlib.suppress(Exception):  # a connection already gone has no session to forget
            changes.own_session(conn.get_backend_pid(), is_open=False)
        super()._close_raw(conn)

    # -- maintenance mode (ittdesk.maintenance) --------------------------------------------------
    def execute_sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """A write first takes the maintenance lock shared, once per transaction (held until it
        ends, so maintenance never starts under it); refused in one line while someone holds
        maintenance (``MaintenanceError``), nothing sent. Reads are never held back."""
        if _WRITE.match(sql):
            transactions = self._state.transactions  # peewee's per-thread stack, outermost first
            top = transactions[0] if transactions else None
            checked = getattr(self._state, "writable_in", None)
            if top is None or checked is None or checked() is not top:
                allowed = super().execute_sql("SELECT pg_try_advisory_xact_lock_shared(%s)",
                                              (maintenance.KEY,)).fetchone()[0]
                if not allowed:
                    raise maintenance.refused()
                # this transaction holds it until it ends; a weak reference, so no cycle keeps a
                # closed database's pool (and its connections) alive
                self._state.writable_in = weakref.ref(top) if top is not None else None
        return super().execute_sql(sql, params)


    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        """Every statement and BEGIN starts here. A connection the server dropped (a restart,
        the network) is let go first, once no transaction is open on it: the statement gets a
        new one from the pool instead of failing with "connection already closed" for as long
        as the thread lives (the GUI thread's own connection would otherwise never recover)."""
        conn = self._state.conn
        if conn is not None and conn.closed and not self.in_transaction():
            self._forget_lost_connection()
        return super().cursor(*args, **kwargs)

    def _forget_lost_connection(self) -> None:
        """This thread's connection is dead: out of the pool's books and this thread's state,
        so the next statement connects afresh."""
        try:
            self.manual_close()
        except Exception:  # noqa: BLE001 - nothing to close on a dead connection
            self._state.reset()


#: Statements that change data or schema: the ones maintenance holds back.
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|COPY|ALTER|CREATE|DROP|TRUNCATE)\b", re.IGNORECASE)
