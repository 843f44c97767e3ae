"""Support agreements: the record and its parts (parties, leaders, activities, reports, spend,
signatures). The lifecycle rules (allowed status changes and what each needs) live in
``agreement_lifecycle``; this module keeps the records valid and audited."""

from __future__ import annotations

import re

from .. import fields
from ..academic_year import AcademicYear
from ..choices import ACTIVITY_KINDS, AGREEMENT_STATUSES, PARTY_ROLES, RAG_RATINGS, REPORT_KINDS
from ..errors import NotFoundError
from ..models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    Designation,
    ImpactReport,
    Person,
    School,
    Signature,
    SpendEntry,
    SupportAgreement,
)
from .base import EntityService, Field
from .parsers import academic_year, choice, long_text, ref, text

_REFERENCE = re.compile(r"^SSA-(\d{4})-(\d{3,})$")


def next_reference(year: AcademicYear) -> str:
    """``SSA-YYYY-NNN``: the academic year's start year and the next number in that year."""
    prefix = f"SSA-{year.start_year}-"
    highest = 0
    for (reference,) in (SupportAgreement.select(SupportAgreement.reference)
                         .where(SupportAgreement.reference.startswith(prefix)).tuples()):
        match = _REFERENCE.match(reference)
        if match:
            highest = max(highest, int(match.group(2)))
    return f"{prefix}{highest + 1:03d}"


class AgreementService(EntityService[SupportAgreement]):
    model = SupportAgreement
    entity = "agreement"
    label = "Support agreement"
    fields = (
        Field("title", "Title", text(300), required=True),
        Field("academic_year", "Academic year", academic_year, required=True),
        Field("status", "Status", choice(AGREEMENT_STATUSES)),
        Field("priorities", "Priority areas", long_text),
        Field("intended_impact", "Intended impact", long_text),
        Field("evidence", "Evidence of impact", long_text),
        Field("baseline", "Baseline", long_text),
        Field("funding_source", "Funding source", text(200)),
        Field("amount_agreed_pence", "Amount agreed", fields.money),
        Field("start_date", "Start date", fields.day),
        Field("end_date", "End date", fields.day),
        Field("qa_lead", "QA lead", ref(Person, "person")),
        Field("notes", "Notes", long_text),
    )

    def prepare(self, data, instance=None):
        values = super().prepare(data, instance)
        if instance is None:
            values["status"] = values.get("status") or "draft"
            values["amount_agreed_pence"] = values.get("amount_agreed_pence") or 0
            values["reference"] = next_reference(values["academic_year"])
        return values

    def check(self, values, instance):
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            return {"end_date": "End date is before the start date"}
        return {}

    def describe(self, agreement: SupportAgreement) -> str:
        return agreement.reference

    def by_reference(self, reference: str) -> SupportAgreement:
        agreement = SupportAgreement.get_or_none(SupportAgreement.reference == reference.strip().upper())
        if agreement is None:
            raise NotFoundError(f"No support agreement with reference {reference}")
        return agreement


class _Part(EntityService):
    """A part of an agreement: audited under its own kind, concerning the named person."""

    person_field = "person"

    def person_id(self, instance):
        return getattr(instance, f"{self.person_field}_id", None)


class PartyService(_Part):
    model = AgreementParty
    entity = "agreement_party"
    label = "Party"
    person_field = "contact"
    fields = (
        Field("agreement", "Agreement", ref(SupportAgreement, "agreement"), required=True),
        Field("school", "School", ref(School, "school"), required=True),
        Field("role", "Party", choice(PARTY_ROLES), required=True),
        Field("contact", "Contact", ref(Person, "person")),
        Field("responsibilities", "Responsibilities", long_text),
    )


class LeaderService(_Part):
    model = AgreementLeader
    entity = "agreement_leader"
    label = "System leader"
    fields = (
        Field("agreement", "Agreement", ref(SupportAgreement, "agreement"), required=True),
        Field("person", "System leader", ref(Person, "person"), required=True),
        Field("designation", "Designation", ref(Designation, "designation")),
        Field("days", "Days", fields.number),
        Field("hours", "Hours", fields.number),
    )


class ActivityService(_Part):
    model = AgreementActivity
    entity = "agreement_activity"
    label = "Activity"
    fields = (
        Field("agreement", "Agreement", ref(SupportAgreement, "agreement"), required=True),
        Field("date", "Date", fields.day),
        Field("kind", "Activity", choice(ACTIVITY_KINDS)),
        Field("description", "Description", long_text),
        Field("person", "Who", ref(Person, "person")),
        Field("who", "Who (name)", text(200)),
        Field("time", "Time", text(50)),
    )


class ReportService(_Part):
    model = ImpactReport
    entity = "impact_report"
    label = "Impact report"
    person_field = "author"
    fields = (
        Field("agreement", "Agreement", ref(SupportAgreement, "agreement"), required=True),
        Field("kind", "Report", choice(REPORT_KINDS), required=True),
        Field("due_date", "Due", fields.day, required=True),
        Field("submitted_on", "Submitted", fields.day),
        Field("summary", "Summary", long_text),
        Field("rag", "RAG rating", choice(RAG_RATINGS)),
        Field("author", "Written by", ref(Person, "person")),
    )


class SpendService(_Part):
    model = SpendEntry
    entity = "spend"
    label = "Spend"
    person_field = ""
    fields = (
        Field("agreement", "Agreement", ref(SupportAgreement, "agreement"), required=True),
        Field("date", "Date", fields.day, required=True),
        Field("description", "What", text(300), required=True),
        Field("amount_pence", "Amount", fields.money, required=True),
    )

    def person_id(self, instance):
        return None


class SignatureService(_Part):
    model = Signature
    entity = "signature"
    label = "Signature"
    fields = (
        Field("agreement", "Agreement", ref(SupportAgreement, "agreement"), required=True),
        Field("party", "Party", ref(AgreementParty, "party")),
        Field("person", "Person", ref(Person, "person")),
        Field("signatory_name", "Name", text(200), required=True),
        Field("signatory_role", "Role", text(200)),
        Field("signed_on", "Date signed", fields.day),
    )


def spent_pence(agreement: SupportAgreement | int) -> int:
    from peewee import fn

    total = (SpendEntry.select(fn.COALESCE(fn.SUM(SpendEntry.amount_pence), 0))
             .where(SpendEntry.agreement == agreement).scalar())
    return int(total or 0)


agreements = AgreementService()
parties = PartyService()
leaders = LeaderService()
activities = ActivityService()
reports = ReportService()
spend = SpendService()
signatures = SignatureService()
