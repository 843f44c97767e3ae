"""The support agreements' reminders for the Home page and the agreements list: plain values,
no Qt. Split from ``agreement_lifecycle`` because these are queries across every live
agreement (one counted query each, for Home's cards), where the lifecycle decides one agreement
at a time; what counts as live (``LIVE``) is still the lifecycle's.

- ``reports_due(today=None, days=None)``: unsubmitted impact reports of agreed/active
  agreements due within ``days`` (setting ``reports_due_days``, 30) or already overdue.
- ``past_end_date(today=None)``: active agreements whose end date has passed.
- ``agreement_flags(today=None)``: {agreement id: [short messages]} for the list's column;
  the ids in it are the list's "needs attention" filter.
- ``reminders(today=None)``: everything above as one ``Reminders`` (counts for Home).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from peewee import ModelSelect

from .. import clock, settings
from ..choices import REPORT_KINDS
from ..fields import format_date
from ..models import ImpactReport, SupportAgreement
from .agreement_lifecycle import LIVE


@dataclass(frozen=True)
class ReportReminder:
    agreement_id: int
    reference: str
    title: str
    report_id: int
    kind: str
    due_date: date
    days: int  # days until due; negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def message(self) -> str:
        what = f"{REPORT_KINDS.label(self.kind)} report"
        if self.overdue:
            late = -self.days
            return f"{what} overdue by {late} day{'s' if late != 1 else ''} (due {format_date(self.due_date)})"
        if self.days == 0:
            return f"{what} due today"
        return f"{what} due {format_date(self.due_date)} (in {self.days} day{'s' if self.days != 1 else ''})"


@dataclass(frozen=True)
class EndDateReminder:
    agreement_id: int
    reference: str
    title: str
    end_date: date
    days_past: int

    @property
    def message(self) -> str:
        return f"Still active {self.days_past} days after its end date ({format_date(self.end_date)})"


@dataclass
class Reminders:
    reports: list[ReportReminder] = field(default_factory=list)
    past_end: list[EndDateReminder] = field(default_factory=list)

    @property
    def overdue(self) -> list[ReportReminder]:
        return [r for r in self.reports if r.overdue]

    @property
    def due_soon(self) -> list[ReportReminder]:
        return [r for r in self.reports if not r.overdue]

    @property
    def count(self) -> int:
        return len(self.reports) + len(self.past_end)


def _reports_due_query(today: date, days: int | None) -> ModelSelect[ImpactReport]:
    window = settings.REPORTS_DUE_DAYS.get() if days is None else int(days)
    limit = date.fromordinal(today.toordinal() + window)
    return (ImpactReport.select(SupportAgreement.id, SupportAgreement.reference,
                                SupportAgreement.title, ImpactReport.id, ImpactReport.kind,
                                ImpactReport.due_date)
            .join(SupportAgreement)
            .where(ImpactReport.submitted_on.is_null()
                   & (ImpactReport.due_date <= limit)
                   & SupportAgreement.status.in_(LIVE)))


def reports_due(today: date | None = None, days: int | None = None,
                limit: int | None = None) -> list[ReportReminder]:
    """Unsubmitted reports of agreed/active agreements due by today + ``days``, overdue first.

    ``limit``: only the first so many (the Home page; ``count_reports_due`` counts them all)."""
    today = today or clock.today()
    query = _reports_due_query(today, days).order_by(
        ImpactReport.due_date, SupportAgreement.reference, ImpactReport.id)
    if limit is not None:
        query = query.limit(limit)
    return [ReportReminder(agreement_id, reference, title, report_id, kind, due,
                           (due - today).days)
            for agreement_id, reference, title, report_id, kind, due
            in cast("Iterable[tuple[int, str, str, int, str, date]]", query.tuples())]


def count_reports_due(today: date | None = None, days: int | None = None) -> int:
    return _reports_due_query(today or clock.today(), days).count()


def _past_end_query(today: date) -> ModelSelect[SupportAgreement]:
    return (SupportAgreement.select(SupportAgreement.id, SupportAgreement.reference,
                                    SupportAgreement.title, SupportAgreement.end_date)
            .where((SupportAgreement.status == "active") & (SupportAgreement.end_date < today)))


def past_end_date(today: date | None = None, limit: int | None = None) -> list[EndDateReminder]:
    """Active agreements whose end date has passed (``limit``: only the first so many)."""
    today = today or clock.today()
    query = _past_end_query(today).order_by(SupportAgreement.end_date, SupportAgreement.reference)
    if limit is not None:
        query = query.limit(limit)
    return [EndDateReminder(agreement_id, reference, title, end, (today - end).days)
            for agreement_id, reference, title, end
            in cast("Iterable[tuple[int, str, str, date]]", query.tuples())]


def count_past_end_date(today: date | None = None) -> int:
    return _past_end_query(today or clock.today()).count()


def reminders(today: date | None = None, days: int | None = None) -> Reminders:
    return Reminders(reports_due(today, days), past_end_date(today))


def agreement_flags(today: date | None = None, days: int | None = None) -> dict[int, list[str]]:
    """{agreement id: short messages} for every agreement needing attention (list column)."""
    found = reminders(today, days)
    flags: dict[int, list[str]] = {}
    for r in found.reports:
        flags.setdefault(r.agreement_id, []).append(r.message)
    for e in found.past_end:
        flags.setdefault(e.agreement_id, []).append(e.message)
    return flags
