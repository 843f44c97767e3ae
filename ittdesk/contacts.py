"""Contact lists for mailings (issue 20 item 4): choose who, get a CSV that Outlook and mailing
services import, or the addresses to paste into Bcc.

Who: people holding a *current* post (``holders.held``: started and not ended) of the chosen
kinds, and/or holding a designation (SLE, LLE, NLE), narrowed by the school's partnership
status, local authority, trust and phase, and a mentor's subject. One row per person (a mailing
service refuses a repeated address), their matching posts and schools joined. Left out, and
counted so the user can see why the list is shorter: people who asked for no newsletters,
erased people (they have no address anyway) and people with no email address.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peewee import Expression, fn

from . import holders
from .choices import DESIGNATIONS, PARTNERSHIP_STATUSES, PHASES, ROLE_KINDS, Choices
from .errors import RefusedError, ValidationError
from .models import Designation, Person, Role, School
from .spreadsheets.safe import atomic_write, clean_text, is_formula_like

# What a mentor's "phase / key stages" says when it names a phase (a secondary mentor in an
# all-through school is found by "secondary" as well as by the school's phase).
PHASE_WORDS: dict[str, tuple[str, ...]] = {
    "primary": ("primary", "eyfs", "ks1", "ks2", "key stage 1", "key stage 2"),
    "secondary": ("secondary", "ks3", "ks4", "key stage 3", "key stage 4"),
    "16_plus": ("ks5", "key stage 5", "post-16", "post 16", "16+", "sixth form"),
}

HEADINGS = ("First name", "Last name", "Email", "Title", "School", "URN", "Role",
            "Local authority", "Trust", "Partnership status")


@dataclass(frozen=True)
class Audience:
    """Who a list is for. Empty tuples mean "any"; ``roles`` and ``designations`` both empty
    is refused (a list of everyone is never what a mailing meant)."""

    roles: tuple[str, ...] = ()
    designations: tuple[str, ...] = ()
    partnership: tuple[str, ...] = ()
    la: str = ""
    trust: str = ""
    phase: str = ""
    subject: str = ""


@dataclass
class Contact:
    person_id: int
    first_name: str
    last_name: str
    email: str
    title: str = ""
    schools: list[tuple[str, int]] = field(default_factory=list)  # (name, URN)
    roles: list[str] = field(default_factory=list)
    las: list[str] = field(default_factory=list)
    trusts: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    def row(self) -> list[str]:
        def joined(values: Iterable[object]) -> str:
            return "; ".join(dict.fromkeys(str(v) for v in values if v not in (None, "")))

        return [self.first_name, self.last_name, self.email, self.title,
                joined(name for name, _urn in self.schools), joined(urn for _n, urn in self.schools),
                joined(self.roles), joined(self.las), joined(self.trusts), joined(self.statuses)]


@dataclass
class ContactList:
    contacts: list[Contact]
    opted_out: int = 0  # asked not to receive newsletters
    no_email: int = 0

    @property
    def addresses(self) -> list[str]:
        return [c.email for c in self.contacts]

    def bcc(self) -> str:
        """Semicolon-separated, as Outlook's Bcc box takes them."""
        return "; ".join(self.addresses)

    def left_out(self) -> str:
        parts = []
        if self.opted_out:
            parts.append(f"{self.opted_out} asked for no newsletters")
        if self.no_email:
            parts.append(f"{self.no_email} with no email address")
        return ("Left out: " + ", ".join(parts) + ".") if parts else ""


def parse_audience(*, roles: Iterable[str] = (), designations: Iterable[str] = (),
                   partnership: Iterable[str] = (), la: str | None = None,
                   trust: str | None = None, phase: str | None = None,
                   subject: str | None = None) -> Audience:
    """What people typed (labels, keys or synonyms) as an Audience; every unknown word named."""
    errors: dict[str, str] = {}

    def keys(words: Iterable[str], vocabulary: Choices, name: str) -> tuple[str, ...]:
        found = []
        for word in words:
            key = vocabulary.parse(word) if word is not None else None
            if key is None:
                errors[name] = (f"'{word}' is not a {vocabulary.name} (one of: "
                                f"{', '.join(vocabulary.keys)})")
            else:
                found.append(key)
        return tuple(dict.fromkeys(found))

    audience = Audience(
        roles=keys(roles, ROLE_KINDS, "role"),
        designations=keys(designations, DESIGNATIONS, "designation"),
        partnership=keys(partnership, PARTNERSHIP_STATUSES, "partnership"),
        la=(la or "").strip(), trust=(trust or "").strip(),
        phase=(keys([phase], PHASES, "phase")[0:1] or ("",))[0] if phase else "",
        subject=(subject or "").strip(),
    )
    if not audience.roles and not audience.designations and "role" not in errors:
        errors["role"] = "Choose at least one role or designation"
    if errors:
        raise ValidationError(errors)
    return audience


