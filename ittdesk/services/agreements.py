"""Support agreements: the record and its parts (parties, leaders, activities, reports, spend,
signatures). The lifecycle rules (allowed status changes and what each needs) live in
``agreement_lifecycle``; this module keeps the records valid and audited.

A completed or withdrawn agreement is closed (``agreement_lifecycle.CLOSED``): the signed,
reported record of what happened. Here, where the GUI, the CLI and any import all pass, changing
its fields (except ``notes``) or creating, changing, deleting or restoring any of its parts is
refused with a RefusedError saying so ("SSA-2025-004 is completed: a closed agreement cannot be
changed ..."). An update that changes nothing is not a change and passes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from peewee import ModelSelect

from .. import clock, fields
from ..academic_year import AcademicYear
from ..choices import ACTIVITY_KINDS, AGREEMENT_STATUSES, PARTY_ROLES, RAG_RATINGS, REPORT_KINDS
from ..errors import NotFoundError, RefusedError, ValidationError
from ..models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    AuditEntry,
    Designation,
    ImpactReport,
    Person,
    School,
    Signature,
    SpendEntry,
    SupportAgreement,
)
from ..models.base import writing
from .agreement_lifecycle import (
    CLOSED,
    EDITABLE_WHEN_CLOSED,
    closed_message,
    transition_problems,
)

# the service's names for money, re-exported (callers import them from here)
from .agreement_money import Funding as Funding
from .agreement_money import funding as funding
from .agreement_money import spent_pence as spent_pence
from .base import EntityService, Field, M, _attr, count_words

#: The record of each kind of part: every one belongs to an agreement (``agreement_id``).
P = TypeVar("P", bound=AgreementParty | AgreementLeader | AgreementActivity | ImpactReport
            | SpendEntry | Signature)

_REFERENCE = re.compile(r"^SSA-(\d{4})-(\d{3,})$")


def next_reference(year: AcademicYear) -> str:
    """``SSA-YYYY-NNN``: the academic year's start year and the next number in that year."""
    prefix = f"SSA-{year.start_year}-"
    highest = 0
    for reference in (SupportAgreement.select(SupportAgreement.reference)
                      .where(SupportAgreement.reference.startswith(prefix)).scalars()):
        match = _REFERENCE.match(reference)
        if match:
            highest = max(highest, int(match.group(2)))
    return f"{prefix}{highest + 1:03d}"


