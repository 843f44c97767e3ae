"""The window's side of issue 19 item 1's remaining write paths: a status step, a part's edit
and a list's delete made from a view another user has changed since are refused with who and
when, shown where the user is, and nothing of theirs is lost."""

from __future__ import annotations

import agreement_factory as make
import gui_helpers as gui
import pytest
from PySide6.QtWidgets import QMessageBox

from ittdesk.models import AgreementParty, School, SupportAgreement
from ittdesk.services.agreements import agreements, parties
from ittdesk.services.schools import schools
from ui.editors.agreement_editor import AgreementEditor

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


@pytest.fixture(autouse=True)
def _never_ask_about_unsaved_changes(monkeypatch):
    monkeypatch.setattr(AgreementEditor, "ask_unsaved",
                        lambda self: QMessageBox.StandardButton.Discard)


_open = gui.open_agreement_editor


def test_a_status_step_on_an_agreement_changed_elsewhere_is_refused_and_shows_theirs(
        qtbot, db, monkeypatch):
    built = make.agreement()
    editor = _open(qtbot, built.agreement.id)
    agreements.update(built.agreement.id, {"notes": "Called the head"})  # another user
    monkeypatch.setattr("ui.editors.agreement_status.confirm_step", lambda *a: True)
    assert not editor.change_status("agreed")
    assert editor.problems.isVisible()
    assert editor.problems.text().startswith(f"{built.agreement.reference} was not agreed: "
                                             "it was changed by ")
    assert "since you opened it" in editor.problems.text()
    assert editor.main_fields["notes"].value() == "Called the head"  # theirs, reloaded
    assert SupportAgreement.get_by_id(built.agreement.id).status == "draft"
    assert editor.change_status("agreed")  # looked again: it goes through
    assert SupportAgreement.get_by_id(built.agreement.id).status == "agreed"


def test_a_part_changed_elsewhere_is_not_overwritten_and_the_typing_is_kept(qtbot, db):
    built = make.agreement()
    editor = _open(qtbot, built.agreement.id)
    editor.tabs.setCurrentIndex(editor.tabs.count() - 1)
    panel = editor.panels["parties"]
    position = next(n for n, row in enumerate(panel.rows()) if row.id == built.supporting.id)
    panel.view.selectRow(position)
    typed = panel.fields["responsibilities"].input
    typed.selectAll()
    qtbot.keyClicks(typed, "Weekly coaching")  # as a user types it
    parties.update(built.supporting.id, {"responsibilities": "Fortnightly visits"})  # another user
    assert not editor.save()
    assert "Not saved: " in editor.problems.text() and "while you were editing" in \
        editor.problems.text()
    assert panel.rows()[position].values["responsibilities"] == "Weekly coaching"  # kept
    assert AgreementParty.get_by_id(built.supporting.id).responsibilities == "Fortnightly visits"


def test_a_list_delete_of_a_school_changed_after_the_question_is_refused(
        qtbot, main_window, monkeypatch):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    page = main_window.show_page("schools")
    gui.wait_loaded(qtbot, page.panel)
    page.panel.select_ids([school.id])
    warned: list[str] = []

    def yes_but_someone_renames_it_first(*_args, **_kwargs):
        schools.update(school.id, {"name": "Fernbank Academy"})  # another user, meanwhile
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes_but_someone_renames_it_first)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    main_window.delete_selected()
    qtbot.waitUntil(gui.tasks_idle)
    assert len(warned) == 1 and "was not deleted: it was changed by " in warned[0]
    assert School.get_by_id(school.id).name == "Fernbank Academy"
    assert not main_window.undo_act.isEnabled()
