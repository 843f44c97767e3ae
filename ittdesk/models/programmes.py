"""Programmes run cohorts by academic year; people enrol in cohorts and are placed in schools."""

from __future__ import annotations

from peewee import CharField, Check, DateField, Field, ForeignKeyField, IntegerField, TextField

from ..choices import ENROLMENT_STATUSES, PLACEMENT_KINDS, PROGRAMME_KINDS
from .base import AcademicYearField, Versioned, choice_field
from .schools import Person, School


class Programme(Versioned):
    name = CharField(max_length=200, unique=True)
    kind = choice_field(PROGRAMME_KINDS, "kind")
    description = TextField(null=True)


class Cohort(Versioned):
    programme = ForeignKeyField(Programme, backref="cohorts", on_delete="RESTRICT")
    programme_id: Field[int]
    name = CharField(max_length=100)
    academic_year = AcademicYearField(index=True)
    start_date = DateField(null=True)
    end_date = DateField(null=True)
    places = IntegerField(null=True, constraints=[Check("places IS NULL OR places >= 0")])

    class Meta:
        indexes = ((("programme", "name", "academic_year"), True),)
        constraints = [Check("end_date IS NULL OR start_date IS NULL OR end_date >= start_date")]


class Enrolment(Versioned):
    person = ForeignKeyField(Person, backref="enrolments", on_delete="RESTRICT")
    person_id: Field[int]
    cohort = ForeignKeyField(Cohort, backref="enrolments", on_delete="RESTRICT")
    cohort_id: Field[int]
    status = choice_field(ENROLMENT_STATUSES, "status", default="applied", index=True)
    trainee_id = CharField(max_length=50, null=True, unique=True)
    subject = CharField(max_length=100, null=True)
    home_school = ForeignKeyField(School, null=True, backref="home_trainees", on_delete="RESTRICT")
    home_school_id: Field[int | None]
    outcome = CharField(max_length=100, null=True)
    withdrawal_date = DateField(null=True)
    withdrawal_reason = TextField(null=True)
    # HESA's student identifier (13 or 17 digits, as text): placements find the trainee by it.
    # Personal data (erasure clears it). Migration 9 added it last, indexed.
    hesa_id = CharField(max_length=17, null=True, index=True)

    class Meta:
        indexes = ((("person", "cohort"), True),)


class Placement(Versioned):
    enrolment = ForeignKeyField(Enrolment, backref="placements", on_delete="RESTRICT")
    enrolment_id: Field[int]
    school = ForeignKeyField(School, backref="placements", on_delete="RESTRICT")
    school_id: Field[int]
    mentor = ForeignKeyField(Person, null=True, backref="mentored_placements", on_delete="RESTRICT")
    mentor_id: Field[int | None]
    kind = choice_field(PLACEMENT_KINDS, "kind", default="main", index=True)
    start_date = DateField(index=True)
    end_date = DateField()
    subject = CharField(max_length=100, null=True)
    year_group = CharField(max_length=50, null=True)
    notes = TextField(null=True)

    class Meta:
        constraints = [Check("end_date >= start_date")]