class AgreementService(EntityService[SupportAgreement]):
    model = SupportAgreement
    entity = "agreement"
    label = "Support agreement"
    fields = (
        Field.text("title", "Title", 300, required=True),
        Field.year("academic_year", "Academic year", required=True),
        Field.choice("status", "Status", AGREEMENT_STATUSES, default="draft"),
        Field.long_text("priorities", "Priority areas"),
        Field.long_text("intended_impact", "Intended impact"),
        Field.long_text("evidence", "Evidence of impact"),
        Field.long_text("baseline", "Baseline"),
        Field.text("funding_source", "Funding source", 200),
        Field.money("amount_agreed_pence", "Amount agreed", default=0),
        Field.date("start_date", "Start date"),
        Field.date("end_date", "End date"),
        Field.ref("qa_lead", "QA lead", Person, "person"),
        Field.long_text("notes", "Notes"),
    )

    def prepare(self, data: dict[str, Any], instance: SupportAgreement | None = None) -> dict[str, Any]:
        values = super().prepare(data, instance)
        if instance is None:
            values["reference"] = next_reference(values["academic_year"])
        return values

    def check(self, values: dict[str, Any], instance: SupportAgreement | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            errors["end_date"] = "End date is before the start date"
        status = values.get("status")
        if instance is None:
            if status not in (None, "draft"):
                errors["status"] = "A new agreement starts as a draft; change its status once it is saved"
        elif status and status != instance.status:
            # The same rules as change_status: no way round them through a plain update.
            errors.update(transition_problems(instance, status))
        return errors

    def update(self, record_id: int, data: dict[str, Any], *,
               expected_version: int | None = None) -> SupportAgreement:
        instance = self.get(record_id)
        if instance.status in CLOSED:
            # Status goes on to ``check`` (the lifecycle's own message); notes stay editable.
            refused = [self.field(name).label for name in changed_fields(self, instance, data)
                       if name not in EDITABLE_WHEN_CLOSED and name != "status"]
            if refused:
                raise RefusedError(f"{closed_message(instance)}; only its notes can still be edited "
                                   f"(not changed: {', '.join(refused)})")
        return super().update(record_id, data, expected_version=expected_version)

    def delete(self, record_id: int, *, expected_version: int | None = None) -> AuditEntry:
        instance = self.get(record_id)
        if instance.status in CLOSED:
            raise RefusedError(f"{closed_message(instance)}, so it cannot be deleted")
        return super().delete(record_id, expected_version=expected_version)

    def describe(self, agreement: SupportAgreement) -> str:
        return agreement.reference

    def dependents(self, agreement: SupportAgreement) -> list[str]:
        """Parts are deleted one by one (each audited) by ``delete_agreement``, never silently."""
        return count_words([(service.count_in(agreement.id), service.noun, service.nouns)
                            for service in PART_SERVICES.values()])

    def by_reference(self, reference: str) -> SupportAgreement:
        agreement = SupportAgreement.get_or_none(SupportAgreement.reference == reference.strip().upper())
        if agreement is None:
            raise NotFoundError(f"No support agreement with reference {reference}")
        return agreement


def changed_fields(service: EntityService[M], instance: M, data: dict[str, Any]) -> list[str]:
    """The names in ``data`` whose value would change ``instance`` (unparseable counts as changed)."""
    values, errors = service.clean(data, partial=True)
    return [name for name in data
            if name in errors or getattr(instance, _attr(instance, name)) != values.get(name)]


class _Part(EntityService[P]):
    """A part of an agreement: audited under its own kind, concerning the named person.

    Refused as a whole while its agreement is closed (completed or withdrawn)."""

    person_field = "person"
    noun = "part"  # what the closed-agreement refusal and a refused delete call one
    nouns = "parts"

    def person_id(self, instance: P) -> int | None:
        person: int | None = getattr(instance, f"{self.person_field}_id", None)
        return person

    def person_of(self, values: dict[str, Any], record_id: int) -> int | None:
        return values.get(self.person_field) if self.person_field else None

    def ids_in(self, agreement_id: int) -> list[int]:
        """The ids of this kind of part in the agreement, oldest first."""
        model = self.model
        return list(model.select(model.id).where(model.agreement == agreement_id)
                    .order_by(model.id).scalars())

    def count_in(self, agreement_id: int) -> int:
        model = self.model
        return model.select().where(model.agreement == agreement_id).count()

    def _refuse_if_closed(self, agreement_id: object, consequence: str) -> None:
        """``agreement_id`` as a caller gave it (an id, its text, a record, or nothing)."""
        if isinstance(agreement_id, SupportAgreement):
            agreement_id = agreement_id.id
        try:
            agreement_id = self.field("agreement").parse(agreement_id)
        except (ValueError, TypeError):
            return  # not an agreement at all: ``prepare`` says so
        agreement = (SupportAgreement.get_or_none(SupportAgreement.id == agreement_id)
                     if agreement_id is not None else None)
        if agreement is not None and agreement.status in CLOSED:
            raise RefusedError(f"{closed_message(agreement)}, so {consequence}")

    def create(self, data: dict[str, Any]) -> P:
        self._refuse_if_closed(data.get("agreement"), f"no {self.noun} can be added to it")
        return super().create(data)

    def update(self, record_id: int, data: dict[str, Any], *,
               expected_version: int | None = None) -> P:
        instance = self.get(record_id)
        if changed_fields(self, instance, data):
            self._refuse_if_closed(instance.agreement_id, f"its {self.noun} cannot be changed")
            if "agreement" in data:
                self._refuse_if_closed(data["agreement"], f"no {self.noun} can be moved to it")
        return super().update(record_id, data, expected_version=expected_version)

    def delete(self, record_id: int, *, expected_version: int | None = None) -> AuditEntry:
        instance = self.get(record_id)
        self._refuse_if_closed(instance.agreement_id, f"its {self.noun} cannot be removed")
        return super().delete(record_id, expected_version=expected_version)

    def undo_delete(self, entry: AuditEntry) -> P:
        old = json.loads(entry.changes or "{}").get("agreement_id") or [None]
        self._refuse_if_closed(old[0], f"its {self.noun} cannot be restored")
        return super().undo_delete(entry)


class PartyService(_Part[AgreementParty]):
    model = AgreementParty
    entity = "agreement_party"
    label = "Party"
    noun, nouns = "party", "parties"
    person_field = "contact"
    fields = (
        Field.ref("agreement", "Agreement", SupportAgreement, "agreement", required=True),
        Field.ref("school", "School", School, "school", required=True),
        Field.choice("role", "Party", PARTY_ROLES, required=True),
        Field.ref("contact", "Contact", Person, "person"),
        Field.long_text("responsibilities", "Responsibilities"),
    )

    def check(self, values: dict[str, Any], instance: AgreementParty | None) -> dict[str, str]:
        others = AgreementParty.select().where(AgreementParty.agreement == values["agreement"])
        if instance is not None:
            others = others.where(AgreementParty.id != instance.id)
        errors: dict[str, str] = {}
        if others.where(AgreementParty.school == values["school"]).exists():
            errors["school"] = f"{School.get_by_id(values['school']).name} is already a party to this agreement"
        if values.get("role") == "lead" and others.where(AgreementParty.role == "lead").exists():
            errors["role"] = "The agreement already has a lead / teaching school"
        return errors

    def dependents(self, instance: AgreementParty) -> list[str]:
        return count_words([(Signature.select().where(Signature.party == instance.id).count(),
                             "signature", "signatures")])

    def describe(self, party: AgreementParty) -> str:
        return f"{PARTY_ROLES.label(party.role)} {party.school.name}"


class LeaderService(_Part[AgreementLeader]):
    model = AgreementLeader
    entity = "agreement_leader"
    label = "System leader"
    noun, nouns = "system leader", "system leaders"
    fields = (
        Field.ref("agreement", "Agreement", SupportAgreement, "agreement", required=True),
        Field.ref("person", "System leader", Person, "person", required=True),
        Field.ref("designation", "Designation", Designation, "designation"),
        Field.number("days", "Days"),
        Field.number("hours", "Hours"),
    )

    def prepare(self, data: dict[str, Any], instance: AgreementLeader | None = None) -> dict[str, Any]:
        values = super().prepare(data, instance)
        if instance is None and values.get("designation") is None:
            # The leader's current designation, so the printed agreement can show the specialism.
            held = (Designation.select().where(Designation.person == values["person"])
                    .order_by(Designation.designated_on.desc(nulls="LAST"), Designation.id.desc()).first())
            if held is not None:
                values["designation"] = held.id
        return values

    def check(self, values: dict[str, Any], instance: AgreementLeader | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        designation = values.get("designation")
        if designation is not None:
            held = Designation.get_by_id(designation)
            if held.person_id != values["person"]:
                errors["designation"] = "That designation belongs to someone else"
        if values.get("days") is None and values.get("hours") is None:
            errors["days"] = "Give the days or hours agreed"
        return errors


class ActivityService(_Part[AgreementActivity]):
    model = AgreementActivity
    entity = "agreement_activity"
    label = "Activity"
    noun, nouns = "activity", "activities"
    fields = (
        Field.ref("agreement", "Agreement", SupportAgreement, "agreement", required=True),
        Field.date("date", "Date"),
        Field.choice("kind", "Activity", ACTIVITY_KINDS),
        Field.long_text("description", "Description"),
        Field.ref("person", "Who", Person, "person"),
        Field.text("who", "Who (name)", 200),
        Field.text("time", "Time", 50),
    )


class ReportService(_Part[ImpactReport]):
    model = ImpactReport
    entity = "impact_report"
    label = "Impact report"
    noun, nouns = "impact report", "impact reports"
    person_field = "author"
    fields = (
        Field.ref("agreement", "Agreement", SupportAgreement, "agreement", required=True),
        Field.choice("kind", "Report", REPORT_KINDS, required=True),
        Field.date("due_date", "Due", required=True),
        Field.date("submitted_on", "Submitted"),
        Field.long_text("summary", "Summary"),
        Field.choice("rag", "RAG rating", RAG_RATINGS),
        Field.ref("author", "Written by", Person, "person"),
    )

    def check(self, values: dict[str, Any], instance: ImpactReport | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if values.get("kind") == "final":
            finals = ImpactReport.select().where((ImpactReport.agreement == values["agreement"])
                                                 & (ImpactReport.kind == "final"))
            if instance is not None:
                finals = finals.where(ImpactReport.id != instance.id)
            if finals.exists():
                errors["kind"] = "The agreement already has a final report"
        submitted = values.get("submitted_on")
        if submitted is not None and submitted > clock.today():
            errors["submitted_on"] = "Submitted date is in the future"
        if values.get("rag") and submitted is None:
            errors["rag"] = "Give the RAG rating once the report is submitted"
        return errors

    def describe(self, report: ImpactReport) -> str:
        return f"{REPORT_KINDS.label(report.kind)} report due {fields.format_date(report.due_date)}"


class SpendService(_Part[SpendEntry]):
    model = SpendEntry
    entity = "spend"
    label = "Spend"
    noun, nouns = "spend entry", "spend entries"
    person_field = ""
    fields = (
        Field.ref("agreement", "Agreement", SupportAgreement, "agreement", required=True),
        Field.date("date", "Date", required=True),
        Field.text("description", "What", 300, required=True),
        Field.money("amount_pence", "Amount", required=True),
    )

    def person_id(self, instance: SpendEntry) -> int | None:
        return None


class SignatureService(_Part[Signature]):
    model = Signature
    entity = "signature"
    label = "Signature"
    noun, nouns = "signature", "signatures"
    fields = (
        Field.ref("agreement", "Agreement", SupportAgreement, "agreement", required=True),
        Field.ref("party", "Party", AgreementParty, "party"),
        Field.ref("person", "Person", Person, "person"),
        Field.text("signatory_name", "Name", 200, required=True),
        Field.text("signatory_role", "Role", 200),
        Field.date("signed_on", "Date signed"),
    )

    def check(self, values: dict[str, Any], instance: Signature | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        party = values.get("party")
        same = Signature.select().where(Signature.agreement == values["agreement"])
        if instance is not None:
            same = same.where(Signature.id != instance.id)
        if party is not None:
            if AgreementParty.get_by_id(party).agreement_id != values["agreement"]:
                errors["party"] = "That party belongs to another agreement"
            elif same.where(Signature.party == party).exists():
                errors["party"] = "That party has already signed; change its signature instead"
        elif same.where(Signature.party.is_null()).exists():
            errors["party"] = "The QA lead's signature is already recorded"
        signed = values.get("signed_on")
        if signed is not None and signed > clock.today():
            errors["signed_on"] = "Date signed is in the future"
        return errors


def party_summary(agreement: SupportAgreement | int) -> str:
    """'Supported: A; Supporting: B; Lead: C' — for one-line lists."""
    groups: dict[str, list[str]] = {}
    for party in (AgreementParty.select(AgreementParty, School).join(School)
                  .where(AgreementParty.agreement == agreement).order_by(AgreementParty.id)):
        groups.setdefault(party.role, []).append(party.school.name)
    short = {"supported": "Supported", "supporting": "Supporting", "lead": "Lead"}
    return "; ".join(f"{short[role]}: {', '.join(groups[role])}" for role in PARTY_ROLES.keys
                     if role in groups)


def list_agreements(*, status: str | None = None,
                    year: AcademicYear | None = None) -> ModelSelect[SupportAgreement]:
    """Agreements newest year first, then by reference; optionally one status or year."""
    query = SupportAgreement.select()
    if status:
        query = query.where(SupportAgreement.status == status)
    if year is not None:
        query = query.where(SupportAgreement.academic_year == year)
    return query.order_by(SupportAgreement.academic_year.desc(), SupportAgreement.reference)


def delete_agreement(agreement_id: int) -> None:
    """Delete a draft with all its parts (audited part by part); anything else is refused."""
    agreement = agreements.get(agreement_id)
    if agreement.status != "draft":
        raise RefusedError(f"{agreement.reference} is {agreement.status}: only a draft can be deleted "
                           "(withdraw it instead, so the record is kept)")
    with writing():  # the write lock first, waiting its turn
        for service in reversed(PART_SERVICES.values()):  # signatures first: they name parties
            for part_id in service.ids_in(agreement.id):
                service.delete(part_id)
        agreements.delete(agreement.id)


agreements = AgreementService()
parties = PartyService()
leaders = LeaderService()
activities = ActivityService()
reports = ReportService()
spend = SpendService()
signatures = SignatureService()


#: Part kinds in the order they are written (signatures last: they point at parties).
PART_SERVICES: dict[str, _Part[Any]] = {
    "parties": parties,
    "leaders": leaders,
    "activities": activities,
    "reports": reports,
    "spend": spend,
    "signatures": signatures,
}


class PartError(ValidationError):
    """A part refused while saving a whole agreement: which kind, which position, why."""

    def __init__(self, kind: str, position: int, error: ValidationError):
        self.kind, self.position = kind, position
        super().__init__(error.errors, error.warnings)


@dataclass
class PartEdit:
    """One part as an editor holds it: ``id`` None for a new one; ``key`` names it for others
    (a new signature's ``party`` may be ``"key:7"``, the key of a party saved in the same go)."""

    values: dict[str, Any]
    id: int | None = None
    key: int | None = None
    version: int | None = None  # the version the editor loaded: its update checks it


def save_agreement(agreement_id: int | None, values: dict[str, Any], parts: dict[str, list[PartEdit]],
                   removed: dict[str, list[int]] | None = None, *,
                   expected_version: int | None = None,
                   removed_versions: dict[str, dict[int, int]] | None = None) -> SupportAgreement:
    """Create or update an agreement with all its parts in one transaction, all or nothing.

    ``parts`` maps a kind of ``PART_SERVICES`` to its parts as they should be after the save;
    ``removed`` lists ids to delete. A refused part raises ``PartError`` and nothing is kept.
    New parts get their ids set on the given ``PartEdit`` objects only once everything is saved.
    ``expected_version``: the agreement's version the editor loaded (``EntityService.update``:
    another user's change to other fields merges, to the same ones is a ``ConflictError``).
    Each part's ``version`` and ``removed_versions`` (kind -> id -> version loaded) are checked
    the same way: a part another user changed or removed meanwhile is not overwritten or
    deleted unseen (``ConflictError`` naming who and when; nothing saved).
    """
    removed = removed or {}
    removed_versions = removed_versions or {}
    new_ids: dict[int, int] = {}  # id(PartEdit) -> id, applied after commit
    with writing():  # the write lock first, waiting its turn
        agreement = (agreements.create(values) if agreement_id is None
                     else agreements.update(agreement_id, values, expected_version=expected_version))
        for kind in reversed(list(PART_SERVICES)):  # signatures go before the parties they name
            for part_id in removed.get(kind, []):
                PART_SERVICES[kind].delete(
                    part_id, expected_version=removed_versions.get(kind, {}).get(part_id))
        party_ids: dict[int, int] = {}
        for kind, service in PART_SERVICES.items():
            for position, part in enumerate(parts.get(kind, [])):
                data = dict(part.values, agreement=agreement.id)
                if kind == "signatures" and isinstance(data.get("party"), str):
                    data["party"] = party_ids.get(int(data["party"].split(":", 1)[1]))
                try:
                    if part.id is None:
                        record = service.create(data)
                        new_ids[id(part)] = record.id
                    else:
                        record = service.update(part.id, data, expected_version=part.version)
                except ValidationError as exc:
                    raise PartError(kind, position, exc) from exc
                if kind == "parties" and part.key is not None:
                    party_ids[part.key] = record.id
    for kind in PART_SERVICES:
        for part in parts.get(kind, []):
            if id(part) in new_ids:
                part.id = new_ids[id(part)]
    return agreement
