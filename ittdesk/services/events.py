"""Events and who was invited, came and led them (issue 20): fields declared once, then
validate -> write in one transaction -> audit, as every service.

An attendance row records the person's school *at the time*: given, or else the school of the
post they hold when they are added (people move; a school's engagement history must not).
Leading a session means being there, so ``led`` ticks ``attended`` too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from peewee import JOIN, ModelSelect

from .. import fields, holders
from ..choices import EVENT_KINDS, LEADERSHIP_KINDS
from ..errors import RefusedError
from ..models import AuditEntry, Event, EventAttendance, Person, Role, School
from ..models.base import writing
from .base import EntityService, Field


class EventService(EntityService[Event]):
    model = Event
    entity = "event"
    label = "Event"
    fields = (
        Field.text("title", "Title", 200, required=True),
        Field.choice("kind", "Kind", EVENT_KINDS, required=True),
        Field.date("held_on", "Date", required=True),
        Field.text("location", "Where", 200),
        Field.long_text("notes", "Notes"),
    )

    def describe(self, event: Event) -> str:
        return f"{event.title} ({fields.format_date(event.held_on)})"

    def delete(self, record_id: int, *, expected_version: int | None = None) -> AuditEntry:
        """The attendance list goes with the event, each row deleted (and audited) first, so
        the history says who was on it; the event's entry names those rows, so that
        ``undo_delete`` brings the list back with the event."""
        event = self.get(record_id)
        with writing():  # the write lock first, waiting its turn
            rows = [r.id for r in EventAttendance.select(EventAttendance.id)
                    .where(EventAttendance.event == event).order_by(EventAttendance.id)]
            for row_id in rows:
                attendance.delete(row_id)
            return self._delete(record_id, expected_version=expected_version,
                                kept={"attendance": rows} if rows else None)

    def undo_delete(self, entry: AuditEntry) -> Event:
        """The event back with the attendance list deleted with it (an undo of the event alone
        brought back an empty list: who came was lost). An entry made before the rows were
        named brings back the event only, as before."""
        kept = (json.loads(entry.changes or "{}").get("attendance") or [None])[0]
        if isinstance(kept, str):  # the audit trail keeps a list as its text
            kept = json.loads(kept)
        with writing():  # the write lock first, waiting its turn
            event = super().undo_delete(entry)
            # each row's delete made with the event's: its last one before the event's entry
            latest: dict[int | None, AuditEntry] = {}
            for row_entry in (AuditEntry.select()
                              .where((AuditEntry.entity == attendance.entity)
                                     & AuditEntry.entity_id.in_([int(i) for i in kept or []] or [0])
                                     & (AuditEntry.action == "delete") & (AuditEntry.id < entry.id))
                              .order_by(AuditEntry.id)):
                latest[row_entry.entity_id] = row_entry
            for row_entry in latest.values():
                attendance.undo_delete(row_entry)
        return event


def school_at_the_time(person_id: int) -> int | None:
    """The school of the post the person holds today: a leadership post first, then any."""
    query = (Role.select(Role.school, Role.kind)
             .where((Role.person == person_id) & holders.held())
             .order_by(Role.start_date.desc(nulls="LAST"), Role.id.desc()).tuples())
    found = list(cast("Iterable[tuple[int, str]]", query))
    for school_id, kind in found:
        if kind in LEADERSHIP_KINDS:
            return school_id
    return found[0][0] if found else None


class AttendanceService(EntityService[EventAttendance]):
    model = EventAttendance
    entity = "event_attendance"
    label = "Attendance"
    fields = (
        Field.ref("event", "Event", Event, "event", required=True),
        Field.ref("person", "Person", Person, "person", required=True),
        Field.ref("school", "School", School, "school"),
        Field.yes_no("invited", "Invited", default=True),
        Field.yes_no("attended", "Attended"),
        Field.yes_no("led", "Led it"),
    )

    def prepare(self, data: dict[str, Any], instance: EventAttendance | None = None) -> dict[str, Any]:
        values = super().prepare(data, instance)
        if values.get("led"):
            values["attended"] = True
        if instance is None:
            if values.get("school") is None and values.get("person") is not None:
                values["school"] = school_at_the_time(values["person"])
        return values

    def check(self, values: dict[str, Any], instance: EventAttendance | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        event, person = values.get("event"), values.get("person")
        if event is not None and person is not None:
            query = EventAttendance.select().where((EventAttendance.event == event)
                                                   & (EventAttendance.person == person))
            if instance is not None:
                query = query.where(EventAttendance.id != instance.id)
            if query.exists():
                errors["person"] = "This person is already on the event's list"
            if instance is None or instance.person_id != person:
                erased = Person.select().where((Person.id == person) & Person.erased).exists()
                if erased:
                    errors["person"] = "This person's personal data was erased: they cannot be added"
        return errors

    def person_id(self, row: EventAttendance) -> int | None:
        return row.person_id

    def describe(self, row: EventAttendance) -> str:
        return f"attendance #{row.id}"

    def add_people(self, event_id: int, person_ids: Iterable[int], **flags: Any) -> list[EventAttendance]:
        """Put several people on an event's list at once (those already on it are left as
        they are), all or nothing."""
        wanted = list(dict.fromkeys(int(p) for p in person_ids))
        already = set(EventAttendance.select(EventAttendance.person)
                      .where(EventAttendance.event == event_id).scalars())
        added = []
        with writing():  # the write lock first, waiting its turn
            for pid in wanted:
                if pid not in already:
                    added.append(self.create({"event": event_id, "person": pid, **flags}))
        return added

    def set_flags(self, row_id: int, *, expected_version: int | None = None,
                  **flags: bool) -> EventAttendance:
        """Tick or untick; ``expected_version`` (the list as the user saw it): the same tick
        changed by another user meanwhile is a ``ConflictError``, another tick merges."""
        unknown = set(flags) - {"invited", "attended", "led"}
        if unknown:
            raise RefusedError(f"Unknown attendance tick(s): {', '.join(sorted(unknown))}")
        return self.update(row_id, flags, expected_version=expected_version)


def attendance_of(event: Event | int) -> ModelSelect[EventAttendance]:
    """The event's list with each person and school, by name."""
    return (EventAttendance.select(EventAttendance, Person, School)
            .join(Person, on=(EventAttendance.person == Person.id))
            .switch(EventAttendance)
            .join(School, on=(EventAttendance.school == School.id), join_type=JOIN.LEFT_OUTER)
            .where(EventAttendance.event == event)
            .order_by(Person.last_name_key, Person.first_name_key, EventAttendance.id))


def events_of(person: Person | int) -> ModelSelect[EventAttendance]:
    """The events a person was on the list of, newest first (their development record)."""
    return (EventAttendance.select(EventAttendance, Event)
            .join(Event, on=(EventAttendance.event == Event.id))
            .where(EventAttendance.person == person)
            .order_by(Event.held_on.desc(), Event.id.desc()))


def part(row: EventAttendance) -> str:
    """What the person did at the event, in a word or two."""
    return "led it" if row.led else "came" if row.attended else "invited"


events = EventService()
attendance = AttendanceService()
