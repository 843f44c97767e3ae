"""Importing schools, keyed by URN: any list of schools, the full export, or the DfE GIAS extract
as published (its head teacher columns become the school's head role).

Matching is by URN only. A school row may name its head (first + last name, or one full-name
column; ``HeadPreferredJobTitle`` picks headteacher / executive headteacher / head of school).
For an existing school whose current holder of that post has another name, the old role is
ended the day before the import and the new holder starts that day, as ``roles.change_holder``
does; history is never overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from .. import audit, clock
from .. import fields as F
from ..choices import ROLE_KINDS
from ..models import Person, Role, School
from ..services.people import people
from ..services.schools import schools
from . import import_common as C
from .import_base import BAD, ImportField, ImportKind, Item, Record, Refusal
from .import_rows import clean_values, current_memo, parse_with

SYNONYMS: dict[str, tuple[str, ...]] = {
    "urn": ("School URN", "DfE number", "DfE no", "Establishment URN", "Unique reference number",
            "URN number", "School reference"),
    "name": ("School", "School name", "Name of school", "EstablishmentName", "Establishment name",
             "Setting name", "Academy name", "Establishment"),
    "phase": ("PhaseOfEducation (name)", "Phase of education", "School phase", "Phase name"),
    "establishment_type": ("TypeOfEstablishment (name)", "School type", "Establishment type",
                           "Type of establishment", "Type of school"),
    "status": ("EstablishmentStatus (name)", "Establishment status", "School status", "Open/closed"),
    "la_code": ("LA (code)", "LA number", "LA no", "Local authority code", "LA code number"),
    "la_name": ("LA (name)", "LA", "LA name", "Local authority name", "Council", "Authority"),
    "trust": ("Trusts (name)", "MAT", "Multi-academy trust", "Multi academy trust", "Academy trust",
              "Trust name"),
    "address1": ("Street", "Address 1", "Address line 1", "Address1", "Street address"),
    "address2": ("Locality", "Address 2", "Address2"),
    "address3": ("Address3", "Address 3"),
    "town": ("City", "Town/City", "Town or city", "Post town"),
    "postcode": ("Post code", "Postal code"),
    "phone": ("TelephoneNum", "Telephone", "Tel", "Telephone number", "Phone number", "School phone",
              "Tel no"),
    "email": ("School email", "E-mail", "Email address", "Office email", "School e-mail",
              "Main email"),
    "website": ("SchoolWebsite", "Web site", "URL", "Web address", "School website"),
    "partnership_status": ("Partnership", "Partner status", "Partnership status"),
    "partnership_since": ("Partnership since", "Partnership start", "Joined partnership",
                          "Partner from"),
    "leadership_confirmed_on": ("Leadership confirmed on", "Leadership last confirmed"),
    "notes": ("Comments", "Note"),
}

# A school's own field may be named with the school as its owner ("establishment_postcode",
# "School website", "Postcode of school"): these words are the school's, not another thing's.
OWNERS = ("school", "establishment", "academy", "setting")
DATE_FIELDS = {"partnership_since", "leadership_confirmed_on"}
HEAD_FIELDS = (
    ImportField("head_title", "Head's title", ("HeadTitle (name)", "Head title", "Headteacher title"),
                parse=lambda v: F.text(v, 20)),
    ImportField("head_first_name", "Head's first name",
                ("HeadFirstName", "Head first name", "Headteacher first name",
                 "Head teacher first name", "Head forename"), parse=lambda v: F.text(v, 100)),
    ImportField("head_last_name", "Head's last name",
                ("HeadLastName", "Head last name", "Headteacher last name", "Headteacher surname",
                 "Head surname", "Head teacher surname"), parse=lambda v: F.text(v, 100)),
    ImportField("head_name", "Headteacher",
                ("Head Teacher", "Head", "Headteacher name", "Head's name", "Head teacher name",
                 "Principal", "Name of head"), parse=C.split_name),
    ImportField("head_job_title", "Head's job title",
                ("HeadPreferredJobTitle", "Head job title", "Head preferred job title",
                 "Headteacher job title"), parse=lambda v: F.text(v, 120)),
    ImportField("head_email", "Head's email",
                ("Head's e-mail", "Head email", "Headteacher email", "Head teacher email",
                 "Head's email address", "Headteacher e-mail"), parse=F.email),
)


class SchoolImport(ImportKind):
    name = "schools"
    label = "Schools"
    service = schools
    key_help = "Rows are matched to schools by URN."
    fields = tuple(
        ImportField(f.name, f.label, SYNONYMS.get(f.name, ()), is_date=f.name in DATE_FIELDS,
                    owners=OWNERS)
        for f in schools.fields
    ) + HEAD_FIELDS

    def check_mapping(self, mapping):
        if "urn" not in mapping.values():
            return ["No column is mapped to URN: schools are matched by URN, so one column must be"]
        return []

    # -- planning -------------------------------------------------------------------------
    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        service_names = [f.name for f in schools.fields]
        parse_urn = current_memo().table(schools)[0]["urn"]  # remembered: clean parses it again
        by_urn: dict[int, list[Record]] = defaultdict(list)
        keyed: list[tuple[Record, int]] = []
        for record in records:
            if "urn" not in record.raw:
                refused.append(Refusal(record.row, columns.get("urn", "URN"), "URN is required"))
                continue
            ok, urn = parse_with(parse_urn, record.raw["urn"])
            if not ok:
                refused.append(Refusal(record.row, columns["urn"], urn))
                # say everything else wrong with the row too, so one pass fixes the file
                others = [n for n in service_names if n != "urn"]
                self.clean(record, others, columns, refused, new=False)
                continue
            by_urn[urn].append(record)
            keyed.append((record, urn))
        duplicates = {u for u, rs in by_urn.items() if len(rs) > 1}
        for urn in duplicates:
            rows = ", ".join(str(r.row) for r in by_urn[urn])
            for record in by_urn[urn]:
                refused.append(Refusal(record.row, columns["urn"],
                                       f"URN {urn} is on more than one row ({rows}): keep one"))
        existing = C.schools_by_urn(u for u in by_urn if u not in duplicates)
        labels = {f.name: f.label for f in schools.fields}
        heads = _HeadPlanner(existing.values(), keyed, columns)
        items: list[Item] = []
        for record, urn in keyed:
            if urn in duplicates:
                continue
            school = existing.get(urn)
            values = self.clean(record, service_names, columns, refused, new=school is None)
            head = heads.parse(record, self, refused)
            if values is None or head is BAD:
                continue
            if school is None:
                values.setdefault("status", None)
                item = Item(record.row, "add", f"URN {urn}", values["name"],
                            {labels[k]: (None, v) for k, v in values.items()
                             if v is not None},
                            {"values": values})
            else:
                changes = {k: (getattr(school, k), v) for k, v in values.items()
                           if v is not None and getattr(school, k) != v}
                item = Item(record.row, "update" if changes else "same", f"URN {urn}",
                            school.name,
                            {labels[k]: c for k, c in changes.items()},
                            {"id": school.id, "changes": changes})
            if head:
                heads.plan(item, school, head)
            items.append(item)
        return items

    # -- writing --------------------------------------------------------------------------
    def write(self, items: list[Item], run_id: int, tick) -> None:
        entries: list[dict[str, Any]] = []
        new = [i for i in items if i.action == "add"]
        rows = C.full_rows(School, [i.payload["values"] for i in new])
        for part_items, part_rows in zip(C.chunks(new, C.INSERT_CHUNK), C.chunks(rows, C.INSERT_CHUNK),
                                         strict=True):
            ids = C.insert_returning(School, part_rows)
            for item, new_id in zip(part_items, ids, strict=True):
                item.payload["id"] = new_id
                entries.append({"entity": "school", "entity_id": new_id, "action": "create",
                                "changes": {k: [None, v] for k, v in item.payload["values"].items()
                                            if v is not None},
                                "import_run": run_id})
            tick(len(part_items))
        for item in items:
            if item.action != "update" or not item.payload["changes"]:
                continue
            changes = item.payload["changes"]
            School.update({k: v[1] for k, v in changes.items()}).where(
                School.id == item.payload["id"]).execute()
            entries.append({"entity": "school", "entity_id": item.payload["id"], "action": "update",
                            "changes": {k: list(v) for k, v in changes.items()},
                            "import_run": run_id})
            tick(1)
        audit.record_many(entries)
        _write_heads([i for i in items if i.payload.get("head")], run_id)


class _HeadPlanner:
    """Works out the head-teacher part of school rows with bulk lookups."""

    def __init__(self, schools_found, keyed, columns):
        self.columns = columns
        ids = [s.id for s in schools_found]
        self.current: dict[tuple[int, str], tuple[Role, Person]] = {}
        for part in C.chunks(ids):
            query = (Role.select(Role, Person).join(Person)
                     .where(Role.school.in_(part) & Role.kind.in_(C.HEAD_KINDS)
                            & Role.end_date.is_null())
                     .order_by(Role.start_date.desc(nulls="LAST")))
            for role in query:
                self.current.setdefault((role.school_id, role.kind), (role, role.person))
        emails = []
        for record, _urn in keyed:
            if "head_email" in record.raw:
                try:
                    emails.append(F.email(record.raw["head_email"]))
                except ValueError:
                    pass
        self.by_email = C.people_by_email(emails)
        self.by_name = C.people_at_schools(ids)
        self.today = clock.today()
        self.new_people: dict[Any, dict] = {}
        self.kinds: dict[Any, str] = {}  # job title -> head role kind (titles repeat)

    def parse(self, record: Record, kind: SchoolImport, refused: list[Refusal]):
        raw = record.raw
        if not any(k in raw for k in ("head_first_name", "head_last_name", "head_name")):
            return None
        before = len(refused)
        title, first, last = kind.extras(record, ("head_title", "head_first_name", "head_last_name"),
                                         self.columns, refused).values()
        if "head_name" in raw and not (first and last):
            split = kind.extra(record, "head_name", self.columns, refused)
            if split is not BAD and split is not None:
                title = title or split[0]
                first, last = split[1], split[2]
        job_title, email = kind.extras(record, ("head_job_title", "head_email"), self.columns,
                                       refused).values()
        if len(refused) > before:
            return BAD
        if not (first and last):
            column = self.columns.get("head_last_name") or self.columns.get("head_first_name", "")
            refused.append(Refusal(record.row, column,
                                   "the head's first and last name are both needed"))
            return BAD
        person = {"title": title, "first_name": first, "last_name": last, "email": email}
        _values, errors = clean_values(people, {k: v for k, v in person.items() if v is not None})
        if errors:
            for message in errors.values():
                refused.append(Refusal(record.row, self.columns.get("head_email", ""), message))
            return BAD
        kind_of = self.kinds.get(job_title)
        if kind_of is None:
            kind_of = self.kinds[job_title] = C.head_kind(job_title)
        return {"person": person, "kind": kind_of, "job_title": job_title}

    def plan(self, item: Item, school: School | None, head: dict) -> None:
        person = head["person"]
        kind, label = head["kind"], ROLE_KINDS.label(head["kind"])
        key = C.name_key(person["first_name"], person["last_name"])
        holder = self.current.get((school.id, kind)) if school else None
        # The same person already leading the school, perhaps under another title (Head of
        # School who became Executive Headteacher): their role is retitled, not duplicated.
        same = None
        for other in C.HEAD_KINDS if school else ():
            current = self.current.get((school.id, other))
            if current and C.name_key(current[1].first_name, current[1].last_name) == key:
                same = current
                break
        if same is not None:
            role = same[0]
            diff = {}
            if role.kind != kind and (holder is None or holder is same):
                diff["kind"] = (role.kind, kind)
                item.changes[f"{ROLE_KINDS.label(role.kind)} role"] = (
                    ROLE_KINDS.label(role.kind), label)
            if head["job_title"] and role.job_title != head["job_title"]:
                diff["job_title"] = (role.job_title, head["job_title"])
                item.changes[f"{label} job title"] = (role.job_title, head["job_title"])
            if diff:
                item.payload["head"] = {"retitle": (role.id, diff, same[1].id)}
                if item.action == "same":
                    item.action = "update"
            return
        found = None
        if person.get("email"):
            found = self.by_email.get(person["email"])
        if found is None and school is not None:
            found = self.by_name.get((school.id, key))
        plan: dict[str, Any] = {"kind": kind, "job_title": head["job_title"],
                                "person_id": found.id if found else None,
                                "person": None if found else person}
        if holder is not None:
            end = self.today - timedelta(days=1)
            if holder[0].start_date and end < holder[0].start_date:
                end = holder[0].start_date
            plan["end"] = (holder[0].id, end, holder[1].id)
            plan["start"] = self.today
        item.payload["head"] = plan
        item.changes[label] = (holder[1].full_name if holder else None, C.person_label(person))
        if item.action == "same":
            item.action = "update"


def _write_heads(items: list[Item], run_id: int) -> None:
    entries: list[dict[str, Any]] = []
    # One new person per email: an executive head may lead several schools in one file.
    new_people, first_by_email, same_as = [], {}, []
    for item in items:
        person = item.payload["head"].get("person")
        if not person:
            continue
        if person.get("email") and person["email"] in first_by_email:
            same_as.append((item, first_by_email[person["email"]]))
            continue
        if person.get("email"):
            first_by_email[person["email"]] = item
        new_people.append(item)
    rows = C.full_rows(Person, [i.payload["head"]["person"] for i in new_people])
    ids = C.insert_returning(Person, rows) if rows else []
    for item, person_id in zip(new_people, ids, strict=True):
        item.payload["head"]["person_id"] = person_id
    for item, first in same_as:
        item.payload["head"]["person_id"] = first.payload["head"]["person_id"]
    for item in new_people:
        person_id = item.payload["head"]["person_id"]
        entries.append({"entity": "person", "entity_id": person_id, "action": "create",
                        "changes": {k: [None, v] for k, v in item.payload["head"]["person"].items()
                                    if v is not None},
                        "person_id": person_id, "import_run": run_id})
    role_rows, role_items = [], []
    for item in items:
        head = item.payload["head"]
        if "retitle" in head:
            role_id, diff, person_id = head["retitle"]
            Role.update({getattr(Role, k): v[1] for k, v in diff.items()}).where(
                Role.id == role_id).execute()
            entries.append({"entity": "role", "entity_id": role_id, "action": "update",
                            "changes": {k: list(v) for k, v in diff.items()},
                            "person_id": person_id, "import_run": run_id})
            continue
        if "end" in head:
            role_id, end, person_id = head["end"]
            Role.update(end_date=end).where(Role.id == role_id).execute()
            entries.append({"entity": "role", "entity_id": role_id, "action": "update",
                            "changes": {"end_date": [None, end]}, "person_id": person_id,
                            "import_run": run_id})
        role_rows.append({"person": head["person_id"], "school": item.payload["id"],
                          "kind": head["kind"], "job_title": head["job_title"],
                          "start_date": head.get("start")})
        role_items.append(item)
    role_ids = C.insert_returning(Role, C.full_rows(Role, role_rows)) if role_rows else []
    for row, role_id in zip(role_rows, role_ids, strict=True):
        entries.append({"entity": "role", "entity_id": role_id, "action": "create",
                        "changes": {k: [None, v] for k, v in
                                    {"person": row["person"], "school": row["school"],
                                     "kind": row["kind"], "job_title": row["job_title"],
                                     "start_date": row["start_date"]}.items() if v is not None},
                        "person_id": row["person"], "import_run": run_id})
    audit.record_many(entries)
