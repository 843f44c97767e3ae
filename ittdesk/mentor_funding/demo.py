"""The demo partnership's mentor training funding (issue 18), built through the services.

Every mentor gets a TRN and most a date of birth (a few are left without, so statements say
what is missing); last year's sessions fill the ledger, some past the cap; three schools have a
funding region set so each of DfE's four rates appears; and a handful of named mentors are the
cases DfE's sample can be answered "no" for, one per reason (``CASES``), so a sample written
for the demo (``sample_rows``) exercises every answer. Its own random stream: the rest of the
demo is the same whether or not this part runs. Names are made up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ..academic_year import AcademicYear
from ..models import Person, Role, School

OTHER_PROVIDER = "Pennine Teacher Training Partnership"


@dataclass(frozen=True)
class Case:
    key: str  # what the demo sample line shows
    first_name: str
    last_name: str


CASES = (
    Case("accepted", "Imogen", "Threlfall"),
    Case("hours", "Barnaby", "Ackroyd"),
    Case("not_at_school", "Cressida", "Holdsworth"),
    Case("not_general", "Desmond", "Firth"),
    Case("other", "Eliza", "Gledhill"),
    Case("undecided", "Florian", "Hepworth"),  # no hours recorded for one session
)
UNKNOWN_MENTOR = ("Zebedee", "Nobody", "7999999")


def _trn(rng: random.Random, used: set[str]) -> str:
    while True:
        trn = f"{rng.randint(1000000, 6999999)}"
        if trn not in used:
            used.add(trn)
            return trn


def build(seed: int, today: date, mentors_by_school: dict[int, list[Person]]) -> dict[str, int]:
    from ..services.people import mentor_training, people, roles
    from ..services.schools import schools

    rng = random.Random(seed + 18)
    year = AcademicYear.for_date(today).previous()
    used: set[str] = set()
    counts = {"mentor_sessions": 0}
    partner_ids = [sid for sid, ms in sorted(mentors_by_school.items()) if ms]
    for key, sid in zip(("inner_london", "outer_london", "fringe"), partner_ids[1:4], strict=False):
        schools.update(sid, {"funding_region": key})
    for sid in partner_ids:
        for mentor in mentors_by_school[sid]:
            if rng.random() < 0.85:
                changes: dict[str, object] = {"trn": _trn(rng, used)}
                if rng.random() < 0.7:
                    changes["date_of_birth"] = date(rng.randint(1965, 1995), rng.randint(1, 12),
                                                    rng.randint(1, 28))
                people.update(mentor.id, changes)
            if rng.random() < 0.2:
                continue  # no hours recorded this year: the statement says so
            on = year.start + timedelta(days=rng.randint(20, 60))
            for _s in range(rng.choice([2, 3, 4])):
                if on > today:
                    break
                mentor_training.create({
                    "person": mentor.id, "kind": "initial", "hours": rng.choice([3, 4, 5, 6]),
                    "completed_on": on, "school": sid, "provided_by": "Moorside SCITT",
                    "evidence": "Attendance register"})
                counts["mentor_sessions"] += 1
                on += timedelta(days=rng.randint(14, 40))
    # The named cases, each a mentor at a partner school of its own.
    homes = partner_ids[4:4 + len(CASES)] or partner_ids
    start = year.start + timedelta(days=30)
    for i, case in enumerate(CASES):
        school_id = homes[i % len(homes)]
        person = people.create({"first_name": case.first_name, "last_name": case.last_name,
                                "email": f"{case.first_name}.{case.last_name}@example.org".lower(),
                                "trn": _trn(rng, used)})
        roles.create({"person": person.id, "school": school_id, "kind": "mentor",
                      "start_date": year.start - timedelta(days=365)})
        session = {"person": person.id, "kind": "initial", "completed_on": start,
                   "school": school_id, "evidence": "Attendance register"}
        if case.key in ("accepted", "not_at_school"):
            mentor_training.create({**session, "hours": 12})
        elif case.key == "hours":
            mentor_training.create({**session, "hours": 10})
        elif case.key == "not_general":
            mentor_training.create({**session, "hours": 8, "general": False,
                                    "provided_by": "Lead mentor training"})
        elif case.key == "other":
            mentor_training.create({**session, "hours": 12,
                                    "accredited_provider": OTHER_PROVIDER})
        elif case.key == "undecided":
            mentor_training.create({**session, "hours": 6})
            mentor_training.create({**session, "completed_on": start + timedelta(days=21)})
        counts["mentor_sessions"] += 1
    return counts


def sample_rows(year: AcademicYear) -> list[dict[str, str]]:
    """A DfE-shaped sample for the demo (latest column set, answers blank): one line per case
    and one for a mentor nobody knows. For tests and trying the dialog out."""
    rows = []
    submitted = f"{year.start_year + 1}-06-15T10:00:00+01:00"
    for n, case in enumerate(CASES, start=1):
        person = Person.get((Person.first_name == case.first_name)
                            & (Person.last_name == case.last_name))
        role = Role.select().where(Role.person == person).order_by(Role.id).first()
        school = role.school
        if case.key == "not_at_school":  # claimed by a school they are not at
            school = School.select().where(School.id != school.id).order_by(School.id).first()
        claimed = {"accepted": "12", "hours": "16", "undecided": "10"}.get(case.key, "10")
        rows.append(_row(n, school, submitted, person.trn or "", person.full_name, claimed))
    any_school = School.select().order_by(School.id).first()
    rows.append(_row(len(rows) + 1, any_school, submitted, UNKNOWN_MENTOR[2],
                     f"{UNKNOWN_MENTOR[0]} {UNKNOWN_MENTOR[1]}", "16"))
    return rows


def _row(n: int, school: School, submitted: str, trn: str, name: str, hours: str
         ) -> dict[str, str]:
    return {"claim_reference": f"{10000000 + n}", "school_urn": str(school.urn),
            "school_name": school.name, "school_local_authority": school.la_name or "",
            "school_type_of_establishment": school.establishment_type or "",
            "school_group": "Local authority maintained schools",
            "provider_name": "Moorside SCITT", "claim_submission_date": submitted,
            "mentor_trn": trn, "mentor_full_name": name, "mentor_hours_of_training": hours}
