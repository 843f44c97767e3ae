"""The audit trail: one entry per change made through the services.

Entries are append-only: ``record`` is the one way in, and ``AuditEntry`` refuses updates and
deletes (the erasure service alone scrubs personal values, through ``scrub``).
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .academic_year import AcademicYear
from .models import AuditEntry, database

_user_cache: dict[int, str] = {}


def current_user() -> str:
    """The OS user; on PostgreSQL also the database user, since several people share it."""
    try:
        os_user = getpass.getuser()
    except Exception:
        os_user = "unknown"
    from .db import is_postgres

    if is_postgres():
        key = id(database.obj)
        if key not in _user_cache:
            row = database.obj.execute_sql("SELECT current_user").fetchone()
            _user_cache[key] = str(row[0]) if row else ""
        db_user = _user_cache[key]
        if db_user and db_user != os_user:
            return f"{os_user} (db: {db_user})"
    return os_user


def now() -> datetime:
    """UTC, without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def plain(value: Any) -> Any:
    """A JSON-safe copy of a field value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (Decimal, AcademicYear)):
        return str(value)
    return str(value)


def record(entity: str, entity_id: int | None, action: str,
           changes: dict[str, list[Any]] | None = None, *, person_id: int | None = None,
           note: str | None = None, import_run: int | None = None) -> AuditEntry:
    payload = None
    if changes:
        payload = json.dumps({k: [plain(v[0]), plain(v[1])] for k, v in changes.items()},
                             ensure_ascii=False)
    return AuditEntry.create(
        at=now(), user=current_user(), entity=entity, entity_id=entity_id, action=action,
        changes=payload, person_id=person_id, note=note, import_run=import_run,
    )


def record_many(rows: list[dict[str, Any]]) -> None:
    """Bulk insert for imports: one entry per changed record without a query per row."""
    if not rows:
        return
    user, at = current_user(), now()
    prepared = []
    for r in rows:
        changes = r.get("changes")
        prepared.append({
            "at": at, "user": user, "entity": r["entity"], "entity_id": r.get("entity_id"),
            "action": r["action"],
            "changes": json.dumps({k: [plain(v[0]), plain(v[1])] for k, v in changes.items()},
                                  ensure_ascii=False) if changes else None,
            "person_id": r.get("person_id"), "note": r.get("note"),
            "import_run": r.get("import_run"),
        })
    for i in range(0, len(prepared), 500):
        AuditEntry.insert_many(prepared[i:i + 500]).execute()


def changes_of(entry: AuditEntry) -> dict[str, list[Any]]:
    return json.loads(entry.changes) if entry.changes else {}


def history(entity: str, entity_id: int):
    return (AuditEntry.select()
            .where((AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
