"""Collect returned confirmation forms: refuse what cannot be trusted, show each school's
differences, and apply the ones the user accepts.

Reading never writes: ``collect`` returns, per school, the changes the form reports (new head,
someone left, email changed, hosting appetite...) and, per refused file, the reason. ``apply``
then makes the accepted changes through the services in one transaction per school (all or
nothing), records the school's hosting appetite for the year and marks the school confirmed.
"""

from __future__ import annotations

import json
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
    FORM_SHEET,
    FORMAT,
    HEADINGS,
    HOSTING_QUESTIONS,
    ID_SHEET,
    LAYOUT,
    NEW_COLUMNS,
    NEW_IN_POST_ROWS,
    SCHOOL_DETAILS,
    cell_text,
    digest,
    sign,
)
from .vocabulary import (
    HOSTING_APPETITES,
    NOT_HOSTING_REASONS,
    SINGLE_HOLDER_KINDS,
    STILL_CORRECT,
    YES_NO,
)

FORM_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


class FormRefused(RefusedError):
    """A returned file that cannot be trusted or read; nothing is taken from it."""


class NotFilledIn(FormRefused):
    """A genuine form with no answers yet (e.g. the blank copies in the folder forms went to)."""


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

    @property
    def applicable(self) -> list[Change]:
        return [c for c in self.changes if c.applicable]


@dataclass
class Refusal:
    path: Path
    reason: str
    blank: bool = False  # a genuine form, just not filled in: worth a count, not a warning


@dataclass
class Collection:
    round_id: int
    returns: list[SchoolReturn] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    cancelled: bool = False


# -- finding and reading files -----------------------------------------------------------------

