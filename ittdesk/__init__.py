"""ITT Desk core: models, database, services, spreadsheets and documents.

Nothing in this package imports Qt's widget or GUI modules, so the CLI and every core
test run without a display.
"""

__version__ = "0.1.0"
APP_NAME = "ITT Desk"
APP_SLUG = "ittdesk"


def _import_peewee_without_psycopg2() -> None:
    """Import peewee without the PostgreSQL driver it imports whenever installed (~20 ms of
    every start, most of which open an SQLite file); ``db.make_database`` hands the driver to
    peewee (``pg_driver.enable``) when a PostgreSQL database is opened."""
    import sys

    if "peewee" in sys.modules or "psycopg2" in sys.modules:
        return
    sys.modules["psycopg2"] = None  # type: ignore[assignment]  # import psycopg2 -> ImportError
    try:
        import peewee  # noqa: F401
    except ImportError:
        pass
    finally:
        if "psycopg2" in sys.modules and sys.modules["psycopg2"] is None:
            del sys.modules["psycopg2"]


_import_peewee_without_psycopg2()
