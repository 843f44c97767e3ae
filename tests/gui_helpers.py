"""Helpers for GUI tests (pytest-qt): isolated settings, a main window, waiting for lists.

A GUI test module binds the fixtures it uses at module level (``import gui_helpers as gui``
then ``main_window = gui.main_window``); ``qt_settings`` is autouse, bound in conftest.py. It
lives with the tests, not in ``ui/``, because it imports pytest, which the app never does.
"""

from __future__ import annotations

import pytest

from ui import settings as ui_settings
from ui import tasks

#: message boxes shown during a test that did not answer them itself: (kind, text)
unanswered: list[tuple[str, str]] = []


def _unattended(kind: str):
    """A message box that never blocks a test: it records itself and answers safely."""
    from PySide6.QtWidgets import QMessageBox

    def answer(parent, title, text, buttons=None, default=None, *args, **kwargs):
        unanswered.append((kind, text))
        B = QMessageBox.StandardButton
        for choice in (B.Discard, B.No, B.Cancel, B.Ok):
            if buttons is not None and buttons & choice:
                return choice
        return B.Ok

    return staticmethod(answer)


def _unattended_conflict(dialog) -> int:
    """A conflict dialog no test answers: listed in ``unanswered`` and cancelled, never a hang
    (a test that answers it calls ``answer_conflicts_for_real``)."""
    from PySide6.QtWidgets import QDialog

    unanswered.append(("conflict", ", ".join(dialog.error.fields)))
    return QDialog.DialogCode.Rejected


def answer_conflicts_for_real(monkeypatch) -> None:
    """The conflict dialog runs as the app runs it (modal), for a test that answers it."""
    from PySide6.QtWidgets import QDialog

    from ui.dialogs.conflict import ConflictDialog

    monkeypatch.setattr(ConflictDialog, "exec", QDialog.exec)


@pytest.fixture(autouse=True)
def qt_settings(tmp_path, monkeypatch):
    """Per-user settings in a temporary INI file: tests never touch the real user's.

    Message boxes a test does not answer itself (with monkeypatch) answer "Discard / No /
    Cancel" at once and are listed in ``unanswered``, so a forgotten one cannot hang the run;
    so does the conflict dialog (Cancel).
    """
    from PySide6.QtWidgets import QMessageBox

    from ui.dialogs.conflict import ConflictDialog

    unanswered.clear()
    for kind in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, _unattended(kind))
    monkeypatch.setattr(ConflictDialog, "exec", _unattended_conflict)
    ui_settings.use_file(tmp_path / "qt-settings.ini")
    # Apps a test starts as processes (tests/app_driver.py, the screen-fit probe) too: they
    # must never add the test's databases to the real user's recent list.
    monkeypatch.setenv("ITTDESK_QT_SETTINGS", str(tmp_path / "qt-settings.ini"))
    yield tmp_path / "qt-settings.ini"
    ui_settings.use_file(None)
    tasks.set_synchronous(False)


def tasks_idle() -> bool:
    """True once no background task is still to deliver (for ``qtbot.waitUntil``)."""
    return tasks.running_tasks() == 0


def make_window(qtbot, location, size: tuple[int, int] | None = (1200, 760)):
    """A shown main window; ``size=None`` keeps the size restored from the settings."""
    from ui.app import application
    from ui.main_window import MainWindow

    application()
    window = MainWindow(location)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    return window


@pytest.fixture
def main_window(qtbot, db):
    """The main window on a fresh database (SQLite and PostgreSQL)."""
    window = make_window(qtbot, db)
    yield window
    close_window(qtbot, window)


@pytest.fixture
def demo_window(qtbot, demo_db):
    """The main window on a private copy of the demo partnership."""
    window = make_window(qtbot, demo_db)
    yield window
    close_window(qtbot, window)


def close_window(qtbot, window) -> None:
    """Close like a user would (saving window state), unless pytest-qt already did."""
    from shiboken6 import Shiboken

    qtbot.waitUntil(lambda: tasks.running_tasks() == 0, timeout=10000)
    if not Shiboken.isValid(window):
        return
    for editor in list(window._editors):
        if Shiboken.isValid(editor) and editor.isVisible():
            if hasattr(editor, "collect"):
                editor._snapshot = editor.collect()
            editor.close()
    window.close()


def wait_loaded(qtbot, panel, timeout: int = 10000) -> None:
    """Wait until a list panel's query has delivered (after a load, search or filter)."""
    panel.load()
    qtbot.waitUntil(lambda: panel.model.has_loaded and not panel.model.is_loading(),
                    timeout=timeout)


def search(qtbot, panel, text: str) -> None:
    """Type into the search box like a user and wait for the debounced query."""
    panel.search.clear()
    qtbot.keyClicks(panel.search, text)
    qtbot.waitUntil(lambda: panel.model.search == text.strip() and not panel.model.is_loading(),
                    timeout=10000)


def note_threads(monkeypatch, name: str, owner, *also) -> list[bool]:
    """Wrap ``owner.name`` (and the same function where ``also`` imported it) so that each
    call notes whether it ran on the GUI (main) thread: the list the calls fill, in order."""
    import threading

    on_gui_thread: list[bool] = []
    real = getattr(owner, name)

    def noting_the_thread(*args, **kwargs):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    for module in (owner, *also):
        monkeypatch.setattr(module, name, noting_the_thread)
    return on_gui_thread


def open_agreement_editor(qtbot, agreement_id):
    """An agreement's editor, shown and exposed, closed with the test."""
    from ui.editors.agreement_editor import AgreementEditor

    editor = AgreementEditor(agreement_id)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    return editor
