"""Reading the audit trail: "who changed this, when, and from what to what".

``entries`` is the one query the CLI (``ittdesk audit``) and the History tab both use; ``Entry``
turns a stored row into words (field labels from the services, dates as people write them,
times in local time). Stored times are UTC.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from peewee import ForeignKeyField, ModelSelect

from .. import fields
from ..choices import Choices
from ..errors import ValidationError
from ..models import AuditEntry

if TYPE_CHECKING:
    from ..services.base import EntityService

ACTION_LABELS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "restore": "Restored",
    "import": "Imported",
    "erase": "Personal data erased",
    # a school's message log (ittdesk.outreach.drafts), shown in its History tab
    "email draft": "E-mail draft made",
    "email sent": "E-mail sent",
    "email failed": "E-mail not sent",
}


def services() -> dict[str, EntityService[Any]]:
    """entity name -> service, for field labels and record descriptions."""
    from ..services import agreements, events, people, programmes, schools
    from ..services.base import EntityService

    result: dict[str, EntityService[Any]] = {}
    for module in (schools, people, programmes, agreements, events):
        for value in vars(module).values():
            entity = getattr(value, "entity", None)
            if isinstance(entity, str) and isinstance(value, EntityService):
                result[entity] = value
    return result


def entity_kinds() -> list[str]:
    """Record kinds the audit can be asked about: the services' and whatever the table holds."""
    kinds = set(services()) | {"setting"}
    kinds |= set(AuditEntry.select(AuditEntry.entity).distinct().scalars())
    return sorted(kinds)


def parse_record(text: str) -> tuple[str, int]:
    """``person:12`` (or ``person#12``) -> ("person", 12); a person may be given by email."""
    match = re.fullmatch(r"\s*([A-Za-z_ ]+?)\s*[:#]\s*(\S+)\s*", text or "")
    if not match:
        raise ValidationError({"record": f"'{text}' is not a record: use KIND:ID, e.g. person:12"})
    kind = match.group(1).strip().lower().replace(" ", "_")
    key = match.group(2)
    kinds = entity_kinds()
    if kind not in kinds:
        raise ValidationError({"record": f"'{kind}' is not a kind of record (one of: {', '.join(kinds)})"})
    if kind == "person" and not key.isdigit():
        from ..services.people import people

        return kind, people.find(key).id
    if not key.isdigit():
        raise ValidationError({"record": f"'{key}' is not a record number"})
    return kind, int(key)


def local_to_utc(moment: datetime) -> datetime:
    return moment.astimezone().astimezone(UTC).replace(tzinfo=None)


def utc_to_local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def entries(*, since: date | None = None, until: date | None = None,
            record: tuple[str, int] | None = None, user: str | None = None,
            about_person: int | None = None, limit: int | None = None) -> ModelSelect[AuditEntry]:
    """Audit entries, newest first. ``since``/``until`` are local calendar days, inclusive."""
    query = AuditEntry.select()
    if since is not None:
        query = query.where(AuditEntry.at >= local_to_utc(datetime.combine(since, time.min)))
    if until is not None:
        query = query.where(AuditEntry.at < local_to_utc(datetime.combine(until + timedelta(days=1), time.min)))
    if record is not None:
        entity, entity_id = record
        condition = (AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id)
        if entity == "person" and about_person is None:
            about_person = entity_id
        if about_person is not None:
            condition = condition | (AuditEntry.person_id == about_person)
        query = query.where(condition)
    elif about_person is not None:
        query = query.where(AuditEntry.person_id == about_person)
    if user:
        query = query.where(AuditEntry.user == user)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit:
        query = query.limit(limit)
    return query


def users(record: tuple[str, int] | None = None, about_person: int | None = None) -> list[str]:
    """Everyone who appears in the entries (of a record), for a filter list."""
    query = entries(record=record, about_person=about_person)
    return sorted({e.user for e in query.select(AuditEntry.user)})


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def show_value(value: Any) -> str:
    """A stored audit value as a person would write it."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return fields.format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str

    def __str__(self) -> str:
        if self.old == "(empty)":
            return f"{self.label}: {self.new}"
        if self.new == "(empty)":
            return f"{self.label}: {self.old} -> (empty)"
        return f"{self.label}: {self.old} -> {self.new}"


@dataclass(frozen=True)
class Entry:
    """One audit entry in words."""

    id: int
    at: datetime  # local time
    user: str
    entity: str
    entity_id: int | None
    action: str
    changes: tuple[Change, ...]
    note: str | None
    person_id: int | None

    @property
    def when(self) -> str:
        return self.at.strftime("%d/%m/%Y %H:%M:%S")

    @property
    def record(self) -> str:
        label = self.entity.replace("_", " ")
        return f"{label} #{self.entity_id}" if self.entity_id is not None else label

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action.capitalize())

    @property
    def summary(self) -> str:
        parts = [str(c) for c in self.changes]
        if self.note:
            parts.append(f"({self.note})")
        return "; ".join(parts)

    def line(self) -> str:
        verb = "erased the personal data of" if self.action == "erase" else self.action_label.lower()
        text = f"{self.when}  {self.user}  {verb} {self.record}"
        return f"{text}: {self.summary}" if self.summary else text


def describe(entry: AuditEntry, labels: dict[str, dict[str, FieldInfo]] | None = None) -> Entry:
    labels = labels if labels is not None else field_labels()
    names = labels.get(entry.entity, {})
    try:
        raw = json.loads(entry.changes) if entry.changes else {}
    except ValueError:
        raw = {"changes": [None, entry.changes]}
    changes = []
    for name, pair in raw.items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        key = name[:-3] if name.endswith("_id") and name[:-3] in names else name
        info = names.get(key) or FieldInfo(key.replace("_", " ").capitalize())
        changes.append(Change(name, info.label, info.show(old), info.show(new)))
    return Entry(entry.id, utc_to_local(entry.at), entry.user, entry.entity, entry.entity_id,
                 entry.action, tuple(changes), entry.note, entry.person_id)


@dataclass(frozen=True)
class FieldInfo:
    """How to show one audited field: its label, and a vocabulary or referenced kind if any."""

    label: str
    vocabulary: Choices | None = None
    reference: str | None = None
    money: bool = False

    def show(self, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool) and self.money:
            return fields.format_money(value)
        if value not in (None, "") and self.vocabulary is not None:
            return self.vocabulary.label(value)
        if value not in (None, "") and self.reference:
            return f"{self.reference} #{value}"
        return show_value(value)


def field_labels() -> dict[str, dict[str, FieldInfo]]:
    """entity -> field name -> FieldInfo, from the services' own field declarations."""
    from ..services.base import Kind

    result: dict[str, dict[str, FieldInfo]] = {}
    for entity, service in services().items():
        infos = {}
        for f in service.fields:
            reference = (f.reference.model._meta.table_name.replace("_", " ")
                         if f.reference is not None else None)
            infos[f.name] = FieldInfo(f.label, f.choices, reference, f.kind is Kind.MONEY)
        result[entity] = infos
    return result


