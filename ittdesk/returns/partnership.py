"""The partnership return: one row per partnership school (or school hosting a placement in the
year) with its leaders, mentors, trainees and ITaP hosted. The return LA templates are filled
with most, and the one that must stay quick at 50,000 schools: a handful of set-based queries,
never one per school (BENCHMARKS.md).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, cast

from peewee import ModelSelect, fn

from .. import fields, settings
from ..choices import (
    HEAD_KINDS,
    MENTOR_KINDS,
    PARTNERSHIP_STATUSES,
    PHASES,
)
from ..models import (
    Cohort,
    Enrolment,
    MentorTraining,
    Person,
    Placement,
    Programme,
    Role,
    School,
)
from ..services.people import lapse_date
from ..spreadsheets.writer import SheetColumn
from .base import Filters, ReturnData, ReturnSpec, join_names, register
from .rows import LA, SCHOOL, URN, Memo, active_on, day, fetch, person_name

# A school leader as read: kind, start date (as the driver gives it), surname, name.
_Leader = tuple[str, object, str, str]
# A leader ranked for the cell: start date, surname, name.
_Ranked = tuple[date | None, str, str]


def partnership(f: Filters) -> ReturnData:
    year, as_of = f.year, f.as_of
    placements_in_year = _placements_in_year(f, Placement.school, Cohort.programme,
                                             Placement.kind, Placement.enrolment)
    placed: dict[tuple[int, int], set[int]] = defaultdict(set)
    placed_any: dict[int, set[int]] = defaultdict(set)
    itap: Counter[int] = Counter()
    for school_id, programme_id, kind, enrolment_id in fetch(placements_in_year):
        if kind == "itap":
            itap[school_id] += 1
        else:
            placed[(school_id, programme_id)].add(enrolment_id)
            placed_any[school_id].add(enrolment_id)

    programmes = _programmes(f, {p for (_s, p) in placed})

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
    school_rows = fetch(schools)
    # Sorted here, not in SQL: the same order on SQLite and PostgreSQL (whose collations
    # differ), case-insensitive as people expect, and quicker than a sort in the query.
    school_rows.sort(key=lambda r: ((r[2] or "").casefold(), r[1]))

    leaders = (Role.select(Role.school, Role.kind, Person.id, Person.first_name, Person.last_name,
                           Person.erased, Role.start_date)
               .join(Person).switch(Role).join(School)
               .where(in_scope & active_on(as_of)
                      & Role.kind.in_(HEAD_KINDS + ("itt_champion",))))
    # One pass over the leaders; most schools have one, whose name is the whole cell.
    holders: dict[int, _Leader | list[_Leader]] = {}
    for school_id, kind, pid, first, last, erased, start in fetch(leaders):
        holder: _Leader = (kind, start, last or "", person_name(pid, first, last, erased))
        got = holders.get(school_id)
        if got is None:
            holders[school_id] = holder
        elif isinstance(got, list):
            got.append(holder)
        else:
            holders[school_id] = [got, holder]

    months = settings.MENTOR_REFRESHER_MONTHS.get()
    # Mentors and their latest training are read without the schools in scope: every current
    # mentor (no school row read per role: a GIAS school's row is wide), kept here when their
    # school is in the return, and every mentor's latest training (a plain group over the
    # training table, no second pass over the roles). The same counts, less reading
    # (BENCHMARKS.md, "The partnership return's mentor queries").
    in_return = {row[0] for row in school_rows}
    mentors: dict[int, set[int]] = defaultdict(set)
    mentor_roles = Role.select(Role.school, Role.person).where(
        active_on(as_of) & Role.kind.in_(MENTOR_KINDS))
    for school_id, person_id in fetch(mentor_roles):
        if school_id in in_return:
            mentors[school_id].add(person_id)
    latest = dict(fetch(MentorTraining.select(MentorTraining.person,
                                               fn.MAX(MentorTraining.completed_on))
                         .where(MentorTraining.completed_on <= as_of)
                         .group_by(MentorTraining.person)))
    mentor_ids = set().union(*mentors.values())

    lapse_by_day: dict[object, bool] = {}  # a day as the driver gives it -> still in date
    trained_ids: set[int] = set()
    for person_id, done in latest.items():
        if person_id not in mentor_ids:
            continue
        if done not in lapse_by_day:
            completed = fields.day(done)  # a MAX over a column that is never null
            lapse_by_day[done] = (completed is not None
                                  and lapse_date(completed, months) >= as_of)
        if lapse_by_day[done]:
            trained_ids.add(person_id)

    columns = _columns(programmes)

    # Per-school text decided once: who leads it, in words.
    def in_order(holders: list[_Ranked]) -> list[str]:
        """The newest in post first (then by surname) when a school has two at once."""
        if len(holders) > 1:
            holders = sorted(holders, key=lambda h: (-(h[0] or date.min).toordinal(), h[1]))
        return [name for _start, _last, name in holders]

    leader_text: dict[int, tuple[str | None, str | None]] = {}
    for sid, got in holders.items():
        if isinstance(got, tuple):  # one leader: the whole text
            kind, name = got[0], got[3] or None
            leader_text[sid] = (None, name) if kind == "itt_champion" else (name, None)
            continue
        by_kind: dict[str, list[_Ranked]] = defaultdict(list)
        for kind, start, last, name in got:
            by_kind[kind].append((day(start), last, name))
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
    phase_label, status_label = Memo(PHASES.label), Memo(PARTNERSHIP_STATUSES.label)
    days = Memo(day)
    nobody, no_mentors = (None, None), (0, 0)

    def rows() -> Iterator[tuple[Any, ...]]:
        for (sid, urn, name, la, phase, kind, trust, status, since, confirmed) in school_rows:
            yield (
                urn, name, la, phase_label[phase], kind, trust, status_label[status],
                days[since], *leader_text.get(sid, nobody), *mentor_counts.get(sid, no_mentors),
                *placement_cells.get(sid, no_placements), days[confirmed],
            )

    notes = [f"Mentors and leaders as at {fields.format_date(as_of)}; a mentor counts as trained "
             f"when their latest training is under {months} months old."]
    return ReturnData(columns, rows(), len(school_rows), notes)


def _programmes(f: Filters, placed: set[int]) -> list[tuple[int, str]]:
    """(id, name) of the programmes with a "Trainees placed" column, by name: those of the
    year's placements but ITaP (``placed``) and of the year's ITT cohorts."""
    itt_cohorts = (Cohort.select(Cohort.programme).join(Programme)
                   .where((Cohort.academic_year == f.year) & (Programme.kind == "itt")))
    if f.programme_id:
        itt_cohorts = itt_cohorts.where(Cohort.programme == f.programme_id)
    programme_ids = placed | {p for (p,) in cast("Iterable[tuple[int]]", itt_cohorts.tuples())}
    return list(cast("Iterable[tuple[int, str]]",
                     Programme.select(Programme.id, Programme.name)
                     .where(Programme.id.in_(list(programme_ids) or [0]))
                     .order_by(Programme.name).tuples()))


def _columns(programmes: list[tuple[int, str]]) -> list[SheetColumn]:
    """The return's columns: one "Trainees placed" column per programme among the rest."""
    placed_columns = [SheetColumn(f"placed_{pid}", f"Trainees placed: {name}", "int")
                      for pid, name in programmes]
    return [
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


def partnership_columns(f: Filters) -> list[SheetColumn]:
    """The columns :func:`partnership` gives for ``f``, without reading its rows: a template's
    headings are matched against them before it is filled, and the rows are read then."""
    placed = (_placements_in_year(f, Cohort.programme)
              .where(Placement.kind.is_null() | (Placement.kind != "itap")).distinct())
    return _columns(_programmes(f, {p for (p,) in fetch(placed)}))


def _placements_in_year(f: Filters, *columns: Any) -> ModelSelect[Placement]:
    """``columns`` of the placements of ``f``'s year (of its programme, if one is chosen)."""
    query = (Placement.select(*columns).join(Enrolment).join(Cohort)
             .where(Cohort.academic_year == f.year))
    if f.programme_id:
        query = query.where(Cohort.programme == f.programme_id)
    return query


register(ReturnSpec("partnership", "Partnership return",
                    "One row per partnership school: leaders, mentors, trainees and ITaP hosted",
                    partnership, uses_programme=True, columns=partnership_columns))
