"""The agreement editor, driven like a user: typing, Ctrl+S, status buttons, Esc, printing."""

from __future__ import annotations

import agreement_factory as make
import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from test_printing import pdf_pages

from ittdesk.errors import ValidationError
from ittdesk.models import AgreementParty, AuditEntry, SpendEntry, SupportAgreement
from ittdesk.services.agreements import PartEdit, PartError, save_agreement
from ui import tasks
from ui.editors.agreement_editor import AgreementEditor, print_agreement

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _never_ask_about_unsaved_changes(monkeypatch):
    # Never block on a modal question: an editor left dirty is discarded when the test ends.
    monkeypatch.setattr(AgreementEditor, "ask_unsaved", lambda self: QMessageBox.StandardButton.Discard)


@pytest.fixture(autouse=True)
def confirmed(monkeypatch):
    """Every one-way status step is confirmed; the (title, text) asked are kept to look at."""
    from ui.editors import agreement_status

    asked = []

    def confirm(parent, agreement_id, target):
        asked.append(agreement_status.step_question(agreement_id, target))
        return True

    monkeypatch.setattr(agreement_status, "confirm_step", confirm)
    return asked


def open_editor(qtbot, agreement_id):
    editor = gui.open_agreement_editor(qtbot, agreement_id)
    editor.activateWindow()  # shortcuts (Ctrl+S, Esc) go to the active window, as on a desktop
    qtbot.waitUntil(editor.isActiveWindow)
    return editor


def type_into(qtbot, field, text):
    widget = field.input
    if hasattr(widget, "selectAll"):
        widget.selectAll()
    qtbot.keyClicks(widget, text)


def choose(field, value):
    """Pick ``value`` as a user would: from a combo box, or as the record picker's dialog does."""
    from ui.widgets.record_picker import RecordPicker

    if isinstance(field.input, RecordPicker):
        field.input.set_value(value)
        return
    combo = field.input
    combo.setCurrentIndex(combo.findData(value))


def test_every_part_list_is_a_valid_item_model(qtbot, qtmodeltester, sqlite_db):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    for panel in editor.panels.values():
        qtmodeltester.check(panel.model)
    assert editor.panels["parties"].model.rowCount() == 3
    assert editor.main_fields["title"].value() == "Improving early reading"
    assert editor.main_fields["amount_agreed_pence"].value() == "£4,000.00"


def test_new_agreement_typed_in_and_saved_with_ctrl_s(qtbot, sqlite_db):
    school_a, school_b = make.school("Ashby Moor Primary"), make.school("Fernbank Academy")
    contact = make.person("Ada", "Contact")
    editor = open_editor(qtbot, None)
    type_into(qtbot, editor.main_fields["title"], "Year 6 mathematics")
    type_into(qtbot, editor.main_fields["academic_year"], "2025/26")
    type_into(qtbot, editor.main_fields["intended_impact"], "Expected progress for all.")
    editor.tabs.setCurrentIndex(1)
    parties = editor.panels["parties"]
    qtbot.mouseClick(parties.add_button, Qt.MouseButton.LeftButton)
    choose(parties.fields["school"], school_a.id)
    choose(parties.fields["contact"], contact.id)
    type_into(qtbot, parties.fields["responsibilities"], "Release staff.")
    qtbot.mouseClick(parties.add_button, Qt.MouseButton.LeftButton)
    choose(parties.fields["role"], "supporting")
    choose(parties.fields["school"], school_b.id)
    editor.tabs.setCurrentIndex(5)
    type_into(qtbot, editor.main_fields["amount_agreed_pence"], "£1,500.00")
    spend = editor.panels["spend"]
    qtbot.mouseClick(spend.add_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, spend.fields["date"], "03/11/2025")
    type_into(qtbot, spend.fields["description"], "Supply cover")
    type_into(qtbot, spend.fields["amount_pence"], "250.50")
    assert editor.balance.text() == "Balance: £1,500.00 agreed, £250.50 spent, £1,249.50 left"
    assert editor.windowTitle().startswith("*")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = SupportAgreement.get(SupportAgreement.title == "Year 6 mathematics")
    assert saved.reference == "SSA-2025-001" and saved.amount_agreed_pence == 150000
    assert [p.school.name for p in AgreementParty.select().order_by(AgreementParty.id)] == [
        "Ashby Moor Primary", "Fernbank Academy"]
    assert SpendEntry.get().amount_pence == 25050
    assert not editor.dirty and editor.heading.text() == "SSA-2025-001 — Year 6 mathematics"
    assert editor.status_buttons["agreed"].isVisible()


