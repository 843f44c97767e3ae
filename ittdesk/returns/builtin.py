"""The five built-in returns: partnership, placements, cohorts, support agreements, mentor training.

Each is a handful of set-based queries (never one query per row: the partnership return has to
stay quick at 50,000 schools) folded into rows of plain values. Labels come from the
vocabularies in ``choices``; people's names from ``Person.full_name`` (so erased people stay
erased in every return).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from peewee import JOIN, fn

from .. import fields, settings
from ..choices import (
    AGREEMENT_STATUSES,
    ENROLMENT_STATUSES,
    HEAD_KINDS,
    MENTOR_KINDS,
    PARTNERSHIP_STATUSES,
    PHASES,
    PLACEMENT_KINDS,
    RAG_RATINGS,
    TRAINING_KINDS,
)
from ..holders import held
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
    database,
)
from ..services.people import lapse_date
from ..spreadsheets.writer import SheetColumn
from .base import Filters, ReturnData, ReturnSpec, join_names, register

# Columns shared by several returns, with the other names LA templates use for them.
URN = SheetColumn("urn", "URN", "int", total=False, synonyms=("DfE URN", "School URN", "Unique reference number"))
SCHOOL = SheetColumn("school", "School", synonyms=("School name", "Establishment", "Establishment name",
                                              "Setting", "Name of school"))
LA = SheetColumn("la_name", "Local authority", summarise=True,
            synonyms=("LA", "LA name", "Authority", "Council"))


def _name(person_id, first, last, erased) -> str:
    """``Person.full_name`` from the columns of a bulk query: the same rule, erasure included
    (``test_returns`` pins it to the model's property), without building a model per row."""
    if erased:
        return f"erased person #{person_id}"
    if first and last:
        return f"{first} {last}"
    return first or last or ""


class _Memo(dict):
    """``memo[key]`` is ``compute(key)``, computed once per distinct key (a C-speed lookup after
    that): for dates and labels, of which a return has a handful of distinct values."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, key):
        value = self[key] = self.compute(key)
        return value


def _fetch(query) -> list[tuple]:
    """Rows as the driver returns them, skipping peewee's per-value conversion (several
    times faster on a big return: BENCHMARKS.md, "Figures behind the code's comments"); dates
    then need ``_day``."""
    return database.execute(query).fetchall()


def _day(value) -> date | None:
    """A date column from ``_fetch``: SQLite gives ISO text, PostgreSQL a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _active_on(day: date):
    return held(day)


def _la_matches(school_la: str | None, f: Filters) -> bool:
    return f.la is None or school_la == f.la


# -- 1. partnership ----------------------------------------------------------------------------


