"""Support agreement lifecycle: allowed transitions, what each needs, warnings, reminders, money."""

from __future__ import annotations

import json
from datetime import date

import agreement_factory as make
import pytest

from ittdesk import settings
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry, SupportAgreement
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services import agreement_reminders
from ittdesk.services.agreements import (
    Funding,
    activities,
    agreements,
    delete_agreement,
    funding,
    leaders,
    parties,
    reports,
    signatures,
    spend,
)


def status_of(agreement_id: int) -> str:
    return SupportAgreement.get_by_id(agreement_id).status


def test_new_agreement_gets_next_reference_in_its_year_and_starts_as_draft(db):
    first = make.agreement().agreement
    second = make.agreement(title="Maths").agreement
    other_year = make.agreement(title="Later", year="2026/27").agreement
    assert (first.reference, second.reference, other_year.reference) == (
        "SSA-2025-001", "SSA-2025-002", "SSA-2026-001")
    assert first.status == "draft"


def test_new_agreement_cannot_start_in_another_status(db):
    with pytest.raises(ValidationError) as exc:
        agreements.create({"title": "X", "academic_year": "2025/26", "status": "active"})
    assert "starts as a draft" in exc.value.errors["status"]
    assert not SupportAgreement.select().exists()


def test_full_lifecycle_draft_agreed_active_completed_is_audited(db):
    built = make.agreement()
    a = built.agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    final = reports.model.get((reports.model.agreement == a.id) & (reports.model.kind == "final"))
    reports.update(final.id, {"submitted_on": "10/06/2026", "summary": "Met.", "rag": "green"})
    lifecycle.change_status(a.id, "completed")
    assert status_of(a.id) == "completed"
    steps = [json.loads(e.changes)["status"] for e in AuditEntry.select()
             .where((AuditEntry.entity == "agreement") & (AuditEntry.entity_id == a.id)
                    & (AuditEntry.action == "update")).order_by(AuditEntry.id)]
    assert steps == [["draft", "agreed"], ["agreed", "active"], ["active", "completed"]]


@pytest.mark.parametrize("start, target, message", [
    ("draft", "active", "Cannot go from draft to active: from draft it can become agreed or withdrawn"),
    ("draft", "completed", "Cannot go from draft to completed"),
    ("withdrawn", "draft", "a withdrawn agreement cannot change"),
])
def test_disallowed_transitions_are_refused_with_the_allowed_ones_named(db, start, target, message):
    a = make.agreement().agreement
    if start == "withdrawn":
        lifecycle.change_status(a.id, "withdrawn", reason="School closed")
    with pytest.raises(RefusedError, match=message):
        lifecycle.change_status(a.id, target)
    assert status_of(a.id) == start


def test_cannot_be_agreed_without_parties_responsibilities_impact_evidence_and_final_report(db):
    built = make.agreement(ready=False)
    a = built.agreement
    parties.delete(built.supporting.id)
    with pytest.raises(RefusedError) as exc:
        lifecycle.change_status(a.id, "agreed")
    text = str(exc.value)
    assert text.startswith(f"{a.reference} cannot be agreed yet:")
    for expected in ("at least one supporting school", "Write the responsibilities of",
                     "Write the intended impact", "measurable evidence of impact",
                     "final impact report with its due date"):
        assert expected in text
    assert status_of(a.id) == "draft"
    problems = lifecycle.transition_problems(a, "agreed")
    assert set(problems) == {"parties", "responsibilities", "intended_impact", "evidence", "reports"}


def test_each_missing_party_role_is_named(db):
    built = make.agreement()
    parties.delete(built.supported.id)
    parties.delete(built.supporting.id)
    problems = lifecycle.transition_problems(built.agreement, "agreed")
    assert problems["parties"] == "Add at least one supported school and one supporting school"


def test_cannot_be_completed_without_a_submitted_final_report(db):
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    with pytest.raises(RefusedError, match="Record the final impact report"):
        lifecycle.change_status(a.id, "completed")
    assert status_of(a.id) == "active"


