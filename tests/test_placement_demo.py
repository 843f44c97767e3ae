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


def test_the_demos_registered_trainees_have_trns_so_registers_files_have_rows(demo_db, tmp_path):
    """Register matches bulk placements and QTS recommendations by TRN: the demo's registered
    trainees have one (a few are still waiting, and the file says who)."""
    from ittdesk.models import Person
    from ittdesk.register.outgoing import write_placements

    trainees = (Person.select().join(Enrolment, on=(Enrolment.person == Person.id))
                .where(Enrolment.route.is_null(False),
                       Enrolment.status.not_in(["applied", "offered"])))
    with_trn = [p for p in trainees if p.trn]
    assert len(with_trn) > len(trainees) * 0.8
    assert len(with_trn) < len(trainees)  # some still wait for Register's
    assert all(p.trn.startswith("8") and len(p.trn) == 7 for p in with_trn)
    outcome = write_placements(tmp_path / "placements.csv")
    assert outcome.rows > 0
    assert any("no TRN yet" in o.reason for o in outcome.left_out)
