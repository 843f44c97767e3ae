"""Schools, the people the provider deals with, and their roles at schools over time."""

from __future__ import annotations

from peewee import (
    SQL,
    BooleanField,
    Check,
    DateField,
    Field,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)
from peewee import CharField as Char

from ..choices import (
    DESIGNATIONS,
    FUNDING_REGIONS,
    PARTNERSHIP_STATUSES,
    PHASES,
    ROLE_KINDS,
    SCHOOL_STATUSES,
    TRAINING_KINDS,
)
from ..fields import EMAIL_MAX, PHONE_MAX
from .base import SortKeyed, SortKeyField, Versioned, after_version, choice_field


class School(SortKeyed, Versioned):
    SORT_KEYS = {"name": "name_key"}

    urn = IntegerField(unique=True, constraints=[Check("urn BETWEEN 10000 AND 9999999")])
    name = Char(max_length=200, index=True)
    phase = choice_field(PHASES, "phase", null=True)
    establishment_type = Char(max_length=120, null=True)
    status = choice_field(SCHOOL_STATUSES, "status", default="open")
    la_code = Char(max_length=10, null=True)
    la_name = Char(max_length=120, null=True, index=True)
    trust = Char(max_length=200, null=True, index=True)
    address1 = Char(max_length=200, null=True)
    address2 = Char(max_length=200, null=True)
    address3 = Char(max_length=200, null=True)
    town = Char(max_length=100, null=True)
    postcode = Char(max_length=10, null=True, index=True)
    phone = Char(max_length=PHONE_MAX, null=True)
    email = Char(max_length=EMAIL_MAX, null=True)
    website = Char(max_length=300, null=True)
    partnership_status = choice_field(PARTNERSHIP_STATUSES, "partnership_status", null=True, index=True)
    partnership_since = DateField(null=True)
    leadership_confirmed_on = DateField(null=True)
    notes = TextField(null=True)
    # The name as it sorts (ittdesk.sortkeys), written with the name; the lists walk its index.
    name_key = SortKeyField(max_length=200, index=True)
    # Migration 13 (issue 18): GIAS's "DistrictAdministrative (code)" (a GSS code, E07000103),
    # which DfE's mentor-funding regions are drawn by, and the region itself when set by hand
    # (empty: worked out from the district or LA code, ittdesk.mentor_funding.regions).
    district_code = Char(max_length=9, null=True)
    funding_region = choice_field(FUNDING_REGIONS, "funding_region", null=True)
    after_version(district_code, funding_region)


def full_name(person_id: int | None, first: str | None, last: str | None, erased: bool) -> str:
    """How a person is named wherever they are shown: an erased person by number only."""
    if erased:
        return f"erased person #{person_id}"
    return " ".join(p for p in (first, last) if p)


class Person(SortKeyed, Versioned):
    SORT_KEYS = {"first_name": "first_name_key", "last_name": "last_name_key"}

    title = Char(max_length=20, null=True)
    first_name = Char(max_length=100)
    last_name = Char(max_length=100, index=True)
    # Stored lower-cased so uniqueness is case-insensitive on SQLite and PostgreSQL alike.
    email = Char(max_length=EMAIL_MAX, null=True, unique=True)
    phone = Char(max_length=PHONE_MAX, null=True)
    trn = Char(max_length=7, null=True, unique=True,
               constraints=[Check("trn IS NULL OR length(trn) = 7")])
    notes = TextField(null=True)
    erased = BooleanField(default=False)
    # The names as they sort (ittdesk.sortkeys), written with them (migration 7 added these two
    # columns last: a column added later must be declared after them).
    first_name_key = SortKeyField(max_length=100)
    last_name_key = SortKeyField(max_length=100, index=True)
    # Asked not to receive newsletters, webinars and briefings: left out of contact lists.
    # An SQL default so migration 8 can add it NOT NULL to a table with rows, as new ones have it.
    no_newsletters = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])
    # Register's trainee files carry it: a person with no email is matched on name + date of
    # birth. Personal data (erasure clears it). Migration 9 added it last.
    date_of_birth = DateField(null=True)

    @property
    def full_name(self) -> str:
        return full_name(self.id, self.first_name, self.last_name, self.erased)


class Role(Versioned):
    """A post held at a school between two dates; an open end date means current."""

    person = ForeignKeyField(Person, backref="roles", on_delete="RESTRICT")
    person_id: Field[int]
    school = ForeignKeyField(School, backref="roles", on_delete="RESTRICT")
    school_id: Field[int]
    kind = choice_field(ROLE_KINDS, "kind", index=True)
    job_title = Char(max_length=120, null=True)
    start_date = DateField(null=True)
    end_date = DateField(null=True, index=True)
    # Mentor details, meaningful for mentor and lead-mentor roles.
    subjects = Char(max_length=300, null=True)
    key_stages = Char(max_length=100, null=True)
    capacity = IntegerField(null=True, constraints=[Check("capacity IS NULL OR capacity >= 0")])

    class Meta:
        constraints = [Check("end_date IS NULL OR start_date IS NULL OR end_date >= start_date")]
        indexes = ((("school", "kind", "end_date"), False),)


class MentorTraining(Versioned):
    person = ForeignKeyField(Person, backref="mentor_training", on_delete="RESTRICT")
    person_id: Field[int]
    kind = choice_field(TRAINING_KINDS, "kind")
    hours = FloatField(null=True, constraints=[Check("hours IS NULL OR hours >= 0")])
    completed_on = DateField(index=True)
    provided_by = Char(max_length=200, null=True)
    school = ForeignKeyField(School, null=True, backref="mentor_training", on_delete="RESTRICT")
    school_id: Field[int | None]
    # Migration 13 (issue 18): the ledger DfE's grant is claimed from. The accredited ITT
    # provider whose training this was (the cap is per mentor per accredited provider; empty =
    # this provider, as records made before the column were), what evidences it (a register,
    # a certificate), and whether it was ITT general mentor training at all (lead mentor or
    # other training is recorded but never claimable).
    accredited_provider = Char(max_length=200, null=True)
    evidence = TextField(null=True)
    general = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])
    after_version(accredited_provider, evidence, general)


class Designation(Versioned):
    person = ForeignKeyField(Person, backref="designations", on_delete="RESTRICT")
    person_id: Field[int]
    kind = choice_field(DESIGNATIONS, "kind")
    specialism = Char(max_length=200, null=True)
    designated_on = DateField(null=True)
    review_due = DateField(null=True)
