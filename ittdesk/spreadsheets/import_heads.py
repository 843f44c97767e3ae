"""The head-teacher part of a school row (GIAS ``HeadFirstName``/``HeadLastName``, or one
full-name column): who leads the school, planned with bulk lookups and written in bulk.

A row may name co-heads: GIAS writes both in the name fields ("Anna & Ben", "Khan & Lowe",
``HeadPreferredJobTitle`` "Co Headteacher"). They are two people with a role each, never one
person called "Anna & Ben". Names that cannot be paired (two first names, three last names) add
no head, with a warning, rather than inventing someone.

For an existing school whose current holder of the post is someone else, the old role ends the
day before the import and the new holder starts that day (``holders.handover_end``, the rule
``roles.change_holder`` follows);
history is never overwritten. The same person under another head title is retitled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple, NotRequired, TypedDict

from .. import clock, holders
from .. import fields as F
from ..choices import HEAD_KINDS, ROLE_KINDS
from ..models import Person, Role, School
from ..models.schools import full_name
from ..services.people import people, roles
from . import import_common as C
from .import_base import BAD, Bad, ImportField, ImportKind, Item, Record, Refusal
from .import_rows import current_memo

HEAD_FIELDS = (
    ImportField("head_title", "Head's title", ("HeadTitle (name)", "Head title", "Headteacher title"),
                parse=lambda v: F.text(v, 40)),
    ImportField("head_first_name", "Head's first name",
                ("HeadFirstName", "Head first name", "Headteacher first name",
                 "Head teacher first name", "Head forename"), parse=lambda v: F.text(v, 200)),
    ImportField("head_last_name", "Head's last name",
                ("HeadLastName", "Head last name", "Headteacher last name", "Headteacher surname",
                 "Head surname", "Head teacher surname"), parse=lambda v: F.text(v, 200)),
    ImportField("head_name", "Headteacher",
                ("Head Teacher", "Head", "Headteacher name", "Head's name", "Head teacher name",
                 "Principal", "Name of head"), parse=lambda v: F.text(v, 300)),
    ImportField("head_job_title", "Head's job title",
                ("HeadPreferredJobTitle", "Head job title", "Head preferred job title",
                 "Headteacher job title"), parse=lambda v: F.text(v, 120)),
    ImportField("head_email", "Head's email",
                ("Head's e-mail", "Head email", "Headteacher email", "Head teacher email",
                 "Head's email address", "Headteacher e-mail"), parse=F.email),
)

# "Anna & Ben", "Khan and Lowe", "Mrs/Mr", "Wainwright / Claire Harrison": two people in one
# name field.
_AND = re.compile(r"\s*(?:&|\+|/|;|\band\b)\s*", re.I)
#: A head as a row names them: title, first_name, last_name, email (None: not given), as
#: people.clean and people.create_many take a person.
HeadPerson = dict[str, Any]


class Head(TypedDict):
    """The head part of one school row, parsed: who, and the role kind their job title means."""

    people: list[HeadPerson]  # two for co-heads
    kind: str  # a HEAD_KINDS key
    job_title: str | None


class NewHead(TypedDict):
    """A head role to add: to a person found (``person_id``) or to one to create (``person``)."""

    kind: str
    job_title: str | None
    person_id: int | None  # set when written, for a new person
    person: HeadPerson | None
    start: NotRequired[date | None]  # the import's day when a holder hands over, else unknown


class HeadsPlan(TypedDict):
    """``item.payload["heads"]``: what writing a school row does to its heads' roles."""

    new: list[NewHead]
    retitle: list[tuple[int, dict[str, tuple[Any, Any]], int]]  # (role id, diff, person id)
    end: list[tuple[int, date, int]]  # (role id, end date, person id)


UNPAIRED = "co-heads whose names cannot be paired with certainty: no head added (add them by hand)"


def _one(text: str) -> bool:
    """No joiner in the text (no regex: most rows name one head)."""
    return ("&" not in text and "/" not in text and ";" not in text and "+" not in text
            and "and" not in text and "AND" not in text and "And" not in text)


def _parts(text: str | None) -> list[str]:
    if not text:
        return []
    if _one(text):
        return [text]
    return [p for p in _AND.split(text) if p.strip()]


def name_pairs(first: str | None, last: str | None) -> list[tuple[str, str]] | None:
    """[(first, last), ...] for one head or co-heads; None when they cannot be paired."""
    firsts, lasts = _parts(first), _parts(last)
    if len(firsts) == 1 and len(lasts) == 1:
        return [(first.strip(), last.strip())]  # type: ignore[union-attr]
    if len(firsts) == 2 and len(lasts) == 2:
        return list(zip(firsts, lasts, strict=True))
    if len(firsts) == 2 and len(lasts) == 1 and len(firsts[0].split()) == 1:
        return [(firsts[0], lasts[0]), (firsts[1], lasts[0])]  # a shared surname
    if len(firsts) == 1 and len(lasts) == 2 and len(lasts[1].split()) > 1:
        # GIAS: HeadFirstName "Victoria", HeadLastName "Wainwright / Claire Harrison"
        try:
            _title, second_first, second_last = C.split_name(lasts[1])
        except ValueError:
            return None
        return [(firsts[0], lasts[0]), (second_first, second_last)]
    # "Victoria Wainwright / Claire" + "Harrison" could as well be "Mary Ann / John" + "Smith":
    # rather than guess who is who, no one
    return None


