"""Importing placements, from any list or the DfE Register trainee bulk-upload layout.

Placements are matched by trainee, school and kind. The trainee is found by trainee id, HESA
ID, email or TRN (they must be enrolled already); the school by URN and the mentor by email or by name
among the people with a role at that school. Missing dates default to the ITT start/end dates on
the row, then to the cohort's dates. Every ``Placement N URN`` column of a Register file is read
(up to five: the first is the main placement, the others second / contrasting ones); a Register row with no
placement URN yet has nothing to import and is left out. Every problem of a row is reported in
one run (unknown trainee and unknown school together).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from .. import fields as F
from ..models import Cohort, Enrolment, Person, Placement
from ..services.programmes import placements
from . import codes
from . import import_common as C
from .import_base import BAD, Bad, ImportField, ImportKind, Item, Record, Refusal
from .import_training import (
    AS_GIVEN,
    HESA_ID_SYNONYMS,
    TRAINEE_FIELDS,
    refuse_errors,
)

#: What a placement row finds its trainee by, in this order, with what users call each.
TRAINEE_KEYS = {"trainee_id": "trainee ID", "hesa_id": "HESA ID", "email": "email",
                "trn": "TRN"}

#: Register's ``Placement 1 URN`` to ``Placement 5 URN``: the first is the main placement.
URN_COLUMNS = ("school_urn", "school2_urn", "school3_urn", "school4_urn", "school5_urn")

#: A row as parsed: (record, the placement's values, the extra fields, whether it was clean).
Parsed = tuple[Record, dict[str, Any], dict[str, Any], bool]
SchoolRef = C.SchoolRef


class PlacementImport(ImportKind):
    name = "placements"
    label = "Placements"
    service = placements
    key_help = ("Rows are matched by trainee (trainee ID, HESA ID, email or TRN), school and "
                "kind of placement.")
    fields = TRAINEE_FIELDS + (
        ImportField("school_urn", "Placement school URN",
                    ("School URN", "URN", "First Placement URN", "Placement 1 URN", "Placement URN",
                     "Placement school", "First placement school URN", "Main placement URN"),
                    parse=F.urn),
        ImportField("school2_urn", "Second placement URN",
                    ("Second Placement URN", "Placement 2 URN", "Second placement school URN",
                     "Contrasting placement URN"), parse=F.urn),
        ImportField("school3_urn", "Third placement URN",
                    ("Third Placement URN", "Placement 3 URN", "Third placement school URN"),
                    parse=F.urn),
        ImportField("school4_urn", "Fourth placement URN",
                    ("Fourth Placement URN", "Placement 4 URN"), parse=F.urn),
        ImportField("school5_urn", "Fifth placement URN",
                    ("Fifth Placement URN", "Placement 5 URN"), parse=F.urn),
        ImportField("trn", "TRN", ("Teacher reference number",), parse=AS_GIVEN),
        ImportField("hesa_id", "HESA ID", HESA_ID_SYNONYMS, parse=F.hesa_id),
        ImportField("mentor_email", "Mentor email", ("Mentor e-mail", "Mentor's email",
                                                     "Mentor email address"), parse=F.email),
        ImportField("mentor_name", "Mentor", ("Mentor name", "Mentor's name", "School mentor"),
                    parse=C.split_name),
        ImportField("kind", "Kind", ("Placement type", "Type", "Placement kind", "Type of placement"),
                    parse=AS_GIVEN),
        ImportField("start_date", "Start date", ("Placement start", "From", "Placement start date",
                                                 "Start"), parse=AS_GIVEN, is_date=True),
        ImportField("end_date", "End date", ("Placement end", "To", "Placement end date", "End"),
                    parse=AS_GIVEN, is_date=True),
        ImportField("itt_start", "ITT start date", ("ITT Start Date", "Course start date"),
                    parse=F.day, is_date=True),
        ImportField("itt_end", "ITT end date", ("ITT End Date", "Course end date"),
                    parse=F.day, is_date=True),
        ImportField("subject", "Subject", ("Placement subject", "Course Subject One"), parse=AS_GIVEN),
        ImportField("year_group", "Year group", ("Class", "Year", "Year groups"), parse=AS_GIVEN),
        ImportField("notes", "Notes", ("Comments",), parse=AS_GIVEN),
    )

    def check_mapping(self, mapping: dict[int, str]) -> list[str]:
        names = set(mapping.values())
        problems = []
        if not names & set(TRAINEE_KEYS):
            problems.append("Map a column to Trainee ID, HESA ID, Email or TRN: placements find "
                            "the trainee by them")
        if "school_urn" not in names:
            problems.append("Map a column to Placement school URN")
        return problems

    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        own = ("kind", "start_date", "end_date", "subject", "year_group", "notes")
        urn_columns = URN_COLUMNS
        parsed: list[Parsed] = []
        for record in records:
            before = len(refused)
            data = {k: record.raw[k] for k in own if k in record.raw}
            if "subject" in data:
                try:
                    data["subject"] = codes.words("subject", data["subject"])
                except ValueError as exc:
                    refused.append(Refusal(record.row, columns.get("subject", ""), str(exc)))
                    del data["subject"]
            values, errors = placements.clean(data, partial=True)
            refuse_errors(record, errors, columns, refused)
            extras = {n: self.extra(record, n, columns, refused)
                      for n in (*TRAINEE_KEYS, *urn_columns, "mentor_email",
                                "mentor_name", "itt_start", "itt_end")}
            if all(extras[n] is None for n in urn_columns) and len(refused) == before and not (
                    values.keys() - {"subject"}):
                continue  # a trainee with no placement yet (Register lists every trainee)
            if extras["trainee_id"] not in (None, BAD):
                extras["trainee_id"] = F.text(extras["trainee_id"], 50)
            if extras["trn"] not in (None, BAD):
                extras["trn"] = str(extras["trn"]).strip()
            if not any(extras[n] for n in TRAINEE_KEYS) and not (
                    {columns.get(n) for n in TRAINEE_KEYS}
                    & {r.column for r in refused[before:]}):
                refused.append(Refusal(record.row, _key_column(columns),
                    "a trainee ID, a HESA ID, an email or a TRN is needed to find the trainee"))
            parsed.append((record, values, extras, len(refused) == before))
        by_tid: dict[str, Enrolment] = {}
        for part in C.chunks(sorted({p[2]["trainee_id"] for p in parsed
                                     if p[2]["trainee_id"] not in (None, BAD)})):
            for e in Enrolment.select(Enrolment, Cohort).join(Cohort).where(
                    Enrolment.trainee_id.in_(part)):
                by_tid[cast(str, e.trainee_id)] = e  # matched on it: not null
        # One HESA ID may be on several enrolments (a trainee who came back): picked by date.
        by_hesa: dict[str, list[Enrolment]] = defaultdict(list)
        for part in C.chunks(sorted({p[2]["hesa_id"] for p in parsed
                                     if p[2]["hesa_id"] not in (None, BAD)})):
            for e in Enrolment.select(Enrolment, Cohort).join(Cohort).where(
                    Enrolment.hesa_id.in_(part)):
                by_hesa[cast(str, e.hesa_id)].append(e)  # likewise
        trainees = C.people_by_email(p[2]["email"] for p in parsed if p[2]["email"] is not BAD)
        by_trn = C.people_by_trn(p[2]["trn"] for p in parsed if p[2]["trn"] is not BAD)
        by_person: dict[int, list[Enrolment]] = defaultdict(list)
        for part in C.chunks(sorted({p.id for p in [*trainees.values(), *by_trn.values()]})):
            for e in (Enrolment.select(Enrolment, Cohort).join(Cohort)
                      .where(Enrolment.person.in_(part))):
                by_person[e.person_id].append(e)
        schools = C.school_ids_by_urn([p[2][n] for p in parsed for n in urn_columns
                                       if p[2][n] is not BAD])
        mentors = C.people_by_email(p[2]["mentor_email"] for p in parsed
                                    if p[2]["mentor_email"] is not BAD)
        at_schools = C.people_at_schools(s[0] for s in schools.values())
        enrolment_ids = {e.id for e in by_tid.values()} | {
            e.id for es in [*by_person.values(), *by_hesa.values()] for e in es}
        existing: dict[tuple[int, int, str], Placement] = {}
        for part in C.chunks(sorted(enrolment_ids)):
            for p in Placement.select().where(Placement.enrolment.in_(part)):
                existing.setdefault((p.enrolment_id, p.school_id, p.kind), p)
        items: list[Item] = []
        seen: dict[tuple[int, int, str], int] = {}  # (enrolment, school, kind) -> row
        for record, values, extras, clean in parsed:
            before = len(refused)
            enrolment = self._enrolment(values, extras, by_tid, by_hesa, trainees, by_trn,
                                        by_person)
            if enrolment is None and any(extras[n] not in (None, BAD) for n in TRAINEE_KEYS):
                who = next(f"{TRAINEE_KEYS[n]} {extras[n]}" for n in TRAINEE_KEYS
                           if extras[n] not in (None, BAD))
                refused.append(Refusal(record.row, _key_column(columns),
                    f"there is no enrolled trainee with {who}: import enrolments first"))
            wanted = [("school_urn", values.get("kind") or placements.field("kind").default)]
            wanted += [(n, "second") for n in URN_COLUMNS[1:] if extras[n] not in (None, BAD)]
            found: list[tuple[str, str, SchoolRef]] = []  # (column, kind, school)
            for column_name, kind in wanted:
                urn = extras[column_name]
                if urn is BAD:
                    continue
                if urn is None:
                    if column_name == "school_urn" and all(
                            extras[n] is None for n in URN_COLUMNS[1:]):
                        refused.append(Refusal(record.row, columns.get(column_name, ""),
                                               "Placement school URN is required"))
                    continue
                school = schools.get(urn)
                if school is None:
                    refused.append(Refusal(record.row, columns[column_name], C.no_school(urn)))
                    continue
                found.append((column_name, kind, school))
            mentor: Person | Bad | None = None
            if found:
                mentor = _find_mentor(extras, found[0][2], mentors, at_schools, record, columns,
                                      refused)
            # a row with no enrolment or a BAD mentor was refused: the last two only say so
            if len(refused) > before or not clean or enrolment is None or mentor is BAD:
                if enrolment is not None:  # its placements still count as repeats, said now
                    for column_name, kind, school in found:
                        key = (enrolment.id, school[0], kind)
                        if key in seen:
                            refused.append(_repeated(record.row, columns[column_name], seen[key]))
                        else:
                            seen[key] = record.row
                continue
            row_items = []
            for column_name, kind, school in found:
                key = (enrolment.id, school[0], kind)
                if key in seen:
                    refused.append(_repeated(record.row, columns[column_name], seen[key]))
                    break
                seen[key] = record.row
                item = _plan_placement(record, values, extras, enrolment, school, kind, mentor,
                                       existing.get(key), columns, refused)
                if item is None:
                    break
                row_items.append(item)
            else:
                items.extend(row_items)
        return items

    @staticmethod
    def _enrolment(values: dict[str, Any], extras: dict[str, Any], by_tid: dict[str, Enrolment],
                   by_hesa: dict[str, list[Enrolment]], trainees: dict[str, Person],
                   by_trn: dict[str, Person], by_person: dict[int, list[Enrolment]]
                   ) -> Enrolment | None:
        """The row's enrolment: by trainee ID, else HESA ID, else the trainee's (by email,
        else TRN)."""
        if extras["trainee_id"] not in (None, BAD) and extras["trainee_id"] in by_tid:
            return by_tid[extras["trainee_id"]]
        if extras["hesa_id"] not in (None, BAD) and extras["hesa_id"] in by_hesa:
            return _pick_enrolment(by_hesa[extras["hesa_id"]],
                                   values.get("start_date") or extras["itt_start"])
        for name, people_by in (("email", trainees), ("trn", by_trn)):
            person = people_by.get(extras[name]) if extras[name] not in (None, BAD) else None
            if person is not None:
                return _pick_enrolment(by_person.get(person.id, []),
                                       values.get("start_date") or extras["itt_start"])
        return None

    def write(self, items: list[Item], run_id: int, tick: Callable[[int], None]) -> None:
        new = [i for i in items if "placement" in i.payload]
        placements.create_many([i.payload["placement"] for i in new],
                               person_ids=[i.payload["person_id"] for i in new],
                               import_run=run_id, tick=tick)
        changed = [i for i in items if "changes" in i.payload]
        placements.update_many(((i.payload["id"], i.payload["changes"], i.payload["person_id"])
                                for i in changed), import_run=run_id, tick=tick)


def _pick_enrolment(candidates: list[Enrolment], on: date | None) -> Enrolment | None:
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    if on is not None:
        for e in candidates:
            c = e.cohort
            if (c.start_date or c.academic_year.start) <= on <= (c.end_date or c.academic_year.end):
                return e
    return max(candidates, key=lambda e: e.cohort.academic_year)


def _repeated(row: int, column: str, first: int) -> Refusal:
    """A placement (trainee, school, kind) on a second row."""
    return Refusal(row, column, f"the same placement is also on row {first}: keep one")


def _find_mentor(extras: dict[str, Any], school: SchoolRef, mentors: dict[str, Person],
                 at_schools: dict[tuple[int, tuple[str, str]], Person], record: Record,
                 columns: dict[str, str], refused: list[Refusal]) -> Person | Bad | None:
    if extras["mentor_email"]:
        person = mentors.get(extras["mentor_email"])
        if person is None:
            refused.append(Refusal(record.row, columns["mentor_email"],
                                   f"there is no mentor with email {extras['mentor_email']}: "
                                   "import people and mentors first"))
            return BAD
        return person
    if extras["mentor_name"]:
        _title, first, last = extras["mentor_name"]
        person = at_schools.get((school[0], C.name_key(first, last)))
        if person is None:
            refused.append(Refusal(record.row, columns["mentor_name"],
                                   f"{first} {last} is not a mentor at {school[1]}: "
                                   "import people and mentors first"))
            return BAD
        return person
    return None


def _plan_placement(record: Record, values: dict[str, Any], extras: dict[str, Any],
                    enrolment: Enrolment, school: SchoolRef, kind: str, mentor: Person | None,
                    existing: Placement | None, columns: dict[str, str],
                    refused: list[Refusal]) -> Item | None:
    cohort = enrolment.cohort
    start = values.get("start_date") or extras["itt_start"] or cohort.start_date or cohort.academic_year.start
    end = values.get("end_date") or extras["itt_end"] or cohort.end_date or cohort.academic_year.end
    wanted = {"enrolment": enrolment.id, "school": school[0], "kind": kind, "start_date": start,
              "end_date": end, "mentor": mentor.id if mentor else None,
              **{k: values.get(k) for k in ("subject", "year_group", "notes")}}
    label = f"{kind} placement at {school[1]}"
    payload: dict[str, Any] = {"person_id": enrolment.person_id}
    if existing is None:
        errors = placements.check(wanted, None)
        if errors:
            refuse_errors(record, {k: v for k, v in errors.items()}, columns, refused)
            return None
        payload["placement"] = wanted
        changes = {placements.field(k).label: (None, v) for k, v in wanted.items()
                   if v is not None and k not in ("enrolment", "school", "mentor")}
        changes["School"] = (None, school[1])
        if mentor:
            changes["Mentor"] = (None, mentor.full_name)
        return Item(record.row, "add", f"trainee {_who(extras)}", label,
                    changes, payload)
    given = {k: v for k, v in wanted.items() if v is not None}
    if not values.get("start_date"):
        given.pop("start_date", None)
    if not values.get("end_date"):
        given.pop("end_date", None)
    diff: dict[str, tuple[Any, Any]] = {}
    for k, v in given.items():
        old = getattr(existing, f"{k}_id" if k in ("enrolment", "school", "mentor") else k)
        if old != v:
            diff[k] = (old, v)
    if diff:
        errors = placements.check(placements.merged(existing, {k: v[1] for k, v in diff.items()}),
                                  existing)
        if errors:
            refuse_errors(record, errors, columns, refused)
            return None
        payload.update({"id": existing.id, "changes": diff})
    changes = {placements.field(k).label: c for k, c in diff.items()}
    return Item(record.row, "update" if diff else "same",
                f"trainee {_who(extras)}", label, changes, payload)


def _who(extras: dict[str, Any]) -> Any:
    return next((extras[n] for n in TRAINEE_KEYS if extras[n] not in (None, BAD)), None)


def _key_column(columns: dict[str, str]) -> str:
    """The column a refusal about finding the trainee points at: the first key mapped."""
    return next((columns[n] for n in TRAINEE_KEYS if columns.get(n)), "")


