"""Schools a recent import added that nobody has sorted yet: partner or not?

An import of a GIAS extract adds schools with no partnership status, and Home only watches
partners, so after an import Home said all was in order while 99 new schools waited to be
sorted. This names them (from the import's own audit entries) for Home and the import wizard,
and sets the status of many at once through the schools service (audited per school).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from peewee import ModelSelect

from . import clock
from .choices import PARTNERSHIP_STATUSES
from .errors import ValidationError
from .models import AuditEntry, ImportRun, School, database
from .models.base import writing

#: How long after an import its unsorted schools stay on Home.
RECENT_DAYS = 14


def last_schools_import(today: date | None = None) -> ImportRun | None:
    """The latest schools import of the last ``RECENT_DAYS`` days that added schools."""
    since = datetime.combine((today or clock.today()) - timedelta(days=RECENT_DAYS), time.min)
    run: ImportRun | None = (
        ImportRun.select()
        .where((ImportRun.kind == "schools") & (ImportRun.added > 0) & (ImportRun.at >= since))
        .order_by(ImportRun.at.desc(), ImportRun.id.desc()).first())
    return run


def _unsorted(run_id: int) -> ModelSelect[School]:
    added = (AuditEntry.select(AuditEntry.entity_id)
             .where((AuditEntry.import_run == run_id) & (AuditEntry.entity == "school")
                    & (AuditEntry.action == "create")))
    return (School.select(School.id, School.name, School.urn, School.la_name)
            .where(School.id.in_(added) & School.partnership_status.is_null()
                   & (School.status != "closed")))


def unsorted_schools(run_id: int, limit: int | None = None) -> list[tuple[int, str, str, str]]:
    """(id, name, URN, LA) of the open schools import ``run_id`` added that still have no
    partnership status, by name."""
    query = _unsorted(run_id).order_by(School.name_key, School.id)
    if limit is not None:
        query = query.limit(limit)
    return [(r[0], r[1], str(r[2] or ""), r[3] or "")
            for r in database.execute(query).fetchall()]


def count_unsorted(run_id: int) -> int:
    return _unsorted(run_id).count()


def set_partnership(school_ids: Sequence[int], status: str, *,
                    progress: Callable[[int, int | None, str], None] | None = None,
                    cancel: threading.Event | None = None) -> int:
    """Give these schools ``status`` (all or none, each change audited); returns how many."""
    if status not in PARTNERSHIP_STATUSES:
        raise ValidationError({"partnership_status": f"'{status}' is not a partnership status"})
    from .services.schools import schools

    with writing():
        for n, school_id in enumerate(school_ids, start=1):
            if cancel is not None and cancel.is_set():
                raise InterruptedError("Cancelled; no school was changed")
            schools.update(school_id, {"partnership_status": status})
            if progress is not None and not n % 50:
                progress(n, len(school_ids), "Marking schools…")
    return len(school_ids)
