"""How a reference to another record is chosen and named in an editor: every model a service
field refers to (``Field.reference``) has its picker here (the big tables a searchable record
picker, short lists a combo box)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ittdesk.choices import PARTY_ROLES
from ittdesk.models import (
    AgreementParty,
    Cohort,
    Designation,
    Enrolment,
    Event,
    Person,
    Programme,
    School,
    SupportAgreement,
)
from ittdesk.queries.lists import AGREEMENTS, ENROLMENTS, EVENTS, PEOPLE, SCHOOLS

from ..widgets.record_picker import RecordCombo, RecordPicker


def describe_school(school_id: int) -> str:
    school = School.get_by_id(school_id)
    return f"{school.name} (URN {school.urn})"


def describe_person(person_id: int) -> str:
    person = Person.get_by_id(person_id)
    return f"{person.full_name}" + (f" <{person.email}>" if person.email else "")


def describe_enrolment(enrolment_id: int) -> str:
    e = (Enrolment.select(Enrolment, Person, Cohort, Programme).join(Person).switch(Enrolment)
         .join(Cohort).join(Programme).where(Enrolment.id == enrolment_id).get())
    return f"{e.person.full_name} — {e.cohort.programme.name}, {e.cohort.name} ({e.cohort.academic_year})"


def programme_options() -> list[tuple[int, str]]:
    return [(p.id, p.name) for p in Programme.select().order_by(Programme.name)]


def cohort_options() -> list[tuple[int, str]]:
    query = (Cohort.select(Cohort, Programme).join(Programme)
             .order_by(Cohort.academic_year.desc(), Programme.name, Cohort.name))
    return [(c.id, f"{c.programme.name} — {c.name} ({c.academic_year})") for c in query]


def describe_agreement(agreement_id: int) -> str:
    agreement = SupportAgreement.get_by_id(agreement_id)
    return f"{agreement.reference} — {agreement.title}"


def describe_event(event_id: int) -> str:
    event = Event.get_by_id(event_id)
    return f"{event.title} ({event.held_on:%d/%m/%Y})"


def designation_options() -> list[tuple[int, str]]:
    query = (Designation.select(Designation, Person).join(Person)
             .order_by(Person.last_name_key, Person.first_name_key, Designation.id))
    return [(d.id, f"{d.person.full_name} — {d.kind}" + (f", {d.specialism}" if d.specialism else ""))
            for d in query]


def party_options() -> list[tuple[int, str]]:
    query = (AgreementParty.select(AgreementParty, School, SupportAgreement).join(School)
             .switch(AgreementParty).join(SupportAgreement)
             .order_by(SupportAgreement.reference, AgreementParty.id))
    return [(p.id, f"{p.agreement.reference}: {PARTY_ROLES.label(p.role)} {p.school.name}")
            for p in query]


def widget_for(model, label: str) -> QWidget:
    if model is School:
        return RecordPicker(SCHOOLS, describe_school, "school")
    if model is Person:
        return RecordPicker(PEOPLE, describe_person, "person", new_entity="person")
    if model is Enrolment:
        return RecordPicker(ENROLMENTS, describe_enrolment, "trainee")
    if model is Programme:
        return RecordCombo(programme_options, empty="")
    if model is Cohort:
        return RecordCombo(cohort_options, empty="")
    if model is SupportAgreement:
        return RecordPicker(AGREEMENTS, describe_agreement, "support agreement")
    if model is Event:
        return RecordPicker(EVENTS, describe_event, "event")
    if model is Designation:
        return RecordCombo(designation_options, empty="")
    if model is AgreementParty:
        return RecordCombo(party_options, empty="")
    raise ValueError(f"No way to choose a {label} in an editor")
