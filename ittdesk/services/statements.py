"""An edit's own two statements, built once: the row read under the write lock and the UPDATE
of the changed columns ``WHERE version =`` the one read (``EntityService.update``, undo).

Peewee renders a statement afresh every time it runs one: for a school's 27 columns that took
~200 us for the SELECT and ~80 us for the UPDATE, more than SQLite took to run both, on every
save (BENCHMARKS.md, "The conflict check's own cost"). Here each is rendered by Peewee once per
model, database kind and set of changed columns, with stand-ins where the values go, then
reused with the values converted as Peewee converts them (each field's ``db_value``): the same
SQL text and the same parameters as Peewee would send, as ``ListQuery._window_sql`` does for a
list's rows. Anything Peewee would render differently (a value that is itself SQL, a record
for a foreign key, a field with its own ``to_value``) is left to Peewee as before.
"""

from __future__ import annotations

from typing import Any

from peewee import Field, Model, ModelUpdate, Node, Value

from ..models import database, is_postgres
from ..models.base import BaseModel
from .bulk import peewee_errors


class _Slot:
    """A stand-in for a value: rendered as a parameter, found again by identity."""


# What the WHERE's stand-ins stand for (a field's stands for its name).
_ID = ("where", "id")
_VERSION = ("where", "version")
# (kind, model, database class[, columns written]) -> (sql, parameters, stand-ins' places)
_BUILT: dict[tuple[Any, ...], tuple[str, list[Any], dict[int, Any]]] = {}


def _render(query: Any, slots: dict[int, Any]) -> tuple[str, list[Any], dict[int, Any]]:
    """``query``'s SQL and parameters; ``slots``: id(slot) -> what it stands for, turned into
    parameter place -> what it stands for."""
    sql, params = database.obj.get_sql_context().sql(query).query()
    params = list(params)
    places = {at: slots[id(p)] for at, p in enumerate(params) if isinstance(p, _Slot)}
    if len(places) != len(slots):  # a slot rendered other than once: never reuse it
        raise RuntimeError(f"stand-ins not found in {sql}")
    return sql, params, places


def _stand_in(slots: dict[int, Any], meaning: Any) -> Value:
    slot = _Slot()
    slots[id(slot)] = meaning
    return Value(slot, converter=False)  # as it is: no field's conversion


def locked_row(model: type[BaseModel], record_id: Any) -> Any:
    """The record with id ``record_id`` as ``model.select().where(id ==).first()`` reads it
    (``FOR UPDATE`` on PostgreSQL, as ``EntityService._locked`` asks), or None."""
    key = ("select", model, type(database.obj))
    built = _BUILT.get(key)
    if built is None:
        slots: dict[int, Any] = {}
        query = model.select().where(model.id == _stand_in(slots, _ID)).limit(1)  # first()
        if is_postgres():
            query = query.for_update()
        built = _keep(key, _render(query, slots))
    sql, params, places = built
    args = list(params)
    key_field: Any = model.id  # its db_value is untyped in peewee's stubs
    for at in places:
        args[at] = key_field.db_value(record_id)
    return next(iter(model.raw(sql, *args)), None)


def _plain(field: Field, value: Any) -> bool:
    """Whether Peewee renders ``value`` for ``field`` as one parameter, ``field.db_value(value)``."""
    return not isinstance(value, (Node, Model)) and type(field).to_value is Field.to_value


