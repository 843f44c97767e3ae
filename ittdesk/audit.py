"""The audit trail: one entry per change made through the services.

Entries are append-only: ``record`` (one entry) and ``record_many`` / ``record_created`` (an
import's, in bulk, the same text to the byte) are the ways in, and ``AuditEntry`` refuses
updates and deletes. The database itself refuses them too, raw SQL included, and the erasure
alone scrubs personal values: both in ``audit_guard``. Here: what an entry holds and says
(``entry`` / ``created`` / ``changed``, the JSON of its changes), how entries are written, and
the reads an editor's undo and the history views make of them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, repeat
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from operator import is_not, itemgetter, methodcaller
from typing import Any

from peewee import ModelSelect

from . import changes as others_changes
from . import clock, presence
from .academic_year import AcademicYear
from .models import AuditEntry, database, is_postgres
from .services.bulk import copy_text
from .services.bulk import values_sql as bulk_values_sql

_user_cache: dict[int, str] = {}
#: what AuditEntry.user holds
USER_LENGTH = 100


def current_user() -> str:
    """Who an entry says made the change: the OS user at the computer (``user@computer``, as
    presence names a seat), so "changed by X" tells which machine too when people share one
    login; on PostgreSQL also the database user, since several people share it. Cut to the
    column's 100 characters (it had room: no migration)."""
    os_user = f"{presence.os_user()}@{presence.computer()}"
    if is_postgres():
        key = id(database.obj)
        if key not in _user_cache:
            row = database.obj.execute_sql("SELECT current_user").fetchone()
            _user_cache[key] = str(row[0]) if row else ""
        db_user = _user_cache[key]
        if db_user and db_user != presence.os_user():
            return f"{os_user} (db: {db_user})"[:USER_LENGTH]
    return os_user[:USER_LENGTH]


def now() -> datetime:
    """UTC, without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return clock.utcnow()


def plain(value: Any) -> Any:
    """A JSON-safe copy of a field value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (Decimal, AcademicYear)):
        return str(value)
    return str(value)


class PlainPairs(dict[str, list[Any]]):
    """Changes known to be ``[old, new]`` lists of plain values (no list, tuple or dict among
    them), as :func:`created` makes them: encoded without looking at every pair again (so
    not to be changed once made)."""

    __slots__ = ()


def created(values: dict[str, Any]) -> dict[str, list[Any]]:
    """What a create records: every value given, as ``[None, value]`` (empty ones left out)."""
    changes = {k: [None, v] for k, v in values.items() if v is not None}
    if _CONTAINERS.isdisjoint(map(type, values.values())):  # one look here, none when encoded
        return PlainPairs(changes)
    return changes


def changed(diff: dict[str, Any]) -> dict[str, list[Any]]:
    """What an update records: ``{field: [old, new]}`` from ``{field: (old, new)}``."""
    return {k: [v[0], v[1]] for k, v in diff.items()}


def entry(entity: str, entity_id: int | None, action: str,
          changes: dict[str, list[Any]] | None = None, *, person_id: int | None = None,
          note: str | None = None, import_run: int | None = None) -> dict[str, Any]:
    """One entry as :func:`record_many` writes it: the one shape every bulk write builds (the
    same columns :func:`record` fills), so an import's entries read like an editor's."""
    return {"entity": entity, "entity_id": entity_id, "action": action, "changes": changes,
            "person_id": person_id, "note": note, "import_run": import_run}


def record(entity: str, entity_id: int | None, action: str,
           changes: dict[str, list[Any]] | None = None, *, person_id: int | None = None,
           note: str | None = None, import_run: int | None = None) -> AuditEntry:
    payload = None
    if changes:
        payload = json.dumps({k: [plain(v[0]), plain(v[1])] for k, v in changes.items()},
                             ensure_ascii=False)
    created_entry = AuditEntry.create(
        at=now(), user=current_user(), entity=entity, entity_id=entity_id, action=action,
        changes=payload, person_id=person_id, note=note, import_run=import_run,
    )
    # every service write passes here: the other users and processes hear of it once committed
    others_changes.written(database.obj, is_postgres(), [(entity, entity_id)],
                           (created_entry.id, created_entry.id))
    return created_entry


