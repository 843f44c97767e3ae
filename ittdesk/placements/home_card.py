"""Home's card "trainees at risk of not meeting placement requirements": how many trainees of
this and last academic year's ITT cohorts are at risk or not met, in the card's order, and the
first few checked in full.

The card asks only *whether* a trainee is at risk or not met, never why, so it reads one lean
query and asks one question per trainee (``_falls_short``), the same question the full check's
``_judge`` answers (``check.py``), worked out from its decisions:

- a trainee whose expected end has passed is *not met* exactly when what is **done** falls short
  of the rule (days, schools, the employing school and one other, contrasting, ITaP);
- any other trainee is *at risk* exactly when what is **planned** falls short (planned days are
  never fewer than done days, planned schools include the done ones, so "short of the plan"
  already implies "short so far", as ``_judge`` sets them).

So a current trainee's placements need only their planned days (no days-so-far), and no
trainee builds sets of reasons, URNs or a tally object. School days come from one running count
by date ordinal (``SchoolCalendar.running_counts``): a subtraction per placement. The query
hands the rows over in the card's order with the dates as ordinals (``_card_query``), so
Python neither looks names or dates up nor sorts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from operator import itemgetter
from typing import Any, cast

from peewee import JOIN, SQL, Cast, fn

from .. import clock, gcpolicy
from ..academic_year import AcademicYear
from ..models import Cohort, Enrolment, Person, Placement, Programme, School, database
from ..models.base import is_postgres
from .check import (
    _DONE_STATUSES,
    _SCHOOL_KINDS,
    _WITHDRAWN,
    CHECKED_ENROLMENT_STATUSES,
    TraineeCheck,
    _checks,
    _days,
    course_years,
)
from .days import SchoolCalendar
from .rules import FALLBACK_ROUTE, Rule, rules_for


@dataclass
class AtRisk:
    """Home's card: how many trainees are at risk or not met, each one's (enrolment id,
    status) in the card's order (not met first, then by name), and the first few in full."""

    count: int
    enrolments: list[tuple[int, str]]
    shown: list[TraineeCheck]


def _card_cohorts(today: date) -> dict[int, tuple[AcademicYear, date | None, date | None]]:
    """This and last academic year's ITT cohorts: id -> (year, start, end)."""
    year = AcademicYear.for_date(today)
    rows = cast("Iterable[tuple[int, Any, Any, Any]]", (
        Cohort.select(Cohort.id, Cohort.academic_year, Cohort.start_date, Cohort.end_date)
        .join(Programme, on=(Cohort.programme == Programme.id))
        .where((Programme.kind == "itt") & Cohort.academic_year.in_([year.previous(), year]))
        .tuples()))
    return {cohort_id: (AcademicYear.parse(y), start, end) for cohort_id, y, start, end in rows}


def _card_statuses(today: date) -> list[tuple[int, str]]:
    """(enrolment id, status) of every trainee at risk or not met in Home's cohorts, not met
    first, then by name (last and first name keys, then enrolment id); judged as the check
    judges them, without words, from one lean query.

    Home's trainees are read through their cohorts' ids and the enrolment_home_card index;
    the status test is kept off the status index (``status || ''``): without statistics SQLite
    prefers that one and walks every enrolment in training since the first cohort. A
    school's LA is read only where some LA has terms of its own."""
    cohorts = _card_cohorts(today)
    if not cohorts:
        return []
    calendar = SchoolCalendar.load()
    rules = rules_for({year for year, _s, _e in cohorts.values()})
    by_la = calendar.differs_by_la()
    return _judge_card(_card_query(list(cohorts), by_la), cohorts, rules, calendar, by_la,
                       today)


def _card_query(cohort_ids: list[int], by_la: bool) -> Any:
    """The card's one query: the cohorts' trainees in training, deferred or finished, each
    with its placements (LEFT JOINed), only the columns the judgement reads; every enrolment
    and placement column is in the home-card indexes (migration 16).

    The rows come in the card's order (last and first name keys, then enrolment id: the keys
    compare byte by byte on both databases, as Python compares str), each trainee's together,
    their placements by id; and placement dates come as day ordinals worked out by the
    database: no name keys or date texts handed over, gathered or sorted in Python."""
    columns = [Enrolment.id, Enrolment.route, Enrolment.itt_start_date, Enrolment.itt_end_date,
               Enrolment.cohort_id, Enrolment.employing_school_id, Placement.school_id,
               Placement.kind, Placement.status, _ordinal(Placement.start_date),
               _ordinal(Placement.end_date), Placement.days_spent, Placement.absence_days]
    query = (Enrolment.select(*columns, *([School.la_code] if by_la else []))
             .join(Person, on=(Enrolment.person == Person.id))
             .switch(Enrolment)
             .join(Placement, JOIN.LEFT_OUTER, on=(Placement.enrolment == Enrolment.id)))
    if by_la:
        query = query.join(School, JOIN.LEFT_OUTER, on=(Placement.school == School.id))
    return (query.where(Enrolment.cohort.in_(cohort_ids)
                        & Enrolment.status.concat("").in_(CHECKED_ENROLMENT_STATUSES))
            .order_by(Person.last_name_key, Person.first_name_key, Enrolment.id, Placement.id))


