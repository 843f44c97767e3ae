"""Each trainee's placements checked against their route's rules: met / on track / at risk /
not met, with the reasons in words ("96 of 120 days; no second school yet; ITaP 10 of 20 days").

What counts (``rules.Rule`` gives the numbers for the cohort's year and the trainee's route):

- *done*: a completed placement, or a confirmed / in-progress one whose end date has passed
  (while it runs, the school days so far, up to its days); a withdrawn placement's days only where entered, and it
  gives no school. *planned*: done plus every other placement not withdrawn (proposed ones
  included: they are the plan).
- days in school: main, contrasting and enrichment placements; ITaP days apart, on top.
  Each placement's days are those entered (part-days allowed), else the school days between
  its dates (``days``), less its absences.
- schools: the distinct schools of main and contrasting placements; on salaried routes the
  employing school counts as one, and another school is needed beside it.

Statuses:

- **met**: the done days, schools, contrasting placement and ITaP days reach the rule;
- **not met**: not met and the expected end date (the enrolment's ITT end date, else the
  cohort's end) has passed;
- **on track**: not met yet, but what is planned reaches the rule by the expected end;
- **at risk**: what is planned falls short (too few days, no second school, no contrasting
  placement, too little ITaP, no employing school recorded on a salaried route).

Computed in four queries whatever the number of trainees (enrolments, placements, rules,
term dates); nothing is read per trainee.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from peewee import JOIN

from .. import clock, fields
from ..academic_year import AcademicYear
from ..choices import TRAINING_ROUTES
from ..errors import NotFoundError
from ..models import Cohort, Enrolment, Person, Placement, Programme, School, database
from .days import SchoolCalendar
from .rules import FALLBACK_ROUTE, Rule, rules_for

STATUSES = ("met", "on_track", "at_risk", "not_met")
STATUS_WORDS = {"met": "Met", "on_track": "On track", "at_risk": "At risk", "not_met": "Not met"}
#: The enrolments the cohort-wide check covers: in training, deferred or finished.
CHECKED_ENROLMENT_STATUSES = ("enrolled", "deferred", "completed")
_SCHOOL_KINDS = frozenset(("main", "second"))
_DONE_STATUSES = frozenset(("confirmed", "in_progress"))
_WITHDRAWN = frozenset(("withdrawn_by_school", "withdrawn_by_trainee"))


@dataclass
class TraineeCheck:
    """One trainee's placement check. ``placement_urns``: the URNs of the schools their counted
    placements were in (not withdrawn or merely proposed), in date order, each once; on a
    salaried route the employing school's first (Register counts it as a placement)."""

    enrolment_id: int
    person_id: int
    name: str
    route: str | None
    trn: str | None
    itt_start_date: date | None
    days_in_school: float
    days_required: int
    schools: int
    itap_days: float
    itap_required: int
    status: str
    reasons: list[str]
    placement_urns: list[str]
    days_planned: float = 0.0
    itap_planned: float = 0.0
    schools_required: int = 0
    expected_end: date | None = None
    placements_required_by_register: int = 0
    cohort_id: int | None = None

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)

    def as_json(self) -> dict[str, Any]:
        """The machine-readable view (``ittdesk compliance --json``), dates as ISO text."""
        return {
            "person_id": self.person_id, "enrolment_id": self.enrolment_id, "name": self.name,
            "route": self.route, "trn": self.trn,
            "itt_start_date": self.itt_start_date.isoformat() if self.itt_start_date else None,
            "days_in_school": self.days_in_school, "days_required": self.days_required,
            "schools": self.schools, "itap_days": self.itap_days,
            "itap_required": self.itap_required, "status": self.status,
            "reasons": list(self.reasons), "placement_urns": list(self.placement_urns),
        }


def number(value: float) -> str:
    """96, 10.5: days as people write them."""
    return f"{value:g}" if value != int(value) else str(int(value))


def course_years(start: date | None, end: date | None) -> int | None:
    """A course's length in whole years, rounded up, as Register works it out."""
    if start is None or end is None or end < start:
        return None
    return math.ceil((end - start).days / 365)


