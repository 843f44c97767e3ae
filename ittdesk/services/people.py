"""People, their roles at schools over time, designations and mentor training."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Protocol

from peewee import ModelSelect

from .. import clock, fields, holders, settings
from ..choices import DESIGNATIONS, LEADERSHIP_KINDS, MENTOR_KINDS, ROLE_KINDS, TRAINING_KINDS
from ..errors import NotFoundError, RefusedError, ValidationError
from ..models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    Designation,
    Enrolment,
    EventAttendance,
    ImpactReport,
    MentorTraining,
    Person,
    Placement,
    Role,
    School,
    Signature,
    SupportAgreement,
)
from ..models.base import writing
from .base import EntityService, Field, count_words


class PersonLike(Protocol):
    """What ``PersonService.check`` reads of a person (and the fields, by name): a Person, or
    an import's PersonRow (an enrolments plan builds no model per matched trainee)."""

    @property
    def id(self) -> int: ...
    @property
    def erased(self) -> bool: ...
    @property
    def full_name(self) -> str: ...


class PersonService(EntityService[Person]):
    model = Person
    entity = "person"
    label = "Person"
    fields = (
        Field.text("title", "Title", 20),
        Field.text("first_name", "First name", 100, required=True),
        Field.text("last_name", "Last name", 100, required=True),
        Field.text("email", "Email", parse=fields.email),
        Field.text("phone", "Phone", parse=fields.phone),
        Field.text("trn", "TRN", parse=fields.trn),
        Field.long_text("notes", "Notes"),
        Field.yes_no("no_newsletters", "No newsletters"),
        Field.date("date_of_birth", "Date of birth", parse=fields.date_of_birth),
    )

    UNIQUE = (("email", "email"), ("trn", "TRN"))  # field, the word messages use

    def check(self, values: dict[str, Any], instance: PersonLike | None,
              known: Mapping[str, Mapping[Any, PersonLike]] | None = None) -> dict[str, str]:
        """``known``: field -> {value: person} holding every person with those values, when the
        caller has loaded them (imports, to avoid a query per row); else one query per value."""
        errors = self._erased_errors(values, instance)
        for name, label in self.UNIQUE:
            value = values.get(name)
            if value is None:
                continue
            if known is not None:
                other = known[name].get(value)
                if other is not None and instance is not None and other.id == instance.id:
                    other = None
            elif instance is not None and value == getattr(instance, name):
                continue  # the record's own, unchanged: unique in the table, so no one else's
            else:
                query = Person.select().where(getattr(Person, name) == value)
                if instance is not None:
                    query = query.where(Person.id != instance.id)
                other = query.first()
            if other is not None:
                errors[name] = f"{other.full_name} (#{other.id}) already has this {label}"
        return errors

    def _erased_errors(self, values: dict[str, Any], instance: PersonLike | None
                       ) -> dict[str, str]:
        """An erased person stays erased: no name, contact or note can be given back to the
        record (an import or an editor would otherwise quietly undo the erasure)."""
        if instance is None or not instance.erased:
            return {}
        errors = {}
        for spec in self.fields:
            if spec.name in values and values[spec.name] != getattr(instance, spec.name):
                errors[spec.name] = (f"{spec.label}: this person's personal data was erased; "
                                     "it cannot be added back (add a new person if they return)")
        return errors

    def dependents(self, person: Person) -> list[str]:
        return count_words([
            (Role.select().where(Role.person == person).count(), "role", "roles"),
            (Enrolment.select().where(Enrolment.person == person).count(), "enrolment", "enrolments"),
            (Placement.select().where(Placement.mentor == person).count(),
             "placement as mentor", "placements as mentor"),
            (MentorTraining.select().where(MentorTraining.person == person).count(),
             "mentor training record", "mentor training records"),
            (Designation.select().where(Designation.person == person).count(),
             "designation", "designations"),
            (AgreementParty.select().where(AgreementParty.contact == person).count()
             + AgreementLeader.select().where(AgreementLeader.person == person).count()
             + SupportAgreement.select().where(SupportAgreement.qa_lead == person).count()
             + AgreementActivity.select().where(AgreementActivity.person == person).count()
             + ImpactReport.select().where(ImpactReport.author == person).count()
             + Signature.select().where(Signature.person == person).count(),
             "part in a support agreement", "parts in support agreements"),
            (EventAttendance.select().where(EventAttendance.person == person).count(),
             "place on an event's list", "places on events' lists"),
        ])

    def person_id(self, person: Person) -> int | None:
        return person.id

    def person_of(self, values: dict[str, Any], record_id: int) -> int | None:
        return record_id

    def describe(self, person: Person) -> str:
        return f"{person.full_name} (#{person.id})"

    def find(self, key: Any) -> Person:
        """A person by id or email, as the CLI takes them."""
        text_key = str(key).strip()
        person = None
        if text_key.isdigit():
            person = Person.get_or_none(Person.id == int(text_key))
        elif "@" in text_key:
            person = Person.get_or_none(Person.email == text_key.lower())
        if person is None:
            raise NotFoundError(f"No person with id or email '{text_key}'")
        return person


