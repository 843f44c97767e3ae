"""The life of a support agreement: which status changes are allowed and what each one needs,
and the warnings worth showing (they never stop a save).

Status: draft -> agreed -> active -> completed, and draft/agreed/active -> withdrawn. No
status change leads back, so each is one-way (``IRREVERSIBLE``): the GUI asks first and the CLI
wants ``--yes`` when ``warnings_for(agreement, target)`` finds something to point out (completing
before the end date or with money unspent, starting support before the start date), and both say
``what_happens``. Completed and withdrawn are ``CLOSED``: a closed agreement is the signed,
reported record of what happened, so ``agreements`` refuses any change to its fields (except
its notes) or its parts (``closed_message`` says why). ``change_status`` is the one way to move
an agreement forward; the agreement service refuses a status change through ``update`` by the
same rules (``transition_problems``), so no caller can skip them. ``reopen(agreement_id,
reason)`` is the one way back out of a closed status (a completion clicked months early): it
needs a reason, which the audit entry carries, and restores the status the agreement closed from
(or ``draft``, to renegotiate and issue it again: see ``issued_versions``).

Versions: an agreement's printed version is the number of times it was issued, i.e. moved from
draft to agreed (``issued_versions``). Edits do not count; a draft prints "Draft", and an
agreement reopened to draft and agreed again is the next version.

The reminders for Home and the list (reports due, agreements past their end date) are
``agreement_reminders``: queries over many agreements, where this module decides one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import cast

from .. import audit, clock
from ..choices import AGREEMENT_STATUSES, PARTY_ROLES, REPORT_KINDS
from ..errors import ConflictError, NotFoundError, RefusedError
from ..fields import format_date, format_money
from ..models import (
    AgreementLeader,
    AgreementParty,
    AuditEntry,
    ImpactReport,
    Person,
    SupportAgreement,
    is_postgres,
)
from ..models.base import writing
from .agreement_money import funding

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("agreed", "withdrawn"),
    "agreed": ("active", "withdrawn"),
    "active": ("completed", "withdrawn"),
    "completed": (),
    "withdrawn": (),
}

#: What the buttons that make each change say.
ACTIONS: dict[str, str] = {
    "agreed": "Mark as agreed",
    "active": "Start support",
    "completed": "Mark as completed",
    "withdrawn": "Withdraw",
}

#: Statuses in which reports are expected and reminders apply.
LIVE = ("agreed", "active")

#: Final statuses: the agreement is closed and only its notes may still change.
CLOSED = ("completed", "withdrawn")

#: Status changes that cannot be taken back by another status change (all of them: the
#: lifecycle only moves forward; a closed agreement comes back only through ``reopen``).
IRREVERSIBLE = ("agreed", "active", "completed", "withdrawn")

#: The reopen button's wording.
REOPEN_ACTION = "Reopen…"

#: The fields of a closed agreement that may still be edited (what happened later).
EDITABLE_WHEN_CLOSED = ("notes",)


def is_closed(agreement: SupportAgreement | int) -> bool:
    return _get(agreement).status in CLOSED


def closed_message(agreement: SupportAgreement) -> str:
    """'SSA-2025-004 is completed: a closed agreement cannot be changed'."""
    return (f"{agreement.reference} is {AGREEMENT_STATUSES.label(agreement.status).lower()}: "
            "a closed agreement cannot be changed")


def allowed(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def _locked(agreement_id: int, expected_version: int | None, step: str) -> SupportAgreement:
    """The agreement as it is now, read inside the step's transaction (locked on PostgreSQL;
    SQLite's write lock is taken at BEGIN, ``writing``); refused (``ConflictError``: who and
    when) if it changed since the user saw ``expected_version``: the step was chosen looking
    at the agreement as it was."""
    query = SupportAgreement.select().where(SupportAgreement.id == agreement_id)
    found: SupportAgreement | None = (query.for_update() if is_postgres() else query).first()
    if found is None:
        raise NotFoundError(f"No support agreement with id {agreement_id}")
    if expected_version is not None and found.version != expected_version:
        latest = (AuditEntry.select().where((AuditEntry.entity == "agreement")
                                            & (AuditEntry.entity_id == agreement_id))
                  .order_by(AuditEntry.id.desc()).first())
        raise ConflictError(entity="agreement", record_id=found.id, label=found.reference,
                            fields={}, labels={}, who=latest.user if latest else None,
                            when=latest.at if latest else None, current_version=found.version,
                            step=step)
    return found


def _step_written(agreement: SupportAgreement, old: str, key: str) -> None:
    """Status and version one more, ``WHERE version =`` the one read (it is, under the lock)."""
    written = (SupportAgreement.update(status=key, version=SupportAgreement.version + 1)
               .where((SupportAgreement.id == agreement.id)
                      & (SupportAgreement.version == agreement.version)).execute())
    if written != 1:  # cannot happen under the lock; never write over a change unseen
        raise RefusedError(f"{agreement.reference} was changed by someone else meanwhile; "
                           "nothing was changed. Open it again to see the change.")
    agreement.status = key
    agreement.version += 1


def _get(agreement: SupportAgreement | int) -> SupportAgreement:
    if isinstance(agreement, SupportAgreement):
        return agreement
    found = SupportAgreement.get_or_none(SupportAgreement.id == agreement)
    if found is None:
        raise NotFoundError(f"No support agreement with id {agreement}")
    return found


def requirement_problems(agreement: SupportAgreement | int, target: str) -> dict[str, str]:
    """What ``agreement`` lacks to be in ``target``: {field: message}; empty when ready.

    The keys name the editor field each message belongs beside (``parties``, ``reports``...).
    """
    agreement = _get(agreement)
    problems: dict[str, str] = {}
    if target in ("agreed", "active", "completed"):
        parties = list(AgreementParty.select().where(AgreementParty.agreement == agreement.id))
        roles = {p.role for p in parties}
        missing = [PARTY_ROLES.label(r).lower() for r in ("supported", "supporting") if r not in roles]
        if missing:
            problems["parties"] = f"Add at least one {' and one '.join(missing)}"
        without = [p for p in parties if not (p.responsibilities or "").strip()]
        if without:
            names = ", ".join(p.school.name for p in without)
            problems["responsibilities"] = f"Write the responsibilities of {names}"
        if not (agreement.intended_impact or "").strip():
            problems["intended_impact"] = "Write the intended impact"
        if not (agreement.evidence or "").strip():
            problems["evidence"] = "Write the anticipated measurable evidence of impact"
        final = _final_report(agreement.id)
        if final is None or final.due_date is None:
            problems["reports"] = "Add the final impact report with its due date"
    if target == "completed":
        final = _final_report(agreement.id)
        if final is None or final.submitted_on is None:
            problems["reports"] = ("Record the final impact report (submitted date and summary) "
                                   "before completing")
    return problems


def transition_problems(agreement: SupportAgreement | int, target: str) -> dict[str, str]:
    """Why ``agreement`` cannot move to ``target`` now: {field: message}; empty if it can."""
    agreement = _get(agreement)
    if target not in AGREEMENT_STATUSES:
        return {"status": f"'{target}' is not a status (use one of {', '.join(AGREEMENT_STATUSES.keys)})"}
    current = agreement.status
    if target == current:
        return {}
    if target not in allowed(current):
        options = allowed(current)
        hint = (f"from {AGREEMENT_STATUSES.label(current).lower()} it can become "
                f"{' or '.join(AGREEMENT_STATUSES.label(s).lower() for s in options)}"
                if options else f"a {AGREEMENT_STATUSES.label(current).lower()} agreement cannot change "
                "(reopen it first, saying why)")
        return {"status": f"Cannot go from {AGREEMENT_STATUSES.label(current).lower()} to "
                          f"{AGREEMENT_STATUSES.label(target).lower()}: {hint}"}
    return requirement_problems(agreement, target)


def refusal_message(agreement: SupportAgreement, target: str, problems: dict[str, str]) -> str:
    what = AGREEMENT_STATUSES.label(target).lower()
    if "status" in problems:
        return f"{agreement.reference}: {problems['status']}"
    return f"{agreement.reference} cannot be {what} yet: " + "; ".join(problems.values())


def change_status(agreement_id: int, target: str, *, reason: str | None = None,
                  expected_version: int | None = None) -> SupportAgreement:
    """Move the agreement to ``target`` if allowed and ready; audited with the reason.

    Raises RefusedError naming everything missing, and changes nothing then.
    ``expected_version``: the version the user saw (the editor's); changed since -> refused
    (``ConflictError``), nothing changed.
    """
    key = AGREEMENT_STATUSES.parse(target) or target
    with writing():  # the step reads, then writes: the write lock first
        agreement = _locked(agreement_id, expected_version,
                            AGREEMENT_STATUSES.label(key).lower() if key in TRANSITIONS
                            else "moved on")
        problems = transition_problems(agreement, key)
        if problems:
            raise RefusedError(refusal_message(agreement, key, problems))
        old = agreement.status
        if old == key:
            return agreement
        if key == "withdrawn" and not (reason or "").strip():
            raise RefusedError(f"{agreement.reference}: say why it is withdrawn")
        _step_written(agreement, old, key)  # one audited change, one version (services.base)
        audit.record("agreement", agreement.id, "update", {"status": [old, key]},
                     note=(reason or "").strip() or None)
    return agreement


def is_irreversible(target: str) -> bool:
    return target in IRREVERSIBLE


def what_happens(agreement: SupportAgreement | int, target: str) -> str:
    """One sentence naming what the step does, for the confirmation (GUI) and the CLI."""
    agreement = _get(agreement)
    ref = agreement.reference
    if target == "agreed":
        number = issued_versions(agreement)[0] + 1
        return (f"{ref} will be agreed and issued as version {number}: it can no longer go back "
                "to draft, and the printed agreement shows this version number.")
    if target == "active":
        return f"Support on {ref} starts now: it can no longer go back to agreed."
    if target in CLOSED:
        what = AGREEMENT_STATUSES.label(target).lower()
        return (f"{ref} will be closed as {what}: nothing in it can be changed except its notes, "
                "unless someone reopens it and says why.")
    return f"{ref} will become {AGREEMENT_STATUSES.label(target).lower()}."


def warnings_for(agreement: SupportAgreement | int, target: str,
                 today: date | None = None) -> dict[str, str]:
    """What to point out before moving ``agreement`` to ``target``: {field: message}.

    Never a refusal (``transition_problems`` refuses): the GUI shows these in its confirmation
    and the CLI wants ``--yes`` when there are any. Completing before the end date or with
    money unspent, and starting support before the start date."""
    agreement = _get(agreement)
    today = today or clock.today()
    found: dict[str, str] = {}
    if target == "completed":
        if agreement.end_date and agreement.end_date > today:
            found["end_date"] = (f"Completing early: {_time_until(today, agreement.end_date)} "
                                 f"before its end date ({format_date(agreement.end_date)})")
        money = funding(agreement)
        if money.balance > 0:
            found["spend"] = (f"{format_money(money.balance)} of the {format_money(money.agreed)} "
                              "agreed is unspent")
    if target == "active" and agreement.start_date and agreement.start_date > today:
        found["start_date"] = (f"Starting support {_time_until(today, agreement.start_date)} "
                               f"before its start date ({format_date(agreement.start_date)})")
    return found


def _time_until(today: date, later: date) -> str:
    """'7 months', '3 weeks', '1 day': roughly how long from ``today`` to ``later``."""
    days = (later - today).days
    months = (later.year - today.year) * 12 + later.month - today.month - (later.day < today.day)
    if months >= 1:
        return f"{months} month{'s' if months != 1 else ''}"
    if days >= 14:
        return f"{days // 7} weeks"
    return f"{days} day{'s' if days != 1 else ''}"


def _status_steps(agreement_id: int) -> Iterator[tuple[str, str, datetime]]:
    """(old, new, when) of every recorded status change of the agreement, oldest first."""
    query = (AuditEntry.select(AuditEntry.changes, AuditEntry.at)
             .where((AuditEntry.entity == "agreement") & (AuditEntry.entity_id == agreement_id)
                    & (AuditEntry.action == "update") & AuditEntry.changes.contains('"status": ['))
             .order_by(AuditEntry.id))
    for changes, at in cast("Iterable[tuple[str, datetime]]", query.tuples()):
        try:
            old, new = json.loads(changes)["status"]
        except (ValueError, KeyError, TypeError):
            continue
        yield old, new, at


def issued_versions(agreement: SupportAgreement | int) -> tuple[int, date | None]:
    """(times the agreement was issued, i.e. moved from draft to agreed; date of the latest).

    This is the printed version number: edits never count, a reopen does not either, but an
    agreement reopened to draft and agreed again is issued again (one more)."""
    agreement = _get(agreement)
    issued = [at for old, new, at in _status_steps(agreement.id) if (old, new) == ("draft", "agreed")]
    if not issued:
        return 0, None
    last = issued[-1]
    return len(issued), (last.date() if hasattr(last, "date") else last)


def reopen_targets(agreement: SupportAgreement | int) -> tuple[str, ...]:
    """Where a closed agreement may go back to: the status it closed from, or draft."""
    agreement = _get(agreement)
    if agreement.status not in CLOSED:
        return ()
    before = None
    for old, new, _at in _status_steps(agreement.id):
        if new == agreement.status:
            before = old
    if before not in ("draft", "agreed", "active"):
        before = "active" if agreement.status == "completed" else "draft"
    return (before,) if before == "draft" else (before, "draft")


def reopen(agreement_id: int, reason: str, *, to: str | None = None,
           expected_version: int | None = None) -> SupportAgreement:
    """Take a completed or withdrawn agreement back to ``to`` (default: the status it closed
    from); ``reason`` is required and kept in the audit entry. RefusedError otherwise, with
    nothing changed. ``expected_version`` as for ``change_status``."""
    with writing():  # the step reads, then writes: the write lock first
        agreement = _locked(agreement_id, expected_version, "reopened")
        if agreement.status not in CLOSED:
            raise RefusedError(f"{agreement.reference} is "
                               f"{AGREEMENT_STATUSES.label(agreement.status).lower()}: only a "
                               "completed or withdrawn agreement can be reopened")
        if not (reason or "").strip():
            raise RefusedError(f"{agreement.reference}: say why it is reopened (kept in its history)")
        targets = reopen_targets(agreement)
        key = targets[0] if to is None else (AGREEMENT_STATUSES.parse(to) or to)
        if key not in targets:
            raise RefusedError(f"{agreement.reference} can be reopened as "
                               f"{' or '.join(AGREEMENT_STATUSES.label(t).lower() for t in targets)}, "
                               f"not as {to}")
        old = agreement.status
        _step_written(agreement, old, key)  # one audited change, one version (services.base)
        audit.record("agreement", agreement.id, "update", {"status": [old, key]},
                     note=f"Reopened: {reason.strip()}")
    return agreement


# -- warnings --------------------------------------------------------------------------------

def warnings(agreement: SupportAgreement | int, today: date | None = None) -> dict[str, str]:
    """Things to point out that do not stop anything: {field: message}."""
    agreement = _get(agreement)
    today = today or clock.today()
    result: dict[str, str] = {}
    money = funding(agreement)
    if money.over:
        result["spend"] = (f"Spend {format_money(money.spent)} is over the amount agreed "
                           f"{format_money(money.agreed)} by {format_money(-money.balance)}")
    if agreement.qa_lead_id is not None:
        clashes = (AgreementParty.select()
                   .where((AgreementParty.agreement == agreement.id)
                          & (AgreementParty.contact == agreement.qa_lead_id)))
        schools = [p.school.name for p in clashes]
        if schools:
            lead = agreement.qa_lead
            assert lead is not None  # qa_lead_id is set
            result["qa_lead"] = (f"The QA lead, {lead.full_name}, is also the contact for "
                                 f"{', '.join(schools)}: quality assurance should be independent")
    elif agreement.status in ("draft", "agreed"):
        result["qa_lead"] = "No independent quality-assurance lead yet"
    if agreement.status == "active" and agreement.end_date and agreement.end_date < today:
        result["end_date"] = (f"Still active after its end date ({format_date(agreement.end_date)}): "
                              "complete it, withdraw it or extend the end date")
    if agreement.status in LIVE:
        late = [r for r in _reports(agreement.id) if r.submitted_on is None and r.due_date < today]
        if late:
            result["reports"] = "; ".join(
                f"{REPORT_KINDS.label(r.kind)} report overdue since {format_date(r.due_date)}"
                for r in late)
    undesignated = [
        leader.person.full_name
        for leader in AgreementLeader.select().join(Person).where(AgreementLeader.agreement == agreement.id)
        if leader.designation_id is None
    ]
    if undesignated:
        result["leaders"] = f"No SLE/LLE designation recorded for {', '.join(undesignated)}"
    return result


def _reports(agreement_id: int) -> list[ImpactReport]:
    return list(ImpactReport.select().where(ImpactReport.agreement == agreement_id)
                .order_by(ImpactReport.due_date, ImpactReport.id))


def _final_report(agreement_id: int) -> ImpactReport | None:
    final: ImpactReport | None = (
        ImpactReport.select()
        .where((ImpactReport.agreement == agreement_id) & (ImpactReport.kind == "final"))
        .order_by(ImpactReport.id).first())
    return final
