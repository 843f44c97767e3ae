"""One DatabaseProxy and one BaseModel: every model binds to whichever database is open."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

from peewee import (
    SQL,
    AutoField,
    CharField,
    Check,
    Context,
    DatabaseProxy,
    Field,
    IntegerField,
    Model,
    ModelInsert,
    NodeList,
    PostgresqlDatabase,
)

from ..academic_year import AcademicYear
from ..choices import Choices

database = DatabaseProxy()


def is_postgres() -> bool:
    """Whether the bound database is PostgreSQL (where SQL differs: COPY, ILIKE, triggers)."""
    return isinstance(database.obj, PostgresqlDatabase)


#: PostgreSQL's counterpart of SQLite's write lock, taken by ``writing()`` (an advisory lock's
#: key, below 2**31 as ``maintenance.KEY`` is; ``pg_locks`` shows it as objid 130001).
WRITE_LOCK_KEY = 13_0001


def writing(*, row_locked: bool = False) -> Any:
    """The transaction for a write that reads first: one such write at a time, the others
    waiting their turn. On SQLite ``BEGIN IMMEDIATE`` (the write lock first): begun deferred,
    its read would be a snapshot another program may overtake, and the write then fails at once
    with "database is locked". On PostgreSQL a transaction that first takes ``WRITE_LOCK_KEY``
    (``pg_advisory_xact_lock``, let go at COMMIT or ROLLBACK): without it, two programs making a
    year's default rules at once both read "none yet" and the second failed on the unique key
    (a create-or-update of a setting or a saved mapping, the same). Nested: a savepoint.

    ``row_locked``: the write reads only the rows it changes, each locked as it is read
    (``SELECT ... FOR UPDATE``: an edit, a delete, an undo of an edit). On PostgreSQL that row
    lock is all it needs, and it takes no other: two people saving different records never wait
    for each other (the conflict check's figure in BENCHMARKS.md, 1.4x; 2.3x when every save
    took the lock)."""
    if database.in_transaction():
        return database.atomic()
    if is_postgres():
        return database.atomic() if row_locked else _one_writer_at_a_time()
    return database.atomic("IMMEDIATE")


@contextmanager
def _one_writer_at_a_time() -> Iterator[Any]:
    """PostgreSQL: a transaction holding ``WRITE_LOCK_KEY`` from its first statement. Waits as
    a row lock does (the app shows the save waiting); reads by others never wait for it."""
    with database.atomic() as transaction:
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        yield transaction


class BaseModel(Model):
    """Every table's base. Peewee adds ``id`` (and ``<fk>_id`` beside each foreign key) at run
    time; they are declared here and beside each foreign key as annotations only, so the type
    checker sees them: a column on the class, an ``int`` on a row."""

    id: AutoField[int]

    class Meta:
        database = database
        legacy_table_names = False


class Versioned(BaseModel):
    """A record people edit, which carries its ``version``: 1 when created, one more with every
    update in the same UPDATE (services' update, undo, bulk update), so an edit can say "only if
    it is still as I saw it" (``WHERE version = ?``) and no one's change is lost silently.

    ``DEFAULT 1`` in the table too, so a migration adds it to a table with rows (each gets 1)
    and any INSERT that names no version still starts at 1. Sorted last, where the migration's
    ``ADD COLUMN`` puts it, so a new table and a migrated one list their columns alike."""

    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])


# After every field the models declare (peewee orders fields by its creation counter; the
# attributes are peewee's own, not in its stubs).
_LAST: Any = Versioned.version
_LAST._order = 1 << 30
_LAST._sort_key = (2, _LAST._order)


def after_version(*fields: Any) -> None:
    """Columns a migration added after ``version`` (migration 13 on): sorted after it, in the
    order given, so a new table lists its columns as a migrated one does (ADD COLUMN appends)."""
    for step, column in enumerate(fields, start=1):
        column._order = (1 << 30) + step
        column._sort_key = (2, column._order)


@overload
def choice_field(choices: Choices, column: str, *, null: Literal[False] = ...,
                 **kwargs: Any) -> CharField[str]: ...
@overload
def choice_field(choices: Choices, column: str, *, null: Literal[True],
                 **kwargs: Any) -> CharField[str | None]: ...
def choice_field(choices: Choices, column: str, *, null: bool = False,
                 **kwargs: Any) -> CharField[str] | CharField[str | None]:
    """A short text column whose values the database itself restricts to ``choices``."""
    allowed = ", ".join("'" + key.replace("'", "''") + "'" for key in choices.keys)
    check = f"{column} IN ({allowed})"
    extra = list(kwargs.pop("constraints", ()))  # e.g. an SQL DEFAULT a migration needs
    # wide enough for the longest key (Register's withdrawal reasons run past 32 characters;
    # PostgreSQL refuses a longer value where SQLite would keep it)
    width = max(32, *(len(key) for key in choices.keys))
    if null:
        return CharField(max_length=width, null=True,
                         constraints=[Check(f"{column} IS NULL OR {check}"), *extra], **kwargs)
    return CharField(max_length=width, constraints=[Check(check), *extra], **kwargs)


# peewee's fields are generic in its stubs (the value a row holds) but not at run time.
if TYPE_CHECKING:
    _YearColumn = CharField[AcademicYear]
    _TextColumn = CharField[str]
else:
    _YearColumn = _TextColumn = CharField


class AcademicYearField(_YearColumn):
    """Stores ``2025/26`` as text (readable in exports, sorts correctly); gives AcademicYear."""

    if TYPE_CHECKING:  # peewee's stubs make CharField(...) a column of str; this one is not
        def __new__(cls, *args: Any, **kwargs: Any) -> AcademicYearField: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        super().__init__(*args, **kwargs)

    def db_value(self, value: AcademicYear | str | None) -> str | None:
        if value is None:
            return None
        return str(AcademicYear.parse(value))

    def python_value(self, value: str | None) -> AcademicYear | None:
        if value is None:
            return None
        return AcademicYear.parse(value)


class SortKeyField(_TextColumn):
    """A name's sort key (``ittdesk.sortkeys``): derived, never edited, not free text.

    NOT NULL with an SQL default of '' so that a migration can add it to a table with rows
    (SQLite adds a NOT NULL column only with a default); every write fills it in."""

    if TYPE_CHECKING:  # as AcademicYearField's: the subclass, not a plain CharField
        def __new__(cls, *args: Any, **kwargs: Any) -> SortKeyField: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("constraints", [SQL("DEFAULT ''")])
        super().__init__(*args, **kwargs)

    def ddl(self, ctx: Context) -> NodeList:
        """On PostgreSQL the column compares byte by byte (``COLLATE "C"``), as SQLite's does:
        a server set up in en_GB.UTF-8 would otherwise skip the space between a first and a
        last name's keys ("Anna Bell" before "Ann Smith"). Its index follows the column."""
        node = super().ddl(ctx)
        if ctx.state.field_types.get("BLOB") == "BYTEA":  # PostgreSQL's context (not SQLite's)
            node.nodes.append(SQL('COLLATE "C"'))
        return node


class SortKeyed(BaseModel):
    """A model whose ``SORT_KEYS`` (name field -> key field) are kept in step by every write
    through peewee: ``insert``, ``update``, ``save`` and ``create`` (all three go through
    ``_normalize_data``) and ``insert_many`` (dict rows, or tuples with ``fields``)."""

    SORT_KEYS: ClassVar[dict[str, str]] = {}
    _dirty: set[str]  # peewee's own: the names of fields changed since the row was read

    @classmethod
    def _normalize_data(cls, data: Any, kwargs: dict[str, Any]) -> Any:
        from ..sortkeys import key_fields, key_value

        # peewee's private hook that insert, update, save and create share (not in its stubs)
        normalized = super()._normalize_data(data, kwargs)  # type: ignore[misc]
        if isinstance(normalized, dict):
            for name, key in key_fields(cls).items():
                field = cls._meta.fields[name]
                if field in normalized:
                    normalized[key] = key_value(key, normalized[field])
        return normalized

    @classmethod
    def insert_many(cls, rows: Iterable[Any], fields: Sequence[Field[Any] | str] | None = None
                    ) -> ModelInsert:
        from ..sortkeys import key_fields, key_value

        keys = key_fields(cls)
        if fields is None:
            def keyed_dicts() -> Iterator[dict[Any, Any]]:
                for row in rows:
                    full = dict(row)
                    for name, key in keys.items():
                        field = cls._meta.fields[name]
                        if name in full:
                            full[key.name] = key_value(key, full[name])
                        elif field in full:
                            full[key] = key_value(key, full[field])
                    yield full
            return super().insert_many(keyed_dicts())
        columns: list[Field[Any]] = [cls._meta.fields[f] if isinstance(f, str) else f
                                     for f in fields]

        def place(field: Field[Any]) -> int | None:  # by identity: == builds an SQL expression
            return next((n for n, c in enumerate(columns) if c is field), None)

        wanted = [(source, k) for n, k in keys.items()
                  if (source := place(cls._meta.fields[n])) is not None]
        for _source, key in wanted:
            if place(key) is None:
                columns.append(key)
        places = [(source, place(key), key) for source, key in wanted]

        def keyed_tuples() -> Iterator[tuple[Any, ...]]:
            for row in rows:
                values: list[Any] = list(row) + [None] * (len(columns) - len(row))
                for source, at, key in places:
                    assert at is not None  # every key column was placed above
                    values[at] = key_value(key, values[source])
                yield tuple(values)
        return super().insert_many(keyed_tuples(), fields=columns)

    def save(self, force_insert: bool = False, only: Any = None) -> int:
        from ..sortkeys import key_fields, key_value

        for name, key in key_fields(type(self)).items():
            if name in self.__data__:
                self.__data__[key.name] = key_value(key, self.__data__[name])
                if name in self._dirty:
                    self._dirty.add(key.name)
        return super().save(force_insert=force_insert, only=only)


def tuples_of(query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as tuples, each value converted by its field (dates as dates)."""
    return list(query.tuples())
