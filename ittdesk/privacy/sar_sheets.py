"""The subject access export's sheets: for each kind of record that names a person, which
references it covers, its title and how its rows are read (``SHEETS``); a plain sheet for a
reference no spec covers (a table added later), and the mentions of the person's name, email,
phone or TRN in text anywhere else. ``sar`` collects them and writes the workbook.

Other people appear by record number only ("person #12"): their data is not the subject's to
receive, and the DPO decides whether to disclose them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from peewee import Field

from ..choices import (
    ACTIVITY_KINDS,
    ENROLMENT_STATUSES,
    EVENT_KINDS,
    PARTY_ROLES,
    PLACEMENT_KINDS,
    PLACEMENT_STATUSES,
    RAG_RATINGS,
    REPORT_KINDS,
    ROLE_KINDS,
    TRAINING_KINDS,
    TRAINING_ROUTES,
    WITHDRAWAL_REASONS,
)
from ..models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    AuditEntry,
    Cohort,
    Designation,
    Enrolment,
    Event,
    EventAttendance,
    ImpactReport,
    MentorTraining,
    Person,
    Placement,
    PlacementMentor,
    Programme,
    Role,
    School,
    Signature,
    SupportAgreement,
)
from ..models.base import BaseModel
from .audit_query import described
from .references import Reference, entries_about, mentions, person_references

if TYPE_CHECKING:
    pass


# A sheet's rows: one list of cell values (text, numbers, dates, None) per record.
Rows = list[list[Any]]
M = TypeVar("M", bound=BaseModel)



@dataclass
class Sheet:
    title: str
    description: str
    headers: list[str]
    rows: Rows = field(default_factory=list)
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetSpec:
    title: str  # at most 31 characters (an Excel limit)
    description: str
    headers: tuple[str, ...]
    rows: Callable[[Person], Rows]
    covers: tuple[tuple[type[BaseModel], str], ...] = ()


# -- helpers ---------------------------------------------------------------------------------


def _school(school: School | None) -> str:
    return f"{school.name} (URN {school.urn})" if school else ""


def _other(person_id: int | None, subject: Person) -> str:
    """Another person by number only; the subject by name."""
    if person_id is None:
        return ""
    if person_id == subject.id:
        return subject.full_name
    return f"person #{person_id}"


def _agreement(agreement: SupportAgreement) -> str:
    return f"{agreement.reference} {agreement.title}"


def _named(model: type[M], column: Field[Any], subject: Person) -> list[M]:
    """Rows whose typed name column mentions the subject's full name (no link to the record)."""
    if subject.erased:
        return []
    return list(model.select().where(column.contains(subject.full_name)))


# -- the sheets ------------------------------------------------------------------------------


def _person_rows(p: Person) -> Rows:
    return [[p.id, p.title, p.first_name, p.last_name, p.email, p.phone, p.trn, p.notes,
             "yes" if p.erased else "no", "yes" if p.no_newsletters else "no", p.date_of_birth]]


def _role_rows(p: Person) -> Rows:
    query = Role.select(Role, School).join(School).where(Role.person == p).order_by(Role.start_date)
    return [[r.id, _school(r.school), ROLE_KINDS.label(r.kind), r.job_title, r.start_date, r.end_date,
             r.subjects, r.key_stages, r.capacity] for r in query]


def _designation_rows(p: Person) -> Rows:
    query = Designation.select().where(Designation.person == p).order_by(Designation.id)
    return [[d.id, d.kind, d.specialism, d.designated_on, d.review_due] for d in query]


def _training_rows(p: Person) -> Rows:
    query = MentorTraining.select().where(MentorTraining.person == p).order_by(MentorTraining.completed_on)
    return [[t.id, TRAINING_KINDS.label(t.kind), t.hours, t.completed_on, t.provided_by,
             _school(t.school) if t.school_id else "", t.accredited_provider or "",
             "yes" if t.general else "no", t.evidence or ""] for t in query]


