"""Importing schools, keyed by URN: any list of schools, the full export, or the DfE GIAS extract
as published (its head teacher columns become the school's head role, see :mod:`.import_heads`).

What real GIAS extracts need (issue 14):

- Status comes from a status column (``EstablishmentStatus (name)``, or its GIAS code
  ``EstablishmentStatus (code)``) or, when there is none, from a close date in the past
  (``CloseDate``): a closed school is never stored as open for want of a status column.
- A closed school gets no current roles: the head a row names is not added (a warning says so),
  and a school this import closes has its current roles ended on its close date.
- Identical repeated rows are read once; rows sharing a URN but differing are refused.
- A postcode that is not a UK one (a British school overseas) is kept as given, with a warning,
  rather than refusing the whole file; one that could not be a postcode at all is refused.
- A GIAS links or groups extract is refused as what it is, not read as a list of schools.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from .. import clock
from .. import fields as F
from ..models import Role
from ..services.base import Kind
from ..services.memo import remember
from ..services.people import roles
from ..services.schools import schools
from . import import_common as C
from .import_base import BAD, AddedChanges, ImportField, ImportKind, Item, Record, Refusal
from .import_heads import HEAD_FIELDS, HeadPlanner, write_heads
from .import_rows import current_memo, parse_with

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
    "district_code": ("DistrictAdministrative (code)", "District code", "Administrative district code"),
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

# Rows planned at a time against the schools they name (read a block at a time).
PLAN_BLOCK = 2000

# GIAS EstablishmentStatus (code): 1 Open, 2 Closed, 3 Open but proposed to close, 4 Proposed to open.
GIAS_STATUS_CODES = {"1": "open", "2": "closed", "3": "open", "4": "open"}


def gias_status(value: Any) -> str | None:
    """A GIAS establishment status code as a status ('2' -> 'closed')."""
    if F.is_empty(value):
        return None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    status = GIAS_STATUS_CODES.get(text.lstrip("0") or "0")
    if status is None:
        raise ValueError(f"'{text}' is not a GIAS establishment status code (1 open, 2 closed, "
                         "3 open but proposed to close, 4 proposed to open)")
    return status


STATUS_FIELDS = (
    ImportField("status_code", "Status code (GIAS)",
                ("EstablishmentStatus (code)", "Establishment status code", "Status code"),
                parse=gias_status),
    ImportField("close_date", "Close date",
                ("CloseDate", "Closed on", "Date closed", "Closure date", "Closing date",
                 "Date of closure"), parse=F.day, is_date=True),
)

# What a non-UK postcode may look like to be kept as given: letters, digits, spaces and hyphens,
# with a digit, and no longer than the column ("1017 DD", "75008", "D02 X285", "10115").
_FOREIGN_POSTCODE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 \-]{1,9}$")
OVERSEAS = "a postcode that is not a UK one (a school outside the UK?): kept as given"
CLOSED_HEAD = "a closed school: the head it names is not added as a current head"
REPEATED = "the same row again further down (identical): read once"

# Headings only GIAS's other extracts have: they are not lists of establishments.
_OTHER_EXTRACTS = (
    ({"link urn", "link name", "link type"},
     "is a GIAS links extract (which establishments succeed or are linked to which), not a "
     "list of schools: download the establishment fields extract from GIAS and import that"),
    ({"group uid", "group id", "group type", "group name"},
     "is a GIAS groups extract (trusts, federations and other groups), not a list of schools: "
     "download the establishment fields extract from GIAS and import that"),
)


def kept_postcode(value: Any) -> str | None:
    """``value`` as given when it is not a UK postcode but could be another country's."""
    try:
        F.postcode(value)
        return None
    except ValueError:
        text = " ".join(str(value).split())
        return text.upper() if _FOREIGN_POSTCODE.match(text) else None


