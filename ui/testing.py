"""Helpers for GUI tests (pytest-qt): isolated settings, a main window, waiting for lists.

Import the fixtures into a test module (``from ui.testing import qt_settings, main_window``);
pytest picks them up from there. Nothing here is used by the app itself.
"""

from __future__ import annotations

import pytest

from . import settings as ui_settings
from . import tasks


@pytest.fixture(autouse=True)
def qt_settings(tmp_path):
    """Per-user settings in a temporary INI file: tests never touch the real user's."""
    ui_settings.use_file(tmp_path / "qt-settings.ini")
    yield tmp_path / "qt-settings.ini"
    ui_settings.use_file(None)
    tasks.set_synchronous(False)


def make_window(qtbot, location):
    from .app import application
    from .main_window import MainWindow

    application()
    window = MainWindow(location)
    qtbot.addWidget(window)
    window.resize(1200, 760)
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
    qtbot.waitUntil(lambda: tasks.running_tasks() == 0, timeout=10000)
    for editor in list(window._editors):
        if editor.isVisible():
            editor._snapshot = editor.collect() if hasattr(editor, "collect") else None
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
