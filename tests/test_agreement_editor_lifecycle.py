"""The agreement editor asks before a one-way step and can reopen a closed agreement; it chooses
people and schools with the record picker and never loads a whole table when it opens."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date

import agreement_factory as make
import gui_helpers as gui
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from test_agreement_closed import completed

from ittdesk.models import AuditEntry, Person, Role, School, SupportAgreement, database
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import reports
from ui.editors import agreement_status
from ui.editors.agreement_editor import AgreementEditor
from ui.editors.agreement_tabs import AGREEMENT_PEOPLE
from ui.widgets.record_picker import RecordPicker

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _never_ask_about_unsaved_changes(monkeypatch):
    monkeypatch.setattr(AgreementEditor, "ask_unsaved", lambda self: QMessageBox.StandardButton.Discard)


open_editor = gui.open_agreement_editor


def active_agreement(set_today) -> SupportAgreement:
    set_today(date(2025, 12, 1))  # seven months before its end date (30/06/2026)
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    lifecycle.change_status(a.id, "active")
    final = reports.model.get((reports.model.agreement == a.id) & (reports.model.kind == "final"))
    reports.update(final.id, {"submitted_on": "01/12/2025", "summary": "Early."})
    return a


def answer_next_dialog(qtbot, button_text: str, seen: list) -> None:
    """Click ``button_text`` in the next modal dialog, keeping its text and default button."""
    def click():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, click)
            return
        seen.append((dialog.text(), dialog.defaultButton().text()))
        for button in dialog.buttons():
            if button.text().replace("&", "") == button_text:
                button.click()
                return

    QTimer.singleShot(0, click)


def test_completing_early_asks_first_naming_what_happens_and_the_warnings(qtbot, sqlite_db, set_today):
    a = active_agreement(set_today)
    editor = open_editor(qtbot, a.id)
    seen = []
    answer_next_dialog(qtbot, "Cancel", seen)
    qtbot.mouseClick(editor.status_buttons["completed"], Qt.MouseButton.LeftButton)
    text, default = seen[0]
    assert "will be closed as completed" in text
    assert "Completing early: 6 months before its end date (30/06/2026)" in text
    assert "£4,000.00 of the £4,000.00 agreed is unspent" in text
    assert default == "Cancel"  # Enter alone does not close it
    assert SupportAgreement.get_by_id(a.id).status == "active"
    answer_next_dialog(qtbot, "Mark as completed", seen)
    qtbot.mouseClick(editor.status_buttons["completed"], Qt.MouseButton.LeftButton)
    assert SupportAgreement.get_by_id(a.id).status == "completed"
    assert editor.closed_banner.isVisible() and editor.reopen_button.isVisible()


def test_starting_support_early_is_named_in_the_question(sqlite_db, set_today):
    set_today(date(2025, 9, 10))
    a = make.agreement().agreement
    lifecycle.change_status(a.id, "agreed")
    title, text = agreement_status.step_question(a.id, "active")
    assert title == "Start support?"
    assert "Starting support 3 weeks before its start date (01/10/2025)" in text


def test_reopen_asks_why_and_makes_the_agreement_editable_again(qtbot, sqlite_db, monkeypatch):
    a = completed().agreement
    editor = open_editor(qtbot, a.id)
    assert editor.reopen_button.isVisible() and "Reopen" in editor.closed_banner.text()
    asked = []
    replies = [None, "Completed by mistake; visits continue"]

    def reason(parent, agreement_id):
        asked.append(agreement_status.reopen_question(agreement_id))
        return replies.pop(0)

    monkeypatch.setattr(agreement_status, "ask_reopen_reason", reason)
    qtbot.mouseClick(editor.reopen_button, Qt.MouseButton.LeftButton)  # cancelled
    assert SupportAgreement.get_by_id(a.id).status == "completed"
    qtbot.mouseClick(editor.reopen_button, Qt.MouseButton.LeftButton)
    assert asked[0].startswith(f"Reopen {a.reference} as active?")
    assert SupportAgreement.get_by_id(a.id).status == "active"
    assert not editor.closed_banner.isVisible() and not editor.reopen_button.isVisible()
    assert editor.main_fields["title"].input.isEnabled() and editor.status_buttons["completed"].isVisible()
    last = AuditEntry.select().where(AuditEntry.entity == "agreement").order_by(AuditEntry.id.desc()).first()
    assert last.note == "Reopened: Completed by mistake; visits continue"


def test_people_and_schools_are_chosen_with_the_record_picker(qtbot, sqlite_db):
    built = make.agreement()
    editor = open_editor(qtbot, built.agreement.id)
    parties = editor.panels["parties"]
    for key in ("school", "contact"):
        assert isinstance(parties.fields[key].input, RecordPicker)
    assert isinstance(editor.main_fields["qa_lead"].input, RecordPicker)
    assert isinstance(editor.panels["leaders"].fields["person"].input, RecordPicker)
    # The table and the form show names fetched for the ids in hand.
    assert parties.model.data(parties.model.index(0, 2)).startswith(built.supported.contact.full_name)
    assert parties.fields["contact"].input.label.text().startswith(built.supported.contact.full_name)


def test_a_partys_contact_is_chosen_among_the_people_at_its_school(qtbot, sqlite_db):
    from ittdesk.services.people import roles

    built = make.agreement()
    here, elsewhere = make.person("Hana", "Here"), make.person("Eli", "Elsewhere")
    roles.create({"person": here.id, "school": built.supported.school_id, "kind": "headteacher"})
    roles.create({"person": elsewhere.id, "school": built.supporting.school_id, "kind": "mentor"})
    editor = open_editor(qtbot, built.agreement.id)
    parties = editor.panels["parties"]
    parties.select_key(parties.rows()[0].key)
    filters = parties.fields["contact"].input.filters()
    assert filters == {"school": str(built.supported.school_id)}
    assert AGREEMENT_PEOPLE.ids(filters=filters) == [here.id]
    # The QA lead and system leaders are chosen among designated people.
    leaders = editor.main_fields["qa_lead"].input.filters()
    assert set(AGREEMENT_PEOPLE.ids(filters=leaders)) == {built.qa_lead.id, built.leader.id}


@contextmanager
def rows_fetched_on_this_thread():
    """Rows each query returns to the calling (GUI) thread, counted at the driver's cursor."""
    real = database.obj
    counts: list[tuple[str, int]] = []
    gui = threading.current_thread()
    original = real.execute_sql

    class Counting:
        def __init__(self, cursor, sql):
            self._cursor, self._entry = cursor, [sql, 0]
            counts.append(self._entry)

        def fetchone(self):
            row = self._cursor.fetchone()
            if row is not None and threading.current_thread() is gui:
                self._entry[1] += 1
            return row

        def fetchmany(self, *args):
            rows = self._cursor.fetchmany(*args)
            self._entry[1] += len(rows)
            return rows

        def fetchall(self):
            rows = self._cursor.fetchall()
            self._entry[1] += len(rows)
            return rows

        def __iter__(self):
            for row in self._cursor:
                self._entry[1] += 1
                yield row

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    def execute_sql(sql, params=None, *args, **kwargs):
        return Counting(original(sql, params, *args, **kwargs), sql)

    real.execute_sql = execute_sql
    try:
        yield counts
    finally:
        del real.execute_sql