class SchoolImport(ImportKind):
    name = "schools"
    label = "Schools"
    service = schools
    key_help = "Rows are matched to schools by URN."
    # The 50,000-school GIAS import writes ~105 MB of pages (the audit entries 42 MB): in a
    # 128 MB cache they stay until the commit instead of being written out mid-transaction,
    # copied to the statement journal first and read back (apply -0.3 s of CPU; peak 356 MB
    # from the CSV, 355 MB from the workbook, against 276 / 292: BENCHMARKS.md, S8). The
    # enrolments import stays at 32 MB: at 64 MB its peak passed 400 MB (E8).
    apply_cache_mb = 128
    fields = tuple(
        ImportField(f.name, f.label, SYNONYMS.get(f.name, ()), is_date=f.kind is Kind.DATE,
                    owners=OWNERS)
        for f in schools.fields
    ) + HEAD_FIELDS + STATUS_FIELDS

    def not_this_kind(self, headings: Sequence[str]) -> str | None:
        from .heading_match import normalise

        found = {normalise(h) for h in headings if h}
        for marks, what in _OTHER_EXTRACTS:
            if len(found & marks) >= 2:
                return what
        return None

    def check_mapping(self, mapping: dict[int, str]) -> list[str]:
        if "urn" not in mapping.values():
            return ["No column is mapped to URN: schools are matched by URN, so one column must be"]
        return []

    # -- planning -------------------------------------------------------------------------
    def _other_problems(self, record: Record, columns: dict[str, str], refused: list[Refusal],
                        own: dict[str, Any]) -> None:
        """Everything else wrong with a row refused for its URN (unreadable, or on two rows),
        so that one pass over the file fixes it: its fields, status code, close date and
        head's columns, each refusal under its own column."""
        self.clean(record, [f.name for f in schools.fields if f.name != "urn"], columns, refused,
                   new=False)
        for name in ("status_code", "close_date"):
            _own(record, name, own[name], columns, refused)
        self.extras(record, tuple(f.name for f in HEAD_FIELDS), columns, refused)

    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        service_names = [f.name for f in schools.fields]
        parsings = current_memo().table(schools)[0]
        parse_urn = parsings["urn"]  # remembered: clean parses it again
        parse_postcode = parsings["postcode"]  # likewise
        # the kind's own two status columns, parsed as ``extras`` parses them (one row's two
        # values without a call, a dict and a loop each: 50,000 rows of a GIAS extract)
        own = current_memo().table(self)[0]
        parse_status, parse_closed = own["status_code"], own["close_date"]
        by_urn: dict[int, list[Record]] = defaultdict(list)
        keyed: list[tuple[Record, int]] = []
        for record in records:
            if "urn" not in record.raw:
                refused.append(Refusal(record.row, columns.get("urn", "URN"), "URN is required"))
                self._other_problems(record, columns, refused, own)
                continue
            ok, urn = parse_with(parse_urn, record.raw["urn"])
            if not ok:
                refused.append(Refusal(record.row, columns["urn"], urn))
                self._other_problems(record, columns, refused, own)
                continue
            by_urn[urn].append(record)
            keyed.append((record, urn))
        duplicates: set[int] = set()
        repeats: dict[int, int] = {}  # row -> how many identical rows after it were dropped
        dropped: set[int] = set()  # rows
        for urn, rows_of in by_urn.items():
            if len(rows_of) < 2:
                continue
            first = rows_of[0]
            if all(r.raw == first.raw for r in rows_of[1:]):
                repeats[first.row] = len(rows_of) - 1
                dropped.update(r.row for r in rows_of[1:])
                continue
            duplicates.add(urn)
            rows = ", ".join(str(r.row) for r in rows_of)
            for record in rows_of:
                refused.append(Refusal(record.row, columns["urn"],
                                       f"URN {urn} is on more than one row ({rows}): keep one"))
                self._other_problems(record, columns, refused, own)
        keyed = [(r, u) for r, u in keyed if r.row not in dropped and u not in duplicates]
        # Only what is compared, as named tuples, not School instances (BENCHMARKS.md, U8):
        # the file's fields (a row's values hold no others), the name shown and the status,
        # which a status code or close date sets though no column is mapped to it.
        compared = [n for n in service_names if n in columns or n in ("name", "status")]
        # A row holds the mapped fields alone: clean is given those, in the fields' order
        mapped = [n for n in service_names if n in columns]
        labels = {f.name: f.label for f in schools.fields}
        heads = HeadPlanner(keyed, columns)
        today = clock.today()
        items: list[Item] = []
        closing: list[tuple[Item, Any, date]] = []
        # A block of rows at a time, with only that block's schools and their heads read:
        # the plan of a file naming 50,000 stored schools held them all at once (BENCHMARKS.md, U8).
        existing: dict[int, Any] = {}
        for at, (record, urn) in enumerate(keyed):
            if at % PLAN_BLOCK == 0:
                existing = C.school_rows_by_urn((u for _r, u in keyed[at:at + PLAN_BLOCK]),
                                                compared)
                heads.load(existing.values())
            school = existing.get(urn)
            warnings = [REPEATED] if record.row in repeats else []
            names, kept = mapped, None
            # parsed once through the import's memo, which the row's clean below reuses
            if "postcode" in record.raw and not parse_with(parse_postcode,
                                                            record.raw["postcode"])[0]:
                kept = kept_postcode(record.raw["postcode"])
                if kept is not None:
                    names = [n for n in mapped if n != "postcode"]
                    warnings.append(OVERSEAS)
            remember(parse_urn, record.raw["urn"], (True, urn))  # parsed in the first pass
            values = self.clean(record, names, columns, refused, new=school is None)
            head = heads.parse(record, self, refused, warnings)
            status_code = _own(record, "status_code", parse_status, columns, refused)
            close_date = _own(record, "close_date", parse_closed, columns, refused)
            if values is None or head is BAD or BAD in (status_code, close_date):
                continue
            if kept is not None:
                values["postcode"] = kept
            if values.get("status") is None:
                if status_code:
                    values["status"] = status_code
                elif close_date is not None and close_date <= today:
                    values["status"] = "closed"
            status = values.get("status") or (school.status if school is not None
                                              else schools.field("status").default)
            if status == "closed" and head:
                warnings.append(CLOSED_HEAD)
                head = None
            if school is None:
                values.setdefault("status", None)
                item = Item(record.row, "add", f"URN {urn}", values["name"],
                            AddedChanges((labels, values)), {"values": values}, warnings)
            else:
                changes = {k: (getattr(school, k), v) for k, v in values.items()
                           if v is not None and getattr(school, k) != v}
                item = Item(record.row, "update" if changes else "same", f"URN {urn}",
                            school.name,
                            {labels[k]: c for k, c in changes.items()},
                            {"id": school.id, "changes": changes}, warnings)
                if status == "closed":
                    closing.append((item, school, close_date if close_date and close_date <= today
                                    else today))
            if head:
                heads.plan(item, school, head)
            items.append(item)
        _plan_closing(closing)
        return items

    # -- writing --------------------------------------------------------------------------
    def write(self, items: list[Item], run_id: int, tick: Callable[[int], None]) -> None:
        new = [i for i in items if i.action == "add"]
        ids = schools.create_many([i.payload["values"] for i in new], import_run=run_id, tick=tick)
        for item, new_id in zip(new, ids, strict=True):
            item.payload["id"] = new_id
        updates = [i for i in items if i.action == "update"]
        schools.update_many(((i.payload["id"], i.payload["changes"], None) for i in updates),
                            import_run=run_id, tick=tick)
        roles.update_many(((role_id, {"end_date": (None, end)}, person_id)
                           for i in updates for role_id, end, person_id in i.payload.get("end_roles", ())),
                          import_run=run_id)
        write_heads([i for i in items if i.payload.get("heads")], run_id)