def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(qtbot, sqlite_db):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    type_into(qtbot, editor.main_fields["baseline"], "New baseline text")
    editor.tabs.setCurrentIndex(5)
    spend = editor.panels["spend"]
    qtbot.mouseClick(spend.add_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, spend.fields["date"], "31/02/2026")
    type_into(qtbot, spend.fields["description"], "Cover")
    type_into(qtbot, spend.fields["amount_pence"], "12.345")
    assert editor.save() is False
    assert spend.fields["amount_pence"].message.text() == "'12.345' has fractions of a penny"
    assert "not a real date" in spend.fields["date"].message.text() or \
        spend.fields["date"].message.isVisible()
    assert editor.problems.text().startswith("Not saved: spend entry 1")
    assert SupportAgreement.get_by_id(built.agreement.id).baseline is None  # all or nothing
    assert not SpendEntry.select().exists()
    assert editor.dirty


def test_status_button_shows_what_is_missing_beside_the_fields(qtbot, sqlite_db):
    built = make.agreement(ready=False)
    editor = open_editor(qtbot, built.agreement.id)
    assert editor.status_buttons["agreed"].isVisible()
    assert not editor.status_buttons["completed"].isVisible()
    qtbot.mouseClick(editor.status_buttons["agreed"], Qt.MouseButton.LeftButton)
    assert SupportAgreement.get_by_id(built.agreement.id).status == "draft"
    assert editor.main_fields["intended_impact"].message.text() == "Write the intended impact"
    assert "Write the responsibilities of" in editor.panels["parties"].message.text()
    assert "final impact report" in editor.panels["reports"].message.text()
    assert editor.problems.text().startswith(f"{built.agreement.reference} cannot be agreed yet")
    titles = [editor.tabs.tabText(i) for i in range(editor.tabs.count())]
    assert titles[:2] == ["Agreement ⚠", "Parties ⚠"] and titles[3] == "Schedule"


def test_status_buttons_move_a_ready_agreement_and_offer_the_next_steps(qtbot, sqlite_db, confirmed):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    qtbot.mouseClick(editor.status_buttons["agreed"], Qt.MouseButton.LeftButton)
    assert confirmed[0][0] == "Mark as agreed?"
    assert "will be agreed and issued as version 1" in confirmed[0][1]
    assert SupportAgreement.get_by_id(built.agreement.id).status == "agreed"
    assert editor.status_buttons["active"].isVisible()
    assert not editor.status_buttons["agreed"].isVisible()
    assert "Agreed" in editor.status_label.text()


def test_removing_a_party_in_the_editor_deletes_it_on_save_with_audit(qtbot, sqlite_db):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    parties = editor.panels["parties"]
    parties.select_key(parties.rows()[2].key)
    qtbot.mouseClick(parties.remove_button, Qt.MouseButton.LeftButton)
    assert editor.save()
    assert AgreementParty.select().where(AgreementParty.agreement == built.agreement.id).count() == 2
    assert AuditEntry.select().where((AuditEntry.entity == "agreement_party")
                                     & (AuditEntry.action == "delete")).count() == 1


def test_escape_with_unsaved_changes_asks_and_cancel_keeps_editing(qtbot, sqlite_db, monkeypatch):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    type_into(qtbot, editor.main_fields["title"], "Changed title")
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    monkeypatch.setattr(editor, "ask_unsaved", lambda: answers.pop(0))
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not editor.isVisible())
    assert SupportAgreement.get_by_id(built.agreement.id).title == "Improving early reading"


def test_closing_with_save_answer_saves(qtbot, sqlite_db, monkeypatch):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    type_into(qtbot, editor.main_fields["title"], "Saved on close")
    monkeypatch.setattr(editor, "ask_unsaved", lambda: QMessageBox.StandardButton.Save)
    editor.close()
    assert not editor.isVisible()
    assert SupportAgreement.get_by_id(built.agreement.id).title == "Saved on close"