def partnership(f: Filters) -> ReturnData:
    year, as_of = f.year, f.as_of
    placements_in_year = (Placement.select(Placement.school, Cohort.programme, Placement.kind,
                                           Placement.enrolment)
                          .join(Enrolment).join(Cohort).where(Cohort.academic_year == year))
    if f.programme_id:
        placements_in_year = placements_in_year.where(Cohort.programme == f.programme_id)
    placed: dict[tuple[int, int], set[int]] = defaultdict(set)
    placed_any: dict[int, set[int]] = defaultdict(set)
    itap: Counter = Counter()
    for school_id, programme_id, kind, enrolment_id in _fetch(placements_in_year):
        if kind == "itap":
            itap[school_id] += 1
        else:
            placed[(school_id, programme_id)].add(enrolment_id)
            placed_any[school_id].add(enrolment_id)

    programme_ids = {p for (_s, p) in placed}
    itt_cohorts = (Cohort.select(Cohort.programme).join(Programme)
                   .where((Cohort.academic_year == year) & (Programme.kind == "itt")))
    if f.programme_id:
        itt_cohorts = itt_cohorts.where(Cohort.programme == f.programme_id)
    programme_ids |= {p for (p,) in itt_cohorts.tuples()}
    programmes = list(Programme.select(Programme.id, Programme.name)
                      .where(Programme.id.in_(list(programme_ids) or [0]))
                      .order_by(Programme.name).tuples())

    # The schools in the return: in the partnership, or hosting a placement this year. A
    # subquery, not a list of ids (SQLite limits how many values one query may carry).
    hosting = (Placement.select(Placement.school).join(Enrolment).join(Cohort)
               .where(Cohort.academic_year == year))
    if f.programme_id:
        hosting = hosting.where(Cohort.programme == f.programme_id)
    in_scope = School.partnership_status.is_null(False) | School.id.in_(hosting)
    if f.la:
        in_scope = in_scope & (School.la_name == f.la)
    schools = (School.select(School.id, School.urn, School.name, School.la_name, School.phase,
                             School.establishment_type, School.trust, School.partnership_status,
                             School.partnership_since, School.leadership_confirmed_on)
               .where(in_scope))
    school_rows = _fetch(schools)
    # Sorted here, not in SQL: the same order on SQLite and PostgreSQL (whose collations
    # differ), case-insensitive as people expect, and quicker than a sort in the query.
    school_rows.sort(key=lambda r: ((r[2] or "").casefold(), r[1]))

    leaders = (Role.select(Role.school, Role.kind, Person.id, Person.first_name, Person.last_name,
                           Person.erased, Role.start_date)
               .join(Person).switch(Role).join(School)
               .where(in_scope & _active_on(as_of)
                      & Role.kind.in_(HEAD_KINDS + ("itt_champion",))))
    # One pass over the leaders; most schools have one, whose name is the whole cell.
    holders: dict[int, Any] = {}
    for school_id, kind, pid, first, last, erased, start in _fetch(leaders):
        holder = (kind, start, last or "", _name(pid, first, last, erased))
        got = holders.get(school_id)
        if got is None:
            holders[school_id] = holder
        elif got.__class__ is list:
            got.append(holder)
        else:
            holders[school_id] = [got, holder]

    months = settings.MENTOR_REFRESHER_MONTHS.get()
    mentors: dict[int, set[int]] = defaultdict(set)
    mentor_roles = (Role.select(Role.school, Role.person).join(School)
                    .where(in_scope & _active_on(as_of) & Role.kind.in_(MENTOR_KINDS)))
    for school_id, person_id in _fetch(mentor_roles):
        mentors[school_id].add(person_id)
    latest = dict(_fetch(MentorTraining.select(MentorTraining.person,
                                               fn.MAX(MentorTraining.completed_on))
                         .where((MentorTraining.completed_on <= as_of)
                                & MentorTraining.person.in_(
                                    mentor_roles.select(Role.person)))
                         .group_by(MentorTraining.person)))

    lapse_by_day: dict = {}
    trained_ids = set()
    for person_id, done in latest.items():
        if done not in lapse_by_day:
            lapse_by_day[done] = lapse_date(fields.day(done), months) >= as_of
        if lapse_by_day[done]:
            trained_ids.add(person_id)

    placed_columns = [SheetColumn(f"placed_{pid}", f"Trainees placed: {name}", "int")
                      for pid, name in programmes]
    columns = [
        URN,
        SCHOOL,
        LA,
        SheetColumn("phase", "Phase", summarise=True, synonyms=("Phase of education", "School phase")),
        SheetColumn("establishment_type", "Type", synonyms=("School type", "Type of establishment",
                                                       "Establishment type")),
        SheetColumn("trust", "Trust", synonyms=("MAT", "Multi-academy trust", "Academy trust")),
        SheetColumn("partnership_status", "Partnership status", summarise=True,
               synonyms=("Status", "Partner status")),
        SheetColumn("partnership_since", "Partner since", "date",
               synonyms=("Partnership since", "Joined partnership", "Date joined")),
        SheetColumn("headteacher", "Headteacher", synonyms=("Head", "Headteacher name", "Head teacher",
                                                       "Principal")),
        SheetColumn("itt_champion", "ITT champion", synonyms=("ITT lead", "ITT contact")),
        SheetColumn("mentors_trained", "Mentors trained", "int",
               synonyms=("Trained mentors", "Number of trained mentors")),
        SheetColumn("mentors", "Mentors", "int", synonyms=("Number of mentors", "Total mentors",
                                                      "Mentors total")),
        *placed_columns,
        SheetColumn("trainees_placed", "Trainees placed", "int",
               synonyms=("Trainees", "Number of trainees", "Trainees hosted", "Placements")),
        SheetColumn("itap_hosted", "ITaP placements hosted", "int",
               synonyms=("ITaP", "ITaP placements", "Intensive training and practice")),
        SheetColumn("leadership_confirmed_on", "Leadership last confirmed", "date",
               synonyms=("Leadership confirmed", "Date leadership confirmed", "Last confirmed")),
    ]

    # Per-school text decided once: who leads it, in words.
    def in_order(holders: list) -> list[str]:
        """The newest in post first (then by surname) when a school has two at once."""
        if len(holders) > 1:
            holders = sorted(holders, key=lambda h: (-(h[0] or date.min).toordinal(), h[1]))
        return [name for _start, _last, name in holders]

    leader_text: dict[int, tuple[str | None, str | None]] = {}
    for sid, got in holders.items():
        if got.__class__ is tuple:  # one leader: the whole text
            kind, name = got[0], got[3] or None
            leader_text[sid] = (None, name) if kind == "itt_champion" else (name, None)
            continue
        by_kind: dict[str, list] = defaultdict(list)
        for kind, start, last, name in got:
            by_kind[kind].append((_day(start), last, name))
        head = next((by_kind[k] for k in HEAD_KINDS if by_kind.get(k)), [])
        leader_text[sid] = (join_names(in_order(head)),
                            join_names(in_order(by_kind.get("itt_champion", []))))
    mentor_counts = {sid: (sum(1 for p in ids if p in trained_ids), len(ids))
                     for sid, ids in mentors.items()}
    # The placement cells (per programme, all, ITaP) of the schools that host any.
    empty = ()
    placement_cells = {
        sid: (*[len(placed.get((sid, pid), empty)) for pid, _n in programmes],
              len(placed_any.get(sid, empty)), itap.get(sid, 0))
        for sid in placed_any.keys() | itap.keys()}
    no_placements = (0,) * (len(programmes) + 2)
    phase_label, status_label = _Memo(PHASES.label), _Memo(PARTNERSHIP_STATUSES.label)
    days = _Memo(_day)
    nobody, no_mentors = (None, None), (0, 0)

    def rows():
        for (sid, urn, name, la, phase, kind, trust, status, since, confirmed) in school_rows:
            yield (
                urn, name, la, phase_label[phase], kind, trust, status_label[status],
                days[since], *leader_text.get(sid, nobody), *mentor_counts.get(sid, no_mentors),
                *placement_cells.get(sid, no_placements), days[confirmed],
            )

    notes = [f"Mentors and leaders as at {fields.format_date(as_of)}; a mentor counts as trained "
             f"when their latest training is under {months} months old."]
    return ReturnData(columns, rows(), len(school_rows), notes)


