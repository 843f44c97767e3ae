"""Tools > Provider settings… and the first-run greeting, driven like a user (issue 15)."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ittdesk import settings
from ui.dialogs.provider_settings import ProviderSettingsDialog

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings
main_window = gui.main_window


def test_each_problem_is_shown_beside_its_field_and_nothing_is_saved_until_all_are_right(
        qtbot, main_window, tmp_path):
    dialog = ProviderSettingsDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "Moorside SCITT")
    qtbot.keyClicks(dialog.ukprn, "1234")
    qtbot.keyClicks(dialog.address, "1 School Lane")
    qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.address, "Moorside")
    assert not dialog.save()
    assert dialog.errors["provider_ukprn"].isVisibleTo(dialog)
    assert "8 digits" in dialog.errors["provider_ukprn"].text()
    assert not dialog.errors["provider_name"].isVisibleTo(dialog)
    assert not settings.is_set("provider_name") and dialog.isVisible()

    text = tmp_path / "logo.png"
    text.write_text("not a picture")
    assert not dialog.load_logo(text)
    assert "PNG or JPEG" in dialog.errors["provider_logo"].text()
    logo = tmp_path / "real.png"
    Image.new("RGB", (200, 60), (10, 80, 160)).save(logo)
    assert dialog.load_logo(logo)
    assert not dialog.logo_preview.pixmap().isNull()

    dialog.ukprn.clear()
    qtbot.keyClicks(dialog.ukprn, "10012345")
    qtbot.keyClick(dialog.ukprn, Qt.Key.Key_Return)  # Save is the default button
    assert not dialog.isVisible() and dialog.saved
    provider = settings.provider()
    assert (provider.name, provider.ukprn, provider.address_lines) == (
        "Moorside SCITT", "10012345", ["1 School Lane", "Moorside"])
    assert settings.logo_bytes(provider.logo) == logo.read_bytes()


def test_the_name_cannot_be_saved_empty(qtbot, main_window):
    dialog = ProviderSettingsDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.save()
    assert "Type the provider's name" in dialog.errors["provider_name"].text()


def test_escape_with_unsaved_changes_asks_and_save_keeps_them(qtbot, main_window, monkeypatch):
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Save

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    dialog = ProviderSettingsDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "Fernbank Teaching School Hub")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Escape)
    assert len(asked) == 1 and not dialog.isVisible()
    assert settings.provider().name == "Fernbank Teaching School Hub"


def test_first_run_greeting_asks_for_the_provider_name(qtbot, main_window):
    home = main_window.current_page()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.welcome, timeout=10000)
    welcome = home.welcome
    assert "type it here first" in welcome.provider_note.text()
    qtbot.keyClicks(welcome.provider_name, "Moorside Teaching School Hub SCITT")
    qtbot.keyClick(welcome.provider_name, Qt.Key.Key_Return)
    assert settings.provider().name == "Moorside Teaching School Hub SCITT"
    assert "will come from Moorside Teaching School Hub SCITT" in welcome.provider_note.text()


def test_save_pressed_again_or_escape_while_saving_saves_once(qtbot, main_window, monkeypatch):
    """The settings are written on a worker while the dialog stays responsive: Save pressed
    again, or Esc (which offers to save what is not saved yet), while the first save is
    written, does not write the settings a second time."""
    import threading

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialogButtonBox

    from ittdesk.models import AuditEntry
    from ui.dialogs import provider_settings

    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *args, **kwargs: QMessageBox.StandardButton.Save))
    inside, proceed = threading.Event(), threading.Event()
    calls = []
    real = provider_settings._store

    def held(changed):
        inside.set()
        proceed.wait(10)  # the first save still under way when Save and Esc are pressed
        stored = real(changed)
        calls.append(dict(changed))  # a write that completed (a try refused as busy is retried)
        return stored

    monkeypatch.setattr(provider_settings, "_store", held)
    dialog = ProviderSettingsDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "Moorside SCITT")
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)

    def press_again():
        qtbot.waitUntil(inside.is_set, timeout=10000)
        save.click()
        dialog.reject()  # Esc
        proceed.set()

    QTimer.singleShot(0, press_again)
    save.click()
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    assert calls == [{"provider_name": "Moorside SCITT"}]
    assert settings.provider().name == "Moorside SCITT" and dialog.saved
    assert AuditEntry.select().where(AuditEntry.entity == "setting").count() == 1


def test_the_greetings_name_pressed_again_while_saving_is_saved_once(qtbot, main_window,
                                                                     monkeypatch):
    """Home's Save name writes on a worker while the window stays responsive: Return pressed
    again meanwhile does not write (and audit) the name a second time."""
    import threading

    from PySide6.QtCore import QTimer

    from ittdesk.models import AuditEntry

    home = main_window.current_page()
    qtbot.waitUntil(lambda: home.stack.currentWidget() is home.welcome, timeout=10000)
    welcome = home.welcome
    inside, proceed = threading.Event(), threading.Event()
    calls = []
    real = settings.set

    def held(key, value):
        inside.set()
        proceed.wait(10)  # the first save still under way when Return is pressed again
        stored = real(key, value)
        calls.append((key, value))  # a write that completed (a try refused as busy is retried)
        return stored

    monkeypatch.setattr(settings, "set", held)
    qtbot.keyClicks(welcome.provider_name, "Moorside SCITT")

    def press_again():
        qtbot.waitUntil(inside.is_set, timeout=10000)
        qtbot.keyClick(welcome.provider_name, Qt.Key.Key_Return)
        proceed.set()

    QTimer.singleShot(0, press_again)
    qtbot.keyClick(welcome.provider_name, Qt.Key.Key_Return)
    qtbot.waitUntil(gui.tasks_idle, timeout=10000)
    assert calls == [("provider_name", "Moorside SCITT")]
    assert AuditEntry.select().where(AuditEntry.entity == "setting").count() == 1
