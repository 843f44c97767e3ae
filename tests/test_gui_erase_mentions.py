"""The erase dialog lists the other records that mention the person, for review, and leaves
them as they were after the erasure."""

from __future__ import annotations

import pytest
from gui_helpers import tasks_idle
from PySide6.QtCore import Qt
from test_erasure_scope import GOVERNOR_NOTE, SCHOOL_NAME, _thomas_moore

from ittdesk.models import Person, School
from ittdesk.privacy import erasure
from ui.dialogs.person_data import open_person_erase

pytestmark = pytest.mark.gui


def test_erase_dialog_lists_the_mentions_apart_and_keeps_them_listed_after_erasing(qtbot, sqlite_db):
    school, head, _colleague, clerk = _thomas_moore()
    dialog = open_person_erase(None, head.id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: tasks_idle() and dialog.plan is not None)

    items = [dialog.mentions.item(i).text() for i in range(dialog.mentions.count())]
    assert dialog.mentions.isVisibleTo(dialog) and dialog.mentions_label.isVisibleTo(dialog)
    assert f'school #{school.id}, name: "{SCHOOL_NAME}"' in items
    assert f'person #{clerk.id}, notes: "{GOVERNOR_NOTE}"' in items
    assert erasure.MENTIONS_HEADING not in dialog.details.toPlainText()  # shown once, apart

    with qtbot.waitSignal(dialog.erased, timeout=30000):
        qtbot.mouseClick(dialog.erase_button, Qt.MouseButton.LeftButton)

    assert Person.get_by_id(head.id).erased
    assert School.get_by_id(school.id).name == SCHOOL_NAME
    assert dialog.mentions.count() == len(items) and dialog.mentions.isVisibleTo(dialog)
    assert "review them in the list above" in dialog.message.text()


def test_erase_dialog_hides_the_list_when_nothing_else_mentions_the_person(qtbot, sqlite_db):
    from ittdesk.services.people import people

    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    dialog = open_person_erase(None, person.id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: tasks_idle() and dialog.plan is not None)
    assert dialog.mentions.count() == 0
    assert not dialog.mentions.isVisibleTo(dialog) and not dialog.mentions_label.isVisibleTo(dialog)
