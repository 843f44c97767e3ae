"""Events the partnership runs — working group meetings, training sessions, webinars, induction
events, conferences — and who was invited, who came and who led them.

Issue 20: the answer to fragile school leadership is a strategic working group of placement
school leaders and new leaders "leading training sessions"; nothing recorded either. An
attendance row links a person to an event with three ticks (invited, attended, led) and,
optionally, the school they came from *at the time* (people move; the school's engagement
must not move with them).
"""

from __future__ import annotations

from peewee import BooleanField, CharField, DateField, Field, ForeignKeyField, TextField

from ..choices import EVENT_KINDS
from .base import Versioned, choice_field
from .schools import Person, School


class Event(Versioned):
    title = CharField(max_length=200)
    kind = choice_field(EVENT_KINDS, "kind", index=True)
    held_on = DateField(index=True)
    location = CharField(max_length=200, null=True)
    notes = TextField(null=True)


class EventAttendance(Versioned):
    """One person at one event: invited, came, led (any combination)."""

    event = ForeignKeyField(Event, backref="attendance", on_delete="CASCADE")
    event_id: Field[int]
    person = ForeignKeyField(Person, backref="event_attendance", on_delete="RESTRICT")
    person_id: Field[int]
    school = ForeignKeyField(School, null=True, backref="event_attendance", on_delete="RESTRICT")
    school_id: Field[int | None]
    invited = BooleanField(default=True)
    attended = BooleanField(default=False)
    led = BooleanField(default=False)

    class Meta:
        indexes = ((("event", "person"), True),)
