"""A school's ITT engagement, year by year (issue 20): trainees hosted, ITaP hosted, mentors
trained, leaders who led a session, and how often it came to the strategic working group.

One set-based pass per measure over all schools (never a query per school), so the same code
gives one school's history (the school editor) and the "engagement" return for every partner
school in a year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from peewee import ColumnBase, Expression

from ..academic_year import AcademicYear
from ..choices import MENTOR_KINDS, PARTNERSHIP_STATUSES
from ..models import (
    Enrolment,
    Event,
    EventAttendance,
    MentorTraining,
    Person,
    Placement,
    Role,
    School,
)
from ..spreadsheets.writer import SheetColumn
from .base import Filters, ReturnData, ReturnSpec, join_names, register

PARTNER_STATUSES = ("partner", "placement", "lead")


@dataclass
class YearEngagement:
    year: AcademicYear
    trainees: int = 0  # distinct trainees on main, second or enrichment placements
    itap: int = 0  # ITaP placements hosted
    mentors_trained: int = 0  # distinct people whose mentor training counts for the school
    leaders: list[str] = field(default_factory=list)  # who led a session (names)
    working_group: int = 0  # working group meetings someone from the school came to
    working_group_held: int = 0  # working group meetings held in the year

    def is_empty(self) -> bool:
        return not (self.trainees or self.itap or self.mentors_trained or self.leaders
                    or self.working_group)


# SQLite may hand a date column back as ISO text.
Day = date | str


def _year(day: Day) -> str:
    """The academic year a (never null) date column's value falls in, as "2025/26"."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return str(AcademicYear.for_date(day))


def _name(pid: int, first: str | None, last: str | None, erased: bool) -> str:
    if erased:
        return f"erased person #{pid}"
    return " ".join(p for p in (first, last) if p)


def engagement(school_ids: list[int] | None = None,
               year: AcademicYear | None = None) -> dict[int, dict[str, YearEngagement]]:
    """school id -> academic year ("2025/26") -> its engagement; only for ``school_ids``
    (None: every school) and ``year`` (None: every year)."""
    result: dict[int, dict[str, YearEngagement]] = defaultdict(dict)

    def entry(school_id: int, key: str) -> YearEngagement | None:
        if year is not None and key != str(year):
            return None
        if school_ids is not None and school_id not in wanted:
            return None
        found = result[school_id].get(key)
        if found is None:
            found = result[school_id][key] = YearEngagement(AcademicYear.parse(key))
        return found

    wanted = set(school_ids or [])

    def in_year(column: ColumnBase) -> Expression | bool:
        return column.between(year.start, year.end) if year is not None else True

    trainees: dict[tuple[int, str], set[int]] = defaultdict(set)
    query = (Placement.select(Placement.school, Placement.kind, Placement.start_date,
                              Enrolment.person)
             .join(Enrolment, on=(Placement.enrolment == Enrolment.id))
             .where(in_year(Placement.start_date)))
    # A few schools (the school editor, on the GUI thread): every query reads only their
    # rows. Many: filtered below, not as 50,000 SQL parameters (SQLite stops at 32,766).
    few = school_ids is not None and len(school_ids) <= 500
    if few:
        query = query.where(Placement.school.in_(school_ids or [0]))
    placed = cast("Iterable[tuple[int, str, Day, int]]", query.tuples())
    for school_id, kind, start, person_id in placed:
        e = entry(school_id, _year(start))
        if e is None:
            continue
        if kind == "itap":
            e.itap += 1
        else:
            trainees[(school_id, str(e.year))].add(person_id)
    for (school_id, key), people in trainees.items():
        result[school_id][key].trainees = len(people)

    # Training without a school counts for the school where the person mentors.
    # With few schools, only people who mentor at one of them can have such training count
    # there; all of their mentor posts are still read, so their school is chosen as for all.
    roles = Role.select(Role.person, Role.school).where(Role.kind.in_(MENTOR_KINDS))
    training = (MentorTraining.select(MentorTraining.person, MentorTraining.school,
                                      MentorTraining.completed_on)
                .where(in_year(MentorTraining.completed_on)))
    if few:
        mentors_here = Role.select(Role.person).where(Role.kind.in_(MENTOR_KINDS)
                                                      & Role.school.in_(school_ids or [0]))
        roles = roles.where(Role.person.in_(mentors_here))
        training = training.where(MentorTraining.school.in_(school_ids or [0])
                                  | (MentorTraining.school.is_null()
                                     & MentorTraining.person.in_(mentors_here)))
    mentor_school: dict[int, int] = {}
    posts = roles.order_by(Role.end_date.desc(nulls="FIRST"), Role.id).tuples()
    for pid, sid in cast("Iterable[tuple[int, int]]", posts):
        mentor_school.setdefault(pid, sid)
    trained: dict[tuple[int, str], set[int]] = defaultdict(set)
    for pid, training_sid, done in cast("Iterable[tuple[int, int | None, Day]]", training.tuples()):
        trained_at = training_sid or mentor_school.get(pid)
        if trained_at is None:
            continue
        e = entry(trained_at, _year(done))
        if e is not None:
            trained[(trained_at, str(e.year))].add(pid)
    for (school_id, key), people in trained.items():
        result[school_id][key].mentors_trained = len(people)

    held: dict[str, int] = defaultdict(int)
    held_on = Event.select(Event.kind, Event.held_on).where(in_year(Event.held_on)).tuples()
    for kind, day in cast("Iterable[tuple[str, Day]]", held_on):
        if kind == "working_group":
            held[_year(day)] += 1
    meetings: dict[tuple[int, str], set[int]] = defaultdict(set)
    leaders: dict[tuple[int, str], dict[int, str]] = defaultdict(dict)
    attending = (EventAttendance.select(EventAttendance.school, EventAttendance.attended,
                                    EventAttendance.led, Event.id, Event.kind, Event.held_on,
                                    Person.id, Person.first_name, Person.last_name, Person.erased)
             .join(Event, on=(EventAttendance.event == Event.id))
             .switch(EventAttendance).join(Person, on=(EventAttendance.person == Person.id))
             .where(EventAttendance.school.is_null(False)
                    & (EventAttendance.attended | EventAttendance.led) & in_year(Event.held_on))
             .order_by(Event.held_on, Person.last_name_key))
    if few:
        attending = attending.where(EventAttendance.school.in_(school_ids or [0]))
    came = cast("Iterable[tuple[int, bool, bool, int, str, Day, int, str | None, str | None, bool]]",
                attending.tuples())
    for sid, _attended, led, event_id, kind, day, pid, first, last, erased in came:
        e = entry(sid, _year(day))
        if e is None:
            continue
        if kind == "working_group":
            meetings[(sid, str(e.year))].add(event_id)
        if led:
            leaders[(sid, str(e.year))][pid] = _name(pid, first, last, erased)
    for (sid, key), ids in meetings.items():
        result[sid][key].working_group = len(ids)
    for (sid, key), names in leaders.items():
        result[sid][key].leaders = list(names.values())
    for by_year in result.values():
        for key, e in by_year.items():
            e.working_group_held = held.get(key, 0)
    return dict(result)


