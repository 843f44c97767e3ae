"""Every editor has a History tab (who changed what, when), and the person editor leads to the
subject-access export and erasure."""

from __future__ import annotations

import gui_helpers as gui
import pytest

from ittdesk.services.people import people
from ittdesk.services.schools import schools

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def test_the_history_tab_shows_who_changed_the_record(qtbot, main_window):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    schools.update(school.id, {"name": "Fernbank Academy"})
    editor = main_window.open_record("school", school.id)
    index = next(i for i in range(editor.tabs.count()) if editor.tabs.tabText(i) == "Histor&y")
    assert editor.tabs.isTabEnabled(index)
    assert editor.history is None  # nothing is read until the tab is opened
    editor.tabs.setCurrentIndex(index)
    qtbot.waitUntil(lambda: editor.history is not None and not editor.history.is_loading())
    qtbot.waitUntil(lambda: editor.history.model.rowCount() == 2)
    actions = {editor.history.model.entry(r).action for r in range(2)}
    assert actions == {"create", "update"}


def test_a_new_record_has_no_history_until_saved(qtbot, main_window):
    editor = main_window.open_record("school", None)
    index = next(i for i in range(editor.tabs.count()) if editor.tabs.tabText(i) == "Histor&y")
    assert not editor.tabs.isTabEnabled(index)


def test_the_person_editor_offers_subject_access_export_and_erasure(qtbot, main_window, monkeypatch):
    person = people.create({"first_name": "Siân", "last_name": "O'Brien", "email": "sian@example.org"})
    opened = []
    import ui.dialogs.person_data as person_data

    monkeypatch.setattr(person_data, "open_person_export", lambda parent, pid: opened.append(("export", pid)))
    monkeypatch.setattr(person_data, "open_person_erase", lambda parent, pid: opened.append(("erase", pid)))
    editor = main_window.open_record("person", person.id)
    # Beside Save, whichever tab is showing (not hidden on the Development record tab).
    button = editor.personal_data_button
    assert button in editor.buttons.buttons() and button.isEnabled() and button.isVisible()
    export, erase = button.menu().actions()
    export.trigger()
    erase.trigger()
    assert opened == [("export", person.id), ("erase", person.id)]
    new_editor = main_window.open_record("person", None)
    assert not new_editor.personal_data_button.isEnabled()  # nobody's data yet