class _Tally:
    """One trainee's sums (a plain slotted class: built once per trainee, 12,000 times for
    Home's card)."""

    __slots__ = ("contrasting_done", "contrasting_planned", "done", "itap_done",
                 "itap_planned", "planned", "schools_done", "schools_planned", "urns")

    def __init__(self, done: float, planned: float, itap_done: float, itap_planned: float,
                 schools_done: set[int], schools_planned: set[int], contrasting_done: bool,
                 contrasting_planned: bool, urns: list[str]) -> None:
        self.done, self.planned = done, planned
        self.itap_done, self.itap_planned = itap_done, itap_planned
        self.schools_done, self.schools_planned = schools_done, schools_planned
        self.contrasting_done, self.contrasting_planned = contrasting_done, contrasting_planned
        self.urns = urns


def _tally(rows: list[tuple[Any, ...]], calendar: SchoolCalendar, today: date) -> _Tally:
    """One trainee's placements (school_id, urn, la_code, kind, status, start, end,
    days_spent, absence_days), in date order. Sums kept in locals, added in row order."""
    done_sum = planned_sum = itap_done = itap_planned = 0.0
    schools_done: set[int] = set()
    schools_planned: set[int] = set()
    contrasting_done = contrasting_planned = False
    urns: list[str] = []
    school_days = calendar.school_days
    for school_id, urn, la_code, kind, status, start, end, spent, absent in rows:
        # max(0.0, x) and min(a, b) written out (the same values): 15,000 rows for Home.
        absent_days = float(absent) if absent else 0.0
        planned = (float(spent) if spent is not None
                   else school_days(start, end, la_code)) - absent_days
        if not planned > 0.0:
            planned = 0.0
        withdrawn = status in _WITHDRAWN
        if withdrawn:
            done = planned if spent is not None else 0.0
            planned = done
        elif status == "completed" or (status in _DONE_STATUSES and end < today):
            done = planned
        elif status in _DONE_STATUSES and start <= today:
            # Under way: the school days so far (never more than its days, entered or not).
            so_far = school_days(start, end if end < today else today, la_code) - absent_days
            if not so_far > 0.0:
                so_far = 0.0
            done = planned if planned <= so_far else so_far
        else:
            done = 0.0
        if kind == "itap":
            itap_done += done
            itap_planned += planned
        else:
            done_sum += done
            planned_sum += planned
        if withdrawn:
            continue
        if kind in _SCHOOL_KINDS:
            schools_planned.add(school_id)
            if done > 0 or status == "completed":
                schools_done.add(school_id)
            if kind == "second":
                contrasting_planned = True
                if done > 0 or status == "completed":
                    contrasting_done = True
        if urn is not None and status != "proposed":
            text = str(urn)
            if text not in urns:
                urns.append(text)
    return _Tally(done_sum, planned_sum, itap_done, itap_planned, schools_done, schools_planned,
                  contrasting_done, contrasting_planned, urns)


def _days_short(what: str, done: float, planned: float, required: int) -> str:
    """"96 of 120 days (110 planned)", "ITaP 10 of 20 days": the plan only when it adds some."""
    text = f"{what}{number(done)} of {required} days"
    return text + (f" ({number(planned)} planned)" if planned > done else "")


