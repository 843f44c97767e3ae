"""Issue 17: a placement can have more than one mentor; the lead (``Placement.mentor``) is
always one of them, through create, import, edit and undo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ittdesk.academic_year import AcademicYear
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry, Cohort, Enrolment, Person, PlacementMentor, Programme, School
from ittdesk.services.programmes import placements


@pytest.fixture
def placed(db):
    return _place()


def _place():
    programme = Programme.create(name="PGCE", kind="itt")
    cohort = Cohort.create(programme=programme, name="2025", academic_year=AcademicYear(2025),
                           start_date=date(2025, 9, 1), end_date=date(2026, 7, 31))
    school = School.create(urn=100001, name="Oak")
    trainee = Person.create(first_name="Ada", last_name="Greaves")
    lead, other, third = (Person.create(first_name=n, last_name="Mentor") for n in ("Lee", "Ola", "Tam"))
    enrolment = Enrolment.create(person=trainee, cohort=cohort, status="enrolled")
    placement = placements.create({"enrolment": enrolment.id, "school": school.id,
                                   "mentor": lead.id, "start_date": "08/09/2025",
                                   "end_date": "19/12/2025"})
    return placement, lead, other, third


def test_a_new_placement_is_proposed_with_its_lead_mentor_among_its_mentors(placed):
    placement, lead, _other, _third = placed
    assert placement.status == "proposed"
    assert placements.mentors(placement.id) == [lead.id]


def test_more_mentors_are_set_audited_and_the_lead_stays(placed):
    placement, lead, other, third = placed
    assert placements.set_mentors(placement.id, [other.id, third.id]) == [lead.id, other.id, third.id]
    entry = AuditEntry.select().where((AuditEntry.entity == "placement")
                                      & (AuditEntry.entity_id == placement.id)).order_by(
        AuditEntry.id.desc()).first()
    assert '"mentors"' in entry.changes
    assert placements.set_mentors(placement.id, [third.id]) == [lead.id, third.id]
    placements.update(placement.id, {"mentor": other.id})
    assert placements.mentors(placement.id)[0] == other.id
    with pytest.raises(RefusedError):
        placements.set_mentors(placement.id, [999999])


def test_a_withdrawn_placement_needs_its_reason(placed):
    placement, *_ = placed
    with pytest.raises(ValidationError) as caught:
        placements.update(placement.id, {"status": "withdrawn_by_school"})
    assert caught.value.errors == {"status_reason": "Say why the placement was withdrawn"}
    placements.update(placement.id, {"status": "withdrawn_by_school",
                                     "status_reason": "Staffing changes at the school"})


def test_undoing_a_delete_brings_every_mentor_back_the_lead_first(placed):
    placement, lead, other, third = placed
    placements.set_mentors(placement.id, [lead.id, third.id, other.id])
    entry = placements.delete(placement.id)
    assert PlacementMentor.select().count() == 0
    placements.undo_delete(entry)
    assert placements.mentors(placement.id) == [lead.id, third.id, other.id]
    assert PlacementMentor.select().where(PlacementMentor.placement == placement.id).count() == 3


def test_undoing_a_delete_leaves_out_a_mentor_erased_since(placed):
    placement, lead, other, third = placed
    placements.set_mentors(placement.id, [lead.id, other.id, third.id])
    entry = placements.delete(placement.id)
    Person.update(erased=True).where(Person.id == other.id).execute()
    placements.undo_delete(entry)
    assert placements.mentors(placement.id) == [lead.id, third.id]


def test_undoing_a_delete_audited_before_mentors_were_kept_brings_the_lead_back(placed):
    import json

    placement, lead, other, _third = placed
    placements.set_mentors(placement.id, [lead.id, other.id])
    entry = placements.delete(placement.id)
    changes = json.loads(entry.changes)
    del changes["mentors"]  # as a delete was audited before issue 17's follow-up
    older = AuditEntry(id=entry.id, entity=entry.entity, entity_id=entry.entity_id,
                       action="delete", changes=json.dumps(changes))
    placements.undo_delete(older)
    assert placements.mentors(placement.id) == [lead.id]



def _empty_the_database() -> None:
    from ittdesk.models import Placement

    for model in (PlacementMentor, Placement, Enrolment, Cohort, Programme, Person, School):
        model.delete().execute()


def _mentors_by_trainee_and_name() -> list[tuple[str, list[str]]]:
    from ittdesk.models import Placement

    return [(p.enrolment.person.first_name, [Person.get_by_id(i).first_name
                                             for i in placements.mentors(p.id)])
            for p in Placement.select().order_by(Placement.id)]


def test_the_full_export_carries_every_mentor_and_reads_them_back(placed, tmp_path):
    from openpyxl import load_workbook

    from ittdesk.returns.full_export import export_all
    from ittdesk.returns.full_import import restore_export

    placement, lead, other, third = placed
    placements.set_mentors(placement.id, [lead.id, third.id, other.id])
    alone = placements.create({"enrolment": placement.enrolment_id, "school": placement.school_id,
                               "mentor": other.id, "start_date": "05/01/2026",
                               "end_date": "27/03/2026"})
    before = _mentors_by_trainee_and_name()
    assert before == [("Ada", ["Lee", "Tam", "Ola"]), ("Ada", ["Ola"])]
    export_all(tmp_path / "all.xlsx")
    sheet = load_workbook(tmp_path / "all.xlsx")["Placements"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "Other mentors"
    by_id = {row[0]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_id == {placement.id: f"{third.id}; {other.id}", alone.id: None}

    _empty_the_database()
    restore_export(tmp_path / "all.xlsx")
    assert _mentors_by_trainee_and_name() == before
    assert PlacementMentor.select().count() == 4  # every mentor a link, each lead among them


def _exported_edited_and_emptied(placed, tmp_path, edit) -> Path:
    """The placement given a lead and another mentor, the whole database exported, ``edit``
    applied to the export's Placements sheet (saved as edited.xlsx), the database emptied."""
    from openpyxl import load_workbook

    from ittdesk.returns.full_export import export_all

    placement, lead, other, _third = placed
    placements.set_mentors(placement.id, [lead.id, other.id])
    export_all(tmp_path / "all.xlsx")
    book = load_workbook(tmp_path / "all.xlsx")
    edit(book["Placements"])
    book.save(tmp_path / "edited.xlsx")
    _empty_the_database()
    return tmp_path / "edited.xlsx"


