"""The agreement editor builds each part list when its tab is first shown (issue 15 item 7:
opening an editor < 100 ms); a list never built still saves, warns and counts as loaded."""

from __future__ import annotations

import agreement_factory as make
import pytest
from PySide6.QtWidgets import QMessageBox
from test_agreement_editor import open_editor, type_into

from ittdesk.models import (
    AgreementLeader,
    AgreementParty,
    ImpactReport,
    SpendEntry,
    SupportAgreement,
)
from ittdesk.services.agreements import spend
from ui.editors.agreement_editor import AgreementEditor
from ui.editors.agreement_tabs import PANEL_TAB

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _never_ask_about_unsaved_changes(monkeypatch):
    monkeypatch.setattr(AgreementEditor, "ask_unsaved", lambda self: QMessageBox.StandardButton.Discard)


def test_a_part_list_is_built_when_its_tab_is_first_shown_and_holds_its_rows(qtbot, sqlite_db):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    assert editor.panels.built() == {}
    editor.tabs.setCurrentIndex(PANEL_TAB["reports"])
    assert list(editor.panels.built()) == ["reports"]
    assert editor.panels["reports"].model.rowCount() == 2
    assert editor.panels["reports"].fields["kind"].value() == "interim"  # the first row shown
    assert not editor.dirty


def test_saving_keeps_the_parts_of_tabs_never_shown(qtbot, sqlite_db):
    built = make.agreement()
    before = {m.__name__: [r.__data__ for r in m.select().order_by(m.id)]
              for m in (AgreementParty, AgreementLeader, ImpactReport)}
    editor = open_editor(qtbot, built.agreement.id)
    type_into(qtbot, editor.main_fields["title"], "Reading for all")
    assert editor.dirty
    assert editor.save()
    assert SupportAgreement.get_by_id(built.agreement.id).title == "Reading for all"
    after = {m.__name__: [r.__data__ for r in m.select().order_by(m.id)]
             for m in (AgreementParty, AgreementLeader, ImpactReport)}
    assert after == before
    assert editor.panels.built() == {}


def test_a_refusal_for_a_part_not_built_marks_its_tab_and_shows_once_built(qtbot, sqlite_db):
    built = make.agreement(ready=False)
    editor = open_editor(qtbot, built.agreement.id)
    assert not editor.change_status("agreed")
    assert "parties" not in editor.panels.built()
    assert editor.tabs.tabText(PANEL_TAB["parties"]) == "Parties ⚠"
    editor.tabs.setCurrentIndex(PANEL_TAB["parties"])
    assert "Write the responsibilities of" in editor.panels["parties"].message.text()


def test_the_balance_counts_spend_on_a_tab_never_shown(qtbot, sqlite_db):
    built = make.agreement()
    spend.create({"agreement": built.agreement.id, "date": "01/11/2025", "description": "Cover",
                  "amount_pence": "1,500.00"})
    editor = open_editor(qtbot, built.agreement.id)
    assert "spend" not in editor.panels.built()
    assert "£2,500.00" in editor.balance.text()
    assert SpendEntry.select().count() == 1


def test_a_closed_agreement_opens_its_part_lists_read_only_when_shown(qtbot, sqlite_db):
    built = make.agreement()
    SupportAgreement.update(status="completed").where(
        SupportAgreement.id == built.agreement.id).execute()
    editor = open_editor(qtbot, built.agreement.id)
    editor.tabs.setCurrentIndex(PANEL_TAB["spend"])
    assert not editor.panels["spend"].add_button.isEnabled()
