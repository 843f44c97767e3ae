"""The built-in returns besides the partnership return (``partnership``): placements, cohorts,
support agreements, mentor training.

Each is a handful of set-based queries (never one query per row) folded into rows of plain
values (``rows``). Labels come from the vocabularies in ``choices``; people's names from
``rows.person_name``, ``Person.full_name``'s rule (so erased people stay erased in every return).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, cast

from peewee import JOIN, fn

from ..academic_year import AcademicYear
from ..choices import (
    AGREEMENT_STATUSES,
    ENROLMENT_STATUSES,
    MENTOR_KINDS,
    PLACEMENT_KINDS,
    RAG_RATINGS,
    TRAINING_KINDS,
)
from ..mentor_funding import ledger as ledgers
from ..mentor_funding import rates as funding_rates
from ..mentor_funding import regions
from ..models import (
    AgreementLeader,
    AgreementParty,
    Cohort,
    Designation,
    Enrolment,
    ImpactReport,
    MentorTraining,
    Person,
    Placement,
    Programme,
    Role,
    School,
    SpendEntry,
    SupportAgreement,
)
from ..spreadsheets.writer import SheetColumn
from . import partnership as _partnership  # noqa: F401 - registers first: the Returns page lists it first
from .base import Filters, ReturnData, ReturnSpec, join_names, register
from .rows import LA, SCHOOL, URN, la_matches, person_name

# -- placements -----------------------------------------------------------------------------

# trainee (id, first, last, erased), trainee number, programme, subject, school (name, URN, LA),
# mentor (id, first, last, erased; all None without one), kind, start, end, year group
_PlacementRow = tuple[int, str, str, bool, str | None, str, str | None, str, int, str | None,
                      int | None, str | None, str | None, bool | None, str, date, date, str | None]


def placements(f: Filters) -> ReturnData:
    Trainee = Person.alias("trainee")
    Mentor = Person.alias("mentor")
    query = (Placement.select(Trainee.id, Trainee.first_name, Trainee.last_name, Trainee.erased,
                              Enrolment.trainee_id, Programme.name,
                              fn.COALESCE(Placement.subject, Enrolment.subject),
                              School.name, School.urn, School.la_name,
                              Mentor.id, Mentor.first_name, Mentor.last_name, Mentor.erased,
                              Placement.kind, Placement.start_date, Placement.end_date,
                              Placement.year_group)
             .join(Enrolment).join(Trainee, on=(Enrolment.person == Trainee.id))
             .switch(Enrolment).join(Cohort).join(Programme)
             .switch(Placement).join(School)
             .switch(Placement).join(Mentor, JOIN.LEFT_OUTER, on=(Placement.mentor == Mentor.id))
             .where(Cohort.academic_year == f.year)
             .order_by(Trainee.last_name_key, Trainee.first_name_key, Placement.start_date,
                       Placement.id))
    if f.programme_id:
        query = query.where(Cohort.programme == f.programme_id)
    if f.la:
        query = query.where(School.la_name == f.la)
    columns = [
        SheetColumn("trainee", "Trainee", synonyms=("Trainee name", "Student", "Name")),
        SheetColumn("trainee_id", "Trainee ID", synonyms=("Trainee number", "Student ID")),
        SheetColumn("programme", "Programme", summarise=True, synonyms=("Route", "Course")),
        SheetColumn("subject", "Subject", synonyms=("Phase / subject", "Specialism")),
        SCHOOL, URN, LA,
        SheetColumn("mentor", "Mentor", synonyms=("Mentor name", "School mentor")),
        SheetColumn("kind", "Kind", summarise=True, synonyms=("Placement type", "Placement kind", "Type")),
        SheetColumn("start_date", "Start date", "date", synonyms=("From", "Start")),
        SheetColumn("end_date", "End date", "date", synonyms=("To", "End")),
        SheetColumn("year_group", "Year group", synonyms=("Year", "Key stage")),
    ]

    def rows() -> Iterator[tuple[Any, ...]]:
        for (tid, tfirst, tlast, terased, trainee_no, programme, subject, school, urn, la,
             mid, mfirst, mlast, merased, kind, start, end, year_group) in cast(
                "Iterable[_PlacementRow]", query.tuples()):
            yield (person_name(tid, tfirst, tlast, terased), trainee_no, programme, subject, school, urn,
                   la, person_name(mid, mfirst, mlast, merased) if mid else None,
                   PLACEMENT_KINDS.label(kind), start, end, year_group)

    return ReturnData(columns, rows(), query.count())


# -- cohorts --------------------------------------------------------------------------------


def cohorts(f: Filters) -> ReturnData:
    query = (Cohort.select(Cohort.id, Programme.name, Cohort.name, Cohort.academic_year,
                           Cohort.start_date, Cohort.end_date, Cohort.places)
             .join(Programme).where(Cohort.academic_year == f.year)
             .order_by(Programme.name, Cohort.name))
    if f.programme_id:
        query = query.where(Cohort.programme == f.programme_id)
    enrolments = Enrolment.select(Enrolment.cohort, Enrolment.status, Enrolment.outcome)
    if f.la:
        enrolments = enrolments.join(School, on=(Enrolment.home_school == School.id)).where(
            School.la_name == f.la)
    by_status: dict[int, Counter[str]] = defaultdict(Counter)
    outcomes: dict[int, Counter[str]] = defaultdict(Counter)
    for cohort_id, status, outcome in cast("Iterable[tuple[int, str, str | None]]",
                                           enrolments.tuples()):
        by_status[cohort_id][status] += 1
        if outcome:
            outcomes[cohort_id][outcome] += 1
    statuses = ENROLMENT_STATUSES.keys
    columns = [
        SheetColumn("programme", "Programme", summarise=True, synonyms=("Route", "Course")),
        SheetColumn("cohort", "Cohort", synonyms=("Cohort name", "Group")),
        SheetColumn("academic_year", "Academic year", synonyms=("Year",)),
        SheetColumn("start_date", "Start date", "date", synonyms=("Starts",)),
        SheetColumn("end_date", "End date", "date", synonyms=("Ends",)),
        SheetColumn("places", "Places", "int", synonyms=("Places available", "Capacity", "Allocation")),
        *(SheetColumn(key, ENROLMENT_STATUSES.label(key), "int",
                 synonyms=(f"Number {key}", f"{key} trainees")) for key in statuses),
        SheetColumn("total", "Total", "int", synonyms=("Total enrolments", "Applications", "All")),
        SheetColumn("outcomes", "Outcomes", synonyms=("Outcome", "Results")),
    ]
    cohort_rows = list(cast(
        "Iterable[tuple[int, str, str, AcademicYear, date | None, date | None, int | None]]",
        query.tuples()))

    def rows() -> Iterator[tuple[Any, ...]]:
        for cid, programme, name, year, start, end, places in cohort_rows:
            counts = by_status.get(cid, Counter())
            outcome_text = "; ".join(f"{text}: {n}" for text, n in
                                     sorted(outcomes.get(cid, Counter()).items(),
                                            key=lambda kv: (-kv[1], kv[0])))
            yield (programme, name, str(year), start, end, places,
                   *(counts.get(key, 0) for key in statuses), sum(counts.values()),
                   outcome_text or None)

    notes = ["Counts are by each person's current status."]
    if f.la:
        notes.append(f"Only trainees whose home school is in {f.la} are counted.")
    return ReturnData(columns, rows(), len(cohort_rows), notes)


# -- support agreements ---------------------------------------------------------------------


def agreements(f: Filters) -> ReturnData:
    query = (SupportAgreement.select().where(SupportAgreement.academic_year == f.year)
             .order_by(SupportAgreement.reference))
    parties: dict[int, dict[str, list[tuple[str, int, str | None]]]] = defaultdict(
        lambda: defaultdict(list))
    for agreement_id, role, name, urn, la in cast(
            "Iterable[tuple[int, str, str, int, str | None]]",
            AgreementParty.select(AgreementParty.agreement, AgreementParty.role, School.name,
                                  School.urn, School.la_name)
            .join(School).order_by(School.name_key).tuples()):
        parties[agreement_id][role].append((name, urn, la))
    if f.la:
        query = query.where(SupportAgreement.id.in_(
            AgreementParty.select(AgreementParty.agreement).join(School)
            .where((AgreementParty.role == "supported") & (School.la_name == f.la))))
    deployed: dict[int, list[str]] = defaultdict(list)
    days: dict[int, float] = defaultdict(float)  # days deployed, by agreement
    # agreement, leader (id, first, last, erased), their designation (kind, specialism), days
    for agreement_id, pid, first, last, erased, kind, specialism, n_days in cast(
            "Iterable[tuple[int, int, str, str, bool, str | None, str | None, float | None]]",
            AgreementLeader.select(AgreementLeader.agreement, Person.id, Person.first_name,
                                   Person.last_name, Person.erased, Designation.kind,
                                   Designation.specialism, AgreementLeader.days)
            .join(Person).switch(AgreementLeader)
            .join(Designation, JOIN.LEFT_OUTER).order_by(Person.last_name_key).tuples()):
        detail = ", ".join(x for x in (kind, specialism,
                                       f"{n_days:g} days" if n_days else None) if x)
        name = person_name(pid, first, last, erased)
        deployed[agreement_id].append(f"{name} ({detail})" if detail else name)
        days[agreement_id] += n_days or 0
    spent: dict[int, int] = dict(cast(
        "Iterable[tuple[int, int]]",
        SpendEntry.select(SpendEntry.agreement, fn.SUM(SpendEntry.amount_pence))
        .group_by(SpendEntry.agreement).tuples()))
    reports: dict[int, dict[str, ImpactReport]] = defaultdict(dict)
    rating: dict[int, str] = {}
    for report in ImpactReport.select().order_by(ImpactReport.due_date):
        reports[report.agreement_id].setdefault(report.kind, report)
        if report.rag:
            rating[report.agreement_id] = report.rag  # the latest rated report wins

    columns = [
        SheetColumn("reference", "Reference", synonyms=("Agreement reference", "Ref", "ID")),
        SheetColumn("title", "Title", synonyms=("Agreement", "Focus")),
        SheetColumn("status", "Status", summarise=True),
        SheetColumn("supported_schools", "Supported school(s)", synonyms=("Supported school",
                                                                    "School supported")),
        SheetColumn("supported_urns", "Supported URN(s)", synonyms=("Supported school URN",
                                                              "Supported URN")),
        SheetColumn("supporting_schools", "Supporting school(s)", synonyms=("Supporting school",
                                                                      "Support provided by")),
        SheetColumn("supporting_urns", "Supporting URN(s)", synonyms=("Supporting school URN",
                                                                "Supporting URN")),
        SheetColumn("system_leaders", "System leaders deployed", synonyms=("System leaders", "SLE",
                                                                      "SLEs / LLEs", "Deployed")),
        SheetColumn("days", "Days deployed", "number", synonyms=("Days", "Days of support")),
        SheetColumn("priorities", "Priorities", synonyms=("Priority areas", "Areas of focus")),
        SheetColumn("funding_source", "Funding source", summarise=True, synonyms=("Funding", "Fund")),
        SheetColumn("agreed", "Amount agreed", "money", synonyms=("Agreed", "Funding agreed", "Budget",
                                                             "Grant")),
        SheetColumn("spent", "Amount spent", "money", synonyms=("Spent", "Spend", "Expenditure")),
        SheetColumn("start_date", "Start date", "date", synonyms=("Start",)),
        SheetColumn("end_date", "End date", "date", synonyms=("End",)),
        SheetColumn("interim_due", "Interim report due", "date"),
        SheetColumn("interim_submitted", "Interim report submitted", "date"),
        SheetColumn("final_due", "Final report due", "date"),
        SheetColumn("final_submitted", "Final report submitted", "date"),
        SheetColumn("impact_rating", "Impact rating", summarise=True, synonyms=("RAG", "RAG rating",
                                                                           "Impact")),
    ]
    agreement_rows = list(query)

    def school_cells(items: list[tuple[str, int, str | None]]) -> tuple[str | None, str | None]:
        return (join_names(n for n, _u, _l in items), join_names(str(u) for _n, u, _l in items))

    def rows() -> Iterator[tuple[Any, ...]]:
        for a in agreement_rows:
            here = parties.get(a.id, {})
            interim = reports.get(a.id, {}).get("interim")
            final = reports.get(a.id, {}).get("final")
            yield (a.reference, a.title, AGREEMENT_STATUSES.label(a.status),
                   *school_cells(here.get("supported", [])),
                   *school_cells(here.get("supporting", [])),
                   join_names(deployed.get(a.id, [])), days.get(a.id) or None,
                   a.priorities, a.funding_source, a.amount_agreed_pence, int(spent.get(a.id) or 0),
                   a.start_date, a.end_date,
                   interim.due_date if interim else None, interim.submitted_on if interim else None,
                   final.due_date if final else None, final.submitted_on if final else None,
                   RAG_RATINGS.label(rating.get(a.id)) or None)

    notes = [f"Only agreements with a supported school in {f.la}."] if f.la else []
    return ReturnData(columns, rows(), len(agreement_rows), notes)


# -- mentor training ------------------------------------------------------------------------


def mentor_training(f: Filters) -> ReturnData:
    query = (MentorTraining.select(Person.id, Person.first_name, Person.last_name, Person.erased,
                                   Person.trn, MentorTraining.school, MentorTraining.kind,
                                   MentorTraining.hours, MentorTraining.completed_on,
                                   MentorTraining.provided_by, MentorTraining.id)
             .join(Person)
             .where(MentorTraining.completed_on.between(f.year.start, f.year.end))
             .order_by(MentorTraining.completed_on, Person.last_name_key, MentorTraining.id))
    # person (id, first, last, erased, TRN), school, kind, hours, completed on, provided by, id
    records = list(cast("Iterable[tuple[int, str, str, bool, str | None, int | None, str, "
                        "float | None, date, str | None, int]]", query.tuples()))
    # A record without a school is claimed for the school where the person mentors.
    mentor_school: dict[int, int] = {}
    for person_id, post_school in cast("Iterable[tuple[int, int]]",
                                     Role.select(Role.person, Role.school)
                                     .where(Role.kind.in_(MENTOR_KINDS))
                                     .order_by(Role.end_date.desc(nulls="FIRST"), Role.id)
                                     .tuples()):
        mentor_school.setdefault(person_id, post_school)
    school_ids = {r[5] or mentor_school.get(r[0]) for r in records} - {None}
    # Hours claimable under the year's caps and their amount at the school's rate (issue 18):
    # the ledger's own allocation; empty for a year with no funding figures.
    figures = funding_rates.known(f.year)
    claimable_of: dict[int, Decimal] = {}
    if figures is not None and records:
        for mentor in ledgers.build(f.year).mentors.values():
            for session in mentor.sessions:
                claimable_of[session.id] = (session.claimable if session.ours and session.general
                                            else Decimal(0))
    # by school id; a record whose school is not known looks up None and finds nothing
    schools: dict[int | None, tuple[str | None, int | None, str | None]] = {}
    rates_at: dict[int | None, int | None] = {}  # pence per hour by school (issue 18)
    for sid, school_name, school_urn, school_la, region, district, la_code in cast(
            "Iterable[tuple[int, str, int, str | None, str | None, str | None, str | None]]",
            School.select(School.id, School.name, School.urn, School.la_name,
                          School.funding_region, School.district_code, School.la_code)
            .where(School.id.in_(list(school_ids) or [0])).tuples()):
        schools[sid] = (school_name, school_urn, school_la)
        rates_at[sid] = None if figures is None else figures.rate(
            regions.region_of(region, district, la_code).key)
    rows_out: list[tuple[Any, ...]] = []
    for pid, first, last, erased, trn, school_id, kind, hours, done, provider, tid in records:
        where = school_id or mentor_school.get(pid)
        name, urn, la = schools.get(where, (None, None, None))
        if not la_matches(la, f):
            continue
        claimable = claimable_of.get(tid) if hours is not None else None
        rate = rates_at.get(where)
        amount = (ledgers.amount_pence(claimable, rate)
                  if claimable is not None and rate is not None else None)
        rows_out.append((person_name(pid, first, last, erased), trn, name, urn, la,
                         TRAINING_KINDS.label(kind), hours, done, provider,
                         None if claimable is None else float(claimable), amount))
    columns = [
        SheetColumn("mentor", "Mentor", synonyms=("Mentor name", "Name", "Participant")),
        SheetColumn("trn", "TRN", synonyms=("Teacher reference number", "DfE number")),
        SCHOOL, URN, LA,
        SheetColumn("kind", "Training", summarise=True, synonyms=("Initial / refresher", "Type",
                                                             "Training type")),
        SheetColumn("hours", "Hours", "number", synonyms=("Hours completed", "Training hours")),
        SheetColumn("completed_on", "Date", "date", synonyms=("Date completed", "Completed on",
                                                         "Completion date")),
        SheetColumn("provided_by", "Provided by", synonyms=("Provider", "Delivered by")),
        SheetColumn("claimable_hours", "Hours claimable", "number",
                    synonyms=("Claimable hours", "Hours claimed")),
        SheetColumn("amount", "Amount claimable", "money",
                    synonyms=("Amount", "Grant", "Funding")),
    ]
    return ReturnData(columns, rows_out, len(rows_out))


register(ReturnSpec("placements", "Placements return",
                    "One row per placement of a trainee in the year", placements,
                    uses_programme=True))
register(ReturnSpec("cohorts", "Cohort return",
                    "One row per cohort: places, trainees by status, outcomes", cohorts,
                    uses_programme=True))
register(ReturnSpec("agreements", "Support agreements return",
                    "One row per school-to-school support agreement: parties, funding, reports",
                    agreements))
register(ReturnSpec("mentor-training", "Mentor training return",
                    "One row per mentor training record in the year (for funding claims)",
                    mentor_training))

from . import engagement as _engagement  # noqa: E402,F401 - registers the engagement return
