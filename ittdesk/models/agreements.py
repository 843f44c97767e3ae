"""School-to-school support agreements and everything hung off them.

Money is kept in integer pence so sums are exact; text copies of names (signatures) are kept as
typed because a signed agreement must print as it was signed.
"""

from __future__ import annotations

from peewee import (
    CharField,
    Check,
    DateField,
    Field,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from ..choices import ACTIVITY_KINDS, AGREEMENT_STATUSES, PARTY_ROLES, RAG_RATINGS, REPORT_KINDS
from .base import AcademicYearField, Versioned, choice_field
from .schools import Designation, Person, School


class SupportAgreement(Versioned):
    reference = CharField(max_length=20, unique=True)
    title = CharField(max_length=300)
    academic_year = AcademicYearField(index=True)
    status = choice_field(AGREEMENT_STATUSES, "status", default="draft", index=True)
    priorities = TextField(null=True)
    intended_impact = TextField(null=True)
    evidence = TextField(null=True)
    baseline = TextField(null=True)
    funding_source = CharField(max_length=200, null=True)
    amount_agreed_pence = IntegerField(default=0, constraints=[Check("amount_agreed_pence >= 0")])
    start_date = DateField(null=True)
    end_date = DateField(null=True)
    qa_lead = ForeignKeyField(Person, null=True, backref="qa_agreements", on_delete="RESTRICT")
    qa_lead_id: Field[int | None]
    notes = TextField(null=True)

    class Meta:
        constraints = [Check("end_date IS NULL OR start_date IS NULL OR end_date >= start_date")]


class AgreementParty(Versioned):
    agreement = ForeignKeyField(SupportAgreement, backref="parties", on_delete="CASCADE")
    agreement_id: Field[int]
    school = ForeignKeyField(School, backref="agreement_parties", on_delete="RESTRICT")
    school_id: Field[int]
    role = choice_field(PARTY_ROLES, "role")
    contact = ForeignKeyField(Person, null=True, backref="agreement_contacts", on_delete="RESTRICT")
    contact_id: Field[int | None]
    responsibilities = TextField(null=True)


class AgreementLeader(Versioned):
    """A system leader (SLE/LLE/NLE) deployed on the agreement."""

    agreement = ForeignKeyField(SupportAgreement, backref="leaders", on_delete="CASCADE")
    agreement_id: Field[int]
    person = ForeignKeyField(Person, backref="deployments", on_delete="RESTRICT")
    person_id: Field[int]
    designation = ForeignKeyField(Designation, null=True, backref="deployments", on_delete="SET NULL")
    designation_id: Field[int | None]
    days = FloatField(null=True, constraints=[Check("days IS NULL OR days >= 0")])
    hours = FloatField(null=True, constraints=[Check("hours IS NULL OR hours >= 0")])


class AgreementActivity(Versioned):
    agreement = ForeignKeyField(SupportAgreement, backref="activities", on_delete="CASCADE")
    agreement_id: Field[int]
    date = DateField(null=True)
    kind = choice_field(ACTIVITY_KINDS, "kind", default="visit")
    description = TextField(null=True)
    person = ForeignKeyField(Person, null=True, backref="agreement_activities", on_delete="RESTRICT")
    person_id: Field[int | None]
    who = CharField(max_length=200, null=True)
    time = CharField(max_length=50, null=True)


class ImpactReport(Versioned):
    agreement = ForeignKeyField(SupportAgreement, backref="reports", on_delete="CASCADE")
    agreement_id: Field[int]
    kind = choice_field(REPORT_KINDS, "kind")
    due_date = DateField(index=True)
    submitted_on = DateField(null=True)
    summary = TextField(null=True)
    rag = choice_field(RAG_RATINGS, "rag", null=True)
    author = ForeignKeyField(Person, null=True, backref="impact_reports", on_delete="RESTRICT")
    author_id: Field[int | None]


class SpendEntry(Versioned):
    agreement = ForeignKeyField(SupportAgreement, backref="spend", on_delete="CASCADE")
    agreement_id: Field[int]
    date = DateField()
    description = CharField(max_length=300)
    amount_pence = IntegerField(constraints=[Check("amount_pence >= 0")])


class Signature(Versioned):
    """A signature line: a party's (party set) or the QA lead's (party empty)."""

    agreement = ForeignKeyField(SupportAgreement, backref="signatures", on_delete="CASCADE")
    agreement_id: Field[int]
    party = ForeignKeyField(AgreementParty, null=True, backref="signatures", on_delete="CASCADE")
    party_id: Field[int | None]
    person = ForeignKeyField(Person, null=True, backref="signatures", on_delete="RESTRICT")
    person_id: Field[int | None]
    signatory_name = CharField(max_length=200)
    signatory_role = CharField(max_length=200, null=True)
    signed_on = DateField(null=True)