def write_changed(model: type[BaseModel], record_id: int, version: int,
                  changes: dict[str, Any]) -> int:
    """``UPDATE`` the ``changes`` (field name -> new value) and ``version = version + 1`` where
    the row's id and version are these; the rows written (1, or 0 if the version moved)."""
    columns = model._meta.fields
    version_field = columns["version"]
    # what Model.update writes: these fields and what its hook adds (a name's sort key)
    untyped: Any = model  # peewee's hook below is not in its stubs
    normalize = untyped._normalize_data  # (``SortKeyed`` adds a name's sort key there)
    row: dict[Any, Any] = normalize({columns[name]: new for name, new in changes.items()}, {})
    if not all(_plain(field, new) for field, new in row.items()):
        row[version_field] = version_field + 1
        written: int = ModelUpdate(model, row).where(
            (model.id == record_id) & (version_field == version)).execute()
        return written
    names = tuple(field.name for field in row)
    key = ("update", model, type(database.obj), names)
    built = _BUILT.get(key)
    if built is None:
        slots: dict[int, Any] = {}
        template: dict[Any, Any] = {field: _stand_in(slots, field.name) for field in row}
        template[version_field] = version_field + 1
        query = ModelUpdate(model, template).where(
            (model.id == _stand_in(slots, _ID)) & (version_field == _stand_in(slots, _VERSION)))
        built = _keep(key, _render(query, slots))
    sql, params, places = built
    args = list(params)
    values = {field.name: new for field, new in row.items()}
    key_field: Any = model.id  # its db_value is untyped in peewee's stubs
    for at, meaning in places.items():  # a field's name, or the WHERE's id and version
        if meaning is _ID:
            args[at] = key_field.db_value(record_id)
        elif meaning is _VERSION:
            args[at] = version_field.db_value(version)
        else:
            convert: Any = columns[meaning].db_value
            args[at] = convert(values[meaning])
    count: int = database.obj.rows_affected(database.obj.execute_sql(sql, args))
    return count


def _keep(key: tuple[Any, ...], built: tuple[str, list[Any], dict[int, Any]]
          ) -> tuple[str, list[Any], dict[int, Any]]:
    """Remember ``built``; a few hundred at most (each set of columns edited together is one)."""
    if len(_BUILT) >= 256:
        _BUILT.clear()
    _BUILT[key] = built
    return built


def write_many(model: type[BaseModel], rows: list[tuple[int, dict[str, Any]]]) -> None:
    """For each ``(record id, {field name: new value})`` of ``rows`` (ids all different), the
    ``UPDATE ... SET <those fields>, version = version + 1 WHERE id = ?`` that Peewee's
    ``model.update(...).where(model.id == id)`` sends: one statement built per set of changed
    fields and run with ``executemany`` (``execute_batch`` on PostgreSQL: a round trip per
    100 rows), rather than one Peewee query rendered and run per row. An import's refresh
    updates 50,000 schools and their heads; rendering each query took ~5x the database's time.
    The same SQL text and parameters, row for row; a value Peewee renders otherwise (SQL, a
    record) is written by Peewee as before."""
    columns = model._meta.fields
    version_field = columns["version"]
    untyped: Any = model  # peewee's hook below is not in its stubs
    normalize = untyped._normalize_data  # (``SortKeyed`` adds a name's sort key there)
    key_field: Any = model.id
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for record_id, changes in rows:
        row: dict[Any, Any] = normalize({columns[name]: new for name, new in changes.items()}, {})
        if not all(_plain(field, new) for field, new in row.items()):
            row[version_field] = version_field + 1
            ModelUpdate(model, row).where(model.id == record_id).execute()
            continue
        groups.setdefault(tuple(field.name for field in row), []).append(
            (key_field.db_value(record_id), *(field.db_value(new) for field, new in row.items())))
    for names, values in groups.items():
        key = ("update_many", model, type(database.obj), names)
        built = _BUILT.get(key)
        if built is None:
            slots: dict[int, Any] = {}
            template: dict[Any, Any] = {columns[name]: _stand_in(slots, name) for name in names}
            template[version_field] = version_field + 1
            query = ModelUpdate(model, template).where(model.id == _stand_in(slots, _ID))
            built = _keep(key, _render(query, slots))
        sql, params, places = built
        # each stand-in's place and where its value sits in a row's tuple (the id first)
        order: dict[Any, int] = {_ID: 0, **{name: n for n, name in enumerate(names, start=1)}}
        taken = [(at, order[meaning]) for at, meaning in places.items()]
        args = []
        for row_values in values:
            one = list(params)
            for at, n in taken:
                one[at] = row_values[n]
            args.append(one)
        db: Any = database.obj
        cursor = db.cursor()
        with peewee_errors:  # the driver's errors as peewee's, as execute_sql's
            if is_postgres():
                from psycopg2.extras import execute_batch

                execute_batch(cursor, sql, args, page_size=100)
            else:
                cursor.executemany(sql, args)
