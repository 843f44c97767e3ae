"""Tables about the database itself: schema version, settings, audit, imports, mappings."""

from __future__ import annotations

from typing import Any

from peewee import CharField, DateTimeField, Field, ForeignKeyField, IntegerField, TextField

from ..errors import RefusedError
from .base import BaseModel


class AuditImmutableError(RefusedError):
    """Raised on any attempt to change or delete an audit entry through the models."""


class SchemaVersion(BaseModel):
    """One row: the migration step this database has reached."""

    version = IntegerField()
    app_version = CharField(max_length=20)


class Setting(BaseModel):
    """Provider settings shared by everyone on the database; values are JSON text."""

    key = CharField(max_length=100, unique=True)
    value = TextField()


class ImportRun(BaseModel):
    """One applied import: which file, when, by whom and how many rows it changed."""

    at = DateTimeField(index=True)
    user = CharField(max_length=100)
    kind = CharField(max_length=30)
    file_name = CharField(max_length=500)
    added = IntegerField(default=0)
    updated = IntegerField(default=0)
    refused = IntegerField(default=0)


class AuditEntry(BaseModel):
    """Who changed what, when: append-only through the services.

    ``person_id`` names the person an entry is about (the person itself, or the owner of a role,
    enrolment...), so a subject-access export and an erasure can find every entry about someone
    without parsing ``changes``. It is a plain integer, not a foreign key: deleting a record
    never deletes its history.
    """

    at = DateTimeField(index=True)
    user = CharField(max_length=100, index=True)
    entity = CharField(max_length=40)
    entity_id = IntegerField(null=True)
    action = CharField(max_length=20)
    changes = TextField(null=True)  # JSON {field: [old, new]}
    person_id = IntegerField(null=True, index=True)
    import_run = ForeignKeyField(ImportRun, null=True, backref="entries", on_delete="SET NULL")
    import_run_id: Field[int | None]
    note = TextField(null=True)

    class Meta:
        indexes = ((("entity", "entity_id"), False),)

    def save(self, force_insert: bool = False, only: Any = None) -> int:
        # get_id() is untyped in peewee's stubs; it is the primary key, None before the first save
        if self.get_id() is not None and not force_insert:  # type: ignore[no-untyped-call]
            raise AuditImmutableError("Audit entries cannot be changed")
        return super().save(force_insert=force_insert, only=only)

    def delete_instance(self, recursive: bool = False, delete_nullable: bool = False) -> int:
        raise AuditImmutableError("Audit entries cannot be deleted")


class SavedMapping(BaseModel):
    """A column mapping the user confirmed, reused for files/templates with the same headings."""

    purpose = CharField(max_length=60)
    signature = CharField(max_length=64)
    mapping = TextField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("purpose", "signature"), True),)


class Presence(BaseModel):
    """One running desktop app on an SQLite database (PostgreSQL names its sessions instead):
    written at start, its ``seen_at`` renewed every minute, removed on close (ittdesk.presence)."""

    user = CharField(max_length=100)
    computer = CharField(max_length=255)
    pid = IntegerField()
    started_at = DateTimeField()
    seen_at = DateTimeField(index=True)