# -- 2. placements -----------------------------------------------------------------------------


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

    def rows():
        for (tid, tfirst, tlast, terased, trainee_no, programme, subject, school, urn, la,
             mid, mfirst, mlast, merased, kind, start, end, year_group) in query.tuples():
            yield (_name(tid, tfirst, tlast, terased), trainee_no, programme, subject, school, urn,
                   la, _name(mid, mfirst, mlast, merased) if mid else None,
                   PLACEMENT_KINDS.label(kind), start, end, year_group)

    return ReturnData(columns, rows(), query.count())


# -- 3. cohorts --------------------------------------------------------------------------------


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
    by_status: dict[int, Counter] = defaultdict(Counter)
    outcomes: dict[int, Counter] = defaultdict(Counter)
    for cohort_id, status, outcome in enrolments.tuples():
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
    cohort_rows = list(query.tuples())

    def rows():
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


# -- 4. support agreements ---------------------------------------------------------------------


def agreements(f: Filters) -> ReturnData:
    query = (SupportAgreement.select().where(SupportAgreement.academic_year == f.year)
             .order_by(SupportAgreement.reference))
    parties: dict[int, dict[str, list[tuple[str, int, str | None]]]] = defaultdict(
        lambda: defaultdict(list))
    for agreement_id, role, name, urn, la in (
            AgreementParty.select(AgreementParty.agreement, AgreementParty.role, School.name,
                                  School.urn, School.la_name)
            .join(School).order_by(School.name_key).tuples()):
        parties[agreement_id][role].append((name, urn, la))
    if f.la:
        query = query.where(SupportAgreement.id.in_(
            AgreementParty.select(AgreementParty.agreement).join(School)
            .where((AgreementParty.role == "supported") & (School.la_name == f.la))))
    deployed: dict[int, list[str]] = defaultdict(list)
    days: Counter = Counter()
    for agreement_id, pid, first, last, erased, kind, specialism, n_days in (
            AgreementLeader.select(AgreementLeader.agreement, Person.id, Person.first_name,
                                   Person.last_name, Person.erased, Designation.kind,
                                   Designation.specialism, AgreementLeader.days)
            .join(Person).switch(AgreementLeader)
            .join(Designation, JOIN.LEFT_OUTER).order_by(Person.last_name_key).tuples()):
        detail = ", ".join(x for x in (kind, specialism,
                                       f"{n_days:g} days" if n_days else None) if x)
        name = _name(pid, first, last, erased)
        deployed[agreement_id].append(f"{name} ({detail})" if detail else name)
        days[agreement_id] += n_days or 0
    spent = dict(SpendEntry.select(SpendEntry.agreement, fn.SUM(SpendEntry.amount_pence))
                 .group_by(SpendEntry.agreement).tuples())
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

    def school_cells(items):
        return (join_names(n for n, _u, _l in items), join_names(str(u) for _n, u, _l in items))

    def rows():
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


