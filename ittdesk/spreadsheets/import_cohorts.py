"""Which cohort an enrolment row belongs to, and the programmes and cohorts an import creates.

A trainee's cohort is the programme for its route (or the row's Programme cell) plus the
academic year its ITT start date falls in (or the row's Academic year). DfE's Register writes
the route as a HESA code, which the row's parser has already put into words
(:mod:`.codes`). When the programme, or its cohort for that year, does not exist yet, the row
names what it needs; with the import option ``create_cohorts`` (the wizard's "Create the
programmes and cohorts listed", the CLI's ``--create-cohorts``) the import creates them in its
own transaction, otherwise the row is refused saying so. Nothing is ever put into another
year's cohort because it is the only one.

A course longer than its cohort (a two-year part-time course) keeps its placements inside
the cohort's dates: the cohort's end date is moved to the latest ITT end date of its trainees,
shown in the preview and audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import fields as F
from ..academic_year import AcademicYear
from ..models import Cohort, Programme
from ..services.programmes import cohorts, programmes
from .heading_match import normalise

CREATE_HINT = ("tick 'Create the programmes and cohorts listed' in the preview, or use "
               "--create-cohorts")


@dataclass(eq=False)
class NewCohort:
    """A cohort (and perhaps its programme) the import will create; ``id`` is negative until
    it is written, so rows can key on it like a stored cohort."""

    id: int
    programme: Programme | None  # None: the programme is new too
    programme_name: str
    academic_year: AcademicYear
    end_date: date
    rows: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.academic_year)

    @property
    def label(self) -> str:
        return f"{self.programme_name} {self.name} (new)"

    def what(self) -> str:
        """What creating it adds, in words for the preview."""
        if self.programme is None:
            return f"the programme '{self.programme_name}' and its {self.academic_year} cohort"
        return f"the {self.academic_year} cohort of '{self.programme_name}'"


def cohort_label(cohort: Cohort | NewCohort) -> str:
    """How the preview names a cohort (worked out once per cohort object: rows share them)."""
    if isinstance(cohort, NewCohort):
        return cohort.label
    label = cohort.__dict__.get("_import_label")
    if label is None:
        label = cohort.__dict__["_import_label"] = (
            f"{cohort.programme.name} {cohort.name} ({cohort.academic_year})")
    return label


class CohortResolver:
    """Rows' cohorts, each combination of programme, cohort name and year worked out once."""

    def __init__(self, cohort_id: int | None, create: bool = False):
        self.fixed: Cohort | None = None
        self.create = create
        self.cohorts = list(Cohort.select(Cohort, Programme).join(Programme))
        self.programmes = {normalise(p.name): p for p in Programme.select()}
        # cohort id -> the normalised programme name, cohort name and "programme cohort"
        self._names = {c.id: (normalise(c.programme.name), normalise(c.name),
                              normalise(f"{c.programme.name} {c.name}")) for c in self.cohorts}
        # (programme, cohort name, year) as the row gives them -> (cohort, why none)
        self._resolved: dict[tuple[Any, Any, AcademicYear | None],
                             tuple[Cohort | NewCohort | None, str]] = {}
        self.new: dict[tuple[str, AcademicYear], NewCohort] = {}
        self.extended: dict[int, tuple[Cohort, date]] = {}  # cohort id -> (cohort, new end)
        if cohort_id is not None:
            self.fixed = next((c for c in self.cohorts if c.id == int(cohort_id)), None)
            if self.fixed is None:
                from ..errors import RefusedError

                raise RefusedError(f"There is no cohort #{cohort_id}")

    def resolve(self, extras: dict[str, Any], row: int) -> tuple[Cohort | NewCohort | None, str]:
        if self.fixed is not None:
            return self.fixed, ""
        year = extras.get("academic_year") or (
            AcademicYear.for_date(extras["start_date"]) if extras.get("start_date") else None)
        key = (extras.get("programme"), extras.get("cohort"), year)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(key[0], key[1], year)
        if isinstance(found[0], NewCohort):
            found[0].rows.append(row)
        return found

    def course_ends(self, cohort: Cohort | NewCohort, end: date | None) -> str | None:
        """A trainee's ITT end date past the cohort's end moves the cohort's end (placements
        must fall within it); returns the warning for the row, or None."""
        if end is None:
            return None
        if isinstance(cohort, NewCohort):
            cohort.end_date = max(cohort.end_date, end)
            return None
        current = cohort.end_date or cohort.academic_year.end
        if end <= current:
            return None
        known = self.extended.get(cohort.id)
        self.extended[cohort.id] = (cohort, max(end, known[1]) if known else end)
        return (f"the cohort {cohort_label(cohort)} ends on {F.format_date(current)}: its end "
                "date moves to the latest ITT end date of its trainees")

    def _new(self, programme: Programme | None, name: str, year: AcademicYear
             ) -> tuple[NewCohort | None, str]:
        pending = self.new.get((normalise(name), year))
        if pending is None:
            pending = NewCohort(-(len(self.new) + 1), programme, name, year, year.end)
        if not self.create:
            return None, f"there is no {pending.what()[4:]} yet: {CREATE_HINT}"
        self.new[(normalise(name), year)] = pending
        return pending, ""

    def _resolve(self, programme: Any, cohort_name: Any, year: AcademicYear | None
                 ) -> tuple[Cohort | NewCohort | None, str]:
        candidates = self.cohorts
        chosen = None
        if programme:
            chosen = self.programmes.get(normalise(programme))
            if chosen is None:
                if year is not None and not cohort_name:
                    return self._new(None, str(programme), year)
                return None, f"there is no programme called '{programme}'"
            candidates = [c for c in candidates if c.programme_id == chosen.id]
        if not candidates and chosen is None:
            return None, ("there are no cohorts yet: add a Programme (or Training route) column "
                          "and an ITT start date, or create the programme's cohort first")
        if cohort_name:
            wanted = normalise(cohort_name)
            named = [c for c in candidates if wanted in self._names[c.id][1:]]
            if not named:
                return None, f"there is no cohort called '{cohort_name}'"
            candidates = named
        if year is not None:
            candidates = [c for c in candidates if c.academic_year == year]
            if not candidates:
                if chosen is not None and not cohort_name:
                    return self._new(chosen, chosen.name, year)
                return None, f"there is no cohort in {year}: create it first"
        if len(candidates) > 1:
            itt = [c for c in candidates if c.programme.kind == "itt"]
            candidates = itt if len(itt) == 1 else candidates
        if len(candidates) == 1:
            return candidates[0], ""
        if not candidates:
            assert chosen is not None  # no programme chosen and no cohorts: refused above
            return None, f"'{chosen.name}' has no cohorts yet: add an ITT start date column"
        names = ", ".join(f"{c.programme.name} {c.name} ({c.academic_year})" for c in candidates[:4])
        return None, (f"it is not clear which cohort ({names}{'…' if len(candidates) > 4 else ''}): "
                      "add a Cohort or Programme column, or choose the cohort")