def test_warnings_show_overspend_and_qa_lead_who_is_a_party_contact(qtbot, sqlite_db):
    from ittdesk.services.agreements import parties, spend

    built = make.agreement(amount="100")
    spend.create({"agreement": built.agreement.id, "date": "01/11/2025", "description": "Cover",
                  "amount_pence": "150"})
    parties.update(built.supported.id, {"contact": built.qa_lead.id})
    editor = open_editor(qtbot, built.agreement.id)
    assert "over the amount agreed" in editor.panels["spend"].message.text()
    assert "should be independent" in editor.main_fields["qa_lead"].message.text()
    assert editor.warnings.isVisible()
    assert "£50.00 over" in editor.balance.text()


def test_save_as_pdf_runs_in_the_background_and_writes_the_agreement(qtbot, sqlite_db, tmp_path,
                                                                     monkeypatch):
    built = make.agreement()
    out = tmp_path / "agreement.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF files (*.pdf)"))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    editor = open_editor(qtbot, built.agreement.id)
    with tasks.synchronous(False):
        qtbot.mouseClick(editor.pdf_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tasks.running_tasks() == 0 and bool(shown), timeout=20000)
    assert shown == [f"Saved {out}"]
    text = " ".join(pdf_pages(out))
    assert built.agreement.reference in text and "DRAFT" in text


def test_print_preview_from_the_list_uses_a_print_preview_dialog(qtbot, sqlite_db):
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    built = make.agreement()
    previews: list[QPrintPreviewDialog] = []
    print_agreement(None, built.agreement.id, exec_dialog=False, on_preview=previews.append)
    qtbot.waitUntil(lambda: tasks.running_tasks() == 0 and bool(previews), timeout=20000)
    dialog = previews[0]
    qtbot.addWidget(dialog)
    assert isinstance(dialog, QPrintPreviewDialog)
    painted = []
    dialog.paintRequested.connect(lambda printer: painted.append(printer))
    dialog.show()
    qtbot.waitUntil(lambda: bool(painted))
    assert built.agreement.reference in dialog.windowTitle()


def test_save_agreement_is_all_or_nothing_and_names_the_refused_part(db):
    built = make.agreement()
    parts = {"spend": [PartEdit({"date": "01/11/2025", "description": "ok", "amount_pence": "1"}),
                       PartEdit({"date": "bad", "description": "x", "amount_pence": "1"})]}
    with pytest.raises(PartError) as exc:
        save_agreement(built.agreement.id, {"title": "Renamed"}, parts)
    assert (exc.value.kind, exc.value.position) == ("spend", 1) and "date" in exc.value.errors
    assert isinstance(exc.value, ValidationError)
    assert SupportAgreement.get_by_id(built.agreement.id).title == "Improving early reading"
    assert not SpendEntry.select().exists()
    assert all(p.id is None for p in parts["spend"])


def test_save_agreement_links_a_new_signature_to_a_new_party(db):
    built = make.agreement()
    school = make.school("Newly Added School")
    party = PartEdit({"school": school.id, "role": "supporting", "responsibilities": "Help"}, key=99)
    signature = PartEdit({"party": "key:99", "signatory_name": "Pat Head"})
    save_agreement(built.agreement.id, {}, {"parties": [party], "signatures": [signature]})
    assert party.id is not None and signature.id is not None
    from ittdesk.models import Signature

    assert Signature.get_by_id(signature.id).party_id == party.id


def test_choosing_who_signs_fills_in_their_contact_name_and_role(qtbot, sqlite_db):
    from ittdesk.services.people import roles

    built = make.agreement()
    roles.create({"person": built.supporting.contact_id, "school": built.supporting.school_id,
                  "kind": "headteacher"})
    editor = open_editor(qtbot, built.agreement.id)
    editor.tabs.setCurrentIndex(6)
    signatures = editor.panels["signatures"]
    qtbot.mouseClick(signatures.add_button, Qt.MouseButton.LeftButton)
    choose(signatures.fields["party"], built.supporting.id)
    assert signatures.fields["signatory_name"].value() == built.supporting.contact.full_name
    assert signatures.fields["signatory_role"].value() == "Headteacher"
    type_into(qtbot, signatures.fields["signed_on"], "02/10/2025")
    assert editor.save()
    from ittdesk.models import Signature

    signed = Signature.get()
    assert (signed.party_id, signed.signatory_name) == (built.supporting.id, "Supporting Contact")
    qtbot.mouseClick(signatures.add_button, Qt.MouseButton.LeftButton)  # the QA lead's, at first
    assert signatures.fields["signatory_name"].value() == built.qa_lead.full_name
    assert signatures.fields["signatory_role"].value() == "Independent QA lead (LLE)"


