"""One record and what hangs off it, as plain values: the lists' summary panes and the editors'
related-information tabs both read these, so a question is answered the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from peewee import JOIN, fn

from .. import clock, holders, settings
from ..academic_year import AcademicYear
from ..choices import (
    AGREEMENT_STATUSES,
    DESIGNATIONS,
    ENROLMENT_STATUSES,
    LEADERSHIP_KINDS,
    MENTOR_KINDS,
    PARTNERSHIP_STATUSES,
    PARTY_ROLES,
    PHASES,
    PLACEMENT_KINDS,
    PROGRAMME_KINDS,
    ROLE_KINDS,
    TRAINING_KINDS,
)
from ..models import (
    AgreementLeader,
    AgreementParty,
    Cohort,
    Designation,
    Enrolment,
    MentorTraining,
    Person,
    Placement,
    Programme,
    Role,
    School,
    SupportAgreement,
)
from ..placements.check import check_person
from ..services.people import training_lapses_on
from ..services.programmes import places_taken

OPEN_AGREEMENT_STATUSES = ("draft", "agreed", "active")


@dataclass
class Link:
    """A related record: what to call it and how to open it."""

    entity: str
    id: int
    text: str
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _name(person: Person | None) -> str:
    return person.full_name if person is not None else ""


def _d(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _period(start: date | None, end: date | None) -> str:
    if start and holders.is_future(start):  # appointed for later: never "since"
        return f"from {_d(start)}" + (f" to {_d(end)}" if end else "")
    if start and end:
        return f"{_d(start)} – {_d(end)}"
    if start:
        return f"since {_d(start)}"
    if end:
        return f"until {_d(end)}"
    return ""


def mentor_status(person_id: int, today: date | None = None) -> tuple[str, bool]:
    """('trained until 14/09/2026', ok) or ('training lapsed 01/01/2024', False)."""
    today = today or clock.today()
    lapses = training_lapses_on(person_id, settings.MENTOR_REFRESHER_MONTHS.get())
    if lapses is None:
        return "no mentor training recorded", False
    if lapses < today:
        return f"training lapsed {_d(lapses)}", False
    return f"trained until {_d(lapses)}", True


def current_trainees(mentor_id: int, school_id: int | None = None, today: date | None = None) -> int:
    today = today or clock.today()
    query = Placement.select().where((Placement.mentor == mentor_id) & (Placement.start_date <= today)
                                     & (Placement.end_date >= today))
    if school_id is not None:
        query = query.where(Placement.school == school_id)
    return query.count()


def school_summary(school_id: int, today: date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    year = AcademicYear.for_date(today)
    school = School.get_by_id(school_id)
    not_ended = list(Role.select(Role, Person).join(Person)
                     .where((Role.school == school_id) & holders.not_ended(today))
                     .order_by(Role.kind, Person.last_name_key))
    current = [r for r in not_ended if holders.is_held(r.start_date, r.end_date, today)]
    leadership = [Link("person", r.person_id, r.person.full_name, ROLE_KINDS.label(r.kind),
                       {"role_id": r.id, "since": r.start_date})
                  for r in current if r.kind in LEADERSHIP_KINDS]
    order = {k: n for n, k in enumerate(LEADERSHIP_KINDS)}
    leadership.sort(key=lambda link: order.get(ROLE_KINDS.parse(link.detail) or "", 99))
    # appointed for later: shown apart, "from 01/03/2027", never as leadership now
    incoming = [Link("person", r.person_id, r.person.full_name,
                     f"{ROLE_KINDS.label(r.kind)}, {holders.when(r.start_date, r.end_date, today)}",
                     {"role_id": r.id, "since": r.start_date})
                for r in sorted((r for r in not_ended if r.kind in LEADERSHIP_KINDS
                                 and holders.is_future(r.start_date, today)),
                                key=lambda r: (r.start_date, r.id))]
    mentors = []
    for r in current:
        if r.kind not in MENTOR_KINDS:
            continue
        status, ok = mentor_status(r.person_id, today)
        taking = current_trainees(r.person_id, school_id, today)
        capacity = f"{taking} of {r.capacity}" if r.capacity is not None else f"{taking}"
        over = r.capacity is not None and taking > r.capacity
        mentors.append(Link("person", r.person_id, r.person.full_name,
                            ", ".join(p for p in (ROLE_KINDS.label(r.kind), r.subjects) if p),
                            {"training": status, "training_ok": ok, "capacity": r.capacity,
                             "taking": capacity, "over": over, "role_id": r.id}))
    history = [Link("person", r.person_id, r.person.full_name, ROLE_KINDS.label(r.kind),
                    {"period": _period(r.start_date, r.end_date),
                     "current": holders.is_held(r.start_date, r.end_date, today),
                     "future": holders.is_future(r.start_date, today),
                     "role_id": r.id, "start": r.start_date, "end": r.end_date})
               for r in (Role.select(Role, Person).join(Person)
                         .where((Role.school == school_id) & Role.kind.in_(LEADERSHIP_KINDS))
                         .order_by(Role.kind, Role.start_date.desc(nulls="LAST")))]
    trainee = Person.alias("trainee")
    mentor = Person.alias("pmentor")
    placements_by_year: dict[str, list[Link]] = {}
    query = (Placement.select(Placement, Enrolment, trainee, mentor)
             .join(Enrolment).join(trainee, on=(Enrolment.person == trainee.id))
             .switch(Placement).join(mentor, on=(Placement.mentor == mentor.id), join_type=JOIN.LEFT_OUTER)
             .where(Placement.school == school_id).order_by(Placement.start_date.desc()))
    for p in query:
        label = str(AcademicYear.for_date(p.start_date))
        mentor_name = p.mentor.full_name if p.mentor_id and p.mentor is not None else "no mentor"
        placements_by_year.setdefault(label, []).append(
            Link("placement", p.id, p.enrolment.person.full_name,
                 f"{PLACEMENT_KINDS.label(p.kind)}, {_period(p.start_date, p.end_date)}, "
                 f"mentor: {mentor_name}"))
    agreements = [Link("agreement", a.agreement_id, f"{a.agreement.reference} {a.agreement.title}",
                       f"{PARTY_ROLES.label(a.role)} · {AGREEMENT_STATUSES.label(a.agreement.status)}",
                       {"status": a.agreement.status})
                  for a in (AgreementParty.select(AgreementParty, SupportAgreement)
                            .join(SupportAgreement).where(AgreementParty.school == school_id)
                            .order_by(SupportAgreement.reference.desc()))]
    address = ", ".join(p for p in (school.address1, school.address2, school.address3,
                                    school.town, school.postcode) if p)
    return {
        "school": school,
        "title": school.name,
        "facts": [
            ("URN", str(school.urn)),
            ("Phase", PHASES.label(school.phase)),
            ("Local authority", school.la_name or ""),
            ("Trust", school.trust or ""),
            ("Partnership", PARTNERSHIP_STATUSES.label(school.partnership_status)),
            ("Address", address),
            ("Phone", school.phone or ""),
            ("Email", school.email or ""),
            ("Leadership confirmed", _d(school.leadership_confirmed_on) or "not yet"),
        ],
        "confirmed_this_year": bool(school.leadership_confirmed_on
                                    and school.leadership_confirmed_on >= year.start),
        "leadership": leadership,
        "incoming": incoming,
        "champion": [link for link in leadership if link.detail == ROLE_KINDS.label("itt_champion")],
        "mentors": mentors,
        "history": history,
        "placements_by_year": placements_by_year,
        "placements_this_year": placements_by_year.get(str(year), []),
        "agreements": agreements,
        "open_agreements": [a for a in agreements if a.extra["status"] in OPEN_AGREEMENT_STATUSES],
    }


def person_summary(person_id: int, today: date | None = None) -> dict[str, Any]:
    """The person's whole development record: roles over time, designations, training,
    enrolments and placements, and their part in support agreements (seed 004)."""
    today = today or clock.today()
    person = Person.get_by_id(person_id)
    roles = [Link("school", r.school_id, r.school.name, ROLE_KINDS.label(r.kind),
                  {"role_id": r.id, "period": _period(r.start_date, r.end_date),
                   "current": holders.is_held(r.start_date, r.end_date, today),
                   "future": holders.is_future(r.start_date, today),
                   "start": r.start_date, "end": r.end_date,
                   "job_title": r.job_title or "", "capacity": r.capacity,
                   "subjects": r.subjects or "", "kind": r.kind})
             for r in (Role.select(Role, School).join(School).where(Role.person == person_id)
                       .order_by(Role.start_date.desc(nulls="LAST")))]
    roles.sort(key=lambda link: (not link.extra["current"],
                                 -(link.extra["start"].toordinal() if link.extra["start"] else 0)))
    designations = [Link("designation", d.id, DESIGNATIONS.label(d.kind),
                         ", ".join(p for p in (d.specialism, f"designated {_d(d.designated_on)}"
                                               if d.designated_on else "",
                                               f"review due {_d(d.review_due)}" if d.review_due else "")
                                   if p))
                    for d in Designation.select().where(Designation.person == person_id)]
    training = [Link("mentor_training", t.id, TRAINING_KINDS.label(t.kind),
                     ", ".join(p for p in (_d(t.completed_on),
                                           f"{t.hours:g} hours" if t.hours else "",
                                           t.provided_by or "",
                                           # issue 18: what the grant claim reads
                                           f"with {t.accredited_provider}"
                                           if t.accredited_provider else "",
                                           "" if t.general else "not general mentor training")
                                 if p))
                for t in (MentorTraining.select().where(MentorTraining.person == person_id)
                          .order_by(MentorTraining.completed_on.desc()))]
    enrolments = [Link("enrolment", e.id, f"{e.cohort.programme.name} — {e.cohort.name}",
                       ", ".join(p for p in (str(e.cohort.academic_year),
                                             ENROLMENT_STATUSES.label(e.status), e.subject or "",
                                             e.outcome or "") if p),
                       {"cohort_id": e.cohort_id})
                  for e in (Enrolment.select(Enrolment, Cohort, Programme).join(Cohort).join(Programme)
                            .where(Enrolment.person == person_id)
                            .order_by(Cohort.academic_year.desc()))]
    # Issue 17: a trainee's own record says where their placements stand, in words.
    checks = check_person(person_id) if enrolments else {}
    for link in enrolments:
        link.extra["check"] = checks.get(link.id)
    mentor = Person.alias("pm")
    placements = [Link("placement", p.id, p.school.name,
                       f"{PLACEMENT_KINDS.label(p.kind)}, {_period(p.start_date, p.end_date)}"
                       + (f", mentor {p.mentor.full_name}" if p.mentor_id and p.mentor is not None
                          else ", no mentor"))
                  for p in (Placement.select(Placement, School, Enrolment, mentor)
                            .join(School).switch(Placement).join(Enrolment)
                            .switch(Placement)
                            .join(mentor, on=(Placement.mentor == mentor.id), join_type=JOIN.LEFT_OUTER)
                            .where(Enrolment.person == person_id)
                            .order_by(Placement.start_date.desc()))]
    trainee = Person.alias("mt")
    mentored = [Link("placement", p.id, p.enrolment.person.full_name,
                     f"at {p.school.name}, {_period(p.start_date, p.end_date)}")
                for p in (Placement.select(Placement, School, Enrolment, trainee)
                          .join(School).switch(Placement).join(Enrolment)
                          .join(trainee, on=(Enrolment.person == trainee.id))
                          .where(Placement.mentor == person_id)
                          .order_by(Placement.start_date.desc()))]
    agreements = [Link("agreement", a.agreement_id, a.agreement.reference, "system leader")
                  for a in (AgreementLeader.select(AgreementLeader, SupportAgreement)
                            .join(SupportAgreement).where(AgreementLeader.person == person_id))]
    agreements += [Link("agreement", a.id, a.reference, "QA lead")
                   for a in SupportAgreement.select().where(SupportAgreement.qa_lead == person_id)]
    is_mentor = any(link.extra["kind"] in MENTOR_KINDS and link.extra["current"] for link in roles)
    status = mentor_status(person_id, today) if is_mentor or training else None
    return {
        "person": person,
        "title": person.full_name,
        "facts": [("Email", person.email or ""), ("Phone", person.phone or ""),
                  ("TRN", person.trn or "")],
        "roles": roles,
        "current_roles": [r for r in roles if r.extra["current"]],
        "designations": designations,
        "training": training,
        "mentor_status": status,
        "enrolments": enrolments,
        "placements": placements,
        "mentored": mentored,
        "agreements": agreements,
    }


def programme_summary(programme_id: int) -> dict[str, Any]:
    programme = Programme.get_by_id(programme_id)
    cohort_rows = (Cohort.select().where(Cohort.programme == programme_id)
                   .order_by(Cohort.academic_year.desc(), Cohort.name))
    links = [Link("cohort", c.id, f"{c.name} ({c.academic_year})",
                  f"{places_taken(c.id)} of {c.places} places taken" if c.places is not None
                  else f"{places_taken(c.id)} places taken")
             for c in cohort_rows]
    return {
        "programme": programme,
        "title": programme.name,
        "facts": [("Kind", PROGRAMME_KINDS.label(programme.kind)),
                  ("About", programme.description or ""),
                  ("Cohorts", str(len(links)))],
        "links": links,
    }


def cohort_summary(cohort_id: int) -> dict[str, Any]:
    cohort = Cohort.select(Cohort, Programme).join(Programme).where(Cohort.id == cohort_id).get()
    taken = places_taken(cohort_id)
    left = None if cohort.places is None else cohort.places - taken
    # Counted by the database: a cohort of thousands is not read row by row (the cohort
    # editor and the cohorts list's detail pane ask on the GUI thread).
    counts: dict[str, int] = dict(cast(
        "Iterable[tuple[str, int]]",
        Enrolment.select(Enrolment.status, fn.COUNT(Enrolment.id))
        .where(Enrolment.cohort == cohort_id).group_by(Enrolment.status).tuples()))
    return {
        "cohort": cohort,
        "title": f"{cohort.programme.name} — {cohort.name} ({cohort.academic_year})",
        "facts": [("Programme", cohort.programme.name),
                  ("Kind", PROGRAMME_KINDS.label(cohort.programme.kind)),
                  ("Dates", _period(cohort.start_date, cohort.end_date)),
                  ("Places", "" if cohort.places is None else str(cohort.places)),
                  ("Taken", str(taken)),
                  ("Left", "" if left is None else str(left))],
        "taken": taken,
        "left": left,
        "by_status": [(ENROLMENT_STATUSES.label(k), counts[k]) for k in ENROLMENT_STATUSES.keys
                      if k in counts],
    }


def placement_summary(placement_id: int) -> dict[str, Any]:
    p = Placement.get_by_id(placement_id)
    trainee = p.enrolment.person
    facts = [("Trainee", trainee.full_name), ("School", p.school.name),
             ("Mentor", _name(p.mentor) if p.mentor_id else "none yet"),
             ("Kind", PLACEMENT_KINDS.label(p.kind)), ("Dates", _period(p.start_date, p.end_date)),
             ("Subject", p.subject or ""), ("Year group", p.year_group or "")]
    links = [Link("person", trainee.id, trainee.full_name, "trainee"),
             Link("school", p.school_id, p.school.name, "school")]
    if p.mentor_id and p.mentor is not None:
        status, _ok = mentor_status(p.mentor_id)
        links.append(Link("person", p.mentor_id, p.mentor.full_name, f"mentor, {status}"))
    return {"title": f"{trainee.full_name} at {p.school.name}", "facts": facts, "links": links}


def enrolment_summary(enrolment_id: int) -> dict[str, Any]:
    e = Enrolment.get_by_id(enrolment_id)
    facts = [("Trainee", e.person.full_name), ("Cohort", f"{e.cohort.programme.name} — {e.cohort.name}"),
             ("Year", str(e.cohort.academic_year)), ("Status", ENROLMENT_STATUSES.label(e.status)),
             ("Trainee ID", e.trainee_id or ""), ("Subject", e.subject or ""),
             ("Home school",
              e.home_school.name if e.home_school_id and e.home_school is not None else ""),
             ("Outcome", e.outcome or "")]
    links = [Link("person", e.person_id, e.person.full_name, "trainee"),
             Link("cohort", e.cohort_id, f"{e.cohort.name} ({e.cohort.academic_year})", "cohort")]
    if e.home_school_id and e.home_school is not None:
        links.append(Link("school", e.home_school_id, e.home_school.name, "home school"))
    links += [Link("placement", p.id, p.school.name,
                   f"{PLACEMENT_KINDS.label(p.kind)}, {_period(p.start_date, p.end_date)}")
              for p in Placement.select().where(Placement.enrolment == enrolment_id)
              .order_by(Placement.start_date)]
    return {"title": f"{e.person.full_name}, {e.cohort.name}", "facts": facts, "links": links}


def agreement_summary(agreement_id: int) -> dict[str, Any]:
    from ..models import ImpactReport

    a = SupportAgreement.get_by_id(agreement_id)
    from ..fields import format_money
    from ..services.agreement_money import spent_pence

    facts = [("Reference", a.reference), ("Year", str(a.academic_year)),
             ("Status", AGREEMENT_STATUSES.label(a.status)),
             ("Dates", _period(a.start_date, a.end_date)),
             ("Funding", a.funding_source or ""),
             ("Agreed", format_money(a.amount_agreed_pence)),
             ("Spent", format_money(spent_pence(a.id))),
             ("QA lead", a.qa_lead.full_name if a.qa_lead_id and a.qa_lead is not None else "")]
    links = [Link("school", p.school_id, p.school.name, PARTY_ROLES.label(p.role))
             for p in AgreementParty.select().where(AgreementParty.agreement == agreement_id)]
    reports = [Link("agreement", a.id, f"{r.kind.title()} report due {_d(r.due_date)}",
                    f"submitted {_d(r.submitted_on)}" if r.submitted_on else
                    ("overdue" if r.due_date < clock.today() else "not yet submitted"))
               for r in ImpactReport.select().where(ImpactReport.agreement == agreement_id)
               .order_by(ImpactReport.due_date)]
    return {"title": f"{a.reference} {a.title}", "facts": facts, "links": links, "reports": reports}