def _judge(tally: _Tally, rule: Rule, days_required: int, employing: tuple[int, Any] | None,
           route_known: bool, expected_end: date | None, today: date, explain: bool = True
           ) -> tuple[str, list[str], int, list[str]]:
    """(status, reasons, schools counted, URNs) for one trainee. ``explain=False``: the
    status alone (no reasons, no URNs), for Home's count over every current trainee; the
    same decisions either way."""
    reasons: list[str] = []
    say = reasons.append if explain else _silent
    if not route_known:
        say("no training route recorded: checked as postgraduate")
    urns = list(tally.urns) if explain else []
    schools_done, schools_planned = tally.schools_done, tally.schools_planned
    short_done, short_planned = False, False

    if tally.done < days_required:
        short_done = True
        if explain:
            say(_days_short("", tally.done, tally.planned, days_required))
        short_planned |= tally.planned < days_required

    need = rule.min_schools
    besides_planned = False
    if rule.employing_school_counts and need:
        if employing is None:
            say("no employing school recorded")
            short_done = short_planned = True
        else:
            employer_id, employer_urn = employing
            others_done = schools_done - {employer_id}
            others_planned = schools_planned - {employer_id}
            schools_done, schools_planned = others_done | {employer_id}, others_planned | {employer_id}
            if explain and employer_urn is not None and str(employer_urn) not in urns:
                urns.insert(0, str(employer_urn))
            if not others_planned:
                say("no school besides the employing school yet")
                short_done = short_planned = True
            elif not others_done:
                say("placement besides the employing school planned")
                besides_planned = True
                short_done = True
    if len(schools_done) < need:
        short_done = True
        if len(schools_planned) < need:
            short_planned = True
            if need == 2 and len(schools_planned) == 1:
                say("no second school yet")
            elif not schools_planned:
                say("no school yet")
            elif explain:
                say(f"{len(schools_planned)} of {need} schools")
        elif explain and not besides_planned:
            say(f"{len(schools_done)} of {need} schools so far ({len(schools_planned)} planned)")

    if rule.needs_contrasting and not tally.contrasting_done:
        short_done = True
        if tally.contrasting_planned:
            say("contrasting placement planned")
        else:
            say("no contrasting placement yet")
            short_planned = True

    if rule.itap_days and tally.itap_done < rule.itap_days:
        short_done = True
        if explain:
            say(_days_short("ITaP ", tally.itap_done, tally.itap_planned, rule.itap_days))
        short_planned |= tally.itap_planned < rule.itap_days

    if not short_done:
        status = "met"
    elif expected_end is not None and expected_end < today:
        status = "not_met"
        if explain:
            say(f"expected end {_format_day(expected_end)} has passed")
    elif short_planned:
        status = "at_risk"
    else:
        status = "on_track"
    return status, reasons, len(schools_done), urns


def _silent(_reason: str) -> None:
    """Where no one reads the reasons."""


@lru_cache(maxsize=4096)
def _format_day(day: date) -> str:
    return fields.format_date(day)


def _name(first: str | None, last: str | None, erased: bool, person_id: int) -> str:
    if erased:
        return f"erased person #{person_id}"
    return " ".join(p for p in (first, last) if p)


def _checks(enrolment_filter: Any, today: date | None = None,
            keep: frozenset[str] | None = None) -> list[TraineeCheck]:
    """The checks of the enrolments ``enrolment_filter`` selects, in name order; with ``keep``,
    only those whose status is in it (the others are judged, never built)."""
    today = today or clock.today()
    employer = School.alias("employer")
    enrolments = (Enrolment
                  .select(Enrolment.id, Enrolment.person_id, Person.first_name, Person.last_name,
                          Person.erased, Person.trn, Enrolment.route, Enrolment.itt_start_date,
                          Enrolment.itt_end_date, Cohort.id, Cohort.academic_year,
                          Cohort.start_date, Cohort.end_date, Enrolment.employing_school_id,
                          employer.urn)
                  .join(Person, on=(Enrolment.person == Person.id))
                  .switch(Enrolment).join(Cohort, on=(Enrolment.cohort == Cohort.id))
                  .join(Programme, on=(Cohort.programme == Programme.id))
                  .switch(Enrolment)
                  .join(employer, JOIN.LEFT_OUTER, on=(Enrolment.employing_school == employer.id))
                  .where(enrolment_filter)
                  .order_by(Person.last_name_key, Person.first_name_key, Enrolment.id))
    placements = (Placement
                  .select(Placement.enrolment_id, Placement.school_id, School.urn, School.la_code,
                          Placement.kind, Placement.status, Placement.start_date,
                          Placement.end_date, Placement.days_spent, Placement.absence_days)
                  .join(School, on=(Placement.school == School.id))
                  .switch(Placement).join(Enrolment, on=(Placement.enrolment == Enrolment.id))
                  .join(Cohort, on=(Enrolment.cohort == Cohort.id))
                  .join(Programme, on=(Cohort.programme == Programme.id))
                  .switch(Enrolment).join(Person, on=(Enrolment.person == Person.id))
                  .where(enrolment_filter)
                  .order_by(Placement.enrolment, Placement.start_date, Placement.end_date))
    # The driver's own rows (text dates on SQLite), converted here through a cache: a few
    # hundred distinct days serve 130,000 placements, where peewee converts every value.
    day = _days()
    by_enrolment: dict[int, list[tuple[Any, ...]]] = {}
    for (enrolment_id, school_id, urn, la_code, kind, status, start, end, spent,
         absent) in cast("Iterable[tuple[Any, ...]]", database.execute(placements)):
        by_enrolment.setdefault(enrolment_id, []).append(
            (school_id, urn, la_code, kind, status, day(start), day(end), spent, absent))
    rows = cast("list[tuple[Any, ...]]", database.execute(enrolments).fetchall())
    years_of = {text: AcademicYear.parse(text) for text in {row[10] for row in rows}}
    rules = rules_for(set(years_of.values()))
    calendar = SchoolCalendar.load()
    result: list[TraineeCheck] = []
    none: list[tuple[Any, ...]] = []
    for (enrolment_id, person_id, first, last, erased, trn, route, itt_start, itt_end,
         cohort_id, year_text, cohort_start, cohort_end, employer_id, employer_urn) in rows:
        year = years_of[year_text]
        itt_start, itt_end = day(itt_start), day(itt_end)
        cohort_start, cohort_end = day(cohort_start), day(cohort_end)
        rule = rules[(year, route or FALLBACK_ROUTE)]
        days_required = rule.days_required(course_years(itt_start, itt_end))
        tally = _tally(by_enrolment.get(enrolment_id, none), calendar, today)
        expected_end = itt_end or cohort_end or year.end
        status, reasons, schools, urns = _judge(
            tally, rule, days_required,
            (employer_id, employer_urn) if employer_id is not None else None,
            route is not None, expected_end, today)
        if keep is not None and status not in keep:
            continue
        result.append(TraineeCheck(
            enrolment_id=enrolment_id, person_id=person_id,
            name=_name(first, last, erased, person_id), route=route, trn=trn,
            itt_start_date=itt_start or cohort_start, days_in_school=round(tally.done, 2),
            days_required=days_required, schools=schools, itap_days=round(tally.itap_done, 2),
            itap_required=rule.itap_days, status=status, reasons=reasons,
            placement_urns=urns, days_planned=round(tally.planned, 2),
            itap_planned=round(tally.itap_planned, 2), schools_required=rule.min_schools,
            expected_end=expected_end,
            placements_required_by_register=rule.placements_required_by_register,
            cohort_id=cohort_id))
    return result