def test_main_window_registry_opens_this_editor(qtbot, sqlite_db):
    from ui.editors.agreement_launcher import open_agreement

    built = make.agreement()
    editor = open_agreement(None, built.agreement.id)
    qtbot.addWidget(editor)
    assert isinstance(editor, AgreementEditor) and editor.agreement_id == built.agreement.id


def test_withdraw_asks_why_and_keeps_the_reason(qtbot, sqlite_db, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    replies = [("", False), ("The school joined a trust", True)]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: replies.pop(0))
    qtbot.mouseClick(editor.status_buttons["withdrawn"], Qt.MouseButton.LeftButton)
    assert SupportAgreement.get_by_id(built.agreement.id).status == "draft"  # cancelled
    qtbot.mouseClick(editor.status_buttons["withdrawn"], Qt.MouseButton.LeftButton)
    assert SupportAgreement.get_by_id(built.agreement.id).status == "withdrawn"
    assert not any(b.isVisible() for b in editor.status_buttons.values())
    last = AuditEntry.select().where(AuditEntry.entity == "agreement").order_by(AuditEntry.id.desc()).first()
    assert last.note == "The school joined a trust"


def test_printing_unsaved_changes_asks_to_save_first(qtbot, sqlite_db, monkeypatch):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    type_into(qtbot, editor.main_fields["title"], "Renamed before printing")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    editor.print_preview()  # cancelled: nothing saved, nothing shown
    assert SupportAgreement.get_by_id(built.agreement.id).title == "Improving early reading"
    shown = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    monkeypatch.setattr("ui.editors.agreement_editor.print_agreement",
                        lambda parent, agreement_id: shown.append(agreement_id))
    editor.print_preview()
    assert shown == [built.agreement.id]
    assert SupportAgreement.get_by_id(built.agreement.id).title == "Renamed before printing"


def test_a_completed_agreement_opens_read_only_but_prints_and_saves_notes(qtbot, sqlite_db, tmp_path,
                                                                         monkeypatch):
    from test_agreement_closed import completed

    built = completed()
    a = built.agreement
    editor = open_editor(qtbot, a.id)
    editor.resize(980, 760)
    banner = editor.closed_banner
    assert banner.isVisible()
    assert "completed, so it is closed" in banner.text() and "nothing in it can be changed" in banner.text()
    enabled = {k for k, w in editor.main_fields.items() if w.input.isEnabled()}
    assert enabled == {"notes"}
    assert not any(b.isVisible() for b in editor.status_buttons.values())
    for panel in editor.panels.values():
        assert not panel.add_button.isEnabled() and not panel.remove_button.isEnabled()
        assert not panel.form_box.isEnabled()
        if panel.rows():  # rows can still be browsed and read
            panel.view.selectRow(len(panel.rows()) - 1)
            assert not panel.form_box.isEnabled()
    editor.tabs.setCurrentIndex(0)
    editor.grab().save(str(tmp_path / "closed.png"))

    type_into(qtbot, editor.main_fields["notes"], "Head asked for a copy in 2027.")
    assert editor.dirty
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not editor.problems.isVisible(), editor.problems.text()
    assert SupportAgreement.get_by_id(a.id).notes == "Head asked for a copy in 2027."
    assert not editor.dirty and editor.closed_banner.isVisible()
    assert {k for k, w in editor.main_fields.items() if w.input.isEnabled()} == {"notes"}

    out = tmp_path / "closed.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF files (*.pdf)"))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    with tasks.synchronous(False):
        qtbot.mouseClick(editor.pdf_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tasks.running_tasks() == 0 and bool(shown), timeout=20000)
    assert shown == [f"Saved {out}"] and a.reference in " ".join(pdf_pages(out))
    previewed = []
    monkeypatch.setattr("ui.editors.agreement_editor.print_agreement",
                        lambda parent, agreement_id: previewed.append(agreement_id))
    assert editor.preview_button.isEnabled() and editor.print_button.isEnabled()
    qtbot.mouseClick(editor.preview_button, Qt.MouseButton.LeftButton)
    assert previewed == [a.id]


