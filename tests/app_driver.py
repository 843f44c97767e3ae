"""The real desktop app in a process of its own, driven line by line from stdin (for tests).

``python tests/app_driver.py FILE`` starts the app as ``main.py --db FILE`` does
(``ui.app.start_window``: window first, database opened after the first paint, full check and
daily backup on workers), runs Qt's event loop, and once start-up has finished prints
``ready``. Then each line on stdin is one command, answered by one line on stdout:

- ``rename URN NAME``: open the school's editor, type NAME as its name, press Save; answers
  ``saved`` or ``error: MESSAGE`` (what the editor shows).
- ``name URN``: the school's name as the app reads it now.
- ``quit`` (or end of input): close the window and leave the event loop.

Not collected by pytest (no ``test_`` prefix). Synthetic data only.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QTimer  # noqa: E402

from ittdesk import db  # noqa: E402
from ui import app as ui_app  # noqa: E402
from ui import tasks  # noqa: E402


def say(text: str) -> None:
    print(text, flush=True)


class Driver:
    def __init__(self, target: str) -> None:
        self.qapp = ui_app.application()
        self.window = ui_app.start_window(target)
        self.commands: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.ready = False
        self.waiting: Callable[[], bool] | None = None  # a command still under way
        threading.Thread(target=self._read_stdin, daemon=True).start()
        self.timer = QTimer()
        self.timer.timeout.connect(self.poll)
        self.timer.start(20)

    def _read_stdin(self) -> None:  # a plain thread: never touches Qt
        for line in sys.stdin:
            self.commands.put(line.strip())
        self.commands.put("quit")

    def poll(self) -> None:
        if not self.ready:
            if (db.current_location[0] is not None and not db.writes_held()
                    and tasks.running_tasks() == 0):
                self.ready = True
                say("ready")
            return
        if self.waiting is not None:
            if self.waiting():
                self.waiting = None
            return
        try:
            command = self.commands.get_nowait()
        except queue.Empty:
            return
        verb, _, rest = command.partition(" ")
        try:
            if verb == "rename":
                urn, _, name = rest.partition(" ")
                self.rename(int(urn), name)
            elif verb == "name":
                say(self.school(int(rest)).name)
            elif verb == "quit":
                self.window.close()
                self.qapp.quit()
            else:
                say(f"error: unknown command {verb}")
        except Exception as exc:  # noqa: BLE001 - the test reads it
            say(f"error: {type(exc).__name__}: {exc}")

    @staticmethod
    def school(urn: int):
        from ittdesk.models import School

        return School.get(School.urn == urn)

    def rename(self, urn: int, name: str) -> None:
        editor = self.window.open_record("school", self.school(urn).id)
        editor.widgets["name"].setText(name)
        self.waiting = lambda: False  # no other command while the save is under way
        try:
            saved = editor.save()  # on a worker; the event loop (and this timer) keep running
        finally:
            self.waiting = None
        say("saved" if saved else f"error: {editor.banner.text()}")


def main() -> int:
    driver = Driver(sys.argv[1])
    if driver.window is None:
        say("error: the database could not be opened")
        return 1
    code = driver.qapp.exec()
    db.close_database()
    return code


if __name__ == "__main__":
    sys.exit(main())
