"""A conflict as ``ittdesk.errors.ConflictError`` carries it, for the dialog's tests: the real
error once the core raises it, until then a stand-in of exactly its shape (tests only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ittdesk.errors import RefusedError


@dataclass
class StandInConflict(RefusedError):
    entity: str
    record_id: int
    label: str
    fields: dict[str, tuple[Any, Any, Any]]
    labels: dict[str, str] = field(default_factory=dict)
    who: str | None = None
    when: datetime | None = None
    current_version: int = 2

    def __post_init__(self) -> None:
        super().__init__(f"Saved by {self.who} while you were editing: "
                         + ", ".join(self.labels.get(n, n) for n in self.fields))


def school_conflict(record_id: int = 1) -> StandInConflict:
    """Someone changed a school's phase, partner date and notes while you changed them too."""
    from datetime import date

    return StandInConflict(
        entity="school", record_id=record_id, label="Ashby Moor Primary School (URN 100001)",
        fields={"phase": ("primary", "secondary", "all_through"),
                "partnership_since": (None, date(2025, 9, 1), date(2026, 1, 5)),
                "notes": ("", "Head prefers e-mail.", "Call the office first, then the head.")},
        labels={"phase": "Phase", "partnership_since": "Partner since", "notes": "Notes"},
        who="Jo Bloggs", when=datetime(2026, 12, 7, 10, 42), current_version=4)