def test_an_agreement_completed_in_the_editor_turns_read_only(qtbot, sqlite_db):
    from ittdesk.services import agreement_lifecycle as lifecycle
    from ittdesk.services.agreements import reports

    built = make.agreement()
    a = built.agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    final = reports.model.get((reports.model.agreement == a.id) & (reports.model.kind == "final"))
    reports.update(final.id, {"submitted_on": "10/06/2026", "summary": "Met."})
    editor = open_editor(qtbot, a.id)
    assert not editor.closed_banner.isVisible() and editor.main_fields["title"].input.isEnabled()
    qtbot.mouseClick(editor.status_buttons["completed"], Qt.MouseButton.LeftButton)
    assert SupportAgreement.get_by_id(a.id).status == "completed"
    assert editor.closed_banner.isVisible()
    assert not editor.main_fields["title"].input.isEnabled()
    assert not editor.panels["spend"].add_button.isEnabled()


def test_a_save_over_another_users_change_to_the_same_field_is_refused_keeping_what_was_typed(
        qtbot, sqlite_db, monkeypatch):
    from ittdesk.services.agreements import agreements

    asked = answer_conflicts(monkeypatch, "cancel")
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    agreements.update(built.agreement.id, {"baseline": "Theirs"})  # another user, meanwhile
    type_into(qtbot, editor.main_fields["baseline"], "Mine")
    assert editor.save() is False
    assert asked == [{"baseline": (built.agreement.baseline, "Theirs", "Mine")}]
    assert "while you were editing: Baseline" in editor.problems.text()
    assert editor.main_fields["baseline"].value() == "Mine"
    assert SupportAgreement.get_by_id(built.agreement.id).baseline == "Theirs"
    assert editor.dirty


def test_a_save_over_another_users_change_to_other_fields_keeps_both(qtbot, sqlite_db):
    from ittdesk.services.agreements import agreements

    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    agreements.update(built.agreement.id, {"evidence": "Theirs"})  # another user, meanwhile
    type_into(qtbot, editor.main_fields["baseline"], "Mine")
    assert editor.save() is True
    saved = SupportAgreement.get_by_id(built.agreement.id)
    assert (saved.baseline, saved.evidence) == ("Mine", "Theirs")


def answer_conflicts(monkeypatch, *answers: str) -> list[dict]:
    """The conflict dialog answered in turn: "cancel", "theirs" or "mine" (its buttons);
    returns the fields each showed."""
    from PySide6.QtWidgets import QDialog

    from ui.dialogs.conflict import THEIRS, YOURS, ConflictDialog

    asked: list[dict] = []
    queue = list(answers)

    def answer(dialog: ConflictDialog) -> QDialog.DialogCode:
        asked.append(dict(dialog.error.fields))
        choice = queue.pop(0)
        if choice == "cancel":
            return QDialog.DialogCode.Rejected
        dialog.keep_all(THEIRS if choice == "theirs" else YOURS)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConflictDialog, "exec", answer)
    return asked


@pytest.mark.parametrize("keep, expected", [("mine", "£2,500.00"), ("theirs", "£1,250.50")])
def test_the_same_field_changed_meanwhile_saves_the_side_chosen_with_the_other_edits(
        qtbot, sqlite_db, monkeypatch, keep, expected):
    from ittdesk.fields import format_money
    from ittdesk.services.agreements import agreements

    asked = answer_conflicts(monkeypatch, keep)
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    agreements.update(built.agreement.id, {"amount_agreed_pence": "1250.50"})  # another user
    editor.main_fields["amount_agreed_pence"].set_value("2500")
    type_into(qtbot, editor.main_fields["baseline"], "Mine")
    assert editor.save() is True
    assert list(asked[0]) == ["amount_agreed_pence"]
    saved = SupportAgreement.get_by_id(built.agreement.id)
    assert format_money(saved.amount_agreed_pence) == expected and saved.baseline == "Mine"
    assert editor.main_fields["amount_agreed_pence"].value() == expected