def _enrolment_rows(p: Person) -> Rows:
    query = (Enrolment.select(Enrolment, Cohort, Programme).join(Cohort).join(Programme)
             .where(Enrolment.person == p).order_by(Cohort.academic_year))
    return [[e.id, e.cohort.programme.name, e.cohort.name, str(e.cohort.academic_year),
             ENROLMENT_STATUSES.label(e.status), e.trainee_id, e.subject,
             _school(e.home_school) if e.home_school_id else "", e.outcome, e.withdrawal_date,
             e.withdrawal_reason, e.hesa_id, TRAINING_ROUTES.label(e.route), e.itt_start_date,
             e.itt_end_date, _school(e.employing_school) if e.employing_school_id else "",
             WITHDRAWAL_REASONS.label(e.withdrawal_reason_code), e.deferral_date,
             e.deferral_reason] for e in query]


def _placement_rows(p: Person) -> Rows:
    query = (Placement.select(Placement, Enrolment).join(Enrolment)
             .where(Enrolment.person == p).order_by(Placement.start_date))
    return [[pl.id, pl.enrolment_id, _school(pl.school), PLACEMENT_KINDS.label(pl.kind),
             pl.start_date, pl.end_date, _other(pl.mentor_id, p), pl.subject, pl.year_group, pl.notes,
             PLACEMENT_STATUSES.label(pl.status), pl.status_reason,
             None if pl.days_spent is None else float(pl.days_spent), float(pl.absence_days or 0)]
            for pl in query]


def _mentor_link_rows(p: Person) -> Rows:
    query = (PlacementMentor.select(PlacementMentor, Placement).join(Placement)
             .where(PlacementMentor.person == p).order_by(Placement.start_date))
    return [[link.id, f"placement #{link.placement_id}", _school(link.placement.school),
             link.placement.start_date, link.placement.end_date,
             "yes" if link.placement.mentor_id == p.id else "no"] for link in query]


def _mentored_rows(p: Person) -> Rows:
    query = Placement.select().where(Placement.mentor == p).order_by(Placement.start_date)
    return [[pl.id, _school(pl.school), PLACEMENT_KINDS.label(pl.kind), pl.start_date, pl.end_date,
             f"enrolment #{pl.enrolment_id}", pl.subject, pl.year_group] for pl in query]


def _qa_rows(p: Person) -> Rows:
    query = SupportAgreement.select().where(SupportAgreement.qa_lead == p).order_by(SupportAgreement.id)
    return [[a.id, a.reference, a.title, str(a.academic_year), a.status, a.start_date, a.end_date]
            for a in query]


def _party_rows(p: Person) -> Rows:
    query = AgreementParty.select().where(AgreementParty.contact == p).order_by(AgreementParty.id)
    return [[x.id, _agreement(x.agreement), _school(x.school), PARTY_ROLES.label(x.role),
             x.responsibilities] for x in query]


def _leader_rows(p: Person) -> Rows:
    query = AgreementLeader.select().where(AgreementLeader.person == p).order_by(AgreementLeader.id)
    return [[x.id, _agreement(x.agreement), x.designation.kind if x.designation is not None else "", x.days,
             x.hours] for x in query]


def _activity_rows(p: Person) -> Rows:
    linked = list(AgreementActivity.select().where(AgreementActivity.person == p))
    typed = _named(AgreementActivity, AgreementActivity.who, p)
    rows = {a.id: a for a in linked + typed}
    return [[a.id, _agreement(a.agreement), a.date, ACTIVITY_KINDS.label(a.kind), a.description,
             a.who, a.time, "linked" if a.person_id == p.id else "named in text"]
            for a in sorted(rows.values(), key=lambda a: a.id)]


def _report_rows(p: Person) -> Rows:
    query = ImpactReport.select().where(ImpactReport.author == p).order_by(ImpactReport.id)
    return [[r.id, _agreement(r.agreement), REPORT_KINDS.label(r.kind), r.due_date, r.submitted_on,
             RAG_RATINGS.label(r.rag), r.summary] for r in query]


