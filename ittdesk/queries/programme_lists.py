"""The lists of training: programmes, cohorts, enrolments and placements.

Split from ``lists`` (the registry of every list) so that each area's declarations sit together.
Enrolments and placements are ``RankedListQuery``s and join only the tables a query needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from peewee import JOIN, Cast, Field, ModelSelect, fn

from ..academic_year import AcademicYear
from ..choices import ENROLMENT_STATUSES, PLACEMENT_KINDS, PROGRAMME_KINDS
from ..models import Cohort, Enrolment, Person, Placement, Programme, School
from ..sort_index import StoredSort
from . import Filter, ListColumn, ListQuery, SearchVia, SplitSort, choice_options
from .ranked import RankedListQuery
from .school_lists import _full_name, _full_name_key

# -- cohorts and enrolments ----------------------------------------------------------------------

TAKEN_STATUSES = ("offered", "enrolled", "completed")


def _places_taken() -> ModelSelect[Enrolment]:
    return (Enrolment.select(fn.COUNT(Enrolment.id))
            .where((Enrolment.cohort == Cohort.id) & Enrolment.status.in_(TAKEN_STATUSES)))


def _years(model_year: Field[Any]) -> list[tuple[str, str]]:
    query = model_year.model.select(model_year).distinct().order_by(model_year.desc())
    from ..models import database

    return [(str(AcademicYear.parse(r[0])), str(AcademicYear.parse(r[0])))
            for r in database.execute(query).fetchall() if r[0]]


def _programmes() -> list[tuple[str, str]]:
    return [(str(p.id), p.name) for p in Programme.select().order_by(Programme.name)]


def _cohort_options() -> list[tuple[str, str]]:
    query = (Cohort.select(Cohort, Programme).join(Programme)
             .order_by(Cohort.academic_year.desc(), Programme.name, Cohort.name))
    return [(str(c.id), f"{c.programme.name} — {c.name} ({c.academic_year})") for c in query]


COHORTS = ListQuery(
    name="cohorts",
    entity="cohort",
    model=Cohort,
    join=lambda q: q.join(Programme, on=(Cohort.programme == Programme.id)),
    columns=[
        ListColumn("programme", "Programme", Programme.name, width=260),
        ListColumn("name", "Cohort", Cohort.name, width=110),
        ListColumn("year", "Year", Cohort.academic_year, kind="year", width=80),
        ListColumn("kind", "Kind", Programme.kind, kind="choice", choices=PROGRAMME_KINDS, width=150),
        ListColumn("places", "Places", Cohort.places, kind="number", width=70),
        ListColumn("taken", "Taken", _places_taken(), kind="number", width=70),
        ListColumn("left", "Left", Cohort.places - _places_taken(), kind="number", width=70),
        ListColumn("start", "Starts", Cohort.start_date, kind="date", width=95),
        ListColumn("end", "Ends", Cohort.end_date, kind="date", width=95),
    ],
    # The year as text: the field itself would parse the LIKE pattern as an academic year.
    search=[Programme.name, Cohort.name, Cast(Cohort.academic_year, "TEXT")],
    filters=[
        Filter("programme", "Programme", _programmes,
               lambda q, v: q.where(Cohort.programme == int(v)), joined=False),
        Filter("year", "Academic year", lambda: _years(Cohort.academic_year),
               lambda q, v: q.where(Cohort.academic_year == v), joined=False),
    ],
    default_sort="year",
)

def _cohort_count() -> ModelSelect[Cohort]:
    return Cohort.select(fn.COUNT(Cohort.id)).where(Cohort.programme == Programme.id)


def _enrolment_count() -> ModelSelect[Enrolment]:
    return (Enrolment.select(fn.COUNT(Enrolment.id)).join(Cohort)
            .where(Cohort.programme == Programme.id))


PROGRAMMES = ListQuery(
    name="programmes",
    entity="programme",
    model=Programme,
    columns=[
        ListColumn("name", "Programme", Programme.name, width=320),
        ListColumn("kind", "Kind", Programme.kind, kind="choice", choices=PROGRAMME_KINDS, width=170),
        ListColumn("cohorts", "Cohorts", _cohort_count(), kind="number", width=80),
        ListColumn("enrolments", "Enrolments", _enrolment_count(), kind="number", width=95),
    ],
    search=[Programme.name, Programme.description],
    filters=[
        Filter("kind", "Kind", choice_options(PROGRAMME_KINDS),
               lambda q, v: q.where(Programme.kind == v)),
    ],
    default_sort="name",
)

def _cohorts_by_programme() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    rows = cast("Iterable[tuple[int, int]]", Cohort.select(Cohort.id, Cohort.programme).tuples())
    for cohort_id, programme_id in rows:
        found.setdefault(programme_id, []).append(cohort_id)
    return found


_HomeSchool = School.alias("home")
_EnrolledPerson = Person.alias("trainee")

def _enrolment_joins(q: ModelSelect[Any], tables: set[Any]) -> ModelSelect[Any]:
    """The enrolment list's joins, only those reaching ``tables`` (all four for the rows)."""
    if _EnrolledPerson in tables:
        q = q.join(_EnrolledPerson, on=(Enrolment.person == _EnrolledPerson.id)).switch(Enrolment)
    if Cohort in tables or Programme in tables:
        q = q.join(Cohort, on=(Enrolment.cohort == Cohort.id))
        if Programme in tables:
            q = q.join(Programme, on=(Cohort.programme == Programme.id))
        q = q.switch(Enrolment)
    if _HomeSchool in tables:
        q = q.join(_HomeSchool, JOIN.LEFT_OUTER, on=(Enrolment.home_school == _HomeSchool.id))
    return q


