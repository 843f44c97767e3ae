"""The shape every service shares: clean -> validate -> write in one transaction -> audit.

A service declares each field once (:class:`Field`: label, kind, vocabulary or referenced
record, default, maximum length; the parser is built from that), so editors, imports, exports
and the audit views read what a field is instead of working it out from its parser. The GUI
editors, the importer and the CLI all go through ``clean`` and ``validate``, so no rule is
written twice. Deleting a
record that others depend on is refused with the reason; a delete keeps the whole old record in
its audit entry, so ``undo_delete`` can bring it back. An edit from an older version merges or
is refused (``ConflictError``), never written over a change unseen. An import's bulk writes, the
same rows and audit entries by another path, are in ``bulk_writes``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from peewee import IntegrityError

from .. import audit
from ..errors import ConflictError, NotFoundError, RefusedError, ValidationError
from ..models import AuditEntry
from ..models.base import BaseModel, SortKeyField, Versioned, writing
from . import statements
from .bulk_writes import BulkWrites
from .declaration import Field as Field
from .declaration import Kind as Kind
from .declaration import Reference as Reference
from .memo import MEMO_LIMIT, ParseMemo, outcome_of, parse_with

M = TypeVar("M", bound=Versioned)


class EntityService(BulkWrites[M]):
    """Create, update, delete and find one kind of record; subclasses add their rules. The
    bulk writes imports call (``create_many`` / ``update_many``, and their hook ``person_of``)
    are inherited from :class:`~.bulk_writes.BulkWrites`."""

    model: type[M]
    entity: str  # the name audit entries and messages use, e.g. "school"
    label: str  # "School"
    fields: tuple[Field, ...] = ()

    # -- hooks for subclasses -------------------------------------------------------------
    def check(self, values: dict[str, Any], instance: M | None) -> dict[str, str]:
        """Cross-field and uniqueness rules: field -> message. ``values`` is the merged record."""
        return {}

    def warnings(self, values: dict[str, Any], instance: M | None) -> dict[str, str]:
        """Things worth saying that do not stop a save (e.g. a mentor over capacity)."""
        return {}

    def dependents(self, instance: M) -> list[str]:
        """What still refers to ``instance``, in words, e.g. ['3 placements']."""
        return []

    def person_id(self, instance: M) -> int | None:
        """The person an audit entry about ``instance`` concerns (for subject access/erasure)."""
        return None

    def describe(self, instance: M) -> str:
        return f"{self.label} #{instance.id}"

    def kept_with(self, instance: M) -> dict[str, Any]:
        """What goes when the record is deleted without being a column of it (a placement's
        mentors): name -> value, kept in the delete's audit entry so an undo can restore it."""
        return {}

    # -- the shared flow -----------------------------------------------------------------
    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def clean(self, data: dict[str, Any], *, partial: bool = False, memo: ParseMemo | None = None,
              names: Iterable[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
        """Parse raw values; returns (values, errors). Unknown keys are a programming error.

        ``memo`` (an import's plan): each field's outcome for a raw value is remembered and
        reused for the same value on a later row; a field that reads the database never is.
        ``names``: clean only those fields of ``data`` (an import row's cells, which hold other
        columns too), without copying them out first."""
        parsings, required = (memo if memo is not None else ParseMemo(remember=False)).table(self)
        if names is None:
            if not parsings.keys() >= data.keys():
                unknown = set(data) - set(parsings)
                raise KeyError(f"{self.entity} has no field(s) {sorted(unknown)}")
            names = data
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name in names:
            if name not in data:
                continue
            value = data[name]
            parsing = parsings[name]
            seen = parsing[2]
            if seen is not None and value.__class__ is str:  # parse_with's common case, written out
                found = seen.get(value)
                if found is None:
                    if len(seen) >= MEMO_LIMIT:  # capped as parse_with caps it (names, emails)
                        seen.clear()
                    found = seen[value] = outcome_of(parsing[1], value)
            else:
                found = parse_with(parsing, value)
            if found[0]:
                values[name] = found[1]
            else:
                errors[name] = f"{parsing[0]}: {found[1]}"
        if not partial:
            for name, label in required:
                if values.get(name) is None and name not in errors:
                    errors[name] = f"{label} is required"
        return values, errors

    def merged(self, instance: M | None, values: dict[str, Any]) -> dict[str, Any]:
        base = {f.name: getattr(instance, _attr(instance, f.name)) for f in self.fields} if instance else {}
        base.update(values)
        return base

    def prepare(self, data: dict[str, Any], instance: M | None = None) -> dict[str, Any]:
        """Clean and validate; raises ValidationError with every problem at once."""
        values, errors = self.clean(data, partial=instance is not None)
        if instance is None:
            for spec in self.fields:
                if spec.default is not None and values.get(spec.name) is None:
                    values[spec.name] = spec.default
        if instance is not None:
            for spec in self.fields:
                if spec.required and spec.name in values and values[spec.name] is None:
                    errors.setdefault(spec.name, f"{spec.label} is required")
        merged = self.merged(instance, values)
        if not errors:
            errors.update(self.check(merged, instance))
        if errors:
            raise ValidationError(errors)
        return values

    def get(self, record_id: int) -> M:
        instance = self.model.get_or_none(self.model.id == record_id)
        if instance is None:
            raise NotFoundError(f"No {self.entity} with id {record_id}")
        return instance

    def versions(self, ids: Iterable[int]) -> dict[int, int]:
        """Each record's version as it is now (records gone left out): what a user is shown
        before a delete or a status step, which the write then checks (``expected_version``)."""
        wanted = list(ids)
        if not wanted:
            return {}
        model = self.model
        found: dict[int, int] = {}
        for i in range(0, len(wanted), 900):  # a selection may be a whole list: bounded IN (...)
            query = model.select(model.id, model._meta.fields["version"]).where(
                model.id.in_(wanted[i:i + 900]))
            rows: Any = query.tuples()  # (id, version) pairs; peewee's stubs say records
            found.update(rows)
        return found

    def create(self, data: dict[str, Any]) -> M:
        values = self.prepare(data)
        with self._writing():  # the write lock at BEGIN, waiting its turn (see _writing)
            try:
                instance = self.model.create(**values)
            except IntegrityError as exc:
                raise ValidationError({"": f"{self.label} not saved: {_integrity_message(exc)}"}) from exc
            audit.record(self.entity, instance.id, "create", audit.created(values),
                         person_id=self.person_id(instance))
        return instance

    def update(self, record_id: int, data: dict[str, Any], *,
               expected_version: int | None = None) -> M:
        """Write the fields of ``data`` that differ from the record, checked by the rules.

        The row is read inside the write transaction (SQLite's write lock taken at BEGIN, the
        row locked on PostgreSQL) and only the changed columns are written, with ``version``
        one more, ``WHERE version =`` the one read: no one else's change in between is undone.
        ``expected_version``: the version the user saw. If the record moved on since, the
        fields changed meanwhile (its audit entries say which) are compared with the user's:
        none in common -> the user's are applied on top (a merge, checked by the same rules);
        one in common -> ``ConflictError``, nothing written. Without it the last save wins,
        for the fields it changes only."""
        with self._writing(row_locked=True):
            instance = self._locked(record_id)
            if expected_version is not None and instance.version != expected_version:
                data = self._merged_or_refused(instance, data, expected_version)
            values = self.prepare(data, instance)
            changes: dict[str, list[Any]] = {}
            for name, new in values.items():
                old = getattr(instance, _attr(instance, name))
                if old != new:
                    changes[name] = [old, new]
            if not changes:
                return instance
            self._write_changes(instance, changes, ValidationError)
            audit.record(self.entity, instance.id, "update", changes,
                         person_id=self.person_id(instance))
        return instance

    # -- versions: no lost update ---------------------------------------------------------
    def _writing(self, *, row_locked: bool = False) -> Any:
        """The transaction a write reads and writes in. On SQLite ``BEGIN IMMEDIATE`` (the
        write lock first, waiting its turn): begun deferred, a read would be a snapshot another
        process may overtake. On PostgreSQL a create takes ``writing``'s one-at-a-time lock (it
        checks, then inserts); an edit, delete or undo of an edit (``row_locked``) locks its row
        as it reads it (``_locked``) and needs nothing more."""
        return writing(row_locked=row_locked)

    def _locked(self, record_id: int) -> M:
        """The record as it is now, read inside the write transaction (``FOR UPDATE`` on
        PostgreSQL: another edit of it waits until this one commits)."""
        instance: M | None = statements.locked_row(self.model, record_id)  # built once
        if instance is None:
            raise NotFoundError(f"No {self.entity} with id {record_id}")
        return instance

    def _write_changes(self, instance: M, changes: dict[str, list[Any]],
                       refusal: type[Exception]) -> None:
        """``UPDATE`` the changed columns and ``version = version + 1`` where the version is
        still the one read (it is: the row was read under the write lock), and the instance
        after it. An integrity failure becomes ``refusal`` in words."""
        try:
            written = statements.write_changed(  # the statement built once per set of columns
                self.model, instance.id, instance.version,
                {name: new for name, (_old, new) in changes.items()})
        except IntegrityError as exc:
            if refusal is ValidationError:
                raise ValidationError({"": f"{self.label} not saved: {_integrity_message(exc)}"}) from exc
            raise refusal(f"Cannot undo: {_integrity_message(exc)}") from exc
        if written != 1:  # cannot happen under the lock; never write over a change unseen
            raise RefusedError(f"{self.describe(instance)} was changed by someone else meanwhile; "
                               "nothing was saved. Open it again to see the change.")
        for name, (_old, new) in changes.items():
            setattr(instance, _attr(instance, name), new)
        instance.version += 1

    def changed_since(self, instance: M, version: int) -> dict[str, Any]:
        """Field -> the value it had at ``version``, for every field changed since, read from
        the record's audit entries (each update, undo and bulk update is one entry and one
        version). Fields whose change the audit does not cover are left out."""
        moved = instance.version - version
        if moved <= 0:
            return {}
        entries = (AuditEntry.select(AuditEntry.changes)
                   .where((AuditEntry.entity == self.entity) & (AuditEntry.entity_id == instance.id)
                          & (AuditEntry.action == "update"))
                   .order_by(AuditEntry.id.desc()).limit(moved))
        seen: dict[str, Any] = {}
        for entry in entries:  # newest first: the oldest entry's "before" is what the user saw
            for name, (before, _after) in json.loads(entry.changes or "{}").items():
                field = self.model._meta.fields.get(name)
                if field is not None:
                    seen[name] = field.python_value(before) if before is not None else None
        return seen

    def _latest_entry(self, record_id: int) -> AuditEntry | None:
        latest: AuditEntry | None = (AuditEntry.select()
                .where((AuditEntry.entity == self.entity) & (AuditEntry.entity_id == record_id))
                .order_by(AuditEntry.id.desc()).first())
        return latest

    def _conflict(self, instance: M, fields: dict[str, tuple[Any, Any, Any]], *,
                  deleting: bool = False) -> ConflictError:
        latest = self._latest_entry(instance.id)
        labels = {name: self._label_of(name) for name in fields}
        return ConflictError(entity=self.entity, record_id=instance.id,
                             label=self.describe(instance), fields=fields, labels=labels,
                             who=latest.user if latest is not None else None,
                             when=latest.at if latest is not None else None,
                             current_version=instance.version,
                             deleting=deleting)

    def _label_of(self, name: str) -> str:
        try:
            return self.field(name).label
        except KeyError:
            return name.replace("_", " ").capitalize()

    def _merged_or_refused(self, instance: M, data: dict[str, Any], version: int) -> dict[str, Any]:
        """The user's ``data`` (edited from ``version``) to write over the record as it is now:
        fields others changed meanwhile that the user left as they were are dropped (theirs
        stays); a field both changed, differently, is a conflict."""
        seen = self.changed_since(instance, version)
        values, _errors = self.clean(data, partial=True)
        kept = dict(data)
        conflicts: dict[str, tuple[Any, Any, Any]] = {}
        for name in data:
            if name not in seen or name not in values:
                continue
            saw, yours = seen[name], values[name]
            theirs = getattr(instance, _attr(instance, name))
            if yours == saw or yours == theirs:
                del kept[name]  # the user did not change it, or made the same change
            else:
                conflicts[name] = (saw, theirs, yours)
        if conflicts:
            raise self._conflict(instance, conflicts)
        return kept

    def delete(self, record_id: int, *, expected_version: int | None = None) -> AuditEntry:
        """Delete, or refuse naming what depends on it. Returns the entry ``undo_delete`` takes.
        ``expected_version``: the version the user saw; if the record changed since, refused
        (``ConflictError``): what they would delete is not what they saw."""
        return self._delete(record_id, expected_version=expected_version)

    def _delete(self, record_id: int, *, expected_version: int | None = None,
                kept: dict[str, Any] | None = None) -> AuditEntry:
        """``delete``'s work; ``kept``: more to keep in the delete's entry beside ``kept_with``,
        known only to the caller (the records it deleted first, for ``undo_delete``)."""
        with self._writing(row_locked=True):
            instance = self._locked(record_id)
            if expected_version is not None and instance.version != expected_version:
                seen = self.changed_since(instance, expected_version)
                raise self._conflict(instance, {
                    name: (saw, getattr(instance, _attr(instance, name)), None)
                    for name, saw in seen.items()}, deleting=True)
            blocking = self.dependents(instance)
            if blocking:
                raise RefusedError(
                    f"{self.describe(instance)} cannot be deleted: it still has {', '.join(blocking)}. "
                    "Remove or move those first."
                )
            snapshot = {name: [value, None] for name, value in _row_values(instance).items()}
            snapshot.update({name: [value, None] for name, value in
                             {**self.kept_with(instance), **(kept or {})}.items()})
            entry = audit.record(self.entity, instance.id, "delete", snapshot,
                                 person_id=self.person_id(instance))
            try:
                deleted = self.model.delete().where(
                    (self.model.id == instance.id)
                    & (self.model._meta.fields["version"] == instance.version)).execute()
            except IntegrityError as exc:
                raise RefusedError(
                    f"{self.describe(instance)} cannot be deleted: other records refer to it"
                ) from exc
            if deleted != 1:
                raise RefusedError(f"{self.describe(instance)} was changed by someone else "
                                   "meanwhile, so it was not deleted.")
        return entry

    def undo_delete(self, entry: AuditEntry) -> M:
        """Bring back a record exactly as it was deleted (same id), and audit that."""
        if entry.action != "delete" or entry.entity != self.entity or entry.entity_id is None:
            raise RefusedError("That entry is not a delete of this kind of record")
        values = {k: v[0] for k, v in json.loads(entry.changes or "{}").items()}
        row = {}
        for name, value in values.items():
            field = self.model._meta.columns.get(name) or self.model._meta.fields.get(name)
            if field is None:
                continue
            row[field.name] = field.python_value(value) if value is not None else None
        with self._writing():  # reads, then writes: the write lock first (see _writing)
            if self.model.get_or_none(self.model.id == entry.entity_id) is not None:
                raise RefusedError(f"{self.label} #{entry.entity_id} already exists")
            try:
                self.model.insert(**row).execute()
            except IntegrityError as exc:
                raise RefusedError(f"Cannot undo: {_integrity_message(exc)}") from exc
            instance = self.get(entry.entity_id)
            audit.record(self.entity, instance.id, "restore", None, person_id=self.person_id(instance),
                         note=f"undo of delete (audit #{entry.id})")
        return instance

    def undo_update(self, entry: AuditEntry) -> M:
        """Put back the values an edit replaced (its audit entry holds them), checked by the same
        rules as any edit and audited. Refused when the record changed again since: undoing
        then would silently throw away the later change."""
        if entry.action != "update" or entry.entity != self.entity or entry.entity_id is None:
            raise RefusedError("That entry is not an edit of this kind of record")
        with self._writing(row_locked=True):
            instance = self._locked(entry.entity_id)
            latest = (AuditEntry.select(AuditEntry.id)
                      .where((AuditEntry.entity == self.entity)
                             & (AuditEntry.entity_id == entry.entity_id))
                      .order_by(AuditEntry.id.desc()).first())
            if latest is None or latest.id != entry.id:
                raise RefusedError(f"{self.describe(instance)} has changed since that edit, so it "
                                   "was not undone; its History shows every change.")
            old: dict[str, Any] = {}
            for name, (before, _after) in json.loads(entry.changes or "{}").items():
                field = self.model._meta.fields.get(name)
                if field is not None:
                    old[name] = field.python_value(before) if before is not None else None
            errors = self.check(self.merged(instance, old), instance)
            if errors:
                raise ValidationError(errors)
            changes = {name: [getattr(instance, _attr(instance, name)), value]
                       for name, value in old.items()}
            self._write_changes(instance, changes, RefusedError)
            audit.record(self.entity, instance.id, "update", changes,
                         person_id=self.person_id(instance), note=f"undo of edit (audit #{entry.id})")
        return instance


def _attr(instance: BaseModel | None, name: str) -> str:
    """Foreign keys are edited by id: ``school`` -> ``school_id``."""
    model = type(instance) if instance is not None else None
    if model is not None:
        field = model._meta.fields.get(name)
        if field is not None and hasattr(field, "rel_model"):
            return f"{field.name}_id"
    return name


def _row_values(instance: BaseModel) -> dict[str, Any]:
    result = {}
    for field in instance._meta.sorted_fields:
        if isinstance(field, SortKeyField):  # derived from a name; written again with it
            continue
        value = instance.__data__.get(field.name)
        result[field.column_name] = field.db_value(value) if value is not None else None
    return result


def _integrity_message(exc: Exception) -> str:
    text = str(exc).lower()
    if "unique" in text or "duplicate" in text:
        return "a record with the same key already exists"
    if "foreign key" in text:
        return "it refers to a record that does not exist"
    if "check" in text:
        return "a value is outside what is allowed"
    return str(exc).splitlines()[0] if str(exc) else "the database refused it"


def count_words(pairs: Iterable[tuple[int, str, str]]) -> list[str]:
    """[(3, 'placement', 'placements'), (0, ...)] -> ['3 placements'] (zeros dropped)."""
    return [f"{n} {one if n == 1 else many}" for n, one, many in pairs if n]
