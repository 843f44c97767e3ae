"""Issue 17 in the demo partnership: every status shows, over routes that include salaried,
iQTS and Assessment Only, with term dates for its years."""

from __future__ import annotations

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.models import Enrolment, PlacementMentor, TermDates
from ittdesk.placements.check import STATUSES, check_trainees


def test_the_demo_shows_every_status_and_route_kind(demo_db):
    checks = check_trainees()
    assert {c.status for c in checks} == set(STATUSES)
    assert {"school_direct_salaried", "iqts", "assessment_only"} <= {c.route for c in checks}
    salaried = Enrolment.select().where(Enrolment.route == "school_direct_salaried")
    assert all(e.employing_school_id is not None for e in salaried)
    year = AcademicYear.for_date(clock.today())
    assert TermDates.select().where(TermDates.academic_year == year).count() == 12
    assert PlacementMentor.select().count() > Enrolment.select().where(
        Enrolment.route.is_null(False)).count()  # the lead mentors, and some second ones
