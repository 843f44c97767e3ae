"""Issue 17 where people look: a cohort's trainees with their placement check (status, days,
reasons) on the cohort editor's tab, filtered by status; the trainee's own enrolment says theirs."""

from __future__ import annotations

import gui_helpers as gui
import pytest

from ittdesk.models import Cohort, Programme
from ittdesk.placements.check import STATUS_WORDS, check_trainees
from ui.views.placement_check import TraineeCheckModel

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
demo_window = gui.demo_window


def _this_years_itt_cohort() -> Cohort:
    best = None
    for cohort in Cohort.select().join(Programme).where(Programme.kind == "itt"):
        if best is None or cohort.academic_year > best.academic_year:
            best = cohort
    assert best is not None
    return best


def test_the_cohort_editor_lists_each_trainees_check_and_filters_by_status(qtbot, demo_window):
    cohort = _this_years_itt_cohort()
    expected = check_trainees(cohort_id=cohort.id)
    editor = demo_window.open_record("cohort", cohort.id)
    editor.tabs.setCurrentWidget(editor._check_page)
    panel = editor.placement_check
    qtbot.waitUntil(lambda: panel.loaded, timeout=10000)
    model = panel.model
    assert model.rowCount() == len(expected) > 0
    first = expected[0]
    assert model.data(model.index(0, TraineeCheckModel.COL_NAME)) == first.name
    assert model.data(model.index(0, TraineeCheckModel.COL_STATUS)) == STATUS_WORDS[first.status]
    assert model.data(model.index(0, TraineeCheckModel.COL_REASONS)) == "; ".join(first.reasons)
    at_risk = [c for c in expected if c.status == "at_risk"]
    panel.status_box.setCurrentIndex(panel.status_box.findData("at_risk"))
    assert model.rowCount() == len(at_risk)
    assert {model.data(model.index(r, TraineeCheckModel.COL_STATUS)) for r in range(model.rowCount())} <= {"At risk"}
    assert "at risk" in panel.summary.text()
    editor.close()


def test_the_enrolment_shows_its_own_check(qtbot, demo_window):
    cohort = _this_years_itt_cohort()
    one = check_trainees(cohort_id=cohort.id)[0]
    editor = demo_window.open_record("enrolment", one.enrolment_id)
    qtbot.waitUntil(lambda: STATUS_WORDS[one.status] in editor.check.toPlainText(), timeout=10000)
    text = editor.check.toPlainText()
    assert f"{one.days_required}" in text
    for reason in one.reasons:
        assert reason in text
    editor.close()


def test_the_persons_own_record_shows_their_placement_check_in_words(qtbot, demo_window):
    """The person editor and the People page's summary say it beside the programme, not
    only the enrolment: where the trainee's record is looked at."""
    from ittdesk.queries.summaries import person_summary
    from ui.views.detail import person_html

    risky = next(c for c in check_trainees() if c.status == "at_risk" and c.reasons)
    expected = f"Placement check:  {STATUS_WORDS[risky.status]}  {risky.reason_text}"
    editor = demo_window.open_record("person", risky.person_id)
    qtbot.waitUntil(lambda: "Placement check" in editor.record.toPlainText(), timeout=10000)
    assert expected in " ".join(editor.record.toPlainText().split("\n"))
    editor.close()
    summary = person_summary(risky.person_id)
    assert [e.extra["check"].status for e in summary["enrolments"]
            if e.id == risky.enrolment_id] == ["at_risk"]
    assert f"{STATUS_WORDS[risky.status]}&nbsp;</span> {risky.reason_text}" in person_html(summary)


def test_a_placement_shows_its_mentors_and_takes_another(qtbot, demo_window):
    from ittdesk.models import Person, Placement
    from ittdesk.services.programmes import placements

    placement = Placement.select().where(Placement.mentor.is_null(False)).order_by(Placement.id).first()
    lead = Person.get_by_id(placement.mentor_id)
    other = Person.select().where(Person.id != lead.id).order_by(Person.id).first()
    placements.set_mentors(placement.id, [lead.id])  # only the lead to begin with
    editor = demo_window.open_record("placement", placement.id)
    assert f"{lead.full_name} (lead)" in editor.related.toPlainText()
    editor._set_mentors([*editor.mentor_ids, other.id])
    qtbot.waitUntil(lambda: other.full_name in editor.related.toPlainText(), timeout=10000)
    assert placements.mentors(placement.id) == [lead.id, other.id]
    editor.close()


main_window = gui.main_window


