"""The lists users browse: schools, people, cohorts, enrolments, placements, agreements.

Each is declared once here (columns, search, filters); the GUI lists, list exports and tests all
use these declarations. Expressions that look at other tables (a school's current head, a
cohort's places taken, an agreement's next report) are correlated subqueries over indexed
columns, evaluated only for the rows asked for, or when the user sorts by them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from peewee import JOIN, Case, Cast, Field, Ordering, fn

from .. import settings
from ..academic_year import AcademicYear
from ..choices import (
    AGREEMENT_STATUSES,
    DESIGNATIONS,
    ENROLMENT_STATUSES,
    PARTNERSHIP_STATUSES,
    PHASES,
    PLACEMENT_KINDS,
    PROGRAMME_KINDS,
    ROLE_KINDS,
    SCHOOL_STATUSES,
)
from ..models import (
    AgreementParty,
    Cohort,
    Designation,
    Enrolment,
    ImpactReport,
    Person,
    Placement,
    Programme,
    Role,
    School,
    SupportAgreement,
    database,
)
from . import Column, Filter, ListQuery, choice_options, distinct_values


@dataclass
class RankedListQuery(ListQuery):
    """A list whose sort may be by a column of a small joined table (``lookups``: programmes,
    cohorts). Sorting 100,000 enrolments by LOWER(programme name) makes the database compute
    and compare that text for every row (~70-120 ms); instead the few programmes are put in
    order first, and the rows sorted by their programme's place in that order (a CASE over
    ids: integers, ~45 ms). The order is the same: the value, then the programme's id, then
    the list's id, each in the sort's direction, NULLs last."""

    lookups: tuple = ()
    # For the whole list (no search or filter): ``groups[owner]()`` -> {owner id: the values of
    # ``group_key`` (a column of the list's own table) its rows have}. The list is then read one
    # group at a time in the ranked order, each in id order straight from ``group_key``'s index
    # with no sort at all (enrolments by programme ~50 -> ~27 ms).
    groups: dict = field(default_factory=dict)
    group_key: Any = None

    def _ranked(self, sort: str, descending: bool) -> tuple[Any, list[int]] | None:
        """(owner, its ids in the sort's order) when sorting by a lookup's column, else None."""
        col = self.column(sort or self.default_sort or self.columns[0].key)
        owner = col.expr.model if isinstance(col.expr, Field) else None
        if owner is None or owner not in self.lookups:
            return None
        expr = fn.LOWER(col.expr) if col.kind in ("text", "choice") else col.expr
        direction = "DESC" if descending else "ASC"
        ranked = owner.select(owner.id).order_by(Ordering(expr, direction, nulls="LAST"),
                                                 Ordering(owner.id, direction))
        ids = [row[0] for row in database.execute(ranked).fetchall()]
        return (owner, ids) if len(ids) <= LOOKUP_MAX else None

    def _order(self, sort: str, descending: bool, scan: bool = False) -> list[Any]:
        ranked = self._ranked(sort, descending)
        if ranked is None:
            return super()._order(sort, descending, scan)
        owner, ids = ranked
        rank = Case(owner.id, [(i, n) for n, i in enumerate(ids)], len(ids))
        return [rank.asc(), self.model.id.desc() if descending else self.model.id.asc()]

    def ids(self, search: str = "", filters: dict[str, str] | None = None, sort: str = "",
            descending: bool = False) -> list[int]:
        if search.strip() or any(v not in (None, "") for v in (filters or {}).values()):
            return super().ids(search, filters, sort, descending)
        ranked = self._ranked(sort, descending)
        if ranked is None or ranked[0] not in self.groups or len(ranked[1]) > GROUPS_MAX:
            return super().ids(search, filters, sort, descending)
        owner, order = ranked
        members = self.groups[owner]()
        result: list[int] = []
        by_id = self.model.id.desc() if descending else self.model.id.asc()
        for owner_id in order:
            keys = members.get(owner_id)
            if keys:
                query = self.scope(self.model.select(self.model.id)).where(
                    self.group_key.in_(keys)).order_by(by_id)
                result.extend(i for (i,) in database.execute(query))
        return result


LOOKUP_MAX = 200  # rows of a lookup table ranked this way (a CASE is a linear scan per row)
GROUPS_MAX = 60  # groups read one query each


def _full_name(model):
    return model.first_name.concat(" ").concat(model.last_name)


# -- schools -------------------------------------------------------------------------------------

def _current_holder(kind: str):
    holder = Person.alias("holder")
    return (Role.select(_full_name(holder)).join(holder, on=(Role.person == holder.id))
            .where((Role.school == School.id) & (Role.kind == kind) & Role.end_date.is_null())
            .order_by(Role.start_date.desc(nulls="LAST")).limit(1))


SCHOOLS = ListQuery(
    name="schools",
    entity="school",
    model=School,
    columns=[
        Column("name", "Name", School.name, width=260),
        Column("urn", "URN", School.urn, kind="number", width=80),
        Column("phase", "Phase", School.phase, kind="choice", choices=PHASES, width=100),
        Column("type", "Type", School.establishment_type, visible=False),
        Column("la", "Local authority", School.la_name, width=120),
        Column("trust", "Trust", School.trust, width=180),
        Column("town", "Town", School.town, visible=False),
        Column("postcode", "Postcode", School.postcode, width=85),
        Column("partnership", "Partnership", School.partnership_status, kind="choice",
               choices=PARTNERSHIP_STATUSES, width=120),
        Column("head", "Headteacher", _current_holder("headteacher"), width=160),
        Column("champion", "ITT champion", _current_holder("itt_champion"), visible=False),
        Column("confirmed", "Leadership confirmed", School.leadership_confirmed_on, kind="date",
               width=110),
        Column("status", "Status", School.status, kind="choice", choices=SCHOOL_STATUSES,
               visible=False),
        Column("email", "Email", School.email, visible=False),
        Column("phone", "Phone", School.phone, visible=False),
    ],
    search=[School.name, Cast(School.urn, "TEXT"), School.postcode, School.email, School.town],
    filters=[
        Filter("la", "Local authority", lambda: distinct_values(School.la_name),
               lambda q, v: q.where(School.la_name == v)),
        Filter("phase", "Phase", choice_options(PHASES), lambda q, v: q.where(School.phase == v)),
        Filter("partnership", "Partnership", choice_options(PARTNERSHIP_STATUSES),
               lambda q, v: q.where(School.partnership_status == v)),
        Filter("trust", "Trust", lambda: distinct_values(School.trust),
               lambda q, v: q.where(School.trust == v)),
    ],
    default_sort="name",
)


# -- people --------------------------------------------------------------------------------------

def _current_role():
    """The person's most recently started current role."""
    return (Role.select(Role.kind).where((Role.person == Person.id) & Role.end_date.is_null())
            .order_by(Role.start_date.desc(nulls="LAST"), Role.id.desc()).limit(1))


def _current_school():
    at = School.alias("at")
    return (Role.select(at.name).join(at, on=(Role.school == at.id))
            .where((Role.person == Person.id) & Role.end_date.is_null())
            .order_by(Role.start_date.desc(nulls="LAST")).limit(1))


def _has_role(kind: str):
    return fn.EXISTS(Role.select(Role.id).where((Role.person == Person.id) & (Role.kind == kind)
                                                & Role.end_date.is_null()))


def _has_designation(kind: str):
    return fn.EXISTS(Designation.select(Designation.id).where((Designation.person == Person.id)
                                                              & (Designation.kind == kind)))


PEOPLE = ListQuery(
    name="people",
    entity="person",
    model=Person,
    columns=[
        Column("last_name", "Last name", Person.last_name, width=140),
        Column("first_name", "First name", Person.first_name, width=120),
        Column("title", "Title", Person.title, visible=False, width=60),
        Column("role", "Current role", _current_role(), kind="choice", choices=ROLE_KINDS,
               width=150),
        Column("school", "School", _current_school(), width=240),
        Column("email", "Email", Person.email, width=240),
        Column("phone", "Phone", Person.phone, visible=False),
        Column("trn", "TRN", Person.trn, visible=False, width=80),
    ],
    search=[Person.first_name, Person.last_name, Person.email, Person.trn, Person.phone],
    scope=lambda q: q.where(Person.erased == False),  # noqa: E712 - SQL, not Python truth
    index_sorts=("last_name",),  # person_last_name_lower
    scope_excluded=lambda: Person.select(Person.id).where(
        (Person.erased != False) | Person.erased.is_null()),  # noqa: E712
    filters=[
        Filter("role", "Role", choice_options(ROLE_KINDS), lambda q, v: q.where(_has_role(v))),
        Filter("designation", "Designation", choice_options(DESIGNATIONS),
               lambda q, v: q.where(_has_designation(v))),
    ],
    default_sort="last_name",
)


# -- cohorts and enrolments ----------------------------------------------------------------------

TAKEN_STATUSES = ("offered", "enrolled", "completed")


def _places_taken():
    return (Enrolment.select(fn.COUNT(Enrolment.id))
            .where((Enrolment.cohort == Cohort.id) & Enrolment.status.in_(TAKEN_STATUSES)))


def _years(model_year) -> list[tuple[str, str]]:
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
        Column("programme", "Programme", Programme.name, width=260),
        Column("name", "Cohort", Cohort.name, width=110),
        Column("year", "Year", Cohort.academic_year, kind="year", width=80),
        Column("kind", "Kind", Programme.kind, kind="choice", choices=PROGRAMME_KINDS, width=150),
        Column("places", "Places", Cohort.places, kind="number", width=70),
        Column("taken", "Taken", _places_taken(), kind="number", width=70),
        Column("left", "Left", Cohort.places - _places_taken(), kind="number", width=70),
        Column("start", "Starts", Cohort.start_date, kind="date", width=95),
        Column("end", "Ends", Cohort.end_date, kind="date", width=95),
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

def _cohort_count():
    return Cohort.select(fn.COUNT(Cohort.id)).where(Cohort.programme == Programme.id)


def _enrolment_count():
    return (Enrolment.select(fn.COUNT(Enrolment.id)).join(Cohort)
            .where(Cohort.programme == Programme.id))


PROGRAMMES = ListQuery(
    name="programmes",
    entity="programme",
    model=Programme,
    columns=[
        Column("name", "Programme", Programme.name, width=320),
        Column("kind", "Kind", Programme.kind, kind="choice", choices=PROGRAMME_KINDS, width=170),
        Column("cohorts", "Cohorts", _cohort_count(), kind="number", width=80),
        Column("enrolments", "Enrolments", _enrolment_count(), kind="number", width=95),
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
    for cohort_id, programme_id in Cohort.select(Cohort.id, Cohort.programme).tuples():
        found.setdefault(programme_id, []).append(cohort_id)
    return found


_HomeSchool = School.alias("home")
_EnrolledPerson = Person.alias("trainee")

def _enrolment_joins(q, tables: set):
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
    groups={Cohort: lambda: {i: [i] for (i,) in Cohort.select(Cohort.id).tuples()},
            Programme: lambda: _cohorts_by_programme()},
    group_key=Enrolment.cohort,
    join=lambda q: _enrolment_joins(q, {_EnrolledPerson, Cohort, Programme, _HomeSchool}),
    join_only=lambda q, tables: _enrolment_joins(q, tables),
    columns=[
        Column("last_name", "Last name", _EnrolledPerson.last_name, width=130),
        Column("first_name", "First name", _EnrolledPerson.first_name, width=110),
        Column("trainee_id", "Trainee ID", Enrolment.trainee_id, width=90),
        Column("programme", "Programme", Programme.name, width=200),
        Column("cohort", "Cohort", Cohort.name, width=90),
        Column("year", "Year", Cohort.academic_year, kind="year", width=75),
        Column("status", "Status", Enrolment.status, kind="choice", choices=ENROLMENT_STATUSES,
               width=90),
        Column("subject", "Subject", Enrolment.subject, width=130),
        Column("home_school", "Home school", _HomeSchool.name, width=220),
        Column("outcome", "Outcome", Enrolment.outcome, visible=False),
        Column("email", "Email", _EnrolledPerson.email, visible=False, width=220),
    ],
    search=[_EnrolledPerson.first_name, _EnrolledPerson.last_name, _EnrolledPerson.email,
            Enrolment.trainee_id, Enrolment.subject],
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
    default_sort="last_name",
)


# -- placements ----------------------------------------------------------------------------------

_Trainee = Person.alias("ptrainee")
_Mentor = Person.alias("mentor")


def _placement_year(q, value):
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


def _placement_joins(q, tables: set):
    """The placement list's joins, only those reaching ``tables`` (all five for the rows).

    Sorted by school, only the school is joined, and SQLite walks school_name_lower and each
    school's placements from placement_school_id, in the list's order with no sort (468 ->
    ~60 ms at 130,005 placements); by trainee or mentor it no longer looks up the cohort,
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
        Column("trainee", "Trainee", _full_name(_Trainee), width=160),
        Column("school", "School", School.name, width=240),
        Column("mentor", "Mentor", _full_name(_Mentor), width=150),
        Column("kind", "Kind", Placement.kind, kind="choice", choices=PLACEMENT_KINDS, width=110),
        Column("start", "Starts", Placement.start_date, kind="date", width=95),
        Column("end", "Ends", Placement.end_date, kind="date", width=95),
        Column("subject", "Subject", Placement.subject, width=120),
        Column("year_group", "Year group", Placement.year_group, visible=False),
        Column("cohort_year", "Cohort year", Cohort.academic_year, kind="year", visible=False),
        Column("urn", "URN", School.urn, kind="number", visible=False, width=80),
    ],
    search=[_Trainee.first_name, _Trainee.last_name, School.name, Cast(School.urn, "TEXT"),
            _Mentor.first_name, _Mentor.last_name, Placement.subject],
    filters=[
        Filter("year", "Academic year", _placement_years, _placement_year, joined=False),
        Filter("kind", "Kind", choice_options(PLACEMENT_KINDS),
               lambda q, v: q.where(Placement.kind == v), joined=False),
        Filter("mentor", "Mentor", lambda: [("none", "No mentor"), ("some", "Has a mentor")],
               lambda q, v: q.where(Placement.mentor.is_null(v == "none")), joined=False),
    ],
    default_sort="start",
)


# -- support agreements --------------------------------------------------------------------------

def _next_report_due():
    return (ImpactReport.select(fn.MIN(ImpactReport.due_date))
            .where((ImpactReport.agreement == SupportAgreement.id)
                   & ImpactReport.submitted_on.is_null()))


def _party_school(role: str):
    party_school = School.alias("party_school")
    return (AgreementParty.select(party_school.name)
            .join(party_school, on=(AgreementParty.school == party_school.id))
            .where((AgreementParty.agreement == SupportAgreement.id) & (AgreementParty.role == role))
            .order_by(AgreementParty.id).limit(1))


def _reports_due(q, value):
    """overdue / due (within the reports-due setting) / soon (either) / none outstanding /
    past end date — for agreed and active agreements, as ``agreement_lifecycle`` counts them."""
    from ..services.agreement_lifecycle import LIVE

    today = date.today()
    days = int(settings.get("reports_due_days"))
    if value == "past_end":
        return q.where((SupportAgreement.status == "active") & (SupportAgreement.end_date < today))
    pending = ImpactReport.select(ImpactReport.id).where(
        (ImpactReport.agreement == SupportAgreement.id) & ImpactReport.submitted_on.is_null())
    if value != "none":
        q = q.where(SupportAgreement.status.in_(LIVE))
    if value == "overdue":
        return q.where(fn.EXISTS(pending.where(ImpactReport.due_date < today)))
    if value == "due":
        return q.where(fn.EXISTS(pending.where((ImpactReport.due_date >= today)
                                               & (ImpactReport.due_date <= today + timedelta(days=days)))))
    if value == "attention":
        return q.where(fn.EXISTS(pending.where(ImpactReport.due_date <= today + timedelta(days=days))))
    if value == "none":
        return q.where(~fn.EXISTS(pending))
    raise ValueError(f"unknown reports filter {value!r}")


def _report_options() -> list[tuple[str, str]]:
    days = int(settings.get("reports_due_days"))
    return [("attention", f"Overdue or due within {days} days"), ("overdue", "Overdue"),
            ("due", f"Due within {days} days"), ("none", "No report outstanding"),
            ("past_end", "Active after its end date")]


AGREEMENTS = ListQuery(
    name="agreements",
    entity="agreement",
    model=SupportAgreement,
    columns=[
        Column("reference", "Reference", SupportAgreement.reference, width=110),
        Column("title", "Title", SupportAgreement.title, width=300),
        Column("year", "Year", SupportAgreement.academic_year, kind="year", width=75),
        Column("status", "Status", SupportAgreement.status, kind="choice",
               choices=AGREEMENT_STATUSES, width=90),
        Column("supported", "Supported school", _party_school("supported"), width=220),
        Column("supporting", "Supporting school", _party_school("supporting"), visible=False,
               width=220),
        Column("next_report", "Next report due", _next_report_due(), kind="date", width=120),
        Column("amount", "Amount agreed", SupportAgreement.amount_agreed_pence, kind="money",
               width=110),
        Column("start", "Starts", SupportAgreement.start_date, kind="date", visible=False),
        Column("end", "Ends", SupportAgreement.end_date, kind="date", visible=False),
    ],
    search=[SupportAgreement.reference, SupportAgreement.title, SupportAgreement.funding_source],
    filters=[
        Filter("status", "Status", choice_options(AGREEMENT_STATUSES),
               lambda q, v: q.where(SupportAgreement.status == v)),
        Filter("reports", "Reports", _report_options, _reports_due),
    ],
    default_sort="reference",
)

# The tables each list reaches through inner joins on required foreign keys: a NOT NULL column
# of one of them is never NULL in the list (an outer join, like an enrolment's home school, can
# make any column NULL).
_REQUIRED_JOINS: dict[str, set] = {
    "cohorts": {Programme},
    "enrolments": {_EnrolledPerson, Cohort, Programme},
    "placements": {Enrolment, _Trainee, Cohort, School},
}


def reverses_exactly(query: ListQuery, key: str) -> bool:
    """Whether ``query`` sorted by ``key`` descending is its ascending order reversed.

    ``ListQuery._order`` puts NULLs last both ways and breaks ties by record ids in the same
    direction as the sort, so the two orders mirror each other exactly when the sort value is
    never NULL: a NOT NULL column of the list's own table or of a table joined on a required
    foreign key. A header click that only flips the direction then needs no query."""
    try:
        expr = query.column(key).expr
    except KeyError:
        return False
    owner = getattr(expr, "model", None)
    if not isinstance(expr, Field) or getattr(expr, "null", True):
        return False
    return owner is query.model or owner in _REQUIRED_JOINS.get(query.name, set())


LISTS: dict[str, ListQuery] = {q.name: q for q in (SCHOOLS, PEOPLE, PROGRAMMES, COHORTS,
                                                    ENROLMENTS, PLACEMENTS, AGREEMENTS)}
for _name, _tables in _REQUIRED_JOINS.items():
    LISTS[_name].required_joins = tuple(_tables)

__all__ = ["LISTS", "reverses_exactly", "SCHOOLS", "PEOPLE", "PROGRAMMES", "COHORTS", "ENROLMENTS", "PLACEMENTS", "AGREEMENTS"]