def test_status_change_through_plain_update_obeys_the_same_rules(db):
    a = make.agreement(ready=False).agreement
    with pytest.raises(ValidationError) as exc:
        agreements.update(a.id, {"status": "agreed"})
    assert "intended_impact" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        agreements.update(a.id, {"status": "completed"})
    assert "Cannot go from draft to completed" in exc.value.errors["status"]
    assert status_of(a.id) == "draft"


def test_withdrawal_keeps_its_reason_in_the_audit_trail(db):
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "withdrawn", reason="The school joined a trust")
    entry = AuditEntry.select().where(AuditEntry.entity == "agreement").order_by(AuditEntry.id.desc()).first()
    assert entry.note == "The school joined a trust"
    assert lifecycle.allowed("withdrawn") == ()


def test_money_is_exact_pence_and_the_balance_is_agreed_minus_spent(db):
    a = make.agreement(amount="£1,000.10").agreement
    for amount in ("0.10", "0.20", "333.33", "£1,234.50"):
        spend.create({"agreement": a.id, "date": "01/11/2025", "description": "Supply", "amount_pence": amount})
    money = funding(a.id)
    assert (money.agreed, money.spent) == (100010, 156813)
    assert money.balance == -56803 and money.over
    assert money.text() == "£1,000.10 agreed, £1,568.13 spent, £568.03 over"
    assert Funding(50000, 12345).text() == "£500.00 agreed, £123.45 spent, £376.55 left"


def test_spend_with_fractions_of_a_penny_or_negative_is_refused(db):
    a = make.agreement().agreement
    for bad, message in (("12.345", "fractions of a penny"), ("-5", "must not be negative"),
                         ("lots", "is not an amount of money")):
        with pytest.raises(ValidationError, match=message):
            spend.create({"agreement": a.id, "date": "01/11/2025", "description": "x", "amount_pence": bad})
    assert funding(a.id).spent == 0


def test_spend_over_the_amount_agreed_warns_but_is_kept(db):
    a = make.agreement(amount="100").agreement
    spend.create({"agreement": a.id, "date": "01/11/2025", "description": "Cover", "amount_pence": "150"})
    warning = lifecycle.warnings(a.id)["spend"]
    assert warning == "Spend £150.00 is over the amount agreed £100.00 by £50.00"


def test_qa_lead_who_is_also_a_party_contact_is_warned_about(db):
    built = make.agreement()
    assert "qa_lead" not in lifecycle.warnings(built.agreement.id)
    parties.update(built.supporting.id, {"contact": built.qa_lead.id})
    warning = lifecycle.warnings(built.agreement.id)["qa_lead"]
    assert "is also the contact for" in warning and "should be independent" in warning
    assert built.supporting.school.name in warning


def test_party_school_cannot_be_added_twice_and_only_one_lead(db):
    built = make.agreement()
    a = built.agreement
    with pytest.raises(ValidationError, match="already a party"):
        parties.create({"agreement": a.id, "school": built.supported.school_id, "role": "supporting"})
    other = make.school("Another School")
    with pytest.raises(ValidationError, match="already has a lead"):
        parties.create({"agreement": a.id, "school": other.id, "role": "lead"})


def test_leader_gets_their_designation_and_needs_days_or_hours(db):
    built = make.agreement()
    deployed = leaders.model.get(leaders.model.agreement == built.agreement.id)
    assert deployed.designation.kind == "SLE" and deployed.designation.specialism == "Early reading"
    with pytest.raises(ValidationError, match="days or hours"):
        leaders.create({"agreement": built.agreement.id, "person": built.qa_lead.id})


def test_only_one_final_report_and_no_rag_before_submission(db):
    a = make.agreement().agreement
    with pytest.raises(ValidationError, match="already has a final report"):
        reports.create({"agreement": a.id, "kind": "final", "due_date": "01/07/2026"})
    with pytest.raises(ValidationError, match="once the report is submitted"):
        reports.create({"agreement": a.id, "kind": "interim", "due_date": "01/03/2026", "rag": "red"})


def test_signature_party_must_belong_to_the_agreement_and_sign_once(db):
    one, two = make.agreement(), make.agreement(title="Other")
    with pytest.raises(ValidationError, match="another agreement"):
        signatures.create({"agreement": one.agreement.id, "party": two.supported.id, "signatory_name": "X"})
    signatures.create({"agreement": one.agreement.id, "party": one.supported.id, "signatory_name": "X"})
    with pytest.raises(ValidationError, match="already signed"):
        signatures.create({"agreement": one.agreement.id, "party": one.supported.id, "signatory_name": "Y"})