def _signature_rows(p: Person) -> Rows:
    linked = list(Signature.select().where(Signature.person == p))
    typed = _named(Signature, Signature.signatory_name, p)
    rows = {s.id: s for s in linked + typed}
    return [[s.id, _agreement(s.agreement), s.signatory_name, s.signatory_role, s.signed_on,
             "linked" if s.person_id == p.id else "named in text"]
            for s in sorted(rows.values(), key=lambda s: s.id)]


def _event_rows(p: Person) -> Rows:
    query = (EventAttendance.select(EventAttendance, Event).join(Event)
             .where(EventAttendance.person == p).order_by(Event.held_on, EventAttendance.id))
    return [[a.id, a.event.title, EVENT_KINDS.label(a.event.kind), a.event.held_on,
             _school(a.school) if a.school_id else "", "yes" if a.invited else "no",
             "yes" if a.attended else "no", "yes" if a.led else "no"] for a in query]


def _audit_rows(p: Person) -> Rows:
    query = entries_about(p.id).order_by(AuditEntry.at, AuditEntry.id)
    return [[e.id, e.when, e.user, e.record, e.action_label, e.summary] for e in described(query)]


SHEETS: list[SheetSpec] = [
    SheetSpec("Person", "The person record itself: name, contact details, TRN, date of birth and notes.",
              ("Record #", "Title", "First name", "Last name", "Email", "Phone", "TRN", "Notes",
               "Erased", "No newsletters", "Date of birth"), _person_rows),
    SheetSpec("Roles", "Posts held at schools over time (headteacher, mentor, ITT champion...).",
              ("Record #", "School", "Role", "Job title", "Start", "End", "Subjects", "Key stages",
               "Capacity"), _role_rows, ((Role, "person"),)),
    SheetSpec("Designations", "System-leader designations (SLE, LLE, NLE).",
              ("Record #", "Designation", "Specialism", "Designated on", "Review due"),
              _designation_rows, ((Designation, "person"),)),
    SheetSpec("Mentor training", "Mentor training completed.",
              ("Record #", "Training", "Hours", "Completed on", "Provided by", "School",
               "Accredited provider", "ITT general mentor training", "Evidence"),
              _training_rows, ((MentorTraining, "person"),)),
    SheetSpec("Enrolments", "Places on programmes and cohorts (as trainee or participant).",
              ("Record #", "Programme", "Cohort", "Academic year", "Status", "Trainee ID", "Subject",
               "Home school", "Outcome", "Withdrawal date", "Withdrawal reason", "HESA ID",
               "Training route", "ITT start", "ITT expected end", "Employing school",
               "Withdrawal reason (Register)", "Deferral date", "Deferral reason"),
              _enrolment_rows, ((Enrolment, "person"),)),
    SheetSpec("Placements (trainee)", "School placements on the person's enrolments.",
              ("Record #", "Enrolment #", "School", "Kind", "Start", "End", "Mentor", "Subject",
               "Year group", "Notes", "Status", "Status reason", "Days spent", "Absence days"),
              _placement_rows),
    SheetSpec("Placements (mentor)", "Placements the person mentored (trainees by number only).",
              ("Record #", "School", "Kind", "Start", "End", "Trainee", "Subject", "Year group"),
              _mentored_rows, ((Placement, "mentor"),)),
    SheetSpec("Placement mentors", "Placements the person is one of the mentors of.",
              ("Record #", "Placement", "School", "Start", "End", "Lead mentor"),
              _mentor_link_rows, ((PlacementMentor, "person"),)),
    SheetSpec("Agreements (QA lead)", "Support agreements the person quality-assures.",
              ("Record #", "Reference", "Title", "Academic year", "Status", "Start", "End"),
              _qa_rows, ((SupportAgreement, "qa_lead"),)),
    SheetSpec("Agreement parties", "Support agreements where the person is a school's contact.",
              ("Record #", "Agreement", "School", "Party", "Responsibilities"),
              _party_rows, ((AgreementParty, "contact"),)),
    SheetSpec("System leader work", "Support agreements the person is deployed on as a system leader.",
              ("Record #", "Agreement", "Designation", "Days", "Hours"),
              _leader_rows, ((AgreementLeader, "person"),)),
    SheetSpec("Agreement activities", "Support activities the person leads or is named in.",
              ("Record #", "Agreement", "Date", "Activity", "Description", "Who (as typed)", "Time",
               "How found"), _activity_rows, ((AgreementActivity, "person"),)),
    SheetSpec("Impact reports", "Impact reports the person wrote.",
              ("Record #", "Agreement", "Report", "Due", "Submitted", "RAG", "Summary"),
              _report_rows, ((ImpactReport, "author"),)),
    SheetSpec("Signatures", "Signatures on support agreements, linked or with the name as typed.",
              ("Record #", "Agreement", "Name as signed", "Role", "Signed on", "How found"),
              _signature_rows, ((Signature, "person"),)),
    SheetSpec("Events", "Events (working groups, training sessions, webinars...) the person was "
              "invited to, came to or led, with their school at the time.",
              ("Record #", "Event", "Kind", "Date", "School", "Invited", "Attended", "Led"),
              _event_rows, ((EventAttendance, "person"),)),
    SheetSpec("Audit entries", "The change history of records about the person: who changed "
              "what and when (times are local).",
              ("Entry #", "When", "By", "Record", "Action", "Changes"), _audit_rows,
              ((AuditEntry, "person_id"),)),
]


