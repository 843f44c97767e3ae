"""GUI figures, taken headless by driving the real widgets in a fresh process.

- ``gui_cold_start``: ``main.main(["--db", DB])`` exactly as a user starts the app, with one
  application-wide event filter that notes the first paint of the main window (the figure) and
  then when no background task is left (``settled_s``: the first page filled) and when Home shows
  its figures (``home_s``; ``home_after_shown_s`` after the first paint), and quits. The
  time runs from the parent's clock just before it started the process (``t0``), so interpreter
  start and every import count. ``gui_bare_window`` does the same for a bare ``QMainWindow``.
- ``gui_list``: the main window on a large database; click the list's navigation entry (and
  tab), type a search term, click the name column's header, drag the scroll bar to the bottom,
  then (back at the top) click a second column's header. Each step is timed from the input
  event until the model has answered (reset/layout signal, no load pending) and a synchronous
  repaint of the table — which is when the user sees the rows — has finished.

Nothing here knows a page's internals beyond what a user sees: navigation item text, tab text,
the search box (objectName ``search``), the table and its header labels.
"""

from __future__ import annotations

import os
import time
from typing import Any

from .tasks import NotAvailable, task


def _patch_settings(folder: str) -> None:
    """A fresh per-user settings file per process: a first-run user, never the real one."""
    os.environ["ITTDESK_QT_SETTINGS"] = os.path.join(folder, f"qt-settings-{os.getpid()}.ini")

def open_app(db: str, folder: str) -> tuple[Any, Any, Any]:
    """What every window figure starts from: the application, the database opened and the
    main window's class (a tree without the window says why, as a figure not measured)."""
    _patch_settings(folder)
    try:
        from ui.app import application
        from ui.main_window import MainWindow
    except ModuleNotFoundError as exc:
        raise NotAvailable(f"the main window is missing ({exc})") from exc
    from ittdesk import db as dbmod

    app = application()
    return app, dbmod.open_database(db, daily_backup=False), MainWindow


def shown(window: Any) -> Any:
    """The window at the size every figure uses, shown and exposed."""
    from PySide6.QtTest import QTest

    window.resize(1280, 820)
    window.show()
    QTest.qWaitForWindowExposed(window)
    return window



def _first_paint_filter(app, is_target, settle: bool = False):
    """An event filter noting the wall-clock time of the first paint of a widget ``is_target``,
    then (``settle``) of the moment no background task is left (the first page filled)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        shown_at: float | None = None
        settled_at: float | None = None
        home_at: float | None = None

        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if (self.shown_at is None and event.type() == QEvent.Type.Paint
                    and is_target(obj)):
                self.shown_at = time.time()
                QTimer.singleShot(0, self.settle if settle else app.quit)
            return False

        def settle(self) -> None:
            if self.home_at is None and _home_filled(app):
                self.home_at = time.time()
            if (_idle() and self.home_at is not None) or time.time() - self.shown_at > 60:
                self.settled_at = time.time()
                app.quit()
            else:
                QTimer.singleShot(2, self.settle)

    flt = FirstPaint()
    app.installEventFilter(flt)
    return flt


@task("gui_bare_window")
def bare_window(t0: float, folder: str) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(["bench"])
    window = QMainWindow()
    flt = _first_paint_filter(app, lambda obj: obj is window)
    window.resize(1200, 800)
    window.show()
    app.exec()
    window.close()
    if flt.shown_at is None:
        raise RuntimeError("the window was never painted")
    return {"seconds": flt.shown_at - t0}


@task("gui_cold_start")
def cold_start(t0: float, db: str, folder: str) -> dict[str, Any]:
    _patch_settings(folder)
    from PySide6.QtWidgets import QMainWindow

    import main as entry

    try:
        from ui.app import application
    except ModuleNotFoundError as exc:
        raise NotAvailable(f"ui.app is missing ({exc})") from exc
    app = application()
    flt = _first_paint_filter(app, lambda obj: isinstance(obj, QMainWindow), settle=True)
    code = entry.main(["--db", db])
    if flt.shown_at is None:
        raise RuntimeError(f"the main window was never shown (exit code {code})")
    result = {"seconds": flt.shown_at - t0,
              "settled_s": (flt.settled_at or flt.shown_at) - t0}
    if flt.home_at is not None:
        result["home_s"] = flt.home_at - t0
        result["home_after_shown_s"] = flt.home_at - flt.shown_at
    return result


def _home_filled(app) -> bool:
    """Home shows its figures: the line under its title says what there is to look at (what
    the user reads once its cards are filled; before, the page says it is loading)."""
    from PySide6.QtWidgets import QLabel

    for window in app.topLevelWidgets():
        if not window.isVisible():
            continue
        for label in window.findChildren(QLabel):
            text = label.text()
            if ("to look at" in text or "nothing needs attention" in text) and label.isVisible():
                return True
    return False


# -- lists -----------------------------------------------------------------------------------


class _Waiter:
    """Counts a model's resets/layout changes so a step can wait for *its* answer."""

    def __init__(self, model):
        self.model = model
        self.changes = 0
        for signal in (model.modelReset, model.layoutChanged):
            signal.connect(self._changed)

    def _changed(self, *_args) -> None:
        self.changes += 1

    def loading(self) -> bool:
        is_loading = getattr(self.model, "is_loading", None)
        if callable(is_loading) and is_loading():
            return True
        from ui import tasks

        return tasks.running_tasks() > 0


