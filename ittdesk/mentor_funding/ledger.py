"""The training ledger worked into claims: per mentor, accredited provider and year.

DfE's rules (DFE-Digital/itt-mentor-services ``app/models/claims/training_allowance.rb``): a
mentor who trained with the same accredited provider in an earlier academic year gets the
refresher allowance, otherwise the initial one; the hours claimable are the hours done up to
that year's cap, across all the mentor's schools (grant conditions: "school A claimed 10 hours
... school B could only claim 6"). Here the cap is used up in the order the sessions happened,
each session's claimable part going to the school it was for (or, with none recorded, the
school where the person mentors). The amount is claimable hours x the school's hourly rate
(``Claims::Claim::CalculateAmount``), in whole pence: hours are read as decimals, never floats.

Only this provider's sessions count towards its statements and answers: a session whose
accredited provider is empty or this provider's name is ours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from .. import settings
from ..academic_year import AcademicYear
from ..choices import FUNDING_REGIONS, MENTOR_KINDS
from ..models import MentorTraining, Person, Role, School
from ..sortkeys import sort_key
from . import rates, regions

ACTIVE_PARTNERS = ("partner", "placement", "lead")


def amount_pence(hours: Decimal, rate: int) -> int:
    """Hours x pence per hour, to the nearest penny (half up), exactly."""
    return int((hours * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hours_text(hours: Decimal | None) -> str:
    if hours is None:
        return ""
    return f"{hours.normalize():f}"


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def same_provider(name: str | None, provider_name: str) -> bool:
    """Whether a session's accredited provider is this provider (empty: made before the
    column, or left as the default, so ours)."""
    return not (name or "").strip() or sort_key(name) == sort_key(provider_name)


@dataclass
class Session:
    id: int
    person_id: int
    on: date
    hours: Decimal | None
    general: bool
    ours: bool
    provider: str
    school_id: int | None  # as recorded, or where the person mentors
    claimable: Decimal = Decimal(0)


@dataclass
class MentorYear:
    """One mentor's year with this provider."""

    person_id: int
    name: str
    trn: str | None
    allowance: str  # "initial" or "refresher"
    cap: int
    sessions: list[Session] = field(default_factory=list)

    @property
    def general(self) -> list[Session]:
        return [s for s in self.sessions if s.ours and s.general]

    @property
    def hours_done(self) -> Decimal:
        return sum((s.hours for s in self.general if s.hours is not None), Decimal(0))

    @property
    def claimable(self) -> Decimal:
        return sum((s.claimable for s in self.general), Decimal(0))

    @property
    def other_training_hours(self) -> Decimal:
        """Hours of this provider's training that was not ITT general mentor training."""
        return sum((s.hours or Decimal(0) for s in self.sessions if s.ours and not s.general),
                   Decimal(0))

    @property
    def other_providers(self) -> list[str]:
        return sorted({s.provider for s in self.sessions if not s.ours})

    @property
    def hours_missing(self) -> int:
        return sum(1 for s in self.general if s.hours is None)


@dataclass
class Line:
    """One mentor on one school's statement."""

    person_id: int
    name: str
    trn: str | None
    allowance: str
    cap: int
    hours: Decimal
    claimable: Decimal
    amount: int | None  # pence; None while the school's region is unknown
    missing: list[str]


@dataclass
class Statement:
    school_id: int
    urn: int
    name: str
    region: str | None
    region_how: str
    rate: int | None
    lines: list[Line]

    @property
    def region_label(self) -> str:
        return FUNDING_REGIONS.label(self.region) if self.region else "not known"

    @property
    def hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), Decimal(0))

    @property
    def claimable(self) -> Decimal:
        return sum((line.claimable for line in self.lines), Decimal(0))

    @property
    def total(self) -> int | None:
        if self.rate is None:
            return None
        return sum(line.amount or 0 for line in self.lines)

    @property
    def missing(self) -> list[str]:
        # one item a mentor ("Fay Khan: no TRN, no hours recorded"), not the name again per gap
        found = [f"{line.name}: {', '.join(line.missing)}" for line in self.lines if line.missing]
        if self.region is None:
            found.insert(0, f"Funding region: {self.region_how}")
        return found


@dataclass
class Ledger:
    """The year's figures, every mentor's year with this provider and the schools' statements."""

    year: AcademicYear
    figures: rates.YearFigures
    provider_name: str
    mentors: dict[int, MentorYear]
    statements: list[Statement]
    schools: dict[int, School]

    def statement_for(self, school_id: int) -> Statement | None:
        return next((s for s in self.statements if s.school_id == school_id), None)

    def region(self, school: School) -> regions.Region:
        return regions.region_of(school.funding_region, school.district_code, school.la_code)