def test_an_export_made_before_other_mentors_were_written_reads_back_with_each_lead(placed, tmp_path):
    from ittdesk.returns.full_import import restore_export

    # as exports were written before the "Other mentors" column
    older = _exported_edited_and_emptied(placed, tmp_path,
                                         lambda sheet: sheet.delete_cols(sheet.max_column))
    restore_export(older)
    assert _mentors_by_trainee_and_name() == [("Ada", ["Lee"])]
    assert PlacementMentor.select().count() == 1


def test_an_other_mentor_not_on_the_people_sheet_refuses_the_file(placed, tmp_path):
    from ittdesk.returns.full_import import restore_export

    def unknown_other_mentor(sheet):
        sheet.cell(2, sheet.max_column).value = "999999"

    edited = _exported_edited_and_emptied(placed, tmp_path, unknown_other_mentor)
    with pytest.raises(ValidationError, match="Placements row 2: Other mentors 999999 is not an "
                                              "ID on the 'People' sheet"):
        restore_export(edited)
    assert PlacementMentor.select().count() == 0



def test_setting_mentors_holds_the_write_lock_from_its_first_read_on_sqlite(sqlite_db, monkeypatch):
    """Begun deferred, the read-then-write failed at once with "database is locked" when
    another program wrote in between (seen under load); begun with the write lock, the other
    program waits its turn and the mentors are saved."""
    import sqlite3

    placement, lead, other, _third = _place()
    seen = []
    real_mentors = placements.mentors

    def another_program_writes_meanwhile(placement_id):
        if not seen:  # the first read inside set_mentors
            other_program = sqlite3.connect(sqlite_db.path, timeout=0.2)
            try:
                other_program.execute("UPDATE school SET name = 'Elm' WHERE urn = '100001'")
                other_program.commit()
                seen.append("written")
            except sqlite3.OperationalError as exc:
                seen.append(str(exc))
            finally:
                other_program.close()
        return real_mentors(placement_id)

    monkeypatch.setattr(placements, "mentors", another_program_writes_meanwhile)
    assert placements.set_mentors(placement.id, [other.id]) == [lead.id, other.id]
    assert seen == ["database is locked"]  # it waited for the write lock this save held