class RoleService(EntityService[Role]):
    model = Role
    entity = "role"
    label = "Role"
    fields = (
        Field.ref("person", "Person", Person, "person", required=True),
        Field.ref("school", "School", School, "school", required=True),
        Field.choice("kind", "Role", ROLE_KINDS, required=True),
        Field.text("job_title", "Job title", 120),
        Field.date("start_date", "Start date"),
        Field.date("end_date", "End date"),
        Field.text("subjects", "Subjects", 300),
        Field.text("key_stages", "Phase / key stages", 100),
        Field.integer("capacity", "Capacity (trainees)"),
    )

    def check(self, values: dict[str, Any], instance: Role | None) -> dict[str, str]:
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            return {"end_date": "End date is before the start date"}
        return {}

    def warnings(self, values: dict[str, Any], instance: Role | None) -> dict[str, str]:
        if values.get("kind") == "headteacher" and values.get("end_date") is None and values.get("school"):
            # another head still in post when this one starts (a head leaving first is fine)
            query = Role.select().where((Role.school == values["school"]) & (Role.kind == "headteacher")
                                        & holders.not_ended(values.get("start_date")))
            if instance is not None:
                query = query.where(Role.id != instance.id)
            if query.exists():
                return {"kind": "The school already has a current headteacher: use 'change holder' to end that role"}
        return {}

    def person_id(self, role: Role) -> int | None:
        return role.person_id

    def describe(self, role: Role) -> str:
        return f"{ROLE_KINDS.label(role.kind)} role #{role.id}"

    def end(self, role_id: int, on: date) -> Role:
        return self.update(role_id, {"end_date": on})

    def change_holder(self, school_id: int, kind: str, person_id: int, on: date,
                      job_title: str | None = None) -> Role:
        """End whoever holds ``kind`` at the school the day before ``on``; start the new holder.

        History is never overwritten: the old role keeps its dates and gains an end date.
        """
        if kind not in ROLE_KINDS:
            raise ValidationError({"kind": f"'{kind}' is not a role"})
        with writing():  # the write lock first, waiting its turn
            # whoever would hold the post on ``on`` (one appointed for later is left alone)
            current = Role.select().where((Role.school == school_id) & (Role.kind == kind)
                                          & holders.held(on))
            for old in current:
                if old.person_id == person_id:
                    raise RefusedError(f"{old.person.full_name} already holds this role")
                self.update(old.id, {"end_date": holders.handover_end(old.start_date, on)})
            return self.create({"person": person_id, "school": school_id, "kind": kind,
                                "job_title": job_title, "start_date": on})


