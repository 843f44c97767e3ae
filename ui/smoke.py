"""A hook for the packaged app's smoke test (.ci/smoke-app), undocumented for users.

With ``ITTDESK_SMOKE_QUIT_AFTER_FIRST_PAGE=1`` the app starts as usual and, once the main
window has been painted and Home has its data (no background work left), checks what a frozen
build could lack without the start-up noticing: every page, menu action, editor and CLI command
named as a ``"module:function"`` string resolves, and the user guide and document templates are
on disk. Then it prints one line and quits: exit 0 when all is there, 3 naming what is missing,
4 when Home never filled (``ITTDESK_SMOKE_TIMEOUT`` seconds, default 120: the process ends
there and then, even inside a dialog). The line carries
the wall-clock times of the first paint and of Home filled, which the bench reads for the
frozen app's cold start, and (on Linux) the process's own peak memory: the bench cannot read it
from outside, since ``getrusage`` counts the parent's high-water mark across ``exec``.
"""

from __future__ import annotations

import os
import sys
import time
from importlib import import_module

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

ENV = "ITTDESK_SMOKE_QUIT_AFTER_FIRST_PAGE"


def asked() -> bool:
    return os.environ.get(ENV) == "1"


def missing_targets() -> tuple[dict[str, int], list[str]]:
    """(how many of each kind resolved, what did not): the strings no import scanner follows."""
    from ittdesk.cli import COMMAND_MODULES

    from . import editors, views

    kinds = {
        "pages": [spec.target for spec in views.PAGES],
        "actions": [spec.target for spec in views.ACTIONS],
        "editors": list(editors.EDITORS.values()),
        "command modules": [f"{name}:register" for name in COMMAND_MODULES],
    }
    counts: dict[str, int] = {}
    missing: list[str] = []
    for kind, targets in kinds.items():
        counts[kind] = 0
        for target in targets:
            module_name, _, attr = target.partition(":")
            try:
                found = getattr(import_module(module_name), attr, None) is not None
            except Exception as exc:  # noqa: BLE001 - reported, the point of the check
                missing.append(f"{target} ({exc})")
                continue
            if found:
                counts[kind] += 1
            else:
                missing.append(f"{target} (no {attr})")
    return counts, missing


def missing_files() -> list[str]:
    """The files the app reads from beside its code: templates and the user guide."""
    from ittdesk.documents import TEMPLATES

    from .dialogs.user_guide import guide_folder

    wanted = [TEMPLATES / "agreement.html", guide_folder() / "index.html"]
    return [str(path) for path in wanted if not path.is_file()]


class _Watch(QObject):
    def __init__(self, app: QApplication, timeout: float):
        super().__init__(app)
        self.app = app
        self.started = time.time()
        self.deadline = time.monotonic() + timeout
        self.window: QMainWindow | None = None
        self.painted_at: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(20)
        self.timer.timeout.connect(self.poll)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        if (self.painted_at is None and event.type() == QEvent.Type.Paint
                and isinstance(obj, QMainWindow)):
            self.painted_at = time.time()
            self.window = obj
            self.timer.start()
        return False

    def poll(self) -> None:
        from . import tasks

        if time.monotonic() > self.deadline:
            self.finish(4, "ITT Desk smoke: Home was not filled in time")
            return
        home = self.window.findChild(QWidget, "page_home") if self.window else None
        if home is None or tasks.running_tasks():
            return
        from .views.home_page import HomePage  # loaded already: it built the page

        if not isinstance(home, HomePage) or home.data is None:
            return
        filled_at = time.time()
        counts, missing = missing_targets()
        missing += [f"file {path}" for path in missing_files()]
        state = "welcome" if home.data.get("empty") else f"{len(home.card_widgets)} cards"
        loaded = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        line = (f"ITT Desk smoke: Home filled ({state}); painted_at={self.painted_at:.3f} "
                f"filled_at={filled_at:.3f}; loaded {loaded}")
        peak = _peak_mb()
        if peak is not None:
            line += f"; peak_mb={peak:.1f}"
        if missing:
            for item in missing:
                print(f"ITT Desk smoke: missing {item}", file=sys.stderr)
        self.finish(3 if missing else 0, line)

    def finish(self, code: int, line: str) -> None:
        self.timer.stop()
        if sys.stdout is not None:  # a windowed Windows build has none
            print(line, flush=True)
        if code == 4:
            # Stuck (a problem dialog about the database, say, whose answer would only open
            # another): a test must end, so end the process itself.
            os._exit(code)
        if self.window is not None:
            self.window.close()
        self.app.exit(code)


def _peak_mb() -> float | None:
    """This process's peak resident memory in MB (``VmHWM``, fresh at ``exec``), or None off
    Linux."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def quit_after_first_page(app: QApplication) -> None:
    """Install the watch on ``app`` before the main window is created."""
    timeout = float(os.environ.get("ITTDESK_SMOKE_TIMEOUT", "120"))
    watch = _Watch(app, timeout)
    app.installEventFilter(watch)  # the watch is the app's child: it lives as long as the app

    def never_painted() -> None:
        if watch.painted_at is None:
            watch.finish(4, "ITT Desk smoke: the main window was never painted")

    QTimer.singleShot(int(timeout * 1000) + 1000, never_painted)