def expand(paths: Iterable[Path | str]) -> tuple[list[Path], list[Refusal]]:
    """Files given, and every spreadsheet in folders given (not Excel's ``~$`` lock files)."""
    files: list[Path] = []
    missing: list[Refusal] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and p.suffix.lower() in FORM_SUFFIXES
                           and not p.name.startswith(("~$", ".")))
            if not found:
                missing.append(Refusal(path, "the folder holds no spreadsheets"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Refusal(path, "no such file or folder"))
    return list(dict.fromkeys(files)), missing


class _Grid:
    """A sheet's cells by 1-based (row, column), '' beyond the used area."""

    def __init__(self, rows: list[list[Any]]):
        self.rows = rows

    def get(self, row: int, col: int) -> Any:
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            value = self.rows[row - 1][col - 1]
            return "" if value is None else value
        return ""

    def text(self, row: int, col: int) -> str:
        return cell_text(self.get(row, col))

    def at(self, coordinate: str) -> Any:
        from openpyxl.utils.cell import coordinate_to_tuple

        row, col = coordinate_to_tuple(coordinate)
        return self.get(row, col)


@dataclass
class ReturnedForm:
    path: Path
    round: ConfirmationRound
    school: School
    ident: dict[str, str]
    sections: dict[str, list[int]]
    role_ids: list[int]
    offers: list[str]
    grid: _Grid


def read_form(path: Path, round_: ConfirmationRound) -> ReturnedForm:
    """Check a returned file is a genuine, unaltered form of ``round_``; raise FormRefused."""
    from python_calamine import CalamineWorkbook

    from ..spreadsheets import preflight

    try:  # a far cell or a zip bomb would exhaust the machine inside calamine
        preflight.check_workbook(path, preflight.TEMPLATE)
    except RefusedError as exc:
        raise FormRefused(str(exc).removeprefix(f"{Path(path).name} ")) from None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    except Exception:
        raise FormRefused("not a spreadsheet ITT Desk can read (is it a form we sent?)") from None
    if ID_SHEET not in names:
        raise FormRefused("not an ITT Desk leadership form: its hidden identifier is missing")
    if FORM_SHEET not in names:
        raise FormRefused(f"the layout was changed: the sheet '{FORM_SHEET}' is missing")
    try:
        id_rows = workbook.get_sheet_by_name(ID_SHEET).to_python(skip_empty_area=False)
        grid = _Grid(workbook.get_sheet_by_name(FORM_SHEET).to_python(skip_empty_area=False))
    except Exception:
        raise FormRefused("the file is damaged and cannot be read") from None
    ident = {cell_text(r[0]): cell_text(r[1]) for r in id_rows if len(r) >= 2 and r[0]}
    if ident.get("format") != FORMAT:
        raise FormRefused("not an ITT Desk leadership form: its identifier is broken")
    if ident.get("layout") != LAYOUT:
        raise FormRefused(f"made by another version of ITT Desk (layout {ident.get('layout')!r})")
    source = ConfirmationRound.get_or_none(ConfirmationRound.token == ident.get("token", ""))
    if source is None:
        year = ident.get("round") or "an unknown year"
        raise FormRefused(f"the form belongs to a {year} confirmation round that is not in this "
                          "database")
    expected = sign(source.secret, ident)
    if not _same(expected, ident.get("checksum", "")):
        raise FormRefused("its hidden identifier was changed (the checksum does not match): "
                          "it cannot be matched to a school safely")
    if source.id != round_.id:
        raise FormRefused(f"the form is from the {source.academic_year} round, not the "
                          f"{round_.academic_year} round being collected")
    urn = fields.urn(ident["urn"])
    school = School.get_or_none(School.urn == urn)
    if school is None:
        raise FormRefused(f"no school with URN {urn} is in this database")
    if rounds.entry_for(round_, school) is None:
        raise FormRefused(f"{school.name} (URN {urn}) is not part of the {round_.academic_year} "
                          "round")
    fixed = ident.get("fixed", "").split()
    if digest([cell_text(grid.at(c)) for c in fixed]) != ident.get("digest"):
        raise FormRefused("the layout was changed (rows or columns moved, or pre-filled cells "
                          "edited): please ask the school to fill in a fresh copy")
    if not _answered(grid, set(fixed)):
        raise NotFilledIn("not filled in yet: there are no answers in it")
    sections = json.loads(ident["sections"])
    role_ids = [int(x) for x in ident.get("roles", "").split(",") if x]
    offers = json.loads(ident.get("offers") or "[]")
    return ReturnedForm(path, round_, school, ident, sections, role_ids, offers, grid)


def _answered(grid: _Grid, fixed: set[str]) -> bool:
    """Any answer at all: every cell that is not pre-filled is an answer cell."""
    from openpyxl.utils.cell import get_column_letter

    for r, row in enumerate(grid.rows, start=1):
        for c, value in enumerate(row, start=1):
            if not fields.is_empty(value) and f"{get_column_letter(c)}{r}" not in fixed:
                return True
    return False


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


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
          today: date | None = None) -> Applied:
    """Make the accepted changes (default: all) and mark the school confirmed for the round.

    All or nothing for the school: if one change cannot be made (say the new email belongs to
    someone else) nothing is changed and the error names the change, so the user can reject it.
    """
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
                          f"{len(done)} change(s) accepted")
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


def apply_many(items: list[tuple[SchoolReturn, Iterable[str]]], *,
               progress: Callable[[int, int, str], None] | None = None,
               cancelled: Callable[[], bool] | None = None,
               today: date | None = None) -> list[Outcome]:
    """Apply several schools' accepted changes, each school all or nothing; one outcome each."""
    outcomes = []
    for i, (school_return, keys) in enumerate(items):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(i, len(items), school_return.name)
        try:
            applied = apply(school_return, keys, today=today)
        except IttDeskError as exc:
            outcomes.append(Outcome(school_return.name, False, str(exc)))
        else:
            outcomes.append(Outcome(school_return.name, True,
                                    f"{len(applied.done)} change(s) applied; confirmed"))
    if progress is not None:
        progress(len(items), len(items), "")
    return outcomes
