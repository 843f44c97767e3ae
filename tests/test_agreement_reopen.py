"""Closing an agreement asks first and can be undone: ``warnings_for`` (what to point out before a
one-way step), ``what_happens`` and ``reopen`` with its audited reason. Core tests, both databases."""

from __future__ import annotations

from datetime import date

import agreement_factory as make
import pytest
from test_agreement_closed import completed

from ittdesk.errors import RefusedError
from ittdesk.models import AuditEntry, ImpactReport, SupportAgreement
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import agreements, reports, spend


def status_of(agreement_id: int) -> str:
    return SupportAgreement.get_by_id(agreement_id).status


def active_with_final_report(amount: str = "4,000.00") -> SupportAgreement:
    a = make.agreement(amount=amount).agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    final = ImpactReport.get((ImpactReport.agreement == a.id) & (ImpactReport.kind == "final"))
    reports.update(final.id, {"submitted_on": "01/12/2025", "summary": "Early."})
    return a


def test_completing_seven_months_early_with_money_unspent_warns_of_both(db, set_today):
    set_today(date(2025, 12, 1))  # the factory's agreement ends on 30/06/2026
    a = active_with_final_report()
    spend.create({"agreement": a.id, "date": "01/11/2025", "description": "Cover",
                  "amount_pence": "1,600.00"})
    found = lifecycle.warnings_for(a.id, "completed")
    assert found == {
        "end_date": "Completing early: 6 months before its end date (30/06/2026)",
        "spend": "£2,400.00 of the £4,000.00 agreed is unspent",
    }


def test_completing_on_time_with_everything_spent_has_nothing_to_warn_about(db, set_today):
    set_today(date(2025, 12, 1))
    a = active_with_final_report(amount="100.00")
    spend.create({"agreement": a.id, "date": "01/11/2025", "description": "Cover",
                  "amount_pence": "100.00"})
    set_today(date(2026, 7, 1))
    assert lifecycle.warnings_for(a.id, "completed") == {}


def test_starting_support_before_the_start_date_warns(db, set_today):
    set_today(date(2025, 9, 10))  # the factory's agreement starts on 01/10/2025
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    assert lifecycle.warnings_for(a.id, "active") == {
        "start_date": "Starting support 3 weeks before its start date (01/10/2025)"}
    set_today(date(2025, 10, 1))
    assert lifecycle.warnings_for(a.id, "active") == {}


def test_every_status_change_is_one_way_and_says_what_happens(db):
    a = make.agreement().agreement
    assert all(lifecycle.is_irreversible(t) for t in ("agreed", "active", "completed", "withdrawn"))
    assert lifecycle.what_happens(a.id, "agreed").startswith(
        f"{a.reference} will be agreed and issued as version 1: it can no longer go back to draft")
    assert "closed as completed" in lifecycle.what_happens(a.id, "completed")
    assert "unless someone reopens it" in lifecycle.what_happens(a.id, "withdrawn")


def test_warnings_never_stop_the_change_itself(db, set_today):
    set_today(date(2025, 12, 1))
    a = active_with_final_report()
    assert lifecycle.warnings_for(a.id, "completed")
    lifecycle.change_status(a.id, "completed")
    assert status_of(a.id) == "completed"


def test_a_completed_agreement_reopens_to_active_with_the_reason_audited(db):
    a = completed().agreement
    lifecycle.reopen(a.id, "Marked complete by mistake; support runs to July")
    assert status_of(a.id) == "active"
    entry = (AuditEntry.select().where((AuditEntry.entity == "agreement") & (AuditEntry.entity_id == a.id))
             .order_by(AuditEntry.id.desc()).first())
    assert entry.changes == '{"status": ["completed", "active"]}'
    assert entry.note == "Reopened: Marked complete by mistake; support runs to July"
    # Open again: its fields can change.
    agreements.update(a.id, {"end_date": "31/07/2026"})
    assert SupportAgreement.get_by_id(a.id).end_date == date(2026, 7, 31)


def test_a_withdrawn_agreement_reopens_to_the_status_it_was_withdrawn_from(db):
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "withdrawn", reason="Head left")
    assert lifecycle.reopen_targets(a.id) == ("agreed", "draft")
    lifecycle.reopen(a.id, "New head wants it")
    assert status_of(a.id) == "agreed"


def test_reopen_needs_a_reason_and_a_closed_agreement_and_changes_nothing_otherwise(db):
    a = completed().agreement
    for reason in ("", "   "):
        with pytest.raises(RefusedError, match="say why it is reopened"):
            lifecycle.reopen(a.id, reason)
    with pytest.raises(RefusedError, match="can be reopened as active or draft, not as agreed"):
        lifecycle.reopen(a.id, "Because", to="agreed")
    assert status_of(a.id) == "completed"
    other = make.agreement(title="Open one").agreement
    with pytest.raises(RefusedError, match="only a completed or withdrawn agreement can be reopened"):
        lifecycle.reopen(other.id, "Because")
    assert status_of(other.id) == "draft"


def test_a_closed_agreements_refusal_points_at_reopening(db):
    a = completed().agreement
    with pytest.raises(RefusedError, match=r"cannot change \(reopen it first, saying why\)"):
        lifecycle.change_status(a.id, "active")