def _wait(condition, timeout: float | None = None) -> None:
    """Run the event loop (sleeping, so worker threads get the CPU) until ``condition()``."""
    from PySide6.QtCore import QEventLoop, QTimer

    if timeout is None:
        timeout = float(os.environ.get("BENCH_WAIT_TIMEOUT", "300"))
    if condition():
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(1)
    deadline = time.perf_counter() + timeout

    def check():
        if condition() or time.perf_counter() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if not condition():
        raise TimeoutError(f"the list did not answer within {timeout:.0f} s")


def _click(widget, pos) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def _visible_table(root):
    from PySide6.QtWidgets import QTableView

    tables = [t for t in root.findChildren(QTableView) if t.isVisible()]
    if not tables:
        raise NotAvailable(f"no visible table on {root.objectName() or type(root).__name__}")
    return max(tables, key=lambda t: t.model().rowCount() if t.model() else 0)


def _search_box(table):
    from PySide6.QtWidgets import QLineEdit

    widget = table.parentWidget()
    while widget is not None:
        boxes = [b for b in widget.findChildren(QLineEdit) if b.objectName() == "search"
                 and b.isVisible()]
        if boxes:
            return boxes[0]
        widget = widget.parentWidget()
    raise NotAvailable("the list has no search box (objectName 'search')")


