"""The retention schedule: how long each kind of personal record is kept, and who is past it.

Periods are provider settings (``retention_*_years`` in ``ittdesk.settings``) that a data
protection officer can change. A person is due for anonymisation when every record that names
them has passed its period; one current record (an open role, a future course, an undated
designation, a table without a rule) keeps them. Nothing runs by itself: the review only lists,
and ``apply`` anonymises (through the erasure) only what the user confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from peewee import fn

from .. import clock, fields, settings
from ..choices import ROLE_KINDS
from ..errors import RefusedError, ValidationError
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
from .references import person_references


@dataclass(frozen=True)
class Rule:
    key: str
    setting: str
    label: str
    after: str  # "years after ..."


RULES: tuple[Rule, ...] = (
    Rule("trainee", "retention_trainee_years", "Trainees and programme participants",
         "after the course ends"),
    Rule("applicant", "retention_applicant_years", "Applicants who never enrolled",
         "after the course they applied for started"),
    Rule("school", "retention_school_role_years", "Mentors, school leaders and staff",
         "after their last role, training, designation or mentored placement ended"),
    Rule("agreement", "retention_agreement_years", "People named in support agreements",
         "after the agreement ended"),
    Rule("contact", "retention_contact_years", "Other contacts (no other records)",
         "after their record was last changed"),
)
RULES_BY_KEY = {r.key: r for r in RULES}

# Which references each rule covers (the rest are "kept: no rule yet"), for the tests.
COVERED = {
    "enrolment.person", "role.person", "mentor_training.person", "designation.person",
    "placement.mentor", "support_agreement.qa_lead", "agreement_party.contact",
    "agreement_leader.person", "agreement_activity.person", "impact_report.author",
    "signature.person", "audit_entry.person_id", "event_attendance.person",
    "placement_mentor.person",
}


def period(rule_key: str) -> int:
    return int(settings.get(RULES_BY_KEY[rule_key].setting))


def set_period(rule_key: str, years: object) -> int:
    """Change a period (whole years, 0-100); audited like every setting."""
    rule = RULES_BY_KEY.get(rule_key)
    if rule is None:
        raise ValidationError({"rule": f"'{rule_key}' is not a retention rule "
                                       f"(one of: {', '.join(RULES_BY_KEY)})"})
    try:
        value = fields.integer(years)
    except ValueError as exc:
        raise ValidationError({rule.setting: f"{rule.label}: {exc}"}) from None
    if value is None or value > 100:
        raise ValidationError({rule.setting: f"{rule.label}: give a number of years from 0 to 100"})
    settings.set(rule.setting, value)
    return value


def schedule() -> list[tuple[Rule, int]]:
    return [(rule, period(rule.key)) for rule in RULES]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Hold:
    """One record keeping a person: until when, and why."""

    rule: str | None  # None: no rule applies, kept
    what: str
    ended: date | None  # None: current or undated
    keep_until: date | None

    def text(self) -> str:
        if self.keep_until is None:
            return f"{self.what}: kept ({'current' if self.rule else 'no retention rule'})"
        years = period(self.rule) if self.rule else 0
        verb = {"applicant": "started", "contact": "on"}.get(self.rule or "", "ended")
        return (f"{self.what}: {verb} {fields.format_date(self.ended)}; kept {years} "
                f"year{'s' if years != 1 else ''}, until {fields.format_date(self.keep_until)}")


@dataclass
class RetentionItem:
    person_id: int
    name: str
    keep_until: date
    rule: str
    reason: str
    holds: list[Hold] = field(default_factory=list)

    @property
    def category(self) -> str:
        return RULES_BY_KEY[self.rule].label


def _holds() -> dict[int, list[Hold]]:
    years = {rule.key: period(rule.key) for rule in RULES}
    holds: dict[int, list[Hold]] = defaultdict(list)

    def add(pid: int, rule: str, what: str, ended: date | None, *, current: bool = False) -> None:
        keep = None if (current or ended is None) else add_years(ended, years[rule])
        holds[pid].append(Hold(rule, what, None if current else ended, keep))

    for e in (Enrolment.select(Enrolment, Cohort, Programme).join(Cohort).join(Programme)):
        cohort = e.cohort
        course = f"{cohort.programme.name} {cohort.name} {cohort.academic_year}"
        if e.status in ("applied", "offered"):
            add(e.person_id, "applicant", f"Applicant, {course}",
                cohort.start_date or cohort.academic_year.start)
        else:
            add(e.person_id, "trainee", f"Enrolment ({e.status}), {course}",
                cohort.end_date or cohort.academic_year.end)
    for r in Role.select(Role, School).join(School):
        what = f"{ROLE_KINDS.label(r.kind)} at {r.school.name}"
        add(r.person_id, "school", ("Current role: " if r.end_date is None else "Role: ") + what,
            r.end_date, current=r.end_date is None)
    for t in MentorTraining.select():
        add(t.person_id, "school", "Mentor training", t.completed_on)
    for d in Designation.select():
        add(d.person_id, "school", f"{d.kind} designation", d.review_due or d.designated_on)
    for p in Placement.select().where(Placement.mentor.is_null(False)):
        assert p.mentor_id is not None  # the query keeps only placements with a mentor
        add(p.mentor_id, "school", f"Mentored placement #{p.id}", p.end_date)
    for link in PlacementMentor.select(PlacementMentor, Placement).join(Placement):
        add(link.person_id, "school", f"Mentored placement #{link.placement_id}",
            link.placement.end_date)
    for a in EventAttendance.select(EventAttendance, Event).join(Event):
        add(a.person_id, "school", f"{a.event.title} ({'led' if a.led else 'on the list'})",
            a.event.held_on)

    agreements = {a.id: a for a in SupportAgreement.select()}

    def agreement_hold(pid: int, agreement_id: int, part: str) -> None:
        a = agreements[agreement_id]
        add(pid, "agreement", f"{part} in {a.reference}", a.end_date or a.academic_year.end)

    for agreement in agreements.values():
        if agreement.qa_lead_id:
            agreement_hold(agreement.qa_lead_id, agreement.id, "QA lead")
    for model, column, part in ((AgreementParty, "contact", "School contact"),
                                (AgreementLeader, "person", "System leader"),
                                (AgreementActivity, "person", "Activity lead"),
                                (ImpactReport, "author", "Report author"),
                                (Signature, "person", "Signatory")):
        col = getattr(model, column)
        rows = model.select(col, model.agreement).where(col.is_null(False)).tuples()
        for pid, agreement_id in cast("Iterable[tuple[int, int]]", rows):
            agreement_hold(pid, agreement_id, part)

    # A table added later that names people, with no rule here yet: keep, never guess.
    for ref in person_references():
        if ref.key in COVERED:
            continue
        named: Iterable[int] = ref.model.select(ref.column).where(ref.column.is_null(False)).scalars()
        for pid in named:
            holds[pid].append(Hold(None, f"Named in {ref.model._meta.table_name}", None, None))
    return holds


def review(today: date | None = None) -> list[RetentionItem]:
    """Everyone past their retention period today, longest overdue first."""
    today = today or clock.today()
    holds = _holds()
    # MAX() loses the column's type on SQLite: text there, a datetime on PostgreSQL.
    last_change: dict[int, datetime | str] = dict(cast(
        "Iterable[tuple[int, datetime | str]]",
        AuditEntry.select(AuditEntry.person_id, fn.MAX(AuditEntry.at))
        .where(AuditEntry.person_id.is_null(False))
        .group_by(AuditEntry.person_id).tuples()))
    contact_years = period("contact")
    due: list[RetentionItem] = []
    for person in Person.select().where(Person.erased == False).order_by(Person.id):  # noqa: E712
        mine = [h for h in holds.get(person.id, []) if h.rule != "contact"]
        if not mine:
            changed = last_change.get(person.id)
            if changed is None:
                continue
            day = changed.date() if isinstance(changed, datetime) else date.fromisoformat(changed[:10])
            mine = [Hold("contact", "Record last changed", day, add_years(day, contact_years))]
        dated = [(h.keep_until, h) for h in mine if h.keep_until is not None]
        if len(dated) < len(mine):  # a record with no end keeps them
            continue
        keep_until, deciding = max(dated, key=lambda pair: pair[0])
        assert deciding.rule is not None  # only a hold with a rule has a keep_until
        if keep_until < today:
            due.append(RetentionItem(person.id, person.full_name, keep_until, deciding.rule,
                                     deciding.text(), mine))
    due.sort(key=lambda item: (item.keep_until, item.person_id))
    return due


def apply(person_ids: list[int] | None = None, *, today: date | None = None,
          progress: Callable[[int, int, str], None] | None = None,
          cancelled: Callable[[], bool] | None = None) -> list[int]:
    """Anonymise the given due people (default: all due); returns who was anonymised.

    Each person is erased in its own transaction, so a cancel keeps the ones already done and
    leaves the rest untouched. The file is compacted once at the end.
    """
    from .erasure import compact, erase

    due = {item.person_id: item for item in review(today)}
    if person_ids is None:
        chosen = list(due)
    else:
        not_due = [pid for pid in person_ids if pid not in due]
        if not_due:
            raise RefusedError(f"Not past their retention period: person #{', #'.join(map(str, not_due))}; "
                               "nothing was changed")
        chosen = list(person_ids)
    done = []
    for i, pid in enumerate(chosen):
        if cancelled and cancelled():
            break
        if progress:
            progress(i, len(chosen), f"Anonymising person #{pid}")
        item = due[pid]
        erase(pid, reason=f"retention schedule: {RULES_BY_KEY[item.rule].label.lower()}, "
                          f"kept until {fields.format_date(item.keep_until)}", compact_after=False)
        done.append(pid)
    if done:
        compact()
    if progress:
        progress(len(chosen), len(chosen), "Done")
    return done
