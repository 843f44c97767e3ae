"""A confirmation round: one academic year, the schools it covers, and where each stands.

Which schools a year's round covers and which are confirmed is defined once, in
``confirmation`` (Home and the CLI count with it too). Status per school: *not added* (it should
confirm this year but is not in the round yet), *not sent* (no form written), *written* (a form
was written; nothing says it went out), *sent* (the user marked it sent), *returned*,
*confirmed* (by a collected form or by hand within the year). Outstanding = sent and not back:
the schools to chase, with the person to chase.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import audit, clock, fields, holders
from ..academic_year import AcademicYear
from ..choices import PARTNERSHIP_STATUSES, ROLE_KINDS
from ..errors import NotFoundError, RefusedError, ValidationError
from ..models import (
    ConfirmationRound,
    HostingAppetite,
    Person,
    Role,
    RoundSchool,
    School,
)
from ..models.base import writing
from . import confirmation
from .vocabulary import CHASE_KINDS, HOSTING_APPETITES, HOSTING_SHORT

DEFAULT_STATUSES = confirmation.IN_ROUND_STATUSES


def parse_statuses(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """``partner,placement`` (keys or labels) -> keys; refuses unknown words with the options."""
    if text is None:
        return DEFAULT_STATUSES
    words = [w for w in (text.split(",") if isinstance(text, str) else text) if str(w).strip()]
    keys = []
    for word in words:
        key = PARTNERSHIP_STATUSES.parse(word)
        if key is None:
            options = ", ".join(PARTNERSHIP_STATUSES.keys)
            raise ValidationError({"schools": f"'{word.strip()}' is not a partnership status "
                                              f"(one of: {options})"})
        keys.append(key)
    if not keys:
        raise ValidationError({"schools": "Name at least one partnership status"})
    return tuple(dict.fromkeys(keys))


def schools_for(statuses: tuple[str, ...]) -> list[School]:
    return list(School.select().where(School.partnership_status.in_(statuses)
                                      & (School.status == "open")).order_by(School.urn))


def find_round(year: AcademicYear | str) -> ConfirmationRound | None:
    try:
        parsed = AcademicYear.parse(year)
    except ValueError as exc:
        raise ValidationError({"year": str(exc)}) from None
    return ConfirmationRound.get_or_none(ConfirmationRound.academic_year == parsed)


def get_round(year: AcademicYear | str) -> ConfirmationRound:
    found = find_round(year)
    if found is None:
        raise NotFoundError(f"There is no confirmation round for {AcademicYear.parse(year)}: "
                            "start one first (ittdesk leadership forms --year ...)")
    return found


def latest_round() -> ConfirmationRound | None:
    return ConfirmationRound.select().order_by(ConfirmationRound.academic_year.desc()).get_or_none()


def all_rounds() -> list[ConfirmationRound]:
    return list(ConfirmationRound.select().order_by(ConfirmationRound.academic_year.desc()))


def start_round(year: AcademicYear | str, school_ids: Iterable[int] | None = None, *,
                statuses: tuple[str, ...] = DEFAULT_STATUSES, return_by: date | None = None,
                today: date | None = None) -> ConfirmationRound:
    """Start the round for ``year`` over the given schools (default: by partnership status)."""
    return record_round(plan_round(year, school_ids, statuses=statuses, return_by=return_by,
                                   today=today))


@dataclass
class NewRound:
    """A round checked and ready but not recorded: its forms can be written (they are signed
    with its token and secret) before anything is saved, so a failure leaves no round."""
    round: ConfirmationRound
    school_ids: list[int]


def plan_round(year: AcademicYear | str, school_ids: Iterable[int] | None = None, *,
               statuses: tuple[str, ...] = DEFAULT_STATUSES, return_by: date | None = None,
               today: date | None = None) -> NewRound:
    """Every check ``start_round`` makes, and the unsaved round; changes nothing."""
    try:
        parsed = AcademicYear.parse(year)
    except ValueError as exc:
        raise ValidationError({"year": str(exc)}) from None
    if find_round(parsed) is not None:
        raise RefusedError(f"The {parsed} round has already been started")
    ids = _school_ids(school_ids, statuses)
    if not ids:
        raise RefusedError("No schools to send forms to: choose at least one school")
    record = ConfirmationRound(academic_year=parsed, token=secrets.token_hex(8),
                               secret=secrets.token_hex(32),
                               started_on=today or clock.today(), return_by=return_by)
    return NewRound(record, ids)


def record_round(new: NewRound) -> ConfirmationRound:
    """Save a planned round and its schools, audited, in one transaction."""
    record = new.round
    with writing():
        if find_round(record.academic_year) is not None:  # started meanwhile elsewhere
            raise RefusedError(f"The {record.academic_year} round has already been started")
        record.save(force_insert=True)
        RoundSchool.insert_many([{"round": record.id, "school": i}
                                 for i in new.school_ids]).execute()
        audit.record("confirmation_round", record.id, "create",
                     {"academic_year": [None, str(record.academic_year)],
                      "schools": [None, len(new.school_ids)]})
    return record


def add_schools(round_: ConfirmationRound, school_ids: Iterable[int] | None = None, *,
                statuses: tuple[str, ...] = DEFAULT_STATUSES) -> int:
    """Add schools not yet in the round (e.g. a new partner); returns how many were added."""
    present = _present(round_)
    ids = [i for i in _school_ids(school_ids, statuses) if i not in present]
    if ids:
        with writing():
            RoundSchool.insert_many([{"round": round_.id, "school": i} for i in ids]).execute()
            audit.record("confirmation_round", round_.id, "update",
                         {"schools": [len(present), len(present) + len(ids)]})
    return len(ids)


def schools_to_add(round_: ConfirmationRound, school_ids: Iterable[int] | None = None, *,
                   statuses: tuple[str, ...] = DEFAULT_STATUSES) -> list[int]:
    """The schools ``add_schools`` would add; changes nothing."""
    present = _present(round_)
    return [i for i in _school_ids(school_ids, statuses) if i not in present]


def _present(round_: ConfirmationRound) -> set[int]:
    return {r.school_id for r in RoundSchool.select(RoundSchool.school)
            .where(RoundSchool.round == round_)}


def _school_ids(school_ids: Iterable[int] | None, statuses: tuple[str, ...]) -> list[int]:
    if school_ids is None:
        return [s.id for s in schools_for(statuses)]
    ids = list(dict.fromkeys(int(i) for i in school_ids))
    found = {s.id for s in School.select(School.id).where(School.id.in_(ids))} if ids else set()
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFoundError(f"No school with id {missing[0]}")
    return ids


def entries(round_: ConfirmationRound) -> list[RoundSchool]:
    return list(RoundSchool.select(RoundSchool, School).join(School)
                .where(RoundSchool.round == round_).order_by(School.name_key))


def entry_for(round_: ConfirmationRound, school: School | int) -> RoundSchool | None:
    return RoundSchool.get_or_none((RoundSchool.round == round_) & (RoundSchool.school == school))


def mark_written(entry: RoundSchool, on: date | None = None) -> None:
    """The first time a school's form is written; writing it again keeps that date. Writing
    is not sending: ``mark_sent`` records that."""
    if entry.written_on is None:
        entry.written_on = on or clock.today()
        entry.save()
        audit.record("round_school", entry.id, "update",
                     {"written_on": [None, entry.written_on]})


@dataclass
class SentResult:
    marked: list[str]  # school names newly marked sent
    already: list[str]  # already marked sent before (their date kept)


def mark_sent(round_: ConfirmationRound, urns: Iterable[int | str] | None = None, *,
              on: date | None = None) -> SentResult:
    """The user says these schools' forms went out (default: every written form not yet marked
    sent). All or nothing: an unknown URN, a school not in the round or a school whose form was
    never written refuses the lot, naming each."""
    on = on or clock.today()
    rows = entries(round_)
    if urns is None:
        chosen = [e for e in rows if e.written_on is not None]
        if not chosen:
            raise RefusedError(f"No form has been written for the {round_.academic_year} round "
                               "yet: write the forms first")
    else:
        by_urn = {e.school.urn: e for e in rows}
        chosen, problems = [], []
        for raw in dict.fromkeys(str(u).strip() for u in urns):
            try:
                urn = fields.urn(raw)
            except ValueError as exc:
                problems.append(f"{raw}: {exc}")
                continue
            entry = by_urn.get(urn) if urn is not None else None
            if entry is None:
                school = School.get_or_none(School.urn == urn)
                problems.append(f"{school.name} (URN {urn}) is not in the "
                                f"{round_.academic_year} round" if school else
                                f"no school with URN {urn}")
            elif entry.written_on is None:
                problems.append(f"no form has been written for {entry.school.name} "
                                f"(URN {urn}) yet")
            else:
                chosen.append(entry)
        if problems:
            raise RefusedError("Nothing marked as sent: " + "; ".join(problems))
    result = SentResult([], [])
    with writing():
        for entry in chosen:
            if entry.sent_on is not None:
                result.already.append(entry.school.name)
                continue
            entry.sent_on = on
            entry.save()
            audit.record("round_school", entry.id, "update", {"sent_on": [None, on]},
                         note="marked as sent")
            result.marked.append(entry.school.name)
    return result


def state(entry: RoundSchool | None, by_hand: bool = False) -> str:
    """Where a school stands; ``by_hand``: its leadership was confirmed by hand in the year."""
    if entry is None:
        return "confirmed" if by_hand else "not added"
    if entry.confirmed_on or by_hand:
        return "confirmed"
    if entry.returned_on:
        return "returned"
    if entry.sent_on:
        return "sent"
    if entry.written_on:
        return "written"
    return "not sent"


@dataclass(frozen=True)
class Contact:
    name: str
    post: str
    email: str | None
    phone: str | None


def contacts_to_chase(school_ids: list[int]) -> dict[int, Contact]:
    """The best person to chase per school (ITT champion first), else the school office."""
    order = {kind: i for i, kind in enumerate(CHASE_KINDS)}
    best: dict[int, tuple[int, Role]] = {}
    if school_ids:
        query = (Role.select(Role, Person).join(Person)
                 .where(Role.school.in_(school_ids) & holders.held()
                        & Role.kind.in_(CHASE_KINDS) & (Person.erased == False)))  # noqa: E712
        for role in query:
            rank = order[role.kind]
            if role.school_id not in best or rank < best[role.school_id][0]:
                best[role.school_id] = (rank, role)
    result = {sid: Contact(r.person.full_name, ROLE_KINDS.label(r.kind), r.person.email,
                           r.person.phone) for sid, (_rank, r) in best.items()}
    for school in School.select().where(School.id.in_([i for i in school_ids if i not in result])):
        result[school.id] = Contact("School office", "", school.email, school.phone)
    return result


@dataclass(frozen=True)
class StatusRow:
    school_id: int
    urn: int
    name: str
    state: str
    sent_on: date | None
    returned_on: date | None
    confirmed_on: date | None  # by the round's form, else by hand in the year
    contact: Contact
    appetite: str | None = None  # hosting appetite key for the round's year, if recorded
    written_on: date | None = None
    in_round: bool = True  # False: should confirm this year, not added to the round yet


@dataclass(frozen=True)
class RoundStatus:
    year: AcademicYear
    rows: list[StatusRow]

    def count(self, *states: str) -> int:
        return sum(1 for r in self.rows if r.state in states)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def written(self) -> int:
        return sum(1 for r in self.rows if r.written_on is not None)

    @property
    def sent(self) -> int:
        return sum(1 for r in self.rows if r.sent_on is not None)

    @property
    def returned(self) -> int:
        """Forms that came back (a school confirmed by hand returned none)."""
        return sum(1 for r in self.rows if r.returned_on is not None)

    @property
    def confirmed(self) -> int:
        return self.count("confirmed")

    @property
    def unconfirmed(self) -> int:
        """Home's count for the same year (``confirmation.unconfirmed``) is this number."""
        return self.total - self.confirmed

    @property
    def outstanding(self) -> list[StatusRow]:
        """Sent and not back: the schools to chase."""
        return [r for r in self.rows if r.state == "sent"]

    @property
    def not_sent(self) -> int:
        """Written but not marked sent, or not written yet (in the round or not added)."""
        return self.count("written", "not sent", "not added")

    @property
    def not_added(self) -> int:
        return self.count("not added")

    def appetite_counts(self) -> dict[str, int]:
        """How many schools said what about hosting this year (answers recorded so far)."""
        counts = {key: 0 for key in HOSTING_APPETITES.keys}
        for row in self.rows:
            if row.appetite:
                counts[row.appetite] += 1
        return counts

    def appetite_summary(self) -> str:
        counts = self.appetite_counts()
        if not any(counts.values()):
            return f"Hosting in {self.year}: no answers yet"
        return f"Hosting in {self.year}: " + ", ".join(
            f"{n} {HOSTING_SHORT[k]}" for k, n in counts.items() if n)

    def summary(self) -> str:
        waiting = [f"{len(self.outstanding)} sent and awaited"] if self.outstanding else []
        if self.count("written"):
            waiting.append(f"{self.count('written')} form(s) written, not marked sent")
        if self.count("not sent"):
            waiting.append(f"{self.count('not sent')} with no form yet")
        if self.not_added:
            waiting.append(f"{self.not_added} not added to the round yet")
        if self.count("returned"):
            waiting.append(f"{self.count('returned')} returned, not confirmed")
        return (f"{self.year}: {self.total} schools, {self.confirmed} confirmed, "
                f"{self.unconfirmed} not confirmed"
                + (f" ({', '.join(waiting)})" if self.unconfirmed else ""))