def _painted(table) -> None:
    """Paint the table now (data() for every visible cell): what the user sees."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    table.viewport().repaint()


@task("gui_list")
def list_figures(db: str, folder: str, nav: str, tab: str = "", term: str = "",
                 sort_label: str = "Name", expected: int = 0,
                 other_sort_label: str = "") -> dict[str, Any]:
    """Open a list from the navigation, search, sort by name, scroll to the end, then sort by
    another column (see module)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QAbstractSlider, QApplication, QListWidget, QTabWidget

    _app, location, main_window = open_app(db, folder)
    window = shown(main_window(location))
    _wait(lambda: _idle())
    result: dict[str, Any] = {}

    # 1. open: click the navigation entry (and the tab), until the rows are painted.
    navs = window.findChildren(QListWidget)
    items = [(n, n.findItems(nav, Qt.MatchFlag.MatchStartsWith)) for n in navs]
    found = [(n, i[0]) for n, i in items if i]
    if not found:
        raise NotAvailable(f"no navigation entry '{nav}'")
    nav_list, item = found[0]
    started = time.perf_counter()
    _click(nav_list.viewport(), nav_list.visualItemRect(item).center())
    page = window.current_page() if hasattr(window, "current_page") else window
    if tab:
        tabs = [t for t in page.findChildren(QTabWidget) if t.isVisible()]
        index = next((n for t in tabs for n in range(t.count())
                      if t.tabText(n).replace("&", "").startswith(tab)), None)
        if index is None:
            raise NotAvailable(f"no '{tab}' tab on the {nav} page")
        QApplication.processEvents()
        started = time.perf_counter()  # the tab click is the user's "open"
        bar = tabs[0].tabBar()
        _click(bar, bar.tabRect(index).center())
    QApplication.processEvents()
    table = _visible_table(page)
    model = table.model()
    waiter = _Waiter(model)
    _wait(lambda: model.rowCount() > 0 and not waiter.loading())
    _painted(table)
    result["open"] = time.perf_counter() - started
    result["rows"] = model.rowCount()

    # 2. search: type the term; time from the last key to the filtered rows painted.
    if term:
        box = _search_box(table)
        box.setFocus()
        before = waiter.changes
        QTest.keyClicks(box, term)
        started = time.perf_counter()
        _wait(lambda: waiter.changes > before and not waiter.loading())
        _painted(table)
        result["search"] = time.perf_counter() - started
        result["search_rows"] = model.rowCount()
        try:
            from ui import settings as ui_settings

            result["search_delay_ms"] = int(ui_settings.get("search_delay_ms"))
        except Exception:  # no such setting: no deliberate typing delay to report
            pass
        # and clear it again (untimed), back to the whole list
        before = waiter.changes
        box.clear()
        QTest.keyClick(box, Qt.Key.Key_Return)
        _wait(lambda: waiter.changes > before and not waiter.loading())
        # the same search with Enter, which skips the typing delay (a detail, not a figure)
        box.setText(term)
        before = waiter.changes
        started = time.perf_counter()
        QTest.keyClick(box, Qt.Key.Key_Return)
        _wait(lambda: waiter.changes > before and not waiter.loading())
        _painted(table)
        result["search_enter_s"] = time.perf_counter() - started
        before = waiter.changes
        box.clear()
        QTest.keyClick(box, Qt.Key.Key_Return)
        _wait(lambda: waiter.changes > before and not waiter.loading())

    # 3. sort by name: click that column's header.
    header = table.horizontalHeader()
    labels = [str(model.headerData(n, Qt.Orientation.Horizontal)) for n in range(model.columnCount())]

    def sort_by(label: str) -> float:
        if label not in labels:
            raise NotAvailable(f"no '{label}' column (columns: {', '.join(labels)})")
        section = labels.index(label)
        x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
        before = waiter.changes
        started = time.perf_counter()
        _click(header.viewport(), QPoint(x, header.height() // 2))
        _wait(lambda: waiter.changes > before and not waiter.loading())
        _painted(table)
        return time.perf_counter() - started

    result["sort"] = sort_by(sort_label)

    # 4. scroll to the end: the scroll bar's own "Bottom" action (dragging the thumb down;
    # Ctrl+End depends on the platform's keyboard state, which offscreen Qt does not track).
    bar = table.verticalScrollBar()
    started = time.perf_counter()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)
    _wait(lambda: bar.value() == bar.maximum() and not waiter.loading())
    _painted(table)
    result["scroll"] = time.perf_counter() - started
    result["last_row_visible"] = table.rowAt(table.viewport().height() - 2) == model.rowCount() - 1

    # 5. sort by a second column: the list is already in name order, so clicking the name
    # header (step 3) may only reverse it; a column not sorted yet always needs a real sort.
    if other_sort_label:
        bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
        _wait(lambda: bar.value() == 0 and not waiter.loading())
        result["sort_other"] = sort_by(other_sort_label)
    result["seconds"] = result["open"]
    if expected and result["rows"] != expected:
        result["note"] = f"the list showed {result['rows']:,} rows, the database has {expected:,}"
    return result


def _idle() -> bool:
    try:
        from ui import tasks
    except ModuleNotFoundError:
        return True
    return tasks.running_tasks() == 0