_ORDINAL_JULIAN_DAY = 1721424.5  # julianday('0001-01-01') is 1721425.5, date.toordinal() 1


def _ordinal(column: Any) -> Any:
    """A date column as ``date.toordinal()`` of it, worked out by the database (an int per
    row instead of a text to look up: ~15,000 placements' start and end dates)."""
    if is_postgres():
        return column - SQL("DATE '0001-01-01'") + 1
    return Cast(fn.julianday(column) - _ORDINAL_JULIAN_DAY, "INTEGER")


class _Days:
    """School days between two date ordinals at a school in an LA: one running count per LA
    whose terms differ (``None``: every LA's), over the cohorts' years and the one after;
    dates outside them asked of the calendar itself (the same answers, more slowly)."""

    def __init__(self, calendar: SchoolCalendar, first_year: int, last_year: int) -> None:
        self.calendar = calendar
        self.years = (first_year, last_year)
        self.counts: dict[str | None, tuple[int, int, list[int]]] = {}
        self.own_terms = calendar.las_with_own_terms()
        self.base, self.limit, self.running = self.counts_for(None)

    def counts_for(self, la_code: str | None) -> tuple[int, int, list[int]]:
        """(first ordinal, first ordinal past the end, running counts) for ``la_code``; an LA
        without terms of its own shares every LA's."""
        if la_code not in self.own_terms:
            la_code = None
        found = self.counts.get(la_code)
        if found is None:
            base, running = self.calendar.running_counts(la_code, *self.years)
            found = self.counts[la_code] = (base, base + len(running) - 1, running)
        return found

    def between(self, start: int, end: int, la_code: str | None) -> int:
        """``SchoolCalendar.school_days`` of the two ordinals (inclusive)."""
        if end < start:
            return 0
        base, limit, running = self.counts_for(la_code) if la_code else (
            self.base, self.limit, self.running)
        if base <= start and end < limit:
            return running[end - base + 1] - running[start - base]
        return self.calendar.school_days(date.fromordinal(start), date.fromordinal(end), la_code)


class _Judge:
    """One card's question per trainee (``falls_short``), with what every trainee shares: the
    running counts, today as an ordinal."""

    def __init__(self, days: _Days, today: date, by_la: bool) -> None:
        self.days, self.today, self.by_la = days, today.toordinal(), by_la

    def falls_short(self, rows: list[tuple[Any, ...]], rule: Rule, days_required: int,
                    employer_id: int | None, past: bool, ordered: bool) -> bool | None:
        """Whether one trainee is at risk (``past`` False: what is planned falls short) or not
        met (``past``: what is done falls short), from their placements' card rows, as
        ``_tally`` and ``_judge`` decide. None when the sums held a part-day and the rows were
        not yet in date order: float sums of whole days do not depend on the order, of
        part-days they may, and the check adds them in date order (the caller sorts and asks
        again)."""
        total = itap = 0.0
        schools: set[int] = set()
        contrasting = False
        whole = True
        days, today, by_la = self.days, self.today, self.by_la
        base, limit, running = days.base, days.limit, days.running
        for row in rows:
            school_id, kind, status, s, e, spent, absent = row[6:13]
            if spent is None:
                if e < s:
                    value = 0.0
                elif base <= s and e < limit and not by_la:
                    value = float(running[e - base + 1] - running[s - base])
                else:
                    value = float(days.between(s, e, row[13] if by_la else None))
            else:
                if spent.__class__ is not int:
                    whole = False
                value = float(spent)
            if absent:
                if absent.__class__ is not int:
                    whole = False
                absent_days = float(absent)
                value -= absent_days
            else:
                absent_days = 0.0
            if not value > 0.0:
                value = 0.0
            withdrawn = status in _WITHDRAWN
            if withdrawn:
                if spent is None:
                    value = 0.0
            elif past:
                if status == "completed":
                    pass
                elif status in _DONE_STATUSES:
                    if not e < today:
                        if s <= today:  # under way: the school days so far, never more than its days
                            so_far = days.between(s, e if e < today else today,
                                                  row[13] if by_la else None) - absent_days
                            if not so_far > 0.0:
                                so_far = 0.0
                            if so_far < value:
                                value = so_far
                        else:
                            value = 0.0
                else:
                    value = 0.0
            if kind == "itap":
                itap += value
            else:
                total += value
            if withdrawn or kind not in _SCHOOL_KINDS:
                continue
            if not past or value > 0 or status == "completed":
                schools.add(school_id)
                if kind == "second":
                    contrasting = True
        if not whole and not ordered and len(rows) > 1:
            return None
        if total < days_required:
            return True
        need = rule.min_schools
        if rule.employing_school_counts and need:
            if employer_id is None:
                return True
            schools.discard(employer_id)
            if not schools:
                return True
            counted = len(schools) + 1
        else:
            counted = len(schools)
        if counted < need:
            return True
        if rule.needs_contrasting and not contrasting:
            return True
        return bool(rule.itap_days) and itap < rule.itap_days

    @staticmethod
    def in_date_order(rows: list[tuple[Any, ...]]) -> None:
        """A trainee's rows by start, then end date (a stable sort, as the check's)."""
        rows.sort(key=_BY_DATES)


