"""A task's worker lays out PDF documents while the GUI thread destroys objects that PySide
must tidy as they go (each connected from a live Python-made sender): the app as a user has it
when they close windows while letters are written. Run as its own process by
tests/test_gui_pdf_no_deadlock.py, so that a deadlock ends this process, not the test run.

Prints ``documents N`` and exits 0 once the worker has laid out ``DOCUMENTS`` documents while
objects were being destroyed all along, and has stopped.
"""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ui import printing, tasks

DOCUMENTS = 300


class Sender(QObject):
    ping = Signal()

    def disconnectNotify(self, signal) -> None:  # noqa: N802 (Qt's name)
        """Python run inside ~QObject, under Qt's connection lock, as PySide's own tidying is."""
        sum(range(3000))


def main() -> None:
    app = QApplication([])
    sender = Sender()
    made = [0]
    html = "<h1>Placement letter</h1>" + "<p>Dear school, thank you.</p>" * 5

    def lay_out() -> int:
        while made[0] < DOCUMENTS:
            printing.make_document(html, printing.LayoutDevice(printing.a4_layout()))
            made[0] += 1
        return made[0]

    handle = tasks.run_task(None, lay_out)
    loop = QEventLoop()

    def tick() -> None:
        for _ in range(30):
            doomed = QObject()
            sender.ping.connect(doomed.deleteLater)
            doomed.deleteLater()  # destroyed by the event loop, the GIL let go meanwhile
        if handle.finished:
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(1)
    loop.exec()
    print("documents", handle.result, flush=True)
    del app


if __name__ == "__main__":
    main()
