"""Programmes run cohorts by academic year; people enrol in cohorts and are placed in schools."""

from __future__ import annotations

from peewee import (
    SQL,
    CharField,
    Check,
    DateField,
    DecimalField,
    Field,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from ..choices import (
    ENROLMENT_STATUSES,
    PLACEMENT_KINDS,
    PLACEMENT_STATUSES,
    PROGRAMME_KINDS,
    STUDY_MODES,
    TRAINING_ROUTES,
    WITHDRAWAL_REASONS,
)
from .base import AcademicYearField, BaseModel, Versioned, choice_field
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
    # Issue 17 (migration 12 added these last, in this order): the route-aware record, in
    # Register's terms. The TRN stays on the person. Subjects and age range are HESA codes
    # (HECoS "100425", age range "13918"), shown in words (choices.HECOS_SUBJECTS, AGE_RANGES).
    route = choice_field(TRAINING_ROUTES, "route", null=True, index=True)
    course_subject_1 = CharField(max_length=6, null=True)
    course_subject_2 = CharField(max_length=6, null=True)
    course_subject_3 = CharField(max_length=6, null=True)
    age_range = CharField(max_length=5, null=True)
    study_mode = choice_field(STUDY_MODES, "study_mode", null=True)
    itt_start_date = DateField(null=True)
    itt_end_date = DateField(null=True)  # the expected end
    employing_school = ForeignKeyField(School, null=True, backref="employed_trainees",
                                       on_delete="RESTRICT")
    employing_school_id: Field[int | None]
    lead_partner = ForeignKeyField(School, null=True, backref="led_trainees", on_delete="RESTRICT")
    lead_partner_id: Field[int | None]
    withdrawal_reason_code = choice_field(WITHDRAWAL_REASONS, "withdrawal_reason_code", null=True)
    deferral_date = DateField(null=True)
    deferral_reason = TextField(null=True)

    class Meta:
        indexes = ((("person", "cohort"), True),)


#: Home's at-risk card judges this and last year's trainees, found by cohort, with their
#: placements: every enrolment and placement column it reads is in these two indexes, so SQLite
#: reads the indexes alone, not rows spread over both tables (migration 16).
ENROLMENT_CARD_INDEX = Enrolment.index(
    Enrolment.cohort, Enrolment.status, Enrolment.person, Enrolment.route,
    Enrolment.itt_start_date, Enrolment.itt_end_date, Enrolment.employing_school,
    name="enrolment_home_card")
Enrolment.add_index(ENROLMENT_CARD_INDEX)


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
    # Issue 17 (migration 12 added these last): the ledger. ``mentor`` stays as the lead mentor
    # (warnings, returns and erasure read it); every mentor, the lead included, is a
    # PlacementMentor. ``days_spent`` null means "the school days between its dates"
    # (ittdesk.placements.days); part-days and absences are decimals.
    status = choice_field(PLACEMENT_STATUSES, "status", default="proposed", index=True,
                          constraints=[SQL("DEFAULT 'proposed'")])
    status_reason = TextField(null=True)
    days_spent = DecimalField(max_digits=6, decimal_places=2, null=True, auto_round=True,
                              constraints=[Check("days_spent IS NULL OR days_spent >= 0")])
    absence_days = DecimalField(max_digits=6, decimal_places=2, default=0, auto_round=True,
                                constraints=[Check("absence_days >= 0"), SQL("DEFAULT 0")])

    class Meta:
        constraints = [Check("end_date >= start_date")]


PLACEMENT_CARD_INDEX = Placement.index(
    Placement.enrolment, Placement.school, Placement.kind, Placement.status,
    Placement.start_date, Placement.end_date, Placement.days_spent, Placement.absence_days,
    name="placement_home_card")
Placement.add_index(PLACEMENT_CARD_INDEX)
HOME_CARD_INDEXES = (ENROLMENT_CARD_INDEX, PLACEMENT_CARD_INDEX)


class PlacementMentor(BaseModel):
    """One of a placement's mentors (a placement may have several; the lead is also
    ``Placement.mentor``). Written with the placement by its service, audited with it."""

    placement = ForeignKeyField(Placement, backref="mentor_links", on_delete="CASCADE")
    placement_id: Field[int]
    person = ForeignKeyField(Person, backref="placement_mentor_links", on_delete="RESTRICT")
    person_id: Field[int]

    class Meta:
        table_name = "placement_mentor"
        indexes = ((("placement", "person"), True),)