def test_reports_due_within_the_setting_and_overdue_are_reminded(db):
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    today = date(2026, 1, 1)  # interim due 15/01/2026, final 15/06/2026
    found = agreement_reminders.reports_due(today)
    assert [(r.kind, r.days, r.overdue) for r in found] == [("interim", 14, False)]
    assert found[0].message == "Interim report due 15/01/2026 (in 14 days)"
    late = agreement_reminders.reports_due(date(2026, 1, 20))
    assert late[0].overdue and late[0].message == "Interim report overdue by 5 days (due 15/01/2026)"
    settings.set("reports_due_days", 10)
    assert agreement_reminders.reports_due(today) == []
    # Submitted reports and drafts are not reminded.
    interim = reports.model.get((reports.model.agreement == a.id) & (reports.model.kind == "interim"))
    reports.update(interim.id, {"submitted_on": "02/01/2026"})
    assert agreement_reminders.reports_due(date(2026, 1, 20)) == []


def test_draft_agreements_have_no_report_reminders(db):
    make.agreement()
    assert agreement_reminders.reports_due(date(2026, 1, 20)) == []


def test_active_agreement_past_its_end_date_is_flagged(db):
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    assert agreement_reminders.past_end_date(date(2026, 6, 30)) == []
    flagged = agreement_reminders.past_end_date(date(2026, 7, 3))
    assert [(f.reference, f.days_past) for f in flagged] == [(a.reference, 3)]
    flags = agreement_reminders.agreement_flags(date(2026, 7, 3))
    assert any("after its end date" in m for m in flags[a.id])
    assert "end_date" in lifecycle.warnings(a.id, today=date(2026, 7, 3))
    assert agreement_reminders.reminders(date(2026, 7, 3)).count == 3  # both reports overdue + past end


def test_delete_agreement_removes_a_draft_with_its_parts_and_refuses_others(db):
    built = make.agreement()
    with pytest.raises(RefusedError, match="cannot be deleted: it still has 3 parties"):
        agreements.delete(built.agreement.id)
    delete_agreement(built.agreement.id)
    assert not SupportAgreement.select().exists()
    kept = make.agreement(title="Kept").agreement
    lifecycle.change_status(kept.id, "agreed")
    with pytest.raises(RefusedError, match="only a draft can be deleted"):
        delete_agreement(kept.id)


def test_a_refused_delete_names_every_kind_of_part_and_deleting_the_draft_audits_each(db):
    built = make.agreement()
    a = built.agreement.id
    activities.create({"agreement": a, "kind": "visit", "date": "02/10/2025"})
    spend.create({"agreement": a, "date": "03/10/2025", "description": "Cover", "amount_pence": "150"})
    signatures.create({"agreement": a, "party": built.supported.id, "signatory_name": "Ana Head"})
    with pytest.raises(RefusedError, match="it still has 3 parties, 1 system leader, 1 activity, "
                                           "2 impact reports, 1 spend entry, 1 signature\\."):
        agreements.delete(a)
    delete_agreement(a)
    deleted = [e.entity for e in AuditEntry.select().where(AuditEntry.action == "delete")
               .order_by(AuditEntry.id)]
    # signatures before the parties they name; the agreement itself last
    assert deleted == ["signature", "spend", "impact_report", "impact_report",
                       "agreement_activity", "agreement_leader", "agreement_party",
                       "agreement_party", "agreement_party", "agreement"]


def test_demo_agreements_reach_each_state_through_the_lifecycle(demo_db):
    statuses = sorted(a.status for a in SupportAgreement.select())
    assert statuses == ["active", "active", "agreed", "completed", "draft", "withdrawn"]
    completed = SupportAgreement.get(SupportAgreement.status == "completed")
    assert lifecycle.transition_problems(completed, "completed") == {}
    assert all(funding(a).agreed % 100 == 0 and funding(a).agreed < 1_000_000
               for a in SupportAgreement.select())
