"""The indexed search behind the big lists' search box: which rows *may* match a word, quickly.

A list's search keeps its meaning (``queries.ListQuery.where``: every word appears, as typed, in
at least one search column, case aside); this index only narrows the rows that condition is
checked on, so it can never find a row the plain condition would not, nor miss one it would:

- SQLite: an FTS5 table per searched table with the trigram tokenizer (SQLite >= 3.34); a word
  is asked as all of its trigrams, in any case (Unicode case folding: a superset of LIKE's,
  which folds ASCII only), which every row holding it as a substring has. External-content
  tables without positions (``detail='none'``): they hold no copy of the text, only which rows
  have which trigrams, kept in step by triggers on every insert, delete and change of a
  searched column (the services' bulk INSERTs included).
- PostgreSQL: ``pg_trgm`` GIN indexes on each searched column; the candidates are the rows
  whose columns match the very ILIKE the list uses, which those indexes answer. When the
  extension cannot be created (the server's owner did not allow it) the lists search as before,
  by scanning, and the log says so once.

A trigram needs three characters: a word shorter than that (or a list without an index) is
searched by the plain condition alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import Any

from peewee import SQL, Cast, Database, Field, PostgresqlDatabase

from .models import Enrolment, Person, Placement, School, SupportAgreement, database

log = logging.getLogger(__name__)

MIN_WORD = 3  # characters: a trigram index finds nothing shorter


@dataclass(frozen=True)
class Indexed:
    """One table's searched columns (every column some list searches it by)."""

    model: Any
    fields: tuple[Field[Any], ...]
    # Searched as text (a number): PostgreSQL's index is on CAST(column AS TEXT), as searched.
    as_text: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        name: str = self.model._meta.table_name
        return name

    @property
    def fts(self) -> str:
        return f"{self.table}_search"

    def columns(self) -> list[str]:
        return [f.column_name for f in self.fields]

    def expressions(self) -> list[Any]:
        """The searched expressions, as the lists write them (for PostgreSQL's candidates)."""
        return [Cast(f, "TEXT") if f.name in self.as_text else f for f in self.fields]


INDEXED: dict[str, Indexed] = {i.table: i for i in (
    Indexed(School, (School.name, School.urn, School.postcode, School.email, School.town),
            as_text=("urn",)),
    Indexed(Person, (Person.first_name, Person.last_name, Person.email, Person.trn, Person.phone)),
    Indexed(Enrolment, (Enrolment.trainee_id, Enrolment.subject)),
    Indexed(Placement, (Placement.subject,)),
    Indexed(SupportAgreement, (SupportAgreement.reference, SupportAgreement.title,
                               SupportAgreement.funding_source)),
)}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- SQLite: FTS5 trigram tables and their triggers -------------------------------------------


def sqlite_statements(index: Indexed) -> list[str]:
    """The FTS5 table and the three triggers keeping it in step with ``index``'s table."""
    t, f = _q(index.table), _q(index.fts)
    cols = ", ".join(_q(c) for c in index.columns())
    new = ", ".join(f"new.{_q(c)}" for c in index.columns())
    old = ", ".join(f"old.{_q(c)}" for c in index.columns())
    delete = f"INSERT INTO {f}({f}, rowid, {cols}) VALUES ('delete', old.\"id\", {old});"
    insert = f"INSERT INTO {f}(rowid, {cols}) VALUES (new.\"id\", {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {f} USING fts5({cols}, content={t}, "
        f"content_rowid='id', tokenize='trigram', detail='none')",
        f"CREATE TRIGGER IF NOT EXISTS {_q(index.fts + '_insert')} AFTER INSERT ON {t} "
        f"BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(index.fts + '_delete')} AFTER DELETE ON {t} "
        f"BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {_q(index.fts + '_update')} AFTER UPDATE OF {cols} ON {t} "
        f"BEGIN {delete} {insert} END",
    ]


def _insert_trigger(index: Indexed) -> tuple[str, str]:
    """The name of ``index``'s insert trigger and the statement that creates it."""
    return index.fts + "_insert", sqlite_statements(index)[1]


@contextmanager
def filled_in_bulk(model: Any) -> Iterator[Callable[[Sequence[int]], None]]:
    """For a bulk insert into ``model``'s table (the services' ``create_many``): yields
    ``fill(ids)``, to call with each block's new ids once it is inserted.

    On SQLite the per-row insert trigger is dropped for the while, inside the caller's
    transaction, and once the rows are in they go into the index with one ``INSERT ...
    SELECT`` over their ids: the same rows and values, in id order, that the trigger would
    have added one statement at a time (about half the index's cost at 50,000 schools). One
    statement for the whole insert, not one per block: FTS5 writes what a statement added as
    a segment of its own at the statement's end and merges the segments as they pile up;
    100 blocks' segments cost ~0.1 s more for 100,000 enrolments (BENCHMARKS.md, "The
    enrolments import, cheaper"). (Ids with gaps, from rows another way inserted: 500 at a
    time.) Nothing changes the rows between their insert and the fill: ``create_many`` only
    inserts them. The trigger is created again before the transaction can commit, so no
    other connection ever sees the table without it, and a rollback brings it back by
    itself. Elsewhere (PostgreSQL's GIN indexes keep themselves in step, a table without a
    search index or its trigger) ``fill`` does nothing.

    Either way the insert is one savepoint: a failure part way (a cancel between chunks)
    takes back every row it wrote, on every backend alike."""
    index = INDEXED.get(model._meta.table_name)
    db = database.obj
    execute: Any = db.execute_sql
    trigger, create = _insert_trigger(index) if index is not None else ("", "")
    if index is None or isinstance(db, PostgresqlDatabase) or execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (trigger,)).fetchone() is None:  # nothing kept in step by a trigger
        with db.atomic():  # all or nothing here too, as below
            yield lambda ids: None
        return
    f, t = _q(index.fts), _q(index.table)
    cols = ", ".join(_q(c) for c in index.columns())
    head = f"INSERT INTO {f}(rowid, {cols}) SELECT \"id\", {cols} FROM {t} WHERE "
    given: list[Sequence[int]] = []

    # A savepoint (or the transaction, called without one): on any failure its rollback
    # brings the trigger back, with the rows; a caller that goes on never commits without it.
    with db.atomic():
        execute(f"DROP TRIGGER {_q(trigger)}")
        yield given.append
        ids = list(chain.from_iterable(given))
        if ids and max(ids) - min(ids) + 1 == len(ids) == len(set(ids)):  # one run: the usual
            execute(head + "\"id\" BETWEEN ? AND ? ORDER BY \"id\"", (min(ids), max(ids)))
        else:  # ids with gaps (rows inserted some other way): looked up 500 at a time
            ids = sorted(set(ids))
            for part in range(0, len(ids), 500):
                some = ids[part:part + 500]
                execute(head + f"\"id\" IN ({', '.join('?' * len(some))}) ORDER BY \"id\"", some)
        execute(create)