def test_opening_an_agreement_among_5000_people_fetches_no_whole_table(qtbot, sqlite_db):
    built = make.agreement()
    with database.atomic():
        Person.insert_many([{"first_name": f"Person{n}", "last_name": f"Many{n % 97}",
                             "email": f"p{n}@example.org"} for n in range(5000)]).execute()
        School.insert_many([{"urn": 800000 + n, "name": f"School {n}"} for n in range(600)]).execute()
        first = Person.select(Person.id).where(Person.email == "p0@example.org").scalar()
        Role.insert_many([{"person": first + n, "school": built.supported.school_id, "kind": "mentor"}
                          for n in range(300)]).execute()
    with rows_fetched_on_this_thread() as counts:
        editor = open_editor(qtbot, built.agreement.id)
        for index in range(editor.tabs.count()):  # every tab shown, as a user looks through
            editor.tabs.setCurrentIndex(index)
            qtbot.wait(1)
    assert counts, "the hook saw no query"
    biggest = max(counts, key=lambda c: c[1])
    assert biggest[1] <= 200, biggest


def test_the_pickers_filters_select_in_sql_on_both_databases(db):
    from ittdesk.services.people import roles

    built = make.agreement()
    here, ended = make.person("Hana", "Here"), make.person("Ed", "Ended")
    roles.create({"person": here.id, "school": built.supported.school_id, "kind": "mentor"})
    roles.create({"person": ended.id, "school": built.supported.school_id, "kind": "mentor",
                  "start_date": "01/09/2015", "end_date": "31/08/2016"})
    at_school = {"school": str(built.supported.school_id)}
    assert AGREEMENT_PEOPLE.ids(filters=at_school) == [here.id]
    assert AGREEMENT_PEOPLE.count(filters=at_school) == 1
    assert AGREEMENT_PEOPLE.ids(search="hana", filters=at_school) == [here.id]
    assert set(AGREEMENT_PEOPLE.ids(filters={"designated": "yes"})) == {built.qa_lead.id, built.leader.id}
