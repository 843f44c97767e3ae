"""Issue 17: Home's card "trainees at risk of not meeting placement requirements" reads only
this and last year's cohorts by their index, and still names exactly the trainees whose own
check is at risk or not met."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ittdesk.academic_year import AcademicYear
from ittdesk.models import Cohort
from ittdesk.placements import check, home_card


def _risky_by_the_full_check(today: date) -> list[tuple[int, str]]:
    year = AcademicYear.for_date(today)
    cohorts = {c.id for c in Cohort.select().where(Cohort.academic_year.in_([year.previous(), year]))}
    found = [c for c in check.check_trainees() if c.status in ("at_risk", "not_met")
             and c.cohort_id in cohorts]
    return [(c.enrolment_id, c.status) for c in found]


def _card(today: date) -> list[tuple[int, str]]:
    home_card._AT_RISK_CACHE.clear()
    found = home_card.at_risk(today)
    assert found.count == len(found.enrolments)
    return found.enrolments


def test_the_home_card_names_the_demo_trainees_whose_check_is_at_risk_or_not_met(demo_db):
    from ittdesk import clock

    today = clock.today()
    card = _card(today)
    assert card, "the demo shows every status, at risk and not met included"
    assert sorted(card) == sorted(_risky_by_the_full_check(today))
    # not met first, then as the full check orders them (by name)
    statuses = [status for _id, status in card]
    assert statuses == sorted(statuses, key=lambda s: s != "not_met")


def test_the_home_card_agrees_with_the_check_on_a_generated_partnership(tmp_path: Path, set_today):
    from bench.generate import World, build_database
    from bench.scales import TYPICAL
    from ittdesk import db

    path = tmp_path / "generated.sqlite3"
    build_database(path, World(TYPICAL), "full")
    today = date(2027, 2, 1)
    set_today(today)
    db.open_database(path, daily_backup=False)
    try:
        card = _card(today)
        full = _risky_by_the_full_check(today)
        assert len(card) > 100  # both years' cohorts, most with too few days
        assert sorted(card) == sorted(full)
        # the first few are shown in full: the check's own answers, reasons included, in
        # the card's order (not met first, then by name as the check lists them)
        by_id = {c.enrolment_id: c for c in check.check_trainees()}
        shown = home_card.at_risk(today, limit=20).shown
        assert [c.enrolment_id for c in shown] == [i for i, _s in card[:20]]
        assert [(c.status, c.reasons) for c in shown] == \
            [(by_id[c.enrolment_id].status, by_id[c.enrolment_id].reasons) for c in shown]
        names = [(c.status != "not_met", i) for i, c in enumerate(check.check_trainees())
                 if c.enrolment_id in dict(card)]
        assert [i for i, _s in card] == [check.check_trainees()[n].enrolment_id
                                         for _k, n in sorted(names)]
    finally:
        db.close_database()


def test_the_home_card_reads_enrolments_and_placements_from_their_indexes_alone(sqlite_db):
    """Migration 16's two indexes hold every enrolment and placement column the card reads, so
    SQLite never visits those tables' rows (spread over the whole file at the large scale)."""
    from ittdesk.models import database

    sql, params = home_card._card_query([1, 2], by_la=False).sql()
    plan = " | ".join(str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX enrolment_home_card" in plan
    assert "COVERING INDEX placement_home_card" in plan


# -- the card's own question (``home_card._Judge.falls_short``) against the full check --------

def _variety_of_trainees(seed: int, own_la_terms: bool) -> None:
    """Last and this year's trainees with every kind of placement the check tells apart:
    entered days and part-days, absences, withdrawn with and without days, in progress,
    proposed, ITaP, salaried with and without an employing school, four-year courses, no
    route, one LA's own terms, and placements across or outside the cohorts' years."""
    import random
    from decimal import Decimal

    from ittdesk.models import Cohort, Enrolment, Person, Placement, Programme, School, TermDates
    from ittdesk.placements.rules import DEFAULTS

    rng = random.Random(seed)
    programme = Programme.create(name="PGCE", kind="itt")
    cohorts = [Cohort.create(programme=programme, name=str(year), academic_year=AcademicYear(year),
                             start_date=date(year, 9, 1), end_date=date(year + 1, 7, 31))
               for year in (2025, 2026)]
    schools = [School.create(urn=140000 + i, name=f"School {i}", la_code=("999" if i % 3 else "202"))
               for i in range(8)]
    for year in (2025, 2026):  # every LA's terms; LA 999 has its own in 2026 only
        for term, start, end in (("Autumn", date(year, 9, 3), date(year, 12, 19)),
                                 ("Spring", date(year + 1, 1, 5), date(year + 1, 3, 27)),
                                 ("Summer", date(year + 1, 4, 13), date(year + 1, 7, 22))):
            TermDates.create(academic_year=AcademicYear(year), term=term, start_date=start,
                             end_date=end)
    if own_la_terms:
        TermDates.create(academic_year=AcademicYear(2026), la_code="999", term="Autumn",
                         start_date=date(2026, 9, 7), end_date=date(2026, 12, 18))
    routes = [*DEFAULTS, None]
    statuses = ["completed"] * 4 + ["confirmed", "in_progress", "proposed",
                                    "withdrawn_by_school", "withdrawn_by_trainee"]
    # Each trainee's plan comes near the rule (120 days, two schools, contrasting, 20 ITaP
    # days), so that any one placement's status, days or dates can tip the answer.
    plan = [("main", 72), ("second", 44), ("itap", 20), ("main", 6), ("enrichment", 4)]
    for _ in range(240):
        cohort = rng.choice(cohorts)
        year = cohort.academic_year.start_year
        start = rng.choice([None, date(year, 9, 1)])
        end = rng.choice([None, date(year + 1, 7, 31), date(year + 4, 7, 31), date(year + 1, 1, 9)])
        person = Person.create(first_name=rng.choice(["Ann", "Bo", "Cy"]),
                               last_name=rng.choice(["Ng", "Okafor", "Smith", "Smith-Jones"]))
        enrolment = Enrolment.create(
            person=person, cohort=cohort, route=rng.choice(routes),
            status=rng.choice(["enrolled", "deferred", "completed"]),
            itt_start_date=start, itt_end_date=end if start else None,
            employing_school=rng.choice([None, *schools[:3]]))
        begin = date(year, 9, 1).toordinal() + rng.randrange(-30, 60)
        for kind, days in plan[:rng.choice([1, 2, 3, 3, 4, 5])]:
            length = days * 7 // 5 + rng.randrange(-10, 10)
            if rng.random() < 0.15:  # past the expected end, into the next year
                length += rng.randrange(150, 400)
            entered = rng.choice([None, None, Decimal(max(0, days + rng.randrange(-6, 7))),
                                  Decimal(max(0, days * 10 + rng.randrange(-30, 31))) / 10])
            Placement.create(enrolment=enrolment, school=rng.choice(schools[:3] + schools[3:5]),
                             kind=kind, status=rng.choice(statuses),
                             start_date=date.fromordinal(begin),
                             end_date=date.fromordinal(begin + max(length, 0)),
                             days_spent=entered,
                             absence_days=rng.choice([Decimal(0)] * 3 + [Decimal(2), Decimal("1.5")]))
            begin += max(length, 0) + rng.randrange(1, 20)


@pytest.mark.parametrize("own_la_terms", [False, True])
def test_the_card_judges_every_kind_of_placement_as_the_full_check_does(db, set_today, own_la_terms):
    """The card asks only "planned short" (or "done short" once the expected end has passed)
    of each trainee; over every kind of placement, on several days, it names the same trainees,
    with the same statuses, in the same order, as the full check."""
    from ittdesk.models import Placement

    _variety_of_trainees(seed=17, own_la_terms=own_la_terms)
    # Some days chosen from the placements' own dates: a placement starting or ending today.
    under_way = (Placement.select().where(Placement.status.in_(["confirmed", "in_progress"]))
                 .order_by(Placement.id))
    edges = [p.start_date for p in under_way[::9]] + [p.end_date for p in under_way[4::9]]
    risky_somewhere = set()
    for today in (date(2025, 10, 1), date(2026, 3, 2), date(2026, 8, 20), date(2026, 10, 15),
                  date(2026, 12, 7), date(2027, 4, 30), date(2027, 8, 31), *edges,
                  date(2028, 8, 31)):
        set_today(today)
        card = _card(today)
        # not met first, then in the full check's (name) order
        assert card == sorted(_risky_by_the_full_check(today), key=lambda c: c[1] != "not_met")
        risky_somewhere.update(status for _id, status in card)
    assert risky_somewhere == {"at_risk", "not_met"}


def test_part_days_are_added_in_date_order_as_the_check_adds_them(db, set_today):
    """102.6 + 4.8 + 12.6 days added in date order fall a float's hair short of 120; added in
    the order the card's index reads them (by school) they reach it. The card adds them as the
    check does, so both call the trainee at risk."""
    from decimal import Decimal

    from ittdesk.models import Cohort, Enrolment, Person, Placement, Programme, School

    set_today(date(2026, 7, 1))
    programme = Programme.create(name="PGCE", kind="itt")
    cohort = Cohort.create(programme=programme, name="2025", academic_year=AcademicYear(2025),
                           start_date=date(2025, 9, 1), end_date=date(2026, 7, 31))
    first, second, third = (School.create(urn=150000 + i, name=f"S{i}", la_code="202")
                            for i in range(3))
    person = Person.create(first_name="Part", last_name="Days")
    enrolment = Enrolment.create(person=person, cohort=cohort, route="provider_led_postgrad",
                                 status="enrolled", itt_end_date=date(2026, 7, 31))
    for school, kind, start, end, days in (
            (third, "main", date(2025, 9, 8), date(2026, 1, 30), "102.6"),
            (second, "second", date(2026, 2, 2), date(2026, 2, 27), "4.8"),
            (first, "main", date(2026, 3, 2), date(2026, 5, 22), "12.6"),
            (first, "itap", date(2026, 6, 1), date(2026, 6, 26), "20")):
        Placement.create(enrolment=enrolment, school=school, kind=kind, status="completed",
                         start_date=start, end_date=end, days_spent=Decimal(days))
    assert (102.6 + 4.8) + 12.6 < 120 <= (12.6 + 4.8) + 102.6
    assert check.check_enrolment(enrolment.id).status == "at_risk"
    assert _card(date(2026, 7, 1)) == [(enrolment.id, "at_risk")]