ENROLMENTS = RankedListQuery(
    name="enrolments",
    entity="enrolment",
    model=Enrolment,
    lookups=(Cohort, Programme),
    groups={Cohort: lambda: {i: [i] for (i,) in cast("Iterable[tuple[int]]",
                                                     Cohort.select(Cohort.id).tuples())},
            Programme: lambda: _cohorts_by_programme()},
    group_key=Enrolment.cohort,
    join=lambda q: _enrolment_joins(q, {_EnrolledPerson, Cohort, Programme, _HomeSchool}),
    join_only=lambda q, tables: _enrolment_joins(q, tables),
    columns=[
        ListColumn("last_name", "Last name", _EnrolledPerson.last_name, width=130,
               sort=_EnrolledPerson.last_name_key),
        ListColumn("first_name", "First name", _EnrolledPerson.first_name, width=110,
               sort=_EnrolledPerson.first_name_key),
        ListColumn("trainee_id", "Trainee ID", Enrolment.trainee_id, width=90),
        ListColumn("programme", "Programme", Programme.name, width=200),
        ListColumn("cohort", "Cohort", Cohort.name, width=90),
        ListColumn("year", "Year", Cohort.academic_year, kind="year", width=75),
        ListColumn("status", "Status", Enrolment.status, kind="choice", choices=ENROLMENT_STATUSES,
               width=90),
        ListColumn("subject", "Subject", Enrolment.subject, width=130),
        ListColumn("home_school", "Home school", _HomeSchool.name, width=220,
               sort=_HomeSchool.name_key),
        ListColumn("outcome", "Outcome", Enrolment.outcome, visible=False),
        ListColumn("email", "Email", _EnrolledPerson.email, visible=False, width=220),
    ],
    search=[_EnrolledPerson.first_name, _EnrolledPerson.last_name, _EnrolledPerson.email,
            Enrolment.trainee_id, Enrolment.subject],
    search_index=(SearchVia("person", lambda ids: Enrolment.select(Enrolment.id).where(
                      Enrolment.person.in_(ids))),
                  SearchVia("enrolment")),
    filters=[
        Filter("programme", "Programme", _programmes,
               lambda q, v: q.where(Cohort.programme == int(v)), needs=(Cohort,)),
        Filter("cohort", "Cohort", _cohort_options, lambda q, v: q.where(Enrolment.cohort == int(v)),
               joined=False),
        Filter("year", "Academic year", lambda: _years(Cohort.academic_year),
               lambda q, v: q.where(Cohort.academic_year == v), needs=(Cohort,)),
        Filter("status", "Status", choice_options(ENROLMENT_STATUSES),
               lambda q, v: q.where(Enrolment.status == v), joined=False),
    ],
    # By home school: the enrolments with one walked from school_name_key and each school's
    # enrolments (no sort of 100,000 rows: ~90 -> ~50 ms), then those without one by id. A
    # home_school_id is a foreign key: set, it always finds its school.
    split_sorts={"home_school": SplitSort(
        join=lambda q: q.join(_HomeSchool, on=(Enrolment.home_school == _HomeSchool.id)),
        absent=lambda: Enrolment.home_school.is_null())},
    default_sort="last_name",
)


# -- placements ----------------------------------------------------------------------------------

_Trainee = Person.alias("ptrainee")
_Mentor = Person.alias("mentor")


def _placement_year(q: ModelSelect[Any], value: str) -> ModelSelect[Any]:
    year = AcademicYear.parse(value)
    return q.where((Placement.start_date >= year.start) & (Placement.start_date <= year.end))


def _placement_years() -> list[tuple[str, str]]:
    from ..models import database

    bounds = database.execute(Placement.select(fn.MIN(Placement.start_date),
                                               fn.MAX(Placement.start_date))).fetchone()
    if not bounds or not bounds[0]:
        return []
    first, last = (date.fromisoformat(str(b)[:10]) for b in bounds)
    years, year = [], AcademicYear.for_date(last)
    while year >= AcademicYear.for_date(first):
        years.append((str(year), str(year)))
        year = year.previous()
    return years


