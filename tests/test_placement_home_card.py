"""Issue 17: Home's card "trainees at risk of not meeting placement requirements" reads only
this and last year's cohorts by their index, and still names exactly the trainees whose own
check is at risk or not met."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ittdesk.academic_year import AcademicYear
from ittdesk.models import Cohort
from ittdesk.placements import check


def _risky_by_the_full_check(today: date) -> list[tuple[int, str]]:
    year = AcademicYear.for_date(today)
    cohorts = {c.id for c in Cohort.select().where(Cohort.academic_year.in_([year.previous(), year]))}
    found = [c for c in check.check_trainees() if c.status in ("at_risk", "not_met")
             and c.cohort_id in cohorts]
    return [(c.enrolment_id, c.status) for c in found]


def _card(today: date) -> list[tuple[int, str]]:
    check._AT_RISK_CACHE.clear()
    found = check.at_risk(today)
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
        shown = check.at_risk(today, limit=20).shown
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

    sql, params = check._card_query([1, 2], by_la=False).sql()
    plan = " | ".join(str(row[-1]) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX enrolment_home_card" in plan
    assert "COVERING INDEX placement_home_card" in plan
