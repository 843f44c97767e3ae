"""What needs attention this week: the Home page's groups of actionable items, in plain Python.

Each group is one indexed query (counted in SQL, a limited number of items fetched), so the page
stays quick on a large database; each item names the record that opens when it is clicked.
Thresholds are provider settings (``reports_due_days``, ``mentor_refresher_months``,
``cohort_nearly_full_places``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, cast

from peewee import SQL, fn

from . import clock, holders, new_schools, settings
from .academic_year import AcademicYear
from .choices import MENTOR_KINDS, PARTNERSHIP_STATUSES, REPORT_KINDS
from .fields import format_date
from .models import (
    Cohort,
    Enrolment,
    FundingSample,
    MentorTraining,
    Person,
    Placement,
    Programme,
    Role,
    School,
    database,
)

ACTIVE_PARTNERS = ("partner", "placement", "lead")
TAKEN_STATUSES = ("offered", "enrolled", "completed")


@dataclass(frozen=True)
class Item:
    entity: str  # which editor opens: "agreement", "school", "placement", "person", ...
    id: int
    text: str
    detail: str = ""
    urgent: bool = False


@dataclass
class Group:
    key: str
    title: str
    hint: str  # what to do about it
    count: int = 0
    items: list[Item] = field(default_factory=list)
    #: (link text, "module:function" taking the main window): what Home offers to do about it
    action: tuple[str, str] | None = None
    #: shown only while it has something (a DfE sample is rare: no card the rest of the year)
    only_when_due: bool = False


def months_before(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    return date(year, month % 12 + 1, min(day.day, 28))


def _ago(days: int) -> str:
    return "today" if days == 0 else (f"in {days} day{'s' if days != 1 else ''}" if days > 0
                                      else f"{-days} day{'s' if days != -1 else ''} overdue")


def reports_due(today: date, limit: int) -> Group:
    """Impact reports overdue or due soon: the agreements' own reminder rule."""
    from .services.agreement_reminders import count_reports_due
    from .services.agreement_reminders import reports_due as due_reports

    days = settings.REPORTS_DUE_DAYS.get()
    group = Group("reports", f"Impact reports overdue or due within {days} days",
                  "Chase the report or record it as submitted in the agreement.")
    group.count = count_reports_due(today, days)
    for r in due_reports(today, days, limit=limit) if group.count else ():
        group.items.append(Item("agreement", r.agreement_id, f"{r.reference} {r.title}",
                                f"{REPORT_KINDS.label(r.kind)} report due {format_date(r.due_date)} "
                                f"({_ago(r.days)})", urgent=r.overdue))
    return group


def agreements_past_end(today: date, limit: int) -> Group:
    """Agreements still active after their end date: complete them or agree an extension."""
    from .services.agreement_reminders import count_past_end_date, past_end_date

    group = Group("past_end", "Agreements still active after their end date",
                  "Record the final report and complete the agreement, or extend its end date.")
    group.count = count_past_end_date(today)
    for e in past_end_date(today, limit=limit) if group.count else ():
        group.items.append(Item("agreement", e.agreement_id, f"{e.reference} {e.title}",
                                e.message, urgent=True))
    return group


def leadership_missing(today: date, limit: int) -> Group:
    """Partner schools with nobody recorded as head or as ITT champion (seed 000's ask)."""
    from .leadership.history import counted_schools_without_head_or_champion

    group = Group("no_head_or_champion", "Schools with no current headteacher or ITT champion",
                  "Record who holds the post (Change holder… in the school), or ask the school "
                  "to name an ITT champion on its leadership team.")
    group.count, first = counted_schools_without_head_or_champion(limit)
    for m in first:
        group.items.append(Item("school", m.school_id, m.name, f"Missing: {m.missing_text}",
                                urgent="headteacher" in m.missing))
    return group


def leadership_unconfirmed(today: date, limit: int) -> Group:
    """The same schools as the round's "not confirmed" (``leadership.confirmation``)."""
    from .leadership import confirmation

    year = confirmation.year_being_confirmed(today)
    group = Group("leadership", f"Schools whose leadership is not confirmed for {year}",
                  "Send the yearly leadership form, or confirm it in the school's record.")
    query = confirmation.unconfirmed(year)
    group.count = query.count()
    for s in query.order_by(School.name_key).limit(limit):
        last = (f"last confirmed {format_date(s.leadership_confirmed_on)}"
                if s.leadership_confirmed_on else "never confirmed")
        group.items.append(Item("school", s.id, s.name,
                                f"{PARTNERSHIP_STATUSES.label(s.partnership_status)}, {last}"))
    return group