def school_engagement(school_id: int) -> list[YearEngagement]:
    """One school's engagement, newest year first (years with nothing left out)."""
    by_year = engagement([school_id]).get(school_id, {})
    return [by_year[k] for k in sorted(by_year, reverse=True) if not by_year[k].is_empty()]


def engagement_return(f: Filters) -> ReturnData:
    query = (School.select(School.id, School.name, School.urn, School.la_name,
                           School.partnership_status)
             .where(School.partnership_status.in_(PARTNER_STATUSES)))
    if f.la:
        query = query.where(School.la_name == f.la)
    schools = list(cast("Iterable[tuple[int, str, int, str | None, str]]",
                        query.order_by(School.name_key, School.id).tuples()))
    found = engagement([s[0] for s in schools], f.year)
    key = str(f.year)
    held = (Event.select().where((Event.kind == "working_group")
                                 & Event.held_on.between(f.year.start, f.year.end)).count())
    rows: list[tuple[Any, ...]] = []
    for sid, name, urn, la, status in schools:
        e = found.get(sid, {}).get(key) or YearEngagement(f.year)
        rows.append((name, urn, la, PARTNERSHIP_STATUSES.label(status), e.trainees, e.itap,
                     e.mentors_trained, len(e.leaders), join_names(e.leaders), e.working_group,
                     held))
    columns = [
        SheetColumn("school", "School", synonyms=("School name", "Establishment")),
        SheetColumn("urn", "URN", "int", total=False, synonyms=("DfE URN", "School URN")),
        SheetColumn("la_name", "Local authority", summarise=True, synonyms=("LA", "LA name")),
        SheetColumn("status", "Partnership status", summarise=True),
        SheetColumn("trainees", "Trainees hosted", "int", synonyms=("Trainees", "Placements")),
        SheetColumn("itap", "ITaP hosted", "int", synonyms=("ITaP", "ITaP placements")),
        SheetColumn("mentors_trained", "Mentors trained", "int", synonyms=("Mentor training",)),
        SheetColumn("leaders", "Leaders who led sessions", "int", synonyms=("Leaders leading",)),
        SheetColumn("leader_names", "Who led", synonyms=("Session leaders",)),
        SheetColumn("working_group", "Working group meetings attended", "int",
               synonyms=("Working group",)),
        SheetColumn("working_group_held", "Working group meetings held", "int", total=False),
    ]
    return ReturnData(columns, rows, len(rows))


register(ReturnSpec("engagement", "School engagement return",
                    "One row per partner school: trainees and ITaP hosted, mentors trained, "
                    "leaders who led sessions, working group attendance", engagement_return))
