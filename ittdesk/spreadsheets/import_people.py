"""Importing people and mentors: one person per row, optionally with their role at a school.

Rows are matched to people by email, else by first and last name among people who have (had) a
role at the row's school, else by name and phone, else by name and date of birth. A row that names a school gives the person a
role there (mentor when the file has no role column or the cell is blank), or updates the mentor
details (subjects, key stages, capacity) of the role they already hold. A training date adds a
mentor training record.

One person may be on several rows (a role at each of two schools): rows with the same email,
or the same name and phone or date of birth, are one person with a role per row; they must
agree about the values both give. Someone stored with the same name but nothing else to tell
them apart (no email, school, phone or date of birth in common, and no other date of birth) is
a *possible duplicate*: the row adds a new person, with a
warning naming who it may be, unless the import option ``match_possible`` (the CLI's
``--match-possible``) says to take them as that person. Every problem of a row is reported in
one run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypedDict, cast

from peewee import fn

from .. import fields as F
from ..choices import ROLE_KINDS
from ..models import MentorTraining, Person, Role
from ..services.base import Kind
from ..services.people import mentor_training, people, roles
from . import import_common as C
from .import_base import BAD, Bad, ImportField, ImportKind, Item, Record, Refusal
from .import_training import BIRTH_DATE_SYNONYMS

PERSON_SYNONYMS = {
    "title": ("Salutation", "Prefix", "Mentor title"),
    "first_name": ("First names", "Forename", "Forenames", "Given name", "Firstname",
                   "Christian name", "Mentor first name", "First"),
    "last_name": ("Surname", "Family name", "Lastname", "Mentor surname", "Mentor last name",
                  "Last names"),
    "email": ("E-mail", "Email address", "Mentor email", "Work email", "Contact email",
              "E-mail address", "Mentor e-mail"),
    "phone": ("Telephone", "Mobile", "Phone number", "Tel", "Contact number", "Mobile number"),
    "trn": ("Teacher reference number", "DfE teacher number", "Teacher number", "TRN number"),
    "notes": ("Comments", "Note"),
    "date_of_birth": BIRTH_DATE_SYNONYMS,
}
SchoolRef = C.SchoolRef
Token = C.Token
CurrentRoles = dict[tuple[int, int, str], Role]  # (person, school, kind) -> current role
Trained = dict[int, set[date]]  # person -> the dates of their mentor training


class ParsedRow(TypedDict):
    """A row's values as :meth:`PeopleImport._parse` finds them."""

    person: dict[str, Any]  # cleaned by people
    role: dict[str, Any]  # cleaned by roles
    school_urn: int | Bad | None
    trained_on: date | Bad | None
    ok: bool  # False: a problem was found (and said)
    label: str  # "First Last"


ROLE_FIELDS = ("kind", "job_title", "start_date", "subjects", "key_stages", "capacity")

EXTRA_FIELDS = (
    ImportField("full_name", "Full name", ("Name", "Mentor name", "Mentor", "Person",
                                           "Contact name", "Name of mentor"), parse=C.split_name),
    ImportField("school_urn", "School URN", ("URN", "DfE number", "School DfE number",
                                             "Placement school URN", "Mentor school URN",
                                             "School URN number"), parse=F.urn),
    ImportField("kind", "Role", ("Position", "Role at school", "Post", "Role type"),
                parse=lambda v: v),
    ImportField("job_title", "Job title", ("Job role",), parse=lambda v: v),
    ImportField("start_date", "Role start date", ("Start date", "Role start", "Started", "Since",
                                                  "Role from"), parse=lambda v: v, is_date=True),
    ImportField("subjects", "Subjects", ("Subject", "Specialism", "Mentoring subject",
                                         "Subject(s)", "Subjects mentored"), parse=lambda v: v),
    ImportField("key_stages", "Phase / key stages", ("Key stages", "Key stage", "Phase",
                                                     "Age range", "Key stages taught"),
                parse=lambda v: v),
    ImportField("capacity", "Capacity (trainees)", ("Capacity", "Trainees", "Max trainees",
                                                    "Number of trainees", "Trainee capacity"),
                parse=lambda v: v),
    ImportField("trained_on", "Mentor training completed",
                ("Training completed", "Trained on", "Mentor training date", "Date trained",
                 "Mentor training"), parse=F.day, is_date=True),
)