def placements_without_mentor(today: date, limit: int) -> Group:
    group = Group("no_mentor", "Placements with no mentor",
                  "Choose a mentor at the school for each placement.")
    trainee = Person.alias("trainee")
    query = (Placement.select(Placement, School, Enrolment, trainee)
             .join(School).switch(Placement).join(Enrolment)
             .join(trainee, on=(Enrolment.person == trainee.id))
             .where(Placement.mentor.is_null() & (Placement.end_date >= today)))
    group.count = query.count()
    for p in query.order_by(Placement.start_date).limit(limit):
        started = p.start_date <= today
        group.items.append(Item("placement", p.id, f"{p.enrolment.person.full_name} at {p.school.name}",
                                f"{'started' if started else 'starts'} {format_date(p.start_date)}",
                                urgent=started))
    return group


def mentors_over_capacity(today: date, limit: int) -> Group:
    group = Group("over_capacity", "Mentors over capacity",
                  "Move a placement to another mentor, or raise the mentor's capacity.")
    # Current placements counted once per (mentor, school), then joined to the mentor roles:
    # one pass over the placements rather than a correlated count per mentor role. Grouped by
    # ``id + 0`` (the same groups): grouped by the bare columns, SQLite (no statistics) walks
    # all 130,000 placements through the mentor index for the grouping's order (~130 ms at the
    # large scale) instead of the few thousand current ones through the end-date index (~20).
    mentor_id, school_id = Placement.mentor + 0, Placement.school + 0
    taking = (Placement.select(mentor_id.alias("mentor_id"), school_id.alias("school_id"),
                               fn.COUNT(Placement.id).alias("taking"))
              .where(Placement.mentor.is_null(False) & (Placement.start_date <= today)
                     & (Placement.end_date >= today))
              .group_by(mentor_id, school_id)).alias("taking")
    # The count beside each row (a window over every match): one pass for both.
    query = (Role.select(Role.person, Person.first_name, Person.last_name, Person.erased,
                         School.name, taking.c.taking, Role.capacity,
                         fn.COUNT(SQL("*")).over().alias("total"))
             .join(taking, on=((taking.c.mentor_id == Role.person)
                               & (taking.c.school_id == Role.school)))
             .switch(Role).join(Person).switch(Role).join(School)
             .where(Role.kind.in_(MENTOR_KINDS) & holders.held(today)
                    & Role.capacity.is_null(False) & (taking.c.taking > Role.capacity)))
    rows = list(cast("Iterable[tuple[int, str, str, bool, str, int, int, int]]",
                     query.order_by(Person.last_name_key, Person.first_name_key, Role.id)
                     .limit(limit).tuples())) if limit > 0 else []
    group.count = rows[0][-1] if rows else (query.count() if limit < 1 else 0)
    if rows:
        for person_id, first, last, erased, school_name, n, capacity, _total in rows:
            name = (f"erased person #{person_id}" if erased
                    else " ".join(p for p in (first, last) if p))
            group.items.append(Item("person", person_id, f"{name} ({school_name})",
                                    f"{n} trainees now; capacity {capacity}", urgent=True))
    return group


def mentor_training_lapsed(today: date, limit: int) -> Group:
    months = settings.MENTOR_REFRESHER_MONTHS.get()
    cutoff = months_before(today, months)
    group = Group("training", f"Mentors without training in the last {months} months",
                  "Book a refresher and record it in the mentor's training.")
    recent = MentorTraining.select(MentorTraining.id).where(
        (MentorTraining.person == Role.person) & (MentorTraining.completed_on >= cutoff))
    latest = (MentorTraining.select(fn.MAX(MentorTraining.completed_on))
              .where(MentorTraining.person == Role.person))
    query = (Role.select(Role.person, fn.MIN(Person.first_name).alias("first"),
                         fn.MIN(Person.last_name).alias("last"), latest.alias("latest"))
             .join(Person)
             .where(Role.kind.in_(MENTOR_KINDS) & holders.held(today) & ~fn.EXISTS(recent))
             .group_by(Role.person))
    group.count = query.count()
    for row in database.execute(query.order_by(fn.MIN(Person.last_name_key), fn.MIN(Person.first_name_key))
                                .limit(limit)).fetchall():
        person_id, first, last, latest_on = row
        detail = (f"last trained {format_date(_as_date(latest_on))}" if latest_on
                  else "no mentor training recorded")
        group.items.append(Item("person", person_id, f"{first} {last}", detail))
    return group