def write_new_cohorts(items: list[Any], run_id: int) -> None:
    """Create the programmes and cohorts the items' rows need, then give the rows their ids;
    move the end dates the plan moved. Audited with the import run."""
    created: dict[int, int] = {}
    programme_ids: dict[str, int] = {}
    for item in items:
        pending = item.payload.get("new_cohort")
        if pending is None or pending.id in created:
            continue
        programme_id = pending.programme.id if pending.programme else programme_ids.get(
            normalise(pending.programme_name))
        if programme_id is None:
            values = {"name": pending.programme_name[:200], "kind": "itt"}
            programme_id = programmes.create_many([values], import_run=run_id)[0]
            programme_ids[normalise(pending.programme_name)] = programme_id
        year = pending.academic_year
        values = {"programme": programme_id, "name": pending.name, "academic_year": year,
                  "start_date": year.start, "end_date": pending.end_date}
        created[pending.id] = cohorts.create_many([values], import_run=run_id)[0]
    for item in items:
        pending = item.payload.get("new_cohort")
        if pending is None:
            continue
        if "enrolment" in item.payload:
            item.payload["enrolment"]["cohort"] = created[pending.id]
        for diff in (item.payload.get("enrolment_changes") or {}).values():
            if "cohort" in diff:
                diff["cohort"] = (diff["cohort"][0], created[pending.id])


def write_cohort_ends(items: list[Any], run_id: int) -> None:
    """The cohort end dates the plan moved (a course longer than its cohort)."""
    moved: dict[int, tuple[date, date]] = {}
    for item in items:
        for cohort_id, change in (item.payload.get("cohort_ends") or {}).items():
            old, new = change
            moved[cohort_id] = (old, max(new, moved.get(cohort_id, change)[1]))
    cohorts.update_many(((cohort_id, {"end_date": change}, None)
                         for cohort_id, change in moved.items()), import_run=run_id)


def creates_cohorts(plan: Any) -> bool:
    """Whether a plan creates programmes or cohorts, or refuses rows for want of them (the
    wizard then offers its "Create the programmes and cohorts listed")."""
    return any(isinstance(item.payload, dict) and "new_cohort" in item.payload
               for item in plan.items) or any(
        r.reason.endswith(CREATE_HINT) for r in plan.refused)
