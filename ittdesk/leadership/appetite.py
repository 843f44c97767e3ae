"""A school's appetite for hosting trainees in an academic year, and the places it offers.

One record per school and year (the latest answer wins, the old one stays in the audit trail);
the places by phase or subject are part of it and are replaced with it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import audit, clock, fields
from ..academic_year import AcademicYear
from ..errors import ValidationError
from ..models import HostingAppetite, HostingOffer, School
from ..models.base import writing
from ..services.base import EntityService, Field
from .vocabulary import HOSTING_APPETITES, NOT_HOSTING_REASONS

HOSTING = ("actively_looking", "interested", "already_organised")


class HostingAppetiteService(EntityService[HostingAppetite]):
    model = HostingAppetite
    entity = "hosting_appetite"
    label = "Hosting appetite"
    fields = (
        Field.ref("school", "School", School, "school", required=True),
        Field.year("academic_year", "Academic year", required=True),
        Field.choice("appetite", "Hosting appetite", HOSTING_APPETITES, required=True),
        Field.choice("reason", "Reason for not hosting", NOT_HOSTING_REASONS),
        Field.long_text("reason_detail", "Other reasons"),
        Field.integer("mentors_available", "Mentors available"),
        Field.date("recorded_on", "Recorded on", required=True),
        Field.text("source", "Source", 200),
    )

    def check(self, values: dict[str, Any], instance: HostingAppetite | None) -> dict[str, str]:
        errors = {}
        school, year = values.get("school"), values.get("academic_year")
        if school is not None and year is not None:
            query = HostingAppetite.select().where((HostingAppetite.school == school)
                                                   & (HostingAppetite.academic_year == year))
            if instance is not None:
                query = query.where(HostingAppetite.id != instance.id)
            if query.exists():
                errors["academic_year"] = f"The school's appetite for {year} is already recorded"
        return errors

    def describe(self, record: HostingAppetite) -> str:
        return f"Hosting appetite {record.academic_year} (#{record.id})"

    def for_year(self, school: School | int, year: AcademicYear | str) -> HostingAppetite | None:
        year = AcademicYear.parse(year)
        return HostingAppetite.get_or_none((HostingAppetite.school == school)
                                           & (HostingAppetite.academic_year == year))

    def record(self, school_id: int, year: AcademicYear | str, data: dict[str, Any],
               offers: list[tuple[str, Any]] | None = None, *, on: date | None = None,
               source: str | None = None) -> HostingAppetite:
        """Create or replace the school's appetite for ``year``, with its offered places."""
        year = AcademicYear.parse(year)
        clean_offers, errors = parse_offers(offers or [])
        if errors:
            raise ValidationError(errors)
        values = dict(data, recorded_on=on or clock.today(), source=source)
        with writing():
            existing = self.for_year(school_id, year)
            if existing is None:
                record = self.create(dict(values, school=school_id, academic_year=year))
            else:
                record = self.update(existing.id, values)
            old = offers_text(record)
            HostingOffer.delete().where(HostingOffer.appetite == record).execute()
            for what, places in clean_offers:
                HostingOffer.create(appetite=record, phase_or_subject=what, places=places)
            new = offers_text(record)
            if old != new:  # one audited change, one version (services.base)
                HostingAppetite.update(version=HostingAppetite.version + 1).where(
                    HostingAppetite.id == record.id).execute()
                record.version += 1
                audit.record(self.entity, record.id, "update", {"offers": [old or None, new or None]})
        return record


def parse_offers(offers: list[tuple[str, Any]]) -> tuple[list[tuple[str, int]], dict[str, str]]:
    """[(phase or subject, places as typed)] -> clean pairs (zero and empty dropped), errors."""
    clean: dict[str, int] = {}
    errors: dict[str, str] = {}
    for what, places in offers:
        label = fields.text(what, max_length=100)
        try:
            number = fields.integer(places)
        except ValueError as exc:
            errors[f"offers.{label}"] = f"Placements for {label}: {exc}"
            continue
        if not label or not number:
            continue
        clean[label] = clean.get(label, 0) + number
    return list(clean.items()), errors


def offers_text(record: HostingAppetite) -> str:
    rows = (HostingOffer.select().where(HostingOffer.appetite == record)
            .order_by(HostingOffer.id))
    return "; ".join(f"{o.phase_or_subject}: {o.places}" for o in rows)


def describe_appetite(record: HostingAppetite | None) -> str:
    """One line for lists and diffs: 'Interested...; Mathematics: 2; 3 mentors'."""
    if record is None:
        return "not recorded"
    parts = [HOSTING_APPETITES.label(record.appetite)]
    if record.reason:
        parts.append(f"because: {NOT_HOSTING_REASONS.label(record.reason)}")
    if record.reason_detail:
        parts.append(record.reason_detail)
    offered = offers_text(record)
    if offered:
        parts.append(offered)
    if record.mentors_available is not None:
        parts.append(f"{record.mentors_available} mentor(s) available")
    return "; ".join(parts)


appetites = HostingAppetiteService()
