"""After a schools import, the new schools that nobody has marked partner or not are named on
Home (for two weeks) and can be marked together, each change audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ittdesk import attention, clock, new_schools
from ittdesk.errors import ValidationError
from ittdesk.models import AuditEntry, School
from ittdesk.spreadsheets import importing

GIAS = Path(__file__).resolve().parent / "data" / "gias_sample.csv"


def _import_gias():
    source = importing.load_source(GIAS, "schools")
    plan = importing.plan_import(source)
    return importing.apply_plan(plan, skip_invalid=True)


def _group():
    return next(g for g in attention.needs_attention(clock.today()) if g.key == "new_schools")


def test_home_names_the_open_schools_an_import_added_without_a_partnership_status(db):
    result = _import_gias()
    open_new = School.select().where(School.status != "closed").count()
    group = _group()
    assert result.added > 0 and group.count == open_new > 0
    assert group.action == ("Mark partners…", "ui.dialogs.mark_partners:open_mark_partners")
    assert {i.entity for i in group.items} == {"school"}
    assert all("imported" in i.detail and "URN" in i.detail for i in group.items)


def test_marking_schools_takes_them_off_home_and_audits_each(db):
    result = _import_gias()
    before = _group().count
    ids = [i for i, *_rest in new_schools.unsorted_schools(result.run_id, limit=3)]
    assert new_schools.set_partnership(ids, "partner") == 3
    assert _group().count == before - 3
    assert {s.partnership_status for s in School.select().where(School.id.in_(ids))} == {"partner"}
    entries = AuditEntry.select().where((AuditEntry.entity == "school")
                                        & AuditEntry.entity_id.in_(ids)
                                        & (AuditEntry.action == "update"))
    assert entries.count() == 3


def test_an_unknown_status_marks_nothing(db):
    result = _import_gias()
    ids = [i for i, *_rest in new_schools.unsorted_schools(result.run_id, limit=2)]
    with pytest.raises(ValidationError):
        new_schools.set_partnership(ids, "friend")
    assert School.select().where(School.partnership_status.is_null(False)).count() == 0


def test_an_import_more_than_two_weeks_old_leaves_home(db, set_today):
    _import_gias()
    assert _group().count > 0
    set_today(clock.today() + timedelta(days=new_schools.RECENT_DAYS + 1))
    assert _group().count == 0 and _group().items == []