def status(round_: ConfirmationRound) -> RoundStatus:
    """Every school that confirms for the round's year (``confirmation.in_round``), in the
    round or not added yet, with where it stands by ``confirmation``'s definition."""
    year = AcademicYear.parse(round_.academic_year)  # a str on a round not read back yet
    start, end = confirmation.window(year, round_)
    by_entry = {r.school_id: r for r in entries(round_)}
    schools = list(School.select().where(confirmation.in_round(year)).order_by(School.name_key))
    ids = [s.id for s in schools]
    contacts = contacts_to_chase(ids)
    appetite = {a.school_id: a.appetite for a in HostingAppetite.select(
        HostingAppetite.school, HostingAppetite.appetite).where(
        (HostingAppetite.academic_year == year) & HostingAppetite.school.in_(ids or [0]))}
    rows = []
    for school in schools:
        entry = by_entry.get(school.id)
        by_hand = (school.leadership_confirmed_on is not None
                   and start <= school.leadership_confirmed_on <= end)
        confirmed_on = (entry.confirmed_on if entry is not None and entry.confirmed_on
                        else school.leadership_confirmed_on if by_hand else None)
        rows.append(StatusRow(
            school.id, school.urn, school.name, state(entry, by_hand),
            entry.sent_on if entry else None, entry.returned_on if entry else None,
            confirmed_on, contacts[school.id], appetite.get(school.id),
            entry.written_on if entry else None, entry is not None))
    return RoundStatus(year, rows)