_SIMPLE = frozenset((type(None), bool, int, float, str))  # what ``plain`` returns unchanged
_COLUMNS = ("at", "user", "entity", "entity_id", "action", "changes", "person_id", "note",
            "import_run")
_CHUNK = 1000
_COPY_CHUNK = 20_000  # rows per COPY: bounded memory for the text
# what json.dumps(..., ensure_ascii=False) uses, built once instead of once per entry
_JSON = json.JSONEncoder(ensure_ascii=False)
# The same text from the standard library's public encoder, kept for every entry, without the
# circular-reference bookkeeping (a dict of [old, new] pairs of field values cannot need it);
# anything the JSON module does not know goes through ``plain``, as ``record`` does. orjson was
# measured too but writes compact JSON ('"status":[' where the readers look for '"status": [')
# and other float and NaN spellings, so it cannot give the same bytes.
_PAIR_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False, default=plain)
# The C encoder ``_PAIR_JSON.encode`` builds on every call, built once (its exact arguments):
# the same text without two Python frames and a new encoder per entry.
_PAIR_C = (c_make_encoder(None, plain, encode_basestring, None, ": ", ", ", False, False, True)
           if c_make_encoder is not None else None)
_PAIR_TYPES = frozenset((list, tuple))
_TWO = frozenset((2,))
_CONTAINERS = frozenset((list, tuple, dict))
# The columns of an entry record_many takes from each row (after at and user), with the type
# the driver takes as it is; a row may leave out any but entity and action.
_ENTRY_COLUMNS: tuple[tuple[str, type], ...] = (
    ("entity", str), ("entity_id", int), ("action", str), ("changes", str),  # changes: JSON
                  ("person_id", int), ("note", str), ("import_run", int))
_GETTERS = {name: (itemgetter(name) if name in ("entity", "action") else methodcaller("get", name))
            for name, _kind in _ENTRY_COLUMNS}
_AS_IT_IS: dict[type, frozenset[type]] = {str: frozenset((str, type(None))),
                                           int: frozenset((int, type(None)))}


def _changes_json(changes: dict[str, list[Any]] | None) -> str | None:
    if not changes:
        return None
    if changes.__class__ is PlainPairs and _PAIR_C is not None:
        return "".join(_PAIR_C(changes, 0))  # what the checks below would find: the same text
    pairs = changes.values()
    if (_PAIR_TYPES.issuperset(map(type, pairs))
            and _TWO.issuperset(map(len, pairs))
            and _CONTAINERS.isdisjoint(map(type, chain.from_iterable(pairs)))):
        # [old, new] pairs of plain values (the checks above run in C): the same text as below
        if _PAIR_C is not None:
            return "".join(_PAIR_C(changes, 0))
        return _PAIR_JSON.encode(changes)
    simple = _SIMPLE
    return _JSON.encode({k: [v[0] if v[0].__class__ in simple else plain(v[0]),
                           v[1] if v[1].__class__ in simple else plain(v[1])]
                       for k, v in changes.items()})


def record_many(rows: list[dict[str, Any]]) -> None:
    """Bulk insert for imports: one entry per changed record without a query per row.

    Written as tuples through the driver (``executemany`` on SQLite, ``execute_values`` on
    PostgreSQL) on the caller's connection, so inside its transaction: the same columns and
    values ``record`` stores, without Peewee building a query from a dict per row, which cost
    ~10x more at 150,000 entries.
    """
    if not rows:
        return
    # Column by column (C loops: a getter over the rows, the set of types seen): db_value only
    # where a value is not already the text or whole number the driver takes.
    columns: list[list[Any]] = []
    for name, _kind in _ENTRY_COLUMNS:
        values = list(map(_GETTERS[name], rows))
        if name == "changes":
            values = list(map(_changes_json, values))
        columns.append(values)
    _insert(columns, lambda: [(r["entity"], r.get("entity_id")) for r in rows])


