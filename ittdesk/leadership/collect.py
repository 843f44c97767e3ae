"""Collect returned confirmation forms: show each school's differences, and apply the ones the
user accepts.

Reading and verifying a file is ``returned`` (its names are re-exported here); what a form
says has changed is ``differences``. Reading never writes: ``collect`` returns, per school, the changes the form reports (new head, someone left,
email changed, hosting appetite...) and, per refused file, the reason. A form whose pre-filled
cells were typed over is *held*: its answers are shown with the edited cells named, and taken
only when the user says so (``apply(..., take_edited=True)``, audited). ``apply`` makes the
accepted changes through the services in one transaction per school (all or nothing), records
the school's hosting appetite for the year and marks the school confirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import audit, clock
from ..errors import IttDeskError, RefusedError, ValidationError
from ..models import ConfirmationRound, Role, RoundSchool
from ..models.base import writing
from ..services.people import people, roles
from ..services.schools import schools
from . import rounds
from .appetite import appetites
from .differences import Change, Collection, SchoolReturn, differences
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
from .vocabulary import SINGLE_HOLDER_KINDS

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
    with writing():
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
