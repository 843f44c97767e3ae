"""How a reference to another record is chosen and named in an editor."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ittdesk.models import Cohort, Enrolment, Person, Programme, School
from ittdesk.queries.lists import ENROLMENTS, PEOPLE, SCHOOLS

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
    raise ValueError(f"No way to choose a {label} in an editor")
