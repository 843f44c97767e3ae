"""The yearly leadership confirmation round and each school's hosting appetite per year.

A round belongs to one academic year and holds a row per school it was sent to, with the dates
the form was sent, came back and was confirmed. ``secret`` signs the hidden identifier in each
generated form, so a returned form proves which round and school it belongs to.
"""

from __future__ import annotations

from peewee import CharField, Check, DateField, Field, ForeignKeyField, IntegerField, TextField

from ..leadership.vocabulary import HOSTING_APPETITES, NOT_HOSTING_REASONS
from .base import AcademicYearField, BaseModel, Versioned, choice_field
from .schools import School


class ConfirmationRound(BaseModel):
    academic_year = AcademicYearField(unique=True)
    token = CharField(max_length=32, unique=True)  # names the round inside its forms
    secret = CharField(max_length=64)  # signs the forms' identifiers; never printed
    started_on = DateField()
    return_by = DateField(null=True)
    notes = TextField(null=True)


class RoundSchool(BaseModel):
    round = ForeignKeyField(ConfirmationRound, backref="entries", on_delete="CASCADE")
    round_id: Field[int]
    school = ForeignKeyField(School, backref="confirmation_rounds", on_delete="RESTRICT")
    school_id: Field[int]
    written_on = DateField(null=True)  # the form was written (a file exists; nothing sent)
    sent_on = DateField(null=True)  # the user said it was sent (or an e-mail draft was made)
    returned_on = DateField(null=True)
    confirmed_on = DateField(null=True)
    returned_file = CharField(max_length=500, null=True)
    completed_by = CharField(max_length=300, null=True)

    class Meta:
        indexes = ((("round", "school"), True),)
        constraints = [Check("confirmed_on IS NULL OR returned_on IS NOT NULL")]


class HostingAppetite(Versioned):
    """Whether a school will host trainees in a year, and why not when it will not."""

    school = ForeignKeyField(School, backref="hosting_appetites", on_delete="RESTRICT")
    school_id: Field[int]
    academic_year = AcademicYearField(index=True)
    appetite = choice_field(HOSTING_APPETITES, "appetite")
    reason = choice_field(NOT_HOSTING_REASONS, "reason", null=True)
    reason_detail = TextField(null=True)
    mentors_available = IntegerField(
        null=True, constraints=[Check("mentors_available IS NULL OR mentors_available >= 0")])
    recorded_on = DateField()
    source = CharField(max_length=200, null=True)

    class Meta:
        indexes = ((("school", "academic_year"), True),)


class HostingOffer(BaseModel):
    """Placements a school could offer in a phase or subject (part of its appetite)."""

    appetite = ForeignKeyField(HostingAppetite, backref="offers", on_delete="CASCADE")
    appetite_id: Field[int]
    phase_or_subject = CharField(max_length=100)
    places = IntegerField(constraints=[Check("places >= 0")])
