"""Register's trainee export set beside ITT Desk's records: who differs, and how.

The export (``app/models/reports/trainees_report.rb``, a CSV or the same saved as a workbook)
is read by column name, never by position. Trainees are matched by TRN, else HESA ID, else
name and date of birth; for each pair the route, the status, the ITT start and expected end
dates and the placement schools (URNs, as a set: Register keeps them in the order they were
added) are compared, and the trainees only one side has are listed. Nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import fields
from ..academic_year import AcademicYear
from ..choices import ENROLMENT_STATUSES, WITHDRAWN_PLACEMENT_STATUSES
from ..errors import RefusedError
from ..models import Cohort, Enrolment, Person, Placement, School
from ..models.base import tuples_of
from ..sortkeys import sort_key
from ..spreadsheets.reading import open_book, value
from . import layouts as L
from .outgoing import trainee_records

#: Register's trainee_status (status_tag/view.rb: the state, "qts_"/"eyts_" before the award
#: states) -> the enrolment statuses that agree with it.
STATUS_AGREES: dict[str, tuple[str, ...]] = {
    "draft": ("applied", "offered", "enrolled"),
    "submitted_for_trn": ("enrolled",),
    "trn_received": ("enrolled",),
    "qts_recommended_for_award": ("enrolled", "completed"),
    "eyts_recommended_for_award": ("enrolled", "completed"),
    "qts_awarded": ("completed",),
    "eyts_awarded": ("completed",),
    "deferred": ("deferred",),
    "withdrawn": ("withdrawn",),
}
_NO_DATA = re.compile(r"no data available|not required", re.IGNORECASE)
_ACADEMIC = re.compile(r"^\s*(\d{4})\s+to\s+\d{4}\s*$")


@dataclass(frozen=True)
class Difference:
    what: str
    register: str
    ours: str

    def text(self) -> str:
        return f"{self.what}: Register {self.register}, ITT Desk {self.ours}"


@dataclass
class RegisterTrainee:
    row: int
    name: str
    trn: str | None
    hesa_id: str | None
    date_of_birth: date | None
    name_key: str
    route: str | None
    status: str | None
    itt_start_date: date | None
    itt_end_date: date | None
    urns: list[str]
    start_year: AcademicYear | None

    def key(self) -> str:
        return (f"TRN {self.trn}" if self.trn else f"HESA ID {self.hesa_id}" if self.hesa_id
                else f"born {fields.format_date(self.date_of_birth)}")


@dataclass
class OurTrainee:
    enrolment_id: int
    name: str
    trn: str | None
    hesa_id: str | None
    date_of_birth: date | None
    name_key: str
    route: str | None
    status: str
    itt_start_date: date | None
    itt_end_date: date | None
    urns: list[str]
    year: AcademicYear


@dataclass
class Pair:
    register: RegisterTrainee
    ours: OurTrainee
    differences: list[Difference]

    def line(self) -> str:
        said = "; ".join(d.text() for d in self.differences)
        return f"{self.ours.name} ({self.register.key()}, row {self.register.row}): {said}"


@dataclass
class Comparison:
    path: Path
    on_register: int
    pairs: list[Pair] = field(default_factory=list)
    only_register: list[RegisterTrainee] = field(default_factory=list)
    only_ours: list[OurTrainee] = field(default_factory=list)

    @property
    def differing(self) -> list[Pair]:
        return [p for p in self.pairs if p.differences]

    def summary(self) -> str:
        return (f"{self.on_register} trainee(s) in {self.path.name}, {len(self.pairs)} matched: "
                f"{len(self.differing)} differ; {len(self.only_register)} only on Register, "
                f"{len(self.only_ours)} only in ITT Desk")

    def lines(self) -> list[str]:
        out = [p.line() for p in self.differing]
        out += [f"Only on Register: {t.name} ({t.key()}, row {t.row})" for t in self.only_register]
        out += [f"Only in ITT Desk: {t.name}"
                + (f" (TRN {t.trn})" if t.trn else f" (HESA ID {t.hesa_id})" if t.hesa_id else "")
                for t in self.only_ours]
        return out


def name_key(first: str | None, last: str | None) -> str:
    """Names compared as they sort (accents, case and punctuation set aside)."""
    return f"{sort_key(first or '')}|{sort_key(last or '')}"


# -- reading Register's export ---------------------------------------------------------------

def read_export(path: Path) -> list[RegisterTrainee]:
    """Every trainee row of Register's export; a bad file or cell is refused in one line
    naming the row and column."""
    book = open_book(path)
    try:
        rows = book.sheet().rows
    finally:
        book.close()
    first = next((i for i, r in enumerate(rows) if any(value(c) is not None for c in r)), None)
    if first is None:
        raise RefusedError(f"{path.name} has no data")
    columns = {str(value(c)).strip().lower(): i for i, c in enumerate(rows[first])
               if value(c) is not None}
    if not ("trn" in columns or "hesa_id" in columns
            or {"first_names", "last_names", "date_of_birth"} <= columns.keys()):
        raise RefusedError(f"{path.name}: row {first + 1} has no trn, hesa_id or first_names + "
                           "last_names + date_of_birth column: it is not Register's trainee export")
    found: list[RegisterTrainee] = []
    for index in range(first + 1, len(rows)):
        raw = rows[index]
        if not any(value(c) is not None for c in raw):
            continue
        if str(value(raw[0]) or "").strip() == L.NO_TRAINEES:
            continue
        found.append(_trainee(path, index + 1, raw, columns))
    return found


def _trainee(path: Path, row: int, raw: Sequence[Any], columns: dict[str, int]) -> RegisterTrainee:
    def cell(name: str) -> Any:
        i = columns.get(name)
        return value(raw[i]) if i is not None and i < len(raw) else None

    def parsed(name: str, parse: Callable[[Any], Any]) -> Any:
        given = cell(name)
        if given is None or (isinstance(given, str) and _NO_DATA.search(given)):
            return None
        try:
            return parse(given)
        except ValueError as exc:
            raise RefusedError(f"{path.name}: row {row}, column {name}: {exc}") from None

    def hesa(given: Any) -> str | None:
        return fields.hesa_id(str(given).lstrip("'") if isinstance(given, str) else given)

    first, last = cell("first_names"), cell("last_names")
    urns: list[str] = []
    for name in ("placement_one", "placement_two", "other_placements"):
        given = cell(name)
        if given is not None:
            urns += [u.strip() for u in str(given).split(",") if u.strip()]
    year = cell("start_academic_year")
    match = _ACADEMIC.match(str(year)) if year is not None else None
    return RegisterTrainee(
        row=row,
        name=" ".join(str(p) for p in (first, cell("middle_names"), last) if p) or "(no name)",
        trn=parsed("trn", fields.trn), hesa_id=parsed("hesa_id", hesa),
        date_of_birth=parsed("date_of_birth", fields.day),
        name_key=name_key(None if first is None else str(first), None if last is None else str(last)),
        route=None if cell("course_training_route") is None else str(cell("course_training_route")),
        status=None if cell("trainee_status") is None else str(cell("trainee_status")),
        itt_start_date=parsed("itt_start_date", fields.day),
        itt_end_date=parsed("expected_end_date", fields.day),
        urns=[str(int(u)) if u.isdigit() else u for u in urns],
        start_year=AcademicYear(int(match.group(1))) if match else None)


# -- ITT Desk's side ---------------------------------------------------------------------------

def placement_urns() -> dict[int, list[str]]:
    """Each enrolment's placement schools as Register should hold them: the schools of its
    placements neither withdrawn nor merely proposed (the check's rule), in date order, each
    once, and the employing school on salaried routes (Register counts it as a placement).
    One query for every trainee, whatever their status (a withdrawn trainee's too)."""
    found: dict[int, list[str]] = {}
    for eid, urn in tuples_of(Placement.select(Placement.enrolment, School.urn)
                     .join(School, on=(Placement.school == School.id))
                     .where(Placement.status.not_in((*WITHDRAWN_PLACEMENT_STATUSES, "proposed")))
                     .order_by(Placement.start_date, Placement.end_date, Placement.id)):
        urns = found.setdefault(eid, [])
        if str(urn) not in urns:
            urns.append(str(urn))
    for eid, urn in tuples_of(Enrolment.select(Enrolment.id, School.urn)
                     .join(School, on=(Enrolment.employing_school == School.id))):
        urns = found.setdefault(eid, [])
        if str(urn) not in urns:
            urns.insert(0, str(urn))
    return found


def our_trainees(years: set[AcademicYear] | None) -> list[OurTrainee]:
    """The routed enrolments of those years (every year when None), with their placement
    schools (``placement_urns``)."""
    urns = placement_urns()
    records = trainee_records(None)
    query = (Enrolment
             .select(Enrolment.id, Person.first_name, Person.last_name, Person.trn,
                     Person.date_of_birth, Person.erased, Enrolment.hesa_id,
                     Enrolment.itt_start_date, Enrolment.itt_end_date, Cohort.academic_year)
             .join(Person, on=(Enrolment.person == Person.id))
             .switch(Enrolment).join(Cohort, on=(Enrolment.cohort == Cohort.id))
             .where(Enrolment.route.is_null(False) & Enrolment.status.not_in(("applied", "offered"))))
    found = []
    for eid, first, last, trn, dob, erased, hesa, start, end, year in tuples_of(query):
        year = AcademicYear.parse(year)
        record = records.get(eid)
        if record is None or (years is not None and year not in years) or erased:
            continue
        placed = urns.get(eid, [])
        found.append(OurTrainee(eid, f"{first} {last}", trn, hesa, dob, name_key(first, last),
                                record.route, record.status, start, end, placed, year))
    return found


# -- the comparison ----------------------------------------------------------------------------

def compare(path: Path, year: AcademicYear | None = None) -> Comparison:
    """Register's export at ``path`` beside ITT Desk's trainees of the years it covers (its
    ``start_academic_year`` column; ``year`` narrows both sides to one)."""
    theirs = read_export(Path(path))
    if year is not None:
        theirs = [t for t in theirs if t.start_year in (None, year)]
        years: set[AcademicYear] | None = {year}
    else:
        seen = {t.start_year for t in theirs if t.start_year is not None}
        years = seen or None
    ours = our_trainees(years)
    by_key: dict[object, list[OurTrainee]] = {}
    for trainee in ours:  # a person may hold several enrolments (two cohorts): each a trainee
        for key in (("trn", trainee.trn), ("hesa", trainee.hesa_id),
                    ("name", trainee.name_key, trainee.date_of_birth)):
            if key[-1] is not None:
                by_key.setdefault(key, []).append(trainee)
    result = Comparison(Path(path), len(theirs))
    used: set[int] = set()

    def pick(key: tuple[object, ...], t: RegisterTrainee) -> OurTrainee | None:
        """The unmatched enrolment with this key, the one starting the same year first."""
        free = [m for m in by_key.get(key, []) if m.enrolment_id not in used]
        same = [m for m in free if m.year == t.start_year]
        found = same or free
        return found[0] if found else None

    for t in theirs:
        mine = ((pick(("trn", t.trn), t) if t.trn else None)
                or (pick(("hesa", t.hesa_id), t) if t.hesa_id else None)
                or (pick(("name", t.name_key, t.date_of_birth), t) if t.date_of_birth else None))
        if mine is None:
            result.only_register.append(t)
            continue
        used.add(mine.enrolment_id)
        result.pairs.append(Pair(t, mine, differences(t, mine)))
    result.only_ours = [t for t in ours if t.enrolment_id not in used]
    return result


def _day(value: date | None) -> str:
    return fields.format_date(value) if value else "none"


def differences(theirs: RegisterTrainee, ours: OurTrainee) -> list[Difference]:
    found: list[Difference] = []
    our_route = L.ROUTE_WORDS.get(ours.route or "", ours.route or "")
    if theirs.route is not None and theirs.route.casefold() != our_route.casefold():
        found.append(Difference("route", f"'{theirs.route}'", f"'{our_route or 'none'}'"))
    if theirs.status is not None and ours.status not in STATUS_AGREES.get(theirs.status, ()):
        found.append(Difference("status", theirs.status.replace("_", " "),
                                ENROLMENT_STATUSES.label(ours.status)))
    for what, a, b in (("ITT start date", theirs.itt_start_date, ours.itt_start_date),
                       ("expected end date", theirs.itt_end_date, ours.itt_end_date)):
        if a is not None and a != b:
            found.append(Difference(what, _day(a), _day(b)))
    if sorted(theirs.urns) != sorted(ours.urns):
        found.append(Difference("placements", ", ".join(theirs.urns) or "none",
                                ", ".join(ours.urns) or "none"))
    return found
