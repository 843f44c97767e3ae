"""A small fictional partnership whose trainees show each way into (and out of) Register's
files: met, salaried with an employing school, no TRN, Assessment only, one placement short,
a 5-digit URN, deferred. Built on the models directly (the placement check reads them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ittdesk.academic_year import AcademicYear
from ittdesk.models import (
    Cohort,
    Enrolment,
    MentorTraining,
    Person,
    Placement,
    PlacementMentor,
    Programme,
    Role,
    School,
)

YEAR = AcademicYear(2025)
TODAY = date(2026, 7, 1)


@dataclass
class Built:
    schools: dict[str, School]
    trainees: dict[str, Enrolment]
    mentor: Person


def _place(enrolment: Enrolment, school: School, start: date, end: date, days: float,
           kind: str = "main", status: str = "completed") -> Placement:
    return Placement.create(enrolment=enrolment, school=school, kind=kind, status=status,
                            start_date=start, end_date=end, days_spent=Decimal(str(days)),
                            absence_days=Decimal("0"))


def build() -> Built:
    north = School.create(urn=999101, name="Northfield Testing School", phase="secondary",
                          la_name="Testshire", partnership_status="partner")
    east = School.create(urn=999102, name="Eastwood Sample Academy", phase="secondary",
                         la_name="Testshire", partnership_status="partner")
    south = School.create(urn=999103, name="Southgate Example Primary", phase="primary",
                          la_name="Sampleshire", partnership_status="placement")
    old = School.create(urn=12345, name="Oldfield Five Digit Centre", phase="nursery",
                        la_name="Sampleshire")
    unused = School.create(urn=999109, name="Westmoor Unplaced School", phase="primary",
                           la_name="Testshire", partnership_status="partner")
    programme = Programme.create(name="Secondary SCITT", kind="itt")
    cohort = Cohort.create(programme=programme, name="2025", academic_year=YEAR,
                           start_date=date(2025, 9, 1), end_date=date(2026, 7, 31))

    def trainee(first: str, last: str, route: str, *, trn: str | None = None,
                status: str = "enrolled", **extra: object) -> Enrolment:
        person = Person.create(first_name=first, last_name=last, trn=trn,
                               date_of_birth=extra.pop("born", None))
        extra.setdefault("itt_start_date", date(2025, 9, 1))
        extra.setdefault("itt_end_date", date(2026, 7, 17))
        return Enrolment.create(person=person, cohort=cohort, route=route, status=status, **extra)

    ada = trainee("Ada", "Testwell", "provider_led_postgrad", trn="9900001",
                  hesa_id="2512345678901", trainee_id="T-0001", lead_partner=north,
                  age_range="13918", course_subject_1="100403", born=date(1999, 3, 14))
    _place(ada, north, date(2025, 9, 8), date(2026, 1, 30), 70)
    _place(ada, east, date(2026, 2, 2), date(2026, 5, 29), 50, kind="second")
    _place(ada, north, date(2026, 6, 1), date(2026, 6, 26), 20, kind="itap")

    bea = trainee("Bea", "Samplesby", "school_direct_salaried", trn="9900004",
                  trainee_id="T-0004", employing_school=south, age_range="13914",
                  born=date(1990, 11, 2))
    _place(bea, east, date(2026, 2, 2), date(2026, 3, 27), 30, kind="second")
    current = _place(bea, south, date(2026, 6, 1), date(2026, 7, 17), 20, status="in_progress")

    cal = trainee("Cal", "Notrn", "provider_led_postgrad", trainee_id="T-0003")
    _place(cal, north, date(2025, 9, 8), date(2026, 1, 30), 70)
    _place(cal, east, date(2026, 2, 2), date(2026, 5, 29), 50, kind="second")

    trainee("Dee", "Onlyassess", "assessment_only", trn="9900008", trainee_id="T-0008")

    eve = trainee("Eve", "Oneplace", "provider_led_postgrad", trn="9900005", trainee_id="T-0005")
    _place(eve, north, date(2025, 9, 8), date(2026, 1, 30), 70)

    fay = trainee("Fay", "Fivedigit", "iqts", trn="9900006", trainee_id="T-0006")
    _place(fay, old, date(2025, 9, 8), date(2026, 1, 30), 70)

    gil = trainee("Gil", "Deferred", "provider_led_postgrad", trn="9900009", status="deferred",
                  trainee_id="T-0009")
    _place(gil, north, date(2025, 9, 8), date(2025, 12, 19), 50)

    mentor = Person.create(first_name="Mona", last_name="Mentorby", email="mona@example.org")
    Role.create(person=mentor, school=south, kind="mentor", subjects="Primary",
                start_date=date(2024, 9, 1))
    MentorTraining.create(person=mentor, kind="initial", completed_on=date(2024, 10, 3), hours=6,
                          provided_by="Testshire SCITT")
    PlacementMentor.create(placement=current, person=mentor)
    return Built({"north": north, "east": east, "south": south, "old": old, "unused": unused},
                 {"ada": ada, "bea": bea, "cal": cal, "eve": eve, "fay": fay, "gil": gil},
                 mentor)
