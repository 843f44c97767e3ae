"""DfE's assurance sample answered from the records.

DfE samples schools' claims and sends each accredited provider a CSV to confirm within 21 days
(DFE-Digital/itt-mentor-services ``app/services/claims/sampling/generate_csv_file.rb``). Its
columns changed between versions, so they are read by name: ``claim_assured`` /
``claim_not_assured_reason`` (January 2025, 66bc4c2c), then ``claim_accepted`` /
``rejection_reason`` (6089399d), ``provider_name`` (July 2025, ea0c1aee) and ``mentor_trn``
(January 2026, 7a192675). DfE writes each row without the two answer cells (11 values under 13
headings), so short rows are normal; its upload reads ``yes``/``no`` (``upload_step.rb``).

Each line is matched to a person (TRN, else name at that school), then answered from the year's
ledger: ``yes``, or ``no`` with one of the categories providers asked for. A line that cannot
be decided from the records is left blank and listed, never guessed. The file is written back
with the same columns in the same order, every other cell as it was.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast

from .. import audit, clock, fields
from ..academic_year import AcademicYear
from ..errors import RefusedError
from ..files import atomic_write
from ..models import FundingSample, MentorTraining, Person, Role, School
from ..models.base import writing
from ..sortkeys import sort_key
from ..sqlite_file import refuse_database_file
from . import ledger as ledgers
from .ledger import hours_text

HOURS_EXCEED = "Hours claimed exceed the hours recorded"
NOT_KNOWN = "Mentor not known to us"
NOT_AT_SCHOOL = "Mentor not at that school"
NOT_GENERAL = "Training was not ITT general mentor training"
OTHER = "Other"
CATEGORIES = (HOURS_EXCEED, NOT_KNOWN, NOT_AT_SCHOOL, NOT_GENERAL, OTHER)

ANSWER_DAYS = 21
MAX_BYTES = 20 * 1024 * 1024

#: what a column means -> its names in DfE's versions, newest first
COLUMNS = {
    "reference": ("claim_reference",),
    "urn": ("school_urn",),
    "school": ("school_name",),
    "submitted": ("claim_submission_date",),
    "trn": ("mentor_trn",),
    "name": ("mentor_full_name",),
    "hours": ("mentor_hours_of_training",),
    "accepted": ("claim_accepted", "claim_assured"),
    "reason": ("rejection_reason", "claim_not_assured_reason"),
}
REQUIRED = ("reference", "urn", "name", "hours", "accepted", "reason")


@dataclass
class Decision:
    """One line's answer: ``accepted`` True/False, or None with ``why`` it was not decided."""

    line: int  # the line of the file the row starts on
    reference: str
    mentor: str
    accepted: bool | None = None
    reason: str = ""
    why: str = ""
    person_id: int | None = None
    claimed: Decimal | None = None
    year: AcademicYear | None = None


@dataclass
class Answered:
    out: Path
    decisions: list[Decision] = field(default_factory=list)
    already: int = 0  # lines that came answered and were left as they were
    sample_id: int | None = None
    answer_by: date | None = None

    @property
    def accepted(self) -> list[Decision]:
        return [d for d in self.decisions if d.accepted is True]

    @property
    def rejected(self) -> list[Decision]:
        return [d for d in self.decisions if d.accepted is False]

    @property
    def undecided(self) -> list[Decision]:
        return [d for d in self.decisions if d.accepted is None]


@dataclass
class _Sample:
    text_encoding: str
    bom: bool
    delimiter: str
    newline: str
    headers: list[str]
    rows: list[list[str]]
    lines: list[int]
    where: dict[str, int]


def _refuse(problem: str) -> RefusedError:
    return RefusedError(f"{problem}; nothing was written")


