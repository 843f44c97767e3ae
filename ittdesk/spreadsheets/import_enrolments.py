"""Importing enrolments (trainees in cohorts), from any list or the DfE Register
trainee bulk-upload layout (``Provider Trainee ID``, ``First Names``, ``ITT Start Date``,
``First Placement URN``...).

Enrolments are matched by trainee id, else by the trainee's email within the cohort. The cohort
comes from the import option ``cohort`` (an id) when given, else from the row: its programme
(or training route) when that names a programme, its cohort name, and its academic year (or the
year its ITT start date falls in); see :mod:`.import_cohorts`, which also creates the programmes
and cohorts rows need when asked (``create_cohorts``). A row that fits no cohort, or several, is
refused saying so, with every other problem of the row (one run lists them all). DfE/HESA codes
(route, HECoS subject) are stored as words (:mod:`.codes`).
A new trainee on several rows (same email, else TRN: two cohorts) is added once, with an
enrolment per row; a key two rows give different people (email, TRN, trainee ID, the same
trainee twice in a cohort) is refused in the plan, never left for the database to refuse
(:mod:`.import_enrolment_keys`: the rows of one file against each other).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from types import MappingProxyType
from typing import Any, cast

from .. import fields as F
from ..academic_year import AcademicYear
from ..choices import (
    AGE_RANGES,
    HECOS_SUBJECTS,
    SALARIED_ROUTES,
    STUDY_MODES,
    TRAINING_ROUTES,
    WITHDRAWAL_REASONS,
    Choices,
)
from ..models import Cohort, Enrolment
from ..services.people import people
from ..services.programmes import KnownEnrolments, enrolments
from . import codes
from . import import_common as C
from .import_base import BAD, AddedChanges, ImportField, ImportKind, Item, Record, Refusal
from .import_cohorts import (
    CohortResolver,
    NewCohort,
    cohort_label,
    write_cohort_ends,
    write_new_cohorts,
)
from .import_enrolment_keys import PERSON_LABELS, FileKeys
from .import_rows import current_memo
from .import_training import (
    AS_GIVEN,
    BIRTH_DATE_SYNONYMS,
    HESA_ID_SYNONYMS,
    TRAINEE_FIELDS,
    refuse_duplicates,
    refuse_errors,
    with_split_name,
)

Token = C.Token
#: A row as parsed: (record, person values, enrolment values, (home school, end date), its cohort).
Parsed = tuple[Record, dict[str, Any], dict[str, Any], tuple[Any, Any], Cohort | NewCohort]

ENROLMENT_LABELS = {f.name: f.label for f in enrolments.fields}
ADDED_ENROLMENT_LABELS = {k: v for k, v in ENROLMENT_LABELS.items() if k not in ("cohort", "person")}


#: The route-aware fields (issue 17): (field, its vocabulary, the row's value it is read from).
_REGISTER_SOURCES = (
    ("route", TRAINING_ROUTES, "programme"),
    ("course_subject_1", HECOS_SUBJECTS, "subject"),
    ("study_mode", STUDY_MODES, "study_mode"),
    ("age_range", AGE_RANGES, "age_range"),
    ("withdrawal_reason_code", WITHDRAWAL_REASONS, "withdrawal_reason"),
)


def register_key(name: str, vocabulary: Choices, given: Any) -> str | None:
    """One route-aware field's key for a row's value (a code, name or key), or None."""
    text = str(given).strip().lstrip("'")
    key = vocabulary.parse(text)
    if key is None and name in ("study_mode",) and text.isdigit():
        key = vocabulary.parse(text.zfill(2))
    if key is None and name == "course_subject_1":
        try:
            key = vocabulary.parse(codes.words("subject", text))
        except ValueError:
            key = None
    return key


def register_fields(raw: dict[str, Any], extras: dict[str, Any],
                    seen: dict[str, dict[Any, str | None]] | None = None,
                    sources: tuple[tuple[str, Choices, str], ...] = _REGISTER_SOURCES
                    ) -> dict[str, Any]:
    """Issue 17's route-aware record from what a row already says: the route when the
    programme column names one of Register's (code, name or key), the ITT dates, the first
    subject's HECoS code, study mode, age range and Register's withdrawal reason code. Only
    what is found: a value not recognised leaves the enrolment's as it was.

    ``seen`` (a plan's): each field's key per distinct value, looked up once. These columns
    repeat a few values (routes, subjects, modes), and each look-up normalises the text with
    a regular expression: 500,000 of them were ~5% of a 100,000-row import. ``sources``: the
    plan's (those of :data:`_REGISTER_SOURCES` its file maps; the others are never given)."""
    found: dict[str, Any] = {}
    for name, vocabulary, source in sources:
        given = raw.get(source)
        if given is None or given == "":
            continue
        if seen is None:
            key = register_key(name, vocabulary, given)
        else:
            known = seen.get(name)
            if known is None:
                known = seen[name] = {}
            # kept apart by type as the parse memo does (True == 1 == 1.0; str(1.0) is "1.0")
            memo_key = given if given.__class__ is str else (given.__class__, given)
            try:
                key = known[memo_key]
            except KeyError:
                key = known[memo_key] = register_key(name, vocabulary, given)
            except TypeError:  # unhashable: never remembered
                key = register_key(name, vocabulary, given)
        if key is not None:
            found[name] = key
    for extra, name in (("start_date", "itt_start_date"), ("end_date", "itt_end_date")):
        if extras.get(extra) not in (None, BAD):
            found[name] = extras[extra]
    return found


class EnrolmentImport(ImportKind):
    name = "enrolments"
    label = "Enrolments (trainees)"
    service = enrolments
    key_help = "Rows are matched by trainee ID, else by the trainee's email in the cohort."
    fields = TRAINEE_FIELDS + (
        ImportField("title", "Title", ("Salutation",), parse=AS_GIVEN),
        ImportField("phone", "Phone", ("Telephone", "Mobile", "Phone number"), parse=AS_GIVEN),
        ImportField("trn", "TRN", ("Teacher reference number",), parse=AS_GIVEN),
        ImportField("hesa_id", "HESA ID", HESA_ID_SYNONYMS, parse=AS_GIVEN),
        ImportField("date_of_birth", "Date of birth", BIRTH_DATE_SYNONYMS, parse=AS_GIVEN,
                    is_date=True),
        ImportField("programme", "Programme", ("Training Route", "Route", "Course", "Programme name",
                                               "Training programme"),
                    parse=lambda v: F.text(codes.words("route", v), 200)),
        ImportField("cohort", "Cohort", ("Cohort name", "Group", "Intake"),
                    parse=lambda v: F.text(v, 100)),
        ImportField("academic_year", "Academic year", ("Cohort year", "Intake year", "Year of entry"),
                    parse=lambda v: AcademicYear.parse(str(v).strip())),
        ImportField("start_date", "ITT start date", ("ITT Start Date", "Course start date",
                                                     "Start date", "Course start"),
                    parse=F.day, is_date=True),
        ImportField("end_date", "ITT end date", ("ITT End Date", "Course end date",
                                                 "Course Expected End Date", "Expected end date"),
                    parse=F.day, is_date=True),
        ImportField("status", "Status", ("Trainee status", "Enrolment status", "Training status"),
                    parse=AS_GIVEN),
        ImportField("subject", "Subject", ("Course Subject One", "Course subject 1", "Main subject",
                                           "Course subject", "Subject one"), parse=AS_GIVEN),
        ImportField("home_school", "Home school URN", ("Employing School URN", "Home school",
                                                       "Base school URN", "Main school URN",
                                                       "Home school DfE number"), parse=F.urn),
        ImportField("outcome", "Outcome", ("Result", "Award", "Recommendation"), parse=AS_GIVEN),
        ImportField("withdrawal_date", "Withdrawal date", ("Date withdrawn", "Withdraw Date",
                                                           "Date of withdrawal"),
                    parse=AS_GIVEN, is_date=True),
        ImportField("withdrawal_reason", "Withdrawal reason", ("Reason for withdrawal",
                                                               "Withdraw Reasons", "Withdrawal reasons"),
                    parse=AS_GIVEN),
        # Issue 17: Register's codes kept on the enrolment too (an unknown one is left unset).
        ImportField("study_mode", "Study mode", ("Mode of study", "Course full or part time",
                                                 "Full or part time"), parse=AS_GIVEN),
        ImportField("age_range", "Age range", ("Course age range",), parse=AS_GIVEN),
    )

    def check_mapping(self, mapping: dict[int, str]) -> list[str]:
        names = set(mapping.values())
        if not names & {"trainee_id", "email"}:
            return ["Map a column to Trainee ID or Email: enrolments are matched by them"]
        if "full_name" not in names and not {"first_name", "last_name"} <= names:
            return ["Map a column to Full name, or columns to both First name and Last name"]
        return []

    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        options = options or {}
        # Only the fields a row can give (the mapped ones, and the names a full name gives):
        # clean looks at each name it is given, on every row.
        can_give = set(columns) | ({"title", "first_name", "last_name"} if "full_name" in columns
                                   else set())
        person_names = tuple(n for n in ("title", "first_name", "last_name", "email", "phone",
                                         "trn", "date_of_birth") if n in can_give)
        enrol_names = tuple(n for n in ("status", "trainee_id", "hesa_id", "subject", "outcome",
                                        "withdrawal_date", "withdrawal_reason") if n in can_give)
        register_sources = tuple(s for s in _REGISTER_SOURCES if s[2] in can_give)
        extra_names = ("programme", "cohort", "academic_year", "start_date", "end_date",
                       "home_school")
        resolver = CohortResolver(options.get("cohort"), bool(options.get("create_cohorts")))
        parsed: list[Parsed] = []
        others: list[tuple[int, Any, Any]] = []  # refused rows: (row, trainee ID, (email, cohort))
        homes: list[tuple[Record, int]] = []
        subjects: dict[Any, tuple[bool, Any]] = {}  # a file names few subjects: each looked up once
        register_seen: dict[str, dict[Any, str | None]] = {}  # and few routes, modes... (register_fields)
        memo = current_memo()  # the plan's: each distinct value parsed once
        # Every problem of a row is found before it is refused: a row said "no cohort", and
        # only on the next run "unknown school".
        for record in records:
            before = len(refused)
            # the row's own cells, completed in place: they are let go once parsed (below)
            raw = with_split_name(self, record, columns, refused, in_place=True)
            if "subject" in raw:
                given = raw["subject"]
                found: tuple[bool, Any] | None = (subjects.get(given) if given.__class__ is str
                                                  else None)
                if found is None:
                    try:
                        found = (True, codes.words("subject", given))
                    except ValueError as exc:
                        found = (False, str(exc))
                    if given.__class__ is str:
                        subjects[given] = found
                if found[0]:
                    raw["subject"] = found[1]
                else:
                    refused.append(Refusal(record.row, columns.get("subject", ""), str(found[1])))
                    del raw["subject"]
            pvalues, errors = people.clean(raw, names=person_names, partial=True, memo=memo)
            if errors:
                refuse_errors(record, errors, columns, refused)
            evalues, errors = enrolments.clean(raw, names=enrol_names, partial=True, memo=memo)
            if errors:
                refuse_errors(record, errors, columns, refused)
            extras = self.extras(record, extra_names, columns, refused)
            evalues.update(register_fields(raw, extras, register_seen, register_sources))
            if extras["home_school"] not in (None, BAD):
                homes.append((record, extras["home_school"]))
            said = {r.column for r in refused[before:]} if len(refused) > before else set()
            if not (pvalues.get("first_name") and pvalues.get("last_name")) and not said & {
                    columns.get(k) for k in ("first_name", "last_name", "full_name")}:
                refused.append(Refusal(record.row, columns.get("last_name") or
                                       columns.get("full_name", ""), "first and last name are both needed"))
            if not (evalues.get("trainee_id") or pvalues.get("email")) and not said & {
                    columns.get("trainee_id"), columns.get("email")}:
                refused.append(Refusal(record.row, columns.get("trainee_id") or columns.get("email", ""),
                                       "a trainee ID or an email is needed to match the trainee"))
            cohort = None
            if not (extras["programme"] is BAD or extras["cohort"] is BAD
                    or extras["academic_year"] is BAD or extras["start_date"] is BAD):
                cohort, problem = resolver.resolve(extras, record.row)
                if cohort is None:
                    column = columns.get("cohort") or columns.get("programme") or columns.get(
                        "academic_year") or columns.get("start_date", "")
                    refused.append(Refusal(record.row, column, problem))
            # The row's cells are parsed: from here on only its number is read. Its cells go
            # now rather than with the plan (100,000 rows of them held ~60 MB beside the values).
            record.raw = _LET_GO
            if len(refused) > before or cohort is None:  # no cohort: refused above
                # its keys still count as repeats of other rows': the repeat is said now, not
                # on the run after this row is mended
                others.append((record.row, evalues.get("trainee_id"),
                               (pvalues.get("email"), cohort.id) if cohort is not None else None))
                continue
            # of the extra fields only what the items need later (a dict per row held ~35 MB)
            parsed.append((record, pvalues, evalues, (extras["home_school"], extras["end_date"]),
                           cohort))
        schools = C.school_ids_by_urn(urn for _record, urn in homes)
        for record, urn in homes:
            if urn not in schools:
                refused.append(Refusal(record.row, columns["home_school"], C.no_school(urn)))
        del homes  # freed before the items are made, which reuse its memory
        # the refused rows' keys too, after the planned rows' (each key's rows are said by number)
        refuse_duplicates([p[0].row for p in parsed] + [o[0] for o in others], [
            ("trainee ID", "trainee_id", [p[2].get("trainee_id") for p in parsed]
             + [o[1] for o in others]),
            ("email", "email", [(p[1].get("email"), p[4].id) for p in parsed]
             + [o[2] for o in others])], columns, refused)
        del others
        bad = {r.row for r in refused}
        parsed = [p for p in parsed if p[0].row not in bad]
        by_tid = {cast(str, e.trainee_id): e for e in C.models_where_in(  # matched: not null
            Enrolment, "trainee_id", {p[2]["trainee_id"] for p in parsed if p[2].get("trainee_id")})}
        by_email = C.person_rows_by("email", (p[1].get("email") for p in parsed))
        by_trn = C.person_rows_by("trn", (p[1].get("trn") for p in parsed))
        person_ids = {p.id for p in by_email.values()} | {p.id for p in by_trn.values()} | {
            e.person_id for e in by_tid.values()}
        existing: dict[tuple[int, int], Enrolment] = {
            (e.person_id, e.cohort_id): e for e in C.models_where_in(Enrolment, "person", person_ids)}
        people_by_id = {p.id: p for p in list(by_email.values()) + list(by_trn.values())}
        people_by_id.update(C.person_rows_by("id", person_ids - set(people_by_id)))
        # The uniqueness checks run against these (every person and enrolment holding a key
        # the file names) and against the rows planned before, never a query per row.
        known = {"email": by_email, "trn": by_trn}
        known_enrolments = KnownEnrolments(cohort=existing, trainee_id=by_tid)
        file_keys = FileKeys()
        items: list[Item] = []
        for n in range(len(parsed)):
            # Each row's parsed values let go as its item is made: the item reuses their memory
            # rather than leaving it free among the items until the plan ends.
            record, pvalues, evalues, (home_school, end_date), cohort = parsed[n]
            parsed[n] = None  # type: ignore[call-overload]
            token: Token
            cohort_id = cohort.id  # read once: a model's field is a descriptor call each time
            enrolment = by_tid.get(evalues["trainee_id"]) if evalues.get("trainee_id") else None
            person = people_by_id.get(enrolment.person_id) if enrolment else None
            if person is None and pvalues.get("email"):
                person = by_email.get(pvalues["email"])
            if person is None and pvalues.get("trn"):
                person = by_trn.get(pvalues["trn"])
            if enrolment is None and person is not None:
                enrolment = existing.get((person.id, cohort_id))
            if home_school is not None:
                evalues["home_school"] = schools[home_school][0]
                if evalues.get("route") in SALARIED_ROUTES:  # Register's employing school
                    evalues["employing_school"] = evalues["home_school"]
            # A new trainee on an earlier row of this file (same email, else TRN) is the same
            # person: this row adds an enrolment for them rather than a second person.
            planned = file_keys.new_person(pvalues) if person is None else None
            if planned is not None:
                token = planned
                additions = file_keys.additions(planned, pvalues, record, columns, refused)
                if additions is None:
                    continue
            elif person is not None:
                token = person.id
                additions = {k: v for k, v in pvalues.items()
                             if v is not None and getattr(person, k) != v}
            else:
                token = ("new", record.row)
                additions = {k: v for k, v in pvalues.items() if v is not None}
            claimed = {k: v for k, v in additions.items() if k in ("email", "trn")}
            if not file_keys.free(token, claimed, record, columns, refused):
                continue
            if (enrolment is None or enrolment.cohort_id != cohort_id) and not file_keys.pair_free(
                    token, cohort_id, record, columns, refused):
                continue
            item = _plan_enrolment(record, pvalues, evalues, cohort, person, enrolment,
                                   columns, refused, known, known_enrolments,
                                   None if planned is None else file_keys.items.get(planned),
                                   additions if person is not None else None)
            if item is not None:
                if isinstance(cohort, NewCohort):
                    item.payload["new_cohort"] = cohort
                    item.warnings.append(f"creates {cohort.what()}")
                moved = resolver.course_ends(cohort, end_date)
                if moved:
                    old = cohort.end_date or cohort.academic_year.end
                    item.payload["cohort_ends"] = {cohort_id: (old, end_date)}
                    item.changes["Cohort end date"] = (old, end_date)
                    item.warnings.append(moved)
                    if item.action == "same":
                        item.action = "update"
                file_keys.planned(token, item, record.row, cohort_id, claimed,
                                  additions if planned is not None else None)
                items.append(item)
        return items

    def write(self, items: list[Item], run_id: int, tick: Callable[[int], None]) -> None:
        write_new_cohorts(items, run_id)
        write_cohort_ends(items, run_id)
        new_people = [i for i in items if "person" in i.payload]
        ids = people.create_many([i.payload["person"] for i in new_people], import_run=run_id)
        for item, pid in zip(new_people, ids, strict=True):
            item.payload["person_id"] = pid
        new_enrolments: list[dict[str, Any]] = []
        person_changes: list[tuple[int, dict[str, Any], int | None]] = []
        enrolment_changes: list[tuple[int, dict[str, Any], int | None]] = []
        for item in items:
            payload = item.payload
            # a later row for a trainee added by an earlier row of the file: that person's id
            pid = payload.get("person_id") or payload["same_person_as"].payload["person_id"]
            changed = payload.get("person_changes")
            if changed:
                person_changes.extend((i, d, pid) for i, d in changed.items())
            if "enrolment" in payload:
                enrolment = payload["enrolment"]
                enrolment["person"] = pid  # in place: a copy per row held ~40 MB more
                new_enrolments.append(enrolment)
            else:
                changed = payload.get("enrolment_changes")
                if changed:
                    enrolment_changes.extend((i, d, pid) for i, d in changed.items())
            tick(1)
        people.update_many(person_changes, import_run=run_id)
        enrolments.update_many(enrolment_changes, import_run=run_id)
        enrolments.create_many(new_enrolments, import_run=run_id)


#: A parsed row's cells: none (shared, read-only; a dict per row stayed until the plan's end, and
#: 100,000 of them left 6 MB free among the items).
_LET_GO: Any = MappingProxyType({})

#: Every field empty, in the declared order: a row's values laid over a copy of it make the
#: merged record ``check`` takes (as ``{f.name: values.get(f.name) for f in fields}``, without
#: a look-up per declared field for each of 100,000 rows).
_NO_PERSON: dict[str, Any] = dict.fromkeys(f.name for f in people.fields)
_NO_ENROLMENT: dict[str, Any] = dict.fromkeys(f.name for f in enrolments.fields)


def _over(empty: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``empty`` with those of ``values`` that are its fields (others are left out)."""
    merged = {**empty, **values}  # one merge in C: a plan's values are its fields, as a rule
    if len(merged) != len(empty):  # some are not: left out
        merged = empty.copy()
        for name, value in values.items():
            if name in merged:
                merged[name] = value
    return merged


def _plan_enrolment(record: Record, pvalues: dict[str, Any], evalues: dict[str, Any],
                    cohort: Cohort | NewCohort, person: C.PersonRow | None,
                    enrolment: Enrolment | None, columns: dict[str, str], refused: list[Refusal],
                    known: dict[str, dict[Any, C.PersonRow]] | None = None,
                    known_enrolments: KnownEnrolments | None = None,
                    same_person_as: Item | None = None,
                    person_additions: dict[str, Any] | None = None) -> Item | None:
    """``known`` / ``known_enrolments``: the preloaded keys the services check against;
    ``same_person_as``: the item of an earlier row that adds this (new) trainee;
    ``person_additions``: what the row gives a stored ``person`` that differs, when the caller
    has worked it out (the same as the diff below: not compared twice). People are
    PersonRows here, not models: ``people.check`` takes either (``PersonLike``)."""
    changes: dict[str, tuple[Any, Any]] = {}
    payload: dict[str, Any] = {}
    label = f"{pvalues['first_name']} {pvalues['last_name']}"
    new_person = False
    if same_person_as is not None:
        errors = people.check({**same_person_as.payload["person"],
                               **{k: v for k, v in pvalues.items() if v is not None}}, None, known)
        if errors:
            refuse_errors(record, errors, columns, refused)
            return None
        payload["same_person_as"] = same_person_as
    elif person is None:
        errors = people.check(_over(_NO_PERSON, pvalues), None, known)
        if errors:
            refuse_errors(record, errors, columns, refused)
            return None
        payload["person"] = pvalues
        new_person = True
    else:
        diff = ({k: (getattr(person, k), v) for k, v in person_additions.items()}
                if person_additions is not None else
                {k: (getattr(person, k), v) for k, v in pvalues.items()
                 if v is not None and getattr(person, k) != v})
        if diff:
            # people.merged, for a person row (Person has no foreign keys to map to ids)
            merged = {f.name: getattr(person, f.name) for f in people.fields}
            merged.update({k: v[1] for k, v in diff.items()})
            errors = people.check(merged, person, known)
            if errors:
                refuse_errors(record, errors, columns, refused)
                return None
        payload["person_id"] = person.id
        payload["person_changes"] = {person.id: diff} if diff else None
        changes.update({PERSON_LABELS[k]: c for k, c in diff.items()})
    values = {"cohort": cohort.id, **evalues}
    if enrolment is None:
        values.setdefault("status", None)
        merged = _over(_NO_ENROLMENT, values)
        merged["person"] = person.id if person else None
        merged["status"] = merged["status"] or enrolments.field("status").default
        errors = enrolments.check(merged, None, known_enrolments)
        if errors:
            refuse_errors(record, errors, columns, refused)
            return None
        payload["enrolment"] = values
        added: MutableMapping[str, tuple[Any, Any]]
        if changes:  # an existing trainee's own changes, (old, new), come first
            changes["Cohort"] = (None, cohort_label(cohort))
            changes.update({ENROLMENT_LABELS[k]: (None, v) for k, v in evalues.items()
                            if v is not None and k != "cohort"})
            added = changes
        else:  # made when shown, from the values added (values: "cohort", then evalues' items)
            added = AddedChanges(*(((PERSON_LABELS, pvalues),) if new_person else ()),
                                 ("Cohort", cohort_label(cohort)), (ADDED_ENROLMENT_LABELS, values))
        return Item(record.row, "add", str(evalues.get("trainee_id") or pvalues.get("email") or label),
                    label, added, payload)
    else:
        diff = {k: (getattr(enrolment, f"{k}_id" if k in ("cohort", "home_school") else k), v)
                for k, v in values.items()
                if v is not None and getattr(enrolment, f"{k}_id" if k in ("cohort", "home_school") else k) != v}
        if diff:
            merged = enrolments.merged(enrolment, {k: v[1] for k, v in diff.items()})
            errors = enrolments.check(merged, enrolment, known_enrolments)
            if errors:
                refuse_errors(record, errors, columns, refused)
                return None
            payload["enrolment_changes"] = {enrolment.id: diff}
            changes.update({ENROLMENT_LABELS[k]: c for k, c in diff.items()})
        action = "update" if changes else "same"
    key = evalues.get("trainee_id") or pvalues.get("email") or label
    return Item(record.row, action, str(key), label, changes, payload)