_BY_DATES = itemgetter(9, 10)
_END: list[tuple[Any, ...]] = [(None,)]


def _judge_card(query: Any, cohorts: dict[int, tuple[AcademicYear, Any, Any]],
                rules: dict[tuple[AcademicYear, str], Rule], calendar: SchoolCalendar,
                by_la: bool, today: date) -> list[tuple[int, str]]:
    """``_card_statuses``' reading and judging, the query's rows in the card's order: each
    trainee's rows together (their first row carries the trainee's columns; a trainee without
    placements has one row whose placement columns are null), judged as they end."""
    years = [year.start_year for year, _s, _e in cohorts.values()]
    judge = _Judge(_Days(calendar, min(years), max(years) + 1), today, by_la)
    falls_short = judge.falls_short
    day = _days()
    # (cohort, route, ITT start, ITT end) -> (rule, days required, expected end has passed):
    # most of a cohort's trainees share them, so each is worked out once.
    terms: dict[tuple[Any, ...], tuple[Rule, int, bool]] = {}
    not_met: list[tuple[int, str]] = []
    at_risk: list[tuple[int, str]] = []

    rows: list[tuple[Any, ...]] = []
    placements = None  # the trainee's rows so far, None before the first
    # Each trainee is judged when the next one's first row (or the end, None) arrives.
    for next_row in chain(cast("Iterable[tuple[Any, ...]]", database.execute(query)), _END):
        if placements is not None:
            if next_row[0] == placements[0][0]:
                placements.append(next_row)
                continue
            row = placements[0]
            enrolment_id, route, itt_start, itt_end, cohort_id, employer_id = row[:6]
            key = (cohort_id, route, itt_start, itt_end)
            found = terms.get(key)
            if found is None:
                year, _start, cohort_end = cohorts[cohort_id]
                start, end = day(itt_start), day(itt_end)
                rule = rules[(year, route or FALLBACK_ROUTE)]
                expected_end = end or day(cohort_end) or year.end
                found = terms[key] = (rule, rule.days_required(course_years(start, end)),
                                      expected_end < today)
            rule, days_required, past = found
            rows = placements if row[6] is not None else []
            short = falls_short(rows, rule, days_required, employer_id, past, False)
            if short is None:  # part-days: added in date order, as the check adds them
                judge.in_date_order(rows)
                short = falls_short(rows, rule, days_required, employer_id, past, True)
            if short:
                if past:
                    not_met.append((enrolment_id, "not_met"))
                else:
                    at_risk.append((enrolment_id, "at_risk"))
        placements = [next_row]
    return not_met + at_risk


_AT_RISK_CACHE: dict[tuple[Any, ...], AtRisk] = {}


def at_risk(today: date | None = None, limit: int = 50) -> AtRisk:
    """The trainees at risk or not met in this and last academic year's cohorts (Home's card):
    every one's status, the first ``limit`` checked in full (reasons in words). Remembered
    until anything is written (every write is audited, so the newest audit entry's id says
    when; one indexed read) or the day changes: Home asks often."""
    from ..models import AuditEntry

    today = today or clock.today()
    newest = AuditEntry.select(AuditEntry.id, AuditEntry.at).order_by(
        AuditEntry.id.desc()).limit(1).tuples().first()
    last_enrolment = Enrolment.select(Enrolment.id).order_by(Enrolment.id.desc()).limit(1).scalar()
    last_placement = Placement.select(Placement.id).order_by(Placement.id.desc()).limit(1).scalar()
    key = (id(database.obj), today, newest, last_enrolment, last_placement, limit)
    found = _AT_RISK_CACHE.get(key)
    if found is None:
        # The cyclic collector held off while the card builds ~40,000 tuples and lists with no
        # cycles among them: otherwise it walks them all again and again (~10% of the card's
        # time at the large scale, from the CLI or a script).
        with gcpolicy.paused():
            statuses = _card_statuses(today)
            first = [enrolment_id for enrolment_id, _status in statuses[:limit]]
            full = ({c.enrolment_id: c for c in _checks(Enrolment.id.in_(first), today)}
                    if first else {})
            found = AtRisk(len(statuses), statuses, [full[i] for i in first])
        _AT_RISK_CACHE.clear()
        _AT_RISK_CACHE[key] = found
    return found


__all__ = ["AtRisk", "at_risk"]