def read(path: Path) -> _Sample:
    """The sample's cells, by column name; a bad file is one sentence naming where."""
    path = Path(path)
    refuse_database_file(path, "read")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _refuse(f"{path.name} is larger than a DfE sample can be "
                          f"({MAX_BYTES // 1024 // 1024} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise _refuse(f"Cannot read {path.name}: {exc.strerror or exc}") from exc
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:  # saved again by Excel on Windows
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc:
            raise _refuse(f"{path.name} is not a text (CSV) file") from exc
    if "\x00" in text:
        raise _refuse(f"{path.name} is not a text (CSV) file")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    newline = "\r\n" if "\r\n" in text else "\n"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        all_rows = []
        lines = []
        start = 1
        for row in reader:
            all_rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _refuse(f"{path.name}, line {reader.line_num}: not readable as CSV ({exc})") from exc
    if not all_rows or not any(c.strip() for c in all_rows[0]):
        raise _refuse(f"{path.name} is empty: DfE's sample starts with a row of column names")
    headers = all_rows[0]
    names = [h.strip().lower() for h in headers]
    where: dict[str, int] = {}
    for meaning, spellings in COLUMNS.items():
        for spelling in spellings:
            if spelling in names:
                where[meaning] = names.index(spelling)
                break
    missing = [COLUMNS[m][0] for m in REQUIRED if m not in where]
    if missing:
        raise _refuse(f"{path.name}, row 1: no column {', '.join(missing)} "
                      f"(the columns are {_first_few(headers)})")
    for number, row in zip(lines[1:], all_rows[1:], strict=True):
        if len(row) > len(headers) and any(c.strip() for c in row[len(headers):]):
            raise _refuse(f"{path.name}, line {number}: {len(row)} cells under "
                          f"{len(headers)} column names")
    return _Sample(encoding, bom, delimiter, newline, headers, all_rows[1:], lines[1:], where)


def _first_few(headers: list[str], shown: int = 6) -> str:
    """The file's column names for a refusal, a few only: a wrong file (GIAS's has 140) must
    still read as one line, and its first names are enough to recognise it."""
    named = [h.strip() for h in headers if h.strip()]
    if not named:
        return "empty"
    more = len(named) - shown
    return ", ".join(named[:shown]) + (f" and {more} more" if more > 0 else "")


def claim_year(submitted: str) -> AcademicYear | None:
    """The academic year a claim is for, from its submission date: the window opens in May
    for the year ending that summer, and late claims come in September for the year just
    ended (grant conditions, "Payments"); so September to December belong to the year before."""
    text = submitted.strip()
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            parsed = fields.day(text)
        except ValueError:
            return None
        if parsed is None:
            return None
        day = parsed
    year = AcademicYear.for_date(day)
    return year.previous() if day.month >= 9 else year


def _cell(row: list[str], where: dict[str, int], meaning: str) -> str:
    index = where.get(meaning)
    return row[index].strip() if index is not None and index < len(row) else ""


class _Records:
    """What the answers read, fetched once per person and year."""

    def __init__(self) -> None:
        self._ledgers: dict[AcademicYear, ledgers.Ledger] = {}

    def ledger(self, year: AcademicYear) -> ledgers.Ledger:
        if year not in self._ledgers:
            self._ledgers[year] = ledgers.build(year)
        return self._ledgers[year]

    @staticmethod
    def named(name: str) -> tuple[list[Person], list[Person]]:
        """People of that name: (exactly, loosely). Exactly: the whole name as it sorts
        ("Ó Súilleabháin" = "O Suilleabhain", surnames of several words). Loosely: the first
        and last words alone (a middle name on one side only), never enough to answer on."""
        key = sort_key(name)
        words = name.split()
        if not key or not words:
            return [], []
        surnames = {sort_key(" ".join(words[i:])) for i in range(1, len(words))} or {key}
        found = list(Person.select().where(Person.last_name_key.in_(list(surnames))
                                           & (Person.erased == False)))  # noqa: E712
        first = sort_key(words[0])
        exact = [p for p in found if sort_key(p.full_name) == key]
        loose = [p for p in found if p not in exact
                 and sort_key(p.first_name.split()[0] if p.first_name else "") == first]
        return exact, loose

    @staticmethod
    def at_school(person: Person, school: School | None, year: AcademicYear) -> bool:
        if school is None:
            return False
        held = Role.select().where(
            (Role.person == person) & (Role.school == school)
            & (Role.start_date.is_null() | (Role.start_date <= year.end))
            & (Role.end_date.is_null() | (Role.end_date >= year.start))).exists()
        return held or MentorTraining.select().where(
            (MentorTraining.person == person) & (MentorTraining.school == school)
            & MentorTraining.completed_on.between(year.start, year.end)).exists()

    @staticmethod
    def ever_ours(person: Person, provider_name: str) -> bool:
        rows = cast("Iterable[tuple[str | None]]", MentorTraining.select(
            MentorTraining.accredited_provider).where(MentorTraining.person == person).tuples())
        return any(ledgers.same_provider(ap, provider_name) for (ap,) in rows)


def _decide(row: list[str], line: int, sample: _Sample, records: _Records,
            year: AcademicYear | None) -> Decision:
    where = sample.where
    name = _cell(row, where, "name")
    decision = Decision(line, _cell(row, where, "reference"), name)
    hours_raw = _cell(row, where, "hours")
    try:
        decision.claimed = Decimal(hours_raw.replace(",", ""))
        if not decision.claimed.is_finite() or decision.claimed < 0:
            raise InvalidOperation
    except InvalidOperation:
        decision.why = f"hours '{hours_raw}' is not a number of hours"
        return decision
    decision.year = year or claim_year(_cell(row, where, "submitted"))
    if decision.year is None:
        decision.why = "no claim_submission_date to tell the year: give --year"
        return decision
    urn_raw = _cell(row, where, "urn")
    try:
        urn = fields.urn(urn_raw)
    except ValueError:
        decision.why = f"school_urn '{urn_raw}' is not a URN"
        return decision
    school = School.get_or_none(School.urn == urn) if urn is not None else None
    trn_raw = _cell(row, where, "trn")
    try:
        trn = fields.trn(trn_raw)
    except ValueError:
        decision.why = f"mentor_trn '{trn_raw}' is not a TRN"
        return decision
    person: Person | None
    if trn:
        person = Person.get_or_none(Person.trn == trn)
        if person is None:
            exact, loose = records.named(name)
            others = exact + loose
            if others:
                decision.why = (f"no one has TRN {trn}, but "
                                + ", ".join(f"{p.full_name} (#{p.id}, TRN {p.trn or 'none'})"
                                            for p in others)
                                + " has this name: check and record the TRN")
                return decision
            decision.accepted, decision.reason = False, f"{NOT_KNOWN}: no record of TRN {trn} or of {name}"
            return decision
    else:
        named, loose = records.named(name)
        here = [p for p in named if records.at_school(p, school, decision.year)]
        if len(here) > 1:
            decision.why = f"{len(here)} people named {name} at this school: add mentor_trn"
            return decision
        if not here:
            if loose:
                decision.why = (f"no one is named exactly {name}; "
                                + ", ".join(f"{p.full_name} (#{p.id})" for p in loose)
                                + " may be them: check the name or add mentor_trn")
                return decision
            if named:
                decision.why = (f"{name} is recorded, but not at URN {urn_raw}, and the line has "
                                "no TRN to tell whether it is the same person")
                return decision
            decision.accepted, decision.reason = False, f"{NOT_KNOWN}: no record of {name}"
            return decision
        person = here[0]
    decision.person_id = person.id
    ledger = records.ledger(decision.year)
    if not records.at_school(person, school, decision.year):
        where_text = school.name if school is not None else f"URN {urn_raw} (not a school we record)"
        decision.accepted, decision.reason = False, (
            f"{NOT_AT_SCHOOL}: {person.full_name} is not recorded at {where_text} in {decision.year}")
        return decision
    mentor = ledger.mentors.get(person.id)
    ours = [s for s in mentor.sessions if s.ours] if mentor else []
    if not ours:
        elsewhere = mentor.other_providers if mentor else []
        if elsewhere:
            decision.accepted, decision.reason = False, (
                f"{OTHER}: training in {decision.year} recorded with {', '.join(elsewhere)}, "
                f"not with {ledger.provider_name}")
        elif not records.ever_ours(person, ledger.provider_name):
            decision.accepted, decision.reason = False, (
                f"{NOT_KNOWN}: {person.full_name} has no training recorded with "
                f"{ledger.provider_name}")
        else:
            decision.accepted, decision.reason = False, (
                f"{HOURS_EXCEED}: {hours_text(decision.claimed)} claimed, none recorded in "
                f"{decision.year}")
        return decision
    assert mentor is not None
    if not mentor.general:
        decision.accepted, decision.reason = False, (
            f"{NOT_GENERAL}: {hours_text(mentor.other_training_hours)} hours of other training "
            f"recorded in {decision.year}")
        return decision
    if mentor.hours_missing:
        decision.why = (f"{person.full_name}: {mentor.hours_missing} session(s) in "
                        f"{decision.year} have no hours recorded")
        return decision
    decision.accepted = True  # for now: the hours are checked over all the person's lines
    return decision


def _check_hours(decisions: list[Decision], records: _Records) -> None:
    """Claimed hours against claimable hours, over every line for the same mentor and year
    (the cap is per mentor per provider, whichever schools claim)."""
    groups: dict[tuple[int, AcademicYear], list[Decision]] = defaultdict(list)
    for d in decisions:
        if d.accepted is True and d.person_id is not None and d.year is not None:
            groups[(d.person_id, d.year)].append(d)
    for (person_id, year), group in groups.items():
        mentor = records.ledger(year).mentors[person_id]
        claimed = sum((d.claimed or Decimal(0) for d in group), Decimal(0))
        if claimed <= mentor.claimable:
            continue
        detail = (f"{hours_text(claimed)} claimed, {hours_text(mentor.claimable)} claimable "
                  f"({hours_text(mentor.hours_done)} recorded, {mentor.allowance} allowance "
                  f"of {mentor.cap})")
        if len(group) == 1:
            group[0].accepted, group[0].reason = False, f"{HOURS_EXCEED}: {detail}"
        else:
            for d in group:
                d.accepted, d.why = None, (f"{len(group)} lines for {d.mentor} together: "
                                           f"{detail}; decide which")


def answer(sample_path: Path, out_path: Path, *, year: AcademicYear | None = None,
           received_on: date | None = None, record: bool = True) -> Answered:
    """Answer the sample at ``sample_path`` into ``out_path`` (same layout); record the
    sample's deadline (received + 21 days) unless ``record`` is False."""
    sample_path, out_path = Path(sample_path), Path(out_path)
    if out_path.expanduser().resolve() == sample_path.expanduser().resolve():
        raise _refuse("Write the answer to a new file, not over DfE's sample")
    sample = read(sample_path)
    records = _Records()
    result = Answered(out_path)
    out_rows = []
    for row, line in zip(sample.rows, sample.lines, strict=True):
        cells = list(row)
        if not any(c.strip() for c in cells):
            out_rows.append(cells)
            continue
        if _cell(cells, sample.where, "accepted"):
            result.already += 1
            out_rows.append(cells)
            continue
        result.decisions.append(_decide(cells, line, sample, records, year))
        out_rows.append(cells)
    _check_hours(result.decisions, records)
    width = len(sample.headers)
    answer_at = {d.line: d for d in result.decisions}
    for cells, line in zip(out_rows, sample.lines, strict=True):
        d = answer_at.get(line)
        if d is None or d.accepted is None:
            continue
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        cells[sample.where["accepted"]] = "yes" if d.accepted else "no"
        cells[sample.where["reason"]] = d.reason

    def write(tmp: Path) -> None:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=sample.delimiter, lineterminator=sample.newline)
        writer.writerow(sample.headers)
        writer.writerows(out_rows)
        data = buffer.getvalue().encode(sample.text_encoding)
        tmp.write_bytes((b"\xef\xbb\xbf" if sample.bom else b"") + data)

    if record:
        with writing():  # the file written last: if it cannot be, nothing is recorded
            result.sample_id, result.answer_by = _record(sample_path.name, received_on, result)
            atomic_write(out_path, write)
    else:
        atomic_write(out_path, write)
    return result


