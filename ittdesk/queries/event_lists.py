"""The events list (working groups, training sessions, webinars...): how many were invited,
came and led each, as correlated counts over the attendance table's (event, person) index."""

from __future__ import annotations

from typing import Any

from peewee import Cast, Expression, ModelSelect, fn

from ..academic_year import AcademicYear
from ..choices import EVENT_KINDS
from ..models import Event, EventAttendance, Person, database
from . import Filter, ListColumn, ListQuery, choice_options


def _count(condition: Expression | None = None) -> ModelSelect[EventAttendance]:
    query = EventAttendance.select(fn.COUNT(EventAttendance.id)).where(
        EventAttendance.event == Event.id)
    return query.where(condition) if condition is not None else query


def _years() -> list[tuple[str, str]]:
    first, last = database.execute(Event.select(fn.MIN(Event.held_on), fn.MAX(Event.held_on))
                                   ).fetchone() or (None, None)
    if not first:
        return []
    from ..fields import day

    last_day, first_day = day(last), day(first)
    if last_day is None or first_day is None:
        return []
    year = AcademicYear.for_date(last_day)
    stop = AcademicYear.for_date(first_day)
    options = []
    while True:
        options.append((str(year), str(year)))
        if str(year) == str(stop):
            break
        year = year.previous()
    return options


def _in_year(query: ModelSelect[Any], value: str) -> ModelSelect[Any]:
    year = AcademicYear.parse(value)
    return query.where(Event.held_on.between(year.start, year.end))


EVENTS = ListQuery(
    name="events",
    entity="event",
    model=Event,
    columns=[
        ListColumn("held_on", "Date", Event.held_on, kind="date", width=95),
        ListColumn("title", "Title", Event.title, width=280),
        ListColumn("kind", "Kind", Event.kind, kind="choice", choices=EVENT_KINDS, width=170),
        ListColumn("location", "Where", Event.location, width=160),
        ListColumn("invited", "Invited", _count(EventAttendance.invited == True), kind="number",  # noqa: E712
               width=70),
        ListColumn("attended", "Came", _count(EventAttendance.attended == True), kind="number",  # noqa: E712
               width=70),
        ListColumn("led", "Led by", _count(EventAttendance.led == True), kind="number",  # noqa: E712
               width=70),
    ],
    search=[Event.title, Event.location, Cast(Event.held_on, "TEXT")],
    filters=[
        Filter("kind", "Kind", choice_options(EVENT_KINDS),
               lambda q, v: q.where(Event.kind == v), joined=False),
        Filter("year", "Academic year", _years, _in_year, joined=False),
    ],
    default_sort="held_on",
)


def event_rows(year: AcademicYear | None = None) -> list[dict[str, Any]]:
    """Events newest first with their counts and who led them (for the CLI)."""
    query = Event.select().order_by(Event.held_on.desc(), Event.id.desc())
    if year is not None:
        query = query.where(Event.held_on.between(year.start, year.end))
    events = list(query)
    counts: dict[int, dict[str, Any]] = {e.id: {"invited": 0, "attended": 0, "leaders": []}
                                         for e in events}
    if events:
        rows = (EventAttendance.select(EventAttendance.event, EventAttendance.invited,
                                       EventAttendance.attended, EventAttendance.led, Person)
                .join(Person, on=(EventAttendance.person == Person.id))
                .where(EventAttendance.event.in_(list(counts)))
                .order_by(Person.last_name_key))
        for row in rows:
            c = counts[row.event_id]
            c["invited"] += int(bool(row.invited))
            c["attended"] += int(bool(row.attended))
            if row.led:
                c["leaders"].append(row.person.full_name)
    return [{"id": e.id, "title": e.title, "kind": e.kind, "held_on": e.held_on,
             "location": e.location, "invited": counts[e.id]["invited"],
             "attended": counts[e.id]["attended"], "leaders": ", ".join(counts[e.id]["leaders"])}
            for e in events]
