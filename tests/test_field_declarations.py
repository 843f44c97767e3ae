"""Each field is declared once on its service (kind, vocabulary, referenced record, default), and
every consumer reads the declaration: defaults are applied by the service itself and stored the
same by an import; a reference names its model; a vocabulary is there to read."""

from __future__ import annotations

import csv
import json

from peewee import ForeignKeyField

from ittdesk.academic_year import AcademicYear
from ittdesk.models import AuditEntry, School, SupportAgreement
from ittdesk.services.agreements import agreements
from ittdesk.services.base import EntityService, Field, Kind
from ittdesk.services.people import people
from ittdesk.services.programmes import cohorts, enrolments, placements, programmes
from ittdesk.services.schools import schools
from ittdesk.spreadsheets import importing


def _services() -> list[EntityService]:
    import ittdesk.leadership.appetite  # noqa: F401  (register every service)
    import ittdesk.services.agreements  # noqa: F401
    import ittdesk.services.events  # noqa: F401
    import ittdesk.services.people  # noqa: F401
    import ittdesk.services.programmes  # noqa: F401
    import ittdesk.services.schools  # noqa: F401

    found, todo = [], list(EntityService.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if getattr(cls, "model", None) is not None:
            found.append(cls())
    return found


def _fields() -> list[tuple[EntityService, Field]]:
    return [(service, spec) for service in _services() for spec in service.fields]


def test_a_reference_field_names_its_model_and_is_never_remembered():
    checked = 0
    for service, spec in _fields():
        column = service.model._meta.fields[spec.name]
        is_foreign_key = isinstance(column, ForeignKeyField)
        assert (spec.kind is Kind.REFERENCE) == is_foreign_key == (spec.reference is not None), \
            (service.entity, spec.name)
        assert spec.reads_database == is_foreign_key, (service.entity, spec.name)
        if is_foreign_key:
            checked += 1
            assert spec.reference.model is column.rel_model, (service.entity, spec.name)
    assert checked > 20
    home_school = enrolments.field("home_school")
    assert (home_school.reference.model, home_school.reference.word) == (School, "school")


def test_a_choice_field_carries_its_vocabulary_and_parses_by_it():
    checked = 0
    for service, spec in _fields():
        assert (spec.kind is Kind.CHOICE) == (spec.choices is not None), (service.entity, spec.name)
        if spec.choices is not None:
            checked += 1
            key, label = next(iter(spec.choices))
            assert spec.parse(label.upper()) == key, (service.entity, spec.name)
    assert checked > 15


def test_every_declared_default_is_the_models_default_too():
    """A bulk insert (the importers') stores the model's default: it must be the declared one."""
    declared = [(service, spec) for service, spec in _fields() if spec.default is not None]
    assert {(s.entity, f.name) for s, f in declared} >= {
        ("school", "status"), ("enrolment", "status"), ("placement", "kind"),
        ("agreement", "status"), ("agreement", "amount_agreed_pence")}
    for service, spec in declared:
        assert service.model._meta.fields[spec.name].default == spec.default, \
            (service.entity, spec.name)


def test_a_declared_default_is_applied_by_create_and_audited(db):
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary"})
    person = people.create({"first_name": "Ada", "last_name": "Okafor"})
    programme = programmes.create({"name": "PGCE Primary", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "2025 intake",
                             "academic_year": "2025/26"})
    enrolment = enrolments.create({"person": person.id, "cohort": cohort.id})
    year = AcademicYear.parse("2025/26")
    placement = placements.create({"enrolment": enrolment.id, "school": school.id,
                                   "start_date": year.start, "end_date": year.end})
    agreement = agreements.create({"title": "Early reading", "academic_year": "2025/26"})
    agreement = SupportAgreement.get_by_id(agreement.id)
    assert (school.status, enrolment.status, placement.kind) == (
        schools.field("status").default, enrolments.field("status").default,
        placements.field("kind").default) == ("open", "applied", "main")
    assert (agreement.status, agreement.amount_agreed_pence) == ("draft", 0)
    entry = AuditEntry.get((AuditEntry.entity == "school") & (AuditEntry.entity_id == school.id))
    assert json.loads(entry.changes)["status"] == [None, "open"]
    # a value given is kept, and an edit never puts the default back
    closed = schools.create({"urn": 100002, "name": "Bell Lane", "status": "closed"})
    assert closed.status == "closed"
    assert schools.update(closed.id, {"name": "Bell Lane School"}).status == "closed"


def test_an_import_without_a_status_column_stores_the_declared_default(db, tmp_path):
    path = tmp_path / "schools.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["URN", "EstablishmentName"], ["100003", "Cherry Tree Primary"]])
    result = importing.apply_plan(importing.plan_import(importing.load_source(path, "schools")))
    assert result.added == 1
    assert School.get(School.urn == 100003).status == schools.field("status").default


def test_the_parser_is_built_from_the_declaration():
    name = schools.field("name")
    assert (name.kind, name.max_length) == (Kind.TEXT, 200)
    assert name.parse("  Ashby  ") == "Ashby"
    try:
        name.parse("x" * 201)
    except ValueError:
        pass
    else:
        raise AssertionError("text past its declared length was accepted")
    status = Field.choice("status", "Status", schools.field("status").choices, default="open")
    assert (status.parse("Closed"), status.default, status.reads_database) == ("closed", "open", False)
