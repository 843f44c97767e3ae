"""Importing who came to an event from a sign-in sheet: one person per row, for the event the
user chose (``options["event"]``).

Rows are matched to people by email, else by first + last name (at the row's school when it
names one, else among everyone: a name two people share is refused, never guessed). People
are not created here: a sign-in sheet is too thin a record (import people first). A row ticks
"attended" unless its attended cell says no; "led" when the row says so. A person already on
the list is updated (attended/led ticked), never un-ticked by a blank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .. import fields as F
from ..errors import RefusedError
from ..models import Event, EventAttendance, Person, School
from ..services.events import attendance, school_at_the_time
from . import import_common as C
from .import_base import BAD, ImportField, ImportKind, Item, Record, Refusal

FIELDS = (
    ImportField("full_name", "Full name", ("Name", "Attendee", "Attendee name", "Delegate",
                                           "Delegate name", "Participant", "Your name"),
                parse=C.split_name),
    ImportField("first_name", "First name", ("Forename", "First names", "Given name", "First"),
                parse=lambda v: F.text(v, 100)),
    ImportField("last_name", "Last name", ("Surname", "Family name", "Last names"),
                parse=lambda v: F.text(v, 100)),
    ImportField("email", "Email", ("E-mail", "Email address", "E-mail address", "Work email"),
                parse=F.email),
    ImportField("school", "School", ("School name", "Setting", "Organisation", "School / URN",
                                     "URN", "School URN", "Establishment"),
                parse=lambda v: F.text(v, 200) if not isinstance(v, (int, float)) else str(int(v))),
    ImportField("attended", "Attended", ("Present", "Came", "Attendance", "Signed in"),
                parse=F.yes_no),
    ImportField("led", "Led it", ("Led", "Leader", "Presenter", "Facilitator", "Led session"),
                parse=F.yes_no),
)


class AttendanceImport(ImportKind):
    name = "attendance"
    label = "Event attendance (sign-in sheet)"
    service = attendance
    key_help = ("Choose the event first. Rows are matched to people by email, else by first "
                "and last name (at the row's school when it names one).")
    fields = FIELDS
    guessed = False  # a dropped file is never taken for a sign-in sheet: it needs its event

    def check_mapping(self, mapping: dict[int, str]) -> list[str]:
        names = set(mapping.values())
        if "email" not in names and "full_name" not in names and not {"first_name", "last_name"} <= names:
            return ["Map a column to Email, Full name, or both First name and Last name"]
        return []

    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        event = _event((options or {}).get("event"))
        rows: list[tuple[Record, dict[str, Any]]] = []
        for record in records:
            extras = self.extras(record, [f.name for f in FIELDS], columns, refused)
            if any(v is BAD for v in extras.values()):
                continue
            if extras["full_name"] and not (extras["first_name"] and extras["last_name"]):
                _title, extras["first_name"], extras["last_name"] = extras["full_name"]
            if not extras["email"] and not (extras["first_name"] and extras["last_name"]):
                refused.append(Refusal(record.row, "", "no email and no full name: who is this?"))
                continue
            rows.append((record, extras))
        by_email = C.people_by_email(x["email"] for _r, x in rows)
        schools = _schools(x["school"] for _r, x in rows)
        by_name_at = C.people_at_schools(s.id for s in schools.values() if s is not None)
        by_name = _people_by_name({C.name_key(x["first_name"], x["last_name"]) for _r, x in rows
                                   if not x["email"]})
        existing = {row.person_id: row for row in
                    EventAttendance.select().where(EventAttendance.event == event.id)}
        seen: dict[int, int] = {}
        items: list[Item] = []
        for record, x in rows:
            school = None
            if x["school"]:
                school = schools.get(x["school"].casefold())
                if school is None:
                    refused.append(Refusal(record.row, columns.get("school", ""),
                                           f"there is no school '{x['school']}' (give its URN or "
                                           "its name as ITT Desk has it)"))
                    continue
            person = by_email.get(x["email"]) if x["email"] else None
            key = C.name_key(x["first_name"], x["last_name"])
            if person is None and x["first_name"] and x["last_name"]:
                if school is not None:
                    person = by_name_at.get((school.id, key))
                if person is None:
                    same = by_name.get(key, [])
                    if len(same) > 1:
                        refused.append(Refusal(record.row, columns.get("last_name") or columns.get(
                            "full_name", ""), f"{len(same)} people are called {x['first_name']} "
                            f"{x['last_name']}: give their email or school"))
                        continue
                    person = same[0] if same else None
            if person is None or person.erased:
                who = x["email"] or f"{x['first_name']} {x['last_name']}"
                column = columns.get("email") if x["email"] else (
                    columns.get("last_name") or columns.get("full_name", ""))
                refused.append(Refusal(record.row, column or "",
                                       f"no person {who} in ITT Desk: import people first"))
                continue
            if person.id in seen:
                refused.append(Refusal(record.row, "", f"{person.full_name} is also on row "
                                                       f"{seen[person.id]}: keep one"))
                continue
            seen[person.id] = record.row
            attended = True if x["attended"] is None else x["attended"]
            led = bool(x["led"])
            attended = attended or led
            items.append(_item(record, event, person, school, attended, led,
                               existing.get(person.id)))
        return items

    def write(self, items: list[Item], run_id: int, tick: Callable[[int], None]) -> None:
        new = [i for i in items if "row" in i.payload]
        attendance.create_many([i.payload["row"] for i in new],
                               person_ids=[i.payload["person_id"] for i in new],
                               import_run=run_id, tick=tick)
        changed = [i for i in items if "changes" in i.payload]
        attendance.update_many(((i.payload["id"], i.payload["changes"], i.payload["person_id"])
                                for i in changed), import_run=run_id, tick=tick)


def _event(value: Any) -> Event:
    if value in (None, ""):
        raise RefusedError("Choose the event the sign-in sheet is for (--event ID)")
    try:
        event = Event.get_or_none(Event.id == int(value))
    except (TypeError, ValueError):
        event = None
    if event is None:
        raise RefusedError(f"There is no event #{value} (ittdesk events list shows them)")
    return event


def _schools(values: Iterable[str | None]) -> dict[str, School | None]:
    """What the rows typed -> school: a URN, or a name as stored (any case)."""
    wanted = {v for v in values if v}
    found: dict[str, School | None] = {}
    urns = {int(v) for v in wanted if v.isdigit()}
    by_urn = {s.urn: s for s in School.select().where(School.urn.in_(list(urns) or [0]))}
    names = {v.casefold() for v in wanted if not v.isdigit()}
    by_name: dict[str, list[School]] = defaultdict(list)
    if names:
        for s in School.select():
            if s.name.casefold() in names:
                by_name[s.name.casefold()].append(s)
    for v in wanted:
        if v.isdigit():
            found[v.casefold()] = by_urn.get(int(v))
        else:
            same = by_name.get(v.casefold(), [])
            found[v.casefold()] = same[0] if len(same) == 1 else None
    return found


def _people_by_name(keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[Person]]:
    found: dict[tuple[str, str], list[Person]] = defaultdict(list)
    if not keys:
        return found
    lasts = sorted({last for _f, last in keys})
    for part in C.chunks(lasts):
        from peewee import fn

        for person in Person.select().where(fn.LOWER(Person.last_name).in_(part)
                                            & (Person.erased == False)):  # noqa: E712
            key = C.name_key(person.first_name, person.last_name)
            if key in keys:
                found[key].append(person)
    return found


def _item(record: Record, event: Event, person: Person, school: School | None, attended: bool,
          led: bool, row: EventAttendance | None) -> Item:
    label = f"{person.full_name} at {event.title}"
    key = person.email or f"person #{person.id}"
    if row is None:
        values = {"event": event.id, "person": person.id,
                  "school": school.id if school else school_at_the_time(person.id),
                  "invited": True, "attended": attended, "led": led}
        changes: dict[str, tuple[Any, Any]] = {"Attended": (None, "yes" if attended else "no")}
        if led:
            changes["Led it"] = (None, "yes")
        if school is not None:
            changes["School"] = (None, school.name)
        return Item(record.row, "add", key, label, changes,
                    {"row": values, "person_id": person.id})
    diff: dict[str, tuple[Any, Any]] = {}
    if attended and not row.attended:
        diff["attended"] = (False, True)
    if led and not row.led:
        diff["led"] = (False, True)
    if school is not None and row.school_id != school.id:
        diff["school"] = (row.school_id, school.id)
    changes = {
        attendance.field(k).label: ("no", "yes") if k != "school"
        else (v[0], school.name if school is not None else None)  # "school": never None
        for k, v in diff.items()}
    payload: dict[str, Any] = {"person_id": person.id}
    if diff:
        payload.update({"id": row.id, "changes": diff})
    return Item(record.row, "update" if diff else "same", key, label, changes, payload)
