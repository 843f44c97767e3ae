"""Schools: the partnership's establishments, keyed by URN."""

from __future__ import annotations

from typing import Any

from .. import fields
from ..choices import PARTNERSHIP_STATUSES, PHASES, SCHOOL_STATUSES
from ..errors import NotFoundError
from ..models import (
    AgreementParty,
    Enrolment,
    EventAttendance,
    MentorTraining,
    Placement,
    Role,
    School,
)
from .base import EntityService, Field, count_words
from .parsers import choice, long_text, text


class SchoolService(EntityService[School]):
    model = School
    entity = "school"
    label = "School"
    fields = (
        Field("urn", "URN", fields.urn, required=True),
        Field("name", "Name", text(200), required=True),
        Field("phase", "Phase", choice(PHASES)),
        Field("establishment_type", "Type", text(120)),
        Field("status", "Status", choice(SCHOOL_STATUSES)),
        Field("la_code", "LA code", text(10)),
        Field("la_name", "Local authority", text(120)),
        Field("trust", "Trust", text(200)),
        Field("address1", "Address", text(200)),
        Field("address2", "Address line 2", text(200)),
        Field("address3", "Address line 3", text(200)),
        Field("town", "Town", text(100)),
        Field("postcode", "Postcode", fields.postcode),
        Field("phone", "Phone", fields.phone),
        Field("email", "Email", fields.email),
        Field("website", "Website", text(300)),
        Field("partnership_status", "Partnership status", choice(PARTNERSHIP_STATUSES)),
        Field("partnership_since", "Partner since", fields.day),
        Field("leadership_confirmed_on", "Leadership confirmed", fields.day),
        Field("notes", "Notes", long_text),
    )

    def prepare(self, data: dict[str, Any], instance: School | None = None) -> dict[str, Any]:
        values = super().prepare(data, instance)
        if instance is None and values.get("status") is None:
            values["status"] = "open"
        return values

    def check(self, values: dict[str, Any], instance: School | None) -> dict[str, str]:
        errors = {}
        urn = values.get("urn")
        if urn is not None:
            query = School.select().where(School.urn == urn)
            if instance is not None:
                query = query.where(School.id != instance.id)
            other = query.first()
            if other is not None:
                errors["urn"] = f"URN {urn} is already used by {other.name}"
        return errors

    def dependents(self, school: School) -> list[str]:
        return count_words([
            (Role.select().where(Role.school == school).count(), "role", "roles"),
            (Placement.select().where(Placement.school == school).count(), "placement", "placements"),
            (Enrolment.select().where(Enrolment.home_school == school).count(),
             "trainee with it as home school", "trainees with it as home school"),
            (AgreementParty.select().where(AgreementParty.school == school).count(),
             "support agreement", "support agreements"),
            (MentorTraining.select().where(MentorTraining.school == school).count(),
             "mentor training record", "mentor training records"),
            (EventAttendance.select().where(EventAttendance.school == school).count(),
             "place on an event's list", "places on events' lists"),
        ])

    def describe(self, school: School) -> str:
        return f"{school.name} (URN {school.urn})"

    def by_urn(self, urn: Any) -> School:
        parsed = fields.urn(urn)
        school = School.get_or_none(School.urn == parsed)
        if school is None:
            raise NotFoundError(f"No school with URN {parsed}")
        return school


schools = SchoolService()