def test_rules_and_term_dates_are_seen_imported_and_changed_from_tools(qtbot, main_window, tmp_path):
    from ui.dialogs.placement_rules import open_placement_rules

    dialog = open_placement_rules(main_window)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10000)
    assert dialog.rules.rowCount() == 14
    assert dialog.rules.data(dialog.rules.index(0, 1)) == "120"
    path = tmp_path / "terms.csv"
    start = dialog.year.start_year
    path.write_text("Academic year,LA code,Term,First day,Last day\n"
                    f"{dialog.year},,Autumn 1,03/09/{start},23/10/{start}\n"
                    f"{dialog.year},886,Autumn 1,03/09/{start},16/10/{start}\n", encoding="utf-8")
    dialog.import_file(path)
    qtbot.waitUntil(lambda: dialog.terms.rowCount() == 2, timeout=10000)
    assert dialog.terms.data(dialog.terms.index(0, 0)) == "every LA"
    editor = main_window.open_record("placement_rule", dialog.rules.rows[0].id, parent=dialog)
    line = editor.widgets["min_days"]
    line.clear()
    qtbot.keyClicks(line, "110")
    assert editor.save()
    qtbot.waitUntil(lambda: dialog.rules.data(dialog.rules.index(0, 1)) == "110", timeout=10000)
    dialog.close()



def test_an_at_risk_trainees_placement_is_added_from_their_check_and_the_check_moves(
        qtbot, demo_window):
    """Editors are window-modal: the way to mend what the check says is missing is on the
    enrolment itself (Add placement…), and its check reads again once the placement is saved."""
    from datetime import date

    from PySide6.QtWidgets import QPushButton

    from ittdesk.models import Placement, School
    from ittdesk.placements.check import check_enrolment, number

    cohort = _this_years_itt_cohort()
    risky = next(c for c in check_trainees(cohort_id=cohort.id)
                 if c.status == "at_risk" and c.days_required and c.days_planned)
    editor = demo_window.open_record("enrolment", risky.enrolment_id)
    qtbot.waitUntil(lambda: "At risk" in editor.check.toPlainText(), timeout=10000)
    button = editor.check.parentWidget().findChild(QPushButton, "button_add_placement")
    assert button is not None and button.isEnabled()
    button.click()
    new = demo_window._editors[-1]
    assert new is not editor and new.windowTitle() == "New placement"
    assert new.get_widget_value("enrolment") == risky.enrolment_id
    used = [p.school_id for p in Placement.select().where(Placement.enrolment == risky.enrolment_id)]
    school = School.select().where(School.id.not_in(used)).order_by(School.id).first()
    start_year = cohort.academic_year.start.year
    new.set_widget_value("school", school.id)
    new.set_widget_value("start_date", date(start_year + 1, 1, 11))
    new.set_widget_value("end_date", date(start_year + 1, 3, 26))
    assert new.save()
    after = check_enrolment(risky.enrolment_id)
    assert after.days_planned > risky.days_planned
    qtbot.waitUntil(lambda: f"({number(after.days_planned)} planned)" in editor.check.toPlainText(),
                    timeout=10000)
    editor.close()


def test_a_new_record_shows_its_declared_defaults_and_what_it_was_opened_with(qtbot, demo_window):
    """The form shows what create will store (a blank Kind would still save as "Main")."""
    from ittdesk.services.programmes import placements

    new = demo_window.open_record("placement", None)
    assert new.get_widget_value("kind") == placements.field("kind").default == "main"
    assert new.get_widget_value("status") == placements.field("status").default == "proposed"
    assert not new.is_dirty()
    new.close()
    contrasting = demo_window.open_record("placement", None, kind="second")
    assert contrasting.get_widget_value("kind") == "second"
    contrasting.close()


def test_the_reasons_keep_room_to_be_read_in_a_narrow_window(qtbot, demo_window):
    """At 1.5x scale the cohort editor is some 860 points wide: the route's long name wraps in
    its own column, so the reasons are not squeezed to a word per line."""
    from ui.views.placement_check import PlacementCheckPanel

    cohort = _this_years_itt_cohort()
    panel = PlacementCheckPanel(demo_window, cohort_id=cohort.id)
    qtbot.addWidget(panel)
    panel.resize(860, 600)
    panel.show()
    panel.load()
    qtbot.waitUntil(lambda: panel.loaded, timeout=10000)
    table = panel.table
    chars = table.fontMetrics().averageCharWidth()
    assert table.columnWidth(TraineeCheckModel.COL_REASONS) >= 25 * chars
    tallest = max(table.rowHeight(r) for r in range(panel.model.rowCount()))
    assert tallest <= 6 * table.fontMetrics().lineSpacing()
    panel.close()
