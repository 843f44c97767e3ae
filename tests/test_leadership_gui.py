"""The Yearly confirmation page, the collect dialog, the change-holder dialog and the timeline,
driven like a user would, with the work on background tasks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from gui_helpers import tasks_idle
from openpyxl import load_workbook
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialogButtonBox
from test_leadership_forms import fill_form

from ittdesk import clock
from ittdesk.leadership import forms, rounds, sending
from ittdesk.leadership.appetite import appetites
from ittdesk.leadership.history import TimelineEntry
from ittdesk.models import ConfirmationRound, Person, Role, School
from ittdesk.services.people import current_roles
from ui.dialogs.change_holder import ChangeHolderDialog
from ui.dialogs.collect_forms import CollectFormsDialog, ReturnsModel
from ui.dialogs.start_round import StartRoundDialog
from ui.views.confirmation_page import ConfirmationPage, RoundModel
from ui.widgets.leadership_timeline import LeadershipTimeline

pytestmark = pytest.mark.gui
TODAY = clock.today()


idle = tasks_idle


@pytest.fixture
def page(qtbot, demo_db):
    widget = ConfirmationPage(None)
    qtbot.addWidget(widget)
    widget.resize(1200, 720)
    widget.show()
    qtbot.waitUntil(idle)
    return widget


def _head_school(round_):
    for entry in rounds.entries(round_):
        kinds = {r.kind: r for r in current_roles(entry.school)}
        if "headteacher" in kinds and "itt_champion" in kinds and all(
                kinds[k].start_date < TODAY - timedelta(days=30) for k in ("headteacher", "itt_champion")):
            return entry.school, kinds["headteacher"], kinds["itt_champion"]
    raise AssertionError("no school")


@pytest.mark.slow
def test_start_a_round_from_the_page_then_write_forms_in_the_background(page, qtbot, tmp_path,
                                                                         qtmodeltester):
    assert page.empty.isVisible() and not page.write_button.isEnabled()
    dialog = StartRoundDialog(page)
    qtbot.addWidget(dialog)
    dialog.year.setCurrentText("2026/27")
    dialog.statuses["placement"].setChecked(False)
    dialog.return_by.setText("16/10/2026")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.round is not None and dialog.round.return_by == date(2026, 10, 16)
    page.refresh()
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0)
    open_ = School.status == "open"
    started = School.select().where(School.partnership_status.in_(("partner", "lead"))
                                    & open_).count()
    placements = School.select().where((School.partnership_status == "placement")
                                       & open_).count()
    assert len(rounds.entries(dialog.round)) == started
    # Placement schools confirm every year too: shown, as not in the round yet.
    assert page.model.rowCount() == started + placements
    assert sum(1 for r in page.status.rows if not r.in_round) == placements
    assert 0 < page.status.not_added <= placements  # less those confirmed by hand this year
    assert "not in the round yet" in page.counts.text()
    qtmodeltester.check(page.model)

    page.write_forms(tmp_path / "forms")
    qtbot.waitUntil(lambda: idle() and page.last_written is not None, timeout=30000)
    assert len(list((tmp_path / "forms").glob("*.xlsx"))) == started
    qtbot.waitUntil(lambda: page.status is not None and page.status.written == started)
    assert page.status.sent == 0 and page.status.outstanding == []
    assert f"{page.status.count('written')} written, not sent" in page.counts.text()
    page.filter_combo.setCurrentIndex(page.filter_combo.findText("Form written, not sent"))
    assert {page.model.index(r, RoundModel.COL_STATE).data()
            for r in range(page.model.rowCount())} == {"Form written"}
    page.table.selectRow(0)
    chosen = page.selected_school()
    assert page.mark_sent([School.get_by_id(chosen).urn]).marked
    qtbot.waitUntil(lambda: idle() and page.status.sent == 1)
    assert page.model.rowCount() == page.status.count("written")  # the sent one left the filter
    page.filter_combo.setCurrentIndex(page.filter_combo.findText("Sent, awaited (to chase)"))
    assert [page.model.school_id(r) for r in range(page.model.rowCount())] == [chosen]
    assert page.model.index(0, RoundModel.COL_SENT).data() == TODAY.strftime("%d/%m/%Y")
    page.filter_combo.setCurrentIndex(page.filter_combo.findText("Not confirmed"))
    assert page.model.rowCount() == page.status.unconfirmed
    page.filter_combo.setCurrentIndex(0)
    page.table.selectRow(0)
    assert page.timeline_title.text().startswith("Leadership of ")
    assert page.timeline.entries()
    page.grab().save(str(tmp_path / "leadership_page.png"))


def test_a_second_round_for_the_same_year_is_refused_beside_the_fields(page, qtbot):
    rounds.start_round("2026/27")
    dialog = StartRoundDialog(page)
    qtbot.addWidget(dialog)
    dialog.year.setCurrentText("2026/27")
    dialog.save()
    assert dialog.error.isVisibleTo(dialog) and "already been started" in dialog.error.text()
    dialog.year.setCurrentText("26/27")
    dialog.save()
    assert "not an academic year" in dialog.error.text()
    assert ConfirmationRound.select().count() == 1


def test_collect_dialog_reviews_changes_and_applies_only_the_ticked_ones(demo_db, qtbot, tmp_path,
                                                                       qtmodeltester):
    round_ = rounds.start_round("2026/27")
    school, head, champion = _head_school(round_)
    outdir = tmp_path / "returned"
    sending.generate_forms(round_, outdir, school_ids=[school.id])
    path = outdir / forms.file_name_for(school)
    fill_form(path, people={head.person.full_name: ("Yes", None),
                            champion.person.full_name: ("No - details changed",
                                                        "new.champion@example.org")},
              new=[("Deputy head", "Mrs", "Jo", "Varley-Smith", "jo.vs@example.org", TODAY)],
              appetite="Actively looking to host trainees", mentors=3)
    (outdir / "readme.xlsx").write_text("not a workbook")

    dialog = CollectFormsDialog(round_.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([outdir])
    qtbot.waitUntil(lambda: idle() and dialog.model.rowCount() > 0, timeout=20000)
    qtmodeltester.check(dialog.model)
    qtmodeltester.check(dialog.refused_model)
    assert dialog.refused_box.isVisible()
    assert dialog.refused_model.rows[0].path.name == "readme.xlsx"
    whats = [dialog.model.rows[r].what for r in range(dialog.model.rowCount())]
    assert whats[0] == "Confirm for 2026/27"
    assert {"Email changed", "New deputy head", "Hosting appetite 2026/27"} <= set(whats)
    email_row = whats.index("Email changed")
    index = dialog.model.index(email_row, ReturnsModel.COL_WHAT)
    assert dialog.model.setData(index, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    dialog.table.resizeColumnToContents(ReturnsModel.COL_WHAT)
    dialog.grab().save(str(tmp_path / "leadership_collect.png"))

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: idle() and "updated and confirmed" in dialog.summary.text(),
                    timeout=20000)
    assert Person.get_by_id(champion.person.id).email == champion.person.email  # unticked
    deputies = [r.person.full_name for r in current_roles(school) if r.kind == "deputy_head"]
    assert "Jo Varley-Smith" in deputies
    assert appetites.for_year(school, "2026/27").mentors_available == 3
    assert rounds.entry_for(round_, school).confirmed_on == TODAY
    assert dialog.model.rows[0].what == "Applied: confirmed for 2026/27"
    assert not dialog.apply_button.isEnabled()


def test_unticking_a_school_applies_nothing_for_it(demo_db, qtbot, tmp_path):
    round_ = rounds.start_round("2026/27")
    school, head, _ = _head_school(round_)
    sending.generate_forms(round_, tmp_path, school_ids=[school.id])
    fill_form(tmp_path / forms.file_name_for(school), appetite="Not open to hosting this year")
    dialog = CollectFormsDialog(round_.id)
    qtbot.addWidget(dialog)
    dialog.add_paths([tmp_path])
    qtbot.waitUntil(lambda: idle() and dialog.model.rowCount() > 0, timeout=20000)
    dialog.model.setData(dialog.model.index(0, 0), Qt.CheckState.Unchecked.value,
                         Qt.ItemDataRole.CheckStateRole)
    assert not (dialog.model.flags(dialog.model.index(1, 0)) & Qt.ItemFlag.ItemIsEnabled)
    dialog.apply()
    assert "nothing to apply" in dialog.summary.text()
    assert rounds.entry_for(round_, school).confirmed_on is None


def test_change_holder_dialog_ends_the_old_head_and_starts_the_new(demo_db, qtbot, tmp_path):
    round_ = rounds.start_round("2026/27")
    school, head, _ = _head_school(round_)
    dialog = ChangeHolderDialog(school.id, "headteacher")
    qtbot.addWidget(dialog)
    dialog.show()
    assert head.person.full_name in dialog.current.text()
    qtbot.keyClicks(dialog.first_name, "Rosie")
    qtbot.keyClicks(dialog.last_name, "Kershaw")
    qtbot.keyClicks(dialog.email, "not-an-email")
    dialog.on.setText("1/1/2027")
    dialog.grab().save(str(tmp_path / "leadership_change_holder.png"))
    dialog.ok_button.click()
    assert dialog.errors["email"].isVisibleTo(dialog)
    assert "not an email" in dialog.errors["email"].text()
    assert Role.get_by_id(head.id).end_date is None  # nothing changed
    dialog.email.setText("rosie.k@example.org")
    dialog.ok_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert Role.get_by_id(head.id).end_date == date(2026, 12, 31)
    assert dialog.role.person.email == "rosie.k@example.org"
    assert dialog.role.start_date == date(2027, 1, 1)


def test_change_holder_needs_a_person_and_a_date(demo_db, qtbot):
    school = School.select().first()
    dialog = ChangeHolderDialog(school.id, "itt_champion")
    qtbot.addWidget(dialog)
    dialog.existing.setChecked(True)
    dialog.on.setText("")
    dialog.save()
    assert "Choose who takes the post" in dialog.errors["person"].text()
    assert "First day in post is required" in dialog.errors["on"].text()


def test_timeline_draws_a_bar_per_spell_with_the_holder_on_hover(qtbot, tmp_path):
    widget = LeadershipTimeline()
    qtbot.addWidget(widget)
    entries = [
        TimelineEntry(1, "headteacher", "Headteacher", 1, "Ann Ashworth", "ann@example.org",
                      None, date(2015, 9, 1), date(2019, 1, 6)),
        TimelineEntry(2, "headteacher", "Headteacher", 2, "Ben Bramley", None, "Acting Head",
                      date(2019, 1, 7), None),
        TimelineEntry(3, "deputy_head", "Deputy head", 3, "Cat Calder", None, None,
                      date(2018, 9, 1), None),
        TimelineEntry(4, "deputy_head", "Deputy head", 4, "Dan Denholme", None, None,
                      date(2020, 9, 1), None),
    ]
    widget.set_entries(entries)
    widget.resize(700, widget.sizeHint().height())
    widget.show()
    image = widget.grab()
    image.save(str(tmp_path / "leadership_timeline.png"))
    assert len(widget._lanes) == 3  # two deputies overlap: a lane each; heads share one
    rect, entry = widget._bars[1]
    assert entry.person == "Ben Bramley"
    assert widget.entry_at(QPointF(rect.center())) is entry
    assert widget.entry_at(QPointF(2, 2)) is None
    assert "Headteacher: Ann Ashworth 01/09/2015 - 06/01/2019" in widget.summary()
    widget.set_entries([])
    assert widget.summary() == "No leadership on record"


def test_the_main_window_has_a_yearly_confirmation_page(qtbot, demo_db, tmp_path):
    from ui.main_window import MainWindow

    rounds.start_round("2026/27")
    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    window.resize(1280, 760)
    window.show()
    page = window.show_page("confirmation")
    assert isinstance(page, ConfirmationPage)
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0)
    window.grab().save(str(tmp_path / "leadership_in_window.png"))


def test_export_outstanding_from_the_page(page, qtbot, tmp_path):
    rounds.start_round("2026/27")
    page.refresh()
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0)
    page.export_to(tmp_path / "chase.xlsx")
    qtbot.waitUntil(lambda: idle() and page.last_export is not None)
    ws = load_workbook(page.last_export).active
    assert ws["A4"].value == "URN"


def test_tools_menu_changes_the_holder_for_the_school_chosen_on_the_page(qtbot, demo_db,
                                                                      monkeypatch):
    from ui.dialogs import change_holder
    from ui.main_window import MainWindow

    round_ = rounds.start_round("2026/27")
    school, _head, _ = _head_school(round_)
    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    page = window.show_page("confirmation")
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0)
    page.select_school(school.id)
    opened = []
    monkeypatch.setattr(change_holder, "open_change_holder",
                        lambda mw, school_id, kind="headteacher": opened.append(school_id) or True)
    assert change_holder.change_holder_action(window)
    assert opened == [school.id]


def test_change_holder_shows_every_problem_at_once_beside_its_field(demo_db, qtbot):
    school = School.select().first()
    before = Person.select().count()
    dialog = ChangeHolderDialog(school.id, "itt_champion")
    qtbot.addWidget(dialog)
    dialog.first_name.setText("Rosie")
    dialog.email.setText("nope")
    dialog.on.setText("31/02/2027")
    dialog.save()
    assert "not a real date" in dialog.errors["on"].text()
    assert dialog.errors["last_name"].text() == "Last name is required"
    assert "not an email" in dialog.errors["email"].text()
    assert Person.select().count() == before


def test_schools_that_joined_later_are_added_to_the_round(page, qtbot):
    from ittdesk.services.schools import schools

    rounds.start_round("2026/27")
    school = schools.create({"urn": 999001, "name": "Newly Joined Primary",
                             "partnership_status": "partner"})
    page.refresh()
    qtbot.waitUntil(lambda: idle() and page.model.rowCount() > 0)
    rows = page.model.rowCount()

    def state() -> str:
        return next(r.state for r in page.status.rows if r.school_id == school.id)

    assert state() == "not added"  # it confirms this year: shown before it is added
    messages = []
    page.status_message.connect(messages.append)
    page.add_button.click()
    qtbot.waitUntil(lambda: idle() and state() == "not sent")
    assert page.model.rowCount() == rows
    assert messages[0] == "Added 1 school(s) to the round"
    assert page.add_schools() == 0


def test_start_round_pressed_again_while_the_round_is_written_starts_it_once(qtbot, db,
                                                                            monkeypatch):
    """The round is written on a worker while the dialog stays responsive: a second press of
    Start round (a double click) waits for the first instead of writing the round again and
    showing "already been started" over the round it just started."""
    import threading

    from ui.dialogs import start_round as start_round_module

    School.create(urn=100001, name="Ashby Moor Primary", partnership_status="partner")
    inside, proceed = threading.Event(), threading.Event()
    calls = []
    real = start_round_module.start_round

    def held(*args):
        inside.set()
        proceed.wait(10)  # the first write still under way when Start round is pressed again
        written = real(*args)
        calls.append(args)  # a write that completed (a try refused as busy is retried)
        return written

    monkeypatch.setattr(start_round_module, "start_round", held)
    dialog = StartRoundDialog()
    qtbot.addWidget(dialog)
    dialog.year.setCurrentText("2026/27")
    dialog.return_by.setText("16/10/2026")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)

    def press_again():
        qtbot.waitUntil(inside.is_set, timeout=10000)
        ok.click()  # ignored (disabled) while the round is being written
        proceed.set()

    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, press_again)
    ok.click()
    qtbot.waitUntil(tasks_idle, timeout=10000)
    assert len(calls) == 1
    assert dialog.round is not None and dialog.error.isHidden()
    assert ConfirmationRound.select().count() == 1
