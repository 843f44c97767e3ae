"""The list of support agreements, with its reports-due filter.

Split from ``lists`` (the registry of every list) so that each area's declarations sit together.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from peewee import ModelSelect, fn

from .. import clock, settings
from ..choices import AGREEMENT_STATUSES
from ..models import AgreementParty, ImpactReport, School, SupportAgreement
from . import Filter, ListColumn, ListQuery, SearchVia, choice_options

# -- support agreements --------------------------------------------------------------------------

def _next_report_due() -> ModelSelect[ImpactReport]:
    return (ImpactReport.select(fn.MIN(ImpactReport.due_date))
            .where((ImpactReport.agreement == SupportAgreement.id)
                   & ImpactReport.submitted_on.is_null()))


def _party_school(role: str, sort: bool = False) -> ModelSelect[AgreementParty]:
    """The agreement's first school in ``role`` by name (``sort``: the name's sort key)."""
    party_school = School.alias("party_school")
    name = party_school.name_key if sort else party_school.name
    return (AgreementParty.select(name)
            .join(party_school, on=(AgreementParty.school == party_school.id))
            .where((AgreementParty.agreement == SupportAgreement.id) & (AgreementParty.role == role))
            .order_by(AgreementParty.id).limit(1))


def _reports_due(q: ModelSelect[Any], value: str) -> ModelSelect[Any]:
    """overdue / due (within the reports-due setting) / soon (either) / none outstanding /
    past end date — for agreed and active agreements, as ``agreement_reminders`` counts them."""
    from ..services.agreement_lifecycle import LIVE

    today = clock.today()
    days = settings.REPORTS_DUE_DAYS.get()
    if value == "past_end":
        return q.where((SupportAgreement.status == "active") & (SupportAgreement.end_date < today))
    pending = ImpactReport.select(ImpactReport.id).where(
        (ImpactReport.agreement == SupportAgreement.id) & ImpactReport.submitted_on.is_null())
    if value != "none":
        q = q.where(SupportAgreement.status.in_(LIVE))
    if value == "overdue":
        return q.where(fn.EXISTS(pending.where(ImpactReport.due_date < today)))
    if value == "due":
        return q.where(fn.EXISTS(pending.where((ImpactReport.due_date >= today)
                                               & (ImpactReport.due_date <= today + timedelta(days=days)))))
    if value == "attention":
        return q.where(fn.EXISTS(pending.where(ImpactReport.due_date <= today + timedelta(days=days))))
    if value == "none":
        return q.where(~fn.EXISTS(pending))
    raise ValueError(f"unknown reports filter {value!r}")


def _report_options() -> list[tuple[str, str]]:
    days = settings.REPORTS_DUE_DAYS.get()
    return [("attention", f"Overdue or due within {days} days"), ("overdue", "Overdue"),
            ("due", f"Due within {days} days"), ("none", "No report outstanding"),
            ("past_end", "Active after its end date")]


AGREEMENTS = ListQuery(
    name="agreements",
    entity="agreement",
    model=SupportAgreement,
    columns=[
        ListColumn("reference", "Reference", SupportAgreement.reference, width=110),
        ListColumn("title", "Title", SupportAgreement.title, width=300),
        ListColumn("year", "Year", SupportAgreement.academic_year, kind="year", width=75),
        ListColumn("status", "Status", SupportAgreement.status, kind="choice",
               choices=AGREEMENT_STATUSES, width=90),
        ListColumn("supported", "Supported school", _party_school("supported"), width=220,
               sort=_party_school("supported", sort=True)),
        ListColumn("supporting", "Supporting school", _party_school("supporting"), visible=False,
               width=220, sort=_party_school("supporting", sort=True)),
        ListColumn("next_report", "Next report due", _next_report_due(), kind="date", width=120),
        ListColumn("amount", "Amount agreed", SupportAgreement.amount_agreed_pence, kind="money",
               width=110),
        ListColumn("start", "Starts", SupportAgreement.start_date, kind="date", visible=False),
        ListColumn("end", "Ends", SupportAgreement.end_date, kind="date", visible=False),
    ],
    search=[SupportAgreement.reference, SupportAgreement.title, SupportAgreement.funding_source],
    search_index=(SearchVia("support_agreement"),),
    filters=[
        Filter("status", "Status", choice_options(AGREEMENT_STATUSES),
               lambda q, v: q.where(SupportAgreement.status == v)),
        Filter("reports", "Reports", _report_options, _reports_due),
    ],
    default_sort="reference",
)