class PeopleImport(ImportKind):
    name = "people"
    label = "People and mentors"
    service = people
    key_help = ("Rows are matched to people by email, else by first and last name at the row's "
                "school or with the same phone or date of birth; rows with one email are one "
                "person.")
    fields = tuple(ImportField(f.name, f.label, PERSON_SYNONYMS.get(f.name, ()),
                               is_date=f.kind is Kind.DATE)
                   for f in people.fields) + EXTRA_FIELDS

    def check_mapping(self, mapping: dict[int, str]) -> list[str]:
        names = set(mapping.values())
        if "full_name" not in names and not {"first_name", "last_name"} <= names:
            return ["Map a column to Full name, or columns to both First name and Last name"]
        return []

    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        options = options or {}
        parsed: list[tuple[Record, ParsedRow]] = []
        urns: list[int] = []
        for record in records:
            row = self._parse(record, columns, refused)
            if row["school_urn"] not in (None, BAD):
                urns.append(row["school_urn"])
            parsed.append((record, row))
        schools = C.school_ids_by_urn(urns)
        fine = [row for _r, row in parsed if row["ok"]]
        by_email = C.people_by_email(row["person"].get("email") for row in fine)
        known: dict[str, dict[Any, Person]] = {"email": by_email, "trn": C.people_by_trn(row["person"].get("trn") for row in fine)}
        trn_owner: dict[str, tuple[Any, int]] = {}  # TRN -> (person id or row, row) planned
        by_name = C.people_at_schools(s[0] for s in schools.values())
        namesakes = _people_named(C.name_key(row["person"].get("first_name"),
                                             row["person"].get("last_name"))
                                  for row in fine if not row["person"].get("email"))
        current_roles, trained = _existing_roles_and_training(
            [p.id for p in by_email.values()] + [p.id for p in by_name.values()]
            + [p.id for ps in namesakes.values() for p in ps])
        same = _SamePerson()
        # rows refused for something else, as far as they say who the person is: a row of the
        # same person that disagrees with one is told now, not on the run after it is mended
        refused_rows = _SamePerson()
        items: list[Item] = []
        for record, row in parsed:
            before = len(refused)
            school: SchoolRef | None = None
            if row["school_urn"] not in (None, BAD):
                school = schools.get(row["school_urn"])
                if school is None:
                    refused.append(Refusal(record.row, columns["school_urn"],
                                           C.no_school(row["school_urn"])))
            if len(refused) > before or not row["ok"]:
                _disagreements(row["person"], school, record, columns, refused, same, refused_rows)
                continue
            values = row["person"]
            name = C.name_key(values.get("first_name"), values.get("last_name"))
            person = by_email.get(values["email"]) if values.get("email") else None
            if person is None and school is not None:
                person = by_name.get((school[0], name))
            possible: list[Person] = []
            if person is None and not values.get("email"):
                candidates = namesakes.get(name, [])
                born = values.get("date_of_birth")
                if born is not None:  # another date of birth is another person
                    candidates = [p for p in candidates
                                  if p.date_of_birth is None or p.date_of_birth == born]
                phoned = [p for p in candidates if values.get("phone") and p.phone == values["phone"]]
                same_birth = [p for p in candidates if born is not None and p.date_of_birth == born]
                if len(phoned) == 1:
                    person = phoned[0]
                elif len(same_birth) == 1:
                    person = same_birth[0]
                elif candidates:
                    possible = candidates
                    if options.get("match_possible") and len(candidates) == 1:
                        person, possible = candidates[0], []
            at = school[0] if school else None
            earlier = same.earlier(values, person, at)
            if earlier is None:  # a refused row of the same person it disagrees with: said now
                told = refused_rows.earlier(values, person, at)
                if told is not None and not same.agree(told, values, record, columns, refused):
                    continue
            # A TRN given on two rows to two people would fail at apply: refuse the later row.
            trn = values.get("trn")
            owner: Token = person.id if person is not None else (
                earlier.token if earlier is not None else ("new", record.row))
            if trn and (person is None or person.trn != trn):
                first = trn_owner.get(trn)
                if first is not None and first[0] != owner:
                    refused.append(Refusal(record.row, columns.get("trn", ""),
                                           C.key_clash("TRN", trn, first[1])))
                    continue
            if earlier is not None:
                if not same.agree(earlier, values, record, columns, refused):
                    continue
                item = self._plan_more(record, row, earlier, person, school, columns, refused,
                                       current_roles, trained, same)
            else:
                item = self._plan_row(record, row, person, school, columns, refused,
                                      current_roles, trained, known)
                if item is not None and not same.claim_role(owner, school, item, record,
                                                            columns, refused):
                    item = None
            if item is None:
                continue
            if possible and earlier is None:
                who = "; ".join(f"{p.full_name} (#{p.id}{', ' + p.phone if p.phone else ''})"
                                for p in possible[:3])
                item.warnings.append(f"possible duplicate of {who}: added as a new person "
                                     "unless you choose to match possible duplicates")
                item.payload["possible"] = [p.id for p in possible]
            if earlier is None:
                same.planned(owner, values, person, at, item)
            if trn and (person is None or person.trn != trn):
                trn_owner.setdefault(trn, (owner, record.row))
            items.append(item)
        return items

    def _plan_more(self, record: Record, row: ParsedRow, earlier: _Planned, person: Person | None,
                   school: SchoolRef | None, columns: dict[str, str], refused: list[Refusal],
                   current_roles: CurrentRoles, trained: Trained, same: _SamePerson
                   ) -> Item | None:
        """A later row of a person an earlier row of the file plans: their role (and training)
        here; values only this row gives go into the earlier row's person."""
        first = earlier.item
        additions = {k: v for k, v in row["person"].items()
                     if v is not None and earlier.values.get(k) is None
                     and (person is None or getattr(person, k) != v)}
        if additions:
            earlier.values.update(additions)
            if "person" in first.payload:
                first.payload["person"].update(additions)
                first.changes.update({people.field(k).label: (None, v) for k, v in additions.items()})
            else:
                diff = first.payload.get("person_changes") or {}
                first.payload["person_changes"] = diff
                for k, v in additions.items():
                    diff[k] = (getattr(person, k), v)
                    first.changes[people.field(k).label] = diff[k]
                if first.action == "same":
                    first.action = "update"
        item = self._plan_row(record, {**row, "person": {}}, person, school, columns, refused,
                              current_roles, trained, None)
        if item is None or not same.claim_role(earlier.token, school, item, record, columns,
                                               refused):
            return None
        if person is None:
            item.payload.pop("person", None)
            item.payload["same_person_as"] = first
            item.action = "add"
            item.changes = {k: v for k, v in item.changes.items()
                            if k in ("Role", "Mentor training")}
            if not item.changes:
                item.action = "same"  # the row repeats the person and adds nothing
        item.description = f"{row['label']} (also on row {first.row})"
        return item

    def _parse(self, record: Record, columns: dict[str, str], refused: list[Refusal]) -> ParsedRow:
        """The row's values; ``ok`` is False when a problem was found (the row is still looked
        at, its school too, so that every problem of it is said in one run)."""
        raw = dict(record.raw)
        before = len(refused)
        if "full_name" in raw and not ("first_name" in raw and "last_name" in raw):
            split = self.extra(record, "full_name", columns, refused)
            if split is not BAD and split is not None:
                if split[0]:
                    raw.setdefault("title", split[0])
                raw.setdefault("first_name", split[1])
                raw.setdefault("last_name", split[2])
        school_urn = self.extra(record, "school_urn", columns, refused)
        trained_on = self.extra(record, "trained_on", columns, refused)
        person_data = {f.name: raw[f.name] for f in people.fields if f.name in raw}
        values, errors = people.clean(person_data, partial=True)
        for name, message in errors.items():
            refused.append(Refusal(record.row, columns.get(name, ""), message.split(": ", 1)[-1]))
        role_data = {n: raw[n] for n in ROLE_FIELDS if n in raw}
        role_values, errors = roles.clean(role_data, partial=True)
        for name, message in errors.items():
            refused.append(Refusal(record.row, columns.get(name, ""), message.split(": ", 1)[-1]))
        name_columns = {columns.get(k) for k in ("first_name", "last_name", "full_name")}
        if not (values.get("first_name") and values.get("last_name")) and not (
                name_columns & {r.column for r in refused[before:]}):
            refused.append(Refusal(record.row, columns.get("last_name") or columns.get("full_name", ""),
                                   "first and last name are both needed"))
        return ParsedRow(
            person=values, role=role_values, school_urn=school_urn, trained_on=trained_on,
            ok=len(refused) == before,
            label=f"{values.get('first_name') or ''} {values.get('last_name') or ''}".strip())

    def _plan_row(self, record: Record, row: ParsedRow, person: Person | None,
                  school: SchoolRef | None, columns: dict[str, str], refused: list[Refusal],
                  current_roles: CurrentRoles, trained: Trained,
                  known: dict[str, dict[Any, Person]] | None = None) -> Item | None:
        values = row["person"]
        changes: dict[str, tuple[Any, Any]] = {}
        payload: dict[str, Any] = {}
        if person is None:
            merged = {f.name: values.get(f.name) for f in people.fields}
            errors = people.check(merged, None, known)
            action = "add"
            payload["person"] = values
            for k, v in values.items():
                changes[people.field(k).label] = (None, v)
        else:
            diff = {k: (getattr(person, k), v) for k, v in values.items()
                    if v is not None and getattr(person, k) != v}
            merged = people.merged(person, {k: v[1] for k, v in diff.items()})
            errors = people.check(merged, person, known) if diff else {}
            action = "update" if diff else "same"
            payload["person_id"] = person.id
            payload["person_changes"] = diff
            for k, c in diff.items():
                changes[people.field(k).label] = c
        for name, message in errors.items():
            refused.append(Refusal(record.row, columns.get(name, ""), message))
        if errors:
            return None
        if school is not None:
            role_values = dict(row["role"])
            kind = role_values.pop("kind", None) or "mentor"
            existing = current_roles.get((person.id, school[0], kind)) if person else None
            where = f"{ROLE_KINDS.label(kind)} at {school[1]}"
            if existing is None:
                role = {"school": school[0], "kind": kind, **role_values}
                problems = roles.check(role, None)
                if problems:
                    for name, message in problems.items():
                        refused.append(Refusal(record.row, columns.get(name, ""), message))
                    return None
                payload["role"] = role
                changes["Role"] = (None, where)
            else:
                diff = {k: (getattr(existing, k), v) for k, v in role_values.items()
                        if v is not None and getattr(existing, k) != v}
                if diff:
                    payload["role_changes"] = (existing.id, diff)
                    for k, c in diff.items():
                        changes[f"{roles.field(k).label} ({where})"] = c
        trained_on = row["trained_on"]
        if trained_on is not None and trained_on is not BAD:  # BAD: the row is not ok
            done = trained.get(person.id, set()) if person else set()
            if trained_on not in done:
                payload["training"] = {"kind": "refresher" if done else "initial",
                                       "completed_on": trained_on,
                                       "school": school[0] if school else None}
                changes["Mentor training"] = (None, F.format_date(trained_on))
        if action == "same" and any(k in payload for k in ("role", "role_changes", "training")):
            action = "update"
        key = values.get("email") or f"{row['label']}"
        return Item(record.row, action, key, row["label"], changes, payload)

    def write(self, items: list[Item], run_id: int, tick: Callable[[int], None]) -> None:
        new = [i for i in items if "person" in i.payload]
        ids = people.create_many([i.payload["person"] for i in new], import_run=run_id)
        for item, person_id in zip(new, ids, strict=True):
            item.payload["person_id"] = person_id
        role_rows: list[dict[str, Any]] = []
        training_rows: list[dict[str, Any]] = []
        person_changes: list[tuple[int, dict[str, Any], int | None]] = []
        role_changes: list[tuple[int, dict[str, Any], int | None]] = []
        for item in items:
            person_id = item.payload.get("person_id") or item.payload[
                "same_person_as"].payload["person_id"]
            if item.payload.get("person_changes"):
                person_changes.append((person_id, item.payload["person_changes"], person_id))
            if "role" in item.payload:
                role_rows.append({"person": person_id, **item.payload["role"]})
            if "role_changes" in item.payload:
                role_id, rdiff = item.payload["role_changes"]
                role_changes.append((role_id, rdiff, person_id))
            if "training" in item.payload:
                training_rows.append({"person": person_id, **item.payload["training"]})
            tick(1)
        people.update_many(person_changes, import_run=run_id)
        roles.update_many(role_changes, import_run=run_id)
        roles.create_many(role_rows, import_run=run_id)
        mentor_training.create_many(training_rows, import_run=run_id)


