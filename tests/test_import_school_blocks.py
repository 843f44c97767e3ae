"""The schools import plans a file a block of rows at a time, reading only that block's stored
schools and their heads (BENCHMARKS.md, U8): a re-import matches every row to its own school
and current head whichever block it falls in, and plans exactly what one block would."""

from __future__ import annotations

from test_import import HEADS, gias_with_heads

from ittdesk.models import Role, School
from ittdesk.spreadsheets import import_schools, importing


def _plan_of(path):
    source = importing.load_source(path, "schools")
    try:
        plan = importing.plan_import(source)
    finally:
        source.book.close()
    return plan, [(i.row, i.action, i.key, i.description, dict(i.changes), i.warnings,
                   repr(i.payload)) for i in plan.items]


def test_a_reimport_planned_in_blocks_finds_each_row_s_school_and_head(db, tmp_path, monkeypatch):
    importing.run_import(gias_with_heads(tmp_path), "schools")
    # row 2: a new head; row 3: the same head retitled; rows 4-5 as before
    changed = [HEADS[0], ("Mr", "Kofi", "Okafor", "Executive Head"),
               ("Dr", "Zoë", "Brontë", "Executive Headteacher"), HEADS[3], HEADS[4]]
    path = gias_with_heads(tmp_path, changed, "monthly.csv")
    _plan, whole = _plan_of(path)
    monkeypatch.setattr(import_schools, "PLAN_BLOCK", 2)
    plan, blocks = _plan_of(path)
    assert blocks == whole
    by_row = {i.row: i for i in plan.items}
    assert by_row[3].changes["Executive headteacher"] == ("Tomasz Nowak", "Kofi Okafor")
    assert by_row[4].changes["Head of school role"] == ("Head of school", "Executive headteacher")
    assert by_row[4].payload["heads"]["new"] == []  # retitled, not a second role
    assert [by_row[r].action for r in (2, 5, 6)] == ["same", "same", "same"]
    assert by_row[3].key == "URN 100001" and by_row[4].payload["id"] == School.get(
        School.urn == 100002).id
    _plan, result = importing.run_import(path, "schools")
    assert result.updated == 2
    assert {(r.person.last_name, r.kind) for r in Role.select().where(Role.end_date.is_null())} == {
        ("O'Brien", "headteacher"), ("Okafor", "executive_headteacher"),
        ("Brontë", "executive_headteacher"), ("Mensah", "headteacher")}