OUTSTANDING_HEADINGS = ("URN", "School", "Form sent", "Contact to chase", "Post", "Email",
                        "Phone")


def outstanding_rows(report: RoundStatus) -> list[tuple[int, str, str, str, str, str, str]]:
    return [(r.urn, r.name, fields.format_date(r.sent_on), r.contact.name, r.contact.post,
             r.contact.email or "", r.contact.phone or "") for r in report.outstanding]


def export_outstanding(report: RoundStatus, target: Path) -> Path:
    """The outstanding schools with the contact to chase, as .xlsx (or .csv by extension)."""
    target = Path(target)
    rows = outstanding_rows(report)
    if target.suffix.lower() == ".csv":
        import csv
        import io

        from ..spreadsheets.safe import atomic_write, is_formula_like

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(OUTSTANDING_HEADINGS)
        for row in rows:
            writer.writerow([f"'{v}" if is_formula_like(v) else v for v in row])
        data = buffer.getvalue().encode("utf-8-sig")
        return atomic_write(target, lambda tmp: tmp.write_bytes(data))
    if target.suffix.lower() != ".xlsx":
        raise RefusedError(f"Cannot export to {target.name}: use a .xlsx or .csv file name")
    from ..spreadsheets.safe import atomic_write
    from ..spreadsheets.writer import Styles, workbook, write_value

    def write(tmp: Path) -> None:
        with workbook(tmp) as wb:
            styles = Styles(wb)
            ws = wb.add_worksheet("Outstanding")
            for col, width in enumerate((10, 44, 12, 28, 30, 36, 16)):
                ws.set_column(col, col, width)
            ws.freeze_panes(4, 0)
            write_value(ws, 0, 0,
                        f"Leadership confirmation {report.year}: forms not yet returned", styles,
                        wb.add_format({"bold": True, "font_size": 13}))
            write_value(ws, 1, 0, report.summary(), styles)
            for col, heading in enumerate(OUTSTANDING_HEADINGS):
                write_value(ws, 3, col, heading, styles, styles.bold)
            for r, row in enumerate(rows, start=4):
                for c, value in enumerate(row):
                    write_value(ws, r, c, value, styles)

    return atomic_write(target, write)
