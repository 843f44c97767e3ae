"""Hand psycopg2 to peewee when a PostgreSQL database is first opened.

``ittdesk/__init__.py`` imports peewee with ``psycopg2`` hidden, so opening an SQLite file does
not pay for the driver's import. Peewee keeps the driver in module globals and in
``Psycopg2Adapter``'s class attributes (read when a ``PostgresqlDatabase`` is made and on every
transaction), which ``enable`` fills exactly as peewee's own import would have.
"""

from __future__ import annotations


def enable() -> None:
    """Import psycopg2 and give it to peewee (no-op if peewee already has it).

    Raises ImportError when psycopg2 is not installed."""
    import peewee
    import psycopg2
    from psycopg2 import extensions as pg_extensions
    from psycopg2.extras import Json, register_uuid

    if getattr(peewee, "psycopg2", None) is not None:
        return
    register_uuid()
    peewee.psycopg2 = psycopg2
    peewee.pg_extensions = pg_extensions
    peewee.pg_register_uuid = register_uuid
    peewee.Json_pg2 = Json
    adapter = peewee.Psycopg2Adapter
    adapter.txn_idle = pg_extensions.TRANSACTION_STATUS_IDLE
    adapter.txn_inerror = pg_extensions.TRANSACTION_STATUS_INERROR
    adapter.txn_unknown = pg_extensions.TRANSACTION_STATUS_UNKNOWN
