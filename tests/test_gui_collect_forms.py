"""The collect dialog after "Apply ticked changes": applied schools stay listed and locked, an
unticked school stays unticked, Apply waits for something new; a refused form's answers are
taken only after the warning."""

from __future__ import annotations

import shutil

import leadership_fixture as fx
import pytest
from gui_helpers import tasks_idle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from test_leadership_forms import fill_form

from ittdesk.leadership import forms, rounds, sending
from ittdesk.models import AuditEntry, RoundSchool, School
from ui.dialogs.collect_forms import CollectFormsDialog, ReturnsModel

pytestmark = pytest.mark.gui
CHECKABLE = Qt.ItemFlag.ItemIsUserCheckable


def _school_rows(model: ReturnsModel) -> dict[str, int]:
    return {model.returns[r.ret].name: i for i, r in enumerate(model.rows) if r.kind == "school"}


def _check(model: ReturnsModel, row: int):
    return model.index(row, ReturnsModel.COL_WHAT).data(Qt.ItemDataRole.CheckStateRole)


@pytest.mark.slow
def test_after_apply_applied_schools_lock_unticked_ones_stay_unticked_and_apply_waits(
        demo_db, qtbot, tmp_path):
    round_ = rounds.start_round("2026/27")
    first, second = (e.school for e in rounds.entries(round_)[:2])
    sending.generate_forms(round_, tmp_path, school_ids=[first.id, second.id])
    for school in (first, second):
        fill_form(tmp_path / forms.file_name_for(school),
                  appetite="Actively looking to host trainees", mentors=2)
    dialog = CollectFormsDialog(round_.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([tmp_path])
    qtbot.waitUntil(lambda: tasks_idle() and dialog.model.rowCount() > 0, timeout=20000)
    model = dialog.model
    rows = _school_rows(model)
    assert dialog.apply_button.isEnabled()
    model.setData(model.index(rows[second.name], 0), Qt.CheckState.Unchecked.value,
                  Qt.ItemDataRole.CheckStateRole)  # the user rejects the second school

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: tasks_idle() and "updated and confirmed" in dialog.summary.text(),
                    timeout=20000)
    rows = _school_rows(model)
    assert model.rows[rows[first.name]].what == "Applied: confirmed for 2026/27"
    assert not model.flags(model.index(rows[first.name], 0)) & CHECKABLE  # locked
    assert _check(model, rows[second.name]) == Qt.CheckState.Unchecked
    assert model.rows[rows[second.name]].what == "Confirm for 2026/27"
    assert not dialog.apply_button.isEnabled()
    dialog.apply()  # a second click, had it been possible, applies nothing the user rejected
    assert "nothing to apply" in dialog.summary.text()
    assert rounds.entry_for(round_, second).confirmed_on is None
    assert rounds.entry_for(round_, first).confirmed_on is not None

    model.setData(model.index(rows[second.name], 0), Qt.CheckState.Checked.value,
                  Qt.ItemDataRole.CheckStateRole)  # something new: Apply is offered again
    assert dialog.apply_button.isEnabled()
    assert [ret.school_id for ret, _keys in model.pending()] == [second.id]
    dialog.grab().save(str(tmp_path / "collect_after_apply.png"))


def test_a_school_that_failed_is_offered_again_only_once_its_ticks_change(demo_db, qtbot,
                                                                          tmp_path):
    round_ = rounds.start_round("2026/27")
    school = rounds.entries(round_)[0].school
    sending.generate_forms(round_, tmp_path, school_ids=[school.id])
    fill_form(tmp_path / forms.file_name_for(school), details={"Postcode": ("No", "ZZ9 9ZZ")},
              appetite="Actively looking to host trainees")
    dialog = CollectFormsDialog(round_.id)
    qtbot.addWidget(dialog)
    dialog.add_paths([tmp_path])
    qtbot.waitUntil(lambda: tasks_idle() and dialog.model.rowCount() > 0, timeout=20000)
    RoundSchool.delete().where(RoundSchool.school == school.id).execute()  # taken out meanwhile
    dialog.apply()
    qtbot.waitUntil(lambda: tasks_idle() and "Not applied" in dialog.summary.text(),
                    timeout=20000)
    assert "no longer part of this round" in dialog.model.detail(dialog.model.rows[0])
    assert not dialog.apply_button.isEnabled()
    change = next(i for i, r in enumerate(dialog.model.rows) if r.kind == "change")
    dialog.model.setData(dialog.model.index(change, 0), Qt.CheckState.Unchecked.value,
                         Qt.ItemDataRole.CheckStateRole)
    assert dialog.apply_button.isEnabled()


def test_a_refused_forms_answers_are_shown_and_taken_only_after_the_warning(
        sqlite_db, qtbot, tmp_path, monkeypatch):
    round_, school, _other = fx.build()
    shutil.copy(fx.DATA / "libreoffice head typed over.ods", tmp_path / "larkspur.ods")
    dialog = CollectFormsDialog(round_.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([tmp_path])
    qtbot.waitUntil(lambda: tasks_idle() and dialog.model.rowCount() > 0, timeout=20000)
    model = dialog.model
    head = model.rows[0]
    assert head.what == "Refused: pre-filled cells edited"
    assert "'Leadership form'!B" in head.detail and "now 'Mr Benedict Jones'" in head.detail
    assert _check(model, 0) == Qt.CheckState.Unchecked
    assert not model.flags(model.index(0, 0)) & CHECKABLE
    assert {r.what for r in model.rows} >= {"Postcode changed", "Headteacher has left",
                                            "Pre-filled cell edited"}
    assert "1 refused for edited pre-filled cells" in dialog.summary.text()
    assert not dialog.apply_button.isEnabled() and not dialog.take_button.isEnabled()

    dialog.table.selectRow(0)
    assert dialog.take_button.isEnabled()
    assert "now 'Mr Benedict Jones'" in dialog.take_warning(0)
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: next(answers))
    dialog.take_button.click()  # the warning, cancelled: still refused
    assert not model.taken and not dialog.apply_button.isEnabled()
    dialog.take_button.click()  # the warning, answered Yes
    assert model.taken == {0} and _check(model, 0) == Qt.CheckState.Checked
    assert dialog.apply_button.isEnabled() and not dialog.take_button.isEnabled()
    dialog.grab().save(str(tmp_path / "collect_taken.png"))

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: tasks_idle() and "updated and confirmed" in dialog.summary.text(),
                    timeout=20000)
    assert School.get_by_id(school.id).postcode == "LS1 4AD"
    assert model.rows[0].what == "Applied: confirmed for 2026/27"
    note = AuditEntry.select().where(AuditEntry.entity == "round_school").order_by(
        AuditEntry.id.desc()).first().note
    assert "taken although refused" in note
