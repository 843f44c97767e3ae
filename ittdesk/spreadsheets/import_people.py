"""Importing people and mentors: one person per row, optionally with their role at a school.

Rows are matched to people by email, else by first + last name among people who have (had) a
role at the row's school. A row that names a school gives the person a role there (mentor when
the file has no role column or the cell is blank), or updates the mentor details (subjects, key
stages, capacity) of the role they already hold. A training date adds a mentor training record.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .. import audit
from .. import fields as F
from ..choices import ROLE_KINDS
from ..models import MentorTraining, Person, Role
from ..services.people import people, roles
from . import import_common as C
from .import_base import BAD, ImportField, ImportKind, Item, Record, Refusal

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
}
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
                "school.")
    fields = tuple(ImportField(f.name, f.label, PERSON_SYNONYMS.get(f.name, ()))
                   for f in people.fields) + EXTRA_FIELDS

    def check_mapping(self, mapping):
        names = set(mapping.values())
        if "full_name" not in names and not {"first_name", "last_name"} <= names:
            return ["Map a column to Full name, or columns to both First name and Last name"]
        return []

    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        parsed = []
        for record in records:
            row = self._parse(record, columns, refused)
            if row is not None:
                parsed.append((record, row))
        # Keys inside the file: an email, or a name at a school, only once.
        seen: dict[Any, list[int]] = defaultdict(list)
        for record, row in parsed:
            seen[_key(row)].append(record.row)
        bad_keys = {k for k, rows in seen.items() if k is not None and len(rows) > 1}
        schools = C.school_ids_by_urn(row["school_urn"] for _r, row in parsed)
        by_email = C.people_by_email(row["person"].get("email") for _r, row in parsed)
        known = {"email": by_email, "trn": C.people_by_trn(row["person"].get("trn")
                                                          for _r, row in parsed)}
        trn_owner: dict[str, tuple[Any, int]] = {}  # TRN -> (person id or row, row) planned
        by_name = C.people_at_schools(s[0] for s in schools.values())
        current_roles, trained = _existing_roles_and_training(
            [p.id for p in by_email.values()] + [p.id for p in by_name.values()])
        items = []
        for record, row in parsed:
            key = _key(row)
            if key in bad_keys:
                rows = ", ".join(str(n) for n in seen[key])
                column = columns.get("email") if key[0] == "email" else (
                    columns.get("last_name") or columns.get("full_name", ""))
                what = f"email {key[1]}" if key[0] == "email" else f"{row['label']} at this school"
                refused.append(Refusal(record.row, column or "",
                                       f"{what} is on more than one row ({rows}): keep one"))
                continue
            school = None
            if row["school_urn"] is not None:
                school = schools.get(row["school_urn"])
                if school is None:
                    refused.append(Refusal(record.row, columns["school_urn"],
                                           C.no_school(row["school_urn"])))
                    continue
            person = by_email.get(row["person"].get("email")) if row["person"].get("email") else None
            if person is None and school is not None:
                person = by_name.get((school[0], C.name_key(row["person"].get("first_name"),
                                                            row["person"].get("last_name"))))
            # A TRN given on two rows to two people would fail at apply: refuse the later row.
            trn = row["person"].get("trn")
            owner = person.id if person is not None else ("new", record.row)
            if trn and (person is None or person.trn != trn):
                earlier = trn_owner.get(trn)
                if earlier is not None and earlier[0] != owner:
                    refused.append(Refusal(record.row, columns.get("trn", ""),
                                           C.key_clash("TRN", trn, earlier[1])))
                    continue
            item = self._plan_row(record, row, person, school, columns, refused,
                                  current_roles, trained, known)
            if item is not None:
                if trn and (person is None or person.trn != trn):
                    trn_owner.setdefault(trn, (owner, record.row))
                items.append(item)
        return items

    def _parse(self, record, columns, refused):
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
        if len(refused) > before:
            return None
        if not (values.get("first_name") and values.get("last_name")):
            refused.append(Refusal(record.row, columns.get("last_name") or columns.get("full_name", ""),
                                   "first and last name are both needed"))
            return None
        return {"person": values, "role": role_values, "school_urn": school_urn,
                "trained_on": trained_on,
                "label": f"{values['first_name']} {values['last_name']}"}

    def _plan_row(self, record, row, person, school, columns, refused, current_roles, trained,
                  known=None):
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
        if row["trained_on"] is not None:
            done = trained.get(person.id, set()) if person else set()
            if row["trained_on"] not in done:
                payload["training"] = {"kind": "refresher" if done else "initial",
                                       "completed_on": row["trained_on"],
                                       "school": school[0] if school else None}
                changes["Mentor training"] = (None, F.format_date(row["trained_on"]))
        if action == "same" and any(k in payload for k in ("role", "role_changes", "training")):
            action = "update"
        key = values.get("email") or f"{row['label']}"
        return Item(record.row, action, key, row["label"], changes, payload)

    def write(self, items: list[Item], run_id: int, tick) -> None:
        entries: list[dict[str, Any]] = []
        new = [i for i in items if "person" in i.payload]
        ids = C.insert_returning(Person, C.full_rows(Person, [i.payload["person"] for i in new])) \
            if new else []
        for item, person_id in zip(new, ids, strict=True):
            item.payload["person_id"] = person_id
            entries.append({"entity": "person", "entity_id": person_id, "action": "create",
                            "changes": {k: [None, v] for k, v in item.payload["person"].items()
                                        if v is not None},
                            "person_id": person_id, "import_run": run_id})
        role_rows, training_rows = [], []
        for item in items:
            person_id = item.payload["person_id"]
            diff = item.payload.get("person_changes")
            if diff:
                Person.update({k: v[1] for k, v in diff.items()}).where(Person.id == person_id).execute()
                entries.append({"entity": "person", "entity_id": person_id, "action": "update",
                                "changes": {k: list(v) for k, v in diff.items()},
                                "person_id": person_id, "import_run": run_id})
            if "role" in item.payload:
                role_rows.append({"person": person_id, **item.payload["role"]})
            if "role_changes" in item.payload:
                role_id, rdiff = item.payload["role_changes"]
                Role.update({k: v[1] for k, v in rdiff.items()}).where(Role.id == role_id).execute()
                entries.append({"entity": "role", "entity_id": role_id, "action": "update",
                                "changes": {k: list(v) for k, v in rdiff.items()},
                                "person_id": person_id, "import_run": run_id})
            if "training" in item.payload:
                training_rows.append({"person": person_id, **item.payload["training"]})
            tick(1)
        for model, entity, rows in ((Role, "role", role_rows),
                                    (MentorTraining, "mentor_training", training_rows)):
            if not rows:
                continue
            full = C.full_rows(model, rows)
            for row, new_id in zip(rows, C.insert_returning(model, full), strict=True):
                entries.append({"entity": entity, "entity_id": new_id, "action": "create",
                                "changes": {k: [None, v] for k, v in row.items() if v is not None},
                                "person_id": row["person"], "import_run": run_id})
        audit.record_many(entries)


def _key(row: dict) -> tuple | None:
    email = row["person"].get("email")
    if email:
        return ("email", email)
    if row["school_urn"] is not None:
        return ("name", row["school_urn"], C.name_key(row["person"].get("first_name"),
                                                      row["person"].get("last_name")))
    return None


def _existing_roles_and_training(person_ids: list[int]):
    """(person, school, kind) -> current role; person -> set of training dates."""
    current: dict[tuple[int, int, str], Role] = {}
    trained: dict[int, set] = defaultdict(set)
    wanted = sorted(set(person_ids))
    for part in C.chunks(wanted):
        for role in Role.select().where(Role.person.in_(part) & Role.end_date.is_null()):
            current.setdefault((role.person_id, role.school_id, role.kind), role)
        for person_id, done in (MentorTraining.select(MentorTraining.person, MentorTraining.completed_on)
                                .where(MentorTraining.person.in_(part)).tuples()):
            trained[person_id].add(done)
    return current, trained