def cohorts_nearly_full(today: date, limit: int) -> Group:
    margin = settings.COHORT_NEARLY_FULL_PLACES.get()
    year = AcademicYear.for_date(today)
    group = Group("cohorts", f"Cohorts full or with {margin} or fewer places left",
                  "Open more places or close recruitment.")
    taken = (Enrolment.select(fn.COUNT(Enrolment.id))
             .where((Enrolment.cohort == Cohort.id) & Enrolment.status.in_(TAKEN_STATUSES)))
    query = (Cohort.select(Cohort.id, Programme.name, Cohort.name, Cohort.academic_year,
                           Cohort.places, taken.alias("taken")).join(Programme)
             .where((Cohort.academic_year >= year) & Cohort.places.is_null(False)
                    & (Cohort.places - taken <= margin)))
    group.count = query.count()
    rows = cast("Iterable[tuple[int, str, str, AcademicYear, int, int]]",
                query.order_by(Cohort.academic_year, Programme.name).limit(limit).tuples())
    for cohort_id, programme, name, academic_year, places, taken_places in rows:
        left = places - taken_places
        group.items.append(Item("cohort", cohort_id, f"{programme} — {name} ({academic_year})",
                                f"{taken_places} of {places} places taken; "
                                + ("full" if left <= 0 else f"{left} left"), urgent=left <= 0))
    return group


def enrolments_without_placement(today: date, limit: int) -> Group:
    year = AcademicYear.for_date(today)
    group = Group("unplaced", f"Trainees enrolled in {year} with no placement",
                  "Place each trainee in a school with a mentor.")
    placed = Placement.select(Placement.id).where(Placement.enrolment == Enrolment.id)
    query = (Enrolment.select(Enrolment, Person, Cohort, Programme).join(Person)
             .switch(Enrolment).join(Cohort).join(Programme)
             .where((Enrolment.status == "enrolled") & (Cohort.academic_year == year)
                    & (Programme.kind == "itt") & ~fn.EXISTS(placed)))
    group.count = query.count()
    for e in query.order_by(Person.last_name_key, Person.first_name_key).limit(limit):
        group.items.append(Item("enrolment", e.id, e.person.full_name,
                                f"{e.cohort.programme.name} — {e.cohort.name}"
                                + (f", {e.subject}" if e.subject else "")))
    return group


def new_schools_unsorted(today: date, limit: int) -> Group:
    """Home's card for the last import's unsorted schools (empty when there are none)."""
    group = Group("new_schools", "Imported schools not yet marked partner or not",
                  "Mark which of them are partners or placement schools; Home then watches "
                  "their leadership.", action=("Mark partners…", "ui.dialogs.mark_partners:"
                                                                  "open_mark_partners"))
    run = new_schools.last_schools_import(today)
    if run is None:
        return group
    group.count = new_schools.count_unsorted(run.id)
    when = format_date(run.at.date() if isinstance(run.at, datetime) else run.at)
    for school_id, name, urn, la in new_schools.unsorted_schools(run.id, limit) if group.count else ():
        group.items.append(Item("school", school_id, name,
                                f"URN {urn}" + (f", {la}" if la else "") + f"; imported {when}"))
    return group


def mentor_funding_sample(today: date, limit: int) -> Group:
    """DfE's sample of mentor-funding claims, open until marked sent: due 21 days after it
    arrived (issue 18)."""
    group = Group("mentor_sample", "Mentor funding sample from DfE to answer",
                  "Answer it from the records (Tools > Mentor funding…), send it back to DfE, "
                  "then mark it sent.", action=("Mentor funding…", "ui.dialogs.mentor_funding:"
                                                                   "open_mentor_funding"),
                  only_when_due=True)
    query = (FundingSample.select().where(FundingSample.sent_on.is_null())
             .order_by(FundingSample.answer_by, FundingSample.id))
    group.count = query.count()
    for sample in query.limit(limit) if group.count else ():
        left = (sample.answer_by - today).days
        undecided = f"; {sample.undecided} line(s) undecided" if sample.undecided else ""
        group.items.append(Item("funding_sample", sample.id, sample.file_name,
                                f"answer by {format_date(sample.answer_by)} ({_ago(left)})"
                                f"{undecided}", urgent=left <= 7))
    return group


