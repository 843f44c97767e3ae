"""Schools: the partnership's establishments, keyed by URN."""

from __future__ import annotations

from typing import Any

from .. import fields
from ..choices import FUNDING_REGIONS, PARTNERSHIP_STATUSES, PHASES, SCHOOL_STATUSES
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


class SchoolService(EntityService[School]):
    model = School
    entity = "school"
    label = "School"
    fields = (
        Field.integer("urn", "URN", parse=fields.urn, required=True),
        Field.text("name", "Name", 200, required=True),
        Field.choice("phase", "Phase", PHASES),
        Field.text("establishment_type", "Type", 120),
        Field.choice("status", "Status", SCHOOL_STATUSES, default="open"),
        Field.text("la_code", "LA code", 10),
        Field.text("la_name", "Local authority", 120),
        Field.text("trust", "Trust", 200),
        Field.text("address1", "Address", 200),
        Field.text("address2", "Address line 2", 200),
        Field.text("address3", "Address line 3", 200),
        Field.text("town", "Town", 100),
        Field.text("postcode", "Postcode", parse=fields.postcode),
        Field.text("phone", "Phone", parse=fields.phone),
        Field.text("email", "Email", parse=fields.email),
        Field.text("website", "Website", 300),
        Field.choice("partnership_status", "Partnership status", PARTNERSHIP_STATUSES),
        Field.date("partnership_since", "Partner since"),
        Field.date("leadership_confirmed_on", "Leadership confirmed"),
        Field.long_text("notes", "Notes"),
        # Issue 18: DfE's mentor-funding region is drawn by district; empty region = worked
        # out from the district or LA code (ittdesk.mentor_funding.regions).
        Field.text("district_code", "District code (GSS)", 9, parse=fields.gss_code),
        Field.choice("funding_region", "Mentor funding region", FUNDING_REGIONS),
    )

    def check(self, values: dict[str, Any], instance: School | None) -> dict[str, str]:
        errors = {}
        urn = values.get("urn")
        # an unchanged URN is this school's own (the URN is unique in the table): not asked
        if urn is not None and (instance is None or urn != instance.urn):
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