class HeadRole(NamedTuple):
    """What planning a school's head needs of a current head role (not a Role instance each:
    the GIAS re-import holds ~40,000 of them)."""

    id: int
    kind: str
    job_title: str | None
    start_date: date | None


class Holder(NamedTuple):
    """What planning a school's head needs of the person holding a current head role."""

    id: int
    first_name: str | None
    last_name: str | None
    erased: bool

    @property
    def full_name(self) -> str:
        return full_name(self.id, self.first_name, self.last_name, self.erased)


class HeadPlanner:
    """Works out the head-teacher part of school rows with bulk lookups."""

    def __init__(self, keyed: list[tuple[Record, int]], columns: dict[str, str]) -> None:
        self.columns = columns
        self.current: dict[int, list[tuple[HeadRole, Holder]]] = {}
        self.by_name: dict[tuple[int, tuple[str, str]], int] = {}
        emails = []
        for record, _urn in keyed:
            if "head_email" in record.raw:
                try:
                    emails.append(F.email(record.raw["head_email"]))
                except ValueError:
                    pass
        self.by_email = C.people_by_email(emails)
        self.today = clock.today()
        self.kinds: dict[Any, str] = {}  # job title -> head role kind (titles repeat)

    def load(self, schools_found: Iterable[School | Any]) -> None:
        """Read what planning the heads of ``schools_found`` needs, in place of what was read
        for the schools before: a plan goes through a file a block of rows at a time, and
        holds one block's schools' roles, not every school's (BENCHMARKS.md, U8)."""
        ids = [s.id for s in schools_found]
        # every current head-kind role of each school, newest first
        self.current = {}
        for part in C.chunks(ids):
            query = (Role.select(Role.school, Role.id, Role.kind, Role.job_title, Role.start_date,
                                 Person.id, Person.first_name, Person.last_name, Person.erased)
                     .join(Person)
                     .where(Role.school.in_(part) & Role.kind.in_(HEAD_KINDS)
                            & Role.end_date.is_null())
                     .order_by(Role.start_date.desc(nulls="LAST"), Role.id.desc())
                     .tuples())
            for school_id, *row in query.iterator():
                self.current.setdefault(school_id, []).append(
                    (HeadRole(*row[:4]), Holder(*row[4:])))
        self.by_name = C.person_ids_at_schools(ids)

    def parse(self, record: Record, kind: ImportKind, refused: list[Refusal],
              warnings: list[str]) -> Head | Bad | None:
        """{"people": [...], "kind", "job_title"}; None for no head; BAD if refused."""
        raw = record.raw
        if "head_first_name" not in raw and "head_last_name" not in raw and "head_name" not in raw:
            return None
        before = len(refused)
        title, first, last, full, job_title, email = kind.extras(
            record, ("head_title", "head_first_name", "head_last_name", "head_name",
                     "head_job_title", "head_email"), self.columns, refused).values()
        if len(refused) > before:
            return BAD
        named: list[tuple[str | None, str, str]]
        if first and last and _one(first) and _one(last):
            named = [(title, first, last)]  # one head: most rows
        elif first and last:
            titles = _parts(title)
            pairs = name_pairs(first, last)
            if pairs is None:
                warnings.append(UNPAIRED)
                return None
            named = [(titles[0] if len(titles) == 1 and len(pairs) == 1 else
                      titles[i] if len(titles) == len(pairs) else None, f, la)
                     for i, (f, la) in enumerate(pairs)]
        elif full:
            named = []
            for part in _parts(full):
                try:
                    named.append(C.split_name(part))
                except ValueError as exc:
                    refused.append(Refusal(record.row, self.columns.get("head_name", ""), str(exc)))
                    return BAD
            if len(named) == 1 and title and not named[0][0]:
                named[0] = (title, named[0][1], named[0][2])
        else:
            column = self.columns.get("head_last_name") or self.columns.get("head_first_name", "")
            refused.append(Refusal(record.row, column, "the head's first and last name are both needed"))
            return BAD
        found: list[HeadPerson] = []
        for person_title, first_name, last_name in named:
            person: HeadPerson = {"title": person_title, "first_name": first_name, "last_name": last_name,
                      # one email cannot be both co-heads'
                      "email": email if len(named) == 1 else None}
            _values, errors = people.clean({k: v for k, v in person.items() if v is not None},
                                           memo=current_memo())
            if errors:
                for message in errors.values():
                    refused.append(Refusal(record.row, self.columns.get("head_email", ""), message))
                return BAD
            found.append(person)
        kind_of = self.kinds.get(job_title)
        if kind_of is None:
            kind_of = self.kinds[job_title] = C.head_kind(job_title)
        return {"people": found, "kind": kind_of, "job_title": job_title}

    def plan(self, item: Item, school: School | Any | None, head: Head) -> None:
        kind, label = head["kind"], ROLE_KINDS.label(head["kind"])
        if school is None:
            self._plan_new_school(item, head, kind, label)
            return
        currents = self.current.get(school.id, [])
        # The name keys match a stored school's people (a new school, above, has none: most
        # rows of the first import into a database, 38,754 heads' keys made for nothing, G10).
        keys = [C.name_key(p["first_name"], p["last_name"]) for p in head["people"]]
        kept: set[int] = set()
        retitles: list[tuple[int, dict[str, tuple[Any, Any]], int]] = []
        new: list[NewHead] = []
        for person, key in zip(head["people"], keys, strict=True):
            # The same person already leading the school, perhaps under another title (Head of
            # School who became Executive Headteacher): their role is retitled, not duplicated.
            same = next((c for c in currents
                         if C.name_key(c[1].first_name, c[1].last_name) == key), None
                        ) if currents else None
            if same is not None:
                role = same[0]
                kept.add(role.id)
                others = [c for c in currents if c[0].kind == kind and c is not same
                          and C.name_key(c[1].first_name, c[1].last_name) not in keys]
                diff: dict[str, tuple[Any, Any]] = {}
                if role.kind != kind and not others:
                    diff["kind"] = (role.kind, kind)
                    item.changes[f"{ROLE_KINDS.label(role.kind)} role"] = (
                        ROLE_KINDS.label(role.kind), label)
                if head["job_title"] and role.job_title != head["job_title"]:
                    diff["job_title"] = (role.job_title, head["job_title"])
                    item.changes[f"{label} job title"] = (role.job_title, head["job_title"])
                if diff:
                    retitles.append((role.id, diff, same[1].id))
                continue
            by_email = self.by_email.get(person["email"]) if person.get("email") else None
            found = by_email.id if by_email is not None else None
            if found is None:
                found = self.by_name.get((school.id, key))
            new.append({"kind": kind, "job_title": head["job_title"],
                        "person_id": found if found else None,
                        "person": None if found else person})
        ends: list[tuple[int, date, int]] = []
        if new:
            for role, holder in currents:
                if role.kind == kind and role.id not in kept:
                    ends.append((role.id, holders.handover_end(role.start_date, self.today),
                                 holder.id))
            for plan in new:
                plan["start"] = self.today if ends else None
            leaving = [h.full_name for r, h in currents if r.kind == kind and r.id not in kept]
            item.changes[label] = (" and ".join(leaving) or None,
                                   " and ".join(C.person_label(p) for p in head["people"]))
        if new or retitles:
            item.payload["heads"] = HeadsPlan(new=new, retitle=retitles, end=ends)
            if item.action == "same":
                item.action = "update"

    def _plan_new_school(self, item: Item, head: Head, kind: str, label: str) -> None:
        """:meth:`plan` for a school the import adds (most rows of a first import): it has no
        current roles and no stored people by name, so each head is new to it, found by email
        or created; nothing is kept, retitled or ended."""
        if not head["people"]:
            return
        new: list[NewHead] = []
        for person in head["people"]:
            by_email = self.by_email.get(person["email"]) if person.get("email") else None
            found = by_email.id if by_email is not None else None
            new.append({"kind": kind, "job_title": head["job_title"], "person_id": found,
                        "person": None if found else person, "start": None})
        item.changes[label] = (None, " and ".join(C.person_label(p) for p in head["people"]))
        item.payload["heads"] = HeadsPlan(new=new, retitle=[], end=[])
        if item.action == "same":
            item.action = "update"