def trainees_at_risk(today: date, limit: int) -> Group:
    """Trainees whose placements will not, or did not, meet their route's requirements
    (``ittdesk.placements.check``: at risk or not met), this year's cohorts and last year's
    (a trainee finishing late is still someone's to sort out)."""
    from .placements.home_card import at_risk

    group = Group("placements_at_risk",
                  "Trainees at risk of not meeting placement requirements",
                  "Plan the missing days, second school or ITaP; the cohort's Placement check "
                  "tab lists every trainee.")
    found = at_risk(today, limit)
    group.count = found.count
    for c in found.shown:
        group.items.append(Item("enrolment", c.enrolment_id, c.name, c.reason_text,
                                urgent=c.status == "not_met"))
    return group


# A DfE sample has a fixed deadline: its card (only while one is open) comes first.
CHECKS = (mentor_funding_sample, reports_due, agreements_past_end, leadership_missing, leadership_unconfirmed, placements_without_mentor, mentors_over_capacity,
          mentor_training_lapsed, cohorts_nearly_full, enrolments_without_placement,
          trainees_at_risk, new_schools_unsorted)


def needs_attention(today: date | None = None, limit: int = 50) -> list[Group]:
    """Every group, in the order the Home page shows them (empty groups included)."""
    today = today or clock.today()
    return [check(today, limit) for check in CHECKS]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def placements_per_month(today: date | None = None) -> list[tuple[str, int]]:
    """Placements starting in each month of the current academic year (Sep..Aug)."""
    year = AcademicYear.for_date(today or clock.today())
    counts: Counter[tuple[int, int]] = Counter()
    query = (Placement.select(Placement.start_date, fn.COUNT(Placement.id))
             .where((Placement.start_date >= year.start) & (Placement.start_date <= year.end))
             .group_by(Placement.start_date))
    for day, n in database.execute(query).fetchall():
        day = _as_date(day)
        counts[(day.year, day.month)] += n
    result = []
    for offset in range(12):
        month = (8 + offset) % 12 + 1
        calendar_year = year.start_year + (1 if month < 9 else 0)
        result.append((date(calendar_year, month, 1).strftime("%b"), counts[(calendar_year, month)]))
    return result


def trainees_by_subject(today: date | None = None, top: int = 8) -> list[tuple[str, int]]:
    """Current-year trainees (enrolled: an applicant with an offer is not a trainee yet) by
    subject, largest first; the rest as 'Other'."""
    year = AcademicYear.for_date(today or clock.today())
    query = (Enrolment.select(Enrolment.subject, fn.COUNT(Enrolment.id).alias("n"))
             .join(Cohort).join(Programme)
             .where((Cohort.academic_year == year) & (Programme.kind == "itt")
                    & (Enrolment.status == "enrolled"))
             .group_by(Enrolment.subject))
    rows = sorted(((s or "Not recorded", n) for s, n in database.execute(query).fetchall()),
                  key=lambda r: (-r[1], r[0]))
    if len(rows) > top:
        rows = rows[:top - 1] + [("Other", sum(n for _s, n in rows[top - 1:]))]
    return rows


#: Home's longest reads at the large scale (CPU, ms): leadership_missing ~100, the at-risk
#: card ~75, mentors over capacity ~40, mentor training ~35, leadership unconfirmed ~30,
#: unplaced trainees ~25, trainees by subject ~13; the rest a few each. Taken first, so the
#: two threads of ``home_data`` finish close together.
_LONGEST_FIRST = (leadership_missing, trainees_at_risk, mentors_over_capacity,
                  mentor_training_lapsed, leadership_unconfirmed, enrolments_without_placement)


def home_data(today: date | None = None, limit: int = 50) -> dict[str, Any]:
    """Everything the Home page shows, in one call (it runs on a worker thread): the same
    groups as ``needs_attention``, read on two threads side by side (``side_by_side``), so
    Home is filled in about the time of the longer half."""
    from .side_by_side import run_side_by_side

    today = today or clock.today()
    checks = [*_LONGEST_FIRST, *(c for c in CHECKS if c not in _LONGEST_FIRST)]
    reads: list[Callable[[], Any]] = [partial(check, today, limit) for check in checks]
    reads += [partial(trainees_by_subject, today), partial(placements_per_month, today),
              lambda: not School.select().exists() and not Person.select().exists()]
    *found, by_subject, per_month, empty = run_side_by_side(reads)
    groups = dict(zip(checks, found, strict=True))
    return {"today": today, "groups": [groups[check] for check in CHECKS],
            "per_month": per_month, "by_subject": by_subject, "empty": empty}


__all__ = ["Group", "Item", "home_data", "needs_attention"]