def record_created(entity: str, ids: Sequence[int], rows: Sequence[dict[str, Any]],
                   person_ids: Sequence[int | None], *, note: str | None = None,
                   import_run: int | None = None) -> None:
    """The entries a bulk create writes (``EntityService.create_many``): for each new record
    ``ids[i]`` made from ``rows[i]``, what ``record_many([entry(entity, id, "create",
    created(row), person_id=..., note=note, import_run=import_run)])`` stores, the same text
    to the byte, without an entry dict and a changes dict per record (``created_json``)."""
    if not rows:
        return
    texts = created_json(rows)
    if texts is None:  # a value that is a container: each entry as ``record`` writes it
        record_many([entry(entity, new_id, "create", created(values), person_id=person,
                           note=note, import_run=import_run)
                     for values, new_id, person in zip(rows, ids, person_ids, strict=True)])
        return
    n = len(rows)
    if len(ids) != n or len(person_ids) != n:
        raise ValueError("one id and one person per row")
    _insert([[entity] * n, list(ids), ["create"] * n, texts, list(person_ids), [note] * n,
             [import_run] * n], lambda: [(entity, i) for i in ids])


def created_json(rows: Sequence[dict[str, Any]]) -> list[str | None] | None:
    """``_changes_json(created(row))`` for every row: the entry's JSON text, or None where a
    row gives no value; None for all when a value is a list, tuple or dict (those are written
    as ``record`` writes them, through ``created``).

    Column by column rather than a dict of ``[None, value]`` pairs per row encoded one by one
    (with an entry dict per record, ~1 s of a 50,000-school import's Python, profiled): rows
    whose keys come in the same order share a layout, each key's ``"key": [null, `` is made
    once, each column's values are encoded by the very functions the C encoder calls for them
    (``encode_basestring`` for text, ``int``'s repr, the encoder itself for anything else),
    and each row's text is its pieces joined."""
    if _PAIR_C is None:
        return None
    layouts = list(map(tuple, rows))  # a dict's keys, in its order
    first = layouts[0] if layouts else ()
    if layouts.count(first) == len(layouts):
        groups: dict[tuple[Any, ...], list[int]] = {first: []}
        whole = True
    else:
        groups = {}
        for i, layout in enumerate(layouts):
            groups.setdefault(layout, []).append(i)
        whole = False
    texts: list[str | None] = [None] * len(rows)
    for layout, where in groups.items():
        part = rows if whole else [rows[i] for i in where]
        if not layout:
            continue  # no value at all: no changes, as an empty ``created`` gives
        if not all(k.__class__ is str for k in layout):
            return None
        columns = [list(map(itemgetter(key), part)) for key in layout]
        kinds_of = [set(map(type, values)) for values in columns]
        if all(kinds <= _ONLY_TEXT or kinds <= _ONLY_WHOLE for kinds in kinds_of):
            # Every value of every row there, each text or a whole number (a new school's
            # values, a head's name): each row is one template filled in (``%`` in C) with its
            # values encoded a column at a time, not a piece per value joined (50,000 schools'
            # entries 0.22 -> 0.18 s: BENCHMARKS.md, G10). The same text as below.
            template = "{" + ", ".join(
                f"{encode_basestring(key).replace('%', '%%')}: [null, %s]" for key in layout) + "}"
            filled: list[str | None] = [template % values for values in zip(*[
                list(map(encode_basestring if kinds <= _ONLY_TEXT else int.__repr__, values))
                for values, kinds in zip(columns, kinds_of, strict=True)], strict=True)]
            if whole:
                return filled
            for i, filled_text in zip(where, filled, strict=True):
                texts[i] = filled_text
            continue
        if all(kinds <= _TEXT or kinds <= _WHOLE for kinds in kinds_of):
            found = _filled_around_none(layout, columns, kinds_of)
        else:
            pieces = []
            for key, values, kinds in zip(layout, columns, kinds_of, strict=True):
                if not _CONTAINERS.isdisjoint(kinds):
                    return None
                head = f"{encode_basestring(key)}: [null, "
                if kinds <= _TEXT:
                    pieces.append([None if v is None else f"{head}{encode_basestring(v)}]"
                                   for v in values])
                elif kinds <= _WHOLE:
                    pieces.append([None if v is None else f"{head}{v!r}]" for v in values])
                else:
                    pieces.append([None if v is None else f"{head}{''.join(_PAIR_C(v, 0))}]"
                                   for v in values])
            made = [", ".join(filter(None, row)) for row in zip(*pieces, strict=True)]
            found = [f"{{{text}}}" if text else None for text in made]
        if whole:
            return found
        for i, text in zip(where, found, strict=True):
            texts[i] = text
    return texts