def covered_keys() -> set[str]:
    return {Reference(model, name).key for spec in SHEETS for model, name in spec.covers}


def uncovered_references() -> list[Reference]:
    """Person references no sheet is written for (the generic fallback sheet still lists them)."""
    covered = covered_keys()
    return [ref for ref in person_references() if ref.key not in covered]


def sheet_for(reference: Reference) -> str | None:
    for spec in SHEETS:
        if any(Reference(m, n).key == reference.key for m, n in spec.covers):
            return spec.title
    return None


def fallback_sheet(reference: Reference, person: Person) -> Sheet:
    model = reference.model
    columns = [f for f in model._meta.sorted_fields]
    headers = ["Record #" if f.name == "id" else f.name for f in columns]
    rows = [[row.get(f.name) for f in columns]
            for row in model.select().where(reference.column == person.id).dicts()]
    title = model._meta.table_name.replace("_", " ").capitalize()[:31]
    return Sheet(title, f"Records in table {model._meta.table_name} naming the person "
                 f"(column {reference.field}).", headers, rows, (reference.key,))


MENTIONS_TITLE = "Mentions elsewhere"


# Text columns the sheets above already show, per table: a mention there is not repeated.
SHOWN_COLUMNS = {
    "audit_entry": {"changes", "note"},
    "agreement_activity": {"who", "description"},
    "signature": {"signatory_name", "signatory_role"},
    "impact_report": {"summary"},
    "agreement_party": {"responsibilities"},
    "enrolment": {"trainee_id", "hesa_id", "subject", "outcome", "withdrawal_reason"},
    "role": {"job_title", "subjects", "key_stages"},
}


def mentions_sheet(person: Person, sheets: list[Sheet]) -> Sheet:
    """Text anywhere else (any table, found by introspection) that copies the person's full
    name, email, phone or TRN: e.g. who completed a returned form, a note on a school."""
    listed = set()
    for sheet in sheets:
        for key in sheet.covers:
            table = key.split(".")[0]
            listed |= {(table, row[0]) for row in sheet.rows if row}
    rows = []
    for model, column, row_id in mentions(person):
        table = model._meta.table_name
        if (table, row_id) in listed and column.name in SHOWN_COLUMNS.get(table, ()):
            continue
        value = model.select(column).where(model.id == row_id).scalar()
        rows.append([row_id, table.replace("_", " "), column.name.replace("_", " "), value])
    return Sheet(MENTIONS_TITLE, "Other records whose text mentions the person's full name, email, "
                 "phone or TRN (searched in every table).", ["Record #", "Table", "Field", "Text"], rows)
