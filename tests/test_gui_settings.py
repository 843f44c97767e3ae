"""Per-user settings: every option declared once with its default, kept across restarts."""

from __future__ import annotations

import gui_helpers as gui
import pytest

from ui import settings as ui_settings

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings


def test_an_unset_option_gives_its_declared_default():
    assert ui_settings.get("last_page") == "home"
    assert ui_settings.get("search_delay_ms") == 100
    assert ui_settings.get("list_state/schools") == {}


def test_values_survive_a_new_settings_object_as_after_a_restart(qt_settings):
    ui_settings.set("last_page", "people")
    ui_settings.set("list_state/schools", {"sort": "urn", "descending": True})
    ui_settings.use_file(qt_settings)  # a fresh QSettings reads the file again
    assert ui_settings.get("last_page") == "people"
    assert ui_settings.get("list_state/schools") == {"sort": "urn", "descending": True}
    assert "people" in qt_settings.read_text()


def test_an_undeclared_option_is_a_programming_error():
    with pytest.raises(KeyError, match="declare it"):
        ui_settings.get("colour_of_the_sky")
    with pytest.raises(KeyError):
        ui_settings.set("list_state", 1)


def test_recent_databases_are_newest_first_without_repeats_and_limited():
    for n in range(10):
        ui_settings.add_recent_database(f"/data/db{n}.sqlite3")
    ui_settings.add_recent_database("/data/db3.sqlite3")
    recent = ui_settings.get("recent_databases")
    assert recent[0] == "/data/db3.sqlite3" and recent.count("/data/db3.sqlite3") == 1
    assert len(recent) == ui_settings.get("recent_limit")


def test_a_damaged_value_falls_back_to_the_default(qt_settings):
    store = ui_settings.qsettings()
    store.setValue("list_state/people", "{not json")
    store.sync()
    assert ui_settings.get("list_state/people") == {}
