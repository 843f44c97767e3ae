"""The main window: navigation on the left, one page at a time on the right.

Built in the usual order (Qt's mdi example): actions, menus, tool bar, status bar, settings.
Start-up shows a light first frame and does the rest after it (``ui.startup``).
The actions, menus and tool bar are built by ``ui.window_actions`` (this class's base), Edit >
Undo is ``ui.undo``, the database actions of the File menu live in ``ui.database_actions``.

Hooks for other features (each a one-line edit, no change to this file):

- **A page**: add a ``PageSpec`` to ``ui.views.PAGES`` (``"module:Class"``, called with this
  window). Subclass ``ui.views.base.Page`` to take part in New / Open / Delete / Print / Export /
  Find / Refresh (the window enables each action from the page's ``can_*`` answers).
- **A menu entry**: add an ``ActionSpec`` to ``ui.views.ACTIONS`` (``"module:function"``, called
  with this window). File > Import… already calls
  ``ui.dialogs.import_wizard.open_import_wizard(main_window)`` when that module exists.
- **An editor**: add ``EDITORS[entity] = "module:function"`` in ``ui.editors``;
  ``main_window.open_record(entity, id)`` then opens it from every list and the Home page.
- **Changing records**: ``ui.operations.write(widget, fn, ..., changes={"school"})`` runs the
  write on a worker and announces once, on ``main_window.changes``, which kinds changed ("*":
  anything); the pages that show one of them refresh (``ui.views.base.Page.shows``).
- **Background work**: ``ui.operations.read`` / ``ui.tasks.run_task(main_window, fn, ...)``.

Useful attributes: ``location`` (the open ``ittdesk.db.Location``), ``changes`` (the one
change signal, ``ui.operations.Changes``), ``show_page(key)``,
``page(key)``, ``current_page()``, ``remember_delete(service, entry, text)`` and
``remember_edit(service, entry, text)`` (Edit > Undo).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from ittdesk import APP_NAME

from . import settings as ui_settings
from . import sizing, views
from .operations import Changes, affects
from .remote_changes import RemoteChanges
from .startup import StartUp
from .tasks import run_task, show_error
from .undo import LastChange
from .views import PageSpec
from .views.base import Page
from .window_actions import WindowActions

if TYPE_CHECKING:
    from ittdesk.db import Location


def load_target(target: str) -> Any:
    """``"module:attr"`` -> the attribute, the module imported when first asked for (a page's
    or a dialog's imports do not slow start-up). Every target exists: a failing import is a
    bug and raises, never a feature quietly gone (``tests/test_targets_load.py``)."""
    module_name, _, attr = target.partition(":")
    return getattr(import_module(module_name), attr)


class _LazyFileDrop(QObject):
    """Stands in for the import wizard's drop target until something is first dragged over the
    window, so start-up does not import the wizard and the importer behind it."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        if event.type() not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        self.window.removeEventFilter(self)
        install = load_target("ui.dialogs.import_wizard:install_file_drop")
        install(self.window)
        real = getattr(self.window, "_import_drop_filter", None)
        return bool(real is not None and real.eventFilter(obj, event))


class MainWindow(WindowActions):
    def __init__(self, location: Location, opener: Callable[[Any], bool] | None = None):
        """``opener``: ``location`` is not open yet; ``opener(window)`` opens it right after the
        first paint, before any page is built (``ui.app.start_window``)."""
        super().__init__()
        self.location = location
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(QSize(760, 520))
        self._pages: dict[str, QWidget] = {}
        self._editors: list[QWidget] = []
        #: the one change signal: which kinds of record a write changed (ui.operations)
        self.changes = Changes(self)
        self.changes.changes_announced.connect(self._on_changes)
        #: others' changes announced on ``changes`` too (started once a database is open)
        self.remote_changes = RemoteChanges(self, self.changes)
        self.startup = StartUp(self, opener)  # the first frame light, the rest after it (ui.startup)
        self._build_central()
        self.create_actions()
        self.last_change = LastChange(self, self.undo_act)  # Edit > Undo (ui.undo)
        self.create_menus()
        self.create_tool_bar()
        self.create_status_bar()
        self.read_settings()
        sizing.fit_on_show(self)  # a size saved on a bigger screen (or scale) still fits
        self.setAcceptDrops(True)  # the wizard's drop target is installed on the first drag
        self._lazy_file_drop = _LazyFileDrop(self)
        self.installEventFilter(self._lazy_file_drop)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.startup.shown()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        self.startup.painted()

    # -- layout --------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for spec in views.PAGES:
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(spec.tip)
            self.nav.addItem(item)
        self.nav.setFixedWidth(max(190, self.nav.sizeHintForColumn(0) + 40))
        self.stack = QStackedWidget()
        self.splitter = QSplitter()
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.nav.currentRowChanged.connect(self._nav_changed)

    def create_status_bar(self) -> None:
        self.location_label = QLabel()
        self.location_label.setObjectName("locationLabel")
        self.counts_label = QLabel()
        self.counts_label.setObjectName("countsLabel")
        # Normal (not permanent) widgets: a message ("Copied 3 schools…") takes their place
        # while it shows instead of being drawn under them in a narrow or 150% window.
        self.counts_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addWidget(self.location_label)
        self._update_location_label()
        from .presence_status import PresenceStatus

        #: "2 others connected" and this app's own presence (started once a database is open)
        self.presence_status = PresenceStatus(self)

    def show_notice(self, text: str, title: str = "ITT Desk") -> None:
        """Something the user should know that stops nothing (the day's automatic backup
        failed): said in the status bar for a while (a message hides the record counts) and in
        a notice that does not block the window and stays until closed. A notice about the
        database goes when another database is opened."""
        self.statusBar().showMessage(text, NOTICE_SHOWN_MS)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("notice")
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        self._notices = [b for b in getattr(self, "_notices", []) if _shown(b)] + [box]

    def notices(self) -> list[QMessageBox]:
        """The notices still open (for tests and for ``close_notices``)."""
        return [b for b in getattr(self, "_notices", []) if _shown(b)]

    def close_notices(self) -> None:
        """Their cause has gone (another database is open): the notices and their message go."""
        if self.notices():
            self.statusBar().clearMessage()
        for box in self.notices():
            box.close()
        self._notices = []

    def _update_location_label(self) -> None:
        where = self.location.display
        self.location_label.setText(where if len(where) < 70 else "…" + where[-68:])
        self.location_label.setToolTip(f"Database: {where}")
        # Qt adds " — ITT Desk" (the application display name) itself where the platform does.
        self.setWindowTitle(self.location.path.name if self.location.path else where)

    def update_counts(self) -> None:
        from ittdesk.queries import record_counts

        def show(counts: dict[str, int]) -> None:
            from ittdesk.wording import count

            self.counts_label.setText("  ·  ".join(count(n, name) for name, n in counts.items()))

        run_task(self, record_counts, on_done=show, on_error=lambda exc: None)

    # -- settings ------------------------------------------------------------------------------
    def read_settings(self) -> None:
        geometry = ui_settings.get("window/geometry")
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            screen = QApplication.primaryScreen()
            size = screen.availableSize() if screen else QSize(1280, 800)
            # a small (or scaled: 1366x768 at 150 % is 911x472) screen needs all of its room
            share = 0.85 if size.width() >= 1200 else 1.0
            self.resize(min(1280, int(size.width() * share)), min(820, int(size.height() * share)))
        state = ui_settings.get("window/state")
        if not state.isEmpty():
            self.restoreState(state)
        last = ui_settings.get("last_page")
        keys = [spec.key for spec in views.PAGES]
        self.show_page(last if last in keys else "home")

    def write_settings(self) -> None:
        ui_settings.set("window/geometry", self.saveGeometry())
        ui_settings.set("window/state", self.saveState())
        ui_settings.set("last_page", self.current_key() or "home")
        for page in self._pages.values():
            if hasattr(page, "save_state"):
                page.save_state()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        for editor in list(self._editors):
            if editor.isVisible() and not editor.close():
                event.ignore()
                return
        self.write_settings()
        self.startup.stop()
        self.presence_status.stop()
        self.remote_changes.close()
        event.accept()

    # -- pages ---------------------------------------------------------------------------------
    def _spec(self, key: str) -> PageSpec | None:
        return next((s for s in views.PAGES if s.key == key), None)

    def page(self, key: str) -> QWidget | None:
        """The page for ``key``, built on first use."""
        if key in self._pages:
            return self._pages[key]
        if self.startup.opener is not None:
            self.startup.finish()  # the database first (asked for before the first paint)
        spec = self._spec(key)
        if spec is None:
            return None
        widget: QWidget = load_target(spec.target)(self)
        widget.setObjectName(f"page_{key}")
        self._pages[key] = widget
        self.stack.addWidget(widget)
        if hasattr(widget, "restore_state"):
            widget.restore_state()
        if hasattr(widget, "capabilities_changed"):
            widget.capabilities_changed.connect(self._update_actions)
        if hasattr(widget, "status_message"):
            widget.status_message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        return widget

    def show_page(self, key: str) -> QWidget | None:
        keys = [spec.key for spec in views.PAGES]
        if key not in keys:
            return None
        row = keys.index(key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # -> _nav_changed
        else:
            self._nav_changed(row)
        return self._pages.get(key)

    def _nav_changed(self, row: int) -> None:
        if row < 0 or row >= len(views.PAGES):
            return
        spec = views.PAGES[row]
        if self.startup.wants_stand_in(spec):
            self.startup.show_stand_in(spec.loading)
            self._update_actions()
            return
        widget = self.page(spec.key)
        if widget is None:
            return
        self.stack.setCurrentWidget(widget)
        if isinstance(widget, Page) and widget.stale:  # changed while hidden (refresh_later)
            widget.stale = False
            widget.refresh()
        if hasattr(widget, "shown"):
            widget.shown()
        self._update_actions()

    def current_page(self) -> QWidget | None:
        self.startup.finish()
        return self.stack.currentWidget()

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return views.PAGES[row].key if 0 <= row < len(views.PAGES) else None

    def refresh(self) -> None:
        for page in self._pages.values():
            if hasattr(page, "refresh"):
                page.refresh()
        self.update_counts()
        self.statusBar().showMessage("Refreshed", 2000)

    def _on_changes(self, kinds: frozenset[str]) -> None:
        """Records of ``kinds`` changed: refresh the pages that show one of them (a hidden page
        as it says: ``Page.refresh_later``) and the counts under the window if they count one."""
        shown = self.stack.currentWidget()
        for page in self._pages.values():
            if not hasattr(page, "refresh") or not affects(getattr(page, "shows", ()), kinds):
                continue
            if page is shown or not hasattr(page, "refresh_later"):
                page.refresh()
            else:
                page.refresh_later()
        if affects(COUNTED, kinds):
            self.update_counts()

    # -- records ---------------------------------------------------------------------------------
    def open_record(self, entity: str, record_id: int | None, parent: QWidget | None = None,
                    **defaults: Any) -> QWidget | None:
        """Open the editor for a record (``record_id`` None: a new one, with ``defaults``)."""
        from .editors import EDITORS

        target = EDITORS.get(entity)
        opener = load_target(target) if target else None
        if opener is None:  # a kind of record with no editor
            self.statusBar().showMessage(f"There is no editor for {entity} records yet", 4000)
            return None
        try:
            editor = opener(parent or self, record_id, **defaults)
        except Exception as exc:  # a record deleted meanwhile, a refused open
            show_error(self, exc)
            return None
        if editor is None:
            self.statusBar().showMessage(f"There is no editor for {entity} records yet", 4000)
        else:
            self._editors.append(editor)
            editor.destroyed.connect(lambda *_: self._forget_editor(editor))
        return editor

    def _forget_editor(self, editor: QWidget) -> None:
        self._editors = [e for e in self._editors if e is not editor]

    # -- undo (ui.undo) --------------------------------------------------------------------------
    def remember_delete(self, service: Any, entries: Any, description: str) -> None:
        """Offer Edit > Undo for the delete just made (each audit entry holds its record)."""
        self.last_change.remember_delete(service, entries, description)

    def remember_edit(self, service: Any, entry: Any, description: str) -> None:
        """Offer Edit > Undo for the edit just saved (its audit entry holds the old values)."""
        self.last_change.remember_edit(service, entry, description)

    def undo_delete(self) -> None:
        """Edit > Undo: the delete or the saved edit made last, through its service."""
        self.last_change.undo()

    # -- databases (ui.database_actions, imported when first used) ----------------------------
    def switch_database(self, target: str) -> bool:
        """Close this database and open ``target`` (asking what to do if it cannot be opened)."""
        from . import database_actions

        return database_actions.switch_database(self, target)

    def adopt_database(self, location: Location) -> None:
        """Show ``location`` (already open): pages rebuilt on it, undo forgotten."""
        from . import database_actions

        self.startup.finish()
        self.close_notices()
        database_actions.adopt_database(self, location)
        self.startup.warm_up()
        from .app import show_open_notices

        show_open_notices(self)

    def import_records(self) -> None:
        self._run_target("ui.dialogs.import_wizard:open_import_wizard")

    def _run_target(self, target: str) -> None:
        load_target(target)(self)


#: the kinds of record the status bar counts (``ittdesk.queries.record_counts``)
COUNTED = frozenset({"school", "person", "cohort", "enrolment", "placement", "agreement"})

NOTICE_SHOWN_MS = 20000  # a notice's words in the status bar


def _shown(box: QMessageBox) -> bool:
    """A notice not yet closed (closing deletes it)."""
    from shiboken6 import Shiboken

    return Shiboken.isValid(box) and box.isVisible()
