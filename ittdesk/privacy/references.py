"""Where a person can be referenced, found by introspection so that new tables are never missed.

The subject-access export, the erasure and the retention review all start from
``person_references()``: every ``ForeignKeyField`` to ``Person`` in ``ALL_MODELS`` plus
``AuditEntry.person_id`` (a plain integer so that history survives deletes). A table added later
with a person reference shows up here at once; the tests then fail until the export covers it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from peewee import CharField, Field, ForeignKeyField, Model, ModelSelect, TextField

from ..models import ALL_MODELS, AuditEntry, Person
from ..models.base import BaseModel, SortKeyField


@dataclass(frozen=True)
class Reference:
    """One column that can name a person: ``model.field``."""

    model: type[BaseModel]
    field: str

    @property
    def key(self) -> str:
        return f"{self.model._meta.table_name}.{self.field}"

    @property
    def column(self) -> Field[Any]:
        column: Field[Any] = getattr(self.model, self.field)
        return column

    def __str__(self) -> str:
        return self.key


def person_references() -> list[Reference]:
    """Every column in the schema that refers to a person, in table order."""
    refs = []
    for model in ALL_MODELS:
        for field in model._meta.sorted_fields:
            if isinstance(field, ForeignKeyField) and field.rel_model is Person:
                refs.append(Reference(model, field.name))
    refs.append(Reference(AuditEntry, "person_id"))
    return refs


def text_columns(model: type[Model]) -> list[Field[Any]]:
    """The text columns of ``model`` (where a copied name or email could sit)."""
    plain = (CharField.db_value, TextField.db_value)
    return [f for f in model._meta.sorted_fields
            if isinstance(f, (CharField, TextField)) and not isinstance(f, ForeignKeyField)
            and type(f).db_value in plain  # e.g. an academic-year field is not free text
            and not isinstance(f, SortKeyField)]  # derived from the name beside it


def subject(person_id: int) -> tuple[Person, bool]:
    """The person, or for a deleted one a copy rebuilt from their delete entry (not saved).

    Deleting a person keeps the whole record in the audit trail (so it can be undone); a
    subject-access export and an erasure must reach that copy too. Returns (person, exists).
    """
    person = Person.get_or_none(Person.id == person_id)
    if person is not None:
        return person, True
    entry = (AuditEntry.select()
             .where((AuditEntry.entity == "person") & (AuditEntry.entity_id == person_id)
                    & (AuditEntry.action == "delete"))
             .order_by(AuditEntry.id.desc()).first())
    if entry is None:
        from ..errors import NotFoundError

        raise NotFoundError(f"No person with id {person_id}")
    try:
        values = {k: v[0] for k, v in json.loads(entry.changes or "{}").items() if isinstance(v, list)}
    except ValueError:
        values = {}
    ghost = Person(id=person_id, title=values.get("title"),
                   first_name=values.get("first_name") or "", last_name=values.get("last_name") or "",
                   email=values.get("email"), phone=values.get("phone"), trn=values.get("trn"),
                   notes=values.get("notes"), erased=bool(values.get("erased")),
                   no_newsletters=bool(values.get("no_newsletters")))
    return ghost, False


def current_life(entity: str, entity_id: int) -> tuple[int, int | None]:
    """(first, last) audit entry ids of the record now holding this id; last None while it exists.

    SQLite may give a new record the id of a deleted one, so a record's entries are split into
    lives: a delete followed by a create starts a new life (a delete followed by a restore is
    the same record brought back). An existing record owns the last life; a deleted one the
    life its last delete ended.
    """
    rows = cast("Iterable[tuple[int, str]]",
                AuditEntry.select(AuditEntry.id, AuditEntry.action)
                .where((AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id))
                .order_by(AuditEntry.id).tuples())
    start: int = 0
    last_action: str | None = None
    last_delete: int | None = None
    for entry_id, action in rows:
        if last_action == "delete" and action == "create":
            start = entry_id
        if action == "delete":
            last_delete = entry_id
        last_action = action
    if last_action == "delete":
        return start, last_delete
    return start, None


def entries_about(person_id: int) -> ModelSelect[AuditEntry]:
    """The audit entries about a person (their record and everything tagged with them), only
    from the life of the person who holds (or last held) this id."""
    start, end = current_life("person", person_id)
    query = AuditEntry.select().where(
        ((AuditEntry.person_id == person_id)
         | ((AuditEntry.entity == "person") & (AuditEntry.entity_id == person_id)))
        & (AuditEntry.id >= start))
    if end is not None:
        query = query.where(AuditEntry.id <= end)
    return query


def name_patterns(person: Person) -> list[str]:
    """Strings that identify ``person`` when copied into other text: names, email, phone, TRN.

    First or last names alone are not included: they are shared by other people.
    """
    needles: list[str] = []
    first, last = (person.first_name or "").strip(), (person.last_name or "").strip()
    if first and last:
        needles += [f"{first} {last}", f"{last}, {first}", f"{last} {first}", f"{first[0]}. {last}"]
        if person.title:
            needles.append(f"{person.title.strip()} {last}")
    for value in (person.email, person.trn):
        if value and len(value.strip()) >= 4:
            needles.append(value.strip())
    if person.phone and len(re.sub(r"\D", "", person.phone)) >= 6:
        needles.append(person.phone.strip())
    seen: set[str] = set()
    result: list[str] = []
    for needle in needles:
        if needle.lower() not in seen:
            seen.add(needle.lower())
            result.append(needle)
    return result


def mention_regex(needles: list[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching any needle as whole words."""
    if not needles:
        return None
    parts = sorted((re.escape(n) for n in needles), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def mentions(person: Person) -> list[tuple[type[BaseModel], Field[Any], int]]:
    """(model, column, row id) of every text value, in any table, that copies the person's
    full name, email, phone or TRN (the person's own record excepted)."""
    needles = name_patterns(person)
    regex = mention_regex(needles)
    if regex is None:
        return []
    found: list[tuple[type[BaseModel], Field[Any], int]] = []
    for model in ALL_MODELS:
        for column in text_columns(model):
            condition = None
            for needle in needles:
                term = column.contains(needle)
                condition = term if condition is None else condition | term
            query = model.select(model.id, column).where(condition)
            if model is Person:
                query = query.where(Person.id != person.id)
            rows = cast("Iterable[tuple[int, str | None]]", query.tuples())
            for row_id, value in rows:
                if value and regex.search(value):
                    found.append((model, column, row_id))
    return found
