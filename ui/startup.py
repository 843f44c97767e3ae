"""The main window's start-up: a light first frame, then the rest while the app is idle.

- The first frame is drawn before the page shown is built when its ``PageSpec.loading`` is set
  (Home): a label with the text the page itself shows while it loads stands in for it, so the
  window looks the same. Right after that first paint (``finish``) the database is opened if
  ``ui.app.start_window`` left that until then (``opener``), the page is built in its place
  and asks for its data, and the status bar counts are asked for.
- Then, once the page shown has what it first shows (Home's cards: ``is_loading``), one step
  per idle moment, the pages' modules are imported and the pages marked
  ``PageSpec.prepare`` (the big lists) built and given ``prepare()`` (they load their ids and
  first screen of rows), so opening one shows its rows at once.
- From ``show`` until the last step, ``ui.tasks.running_tasks()`` counts this as one running
  task: "nothing running" still means the app has nothing left to do (tests, the bench).

Anything that needs the page shown calls ``finish()`` first (``MainWindow.current_page``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel

from . import tasks, views
from .views import PageSpec

#: The longest the warm-up waits for the page shown to be filled before it starts anyway.
PAGE_FIRST_MS = 3000


class StartUp(QObject):
    def __init__(self, window, opener: Callable[[Any], bool] | None = None):
        super().__init__(window)
        self.window = window
        self.started = False
        # ``opener(window)``, given by ui.app.start_window when the database is opened only
        # after the first paint: called first thing in finish(); False when it failed.
        self.opener: Callable[[Any], bool] | None = opener
        self.stand_in: QLabel | None = None
        self.steps: list[PageSpec] = []
        self.waited_ms = 0  # for the page shown to read what it first shows (see _next)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._next)
        self.token = token = object()
        # Work asked for once the first page is filled (``after_first_page``), and its wait.
        self.pending: list[Callable[[], None]] = []
        self.pending_waited_ms = 0
        self.pending_timer = QTimer(self)
        self.pending_timer.setSingleShot(True)
        self.pending_timer.timeout.connect(self._run_pending)
        self.pending_token = pending = object()
        window.destroyed.connect(lambda *_: tasks.release(token))
        window.destroyed.connect(lambda *_: tasks.release(pending))

    # -- the first frame ---------------------------------------------------------------------
    def wants_stand_in(self, spec: PageSpec) -> bool:
        """Before the first paint: Home (its loading text), and any page while the database
        is not open yet (a blank frame: no page can be built without it)."""
        return (not self.started and spec.key not in self.window._pages
                and (bool(spec.loading) or self.opener is not None))

    def show_stand_in(self, text: str) -> None:
        """What the page shows while it loads, in its place until the first paint is done."""
        if self.stand_in is None:
            self.stand_in = QLabel()
            self.stand_in.setObjectName("page_loading")
            self.stand_in.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stand_in.setProperty("role", "muted")
            self.window.stack.addWidget(self.stand_in)
        self.stand_in.setText(text)
        self.window.stack.setCurrentWidget(self.stand_in)

    def shown(self) -> None:
        """The window's showEvent: busy from now until the last warm-up step."""
        if not self.started:
            tasks.hold(self.token)
            # Normally the first paint calls finish(); this covers a window never painted.
            QTimer.singleShot(250, self.finish)
        elif self.steps and not self.timer.isActive():  # shown again (after a problem dialog)
            tasks.hold(self.token)
            self.timer.start(100)

    def painted(self) -> None:
        if not self.started:
            QTimer.singleShot(0, self.finish)

    def finish(self) -> None:
        """After the first frame: the page built in place of its stand-in, the status bar's
        counts, then the warm-up."""
        if self.started:
            return
        self.started = True
        window = self.window
        opener, self.opener = self.opener, None
        if opener is not None and not opener(window):
            self._drop_stand_in()  # the problem dialog took over (another database, or quit)
            return
        if self.stand_in is not None:
            row = window.nav.currentRow()
            if 0 <= row < len(views.PAGES) and views.PAGES[row].key not in window._pages:
                window._nav_changed(row)
            self._drop_stand_in()
        window.update_counts()
        window.presence_status.start()
        window.remote_changes.start()
        self.warm_up()

    def after_first_page(self, work: Callable[[], None]) -> None:
        """``work()`` once the page shown has what it first shows (Home's cards), at most
        ``PAGE_FIRST_MS`` after it is asked for: what the start-up does beside it (the
        database's full integrity check: ``ui.app.check_in_background``) then leaves the cores
        to Home's reads. Counted as a running task meanwhile."""
        self.pending.append(work)
        tasks.hold(self.pending_token)
        if not self.pending_timer.isActive():
            self.pending_waited_ms = 0
            self.pending_timer.start(30)  # the page is built (and asks for its data) meanwhile

    def _run_pending(self) -> None:
        if self.pending_waited_ms < PAGE_FIRST_MS and (not self.started or self._page_loading()):
            self.pending_waited_ms += 30
            self.pending_timer.start(30)
            return
        pending, self.pending = self.pending, []
        try:
            for work in pending:
                work()
        finally:
            tasks.release(self.pending_token)

    def _drop_stand_in(self) -> None:
        if self.stand_in is not None:
            stand_in, self.stand_in = self.stand_in, None
            self.window.stack.removeWidget(stand_in)
            stand_in.deleteLater()

    # -- while idle --------------------------------------------------------------------------
    def warm_up(self) -> None:
        """(Again, after another database is opened.)"""
        self.steps = [spec for spec in views.PAGES if spec.warm_up]
        self.waited_ms = 0
        if self.steps and self.window.isVisible():
            tasks.hold(self.token)
            self.timer.start(100)  # then 30 ms between steps
        else:
            tasks.release(self.token)  # hidden: shown() starts it

    def _page_loading(self) -> bool:
        """The page shown says it is still reading what it first shows (``is_loading``)."""
        is_loading = getattr(self.window.stack.currentWidget(), "is_loading", None)
        return bool(callable(is_loading) and is_loading())

    def stop(self) -> None:
        self.steps = []
        self.timer.stop()
        tasks.release(self.token)

    def _next(self) -> None:
        """One step: import the next page's module, or build and prepare the next list; none
        while the page shown is still reading what it first shows (Home's cards), for at most
        ``PAGE_FIRST_MS``: the machine's cores and Python's lock are the page's meanwhile."""
        if not self.window.isVisible():  # hidden (a problem dialog instead): on hold
            tasks.release(self.token)
            return
        if self.waited_ms < PAGE_FIRST_MS and self._page_loading():
            self.waited_ms += 30
            self.timer.start(30)
            return
        while self.steps:
            spec = self.steps.pop(0)
            if spec.prepare:
                try:
                    page = self.window.page(spec.key)
                    prepare = getattr(page, "prepare", None)
                    if callable(prepare):
                        prepare()
                except Exception:  # noqa: BLE001 - opening the page shows the problem
                    pass
                break
            name = spec.target.partition(":")[0]
            if name in sys.modules:
                continue
            try:
                import_module(name)
            except Exception:  # noqa: BLE001 - page() reports it when the page is opened
                pass
            break
        if self.steps:
            self.timer.start(30)
        else:
            tasks.release(self.token)