def _days() -> Callable[[Any], Any]:
    """A converter of the driver's dates (ISO text on SQLite, dates on PostgreSQL), each
    distinct text parsed once."""
    seen: dict[Any, date | None] = {None: None}

    def convert(value: Any) -> Any:
        found = seen.get(value, _MISSING)
        if found is _MISSING:
            if isinstance(value, datetime):
                found = value.date()
            elif isinstance(value, date):
                found = value
            else:
                found = date.fromisoformat(str(value)[:10])
            seen[value] = found
        return found

    return convert


_MISSING: Any = object()


def check_trainees(cohort_id: int | None = None,
                   academic_year: AcademicYear | str | None = None) -> list[TraineeCheck]:
    """Every ITT trainee in training, deferred or finished (optionally one cohort's, or one
    academic year's cohorts'), checked; in name order. Leadership and CPD programmes have no
    placements to check."""
    condition = Enrolment.status.in_(CHECKED_ENROLMENT_STATUSES) & (Programme.kind == "itt")
    if cohort_id is not None:
        condition &= Enrolment.cohort == cohort_id
    if academic_year is not None:
        condition &= Cohort.academic_year == AcademicYear.parse(academic_year)
    return _checks(condition)


def check_enrolment(enrolment_id: int) -> TraineeCheck:
    """One enrolment's check, whatever its status (the trainee's own record shows it)."""
    found = _checks(Enrolment.id == enrolment_id)
    if not found:
        raise NotFoundError(f"There is no enrolment #{enrolment_id}")
    return found[0]


def check_person(person_id: int) -> dict[int, TraineeCheck]:
    """The person's own ITT enrolments' checks by enrolment id, whatever their status (their
    record shows each beside the programme); leadership and CPD have none."""
    condition = (Enrolment.person == person_id) & (Programme.kind == "itt")
    return {c.enrolment_id: c for c in _checks(condition)}


def route_words(route: str | None) -> str:
    return TRAINING_ROUTES.label(route) if route else "Not recorded"


__all__ = ["STATUSES", "TraineeCheck", "check_enrolment", "check_person", "check_trainees"]