def described(query: Iterable[AuditEntry]) -> list[Entry]:
    labels = field_labels()
    return [describe(e, labels) for e in query]


def parts_of(entity: str) -> list[tuple[str, ForeignKeyField[Any]]]:
    """Kinds of record that are parts of ``entity`` (a foreign key to it that cascades, e.g. an
    agreement's parties, activities and signatures), found from the models: (entity, field)."""
    registry = services()
    parent = registry.get(entity)
    if parent is None:
        return []
    found: list[tuple[str, ForeignKeyField[Any]]] = []
    for child_entity, child in registry.items():
        for field in child.model._meta.sorted_fields:
            if (isinstance(field, ForeignKeyField) and field.rel_model is parent.model
                    and (field.on_delete or "").upper() == "CASCADE"):
                found.append((child_entity, field))
    return found


def has_related(entity: str) -> bool:
    """Whether a record of this kind has related entries a History tab can include."""
    return entity == "person" or bool(parts_of(entity))


def _part_entry_ids(entity: str, entity_id: int) -> set[int]:
    """Ids of the entries about the parts of a record, including parts since deleted.

    SQLite may give a new record the id of a deleted one, so a part's entries are split into
    lives at each delete: a deleted life belongs here when its delete snapshot names this
    record; the current life when the part still points here.
    """
    wanted: set[int] = set()
    for child_entity, field in parts_of(entity):
        live: set[int] = set(field.model.select(field.model.id).where(field == entity_id).scalars())
        marker = f'"{field.column_name}": [{entity_id}, '
        deleted: set[int] = set(AuditEntry.select(AuditEntry.entity_id).where(
            (AuditEntry.entity == child_entity) & (AuditEntry.action == "delete")
            & AuditEntry.changes.contains(marker)).scalars())
        candidates = live | deleted
        if not candidates:
            continue
        lives: dict[int | None, list[AuditEntry]] = {}
        query = (AuditEntry.select(AuditEntry.id, AuditEntry.entity_id, AuditEntry.action,
                                   AuditEntry.changes)
                 .where((AuditEntry.entity == child_entity) & AuditEntry.entity_id.in_(list(candidates)))
                 .order_by(AuditEntry.id))
        for entry in query:
            life = lives.setdefault(entry.entity_id, [])
            life.append(entry)
            if entry.action == "delete":
                if marker in (entry.changes or ""):
                    wanted |= {e.id for e in life}
                life.clear()
        for part_id, life in lives.items():
            if part_id in live:
                wanted |= {e.id for e in life}
    return wanted


def history(entity: str, entity_id: int, *, since: date | None = None, until: date | None = None,
            user: str | None = None, include_related: bool = True) -> tuple[list[Entry], list[str]]:
    """A record's history for its editor's History tab: (entries in words, everyone in it).

    ``include_related`` adds, for a person, the entries about their roles, enrolments and other
    records (``AuditEntry.person_id``); for a record with parts (an agreement's parties,
    activities, reports, spend, signatures), the entries about those parts.
    """
    from .references import current_life

    start, end = current_life(entity, entity_id)
    own = (AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id)
    condition = own
    if include_related:
        if entity == "person":
            condition = own | (AuditEntry.person_id == entity_id)
        else:
            related = _part_entry_ids(entity, entity_id)
            if related:
                condition = own | AuditEntry.id.in_(sorted(related))
    # Only this record's life: SQLite may have reused the id of a deleted record.
    condition = condition & (AuditEntry.id >= start)
    if end is not None:
        condition = condition & (AuditEntry.id <= end)
    query = entries(since=since, until=until, user=user).where(condition)
    names = sorted({e.user for e in AuditEntry.select(AuditEntry.user).where(condition).distinct()})
    return described(query), names
