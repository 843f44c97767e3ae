"""Collect returned confirmation forms: show each school's differences, and apply the ones the
user accepts.

Reading and verifying a file is ``returned`` (its names are re-exported here). Reading never
writes: ``collect`` returns, per school, the changes the form reports (new head, someone left,
email changed, hosting appetite...) and, per refused file, the reason. A form whose pre-filled
cells were typed over is *held*: its answers are shown with the edited cells named, and taken
only when the user says so (``apply(..., take_edited=True)``, audited). ``apply`` makes the
accepted changes through the services in one transaction per school (all or nothing), records
the school's hosting appetite for the year and marks the school confirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import audit, clock, fields, holders
from ..choices import ROLE_KINDS
from ..errors import IttDeskError, RefusedError, ValidationError
from ..models import ConfirmationRound, Person, Role, RoundSchool, School, database
from ..services.people import people, roles
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
    current = {}
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


# -- collecting a batch ------------------------------------------------------------------------

def collect(paths: Iterable[Path | str], round_: ConfirmationRound, *,
            progress: Callable[[int, int, str], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> Collection:
    """Read every file: a return per school, a refusal (with its reason) per other file."""
    files, refused = expand(paths)
    result = Collection(round_.id, refused=refused)
    seen: dict[int, SchoolReturn] = {}
    in_round = [e.school for e in rounds.entries(round_)]  # for names in file names
    # Newest first, so when a school sent two forms the later one is the one shown.
    files.sort(key=lambda p: (-p.stat().st_mtime, p.name))
    for i, path in enumerate(files):
        if cancelled is not None and cancelled():
            result.cancelled = True
            break
        if progress is not None:
            progress(i, len(files), path.name)
        try:
            form = read_form(path, round_)
            if form.school.id in seen:
                raise FormRefused(f"a newer form for {form.school.name} is in the same batch "
                                  f"({seen[form.school.id].path.name})")
            school_return = differences(form)
            warning = name_mismatch(path, form.school, in_round)
            if warning:
                school_return.warnings.append(warning)
        except NotFilledIn as exc:
            result.refused.append(Refusal(path, str(exc), blank=True))
            continue
        except IttDeskError as exc:
            result.refused.append(Refusal(path, str(exc)))
            continue
        seen[form.school.id] = school_return
        result.returns.append(school_return)
    if progress is not None:
        progress(len(files), len(files), "")
    result.returns.sort(key=lambda r: r.name)
    return result


# -- applying ----------------------------------------------------------------------------------

@dataclass
class Applied:
    school: str
    done: list[str]


def apply(school_return: SchoolReturn, accepted: Iterable[str] | None = None, *,
          today: date | None = None, take_edited: bool = False) -> Applied:
    """Make the accepted changes (default: all) and mark the school confirmed for the round.

    All or nothing for the school: if one change cannot be made (say the new email belongs to
    someone else) nothing is changed and the error names the change, so the user can reject it.
    A held form (pre-filled cells edited) is refused unless ``take_edited``: the user was
    warned and chose to take its answers; the audit entry names the edited cells.
    """
    if school_return.held and not take_edited:
        raise RefusedError(f"Nothing applied for {school_return.name}: "
                           f"{school_return.held_reason}. Take its answers explicitly if they "
                           "are right")
    today = today or clock.today()
    keys = None if accepted is None else set(accepted)
    chosen = [c for c in school_return.applicable if keys is None or c.key in keys]
    order = {"school_detail": 0, "email": 1, "left": 2, "new": 3, "appetite": 4}
    chosen.sort(key=lambda c: order.get(c.kind, 9))
    entry = RoundSchool.get_or_none((RoundSchool.round == school_return.round_id)
                                    & (RoundSchool.school == school_return.school_id))
    if entry is None:
        raise RefusedError(f"{school_return.name} is no longer part of this round")
    done: list[str] = []
    with database.atomic():
        for change in chosen:
            try:
                _apply_change(change, school_return, today)
            except ValidationError as exc:
                reason = "; ".join(exc.errors.values())
                raise RefusedError(f"Nothing applied for {school_return.name}: "
                                   f"{change.title.lower()} ({change.detail}) failed: {reason}") from exc
            except RefusedError as exc:
                raise RefusedError(f"Nothing applied for {school_return.name}: "
                                   f"{change.title.lower()} failed: {exc}") from exc
            done.append(f"{change.title}: {change.detail}")
        old = {"returned_on": entry.returned_on, "confirmed_on": entry.confirmed_on,
               "completed_by": entry.completed_by}
        entry.returned_on = entry.returned_on or today
        entry.confirmed_on = today
        entry.returned_file = school_return.path.name[:500]
        entry.completed_by = (school_return.completed_by or "")[:300] or None
        entry.save()
        audit.record("round_school", entry.id, "update",
                     {k: [v, getattr(entry, k)] for k, v in old.items() if v != getattr(entry, k)},
                     note=f"confirmation form {school_return.path.name}: "
                          f"{len(done)} change(s) accepted"
                          + (f"; taken although refused, {school_return.held_reason}"
                             if school_return.held else ""))
        schools.update(school_return.school_id, {"leadership_confirmed_on": today})
    return Applied(school_return.name, done)


def _apply_change(change: Change, ret: SchoolReturn, today: date) -> None:
    data = change.data
    if change.kind == "school_detail":
        schools.update(ret.school_id, {data["field"]: data["value"]})
    elif change.kind == "email":
        people.update(data["person_id"], {"email": data["email"]})
    elif change.kind == "left":
        role = Role.get_or_none(Role.id == data["role_id"])
        if role is not None and role.end_date is None:
            roles.end(role.id, data["on"])
    elif change.kind == "new":
        person_id = data["person_id"]
        if person_id is None:
            person_id = people.create({"title": data["title"], "first_name": data["first_name"],
                                       "last_name": data["last_name"],
                                       "email": data["email"]}).id
        kind, start = data["kind"], data["start"]
        if kind in SINGLE_HOLDER_KINDS:
            roles.change_holder(ret.school_id, kind, person_id, start)
        else:
            roles.create({"person": person_id, "school": ret.school_id, "kind": kind,
                          "start_date": start})
    elif change.kind == "appetite":
        round_ = ConfirmationRound.get_by_id(ret.round_id)
        appetites.record(ret.school_id, round_.academic_year, data["values"], data["offers"],
                         on=today, source=f"confirmation form {ret.path.name}"[:200])


@dataclass
class Outcome:
    school: str
    ok: bool
    message: str
    school_id: int | None = None


def apply_many(items: list[tuple[SchoolReturn, Iterable[str]]], *,
               progress: Callable[[int, int, str], None] | None = None,
               cancelled: Callable[[], bool] | None = None,
               today: date | None = None, taken: Iterable[int] = ()) -> list[Outcome]:
    """Apply several schools' accepted changes, each school all or nothing; one outcome each.
    ``taken``: ids of schools whose held forms the user chose to take (``apply``)."""
    taken = set(taken)
    outcomes = []
    for i, (school_return, keys) in enumerate(items):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(i, len(items), school_return.name)
        try:
            applied = apply(school_return, keys, today=today,
                            take_edited=school_return.school_id in taken)
        except IttDeskError as exc:
            outcomes.append(Outcome(school_return.name, False, str(exc), school_return.school_id))
        else:
            outcomes.append(Outcome(school_return.name, True,
                                    f"{len(applied.done)} change(s) applied; confirmed",
                                    school_return.school_id))
    if progress is not None:
        progress(len(items), len(items), "")
    return outcomes