# -- 5. mentor training ------------------------------------------------------------------------


def mentor_training(f: Filters) -> ReturnData:
    query = (MentorTraining.select(Person.id, Person.first_name, Person.last_name, Person.erased,
                                   Person.trn, MentorTraining.school, MentorTraining.kind,
                                   MentorTraining.hours, MentorTraining.completed_on,
                                   MentorTraining.provided_by)
             .join(Person)
             .where(MentorTraining.completed_on.between(f.year.start, f.year.end))
             .order_by(MentorTraining.completed_on, Person.last_name_key, MentorTraining.id))
    records = list(query.tuples())
    # A record without a school is claimed for the school where the person mentors.
    mentor_school = {}
    for person_id, school_id in (Role.select(Role.person, Role.school)
                                 .where(Role.kind.in_(MENTOR_KINDS))
                                 .order_by(Role.end_date.desc(nulls="FIRST"), Role.id).tuples()):
        mentor_school.setdefault(person_id, school_id)
    school_ids = {r[5] or mentor_school.get(r[0]) for r in records} - {None}
    schools = {sid: (name, urn, la) for sid, name, urn, la in
               School.select(School.id, School.name, School.urn, School.la_name)
               .where(School.id.in_(list(school_ids) or [0])).tuples()}
    rows_out = []
    for pid, first, last, erased, trn, school_id, kind, hours, done, provider in records:
        name, urn, la = schools.get(school_id or mentor_school.get(pid), (None, None, None))
        if not _la_matches(la, f):
            continue
        rows_out.append((_name(pid, first, last, erased), trn, name, urn, la,
                         TRAINING_KINDS.label(kind), hours, done, provider))
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
    ]
    return ReturnData(columns, rows_out, len(rows_out))


register(ReturnSpec("partnership", "Partnership return",
                    "One row per partnership school: leaders, mentors, trainees and ITaP hosted",
                    partnership, uses_programme=True))
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
