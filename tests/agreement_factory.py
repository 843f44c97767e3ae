"""Builds support agreements through the services, for the agreement tests (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ittdesk.models import AgreementParty, Person, School, SupportAgreement


@dataclass
class Built:
    agreement: SupportAgreement
    supported: AgreementParty
    supporting: AgreementParty
    lead: AgreementParty
    qa_lead: Person
    leader: Person
    people: dict[str, Person] = field(default_factory=dict)


_counter = [0]


def school(name: str) -> School:
    from ittdesk.services.schools import schools

    _counter[0] += 1
    return schools.create({"urn": 700000 + _counter[0], "name": name, "la_name": "Northmoor"})


def person(first: str, last: str) -> Person:
    from ittdesk.services.people import people

    _counter[0] += 1
    return people.create({"first_name": first, "last_name": last,
                          "email": f"{first}.{last}.{_counter[0]}@example.org".lower()})


def agreement(*, ready: bool = True, title: str = "Improving early reading",
              year: str = "2025/26", amount: str = "4,000.00") -> Built:
    """A draft agreement; ``ready`` fills everything 'agreed' needs."""
    from ittdesk.services.agreements import agreements, leaders, parties, reports
    from ittdesk.services.people import designations

    qa = person("Quinn", "Assurer")
    designations.create({"person": qa.id, "kind": "LLE"})
    leader = person("Sasha", "Leader")
    designations.create({"person": leader.id, "kind": "SLE", "specialism": "Early reading"})
    contacts = {k: person(k.title(), "Contact") for k in ("supported", "supporting", "lead")}
    record = agreements.create({
        "title": title, "academic_year": year, "amount_agreed_pence": amount,
        "funding_source": "School improvement fund",
        "intended_impact": "Pupils read fluently by the end of Year 1." if ready else None,
        "evidence": "Phonics screening check results rise to 85%." if ready else None,
        "priorities": "Phonics teaching\nReading for pleasure",
        "start_date": "01/10/2025", "end_date": "30/06/2026", "qa_lead": qa.id,
    })
    made = {}
    for role, name in (("supported", "Ashby Moor Primary School"),
                       ("supporting", "Brackenfield Primary Academy"),
                       ("lead", "Moorside Teaching School Hub")):
        made[role] = parties.create({
            "agreement": record.id, "school": school(f"{name} {_counter[0]}").id, "role": role,
            "contact": contacts[role].id,
            "responsibilities": f"{role.title()} duties: release staff and share data." if ready else None,
        })
    leaders.create({"agreement": record.id, "person": leader.id, "days": 6})
    if ready:
        reports.create({"agreement": record.id, "kind": "interim", "due_date": "15/01/2026"})
        reports.create({"agreement": record.id, "kind": "final", "due_date": "15/06/2026"})
    return Built(SupportAgreement.get_by_id(record.id), made["supported"], made["supporting"],
                 made["lead"], qa, leader, contacts)


def days_from(today: date, n: int) -> date:
    return today + timedelta(days=n)
