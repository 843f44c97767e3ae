"""The services' bulk writes: many rows in one statement per chunk, sort keys written with them.

An import writes tens of thousands of records; one peewee query per row, or peewee's query
builder over a dict per row, costs ~10x the database's own work at that size. So the rows go to
the driver as multi-row ``INSERT ... RETURNING`` statements (SQLite 3.35+ and PostgreSQL).
:meth:`EntityService.create_many <ittdesk.services.bulk_writes.BulkWrites.create_many>` is
the way in; the audit entries go through ``audit.record_many`` (COPY on PostgreSQL).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, repeat
from operator import methodcaller
from typing import Any, TypeVar

import peewee
from peewee import CharField, ForeignKeyField, IntegerField, Model, TextField

from ..sortkeys import key_fields, key_value

#: peewee's own wrapper that turns a driver's error into peewee's (IntegrityError...), as
#: ``execute_sql`` does; for statements run on the driver's cursor (not in peewee's stubs)
peewee_errors: Any = vars(peewee)["__exception_wrapper__"]

CHUNK = 500  # keys per lookup query
INSERT_CHUNK = 500  # rows per create_many step (progress and cancel are checked between them)
WRITE_BLOCK = 1000  # rows written, then audited, at a time: one audit INSERT each (bounded memory)


T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def insert_returning(model: type[Model], rows: Sequence[dict[str, Any]],
                     names: list[str] | None = None,
                     keys_seen: dict[str, dict[str, str]] | None = None) -> list[int]:
    """Insert rows in chunks; the new ids in row order.

    ``names``: the columns to write (default :func:`column_names` of ``rows``); a row without
    one, or with None, writes the model's default there, as :func:`full_rows` fills it in.
    ``keys_seen``: the sort keys already worked out, by key field (kept by a caller that inserts
    a large write in parts: a name's key is the same in every part).
    One multi-row ``INSERT ... RETURNING id`` per chunk (SQLite 3.35+ and PostgreSQL), written
    directly rather than through peewee's query builder, which costs ~10x more per row at 50,000
    rows. Values still go through each field's ``db_value``. Ids are sorted because RETURNING's
    order is not promised, while the ids a single statement assigns rise in VALUES order.
    """
    if not rows:
        return []
    if names is None:
        names = column_names(model, rows)
    # People's and schools' names sort by keys written with them (``sortkeys.with_keys``):
    # added as extra columns, each computed once per distinct name rather than by copying
    # every row (100,000 names share far fewer spellings).
    if keys_seen is None:
        keys_seen = {}
    keyed: list[tuple[str, Any, dict[str, Any]]] = [
        (name, key, keys_seen.setdefault(key.name, {}))
        for name, key in key_fields(model).items() if name in names]
    key_names = {key.name for _name, key, _seen in keyed}
    database = model._meta.database
    meta = model._meta.fields
    written = [n for n in names if n not in key_names]
    fields = [meta[n] for n in written] + [key for _name, key, _seen in keyed]
    param = database.param
    open_q, close_q = database.quote[0], database.quote[1]

    def quote(name: str) -> str:
        return f"{open_q}{name}{close_q}"

    per_chunk = max(1, min(1000, 30000 // max(len(fields), 1)))
    table = quote(model._meta.table_name)
    column_sql = ", ".join(quote(f.column_name) for f in fields)
    head = f"INSERT INTO {table} ({column_sql}) VALUES "
    one = "(" + ", ".join([param] * len(fields)) + ")"
    primary_key: Any = model._meta.primary_key
    tail = f" RETURNING {quote(primary_key.column_name)}"
    # Each column read from every row of a chunk at once (C loops: a getter, a set of the
    # types seen), its default put where a row has none, and ``db_value`` called only where a
    # value is not already what the driver takes: text and whole numbers go as they are
    # (exact types only: a subclass such as AcademicYearField normalises text in db_value).
    plain = [(n, methodcaller("get", n), _default(meta[n]), meta[n].db_value,
              str if type(meta[n]) in (CharField, TextField) else
              int if type(meta[n]) in (IntegerField, ForeignKeyField) else None)
             for n in written]
    sources = {name for name, _key, _seen in keyed}
    ids: list[int] = []
    for part in chunks(rows, per_chunk):
        columns: list[list[Any]] = []
        given: dict[str, list[Any]] = {}
        # plain dicts (the services' cleaned values) are read by ``dict.get`` itself, about
        # half the cost of a methodcaller per value (50,000 schools: 0.06 -> 0.03 s, G10)
        dicts = _ONLY_DICTS.issuperset(map(type, part))
        for name, get, default, conv, kind in plain:
            values = list(map(dict.get, part, repeat(name)) if dicts else map(get, part))
            if default is not None and None in values:
                values = [default if v is None else v for v in values]
            if name in sources:
                given[name] = values
            if kind is None or not _AS_THEY_ARE[kind].issuperset(map(type, values)):
                values = [v if v is None or v.__class__ is kind else conv(v) for v in values]
            columns.append(values)
        for name, key, seen in keyed:
            values = given[name]
            if _TEXT_ONLY.issuperset(map(type, values)):  # names: each key looked up in C
                found_keys = list(map(seen.get, values))
                if None in found_keys:
                    for n, v in enumerate(values):
                        if found_keys[n] is None:
                            found = seen.get(v)
                            if found is None:
                                found = seen[v] = key_value(key, v)
                            found_keys[n] = found
            else:
                found_keys = []
                for v in values:
                    found = seen.get(v) if v.__class__ is str else None
                    if found is None:
                        found = key_value(key, v)
                        if v.__class__ is str:
                            seen[v] = found
                    found_keys.append(found)
            columns.append(found_keys)
        if param == "?":  # SQLite: a value every row shares is bound once (values_sql)
            sql, params = values_sql(table, column_sql, columns)
            cursor = database.execute_sql(sql + tail, params)
        elif (copied := copy_rows(database, model, columns, column_sql)) is not None:
            ids.extend(copied)
            continue
        else:
            params = list(chain.from_iterable(zip(*columns, strict=True)))
            cursor = database.execute_sql(head + ", ".join([one] * len(part)) + tail, params)
        ids.extend(sorted(r[0] for r in cursor.fetchall()))
    return ids


def copy_rows(database: Any, model: type[Model], columns: list[list[Any]],
              columns_sql: str) -> list[int] | None:
    """PostgreSQL: the rows (``columns``: a list of values per column, as the driver takes
    them) written by ``COPY`` with ids taken from the table's sequence first, in row order; the
    ids. None, and nothing written, when a value is not of a type COPY's text is made from here
    (text, whole and decimal numbers, booleans, dates) or the key has no sequence: the caller
    then inserts them as before.

    Why: a multi-row ``INSERT ... RETURNING`` has the server parse and plan one literal per
    value; 50,000 schools took ~4.5 s that way against ~0.4 s by COPY (BENCHMARKS.md, "The
    schools import into PostgreSQL"). The same rows and ids: the ids a multi-row INSERT gives
    come from the same sequence, rising in VALUES order."""
    primary_key: Any = model._meta.primary_key
    if f'"{primary_key.column_name}"' in columns_sql.split(", "):
        return None  # the rows give their own ids
    texts = [_copy_column(values) for values in columns]
    if any(text is None for text in texts):
        return None
    cursor = database.cursor()
    with peewee_errors:  # the driver's errors as peewee's, as execute_sql's
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)",
                       (f'"{model._meta.table_name}"', primary_key.column_name, len(columns[0])))
        ids = sorted(r[0] for r in cursor.fetchall())
        if None in ids:
            return None
        lines = "".join(map("%s\t%s\n".__mod__,
                            zip(ids, map("\t".join, zip(*texts, strict=True)), strict=True)))
        cursor.copy_expert(f'COPY "{model._meta.table_name}" ("{primary_key.column_name}", '
                           f"{columns_sql}) FROM STDIN", io.StringIO(lines))
    return ids


def copy_text(value: str) -> str:
    """Text as a field of PostgreSQL's COPY text format (stored back exactly as given): the
    bulk inserts' and the audit's COPY both write it."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_value(value: Any) -> str:
    kind = value.__class__
    if kind is str:
        return copy_text(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is float:
        return repr(value)
    if kind is date or kind is datetime:
        text: str = value.isoformat() if kind is date else value.isoformat(" ")
        return text
    raise _NotCopied


class _NotCopied(Exception):
    pass


def _copy_column(values: list[Any]) -> list[str] | None:
    """One column's values as COPY text fields (NULL as ``\\N``), each distinct value worked
    out once; None when one is of another type."""
    seen: dict[Any, str] = {}
    out = []
    try:
        for value in values:
            if value is None:
                out.append("\\N")
                continue
            key = (value.__class__, value)  # True, 1 and 1.0 are apart
            text = seen.get(key)
            if text is None:
                text = seen[key] = _copy_value(value)
            out.append(text)
    except (_NotCopied, TypeError):  # TypeError: a value that cannot be a dict key
        return None
    return out


_TEXT_ONLY = frozenset((str,))
_ONCE = frozenset((str, int, type(None)))  # exactly these: 1 == True == 1.0 are stored apart


def _same_throughout(values: list[Any]) -> bool:
    """Whether every value is the same text, whole number or NULL (bound once, then)."""
    first = values[0]
    return (first.__class__ in _ONCE and values.count(first) == len(values)
            and len(set(map(type, values))) == 1)


def values_sql(table: str, columns_sql: str, columns: list[list[Any]]) -> tuple[str, list[Any]]:
    """An SQLite multi-row INSERT of ``columns`` (a list of values per column, the same length
    each) into ``table`` (``columns_sql``: its quoted column names), and its parameters.

    A column whose values are all the same text, whole number or NULL (a default, a cohort, an
    import run, an unused field) is bound once as ``?N`` in ``INSERT ... SELECT ... FROM
    (VALUES ...)`` rather than once per row: binding every value in Python is a good part of
    a bulk insert's cost (an audit entry's at, user, entity, action, note and run: 6 of its 9
    values). The rows are inserted in VALUES order, as a plain ``VALUES`` inserts them, and
    each value is stored as the same type (a column's affinity applies to both alike)."""
    count = len(columns[0])
    once = [n for n, values in enumerate(columns) if _same_throughout(values)]
    if len(once) == len(columns):
        once = once[1:]  # VALUES needs a column: the first one varies (in name only)
    if not once:
        one = "(" + ", ".join(["?"] * len(columns)) + ")"
        return (f"INSERT INTO {table} ({columns_sql}) VALUES " + ", ".join([one] * count),
                list(chain.from_iterable(zip(*columns, strict=True))))
    bound = set(once)
    varying = [values for n, values in enumerate(columns) if n not in bound]
    place = {n: f"?{k}" for k, n in enumerate(once, start=1)}
    select, j = [], 0
    for n in range(len(columns)):
        if n in bound:
            select.append(place[n])
        else:
            j += 1
            select.append(f"column{j}")
    # unnumbered ? take the numbers after the largest one so far: len(once) + 1 onwards
    one = "(" + ", ".join(["?"] * len(varying)) + ")"
    sql = (f"INSERT INTO {table} ({columns_sql}) SELECT {', '.join(select)} FROM (VALUES "
           + ", ".join([one] * count) + ")")
    return sql, [columns[n][0] for n in once] + list(chain.from_iterable(zip(*varying, strict=True)))


_AS_THEY_ARE = {str: frozenset((str, type(None))), int: frozenset((int, type(None)))}
_ONLY_DICTS = frozenset((dict,))


def _default(field: Any) -> Any:
    """What a row without a value for ``field`` writes: its default, unless computed."""
    return field.default if field.default is not None and not callable(field.default) else None


def column_names(model: type[Model], rows: Iterable[dict[str, Any]]) -> list[str]:
    """The columns an INSERT of ``rows`` writes: every key any row has, and every field with a
    default (peewee defaults live in Python, not in the table, so they must be written)."""
    return sorted(set().union(*rows) | {
        f.name for f in model._meta.sorted_fields
        if f.default is not None and not callable(f.default) and not f.primary_key})


def full_rows(model: type[Model], rows: Sequence[dict[str, Any]],
              names: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows with the same keys (``names``, default :func:`column_names`), as one INSERT needs;
    missing values take the model's default. ``names`` from all the rows keeps every block of
    a large write to the same columns."""
    if names is None:
        names = column_names(model, rows)
    defaults = {name: _default(model._meta.fields[name]) for name in names}
    # every row: the defaults, then its own values but None (in ``names`` order: a copy of
    # the defaults keeps their order, and every key of a row is one of them)
    result = []
    for r in rows:
        full = defaults.copy()
        full.update({k: v for k, v in r.items() if v is not None})
        result.append(full)
    return result
