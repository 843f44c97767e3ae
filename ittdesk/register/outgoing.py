"""The two files a provider uploads to Register: placements, and QTS/EYTS recommendations.

Each is built from the placement check (``ittdesk.placements.check``) and one query of the
trainees' records, and written whole or not at all in Register's exact layout (``layouts``).
A trainee the file cannot carry is left out with the reason in words, so the user knows what
to fix or to do in Register by hand; nothing is written to the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from peewee import JOIN

from .. import clock
from ..academic_year import AcademicYear
from ..choices import AGE_RANGES, HECOS_SUBJECTS
from ..errors import RefusedError
from ..models import Cohort, Enrolment, Person, School
from ..models.base import tuples_of
from ..placements.check import TraineeCheck, check_trainees
from . import layouts as L

_URN = re.compile(r"^\d{6}$")  # Register's VALID_URN
_RECOMMENDED = re.compile(r"\b(qts|eyts|recommended|awarded)\b", re.IGNORECASE)


@dataclass(frozen=True)
class LeftOut:
    name: str
    reason: str

    def line(self) -> str:
        return f"{self.name}: {self.reason}"


class NothingToWrite(RefusedError):
    """No trainee could go in the file: nothing is written (an empty Register file is
    refused by Register); ``left_out`` says why each was left out."""

    def __init__(self, message: str, left_out: list[LeftOut]) -> None:
        super().__init__(message)
        self.left_out = left_out


@dataclass
class Written:
    """What a Register file holds: where it went, how many trainees, who was left out and why."""

    path: Path
    rows: int
    left_out: list[LeftOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.rows} trainee(s) written to {self.path}"


@dataclass(frozen=True)
class _Record:
    """What a Register file needs of a trainee beyond the check."""

    status: str
    first_name: str
    last_name: str
    trainee_id: str | None
    hesa_id: str | None
    route: str | None
    age_range: str | None
    subjects: tuple[str | None, str | None, str | None]
    training_partner: str | None
    outcome: str | None


def trainee_records(year: AcademicYear | None) -> dict[int, _Record]:
    """Every routed enrolment (of ``year``'s cohorts), in one query."""
    partner = School.alias()
    query = (Enrolment
             .select(Enrolment.id, Enrolment.status, Enrolment.trainee_id, Enrolment.hesa_id,
                     Enrolment.route, Enrolment.age_range, Enrolment.course_subject_1,
                     Enrolment.course_subject_2, Enrolment.course_subject_3,
                     Person.first_name, Person.last_name, partner.name, Enrolment.outcome)
             .join(Person, on=(Enrolment.person == Person.id))
             .switch(Enrolment).join(Cohort, on=(Enrolment.cohort == Cohort.id))
             .switch(Enrolment).join(partner, JOIN.LEFT_OUTER, on=(Enrolment.lead_partner == partner.id))
             .where(Enrolment.route.is_null(False)))
    if year is not None:
        query = query.where(Cohort.academic_year == year)
    found: dict[int, _Record] = {}
    for (eid, status, tid, hesa, route, ages, s1, s2, s3, first, last,
         partner_name, outcome) in tuples_of(query):
        found[eid] = _Record(status, first or "", last or "", tid, hesa, route, ages,
                             (s1, s2, s3), partner_name, outcome)
    return found


def _nothing(left: list[LeftOut], why: str) -> str:
    """Why nothing was written: no Register trainee at all, or none that could go in."""
    if not left:
        why = "No trainee has a training route recorded (Register's files are by route)"
    return f"{why}: nothing was written"


def _size_note(path: Path) -> list[str]:
    """Register refuses an upload over 1 MB (validate_file.rb: ``1.megabyte``)."""
    size = path.stat().st_size
    if size <= L.MAX_UPLOAD_BYTES:
        return []
    return [f"{path.name} is {size / L.MAX_UPLOAD_BYTES:.1f} MB; Register accepts files up to "
            "1 MB: write one per year (--year) or split it"]


def _gone(record: _Record, *, recommended_too: bool = False) -> str | None:
    """Register's own files leave out deferred and withdrawn trainees; so do these. The QTS
    file also leaves out those whose outcome says they were recommended or awarded already
    (a finished course alone still needs its recommendation)."""
    if record.status in ("withdrawn", "deferred"):
        return f"{record.status}: Register's bulk files leave out deferred and withdrawn trainees"
    if recommended_too and record.outcome and _RECOMMENDED.search(record.outcome):
        return f"outcome already recorded: {record.outcome}"
    return None


def _checks(year: AcademicYear | None) -> list[TraineeCheck]:
    return check_trainees(academic_year=year)


def write_placements(target: Path, year: AcademicYear | None = None) -> Written:
    """Register's bulk placements CSV for every trainee with a TRN and the placements Register
    needs for their route (on salaried routes the employing school is one of them).

    Register replaces a trainee's placements at schools with the file's (placements/
    import_rows.rb ``clear_placements!``), so every counted placement goes in, up to its five
    columns; one it cannot take (a 5-digit URN, a sixth) is noted to add again by hand."""
    checks = _checks(year)
    records = trainee_records(year)
    rows: list[list[str]] = []
    left: list[LeftOut] = []
    notes: list[str] = []
    for check in checks:
        record = records.get(check.enrolment_id)
        if record is None:  # no route: not a Register trainee
            continue
        reason = _gone(record)
        need = check.placements_required_by_register  # the provider's rule for the route
        # The schools of the counted placements in date order (the employing school among
        # them on salaried routes); a URN Register cannot take (5 digits) is added by hand.
        urns = [str(u) for u in check.placement_urns if _URN.match(str(u))]
        bad = [str(u) for u in check.placement_urns if not _URN.match(str(u))]
        by_hand = (f"URN {', '.join(bad)} is not the 6 digits Register accepts: add that "
                   "placement in Register by hand")
        if reason is None and not check.trn:
            reason = "no TRN yet: Register matches placements by TRN"
        if reason is None and check.itt_start_date is None:
            reason = "no ITT start date recorded"
        if reason is None and need == 0:
            reason = f"{L.ROUTE_WORDS.get(record.route or '', record.route)}: Register needs no placements"
        if reason is None and len(urns) < need:
            reason = (by_hand if bad and len(urns) + len(bad) >= need
                      else f"{len(urns) + len(bad)} of the {need} placements Register needs recorded")
        if reason is not None:
            left.append(LeftOut(check.name, reason))
            continue
        assert check.itt_start_date is not None
        if bad:
            notes.append(f"{check.name}: {by_hand}")
        if len(urns) > L.MAX_PLACEMENTS:
            notes.append(f"{check.name}: {len(urns)} placements; Register's file takes "
                         f"{L.MAX_PLACEMENTS}: add the others in Register by hand")
        cells = urns[:L.MAX_PLACEMENTS]
        rows.append([str(check.trn), L.register_date(check.itt_start_date),
                     *cells, *[""] * (L.MAX_PLACEMENTS - len(cells))])
    if not rows:
        raise NothingToWrite(_nothing(left, "No trainee has a TRN and the placements Register needs"), left)
    path = L.write_csv(target, L.PLACEMENT_HEADERS, rows, guidance=L.PLACEMENT_GUIDANCE)
    return Written(path, len(rows), left, notes + _size_note(path))


def check_met_on(met_on: date) -> None:
    """Register refuses a date in the future or more than 12 months ago (validate_csv_row.rb):
    the whole file would be refused, so it is refused here first."""
    today = clock.today()
    if met_on > today:
        raise RefusedError(f"{met_on:%d/%m/%Y} is in the future: Register refuses it; nothing was "
                           "written")
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    if met_on < year_ago:
        raise RefusedError(f"{met_on:%d/%m/%Y} is more than 12 months ago: Register refuses it "
                           "(record that trainee in Register by hand); nothing was written")


def subject_words(codes: tuple[str | None, ...]) -> str:
    """Register's ``subjects``: the first, "with" the others joined by "and"."""
    names = [HECOS_SUBJECTS.label(c) if c in HECOS_SUBJECTS else c for c in codes if c]
    if not names:
        return ""
    first = names[0][:1].upper() + names[0][1:]
    rest = " and ".join(names[1:])
    return f"{first} with {rest}" if rest else first


def phase(route: str | None, age_range: str | None) -> str:
    """Register's phase: Early years on its routes; otherwise primary up to the top age
    DfE::ReferenceData::AgeRanges::UPPER_BOUND_PRIMARY_AGE (11), the rule Register applies
    (app/services/concerns/primary_course_subjects.rb), secondary above."""
    if (route or "").startswith("early_years"):
        return "Early years"
    words = AGE_RANGES.label(age_range) if age_range in AGE_RANGES else ""
    found = re.findall(r"\d+", words)
    if not found:
        return ""
    return "Primary" if int(found[-1]) <= 11 else "Secondary"


def write_qts(target: Path, met_on: date, year: AcademicYear | None = None) -> Written:
    """Register's bulk QTS/EYTS recommendation CSV: every trainee with a TRN whose placement
    check is met, with ``met_on`` as the date the requirements were met.

    Register compares every column a file has with its own record and refuses a row where one
    differs (validate_csv_row.rb), a blank included; only the identifiers and the date are
    required. So a column ITT Desk cannot fill for every trainee in the file (provider trainee
    ID, HESA ID, training partner, phase, age range, subject) is left out, as Register's own
    download leaves out HESA ID, and a note names it."""
    check_met_on(met_on)
    checks = _checks(year)
    records = trainee_records(year)
    chosen: list[tuple[TraineeCheck, _Record]] = []
    left: list[LeftOut] = []
    for check in checks:
        record = records.get(check.enrolment_id)
        if record is None:
            continue
        reason = _gone(record, recommended_too=True)
        if reason is None and check.status != "met":
            reason = (f"placement check {check.status_words.lower()}: "
                      + "; ".join(check.reasons))
        if reason is None and not check.trn:
            reason = "no TRN recorded: Register recommends trainees who have their TRN"
        if reason is None and check.itt_start_date and met_on < check.itt_start_date:
            reason = (f"{met_on:%d/%m/%Y} is before their ITT start date "
                      f"{check.itt_start_date:%d/%m/%Y}: Register refuses it")
        if reason is not None:
            left.append(LeftOut(check.name, reason))
            continue
        chosen.append((check, record))
    if not chosen:
        raise NothingToWrite(_nothing(left, "No trainee's placement check is met"), left)
    full: list[list[str]] = []
    for check, record in chosen:
        hesa = record.hesa_id or ""
        full.append([check.trn or "", L.safe(record.trainee_id),
                     ("'" + hesa) if hesa and not hesa.startswith("'") else hesa,
                     L.safe(record.first_name), L.safe(record.last_name),
                     L.safe(record.training_partner), L.award_type(record.route),
                     L.ROUTE_WORDS.get(record.route or "", ""),
                     phase(record.route, record.age_range),
                     AGE_RANGES.label(record.age_range) if record.age_range in AGE_RANGES else "",
                     L.safe(subject_words(record.subjects)), L.register_date(met_on)])
    kept = [i for i, name in enumerate(L.RECOMMEND_HEADERS)
            if name not in L.RECOMMEND_OPTIONAL or all(row[i] for row in full)]
    header = [L.RECOMMEND_HEADERS[i] for i in kept]
    rows = [[row[i] for i in kept] for row in full]
    dropped = [name for name in L.RECOMMEND_HEADERS if name not in header]
    notes = [f"Not every trainee has {', '.join(dropped)} recorded: left out of the file, as "
             "Register checks every column it is given against its own record"] if dropped else []
    guidance = [*[L.DO_NOT_EDIT] * (len(header) - 1), L.DATE_GUIDANCE]
    path = L.write_csv(target, header, rows, guidance=guidance)
    return Written(path, len(rows), left, notes + _size_note(path))
