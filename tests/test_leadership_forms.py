"""The yearly confirmation round end to end on the demo partnership: forms generated, filled in
the way a school office would, collected with a diff per school, applied into the history."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ittdesk import clock
from ittdesk.errors import RefusedError
from ittdesk.leadership import collect, forms, rounds, sending
from ittdesk.leadership.appetite import appetites, offers_text
from ittdesk.leadership.history import holder_on, timeline
from ittdesk.models import AuditEntry, Person, Role, RoundSchool, School
from ittdesk.services.people import current_roles

YEAR = "2026/27"
TODAY = clock.today()


def _row_of(ws, text: str, col: int = 1, start: int = 1) -> int:
    for row in range(start, ws.max_row + 1):
        if str(ws.cell(row, col).value or "").startswith(text):
            return row
    raise AssertionError(f"{text!r} not found in column {col}")


def fill_form(path: Path, *, details=None, people=None, new=None, appetite=None, reason=None,
              comments=None, mentors=None, offers=None, other_offers=None,
              completed=("Pat Office", "School business manager", TODAY),
              save_as: Path | None = None) -> Path:
    """Answer in the yellow cells only, then save the way Excel does (optionally renamed)."""
    wb = load_workbook(path)
    ws = wb["Leadership form"]
    top = _row_of(ws, "1. Your school")
    for label, (answer, correction) in (details or {}).items():
        row = _row_of(ws, label, start=top)
        ws.cell(row, 3).value = answer
        ws.cell(row, 4).value = correction
    roles_top = _row_of(ws, "2. Your leadership team")
    new_top = _row_of(ws, "3. People new in post")
    for name, (answer, correction) in (people or {}).items():
        row = _row_of(ws, name, col=2, start=roles_top)
        assert row < new_top, name
        ws.cell(row, 4).value = answer
        ws.cell(row, 5).value = correction
    for i, values in enumerate(new or [], start=new_top + 2):
        # (role, title, first name, last name, email, start) into the columns under their headings
        named = dict(zip(("role", "title", "first_name", "last_name", "email", "start"), values,
                         strict=True))
        for col, key in enumerate(forms.NEW_COLUMNS, start=1):
            ws.cell(i, col).value = named[key]
    hosting = _row_of(ws, "4. Hosting trainee teachers")
    for offset, value in enumerate((appetite, reason, comments, mentors), start=1):
        if value is not None:
            ws.cell(hosting + offset, 2).value = value
    offers_top = _row_of(ws, "Phase or subject", start=hosting)
    for label, number in (offers or {}).items():
        ws.cell(_row_of(ws, label, start=offers_top), 2).value = number
    done = _row_of(ws, "5. Completed by")
    for i, (label, number) in enumerate(other_offers or []):
        ws.cell(done - 4 + i, 1).value = label
        ws.cell(done - 4 + i, 2).value = number
    if completed:
        for offset, value in enumerate(completed, start=1):
            ws.cell(done + offset, 2).value = value
    target = save_as or path
    wb.save(target)
    if save_as is not None and save_as != path:
        path.unlink()
    return target


def _current(school, kind):
    return [r for r in current_roles(school) if r.kind == kind]


def _pick(kind_present: tuple[str, ...], kind_absent: tuple[str, ...] = (), exclude=()):
    """A school in the round with current holders of some posts and none of others."""
    round_ = rounds.get_round(YEAR)
    for entry in rounds.entries(round_):
        school = entry.school
        if school.id in exclude:
            continue
        kinds = {r.kind: r for r in current_roles(school)}
        if all(k in kinds for k in kind_present) and not any(k in kinds for k in kind_absent):
            if all(kinds[k].start_date and kinds[k].start_date < TODAY - timedelta(days=30)
                   for k in kind_present):
                return school
    raise AssertionError("no suitable demo school")


@pytest.fixture
def round_forms(demo_db, tmp_path):
    """The 2026/27 round over the default schools; forms are written as a test asks for them."""
    round_ = rounds.start_round(YEAR)
    return round_, tmp_path / "forms", None


def _form_for(outdir: Path, school: School) -> Path:
    path = outdir / forms.file_name_for(school)
    if not path.exists():
        round_ = rounds.get_round(YEAR)
        sending.generate_forms(round_, outdir, school_ids=[school.id])
    return path


@pytest.mark.slow
def test_round_covers_partner_placement_and_lead_schools_and_a_form_is_written_for_each(
        round_forms):
    round_, outdir, _ = round_forms
    result = sending.generate_forms(round_, outdir)
    expected = School.select().where(
        School.partnership_status.in_(("partner", "placement", "lead"))
        & (School.status == "open")).count()
    assert expected > 20
    assert School.select().where(School.partnership_status == "lead").count() >= 1
    assert len(result.written) == expected == len(list(outdir.glob("*.xlsx")))
    status = rounds.status(round_)
    # Written is not sent: nobody is chased for a form that never went out.
    assert (status.total, status.written, status.sent, status.returned,
            len(status.outstanding)) == (expected, expected, 0, 0, 0)
    school = School.get(School.id == status.rows[0].school_id)
    assert _form_for(outdir, school).name.startswith(f"{school.urn} ")


def test_generated_form_is_prefilled_protected_and_only_answer_cells_unlocked(round_forms):
    round_, outdir, _ = round_forms
    school = _pick(("headteacher", "itt_champion"))
    wb = load_workbook(_form_for(outdir, school))
    ws = wb["Leadership form"]
    assert ws.protection.sheet and not ws.protection.password
    assert wb["ittdesk_form"].sheet_state == "veryHidden"
    head = _current(school, "headteacher")[0]
    row = _row_of(ws, head.person.full_name, col=2)
    assert ws.cell(row, 1).value == "Headteacher"
    assert ws.cell(row, 3).value == head.person.email
    assert ws.cell(row, 2).protection.locked
    assert not ws.cell(row, 4).protection.locked and not ws.cell(row, 5).protection.locked
    still = [dv for dv in ws.data_validations.dataValidation if f"D{row}" in dv.sqref]
    assert still and still[0].type == "list"
    assert ws.cell(_row_of(ws, "School name"), 2).value == school.name
    hosting = _row_of(ws, "4. Hosting trainee teachers in 2026/27")
    assert not ws.cell(hosting + 1, 2).protection.locked


@pytest.mark.slow
def test_collecting_shows_each_schools_differences_and_changes_nothing(round_forms, tmp_path):
    round_, outdir, _ = round_forms
    sending.generate_forms(round_, outdir)
    a = _pick(("headteacher", "itt_champion"))
    head_a, champ_a = _current(a, "headteacher")[0], _current(a, "itt_champion")[0]
    fill_form(_form_for(outdir, a), people={
        head_a.person.full_name: ("Yes", None),
        champ_a.person.full_name: ("No - details changed", "New.Address@Example.org"),
    }, appetite="Actively looking to host trainees", mentors=2,
        offers={"Key stage 1 (Years 1-2)": 1} if a.phase == "primary" else {"Mathematics": 1})
    b = _pick(("headteacher",), exclude={a.id})
    old_head = _current(b, "headteacher")[0]
    fill_form(_form_for(outdir, b), people={
        old_head.person.full_name: ("No - has left this post", TODAY - timedelta(days=1))},
        new=[("Headteacher", "Dr", "Ewa", "Nowakowska", "ewa.nowakowska@example.org", TODAY)],
        appetite="Not open to hosting this year", reason="Leadership change or restructuring",
        comments="New head settling in")
    before = (Role.select().count(), Person.select().count(), AuditEntry.select().count())

    found = collect.collect([outdir], round_)

    by_school = {r.school_id: r for r in found.returns}
    assert set(by_school) == {a.id, b.id}
    # The other forms in the folder are still blank: refused as not filled in, not as returns.
    assert {r.reason for r in found.refused} == {"not filled in yet: there are no answers in it"}
    ra = by_school[a.id]
    assert head_a.person.full_name in " ".join(ra.confirmed)
    email = next(c for c in ra.changes if c.kind == "email")
    assert email.data == {"person_id": champ_a.person.id, "email": "new.address@example.org"}
    assert next(c for c in ra.changes if c.kind == "appetite").detail.startswith("not recorded -> ")
    rb = by_school[b.id]
    assert {c.kind for c in rb.changes} == {"left", "new", "appetite"}
    new = next(c for c in rb.changes if c.kind == "new")
    assert "Dr Ewa Nowakowska" in new.detail and f"replacing {old_head.person.full_name}" in new.detail
    assert rb.completed_by == "Pat Office, School business manager"
    assert (Role.select().count(), Person.select().count(), AuditEntry.select().count()) == before


def test_applying_accepted_changes_keeps_history_records_appetite_and_confirms(round_forms):
    round_, outdir, _ = round_forms
    b = _pick(("headteacher",), ("itt_champion",))
    old_head = _current(b, "headteacher")[0]
    left_on = TODAY - timedelta(days=1)
    fill_form(_form_for(outdir, b), people={
        old_head.person.full_name: ("No - has left this post", left_on)},
        new=[("Headteacher", "Dr", "Ewa", "Nowakowska", "ewa.nowakowska@example.org", TODAY),
             ("ITT champion", "Mr", "Kofi", "Mensah-Reid", "kofi.mr@example.org", None)],
        appetite="Interested, but not yet decided", mentors=1,
        other_offers=[("Year 6 maths", 2)])
    found = collect.collect([outdir], round_)
    ret = found.returns[0]
    champion_change = next(c for c in ret.changes if c.kind == "new" and c.data["kind"] == "itt_champion")

    collect.apply(ret, [c.key for c in ret.changes])

    old = Role.get_by_id(old_head.id)
    assert old.end_date == left_on  # history kept: the old head's role ends, never overwritten
    assert holder_on(b, "headteacher", left_on).person == old_head.person.full_name
    assert holder_on(b, "headteacher", TODAY).person == "Ewa Nowakowska"
    assert [e.person for e in timeline(b, ("headteacher",))][-2:] == [
        old_head.person.full_name, "Ewa Nowakowska"]
    champion = _current(b, "itt_champion")[0]
    assert champion.person.email == "kofi.mr@example.org"
    assert champion.start_date == TODAY  # "Date completed" stands in for a missing start date
    assert champion_change.detail.startswith("Mr Kofi Mensah-Reid")
    appetite = appetites.for_year(b, YEAR)
    assert appetite.appetite == "interested" and appetite.mentors_available == 1
    assert offers_text(appetite) == "Year 6 maths: 2"
    entry = rounds.entry_for(round_, b)
    assert entry.returned_on == entry.confirmed_on == TODAY
    assert School.get_by_id(b.id).leadership_confirmed_on == TODAY
    status = rounds.status(round_)
    row = next(r for r in status.rows if r.school_id == b.id)
    assert row.state == "confirmed" and row.confirmed_on == TODAY
    assert b.id not in {r.school_id for r in status.outstanding}
    assert status.appetite_summary() == "Hosting in 2026/27: 1 interested"
    assert AuditEntry.select().where((AuditEntry.entity == "role")
                                     & (AuditEntry.entity_id == old_head.id)).count() >= 2


def test_a_rejected_change_is_not_applied_but_the_school_is_confirmed(round_forms):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher", "itt_champion"))
    champ = _current(a, "itt_champion")[0]
    fill_form(_form_for(outdir, a), people={champ.person.full_name: ("No - details changed",
                                                                    "other@example.org")},
              appetite="Already organised with a provider")
    ret = collect.collect([outdir], round_).returns[0]
    collect.apply(ret, [c.key for c in ret.changes if c.kind != "email"])
    assert Person.get_by_id(champ.person.id).email == champ.person.email
    assert appetites.for_year(a, YEAR).appetite == "already_organised"
    assert rounds.entry_for(round_, a).confirmed_on == TODAY


def test_a_failing_change_applies_nothing_for_that_school(round_forms):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher", "itt_champion"))
    champ = _current(a, "itt_champion")[0]
    someone_else = Person.select().where(Person.id != champ.person.id,
                                         Person.email.is_null(False)).first()
    fill_form(_form_for(outdir, a), people={champ.person.full_name: ("No - details changed",
                                                                    someone_else.email)},
              appetite="Actively looking to host trainees")
    ret = collect.collect([outdir], round_).returns[0]
    with pytest.raises(RefusedError, match="Nothing applied .* already has this email"):
        collect.apply(ret)
    assert appetites.for_year(a, YEAR) is None
    assert rounds.entry_for(round_, a).confirmed_on is None


def test_a_renamed_file_is_still_matched_to_its_school(round_forms, tmp_path):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher",))
    elsewhere = tmp_path / "inbox"
    elsewhere.mkdir()
    renamed = fill_form(_form_for(outdir, a), appetite="Not open to hosting this year",
                        reason="Not enough trained mentors",
                        save_as=elsewhere / "Scan from office copier (final) v2.xlsx")
    found = collect.collect([renamed], round_)
    assert [r.school_id for r in found.returns] == [a.id]


def _identifier(path: Path) -> dict:
    wb = load_workbook(path)
    ws = wb["ittdesk_form"]
    return {ws.cell(r, 1).value: (ws.cell(r, 2), wb) for r in range(2, ws.max_row + 1)}


def test_a_tampered_identifier_is_refused_and_nothing_is_read(round_forms):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher",))
    other = _pick(("headteacher",), exclude={a.id})
    path = fill_form(_form_for(outdir, a), appetite="Actively looking to host trainees")
    ident = _identifier(path)
    cell, wb = ident["urn"]
    cell.value = str(other.urn)  # pretend to be another school
    wb.save(path)
    found = collect.collect([path], round_)
    assert found.returns == []
    assert found.refused[0].reason.startswith("its hidden part was changed, so it cannot be "
                                              "matched to a school safely")


def test_a_changed_layout_is_refused(round_forms):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher",))
    path = _form_for(outdir, a)
    wb = load_workbook(path)
    wb["Leadership form"].insert_rows(10)
    wb.save(path)
    found = collect.collect([path], round_)
    assert found.returns == [] and "layout was changed" in found.refused[0].reason


@pytest.mark.slow
def test_a_form_from_another_round_is_refused(round_forms, tmp_path):
    round_, outdir, _ = round_forms
    last_year = rounds.start_round("2025/26")
    old = sending.generate_forms(last_year, tmp_path / "old").written[0]
    found = collect.collect([old], round_)
    assert found.returns == []
    assert "from the 2025/26 round, not the 2026/27 round" in found.refused[0].reason


def test_non_spreadsheets_and_foreign_workbooks_are_refused_with_a_reason(round_forms, tmp_path):
    round_, _outdir, _ = round_forms
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.xlsx").write_text("this is not a workbook")
    from openpyxl import Workbook

    Workbook().save(junk / "someone else's.xlsx")
    found = collect.collect([junk / "notes.xlsx", junk / "someone else's.xlsx",
                             junk / "missing.xlsx"], round_)
    reasons = {r.path.name: r.reason for r in found.refused}
    assert "not a spreadsheet" in reasons["notes.xlsx"]
    assert reasons["someone else's.xlsx"] == "not an ITT Desk leadership form"
    assert "no such file" in reasons["missing.xlsx"]


def test_two_forms_for_one_school_keep_the_newer(round_forms, tmp_path):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher",))
    first = _form_for(outdir, a)
    second = tmp_path / "copy.xlsx"
    shutil.copy(first, second)
    fill_form(first, appetite="Not open to hosting this year")
    fill_form(second, appetite="Actively looking to host trainees")
    import os

    os.utime(first, (1_000_000_000, 1_000_000_000))
    found = collect.collect([first, second], round_)
    assert [r.path for r in found.returns] == [second]
    assert "newer form" in found.refused[0].reason


def test_school_detail_corrections_are_parsed_by_the_school_rules(round_forms):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher",))
    fill_form(_form_for(outdir, a), details={"Postcode": ("No", "zz9 9zz"),
                                             "School office email": ("No", "not an email")})
    ret = collect.collect([outdir], round_).returns[0]
    change = next(c for c in ret.changes if c.kind == "school_detail")
    assert change.data == {"field": "postcode", "value": "ZZ9 9ZZ"}
    assert any("not an email" in p for p in ret.problems)
    collect.apply(ret)
    assert School.get_by_id(a.id).postcode == "ZZ9 9ZZ"


@pytest.mark.slow
def test_outstanding_list_names_the_contact_to_chase_and_exports(round_forms, tmp_path):
    round_, outdir, _ = round_forms
    sending.generate_forms(round_, outdir)
    rounds.mark_sent(round_)
    status = rounds.status(round_)
    with_champion = next(r for r in status.outstanding if r.contact.post == "ITT champion")
    assert with_champion.contact.email
    target = rounds.export_outstanding(status, tmp_path / "chase.xlsx")
    ws = load_workbook(target).active
    assert [c.value for c in ws[4]][:4] == ["URN", "School", "Form sent", "Contact to chase"]
    assert ws.max_row == 4 + len(status.outstanding)
    csv_file = rounds.export_outstanding(status, tmp_path / "chase.csv")
    assert csv_file.read_text(encoding="utf-8-sig").splitlines()[0].startswith("URN,School")
    no_champion = next(r for r in status.outstanding if r.contact.post == "Headteacher")
    assert no_champion.contact.name


def test_generating_stops_between_forms_when_cancelled_and_writes_none(round_forms):
    round_, outdir, _ = round_forms
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 3

    result = sending.generate_forms(round_, outdir, cancelled=cancelled)
    assert result.cancelled and result.written == [] and len(asked) == 4
    assert not outdir.exists()  # all or nothing: not even the folder
    assert rounds.status(round_).sent == 0


def test_a_form_for_a_school_no_longer_known_or_no_longer_in_the_round_is_refused(round_forms):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher",))
    b = _pick(("headteacher",), exclude={a.id})
    path_a = fill_form(_form_for(outdir, a), appetite="Actively looking to host trainees")
    path_b = fill_form(_form_for(outdir, b), appetite="Actively looking to host trainees")
    from ittdesk.services.schools import schools

    schools.update(a.id, {"urn": 999999})  # e.g. the URN was corrected after the forms went out
    RoundSchool.delete().where((RoundSchool.round == round_) & (RoundSchool.school == b)).execute()
    found = collect.collect([path_a, path_b], round_)
    reasons = {r.path: r.reason for r in found.refused}
    assert found.returns == []
    assert reasons[path_a] == f"no school with URN {a.urn} is in this database"
    assert "is not part of the 2026/27 round" in reasons[path_b]


def test_collecting_an_applied_form_again_shows_nothing_new(round_forms):
    round_, outdir, _ = round_forms
    a = _pick(("headteacher", "itt_champion"))
    champ = _current(a, "itt_champion")[0]
    fill_form(_form_for(outdir, a), people={champ.person.full_name: ("No - details changed",
                                                                    "fresh@example.org")},
              appetite="Interested")
    first = collect.collect([outdir], round_).returns[0]
    collect.apply(first)
    again = collect.collect([outdir], round_).returns[0]
    assert again.already_confirmed_on == TODAY
    assert again.changes == []  # the email is now held and the appetite recorded
    assert f"{champ.person.full_name} (ITT champion)" in again.confirmed