def _own(record: Record, name: str, parsing: Any, columns: dict[str, str],
         refused: list[Refusal]) -> Any:
    """One of the kind's own columns of a row (status code, close date), parsed through the
    plan's memo: None when the row has none, BAD (its refusal recorded) when it is refused.
    ``ImportKind.extra`` less the memo's table look-up, which a row would make for each."""
    if name not in record.raw:
        return None
    ok, value = parse_with(parsing, record.raw[name])
    if ok:
        return value
    refused.append(Refusal(record.row, columns.get(name, parsing[0]), value))
    return BAD


def _plan_closing(closing: list[tuple[Item, Any, date]]) -> None:
    """A school the import closes keeps no current role: each ends on the close date (or the
    role's own start, if that is later). One query for all the closing schools."""
    if not closing:
        return
    by_school: dict[int, list[Role]] = defaultdict(list)
    ids = [school.id for _item, school, _end in closing]
    for part in C.chunks(ids):
        for role in Role.select().where(Role.school.in_(part) & Role.end_date.is_null()):
            by_school[role.school_id].append(role)
    for item, school, end in closing:
        roles = by_school.get(school.id)
        if not roles:
            continue
        item.payload["end_roles"] = [(r.id, max(end, r.start_date) if r.start_date else end,
                                      r.person_id) for r in roles]
        item.changes["Current roles"] = (f"{len(roles)} current", f"ended on {F.format_date(end)}")
        if item.action == "same":
            item.action = "update"
