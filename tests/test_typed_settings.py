"""Every setting is one typed declaration (issue 16): provider settings in the database and each
user's own in QSettings read back as their declared type, and a value of another type (a
hand-edited row or INI file, another version's value) reads as the default."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from PySide6.QtCore import QByteArray

from ittdesk import settings
from ittdesk.models import Setting
from ittdesk.outreach.letters import build_default
from ui import settings as ui_settings


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (31, 58, 95)).save(buffer, "PNG")
    return buffer.getvalue()


def _samples(tmp_path) -> dict[str, object]:
    """A valid value, not the default, for every provider setting."""
    letter = tmp_path / "letter.docx"
    build_default("agreement").save(letter)
    values: dict[str, object] = {
        "provider_name": "Moorside SCITT",
        "provider_address": "1 School Lane\nMoorside",
        "provider_logo": _png(),
        "provider_ukprn": "10012345",
        "provider_signatory": "Dr Alex Example, Director",
        "provider_email": "office@moorside.example.org",
        "email_form_subject": "Form for {school}",
        "email_form_body": "Dear {contact}, the form for {school}.",
        "email_chase_subject": "Reminder for {school}",
        "email_chase_body": "Dear {contact}, a reminder for {school}.",
        "smtp_host": "smtp.moorside.example.org",
        "smtp_port": "465",  # typed in a box or on the command line: text that is a number
        "smtp_user": "office",
        "smtp_security": "ssl",
    }
    for key, option in settings.OPTIONS.items():
        if key.startswith("letter_"):
            values[key] = str(letter)
        elif option.type is int and key not in values:
            values[key] = option.default + 3
    return values


def test_each_provider_setting_round_trips_with_its_declared_type(db, tmp_path):
    samples = _samples(tmp_path)
    assert set(samples) == set(settings.OPTIONS)  # a new setting needs a sample here
    for key, value in samples.items():
        settings.set(key, value)
    stored = settings.all_settings()
    for key, option in settings.OPTIONS.items():
        value = option.get()
        assert type(value) is option.type, key
        assert value != option.default, key
        assert value == stored[key] == settings.get(key) == settings.clean(key, samples[key])
    assert settings.SMTP_PORT.get() == 465
    assert settings.provider().ukprn == "10012345"


def test_a_provider_setting_of_another_type_reads_as_its_default(db):
    for key, option in settings.OPTIONS.items():
        wrong = json.dumps("twelve") if option.type is int else json.dumps(12)
        Setting.create(key=key, value=wrong)
    Setting.update(value="true").where(Setting.key == "backup_keep").execute()
    Setting.update(value="{not json").where(Setting.key == "provider_name").execute()
    stored = settings.all_settings()
    for key, option in settings.OPTIONS.items():
        assert option.get() == option.default == stored[key], key
    assert settings.BACKUP_KEEP.get() == 14
    assert settings.provider().name == ""
    assert settings.provider().display_name == settings.UNNAMED_PROVIDER


def test_an_unknown_provider_setting_is_a_programming_error(db):
    with pytest.raises(KeyError, match="Unknown setting"):
        settings.get("colour_of_the_sky")
    with pytest.raises(KeyError, match="Unknown setting"):
        settings.option("colour_of_the_sky")


_USER_SAMPLES: dict[str, object] = {
    "window/geometry": QByteArray(b"\x01\xd9\xd0\xcb geometry"),
    "window/state": QByteArray(b"\x00\x00\x00\xff state"),
    "last_page": "people",
    "recent_databases": ["/data/one.sqlite3", "postgresql://office@db.example.org/itt"],
    "recent_limit": 5,
    "export_folder": "/home/office/Exports",
    "search_delay_ms": 250,
    "list_state/": {"sort": "urn", "descending": True, "splitter": [300, 500]},
    "dialog_geometry/": QByteArray(b"\x01\xd9\xd0\xcb dialog"),
}


def test_each_user_setting_round_trips_with_its_declared_type(qt_settings):
    assert set(_USER_SAMPLES) == set(ui_settings.OPTIONS)  # a new option needs a sample here
    for key, value in _USER_SAMPLES.items():
        option = ui_settings.OPTIONS[key]
        option.set(value, "Schools" if option.is_prefix else "")
    ui_settings.use_file(qt_settings)  # a fresh QSettings reads the file again
    for key, value in _USER_SAMPLES.items():
        option = ui_settings.OPTIONS[key]
        got = option.get("Schools" if option.is_prefix else "")
        assert type(got) is type(value), key
        assert got == value, key
    assert ui_settings.SEARCH_DELAY_MS.get() == 250
    assert ui_settings.get("list_state/Schools")["sort"] == "urn"


@pytest.mark.parametrize("key,stored", [
    ("recent_limit", "eight"),
    ("recent_limit", "8.5"),
    ("search_delay_ms", ""),
    ("last_page", 7),
    ("recent_databases", '{"a": 1}'),
    ("recent_databases", "[1, 2]"),
    ("recent_databases", "not json"),
    ("window/geometry", "a string, not bytes"),
    ("list_state/Schools", "[1, 2]"),
    ("dialog_geometry/Editor", 12),
])
def test_a_user_setting_of_another_type_reads_as_its_default(qt_settings, key, stored):
    store = ui_settings.qsettings()
    store.setValue(key, stored)
    store.sync()
    option, name = ui_settings._option(key)
    assert option.get(name) == option.default
    assert type(option.get(name)) is type(option.default)


def test_a_prefix_option_needs_a_name_and_a_plain_one_takes_none(qt_settings):
    with pytest.raises(KeyError):
        ui_settings.LIST_STATE.get()
    with pytest.raises(KeyError):
        ui_settings.LAST_PAGE.get("schools")


def test_a_default_handed_out_is_a_copy_the_caller_may_change(qt_settings, tmp_path):
    ui_settings.RECENT_DATABASES.get().append(str(tmp_path / "changed.sqlite3"))
    ui_settings.LIST_STATE.get("Schools")["sort"] = "name"
    assert ui_settings.RECENT_DATABASES.get() == []
    assert ui_settings.LIST_STATE.get("Schools") == {}
