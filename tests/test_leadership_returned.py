"""Returned forms as schools send them back (LibreOffice .xlsx and .ods, typed-over names, renamed
files): refusals in plain words naming the edited cells, a refused form's answers shown and
taken only when asked (audited), and a warning when the file name names another school."""

from __future__ import annotations

import re
import shutil
from datetime import date

import leadership_fixture as fx
import pytest
from openpyxl import load_workbook

from ittdesk import db as dbmod
from ittdesk.cli import main
from ittdesk.errors import RefusedError
from ittdesk.leadership import collect, forms
from ittdesk.models import AuditEntry, Person, Role, RoundSchool, School
from ittdesk.services.people import people
from ittdesk.services.schools import schools

ANSWERS = "libreoffice answers"
TYPED_OVER = "libreoffice head typed over"
EDIT = re.compile(r"'Leadership form'!B(\d+) was 'Amelia Smith', now 'Mr Benedict Jones'")


@pytest.fixture
def partnership(db):
    return fx.build()


def _copy(name: str, tmp_path, as_name: str | None = None):
    target = tmp_path / (as_name or name)
    shutil.copy(fx.DATA / name, target)
    return target


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_forms_saved_by_libreoffice_are_read_like_any_other(partnership, tmp_path, suffix):
    round_, school, _other = partnership
    found = collect.collect([_copy(ANSWERS + suffix, tmp_path)], round_)
    assert found.refused == []
    (ret,) = found.returns
    assert not ret.held and ret.warnings == [] and ret.problems == []
    assert ret.school_id == school.id
    assert ret.completed_by == "Pat Office, School business manager"
    assert ret.completed_on == date(2026, 6, 20)
    assert ret.confirmed == ["Amelia Smith (Headteacher)"]
    assert [(c.kind, c.detail) for c in ret.applicable] == [
        ("school_detail", "Postcode: LS1 4AB -> LS1 4AD"),
        ("appetite", "not recorded -> Actively looking to host trainees; 2 mentor(s) available")]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_typed_over_name_is_named_by_cell_and_the_form_is_held_with_its_answers_shown(
        partnership, tmp_path, suffix):
    round_, school, _other = partnership
    (ret,) = collect.collect([_copy(TYPED_OVER + suffix, tmp_path)], round_).returns
    assert ret.held
    assert [str(e) for e in ret.edited] == [EDIT.search(str(ret.edited[0])).group(0)]
    assert ret.held_reason.startswith("pre-filled cells were edited, so the form was refused: "
                                      "'Leadership form'!B")
    notes = [c.detail for c in ret.changes if not c.applicable]
    assert notes == [str(ret.edited[0])]  # the school's news: the new head's name
    assert {c.kind for c in ret.applicable} == {"school_detail", "left", "appetite"}


def test_a_held_form_changes_nothing_unless_its_answers_are_taken_and_taking_is_audited(
        partnership, tmp_path):
    round_, school, _other = partnership
    (ret,) = collect.collect([_copy(TYPED_OVER + ".xlsx", tmp_path)], round_).returns
    audits = AuditEntry.select().count()
    with pytest.raises(RefusedError) as refused:
        collect.apply(ret)
    assert EDIT.search(str(refused.value)) and "Take its answers explicitly" in str(refused.value)
    assert AuditEntry.select().count() == audits
    assert School.get_by_id(school.id).postcode == "LS1 4AB"

    outcomes = collect.apply_many([(ret, [c.key for c in ret.applicable])], taken=[school.id])
    assert [o.ok for o in outcomes] == [True]
    assert School.get_by_id(school.id).postcode == "LS1 4AD"
    assert Role.get(Role.school == school.id).end_date == date(2026, 8, 31)
    entry = RoundSchool.get(RoundSchool.school == school.id)
    assert entry.confirmed_on is not None
    note = AuditEntry.select().where((AuditEntry.entity == "round_school")
                                     & (AuditEntry.entity_id == entry.id)).get().note
    assert "taken although refused" in note and EDIT.search(note)


def _old_style_form(round_, school, tmp_path):
    """A form as written before the pre-filled texts were kept on its hidden sheet."""
    path = tmp_path / "old style.xlsx"
    forms.build_workbook(forms.form_content(round_, school)).save(path)
    wb = load_workbook(path)
    hidden = wb[forms.ID_SHEET]
    for row in range(1, hidden.max_row + 1):
        hidden.cell(row, forms.ORIGINALS_COLUMN).value = None
    return path, wb


def _type_over_head(wb, path):
    ws = wb[forms.FORM_SHEET]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Amelia Smith")
    ws.cell(row, 2).value = "Mr Benedict Jones"
    ws.cell(row, 4).value = "Yes"
    wb.save(path)
    return row