def write_heads(items: list[Item], run_id: int) -> None:
    """Write the heads planned on ``items``: people, ended roles, retitles, new roles."""
    # One new person per email: an executive head may lead several schools in one file.
    new_plans: list[NewHead] = []
    first_by_email: dict[str, NewHead] = {}
    same_as: list[tuple[NewHead, NewHead]] = []
    for item in items:
        for plan in item.payload["heads"]["new"]:
            person = plan.get("person")
            if not person:
                continue
            email = person.get("email")
            if email:
                if email in first_by_email:
                    same_as.append((plan, first_by_email[email]))
                    continue
                first_by_email[email] = plan
            new_plans.append(plan)
    ids = people.create_many([p["person"] for p in new_plans if p["person"]], import_run=run_id)
    for plan, person_id in zip(new_plans, ids, strict=True):
        plan["person_id"] = person_id
    for plan, first in same_as:
        plan["person_id"] = first["person_id"]
    role_rows: list[dict[str, Any]] = []
    changes: list[tuple[int, dict[str, Any], int | None]] = []
    for item in items:
        heads: HeadsPlan = item.payload["heads"]
        if heads["retitle"]:
            changes.extend(heads["retitle"])
        if heads["end"]:
            changes.extend((role_id, {"end_date": (None, end)}, person_id)
                           for role_id, end, person_id in heads["end"])
        school_id = item.payload["id"]
        for plan in heads["new"]:
            role_rows.append({"person": plan["person_id"], "school": school_id,
                              "kind": plan["kind"], "job_title": plan["job_title"],
                              "start_date": plan.get("start")})
    roles.update_many(changes, import_run=run_id)
    roles.create_many(role_rows, import_run=run_id)