def current_roles(school: School | int, kinds: tuple[str, ...] | None = None,
                  day: date | None = None) -> ModelSelect[Role]:
    """The roles held at the school on ``day`` (default today): started and not yet ended."""
    query = (Role.select(Role, Person).join(Person)
             .where((Role.school == school) & holders.held(day)))
    if kinds:
        query = query.where(Role.kind.in_(kinds))
    return query.order_by(Role.kind, Person.last_name_key, Person.first_name_key)


def leadership_history(school: School | int) -> ModelSelect[Role]:
    """Every leadership post held at the school, newest first: who was head when."""
    return (Role.select(Role, Person).join(Person)
            .where((Role.school == school) & Role.kind.in_(LEADERSHIP_KINDS))
            .order_by(Role.kind, Role.start_date.desc(nulls="LAST")))


def mentors_at(school: School | int) -> ModelSelect[Role]:
    return current_roles(school, MENTOR_KINDS)


class DesignationService(EntityService[Designation]):
    model = Designation
    entity = "designation"
    label = "Designation"
    fields = (
        Field.ref("person", "Person", Person, "person", required=True),
        Field.choice("kind", "Designation", DESIGNATIONS, required=True),
        Field.text("specialism", "Specialism", 200),
        Field.date("designated_on", "Designated on"),
        Field.date("review_due", "Review due"),
    )

    def check(self, values: dict[str, Any], instance: Designation | None) -> dict[str, str]:
        on, due = values.get("designated_on"), values.get("review_due")
        if on and due and due < on:
            return {"review_due": "Review due is before the designation date"}
        return {}

    def dependents(self, designation: Designation) -> list[str]:
        return []

    def person_id(self, designation: Designation) -> int | None:
        return designation.person_id


class MentorTrainingService(EntityService[MentorTraining]):
    model = MentorTraining
    entity = "mentor_training"
    label = "Mentor training"
    fields = (
        Field.ref("person", "Mentor", Person, "person", required=True),
        Field.choice("kind", "Training", TRAINING_KINDS, required=True),
        Field.number("hours", "Hours"),
        Field.date("completed_on", "Completed on", required=True),
        Field.text("provided_by", "Provided by", 200),
        Field.ref("school", "School", School, "school"),
        # Issue 18: the ledger DfE's grant is claimed from (empty provider: this provider).
        Field.text("accredited_provider", "Accredited provider", 200),
        Field.yes_no("general", "ITT general mentor training", default=True),
        Field.long_text("evidence", "Evidence"),
    )

    def prepare(self, data: dict[str, Any], instance: MentorTraining | None = None
                ) -> dict[str, Any]:
        """A new session names this provider as its accredited provider unless told another:
        the cap DfE applies is per accredited provider, so the name is kept with the record."""
        values = super().prepare(data, instance)
        if instance is None and not values.get("accredited_provider"):
            name = settings.provider().name.strip()
            if name:
                values["accredited_provider"] = name
        return values

    def check(self, values: dict[str, Any], instance: MentorTraining | None) -> dict[str, str]:
        done = values.get("completed_on")
        if done and done > clock.today() + timedelta(days=1):
            return {"completed_on": "Completed on is in the future"}
        return {}

    def person_id(self, record: MentorTraining) -> int | None:
        return record.person_id


def lapse_date(completed: date, refresher_months: int) -> date:
    """When mentor training completed on ``completed`` lapses: ``refresher_months`` later."""
    month = completed.month - 1 + refresher_months
    year = completed.year + month // 12
    return date(year, month % 12 + 1, min(completed.day, 28))


def training_lapses_on(person: Person | int, refresher_months: int) -> date | None:
    """When the person's latest mentor training lapses, or None if they have none."""
    latest = (MentorTraining.select(MentorTraining.completed_on)
              .where(MentorTraining.person == person)
              .order_by(MentorTraining.completed_on.desc()).first())
    if latest is None:
        return None
    return lapse_date(latest.completed_on, refresher_months)


people = PersonService()
roles = RoleService()
designations = DesignationService()
mentor_training = MentorTrainingService()

