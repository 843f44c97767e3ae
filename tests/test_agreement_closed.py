"""A completed or withdrawn agreement is closed: its fields (except notes) and parts are kept as
they are, whoever asks (service, save_agreement, the GUI). Core tests, on both databases."""

from __future__ import annotations

import agreement_factory as make
import pytest

from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    AuditEntry,
    ImpactReport,
    Signature,
    SpendEntry,
    SupportAgreement,
)
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import (
    PartEdit,
    activities,
    agreements,
    delete_agreement,
    leaders,
    parties,
    reports,
    save_agreement,
    signatures,
    spend,
)

CLOSED = "is completed: a closed agreement cannot be changed"


def completed() -> make.Built:
    """An agreement with one of each part, taken to completed through the lifecycle."""
    built = make.agreement()
    a = built.agreement
    activities.create({"agreement": a.id, "date": "01/11/2025", "kind": "visit", "description": "Visit"})
    spend.create({"agreement": a.id, "date": "01/11/2025", "description": "Cover", "amount_pence": "100"})
    signatures.create({"agreement": a.id, "party": built.supported.id, "signatory_name": "Ann Head"})
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    final = ImpactReport.get((ImpactReport.agreement == a.id) & (ImpactReport.kind == "final"))
    reports.update(final.id, {"submitted_on": "10/06/2026", "summary": "Met.", "rag": "green"})
    lifecycle.change_status(a.id, "completed")
    built.agreement = SupportAgreement.get_by_id(a.id)
    return built


def snapshot(agreement_id: int) -> list:
    """Every row of the agreement and its parts, to show nothing moved."""
    rows = [SupportAgreement.get_by_id(agreement_id).__data__]
    for model in (AgreementParty, AgreementLeader, AgreementActivity, ImpactReport, SpendEntry, Signature):
        rows += [r.__data__ for r in model.select().where(model.agreement == agreement_id).order_by(model.id)]
    return rows


def one(model, agreement_id):
    return model.select().where(model.agreement == agreement_id).order_by(model.id).first()


def test_lifecycle_keeps_completed_and_withdrawn_final():
    assert lifecycle.CLOSED == ("completed", "withdrawn")
    assert all(lifecycle.allowed(s) == () for s in lifecycle.CLOSED)


def test_closed_agreement_fields_are_refused_in_words(db):
    built = completed()
    a = built.agreement
    before = snapshot(a.id)
    for change in ({"title": "Renamed"}, {"amount_agreed_pence": "9,000"}, {"end_date": "31/07/2026"},
                   {"qa_lead": None}, {"evidence": "Different"}, {"title": ""},
                   {"notes": "Fine", "baseline": "Changed too"}):
        with pytest.raises(RefusedError) as exc:
            agreements.update(a.id, change)
        assert str(exc.value).startswith(f"{a.reference} {CLOSED}")
        assert "only its notes can still be edited" in str(exc.value)
    assert snapshot(a.id) == before


def test_closed_agreement_status_stays_governed_by_the_lifecycle(db):
    a = completed().agreement
    with pytest.raises(ValidationError, match="a completed agreement cannot change"):
        agreements.update(a.id, {"status": "active"})
    with pytest.raises(RefusedError, match="a completed agreement cannot change"):
        lifecycle.change_status(a.id, "withdrawn", reason="Too late")
    assert SupportAgreement.get_by_id(a.id).status == "completed"


def test_notes_of_a_closed_agreement_stay_editable_and_audited(db):
    a = completed().agreement
    agreements.update(a.id, {"notes": "The school asked for a copy in 2027."})
    assert SupportAgreement.get_by_id(a.id).notes == "The school asked for a copy in 2027."
    entry = AuditEntry.select().where(AuditEntry.entity == "agreement").order_by(AuditEntry.id.desc()).first()
    assert "notes" in entry.changes
    # Unchanged values alongside the notes (as an editor sends them) are no change.
    agreements.update(a.id, {"title": a.title, "amount_agreed_pence": "£4,000.00",
                             "academic_year": "2025/26", "notes": "Later note"})
    assert SupportAgreement.get_by_id(a.id).notes == "Later note"


