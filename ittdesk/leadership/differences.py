"""What a returned confirmation form says has changed at its school: ``differences(form)``
gives the school's ``SchoolReturn``, one ``Change`` per difference (school details, a person's
email, someone left, someone new in post, the hosting appetite, a note), each with a stable
key the user accepts it by; ``Collection`` is a batch of them (``collect.collect``). Reading
only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import clock, fields, holders
from ..choices import ROLE_KINDS
from ..models import Person, Role, School
from ..services.schools import schools
from . import rounds
from .appetite import appetites, describe_appetite, parse_offers
from .forms import (
    COMPLETED_QUESTIONS,
    HEADINGS,
    HOSTING_QUESTIONS,
    NEW_COLUMNS,
    NEW_IN_POST_ROWS,
    SCHOOL_DETAILS,
    cell_text,
)
from .returned import (  # noqa: F401 - re-exported: callers have always found them here
    FORM_SUFFIXES,
    EditedCell,
    FormRefused,
    NotFilledIn,
    Refusal,
    ReturnedForm,
    _Grid,
    expand,
    name_mismatch,
    read_form,
)
from .vocabulary import (
    HOSTING_APPETITES,
    NOT_HOSTING_REASONS,
    SINGLE_HOLDER_KINDS,
    STILL_CORRECT,
    YES_NO,
)


@dataclass
class Change:
    """One difference a school reported; ``key`` is stable, so the user can accept by key."""

    key: str
    kind: str  # school_detail, email, left, new, appetite, note
    title: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)
    applicable: bool = True


@dataclass
class SchoolReturn:
    path: Path
    round_id: int
    school_id: int
    urn: int
    name: str
    changes: list[Change] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)  # people confirmed as they are
    problems: list[str] = field(default_factory=list)  # answers that could not be used
    completed_by: str | None = None
    completed_on: date | None = None
    already_confirmed_on: date | None = None  # a second form from a school already confirmed
    #: pre-filled cells the school typed over: the form is held (refused unless taken)
    edited: list[EditedCell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. the file name names another school

    @property
    def applicable(self) -> list[Change]:
        return [c for c in self.changes if c.applicable]

    @property
    def held(self) -> bool:
        return bool(self.edited)

    @property
    def held_reason(self) -> str:
        """Why the form was refused, naming each edited cell (the school's news is there)."""
        return ("pre-filled cells were edited, so the form was refused: "
                + "; ".join(str(e) for e in self.edited))


@dataclass
class Collection:
    round_id: int
    returns: list[SchoolReturn] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    cancelled: bool = False

    @property
    def held(self) -> list[SchoolReturn]:
        """Refused forms whose answers can still be taken (see ``SchoolReturn.edited``)."""
        return [r for r in self.returns if r.held]


# -- differences -------------------------------------------------------------------------------

def differences(form: ReturnedForm) -> SchoolReturn:
    """What the school's answers change, compared with what is held now."""
    school, grid, sec = form.school, form.grid, form.sections
    result = SchoolReturn(form.path, form.round.id, school.id, school.urn, school.name)
    _completed(form, result)
    _school_details(school, grid, sec["school"], result)
    _people(form, result)
    _new_in_post(form, result)
    _hosting(form, result)
    result.edited = list(form.edited)
    for edit in form.edited:  # often the school's real news (a new head typed over the old)
        result.changes.append(Change(f"edited:{edit.cell}", "note", "Pre-filled cell edited",
                                     str(edit), applicable=False))
    entry = rounds.entry_for(form.round, school)
    if entry is not None:
        result.already_confirmed_on = entry.confirmed_on
    return result


def _completed(form: ReturnedForm, result: SchoolReturn) -> None:
    start = form.sections["completed"][0]
    answers = {key: form.grid.get(start + i, 2) for i, (key, _q) in enumerate(COMPLETED_QUESTIONS, 1)}
    name, role = fields.text(answers["name"]), fields.text(answers["role"])
    result.completed_by = ", ".join(p for p in (name, role) if p) or None
    try:
        result.completed_on = fields.day(answers["date"])
    except ValueError as exc:
        result.problems.append(f"Date completed: {exc}")


def _school_details(school: School, grid: _Grid, section: list[int], result: SchoolReturn) -> None:
    heading, count = section
    for i, (label, name) in enumerate(SCHOOL_DETAILS[:count], start=1):
        row = heading + i
        answer, correction = grid.get(row, 3), grid.get(row, 4)
        verdict = YES_NO.parse(answer) if not fields.is_empty(answer) else None
        if verdict is None and not fields.is_empty(answer):
            result.problems.append(f"{label}: '{cell_text(answer)}' is not Yes or No")
            continue
        if verdict == "yes" or (verdict is None and fields.is_empty(correction)):
            continue
        if fields.is_empty(correction):
            result.problems.append(f"{label}: marked not correct, but no correction was given")
            continue
        try:
            value = schools.field(name).parse(correction)
        except ValueError as exc:
            result.problems.append(f"{label}: {exc}")
            continue
        old = getattr(school, name)
        if value == old:
            continue
        result.changes.append(Change(
            f"school:{name}", "school_detail", f"{label} changed",
            f"{label}: {old or '(none)'} -> {value}", {"field": name, "value": value}))


def _people(form: ReturnedForm, result: SchoolReturn) -> None:
    heading, count = form.sections["roles"]
    role_map = {r.id: r for r in Role.select(Role, Person).join(Person)
                .where(Role.id.in_(form.role_ids or [0]))}
    default_day = result.completed_on or clock.today()
    for i, role_id in enumerate(form.role_ids[:count], start=1):
        row = heading + i
        role = role_map.get(role_id)
        label = form.grid.text(row, 1)
        shown = f"{form.grid.text(row, 2)} ({label})"
        answer, correction = form.grid.get(row, 4), form.grid.get(row, 5)
        if fields.is_empty(answer) and fields.is_empty(correction):
            continue
        verdict = STILL_CORRECT.parse(answer) if not fields.is_empty(answer) else "changed"
        if verdict is None:
            result.problems.append(f"{shown}: '{cell_text(answer)}' is not one of the answers")
            continue
        if role is None:
            result.problems.append(f"{shown}: this role has since been deleted here; "
                                   "check by hand")
            continue
        who = f"{role.person.full_name} ({ROLE_KINDS.label(role.kind)})"
        if verdict == "yes":
            result.confirmed.append(who)
            continue
        if role.end_date is not None:
            result.problems.append(f"{who}: already recorded as having left on "
                                   f"{fields.format_date(role.end_date)}")
            continue
        if verdict == "left":
            try:
                left_on = fields.day(correction) or default_day
            except ValueError:
                left_on = default_day
                if not fields.is_empty(correction):
                    result.changes.append(Change(f"role:{role.id}:note", "note",
                                                 "Comment to check by hand",
                                                 f"{who}: {cell_text(correction)}", applicable=False))
            if role.start_date and left_on < role.start_date:
                result.problems.append(f"{who}: left on {fields.format_date(left_on)}, before "
                                       f"they started ({fields.format_date(role.start_date)})")
                continue
            result.changes.append(Change(
                f"role:{role.id}:left", "left", f"{ROLE_KINDS.label(role.kind)} has left",
                f"{who} left on {fields.format_date(left_on)}",
                {"role_id": role.id, "on": left_on}))
            continue
        # Details changed: an email we can apply; anything else is for a person to read.
        try:
            new_email = fields.email(correction)
        except ValueError:
            new_email = None
        if new_email is None:
            text = cell_text(correction) or "(no correction given)"
            result.changes.append(Change(f"role:{role.id}:note", "note",
                                         "Correction to check by hand", f"{who}: {text}",
                                         applicable=False))
            continue
        if new_email == role.person.email:
            result.confirmed.append(who)
            continue
        result.changes.append(Change(
            f"person:{role.person.id}:email", "email", "Email changed",
            f"{who}: {role.person.email or '(none)'} -> {new_email}",
            {"person_id": role.person.id, "email": new_email}))


def _new_in_post(form: ReturnedForm, result: SchoolReturn) -> None:
    heading, count = form.sections["new"]
    current: dict[str | None, list[Role]] = {}
    for role in (Role.select(Role, Person).join(Person)
                 .where((Role.school == form.school) & holders.held())):
        current.setdefault(role.kind, []).append(role)
    for i in range(1, min(count, NEW_IN_POST_ROWS) + 1):
        row = heading + i
        cells = [form.grid.get(row, c) for c in range(1, 7)]
        if all(fields.is_empty(c) for c in cells):
            continue
        where = f"New in post, row {i}"
        problems = []
        role_cell = cells[NEW_COLUMNS.index("role")]
        kind = ROLE_KINDS.parse(role_cell) if not fields.is_empty(role_cell) else None
        if kind is None:
            problems.append("the role is missing or not one of the list")
        values: dict[str, Any] = {}
        for key, parser in (("title", lambda v: fields.text(v, 20)),
                            ("first_name", lambda v: fields.text(v, 100)),
                            ("last_name", lambda v: fields.text(v, 100)),
                            ("email", fields.email), ("start", fields.day)):
            index = NEW_COLUMNS.index(key)
            try:
                values[key] = parser(cells[index])
            except ValueError as exc:
                problems.append(f"{HEADINGS['new'][index]} {exc}")
        if not values.get("first_name") or not values.get("last_name"):
            problems.append("first and last name are both needed")
        if problems:
            result.problems.append(f"{where}: " + "; ".join(problems))
            continue
        start = values["start"] or result.completed_on or clock.today()
        name = " ".join(p for p in (values.get("title"), values["first_name"],
                                    values["last_name"]) if p)
        existing = Person.get_or_none(Person.email == values["email"]) if values["email"] else None
        in_post = current.get(kind, [])
        if existing is not None and any(r.person_id == existing.id for r in in_post):
            result.confirmed.append(f"{existing.full_name} ({ROLE_KINDS.label(kind)})")
            continue
        detail = f"{name}" + (f" ({values['email']})" if values["email"] else "")
        detail += f" from {fields.format_date(start)}"
        if existing is not None:
            detail += f"; already on record as {existing.full_name} (#{existing.id})"
        replaces = [r.person.full_name for r in in_post] if kind in SINGLE_HOLDER_KINDS else []
        if replaces:
            detail += f", replacing {', '.join(replaces)}"
        result.changes.append(Change(
            f"new:{i}", "new", f"New {ROLE_KINDS.label(kind).lower()}", detail,
            {"kind": kind, "person_id": existing.id if existing else None,
             "title": values.get("title"), "first_name": values["first_name"],
             "last_name": values["last_name"], "email": values["email"], "start": start}))


def _hosting(form: ReturnedForm, result: SchoolReturn) -> None:
    start = form.sections["hosting"][0]
    raw = {key: form.grid.get(start + i, 2) for i, (key, _q) in enumerate(HOSTING_QUESTIONS, 1)}
    heading, count = form.sections["offers"]
    offers = []
    for i in range(1, count + 1):
        row = heading + i
        label = form.offers[i - 1] if i <= len(form.offers) else form.grid.get(row, 1)
        places = form.grid.get(row, 2)
        if fields.is_empty(places):
            continue
        if fields.is_empty(label):
            result.problems.append(f"Placements row {i}: a number without a phase or subject")
            continue
        offers.append((cell_text(label), places))
    clean_offers, offer_errors = parse_offers(offers)
    result.problems.extend(offer_errors.values())
    answered = any(not fields.is_empty(v) for v in raw.values()) or clean_offers
    if not answered:
        return
    data: dict[str, Any] = {}
    problems = []
    for key, vocabulary in (("appetite", HOSTING_APPETITES), ("reason", NOT_HOSTING_REASONS)):
        try:
            data[key] = fields.choice(vocabulary, raw[key])
        except ValueError as exc:
            problems.append(str(exc))
    data["reason_detail"] = fields.text(raw["reason_detail"])
    try:
        data["mentors_available"] = fields.integer(raw["mentors"])
    except ValueError as exc:
        problems.append(f"mentors: {exc}")
    if not problems and data.get("appetite") is None:
        problems.append("the question 'Would your school host trainee teachers?' is not answered")
    if problems:
        result.problems.append("Hosting: " + "; ".join(problems) + " (appetite not recorded)")
        return
    year = form.round.academic_year
    old = describe_appetite(appetites.for_year(form.school, year))
    summary = "; ".join(p for p in (
        HOSTING_APPETITES.label(data["appetite"]),
        f"because: {NOT_HOSTING_REASONS.label(data['reason'])}" if data["reason"] else "",
        data["reason_detail"] or "",
        "; ".join(f"{w}: {n}" for w, n in clean_offers),
        f"{data['mentors_available']} mentor(s) available"
        if data["mentors_available"] is not None else "") if p)
    if summary == old:
        return
    result.changes.append(Change(
        "appetite", "appetite", f"Hosting appetite {year}", f"{old} -> {summary}",
        {"values": data, "offers": clean_offers}))