def _mentor_posts(year: AcademicYear) -> dict[int, list[tuple[int, date | None]]]:
    """person -> [(school, start)] of mentor posts held at some time in the year."""
    posts: dict[int, list[tuple[int, date | None]]] = defaultdict(list)
    query = (Role.select(Role.person, Role.school, Role.start_date)
             .where(Role.kind.in_(MENTOR_KINDS)
                    & (Role.start_date.is_null() | (Role.start_date <= year.end))
                    & (Role.end_date.is_null() | (Role.end_date >= year.start)))
             .order_by(Role.start_date, Role.id).tuples())
    for person_id, school_id, start in cast("Iterable[tuple[int, int, date | None]]", query):
        posts[person_id].append((school_id, start))
    return posts


def build(year: AcademicYear) -> Ledger:
    """Work out the year: a few set-based queries, then plain Python over the rows."""
    figures = rates.figures(year)
    provider_name = settings.provider().display_name
    posts = _mentor_posts(year)
    earlier_rows = cast("Iterable[tuple[int, str | None]]", (
        MentorTraining.select(MentorTraining.person, MentorTraining.accredited_provider)
        .where((MentorTraining.completed_on < year.start) & (MentorTraining.general == True))  # noqa: E712
        .distinct().tuples()))
    earlier = {pid for pid, ap in earlier_rows if same_provider(ap, provider_name)}
    rows = (MentorTraining.select(MentorTraining.id, MentorTraining.person, MentorTraining.completed_on,
                                  MentorTraining.hours, MentorTraining.general,
                                  MentorTraining.accredited_provider, MentorTraining.school)
            .where(MentorTraining.completed_on.between(year.start, year.end))
            .order_by(MentorTraining.completed_on, MentorTraining.id).tuples())
    sessions: dict[int, list[Session]] = defaultdict(list)
    for sid, pid, on, hours, general, ap, school_id in cast(
            "Iterable[tuple[int, int, date, float | None, bool, str | None, int | None]]", rows):
        where = school_id or (posts[pid][0][0] if posts.get(pid) else None)
        sessions[pid].append(Session(sid, pid, on, _decimal(hours), bool(general),
                                     same_provider(ap, provider_name),
                                     (ap or "").strip() or provider_name, where))
    partner_ids = {s.id for s in School.select(School.id).where(
        School.partnership_status.in_(ACTIVE_PARTNERS))}
    people_ids = set(sessions) | {pid for pid, held in posts.items()
                                  if any(sch in partner_ids for sch, _ in held)}
    people = {p.id: p for p in Person.select(Person.id, Person.first_name, Person.last_name,
                                            Person.erased, Person.trn)
              .where(Person.id.in_(list(people_ids)))} if people_ids else {}
    mentors: dict[int, MentorYear] = {}
    for pid, person in people.items():
        allowance = "refresher" if pid in earlier else "initial"
        mentor = MentorYear(pid, person.full_name, person.trn, allowance, figures.cap(allowance),
                            sessions.get(pid, []))
        remaining = Decimal(mentor.cap)
        for session in mentor.general:
            if session.hours is None:
                continue
            session.claimable = min(session.hours, remaining)
            remaining -= session.claimable
        mentors[pid] = mentor
    school_ids = partner_ids | {s.school_id for m in mentors.values() for s in m.general
                                if s.school_id is not None}
    schools = {s.id: s for s in School.select().where(School.id.in_(list(school_ids)))} \
        if school_ids else {}
    ledger = Ledger(year, figures, provider_name, mentors, [], schools)
    at_school: dict[int, set[int]] = defaultdict(set)
    for pid, held in posts.items():
        for school_id, _start in held:
            if pid in mentors:
                at_school[school_id].add(pid)
    for mentor in mentors.values():
        for session in mentor.general:
            if session.school_id is not None:
                at_school[session.school_id].add(mentor.person_id)
    for school_id in sorted(school_ids, key=lambda i: (schools[i].name_key, i)):
        school = schools[school_id]
        if school_id not in partner_ids and not any(
                s.school_id == school_id for m in mentors.values() for s in m.general):
            continue
        ids = at_school.get(school_id, set())
        if not ids:
            continue
        region = ledger.region(school)
        rate = figures.rate(region.key)
        lines = []
        for pid in sorted(ids, key=lambda i: (sort_key(people[i].last_name),
                                               sort_key(people[i].first_name), i)):
            mentor = mentors[pid]
            here = [s for s in mentor.general if s.school_id == school_id]
            done = sum((s.hours for s in here if s.hours is not None), Decimal(0))
            claimable = sum((s.claimable for s in here), Decimal(0))
            missing = []
            if not mentor.trn:
                missing.append("no TRN")
            if not here:
                missing.append("no hours recorded")
            elif any(s.hours is None for s in here):
                missing.append("hours not recorded for a session")
            lines.append(Line(pid, mentor.name, mentor.trn, mentor.allowance, mentor.cap, done,
                              claimable, None if rate is None else amount_pence(claimable, rate),
                              missing))
        ledger.statements.append(Statement(school_id, school.urn, school.name, region.key,
                                           region.how, rate, lines))
    return ledger


def summary_rows(ledger: Ledger) -> list[tuple[Statement, int, Decimal, Decimal, int | None]]:
    """Per school: the statement, mentors, hours done, claimable hours, amount (pence)."""
    return [(s, len(s.lines), s.hours, s.claimable, s.total) for s in ledger.statements]