def test_a_form_from_before_the_texts_were_kept_still_names_the_edited_cell(partnership,
                                                                           tmp_path):
    round_, school, _other = partnership
    path, wb = _old_style_form(round_, school, tmp_path)
    row = _type_over_head(wb, path)
    head = Person.get(Person.last_name == "Smith")
    people.update(head.id, {"email": "amelia.smith@larkspur.example.org"})  # changed here since
    (ret,) = collect.collect([path], round_).returns
    assert [str(e) for e in ret.edited] == [
        f"'Leadership form'!B{row} was 'Amelia Smith', now 'Mr Benedict Jones'"]


def test_an_old_form_whose_edits_cannot_be_told_is_refused_in_plain_words(partnership,
                                                                         tmp_path):
    round_, school, _other = partnership
    path, wb = _old_style_form(round_, school, tmp_path)
    _type_over_head(wb, path)
    schools.update(school.id, {"phone": "0113 496 0000", "town": "Leeds"})  # what we hold moved
    people.update(Role.get().person_id, {"last_name": "Smith-Hale"})  # and so did the head's name
    found = collect.collect([path], round_)
    assert found.returns == []
    assert found.refused[0].reason == (
        "pre-filled cells were edited or rows moved; the form was written before ITT Desk kept "
        "a copy of what it said, so which cells cannot be told: please ask the school to fill "
        "in a fresh copy")


def test_moved_rows_are_refused_naming_the_cells_that_moved(partnership, tmp_path):
    round_, _school, _other = partnership
    path = _copy(ANSWERS + ".xlsx", tmp_path)
    wb = load_workbook(path)
    wb[forms.FORM_SHEET].insert_rows(6)
    wb.save(path)
    found = collect.collect([path], round_)
    assert found.returns == []
    reason = found.refused[0].reason
    assert reason.startswith("the layout was changed (rows or columns moved or headings edited: "
                             "'Leadership form'!A")
    assert reason.endswith("so its answers cannot be found: please ask the school to fill in "
                           "a fresh copy")


def test_a_file_named_for_another_school_is_read_with_a_warning(partnership, tmp_path):
    round_, school, other = partnership
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    by_urn = _copy(ANSWERS + ".xlsx", tmp_path / "a", f"{other.urn} Hollins Green Academy.xlsx")
    by_name = _copy(ANSWERS + ".xlsx", tmp_path / "b", "hollins green academy - leadership.xlsx")
    own = _copy(ANSWERS + ".xlsx", tmp_path / "c", f"{school.urn} Larkspur.xlsx")
    (ret,) = collect.collect([by_urn], round_).returns
    assert ret.school_id == school.id  # matched by the hidden identifier, never the name
    assert ret.warnings == [
        "the file name names Hollins Green Academy (URN 900901), but the form inside is "
        "Larkspur Primary School (URN 900900)'s: check these are Larkspur Primary School's "
        "answers"]
    (ret,) = collect.collect([by_name], round_).returns
    assert ret.warnings and ret.warnings[0].startswith("the file name names Hollins Green "
                                                       "Academy, but")
    (ret,) = collect.collect([own], round_).returns
    assert ret.warnings == []


def test_collect_on_the_command_line_names_the_cell_and_takes_answers_only_when_asked(
        sqlite_db, tmp_path, capsys):
    round_, school, _other = fx.build()
    dbmod.close_database()
    path = _copy(TYPED_OVER + ".xlsx", tmp_path, f"{fx.OTHER_URN} returned.xlsx")
    db = ["--db", str(sqlite_db.path)]

    assert main(["leadership", "collect", str(path), "--apply", *db]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith(f"ittdesk: refused {path.name}: pre-filled cells "
                                               "were edited")
    assert EDIT.search(err[0])
    assert err[1].startswith(f"ittdesk: warning: {path.name}: the file name names Hollins Green")
    assert "REFUSED: pre-filled cells were edited; its answers are shown below " \
           "(--apply --take-refused takes them)" in captured.out
    assert "+ Postcode changed: Postcode: LS1 4AB -> LS1 4AD" in captured.out
    assert "applied" not in captured.out

    assert main(["leadership", "collect", str(path), "--take-refused", *db]) == 2
    capsys.readouterr()
    assert main(["leadership", "collect", str(path), "--apply", "--take-refused", *db]) == 0
    out = capsys.readouterr().out
    assert "applied 3 change(s); confirmed for 2026/27 (taken although refused: audited)" in out
    dbmod.open_database(sqlite_db.path, daily_backup=False)
    assert School.get_by_id(school.id).postcode == "LS1 4AD"


def test_the_school_name_typed_over_in_the_title_holds_the_form_rather_than_refusing_it(
        partnership, tmp_path):
    round_, _school, _other = partnership
    path = _copy(ANSWERS + ".xlsx", tmp_path)
    wb = load_workbook(path)
    wb[forms.FORM_SHEET]["A2"].value = "Larkspur Primary Academy (URN 900900)"
    wb.save(path)
    (ret,) = collect.collect([path], round_).returns
    assert [str(e) for e in ret.edited] == [
        "'Leadership form'!A2 was 'Larkspur Primary School (URN 900900)', now 'Larkspur "
        "Primary Academy (URN 900900)'"]