def _disagreements(values: dict[str, Any], school: SchoolRef | None, record: Record,
                   columns: dict[str, str], refused: list[Refusal], same: _SamePerson,
                   refused_rows: _SamePerson) -> None:
    """A refused row's person (the values that could be read) against the rows before it: what
    it disagrees with is said now; it is kept for the rows after it to be compared with."""
    at = school[0] if school else None
    earlier = same.earlier(values, None, at) or refused_rows.earlier(values, None, at)
    if earlier is not None:
        same.agree(earlier, values, record, columns, refused)
    else:
        refused_rows.planned(("refused", record.row), values, None, at,
                             Item(record.row, "same", "", ""))


class _Planned:
    """A person the file's rows plan so far: who (token), the values given, the first item."""

    def __init__(self, token: Token, values: dict[str, Any], item: Item) -> None:
        self.token, self.values, self.item = token, dict(values), item


class _SamePerson:
    """Rows of the file that are one person (the same email, else the same stored person, else
    the same name and phone or date of birth), and the roles (person, school, kind) the rows
    plan."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[Any, ...], _Planned] = {}  # see _keys
        self.roles: dict[tuple[Token, int, str], int] = {}  # (token, school id, kind) -> row

    @staticmethod
    def _keys(values: dict[str, Any], person: Person | None,
              school_id: int | None) -> list[tuple[Any, ...]]:
        keys: list[tuple[Any, ...]] = []
        if values.get("email"):
            keys.append(("email", values["email"]))
        if person is not None:
            keys.append(("id", person.id))
        name = C.name_key(values.get("first_name"), values.get("last_name"))
        if values.get("phone"):
            keys.append(("phone", name, values["phone"]))
        if values.get("date_of_birth"):
            keys.append(("born", name, values["date_of_birth"]))
        if school_id is not None and not values.get("email"):
            keys.append(("school", name, school_id))  # matched so in the database too
        return keys

    def earlier(self, values: dict[str, Any], person: Person | None,
                school_id: int | None) -> _Planned | None:
        for key in self._keys(values, person, school_id):
            found = self.by_key.get(key)
            if found is not None:
                return found
        return None

    def planned(self, token: Token, values: dict[str, Any], person: Person | None,
                school_id: int | None, item: Item) -> None:
        planned = _Planned(token, values, item)
        for key in self._keys(values, person, school_id):
            self.by_key.setdefault(key, planned)

    def agree(self, earlier: _Planned, values: dict[str, Any], record: Record,
              columns: dict[str, str], refused: list[Refusal]) -> bool:
        """Whether a later row of a person says what the earlier rows say (refusals if not)."""
        ok = True
        for k, v in values.items():
            old = earlier.values.get(k)
            if v is None or old is None or C.same_value(old, v):
                continue
            refused.append(Refusal(record.row, C.value_column(columns, k),
                                   f"the same person is on row {earlier.item.row} with "
                                   f"{people.field(k).label.lower()} '{old}': make the rows agree"))
            ok = False
        return ok

    def claim_role(self, token: Token, school: SchoolRef | None, item: Item, record: Record,
                   columns: dict[str, str], refused: list[Refusal]) -> bool:
        """A role (person, school, kind) on one row only."""
        if school is None:
            return True
        role = item.payload.get("role") or {}
        kind = role.get("kind") or "mentor"
        key = (token, school[0], kind)
        first = self.roles.get(key)
        if first is not None:
            refused.append(Refusal(record.row, columns.get("school_urn", ""),
                                   f"this person's role at {school[1]} is also on row {first}: "
                                   "keep one"))
            return False
        self.roles[key] = record.row
        return True


def _people_named(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Person]]:
    """name key -> the stored (not erased) people of that name, for rows with no email."""
    wanted = {k for k in keys if k[0] and k[1]}
    found: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for part in C.chunks(sorted({k[1] for k in wanted})):
        query = Person.select().where(fn.LOWER(Person.last_name).in_(part)
                                      & (Person.erased == False))  # noqa: E712
        for person in query:
            key = C.name_key(person.first_name, person.last_name)
            if key in wanted:
                found[key].append(person)
    return found


def _existing_roles_and_training(person_ids: list[int]) -> tuple[CurrentRoles, Trained]:
    """(person, school, kind) -> current role; person -> set of training dates."""
    current: dict[tuple[int, int, str], Role] = {}
    trained: Trained = defaultdict(set)
    wanted = sorted(set(person_ids))
    for part in C.chunks(wanted):
        for role in Role.select().where(Role.person.in_(part) & Role.end_date.is_null()):
            current.setdefault((role.person_id, role.school_id, role.kind), role)
        query = (MentorTraining.select(MentorTraining.person, MentorTraining.completed_on)
                 .where(MentorTraining.person.in_(part)).tuples())
        for person_id, done in cast("Iterable[tuple[int, date]]", query):  # .tuples(): rows
            trained[person_id].add(done)
    return current, trained