def _filled_around_none(layout: tuple[str, ...], columns: list[list[Any]],
                        kinds_of: list[set[type]]) -> list[str | None]:
    """``created_json``'s texts for rows of one layout whose values are text, whole numbers
    and None (a value None is left out of an entry): the rows grouped by which of their values
    are None, each group's rows one template filled in as for rows with no None (a head's
    person without an email, a role without a start date: the pieces joined per row cost
    about twice as much). The same text as the pieces give."""
    count = len(columns[0])
    gaps = [n for n, kinds in enumerate(kinds_of) if _NONE in kinds]
    encode = [encode_basestring if kinds <= _TEXT else int.__repr__ for kinds in kinds_of]
    groups: dict[tuple[bool, ...], list[int]] = {} if gaps else {(): list(range(count))}
    if gaps:
        for i, given in enumerate(zip(*[list(map(is_not, columns[n], repeat(None))) for n in gaps],
                                      strict=True)):
            groups.setdefault(given, []).append(i)
    texts: list[str | None] = [None] * count
    for given, where in groups.items():
        kept = [n for n in range(len(layout)) if n not in gaps or given[gaps.index(n)]]
        if not kept:
            continue  # no value at all: no text, as an empty ``created`` gives
        template = "{" + ", ".join(
            f"{encode_basestring(layout[n]).replace('%', '%%')}: [null, %s]" for n in kept) + "}"
        if len(where) == count:
            encoded = [list(map(encode[n], columns[n])) for n in kept]
        elif len(where) == 1:
            encoded = [[encode[n](columns[n][where[0]])] for n in kept]
        else:
            pick = itemgetter(*where)
            encoded = [list(map(encode[n], pick(columns[n]))) for n in kept]
        for i, values in zip(where, zip(*encoded, strict=True), strict=True):
            texts[i] = template % values
    return texts


_NONE = type(None)
_TEXT = frozenset((str, type(None)))
_WHOLE = frozenset((int, type(None)))  # exactly int: a bool is encoded as true / false
_ONLY_TEXT = frozenset((str,))
_ONLY_WHOLE = frozenset((int,))


