"""Conflicts as the core reports them (``ittdesk.errors.ConflictError``), for the conflict
dialog's tests: someone else saved the same fields while you were editing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ittdesk.errors import ConflictError


def conflict(entity: str, fields: dict[str, tuple[Any, Any, Any]], labels: dict[str, str], *,
             record_id: int = 1, label: str = "the record", who: str | None = "Jo Bloggs",
             when: datetime | None = None, current_version: int = 2) -> ConflictError:
    return ConflictError(entity=entity, record_id=record_id, label=label, fields=fields,
                         labels=labels, who=who, when=when, current_version=current_version)


def school_conflict(record_id: int = 1) -> ConflictError:
    """Someone changed a school's phase, partner date and notes while you changed them too."""
    return conflict(
        "school", record_id=record_id, label="Ashby Moor Primary School (URN 100001)",
        fields={"phase": ("primary", "secondary", "all_through"),
                "partnership_since": (None, date(2025, 9, 1), date(2026, 1, 5)),
                "notes": ("", "Head prefers e-mail.", "Call the office first, then the head.")},
        labels={"phase": "Phase", "partnership_since": "Partner since", "notes": "Notes"},
        when=datetime(2026, 12, 7, 10, 42), current_version=4)
