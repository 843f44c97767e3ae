"""Bulk helpers the import kinds share: lookups by key in chunks, inserts that return ids,
names split into parts, the people and schools a file refers to.

Nothing here runs a query per row: keys are looked up in chunks of ``CHUNK``.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple, TypeVar, cast

from peewee import SQL, Model, fn

from .. import fields as F
from ..choices import HEAD_KINDS, ROLE_KINDS
from ..models import Person, Role, School
from ..services.bulk import CHUNK as CHUNK  # re-exported: the lookups' chunk size, shared
from ..services.bulk import chunks as chunks

M = TypeVar("M", bound=Model)
DriverRow = tuple[Any, ...]  # a row as the database driver returns it

TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "rev", "revd", "sir", "dame",
          "lady", "lord", "fr"}


def key_in(field: Any, values: Sequence[Any]) -> SQL:
    """``field IN (values)`` as one SQL fragment: Peewee builds ``field.in_(values)`` value by
    value, which costs more than the query itself at 100,000 keys (BENCHMARKS.md, "Figures
    behind the code's comments"). The column is not qualified, so
    only for queries whose tables do not share its name."""
    database = field.model._meta.database
    quote = database.quote
    marks = ", ".join([database.param] * len(values))
    return SQL(f"{quote[0]}{field.column_name}{quote[1]} IN ({marks})", list(values))


def models_where_in(model: type[M], key: str, values: Iterable[Any]) -> list[M]:
    """The records whose ``key`` is one of ``values``, as models: the keys matched by plain SQL
    first (:func:`rows_where_in`), then only the records found loaded (often none: a file's
    trainee ids that are new).

    The keys are read by :func:`rows_named` (every row once when the file names most of
    the table: 100,000 new trainee IDs were 200 look-ups of 500 keys into an enrolment table
    with no rows)."""
    wanted = set(values)
    wanted.discard(None)
    if not wanted:
        return []
    ids = [row[0] for row in rows_named(model, ("id", key), key, wanted)]
    found: list[M] = []
    for part in chunks(sorted(ids)):
        found.extend(model.select().where(key_in(model._meta.primary_key, part)))
    return found


def schools_by_urn(urns: Iterable[int]) -> dict[int, School]:
    return {school.urn: school for school in models_where_in(School, "urn", urns)}


def school_rows_by_urn(urns: Iterable[int], names: Sequence[str]) -> dict[int, Any]:
    """URN -> the school's ``id``, ``urn`` and ``names`` as a named tuple, converted as the
    model converts them (dates, choices): a plan that compares a file with the schools it
    names holds what it compares, not a model instance each. 50,000 School instances held
    ~150 MB in the GIAS re-import's plan, most of its peak (BENCHMARKS.md, U8)."""
    wanted = set(urns)
    wanted.discard(None)
    if not wanted or School.select(fn.MAX(School.id)).scalar() is None:
        # No school stored (the first import into a database) has none to find: the GIAS
        # plan's 100 look-ups of 500 URNs cost ~0.1 s of peewee handling each parameter.
        return {}
    columns = ("id", "urn", *[n for n in names if n not in ("id", "urn")])
    fields = [School._meta.fields[n] for n in columns]
    # One class for every row, and rows not cached by the query: peewee's namedtuples() makes
    # a class per query, and its cached rows stayed in cyclic garbage after the plan.
    row_class: Any = namedtuple("SchoolRow", columns)  # type: ignore[misc]  # columns vary
    make = row_class._make
    found: dict[int, Any] = {}
    for part in chunks(sorted(wanted)):
        query = School.select(*fields).where(key_in(School.urn, part)).tuples()
        for row in query.iterator():
            found[row[1]] = make(row)
    return found


def no_school(urn: Any) -> str:
    """The refusal for a row naming a school the database does not have yet."""
    return f"there is no school with URN {urn}: import the school first"


#: A school as people, enrolments and placements refer to it: (id, name).
SchoolRef = tuple[int, str]
#: Who a planned row is about: a stored person's id, or ("new", the row that adds them).
Token = int | tuple[str, int]


def school_ids_by_urn(urns: Iterable[int]) -> dict[int, SchoolRef]:
    """URN -> (id, name), for references from people, enrolments and placements."""
    return {urn: (sid, name) for sid, urn, name in rows_where_in(School, ("id", "urn", "name"), "urn", urns)}


def people_by_email(emails: Iterable[str | None]) -> dict[str, Person]:
    wanted = sorted(set(e for e in emails if e))
    found: dict[str, Person] = {}
    for part in chunks(wanted):
        for person in Person.select().where(key_in(Person.email, part)):
            found[cast(str, person.email)] = person  # matched on it: not null
    return found


def people_by_trn(trns: Iterable[str | None]) -> dict[str, Person]:
    wanted = sorted(set(t for t in trns if t))
    found: dict[str, Person] = {}
    for part in chunks(wanted):
        for person in Person.select().where(key_in(Person.trn, part)):
            found[cast(str, person.trn)] = person  # matched on it: not null
    return found


class PersonRow(NamedTuple):
    """A person as an import plan reads them: a Person's columns and ``full_name``, without a
    Peewee model built per row (66,666 people matched by one enrolments file). The columns are
    people.fields, and erased; booleans are 0/1 on SQLite."""

    id: int
    title: str | None
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    trn: str | None
    notes: str | None
    no_newsletters: bool
    date_of_birth: date | None
    erased: bool

    @property
    def full_name(self) -> str:  # as Person.full_name
        if self.erased:
            return f"erased person #{self.id}"
        return " ".join(p for p in (self.first_name, self.last_name) if p)


PERSON_COLUMNS: tuple[str, ...] = PersonRow._fields
_BIRTH = PERSON_COLUMNS.index("date_of_birth")


def person_rows_by(name: str, values: Iterable[Any]) -> dict[Any, PersonRow]:
    """``name`` (a unique column: id, email, trn) -> the person holding each of ``values``.

    The people are read by :func:`rows_named` (every person once when the file names at
    least as many keys as there are people)."""
    index = PERSON_COLUMNS.index(name)
    make = PersonRow._make
    wanted = {v for v in values if v}
    if not wanted:
        return {}
    rows = rows_named(Person, PERSON_COLUMNS, name, wanted)
    return {row[index]: make(_as_dates(row)) for row in rows}


def _as_dates(row: DriverRow) -> DriverRow:
    """The row with its date of birth a date: SQLite's driver gives the stored ISO text, and a
    plan compares it with the file's parsed date."""
    born = row[_BIRTH]
    if born.__class__ is str:
        return (*row[:_BIRTH], date.fromisoformat(born[:10]), *row[_BIRTH + 1:])
    return row


def rows_named(model: type[Model], columns: tuple[str, ...], key: str,
               wanted: set[Any]) -> list[DriverRow]:
    """The ``columns`` (``key`` among them) of the rows whose ``key`` is in ``wanted``.

    When there are at least as many keys as rows (``MAX(id)``: the first import into a
    database, or a file naming most of a table), every row is read once and kept if named:
    about half the time of the same keys looked up ``CHUNK`` at a time, which reads each named
    row through the index anyway. Else the keys are looked up (:func:`rows_where_in`)."""
    if len(wanted) < (model.select(fn.MAX(model._meta.primary_key)).scalar() or 0):
        return rows_where_in(model, columns, key, wanted)
    database = model._meta.database
    fields, (open_q, close_q) = model._meta.fields, database.quote
    selected = ", ".join(f"{open_q}{fields[c].column_name}{close_q}" for c in columns)
    index = columns.index(key)
    return [row for row in database.execute_sql(
        f"SELECT {selected} FROM {open_q}{model._meta.table_name}{close_q}")
        if row[index] in wanted]


def rows_where_in(model: type[Model], columns: tuple[str, ...], key: str,
                  values: Iterable[Any]) -> list[DriverRow]:
    """The ``columns`` of the rows whose ``key`` is one of ``values``, as the driver returns
    them, a query per ``CHUNK`` keys. Written directly: peewee handles each parameter and each
    value in Python (more than the query itself, as above), and nothing here needs converting
    (text and whole-number keys; text, number and, on SQLite, 0/1 boolean columns)."""
    database = model._meta.database
    open_q, close_q = database.quote[0], database.quote[1]
    fields = model._meta.fields
    selected = ", ".join(f"{open_q}{fields[c].column_name}{close_q}" for c in columns)
    head = (f"SELECT {selected} FROM {open_q}{model._meta.table_name}{close_q} "
            f"WHERE {open_q}{fields[key].column_name}{close_q} IN (")
    found: list[DriverRow] = []
    wanted = set(values)
    wanted.discard(None)
    for part in chunks(sorted(wanted)):
        sql = head + ", ".join([database.param] * len(part)) + ")"
        found.extend(database.execute_sql(sql, part).fetchall())
    return found


def key_clash(label: str, value: Any, row: int) -> str:
    """Why a row is refused whose unique key (email, TRN) an earlier row gives another person."""
    return f"{label} {value} is also on row {row} for another person: keep one"


def name_key(first: str | None, last: str | None) -> tuple[str, str]:
    return (" ".join((first or "").split()).casefold(), " ".join((last or "").split()).casefold())


def person_ids_at_schools(school_ids: Iterable[int]) -> dict[tuple[int, tuple[str, str]], int]:
    """(school id, name key) -> person id, for anyone not erased who has ever had a role at
    those schools (the first such person where two share a name there). A plan that needs
    only whom to link takes these; :func:`people_at_schools` reads the people too."""
    wanted = sorted(set(s for s in school_ids if s is not None))
    found: dict[tuple[int, tuple[str, str]], int] = {}
    for part in chunks(wanted):
        query = (Role.select(Role.school, Person.id, Person.first_name, Person.last_name)
                 .join(Person)
                 .where(Role.school.in_(part) & (Person.erased == False))  # noqa: E712
                 .tuples())
        for school_id, person_id, first, last in query.iterator():
            found.setdefault((school_id, name_key(first, last)), person_id)
    return found


def people_at_schools(school_ids: Iterable[int]) -> dict[tuple[int, tuple[str, str]], Person]:
    """(school id, name key) -> person, for anyone who has ever had a role at those schools:
    :func:`person_ids_at_schools`'s matches, each person read once by id."""
    ids = person_ids_at_schools(school_ids)
    people = {p.id: p for part in chunks(sorted(set(ids.values())))
              for p in Person.select().where(key_in(Person.id, part))}
    return {key: people[person_id] for key, person_id in ids.items()}


def split_name(value: Any) -> tuple[str | None, str, str]:
    """'Mrs Siân O'Brien' -> ('Mrs', 'Siân', "O'Brien"); 'Brontë, Zoë' -> (None, 'Zoë', 'Brontë')."""
    text = " ".join(str(value).split())
    if "," in text:
        last, _, first = text.partition(",")
        parts = first.split()
        title = None
        if parts and parts[0].rstrip(".").lower() in TITLES:
            title, parts = parts[0], parts[1:]
        if not parts or not last.strip():
            raise ValueError(f"'{text}' is not a full name (first and last name)")
        return title, " ".join(parts), last.strip()
    parts = text.split()
    title = None
    if len(parts) > 2 and parts[0].rstrip(".").lower() in TITLES:
        title, parts = parts[0], parts[1:]
    if len(parts) < 2:
        raise ValueError(f"'{text}' is not a full name (first and last name)")
    # Particles stay with the surname: 'Ó Súilleabháin', 'van der Berg', 'de Souza'.
    cut = len(parts) - 1
    while cut > 1 and parts[cut - 1].lower() in {"van", "von", "der", "de", "da", "di", "le", "la",
                                                 "ó", "o", "mac", "mc", "st", "st.", "del", "dos"}:
        cut -= 1
    return title, " ".join(parts[:cut]), " ".join(parts[cut:])


def head_kind(job_title: Any) -> str:
    """GIAS HeadPreferredJobTitle (free text) -> a head role kind; unknown words -> headteacher."""
    if F.is_empty(job_title):
        return "headteacher"
    text = re.sub(r"head\s*-?\s*teacher", "headteacher", str(job_title).strip().lower())
    text = re.sub(r"^(acting|interim|substantive|temporary)\s+", "", text)
    kind = ROLE_KINDS.parse(text)
    return kind if kind in HEAD_KINDS else "headteacher"


def person_label(person: Person | PersonRow | dict[str, Any] | None) -> str:
    if person is None:
        return ""
    if isinstance(person, dict):
        return " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
    return person.full_name


def same_value(a: object, b: object) -> bool:
    """Whether two rows' values for one field agree: texts alike but for spacing and case."""
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return a == b


def value_column(columns: dict[str, str], name: str) -> str:
    """The file's column a person's field came from: a title or name part read out of a
    "Full name" column is that column's."""
    return columns.get(name) or (columns.get("full_name", "")
                                 if name in ("title", "first_name", "last_name") else "")
