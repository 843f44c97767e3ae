"""Programmes, their cohorts by academic year, enrolments and placements."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypedDict, cast

from .. import audit, fields, holders, settings
from ..choices import (
    AGE_RANGES,
    ENROLMENT_STATUSES,
    HECOS_SUBJECTS,
    MENTOR_KINDS,
    PLACEMENT_KINDS,
    PLACEMENT_STATUSES,
    PROGRAMME_KINDS,
    SALARIED_ROUTES,
    STUDY_MODES,
    TRAINING_ROUTES,
    WITHDRAWAL_REASONS,
    WITHDRAWN_PLACEMENT_STATUSES,
)
from ..errors import ConflictError, RefusedError, ValidationError
from ..models import (
    AuditEntry,
    Cohort,
    Enrolment,
    Person,
    Placement,
    PlacementMentor,
    Programme,
    Role,
    School,
)
from ..models.base import writing
from .base import EntityService, Field, count_words
from .people import training_lapses_on


class ProgrammeService(EntityService[Programme]):
    model = Programme
    entity = "programme"
    label = "Programme"
    fields = (
        Field.text("name", "Name", 200, required=True),
        Field.choice("kind", "Kind", PROGRAMME_KINDS, required=True),
        Field.long_text("description", "Description"),
    )

    def check(self, values: dict[str, Any], instance: Programme | None) -> dict[str, str]:
        name = values.get("name")
        query = Programme.select().where(Programme.name == name)
        if instance is not None:
            query = query.where(Programme.id != instance.id)
        return {"name": f"There is already a programme called '{name}'"} if name and query.exists() else {}

    def dependents(self, programme: Programme) -> list[str]:
        return count_words([(Cohort.select().where(Cohort.programme == programme).count(),
                             "cohort", "cohorts")])

    def describe(self, programme: Programme) -> str:
        return programme.name


class CohortService(EntityService[Cohort]):
    model = Cohort
    entity = "cohort"
    label = "Cohort"
    fields = (
        Field.ref("programme", "Programme", Programme, "programme", required=True),
        Field.text("name", "Name", 100, required=True),
        Field.year("academic_year", "Academic year", required=True),
        Field.date("start_date", "Start date"),
        Field.date("end_date", "End date"),
        Field.integer("places", "Places"),
    )

    def prepare(self, data: dict[str, Any], instance: Cohort | None = None) -> dict[str, Any]:
        values = super().prepare(data, instance)
        year = values.get("academic_year") or (instance.academic_year if instance else None)
        if instance is None and year is not None:
            values.setdefault("start_date", None)
            values.setdefault("end_date", None)
            values["start_date"] = values["start_date"] or year.start
            values["end_date"] = values["end_date"] or year.end
        return values

    def check(self, values: dict[str, Any], instance: Cohort | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            errors["end_date"] = "End date is before the start date"
        query = Cohort.select().where((Cohort.programme == values.get("programme"))
                                      & (Cohort.name == values.get("name"))
                                      & (Cohort.academic_year == values.get("academic_year")))
        if instance is not None:
            query = query.where(Cohort.id != instance.id)
        if values.get("name") and values.get("academic_year") and query.exists():
            errors["name"] = f"This programme already has a cohort '{values['name']}' in {values['academic_year']}"
        return errors

    def dependents(self, cohort: Cohort) -> list[str]:
        return count_words([(Enrolment.select().where(Enrolment.cohort == cohort).count(),
                             "enrolment", "enrolments")])

    def describe(self, cohort: Cohort) -> str:
        return f"{cohort.programme.name} {cohort.name} ({cohort.academic_year})"


def _taken(found: Enrolment | None, instance: Enrolment | None) -> bool:
    """A loaded enrolment holds the key, and it is not the one being saved."""
    return found is not None and (instance is None or found.id != instance.id)


class KnownEnrolments(TypedDict):
    """The enrolments an import has loaded once, by the keys ``EnrolmentService.check``
    refuses a second of: (person id, cohort id), and trainee ID."""

    cohort: dict[tuple[int, int], Enrolment]
    trainee_id: dict[str, Enrolment]


class EnrolmentService(EntityService[Enrolment]):
    model = Enrolment
    entity = "enrolment"
    label = "Enrolment"
    fields = (
        Field.ref("person", "Person", Person, "person", required=True),
        Field.ref("cohort", "Cohort", Cohort, "cohort", required=True),
        Field.choice("status", "Status", ENROLMENT_STATUSES, default="applied"),
        Field.text("trainee_id", "Trainee ID", 50),
        Field.text("hesa_id", "HESA ID", parse=fields.hesa_id),
        Field.text("subject", "Subject", 100),
        Field.ref("home_school", "Home school", School, "school"),
        Field.text("outcome", "Outcome", 100),
        Field.date("withdrawal_date", "Withdrawal date"),
        Field.long_text("withdrawal_reason", "Withdrawal reason"),
        # Issue 17: the route-aware record, in Register's terms (codes shown in words).
        Field.choice("route", "Training route", TRAINING_ROUTES),
        Field.choice("course_subject_1", "Course subject 1", HECOS_SUBJECTS),
        Field.choice("course_subject_2", "Course subject 2", HECOS_SUBJECTS),
        Field.choice("course_subject_3", "Course subject 3", HECOS_SUBJECTS),
        Field.choice("age_range", "Age range", AGE_RANGES),
        Field.choice("study_mode", "Study mode", STUDY_MODES),
        Field.date("itt_start_date", "ITT start date"),
        Field.date("itt_end_date", "ITT expected end date"),
        Field.ref("employing_school", "Employing school", School, "school"),
        Field.ref("lead_partner", "Lead partner", School, "school"),
        Field.choice("withdrawal_reason_code", "Withdrawal reason (Register)", WITHDRAWAL_REASONS),
        Field.date("deferral_date", "Deferral date"),
        Field.long_text("deferral_reason", "Deferral reason"),
    )

    ENROLLED = "This person is already enrolled in that cohort"

    def check(self, values: dict[str, Any], instance: Enrolment | None,
              known: KnownEnrolments | None = None) -> dict[str, str]:
        """``known``: every enrolment with those keys, when the caller has loaded them
        (imports, to avoid a query per row); else a query per key."""
        errors: dict[str, str] = {}
        person, cohort = values.get("person"), values.get("cohort")
        if person and cohort:
            if known is not None:
                clash = _taken(known["cohort"].get((person, cohort)), instance)
            else:
                query = Enrolment.select().where((Enrolment.person == person)
                                                 & (Enrolment.cohort == cohort))
                if instance is not None:
                    query = query.where(Enrolment.id != instance.id)
                clash = query.exists()
            if clash:
                errors["cohort"] = self.ENROLLED
        trainee_id = values.get("trainee_id")
        if trainee_id:
            if known is not None:
                clash = _taken(known["trainee_id"].get(trainee_id), instance)
            else:
                query = Enrolment.select().where(Enrolment.trainee_id == trainee_id)
                if instance is not None:
                    query = query.where(Enrolment.id != instance.id)
                clash = query.exists()
            if clash:
                errors["trainee_id"] = f"Trainee ID {trainee_id} is already used"
        if values.get("status") == "withdrawn" and not values.get("withdrawal_date"):
            errors["withdrawal_date"] = "A withdrawn enrolment needs its withdrawal date"
        start, end = values.get("itt_start_date"), values.get("itt_end_date")
        if start and end and end < start:
            errors["itt_end_date"] = "The expected end is before the ITT start date"
        return errors

    def warnings(self, values: dict[str, Any], instance: Enrolment | None) -> dict[str, str]:
        """Gaps Register will ask about, not reasons to refuse a save (imports carry them)."""
        result: dict[str, str] = {}
        if (values.get("route") in SALARIED_ROUTES and not values.get("employing_school")
                and values.get("status") in ("enrolled", "deferred", "completed")):
            result["employing_school"] = ("A salaried route's employing school counts as one "
                                          "of its placements: record it")
        if values.get("status") == "deferred" and not values.get("deferral_date"):
            result["deferral_date"] = "Register asks for the date of deferral"
        return result

    def dependents(self, enrolment: Enrolment) -> list[str]:
        return count_words([(Placement.select().where(Placement.enrolment == enrolment).count(),
                             "placement", "placements")])

    def person_id(self, enrolment: Enrolment) -> int | None:
        return enrolment.person_id

    def describe(self, enrolment: Enrolment) -> str:
        return f"Enrolment of {enrolment.person.full_name}"

    def set_statuses(self, enrolment_ids: Sequence[int], status: str,
                     withdrawal_date: date | None = None,
                     versions: dict[int, int] | None = None) -> int:
        """Change the status of several enrolments (a cohort's, chosen together), all or none;
        returns how many. Withdrawn ones get ``withdrawal_date`` where they have none.

        ``versions``: each enrolment's version when the user chose them (``versions``); one
        whose status or withdrawal date another user changed since refuses the whole change,
        naming who and when; a change to its other fields merges."""
        versions = versions or {}
        with writing():  # it reads each enrolment, then writes: the write lock first
            for enrolment_id in enrolment_ids:
                data: dict[str, Any] = {"status": status}
                if status == "withdrawn" and withdrawal_date is not None:
                    if self.get(enrolment_id).withdrawal_date is None:
                        data["withdrawal_date"] = withdrawal_date
                try:
                    self.update(enrolment_id, data, expected_version=versions.get(enrolment_id))
                except ConflictError as exc:
                    who = self.get(enrolment_id).person.full_name
                    raise RefusedError(f"{who}: the enrolment was changed {exc.changed_by} "
                                       "since you chose it "
                                       f"({', '.join(exc.labels.values())}). "
                                       "Look again and choose once more.") from exc
                except ValidationError as exc:
                    who = self.get(enrolment_id).person.full_name
                    raise ValidationError(
                        {"": f"{who}: {'; '.join(exc.errors.values())}"}) from exc
        return len(enrolment_ids)


class PlacementService(EntityService[Placement]):
    model = Placement
    entity = "placement"
    label = "Placement"
    fields = (
        Field.ref("enrolment", "Trainee", Enrolment, "enrolment", required=True),
        Field.ref("school", "School", School, "school", required=True),
        Field.ref("mentor", "Mentor", Person, "person"),
        Field.choice("kind", "Kind", PLACEMENT_KINDS, default="main"),
        Field.date("start_date", "Start date", required=True),
        Field.date("end_date", "End date", required=True),
        Field.text("subject", "Subject", 100),
        Field.text("year_group", "Year group or key stage", 50),
        Field.long_text("notes", "Notes"),
        # Issue 17: the ledger (ittdesk.placements counts it).
        Field.choice("status", "Status", PLACEMENT_STATUSES, default="proposed"),
        Field.long_text("status_reason", "Why withdrawn"),
        Field.number("days_spent", "Days spent (blank: school days)"),
        Field.number("absence_days", "Days absent"),
    )

    def check(self, values: dict[str, Any], instance: Placement | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            errors["end_date"] = "End date is before the start date"
        enrolment_id = values.get("enrolment")
        if enrolment_id and start and end:
            cohort = Cohort.select().join(Enrolment).where(Enrolment.id == enrolment_id).get()
            first = cohort.start_date or cohort.academic_year.start
            last = cohort.end_date or cohort.academic_year.end
            if start < first or end > last:
                field = "start_date" if start < first else "end_date"
                errors[field] = (f"The placement must fall within the cohort's dates "
                                 f"({fields.format_date(first)} to {fields.format_date(last)})")
        if values.get("status") in WITHDRAWN_PLACEMENT_STATUSES and not values.get("status_reason"):
            errors["status_reason"] = "Say why the placement was withdrawn"
        return errors

    def prepare(self, data: dict[str, Any], instance: Placement | None = None) -> dict[str, Any]:
        values = super().prepare(data, instance)
        if "absence_days" in values and values["absence_days"] is None:
            values["absence_days"] = 0  # empty means none
        return values

    # -- every mentor, the lead (``mentor``) among them -------------------------------------
    def create(self, data: dict[str, Any]) -> Placement:
        with self._writing():  # the write lock first: it reads, then writes
            placement = super().create(data)
            _keep_lead_mentor([placement.id], [placement.mentor_id])
        return placement

    def update(self, record_id: int, data: dict[str, Any], *,
               expected_version: int | None = None) -> Placement:
        with self._writing():  # the write lock first: it reads, then writes
            placement = super().update(record_id, data, expected_version=expected_version)
            _keep_lead_mentor([placement.id], [placement.mentor_id])
        return placement

    def create_many(self, rows: Sequence[dict[str, Any]], *,
                    person_ids: Sequence[int | None] | None = None, import_run: int | None = None,
                    note: str | None = None, tick: Callable[[int], None] | None = None) -> list[int]:
        ids = super().create_many(rows, person_ids=person_ids, import_run=import_run, note=note,
                                  tick=tick)
        _keep_lead_mentor(ids, [values.get("mentor") for values in rows])
        return ids

    def kept_with(self, instance: Placement) -> dict[str, Any]:
        """Every mentor, the lead first: the links go with the placement when it is deleted,
        so its delete entry keeps them for ``undo_delete``."""
        return {"mentors": self.mentors(instance.id)}

    def undo_delete(self, entry: AuditEntry) -> Placement:
        """The placement back as it was, with every mentor it had when it was deleted (those
        still on record: a person erased since cannot mentor it again); an entry made before
        the mentors were kept brings back the lead only."""
        kept = (json.loads(entry.changes or "{}").get("mentors") or [None])[0]
        if isinstance(kept, str):  # the audit trail keeps a list as its text
            kept = json.loads(kept)
        with writing():  # the write lock first, waiting its turn
            placement = super().undo_delete(entry)
            _keep_lead_mentor([placement.id], [placement.mentor_id])
            wanted = [int(pid) for pid in kept or [] if pid != placement.mentor_id]
            present = {pid for (pid,) in cast("Iterable[tuple[int]]", Person.select(Person.id)
                       .where(Person.id.in_(wanted or [0]) & ~Person.erased).tuples())}
            rows = [{"placement": placement.id, "person": pid} for pid in wanted if pid in present]
            if rows:
                PlacementMentor.insert_many(rows).execute()
        return placement

    def other_mentors(self) -> dict[int, list[int]]:
        """Each placement's mentors besides its lead, in the order they were added: what the
        full export writes beside the lead (``mentor``). One query."""
        found: dict[int, list[int]] = {}
        rows = cast("Iterable[tuple[int, int]]", PlacementMentor
                    .select(PlacementMentor.placement, PlacementMentor.person)
                    .join(Placement, on=(PlacementMentor.placement == Placement.id))
                    .where((Placement.mentor.is_null()) | (PlacementMentor.person != Placement.mentor))
                    .order_by(PlacementMentor.id).tuples())
        for placement_id, person_id in rows:
            found.setdefault(placement_id, []).append(person_id)
        return found

    def restore_mentors(self, others: Sequence[tuple[int, Sequence[int]]]) -> None:
        """After placements were read back from a full export: each one's lead mentor and
        ``others`` (placement id, its other mentors' ids) linked again, in bulk."""
        ids = [placement_id for placement_id, _ in others]
        leads: dict[int, int | None] = {}
        for start in range(0, len(ids), 500):  # bounded IN lists (SQLite caps parameters)
            leads.update(cast("Iterable[tuple[int, int | None]]", Placement.select(
                Placement.id, Placement.mentor).where(Placement.id.in_(ids[start:start + 500]))
                .tuples()))
        _keep_lead_mentor(ids, [leads.get(placement_id) for placement_id in ids])
        rows = [{"placement": placement_id, "person": pid} for placement_id, mentors in others
                for pid in dict.fromkeys(mentors) if pid != leads.get(placement_id)]
        for start in range(0, len(rows), 500):
            PlacementMentor.insert_many(rows[start:start + 500]).execute()

    def mentors(self, placement_id: int) -> list[int]:
        """Every mentor of the placement, the lead first."""
        placement = self.get(placement_id)
        linked = cast("Iterable[tuple[int]]", PlacementMentor.select(PlacementMentor.person)
                      .where(PlacementMentor.placement == placement_id)
                      .order_by(PlacementMentor.id).tuples())
        others = [pid for (pid,) in linked if pid != placement.mentor_id]
        return ([placement.mentor_id] if placement.mentor_id else []) + others

    def set_mentors(self, placement_id: int, person_ids: Iterable[int]) -> list[int]:
        """Make ``person_ids`` the placement's mentors (the lead, if any, stays one; the first
        becomes the lead when there is none). Audited on the placement."""
        wanted = list(dict.fromkeys(person_ids))
        with self._writing():  # the write lock first: it reads, then writes
            placement = self.get(placement_id)
            missing = [pid for pid in wanted if Person.get_or_none(Person.id == pid) is None]
            if missing:
                raise RefusedError(f"There is no person #{missing[0]}")
            before = self.mentors(placement_id)
            if placement.mentor_id is None and wanted:
                self.update(placement_id, {"mentor": wanted[0]})
                placement = self.get(placement_id)
            if placement.mentor_id is not None and placement.mentor_id not in wanted:
                wanted.insert(0, placement.mentor_id)
            PlacementMentor.delete().where((PlacementMentor.placement == placement_id)
                                           & PlacementMentor.person.not_in(wanted or [0])).execute()
            have = {pid for (pid,) in cast("Iterable[tuple[int]]", PlacementMentor.select(
                PlacementMentor.person).where(PlacementMentor.placement == placement_id).tuples())}
            for pid in wanted:
                if pid not in have:
                    PlacementMentor.create(placement=placement_id, person=pid)
            after = self.mentors(placement_id)
            if sorted(after) != sorted(before):
                audit.record(self.entity, placement_id, "update", {"mentors": [before, after]},
                             person_id=self.person_id(placement))
        return after

    def warnings(self, values: dict[str, Any], instance: Placement | None) -> dict[str, str]:
        result: dict[str, str] = {}
        mentor, school = values.get("mentor"), values.get("school")
        start, end = values.get("start_date"), values.get("end_date")
        if not (mentor and school and start and end):
            return result
        role = (Role.select().where((Role.person == mentor) & (Role.school == school)
                                    & Role.kind.in_(MENTOR_KINDS) & holders.held(start)).first())
        if role is None:
            result["mentor"] = "This person has no current mentor role at the school"
        elif role.capacity is not None:
            overlapping = Placement.select().where(
                (Placement.mentor == mentor) & (Placement.school == school)
                & (Placement.start_date <= end) & (Placement.end_date >= start))
            if instance is not None:
                overlapping = overlapping.where(Placement.id != instance.id)
            taken = overlapping.count()
            if taken + 1 > role.capacity:
                result["mentor"] = (f"The mentor would have {taken + 1} trainees at once; "
                                    f"their capacity is {role.capacity}")
        lapses = training_lapses_on(mentor, settings.MENTOR_REFRESHER_MONTHS.get())
        if lapses is None:
            result.setdefault("mentor", "The mentor has no recorded mentor training")
        elif lapses < start:
            result.setdefault("mentor", f"The mentor's training lapses on {fields.format_date(lapses)}")
        return result

    def person_id(self, placement: Placement) -> int | None:
        return Enrolment.get_by_id(placement.enrolment_id).person_id

    def describe(self, placement: Placement) -> str:
        return f"Placement #{placement.id}"


def _keep_lead_mentor(placement_ids: Sequence[int], mentor_ids: Sequence[int | None]) -> None:
    """Each placement's lead mentor is one of its mentors (a PlacementMentor row)."""
    pairs = [(p, m) for p, m in zip(placement_ids, mentor_ids, strict=True) if m is not None]
    for start in range(0, len(pairs), 500):  # bounded IN lists (SQLite caps parameters)
        part = pairs[start:start + 500]
        have = set(cast("Iterable[tuple[int, int]]", PlacementMentor.select(
            PlacementMentor.placement, PlacementMentor.person)
            .where(PlacementMentor.placement.in_([p for p, _m in part])).tuples()))
        new = [{"placement": p, "person": m} for p, m in part if (p, m) not in have]
        if new:
            PlacementMentor.insert_many(new).execute()


def check_placement_warnings(data: dict[str, Any], instance: Placement | None = None) -> dict[str, str]:
    """Warnings for a placement about to be saved (editors show them before Save)."""
    values, errors = placements.clean(data, partial=instance is not None)
    if errors:
        return {}
    return placements.warnings(placements.merged(instance, values), instance)


def places_taken(cohort: Cohort | int) -> int:
    return Enrolment.select().where((Enrolment.cohort == cohort)
                                    & Enrolment.status.in_(("offered", "enrolled", "completed"))).count()


programmes = ProgrammeService()
cohorts = CohortService()
enrolments = EnrolmentService()
placements = PlacementService()