def _placement_joins(q: ModelSelect[Any], tables: set[Any]) -> ModelSelect[Any]:
    """The placement list's joins, only those reaching ``tables`` (all five for the rows).

    Sorted by school, only the school is joined, and SQLite walks school_name_key and each
    school's placements from placement_school_id, in the list's order with no sort (BENCHMARKS.md,
    "Figures behind the code's comments"); by trainee or mentor it no longer looks up the cohort,
    school and the other person of every row."""
    if Enrolment in tables or _Trainee in tables or Cohort in tables:
        q = q.join(Enrolment, on=(Placement.enrolment == Enrolment.id))
        if _Trainee in tables:
            q = q.join(_Trainee, on=(Enrolment.person == _Trainee.id)).switch(Enrolment)
        if Cohort in tables:
            q = q.join(Cohort, on=(Enrolment.cohort == Cohort.id))
        q = q.switch(Placement)
    if School in tables:
        q = q.join(School, on=(Placement.school == School.id)).switch(Placement)
    if _Mentor in tables:
        q = q.join(_Mentor, JOIN.LEFT_OUTER, on=(Placement.mentor == _Mentor.id))
    return q


PLACEMENTS = RankedListQuery(
    name="placements",
    entity="placement",
    model=Placement,
    lookups=(Cohort,),
    join=lambda q: _placement_joins(q, {Enrolment, _Trainee, Cohort, School, _Mentor}),
    join_only=lambda q, tables: _placement_joins(q, tables),
    columns=[
        ListColumn("trainee", "Trainee", _full_name(_Trainee), width=160,
               sort=_full_name_key(_Trainee)),
        ListColumn("school", "School", School.name, width=240, sort=School.name_key),
        ListColumn("mentor", "Mentor", _full_name(_Mentor), width=150, sort=_full_name_key(_Mentor)),
        ListColumn("kind", "Kind", Placement.kind, kind="choice", choices=PLACEMENT_KINDS, width=110),
        ListColumn("start", "Starts", Placement.start_date, kind="date", width=95),
        ListColumn("end", "Ends", Placement.end_date, kind="date", width=95),
        ListColumn("subject", "Subject", Placement.subject, width=120),
        ListColumn("year_group", "Year group", Placement.year_group, visible=False),
        ListColumn("cohort_year", "Cohort year", Cohort.academic_year, kind="year", visible=False),
        ListColumn("urn", "URN", School.urn, kind="number", visible=False, width=80),
    ],
    search=[_Trainee.first_name, _Trainee.last_name, School.name, Cast(School.urn, "TEXT"),
            _Mentor.first_name, _Mentor.last_name, Placement.subject],
    # Each way in names its columns: a word is checked on the people and schools the index
    # offers, then turned into placements (``ListQuery.exact``; "patel" ~40 -> ~22 ms). The
    # enrolments list does not: its one other table (the trainee) is joined for its default
    # sort anyway, and the plain check measured the same or quicker there.
    search_index=(SearchVia("person", lambda ids: Placement.select(Placement.id).join(
                      Enrolment, on=(Placement.enrolment == Enrolment.id)).where(
                      Enrolment.person.in_(ids)), columns=(_Trainee.first_name,
                                                           _Trainee.last_name)),
                  SearchVia("school", lambda ids: Placement.select(Placement.id).where(
                      Placement.school.in_(ids)), columns=(School.name,
                                                           Cast(School.urn, "TEXT"))),
                  SearchVia("person", lambda ids: Placement.select(Placement.id).where(
                      Placement.mentor.in_(ids)), columns=(_Mentor.first_name,
                                                           _Mentor.last_name)),
                  SearchVia("placement", columns=(Placement.subject,))),
    filters=[
        Filter("year", "Academic year", _placement_years, _placement_year, joined=False),
        Filter("kind", "Kind", choice_options(PLACEMENT_KINDS),
               lambda q, v: q.where(Placement.kind == v), joined=False),
        Filter("mentor", "Mentor", lambda: [("none", "No mentor"), ("some", "Has a mentor")],
               lambda q, v: q.where(Placement.mentor.is_null(v == "none")), joined=False),
    ],
    # The whole list by trainee, school or mentor: ``_order``'s ORDER BY for each (the school's
    # id breaks a tie of two schools' names; a missing mentor last) read off a stored key's
    # index (``ittdesk.sort_index``; SQLite). The list has no scope, so every placement is in it.
    # By a cohort's column (the hidden cohort year): each placement's cohort read through its
    # enrolment in one walk, dealt into the cohorts' order (``RankedListQuery.owners``).
    owners={Cohort: lambda: Placement.select(Placement.id, Enrolment.cohort).join(
        Enrolment, on=(Placement.enrolment == Enrolment.id))},
    stored_sorts={"trainee": StoredSort(("trainee_key",)),
                  "school": StoredSort(("school_key", "school_id")),
                  "mentor": StoredSort(("mentor_key",), nulls_last=True)},
    default_sort="start",
)

