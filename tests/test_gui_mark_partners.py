"""After importing schools the user is asked which are partners: from the wizard's last page and
from the Home card, a checklist marks the ticked schools and Home stops listing them."""

from __future__ import annotations

from pathlib import Path

import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt

from ittdesk.models import School
from ittdesk.spreadsheets import importing
from ui import tasks
from ui.dialogs.mark_partners import MarkPartnersDialog, open_mark_partners

qt_settings = gui.qt_settings
main_window = gui.main_window

pytestmark = pytest.mark.gui

GIAS = Path(__file__).resolve().parent / "data" / "gias_sample.csv"


def test_ticked_schools_are_marked_and_leave_the_checklist(qtbot, main_window):
    plan = importing.plan_import(importing.load_source(GIAS, "schools"))
    result = importing.apply_plan(plan, skip_invalid=True)
    with tasks.synchronous():
        dialog = open_mark_partners(main_window)
    assert isinstance(dialog, MarkPartnersDialog) and dialog.run_id == result.run_id
    total = dialog.list.count()
    assert total > 2 and not dialog.apply_button.isEnabled()
    first, second = dialog.list.item(0), dialog.list.item(1)
    chosen = {first.data(Qt.ItemDataRole.UserRole), second.data(Qt.ItemDataRole.UserRole)}
    first.setCheckState(Qt.CheckState.Checked)
    second.setCheckState(Qt.CheckState.Checked)
    assert dialog.apply_button.text() == "&Mark 2 schools"
    dialog.status.setCurrentIndex(dialog.status.findData("placement"))
    with tasks.synchronous():
        dialog.apply_button.click()
    assert {s.partnership_status for s in School.select().where(School.id.in_(chosen))} == {
        "placement"}
    assert dialog.list.count() == total - 2
    assert "2 schools marked placement school" in dialog.message.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)


def test_the_filter_narrows_the_checklist_and_tick_all_ticks_only_what_is_shown(qtbot,
                                                                                 main_window):
    plan = importing.plan_import(importing.load_source(GIAS, "schools"))
    importing.apply_plan(plan, skip_invalid=True)
    with tasks.synchronous():
        dialog = open_mark_partners(main_window)
    name = dialog.list.item(0).text().split(" (URN")[0]
    dialog.filter.setText(name)
    shown = [dialog.list.item(n) for n in range(dialog.list.count())
             if not dialog.list.item(n).isHidden()]
    assert 1 <= len(shown) < dialog.list.count()
    dialog._tick_shown(True)
    assert len(dialog.ticked()) == len(shown)
    dialog.close()


def test_the_home_card_offers_to_mark_partners(qtbot, main_window):
    from ui.views.home_page import HomePage

    plan = importing.plan_import(importing.load_source(GIAS, "schools"))
    importing.apply_plan(plan, skip_invalid=True)
    main_window.show_page("home")
    home = main_window.current_page()
    assert isinstance(home, HomePage)
    home.refresh()
    qtbot.waitUntil(lambda: "new_schools" in getattr(home, "card_widgets", {}), timeout=10000)
    card = home.card_widgets["new_schools"]
    assert "Mark partners…" in card.body.text()
    card._link("action:")
    dialogs = [d for d in main_window.findChildren(MarkPartnersDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].close()