def _insert(columns: list[list[Any]], about: Callable[[], list[tuple[str, int | None]]]) -> None:
    """Insert entries given as the ``_ENTRY_COLUMNS`` columns (``changes`` already JSON), each
    with the same ``at`` and ``user``; ``about()``: the (entity, id) each concerns, for the
    other users' notice (PostgreSQL)."""
    fields = AuditEntry._meta.fields
    count = len(columns[0])
    at = fields["at"].db_value(now())
    user = fields["user"].db_value(current_user())
    postgres = is_postgres()
    if not postgres and isinstance(at, datetime):
        at = at.isoformat(" ")  # what sqlite3's default adapter stores, once rather than per row
    for n, (name, kind) in enumerate(_ENTRY_COLUMNS):
        values = columns[n]
        if name != "changes" and not _AS_IT_IS[kind].issuperset(map(type, values)):
            convert = fields[name].db_value
            columns[n] = [v if v is None or v.__class__ is kind else convert(v) for v in values]
    quote = database.quote
    table = f"{quote[0]}{AuditEntry._meta.table_name}{quote[1]}"
    names = ", ".join(f"{quote[0]}{fields[n].column_name}{quote[1]}" for n in _COLUMNS)
    cursor = database.cursor()
    if postgres:
        prepared = list(zip(repeat(at, count), repeat(user, count), *columns, strict=True))
        others_changes.written(database.obj, True, about(), None)
        parts = [_copy_data(prepared[i:i + _COPY_CHUNK])
                 for i in range(0, len(prepared), _COPY_CHUNK)]
        if all(part is not None for part in parts):
            for part in parts:
                cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.StringIO(part))
            return
        from psycopg2.extras import execute_values

        execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s", prepared,
                       page_size=_CHUNK)
        return
    # Multi-row INSERTs of _CHUNK rows (about half SQLite's time for executemany's one
    # statement per row, measured at 150,000 entries), a value all of them share bound once.
    for i in range(0, count, _CHUNK):
        n = min(_CHUNK, count - i)
        sql, params = bulk_values_sql(table, names, [[at] * n, [user] * n]
                                      + [values[i:i + n] for values in columns])
        cursor.execute(sql, params)
        # one statement's rows take consecutive ids, the last one reported
        last = cursor.lastrowid
        first_id = last - n + 1 if isinstance(last, int) and last else None
        others_changes.written(database.obj, False, [],
                               (first_id, last) if first_id is not None else None)


class _NotPlain(Exception):
    pass


def _copy_data(prepared: list[tuple[Any, ...]]) -> str | None:
    """The rows as COPY text-format data, or None when a value is not text, a whole number or
    NULL (then the caller inserts them as before). COPY is PostgreSQL's bulk path: several
    times less server work than multi-row INSERTs of the same values."""
    texts: dict[str, str] = {}

    def field(value: Any) -> str:
        if value is None:
            return null
        if value.__class__ is int:
            return str(value)
        if value.__class__ is str:
            found = texts.get(value)
            if found is None:
                found = texts[value] = copy_text(value)
            return found
        raise _NotPlain

    null = "\\N"
    lines = []
    first = None
    try:
        for at, user, entity, entity_id, action, changes, person_id, note, run in prepared:
            if first is None or first[0] is not at or first[1] is not user:
                stamp = at.isoformat(" ") if isinstance(at, datetime) else field(at)
                first = (at, user, f"{stamp}\t{field(user)}\t")
            lines.append(
                f"{first[2]}{field(entity)}\t"
                f"{str(entity_id) if entity_id.__class__ is int else field(entity_id)}\t"
                f"{field(action)}\t"
                f"{null if changes is None else copy_text(changes)}\t"
                f"{str(person_id) if person_id.__class__ is int else field(person_id)}\t"
                f"{field(note)}\t"
                f"{str(run) if run.__class__ is int else field(run)}\n")
    except _NotPlain:
        return None
    return "".join(lines)


def changes_of(entry: AuditEntry) -> dict[str, list[Any]]:
    return json.loads(entry.changes) if entry.changes else {}


def history(entity: str, entity_id: int) -> ModelSelect[AuditEntry]:
    return (AuditEntry.select()
            .where((AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def latest_id(entity: str, entity_id: int) -> int:
    """The newest entry about a record (0: none): an editor notes it before saving, to find
    the entry its save adds (``edit_since``) for Edit > Undo."""
    newest = (AuditEntry.select(AuditEntry.id)
              .where((AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id))
              .order_by(AuditEntry.id.desc()).first())
    return newest.id if newest is not None else 0


def edit_since(entity: str, entity_id: int, after: int) -> AuditEntry | None:
    """The newest edit ("update") of a record recorded after entry ``after``, or None."""
    found: AuditEntry | None = (
        AuditEntry.select()
        .where((AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id)
               & (AuditEntry.id > after) & (AuditEntry.action == "update"))
        .order_by(AuditEntry.id.desc()).first())
    return found
