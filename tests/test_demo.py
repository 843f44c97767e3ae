"""The demo partnership: realistic shape, fictional, deterministic, valid by the services' rules."""

from __future__ import annotations

import pytest

from ittdesk.models import (
    Cohort,
    Enrolment,
    Person,
    Placement,
    Programme,
    Role,
    School,
    SupportAgreement,
)


def test_demo_has_the_promised_shape(demo_db):
    assert 110 <= School.select().count() <= 130
    assert School.select(School.la_name).distinct().count() == 3
    assert School.select().where(School.trust.is_null(False)).count() >= 10
    assert Person.select().count() >= 300
    assert Programme.select().where(Programme.kind == "itt").count() == 2
    assert Programme.select().where(Programme.kind == "leadership").count() == 2
    assert Cohort.select(Cohort.academic_year).distinct().count() == 2
    assert 120 <= Enrolment.select().count() <= 200
    assert Placement.select().where(Placement.kind == "itap").count() > 10
    assert {a.status for a in SupportAgreement.select()} == {
        "draft", "agreed", "active", "completed", "withdrawn"}


def test_demo_has_leadership_history(demo_db):
    ended_heads = Role.select().where((Role.kind == "headteacher") & Role.end_date.is_null(False))
    assert ended_heads.count() > 30
    current_heads = Role.select().where((Role.kind == "headteacher") & Role.end_date.is_null())
    assert current_heads.count() == School.select().count()


def test_demo_emails_are_all_fictional(demo_db):
    domains = {p.email.split("@")[1] for p in Person.select() if p.email}
    assert domains == {"example.org"}


@pytest.mark.slow
def test_demo_is_deterministic(tmp_path):
    from ittdesk import db
    from ittdesk.demo import build_demo

    names = []
    for n in range(2):
        db.open_database(tmp_path / f"d{n}.sqlite3", daily_backup=False)
        build_demo(seed=7)
        names.append([(p.first_name, p.last_name) for p in Person.select().order_by(Person.id)])
        db.close_database()
    assert names[0] == names[1]