def _school_conditions(audience: Audience, school: Any = School, *,
                       phase: bool = True) -> Expression | None:
    """SQL: the school (the School model or an alias of it) is in the audience; None: any."""
    condition: Expression | None = None

    def add(term: Expression) -> None:
        nonlocal condition
        condition = term if condition is None else condition & term

    if audience.partnership:
        add(school.partnership_status.in_(audience.partnership))
    if audience.la:
        add(fn.LOWER(school.la_name) == audience.la.lower())
    if audience.trust:
        add(fn.LOWER(school.trust) == audience.trust.lower())
    if audience.phase and phase:
        add(school.phase == audience.phase)
    return condition


def _role_phase(phase: str) -> Expression:
    """The school is of the phase, or the post's key stages name it."""
    condition: Expression = School.phase == phase
    for word in PHASE_WORDS.get(phase, ()):
        condition = condition | Role.key_stages.contains(word)
    return condition


def build(audience: Audience) -> ContactList:
    """The people the audience names, one per person, by last name."""
    if not audience.roles and not audience.designations:
        raise RefusedError("Choose at least one role or designation")
    found: dict[int, Contact] = {}
    people: dict[int, Person] = {}

    def contact(person: Person) -> Contact:
        if person.id not in found:
            people[person.id] = person
            found[person.id] = Contact(person.id, person.first_name or "", person.last_name or "",
                                       person.email or "", person.title or "")
        return found[person.id]

    def note_school(c: Contact, school: School | None) -> None:
        if school is None or school.id is None:
            return
        c.schools.append((school.name, school.urn))
        c.las.append(school.la_name or "")
        c.trusts.append(school.trust or "")
        c.statuses.append(PARTNERSHIP_STATUSES.label(school.partnership_status))

    if audience.roles:
        query = (Role.select(Role, Person, School)
                 .join(Person, on=(Role.person == Person.id))
                 .switch(Role).join(School, on=(Role.school == School.id))
                 .where(Role.kind.in_(audience.roles) & holders.held()))
        schools = _school_conditions(audience, phase=False)
        if schools is not None:
            query = query.where(schools)
        if audience.phase:
            query = query.where(_role_phase(audience.phase))
        if audience.subject:
            query = query.where(Role.subjects.contains(audience.subject))
        for role in query.order_by(Role.kind, Role.id):
            c = contact(role.person)
            c.roles.append(ROLE_KINDS.label(role.kind))
            note_school(c, role.school)

    if audience.designations:
        designated = (Designation.select(Designation, Person)
                      .join(Person, on=(Designation.person == Person.id))
                      .where(Designation.kind.in_(audience.designations)))
        if audience.subject:
            designated = designated.where(Designation.specialism.contains(audience.subject))
        schools = _school_conditions(audience)
        if schools is not None:  # their school now, through a current post
            held_school = (Role.select(Role.person).join(School, on=(Role.school == School.id))
                           .where(holders.held() & schools))
            designated = designated.where(Designation.person.in_(held_school))
        for d in designated.order_by(Designation.id):
            c = contact(d.person)
            c.roles.append(d.kind + (f" ({d.specialism})" if d.specialism else ""))
        if found:
            posts = (Role.select(Role.person, School).join(School, on=(Role.school == School.id))
                     .where(holders.held() & Role.person.in_(list(found))))
            for role in posts:
                c = found[role.person_id]
                if not c.schools:
                    note_school(c, role.school)

    result = ContactList([])
    for pid, c in found.items():
        person = people[pid]
        if person.erased:
            continue
        if person.no_newsletters:
            result.opted_out += 1
        elif not c.email:
            result.no_email += 1
        else:
            result.contacts.append(c)
    result.contacts.sort(key=lambda c: (c.last_name.lower(), c.first_name.lower(), c.person_id))
    return result


def _safe(value: str) -> str:
    value = clean_text(value)
    return "'" + value if is_formula_like(value) else value


def write_csv(contacts: ContactList, target: Path) -> int:
    """The list as UTF-8 CSV with a byte-order mark (Excel and Outlook then read accents
    right), formula-like text made text; written whole or not at all. Returns rows written."""
    target = Path(target)
    if target.suffix.lower() != ".csv":
        raise RefusedError(f"Cannot write a contact list to {target.name}: choose a .csv file name")

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
            out = csv.writer(fh)
            out.writerow(HEADINGS)
            for c in contacts.contacts:
                out.writerow([_safe(v) for v in c.row()])

    atomic_write(target, write)
    return len(contacts.contacts)


__all__ = ["Audience", "Contact", "ContactList", "HEADINGS", "build", "parse_audience",
           "write_csv"]