# -- PostgreSQL: pg_trgm GIN indexes ----------------------------------------------------------


def postgres_statements(index: Indexed) -> list[str]:
    t = _q(index.table)
    result = []
    for field in index.fields:
        column = _q(field.column_name)
        expr = f"(CAST({column} AS TEXT))" if field.name in index.as_text else column
        name = _q(f"{index.table}_{field.column_name}_trgm")
        result.append(f"CREATE INDEX IF NOT EXISTS {name} ON {t} USING gin ({expr} gin_trgm_ops)")
    return result


_READY = "_ittdesk_trigram_search"  # on the database object: whether pg_trgm's indexes are there


def install(db: Database, fill: bool = False) -> bool:
    """Create the search index on ``db`` (a new database, migration 14, ``postgres setup``).

    ``fill``: build it from the rows already there (an existing database). Returns whether the
    indexed search is in place; on PostgreSQL without ``pg_trgm`` it is not, which is logged,
    never raised (the lists then search as before)."""
    execute: Any = db.execute_sql
    if isinstance(db, PostgresqlDatabase):
        try:
            with db.atomic():  # a savepoint: a refusal leaves the caller's transaction usable
                execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # noqa: BLE001 - any refusal: search as before, say why once
            log.warning("The pg_trgm extension could not be created (%s): list searches scan "
                        "the tables, as before; 'ittdesk postgres setup' as the owner adds it.",
                        str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
            setattr(db, _READY, False)
            return False
        for index in INDEXED.values():
            for statement in postgres_statements(index):
                execute(statement)
        setattr(db, _READY, True)
        return True
    for index in INDEXED.values():
        for statement in sqlite_statements(index):
            execute(statement)
        if fill:
            f = _q(index.fts)
            execute(f"INSERT INTO {f}({f}) VALUES ('rebuild')")
    return True


def _postgres_ready(db: Database) -> bool:
    ready: bool | None = getattr(db, _READY, None)
    if ready is None:
        execute: Any = db.execute_sql
        names = [f"{i.table}_{f.column_name}_trgm" for i in INDEXED.values() for f in i.fields]
        found = execute("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
                        "AND indexname = ANY(%s)", (names,)).fetchone()[0]
        ready = found == len(names)
        if not ready:
            log.warning("The database has no trigram indexes (pg_trgm): list searches scan the "
                        "tables, as before; 'ittdesk postgres setup' as the owner adds them.")
        setattr(db, _READY, ready)
    return ready


def usable(word: str) -> bool:
    """Whether the index can narrow the search for ``word`` (long enough for a trigram)."""
    return len(word) >= MIN_WORD


def matching_ids(table: str, word: str) -> Any:
    """A subquery of the ids of ``table``'s rows that may hold ``word`` in a searched column
    (every row that does, perhaps a few more), or None when there is no index to ask."""
    index = INDEXED[table]
    if not usable(word):
        return None
    db = database.obj
    if isinstance(db, PostgresqlDatabase):
        if not _postgres_ready(db):
            return None
        condition = None
        for expr in index.expressions():
            part = expr.contains(word)
            condition = part if condition is None else (condition | part)
        return index.model.select(index.model.id).where(condition)
    f = _q(index.fts)
    return SQL(f"(SELECT rowid FROM {f} WHERE {f} MATCH ?)", [trigrams_query(word)])


def trigrams_query(word: str) -> str:
    """The FTS5 query for rows holding every trigram of ``word`` (each quoted, ANDed).

    The tables keep no positions (``detail='none'``: about half the size and a third quicker to
    write than with them), so a substring is asked as all of its trigrams in one row: every row
    holding the word matches, and a few that hold its trigrams apart (in another order, or in
    two columns) too, which the list's own condition then drops."""
    grams = dict.fromkeys(word[n:n + 3] for n in range(len(word) - 2))
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def forget_erased() -> None:
    """After an erasure: merge each SQLite index into one segment, so an erased name's trigrams
    are gone from the file (a delete only marks them in a later segment until a merge)."""
    db = database.obj
    if isinstance(db, PostgresqlDatabase):
        return
    for index in INDEXED.values():
        f = _q(index.fts)
        db.execute_sql(f"INSERT INTO {f}({f}) VALUES ('optimize')")