@pytest.mark.parametrize("service, model, new, change, noun", [
    (parties, AgreementParty, lambda b: {"school": make.school("Extra School").id, "role": "supporting"},
     {"responsibilities": "Different"}, "party"),
    (leaders, AgreementLeader, lambda b: {"person": b.qa_lead.id, "days": 2}, {"days": 9}, "system leader"),
    (activities, AgreementActivity, lambda b: {"date": "02/12/2025", "kind": "visit"},
     {"description": "Other"}, "activity"),
    (reports, ImpactReport, lambda b: {"kind": "interim", "due_date": "01/03/2026"},
     {"summary": "Rewritten"}, "impact report"),
    (spend, SpendEntry, lambda b: {"date": "01/12/2025", "description": "More", "amount_pence": "5"},
     {"amount_pence": "1"}, "spend entry"),
    (signatures, Signature, lambda b: {"party": b.supporting.id, "signatory_name": "Bo"},
     {"signatory_name": "Someone else"}, "signature"),
])
def test_every_kind_of_part_of_a_closed_agreement_is_refused(db, service, model, new, change, noun):
    built = completed()
    a = built.agreement
    part = one(model, a.id)
    data = {"agreement": a.id, **new(built)}
    before = snapshot(a.id)
    audited = AuditEntry.select().count()
    with pytest.raises(RefusedError, match=f"{a.reference} {CLOSED}, so no {noun} can be added to it"):
        service.create(data)
    with pytest.raises(RefusedError, match=f"{CLOSED}, so its {noun} cannot be changed"):
        service.update(part.id, change)
    with pytest.raises(RefusedError, match=f"{CLOSED}, so its {noun} cannot be removed"):
        service.delete(part.id)
    assert snapshot(a.id) == before
    assert AuditEntry.select().count() == audited
    service.update(part.id, {})  # nothing to change is not a change


def test_a_part_cannot_be_moved_onto_a_closed_agreement(db):
    closed = completed().agreement
    other = make.agreement(title="Open")
    with pytest.raises(RefusedError, match=f"{closed.reference} {CLOSED}, so no spend entry can be moved"):
        spend.update(spend.create({"agreement": other.agreement.id, "date": "01/11/2025",
                                   "description": "x", "amount_pence": "1"}).id,
                     {"agreement": closed.id})


def test_withdrawn_agreement_is_closed_too(db):
    built = make.agreement()
    a = built.agreement
    lifecycle.change_status(a.id, "withdrawn", reason="The school joined a trust")
    message = f"{a.reference} is withdrawn: a closed agreement cannot be changed"
    with pytest.raises(RefusedError, match=message):
        agreements.update(a.id, {"title": "Other"})
    with pytest.raises(RefusedError, match=message):
        parties.update(built.supported.id, {"responsibilities": "x"})
    with pytest.raises(RefusedError, match=message):
        agreements.delete(a.id)
    with pytest.raises(RefusedError, match="only a draft can be deleted"):  # the old rule, unchanged
        delete_agreement(a.id)
    agreements.update(a.id, {"notes": "Support resumed under a new agreement."})


def test_a_part_deleted_before_closing_cannot_be_restored_after(db):
    built = make.agreement()
    entry = spend.delete(spend.create({"agreement": built.agreement.id, "date": "01/11/2025",
                                       "description": "x", "amount_pence": "1"}).id)
    lifecycle.change_status(built.agreement.id, "withdrawn", reason="Ended")
    with pytest.raises(RefusedError, match="so its spend entry cannot be restored"):
        spend.undo_delete(entry)
    assert not SpendEntry.select().exists()


def test_save_agreement_on_a_closed_agreement_saves_notes_only(db):
    built = completed()
    a = built.agreement
    party = PartEdit({"role": built.supported.role, "school": built.supported.school_id,
                      "contact": built.supported.contact_id,
                      "responsibilities": built.supported.responsibilities}, built.supported.id)
    # Notes with the parts as they are: saved.
    save_agreement(a.id, {"notes": "Filed."}, {"parties": [party]})
    assert SupportAgreement.get_by_id(a.id).notes == "Filed."
    before = snapshot(a.id)
    for values, parts, removed in (
            ({"notes": "x", "title": "New"}, {}, {}),
            ({"notes": "x"}, {"spend": [PartEdit({"date": "01/12/2025", "description": "y",
                                                  "amount_pence": "1"})]}, {}),
            ({"notes": "x"}, {"parties": [PartEdit(dict(party.values, responsibilities="z"),
                                                   built.supported.id)]}, {}),
            ({"notes": "x"}, {}, {"leaders": [one(AgreementLeader, a.id).id]})):
        with pytest.raises(RefusedError, match=f"{a.reference} {CLOSED}"):
            save_agreement(a.id, values, parts, removed)
        assert snapshot(a.id) == before  # all or nothing: the notes were not kept either