def _record(file_name: str, received_on: date | None, result: Answered) -> tuple[int, date]:
    """The sample and its deadline, once per file name and day received (answered again:
    the same row brought up to date)."""
    received = received_on or clock.today()
    answer_by = received + timedelta(days=ANSWER_DAYS)
    values = {"lines": len(result.decisions) + result.already,
              "undecided": len(result.undecided), "answered_at": clock.now()}
    row = FundingSample.get_or_none((FundingSample.file_name == file_name[:260])
                                    & (FundingSample.received_on == received))
    if row is None:
        row = FundingSample.create(file_name=file_name[:260], received_on=received,
                                   answer_by=answer_by, **values)
        audit.record("funding_sample", row.id, "create", audit.created(
            {"file_name": file_name, "received_on": received, "answer_by": answer_by,
             "lines": values["lines"], "undecided": values["undecided"]}),
            note="DfE mentor funding sample answered")
    else:
        FundingSample.update(values).where(FundingSample.id == row.id).execute()
        audit.record("funding_sample", row.id, "update",
                     {"undecided": [row.undecided, values["undecided"]]},
                     note="DfE mentor funding sample answered again")
    return row.id, answer_by


def open_samples() -> list[FundingSample]:
    """Samples not yet marked sent back, soonest deadline first."""
    return list(FundingSample.select().where(FundingSample.sent_on.is_null())
                .order_by(FundingSample.answer_by, FundingSample.id))


def mark_sent(sample_id: int | None = None, on: date | None = None) -> FundingSample:
    """Mark a sample (the only open one when no id is given) as sent back to DfE."""
    samples = open_samples()
    if sample_id is None:
        if len(samples) != 1:
            raise RefusedError("No sample is open" if not samples else
                               f"{len(samples)} samples are open: name one with --sample ID "
                               f"({', '.join(str(s.id) for s in samples)})")
        chosen = samples[0]
    else:
        found = next((s for s in samples if s.id == sample_id), None)
        if found is None:
            raise RefusedError(f"No open sample with id {sample_id}")
        chosen = found
    day = on or clock.today()
    with writing():
        FundingSample.update(sent_on=day).where(FundingSample.id == chosen.id).execute()
        audit.record("funding_sample", chosen.id, "update", {"sent_on": [None, day]},
                     note="DfE mentor funding sample sent back")
    return FundingSample.get_by_id(chosen.id)
