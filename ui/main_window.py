"""The main window: navigation on the left, one page at a time on the right.

Built in the usual order (Qt's mdi example): actions, menus, tool bar, status bar, settings.
Start-up shows a light first frame and does the rest after it (``ui.startup``).
The database actions of the File menu live in ``ui.database_actions``.

Hooks for other features (each a one-line edit, no change to this file):

- **A page**: add a ``PageSpec`` to ``ui.views.PAGES`` (``"module:Class"``, called with this
  window). Subclass ``ui.views.base.Page`` to take part in New / Open / Delete / Print / Export /
  Find / Refresh (the window enables each action from the page's ``can_*`` answers).
- **A menu entry**: add an ``ActionSpec`` to ``ui.views.ACTIONS`` (``"module:function"``, called
  with this window). File > Import… already calls
  ``ui.dialogs.import_wizard.open_import_wizard(main_window)`` when that module exists.
- **An editor**: add ``EDITORS[entity] = "module:function"`` in ``ui.editors``;
  ``main_window.open_record(entity, id)`` then opens it from every list and the Home page.
- **After changing records** (an import, a leadership round): call
  ``main_window.records_changed.emit("school")`` (or ``"*"``); lists and Home refresh.
- **Background work**: ``ui.tasks.run_task(main_window, fn, ..., progress_title=...)``.

Useful attributes: ``location`` (the open ``ittdesk.db.Location``), ``show_page(key)``,
``page(key)``, ``current_page()``, ``remember_delete(service, entry, text)`` and
``remember_edit(service, entry, text)`` (Edit > Undo).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from ittdesk import APP_NAME, __version__

from . import settings as ui_settings
from . import sizing, views
from .startup import StartUp
from .tasks import run_task, show_error
from .views import PageSpec

if TYPE_CHECKING:
    from ittdesk.db import Location


def load_target(target: str) -> Any | None:
    """``"module:attr"`` -> the attribute, or None when the module is not there (yet)."""
    module_name, _, attr = target.partition(":")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, attr, None)


def _module_exists(name: str) -> bool:
    """Whether ``name`` can be imported, without importing it (its parent packages only)."""
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False


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
        if install is None:
            return False
        install(self.window)
        real = getattr(self.window, "_import_drop_filter", None)
        return bool(real is not None and real.eventFilter(obj, event))


class MainWindow(QMainWindow):
    #: emitted after records of a kind were added, changed or deleted ("*" = anything)
    records_changed = Signal(str)

    def __init__(self, location: Location, opener: Callable[[Any], bool] | None = None):
        """``opener``: ``location`` is not open yet; ``opener(window)`` opens it right after the
        first paint, before any page is built (``ui.app.start_window``)."""
        super().__init__()
        self.location = location
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(QSize(760, 520))
        self._pages: dict[str, QWidget] = {}
        self._undo: tuple[Any, Any, str] | None = None
        self._editors: list[QWidget] = []
        self.startup = StartUp(self, opener)  # the first frame light, the rest after it (ui.startup)
        self._build_central()
        self.create_actions()
        self.create_menus()
        self.create_tool_bar()
        self.create_status_bar()
        self.read_settings()
        sizing.fit_on_show(self)  # a size saved on a bigger screen (or scale) still fits
        self.records_changed.connect(self._on_records_changed)
        if _module_exists("ui.dialogs.import_wizard"):
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

    # -- actions -------------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def create_actions(self) -> None:
        S = QKeySequence.StandardKey
        self.new_db_act = self._action("&New database…", self.new_database,
                                       tip="Create a new, empty database file")
        self.open_db_act = self._action("&Open database…", self.open_database, S.Open,
                                        "Open another database file or a shared PostgreSQL database")
        self.connect_act = self._action("&Connect to PostgreSQL…", self.connect_postgres,
                                        tip="Use a database shared on a PostgreSQL server")
        self.backup_act = self._action("&Back up…", self.backup_database,
                                       tip="Save a consistent copy of the database")
        self.restore_act = self._action("&Restore…", self.restore_database,
                                        tip="Replace the database with a checked backup")
        self.import_act = self._action("&Import…", self.import_records, "Ctrl+I",
                                       "Import schools, people or trainees from a spreadsheet")
        self.export_act = self._action("&Export…", self.export_current, "Ctrl+E",
                                       "Export the list shown to a spreadsheet")
        self.print_act = self._action("&Print…", self.print_current, S.Print,
                                      "Print what is shown")
        self.quit_act = self._action("&Quit", self.close, S.Quit)
        self.quit_act.setMenuRole(QAction.MenuRole.QuitRole)

        self.new_act = self._action("&New record", self.new_record, S.New,
                                    "Add a record to the list shown")
        self.open_act = self._action("&Open record", self.open_selected, None,
                                     "Open the selected record (Enter or double-click)")
        self.delete_act = self._action("&Delete…", self.delete_selected, S.Delete,
                                       "Delete the selected records (asks first)")
        self.undo_act = self._action("&Undo delete", self.undo_delete, S.Undo,
                                     "Bring back the record deleted last")
        self.undo_act.setEnabled(False)
        self.copy_act = self._action("&Copy", self.copy_selected, S.Copy,
                                     "Copy the selected rows with headings, to paste into Excel")
        self.find_act = self._action("&Find", self.focus_search, S.Find,
                                     "Search the list shown")
        self.refresh_act = self._action("&Refresh", self.refresh, S.Refresh,
                                        "Read the records again (others may have changed them)")
        if not self.refresh_act.shortcut().toString():
            self.refresh_act.setShortcut(QKeySequence("F5"))

        self.page_acts: list[QAction] = []
        for n, spec in enumerate(views.PAGES):
            # "&&": a lone "&" in "Programmes & cohorts" would be taken for a mnemonic.
            act = self._action(spec.title.replace("&", "&&"),
                               lambda _=False, k=spec.key: self.show_page(k),
                               f"Ctrl+{n + 1}" if n < 9 else None, spec.tip)
            self.page_acts.append(act)
        self.shortcuts_act = self._action("&Keyboard shortcuts", self.show_shortcuts,
                                          tip="Every action and its key")
        self.about_act = self._action("&About ITT Desk", self.about)
        self.about_act.setMenuRole(QAction.MenuRole.AboutRole)
        self.extra_acts: list[tuple[str, QAction]] = []
        for spec in views.ACTIONS:
            act = self._action(spec.text, lambda _=False, t=spec.target: self._run_target(t),
                               spec.shortcut or None, spec.tip)
            self.extra_acts.append((spec.menu, act))
        self.addActions([self.new_db_act, self.open_db_act, self.backup_act, self.restore_act,
                         self.import_act, self.export_act, self.print_act, self.quit_act,
                         self.new_act, self.undo_act, self.copy_act, self.find_act,
                         self.refresh_act,
                         *self.page_acts, self.about_act])
        # Whether the wizard is there, without importing it (and the importer) at start-up.
        self.import_act.setEnabled(_module_exists("ui.dialogs.import_wizard"))

    def create_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.file_menu.addActions([self.new_db_act, self.open_db_act, self.connect_act])
        self.recent_menu = self.file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.file_menu.addSeparator()
        self.file_menu.addActions([self.backup_act, self.restore_act])
        self.file_menu.addSeparator()
        self.file_menu.addActions([self.import_act, self.export_act, self.print_act])
        self._file_extra_anchor = self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_act)

        self.edit_menu = bar.addMenu("&Edit")
        self.edit_menu.addActions([self.undo_act])
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.copy_act)
        self.edit_menu.addSeparator()
        self.edit_menu.addActions([self.new_act, self.open_act, self.delete_act])
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.find_act)

        self.view_menu = bar.addMenu("&View")
        self.view_menu.addActions(self.page_acts)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.refresh_act)
        self.tools_menu: QMenu | None = None
        menus = {"File": self.file_menu, "Edit": self.edit_menu, "View": self.view_menu}
        for menu_name, act in self.extra_acts:
            if menu_name == "Tools" and self.tools_menu is None:
                self.tools_menu = bar.addMenu("&Tools")
                menus["Tools"] = self.tools_menu
            if menu_name == "File":
                self.file_menu.insertAction(self._file_extra_anchor, act)
            elif menu_name != "Help":
                menus.get(menu_name, self.tools_menu or self.view_menu).addAction(act)
        self.help_menu = bar.addMenu("&Help")
        for menu_name, act in self.extra_acts:
            if menu_name == "Help":
                self.help_menu.addAction(act)
        self.help_menu.addAction(self.shortcuts_act)
        self.help_menu.addAction(self.about_act)

    def create_tool_bar(self) -> None:
        self.tool_bar = QToolBar("Main tool bar")
        self.tool_bar.setObjectName("mainToolBar")
        self.tool_bar.setMovable(False)
        self.tool_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.tool_bar.addActions([self.new_act, self.delete_act])
        self.tool_bar.addSeparator()
        self.tool_bar.addActions([self.import_act, self.export_act, self.print_act])
        self.tool_bar.addSeparator()
        self.tool_bar.addAction(self.refresh_act)
        self.addToolBar(self.tool_bar)

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
        factory = load_target(spec.target)
        if factory is None:
            widget: QWidget = QLabel(f"{spec.title} is not available in this version.")
        else:
            widget = factory(self)
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
        if hasattr(widget, "shown"):
            widget.shown()
        self._update_actions()

    def current_page(self) -> QWidget | None:
        self.startup.finish()
        return self.stack.currentWidget()

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return views.PAGES[row].key if 0 <= row < len(views.PAGES) else None

    def _ask(self, name: str) -> bool:
        page = self.stack.currentWidget()
        method = getattr(page, name, None)
        return bool(method()) if callable(method) else False

    def _update_actions(self) -> None:
        self.new_act.setEnabled(self._ask("can_create"))
        self.open_act.setEnabled(self._ask("can_open"))
        self.delete_act.setEnabled(self._ask("can_delete"))
        self.print_act.setEnabled(self._ask("can_print"))
        self.export_act.setEnabled(self._ask("can_export"))
        self.find_act.setEnabled(self._ask("can_search"))
        self.copy_act.setEnabled(self._ask("can_copy"))

    def _call_page(self, name: str) -> None:
        method = getattr(self.current_page(), name, None)
        if callable(method):
            method()

    def new_record(self) -> None:
        if self._ask("can_create"):
            self._call_page("new_record")

    def open_selected(self) -> None:
        self._call_page("open_selected")

    def copy_selected(self) -> None:
        if self._ask("can_copy"):
            self._call_page("copy_selected")

    def delete_selected(self) -> None:
        if self._ask("can_delete"):
            self._call_page("delete_selected")

    def print_current(self) -> None:
        if self._ask("can_print"):
            self._call_page("print_current")

    def export_current(self) -> None:
        if self._ask("can_export"):
            self._call_page("export_current")

    def focus_search(self) -> None:
        self._call_page("focus_search")

    def refresh(self) -> None:
        for page in self._pages.values():
            if hasattr(page, "refresh"):
                page.refresh()
        self.update_counts()
        self.statusBar().showMessage("Refreshed", 2000)

    def _on_records_changed(self, _entity: str) -> None:
        for page in self._pages.values():
            if hasattr(page, "refresh"):
                page.refresh()
        self.update_counts()

    # -- records ---------------------------------------------------------------------------------
    def open_record(self, entity: str, record_id: int | None, parent: QWidget | None = None,
                    **defaults: Any) -> QWidget | None:
        """Open the editor for a record (``record_id`` None: a new one, with ``defaults``)."""
        from .editors import EDITORS

        target = EDITORS.get(entity)
        opener = load_target(target) if target else None
        if opener is None:
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

    def remember_delete(self, service: Any, entries: Any, description: str) -> None:
        """Offer Edit > Undo for the delete just made (each audit entry holds its record)."""
        if not isinstance(entries, (list, tuple)):
            entries = [entries]
        self._undo = (service, list(entries), description)
        self.undo_act.setText(f"&Undo delete of {description}")
        self.undo_act.setEnabled(True)
        self.statusBar().showMessage(f"Deleted {description}. Ctrl+Z brings it back.", 8000)

    def remember_edit(self, service: Any, entry: Any, description: str) -> None:
        """Offer Edit > Undo for the edit just saved (its audit entry holds the old values)."""
        self._undo = (service, entry, description)
        self.undo_act.setText(f"&Undo edit of {description}")
        self.undo_act.setEnabled(True)

    def undo_delete(self) -> None:
        """Edit > Undo: the delete or the saved edit made last, through its service."""
        if self._undo is None:
            return
        service, entries, description = self._undo
        if not isinstance(entries, list):
            return self._undo_edit(service, entries, description)
        from ittdesk.models import database

        try:
            with database.atomic():
                for entry in reversed(entries):
                    service.undo_delete(entry)
        except Exception as exc:
            show_error(self, exc)
            return
        self._undo = None
        self.undo_act.setText("&Undo delete")
        self.undo_act.setEnabled(False)
        self.records_changed.emit(service.entity)
        self.statusBar().showMessage(f"Brought back {description}", 4000)

    def _undo_edit(self, service: Any, entry: Any, description: str) -> None:
        try:
            service.undo_update(entry)
        except Exception as exc:  # changed since, or the old values no longer pass the rules
            show_error(self, exc)
            return
        self._undo = None
        self.undo_act.setText("&Undo delete")
        self.undo_act.setEnabled(False)
        self.records_changed.emit(service.entity)
        self.statusBar().showMessage(f"Undid the edit of {description}", 4000)

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

    def _fill_recent_menu(self) -> None:
        from . import database_actions

        database_actions.fill_recent_menu(self)

    def new_database(self) -> None:
        from . import database_actions

        database_actions.new_database(self)

    def open_database(self) -> None:
        from . import database_actions

        database_actions.open_database(self)

    def connect_postgres(self) -> None:
        from . import database_actions

        database_actions.connect_postgres(self)

    def backup_database(self) -> None:
        from . import database_actions

        database_actions.backup_database(self)

    def restore_database(self) -> None:
        from . import database_actions

        database_actions.restore_database(self)

    def import_records(self) -> None:
        self._run_target("ui.dialogs.import_wizard:open_import_wizard")

    def _run_target(self, target: str) -> None:
        function = load_target(target)
        if function is None:
            self.statusBar().showMessage("That feature is not available in this version", 4000)
            return
        function(self)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(action, key) for every action that has a key, as the Help lists them."""
        rows = [("Open the selected record", "Enter or double-click"),
                ("Move from the search box into the list", "Down arrow"),
                ("Save an editor", QKeySequence(QKeySequence.StandardKey.Save).toString(
                    QKeySequence.SequenceFormat.NativeText)),
                ("Close an editor without saving (asks first)", "Esc")]
        for act in self.findChildren(QAction):
            if not act.shortcut().isEmpty() and act.text():
                rows.append((act.text().replace("&", "").rstrip("…."),
                             act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)))
        return sorted(set(rows), key=lambda r: r[0].lower())

    def show_shortcuts(self) -> None:
        from html import escape

        body = "".join(f"<tr><td>{escape(a)}</td><td><b>{escape(k)}</b></td></tr>"
                       for a, k in self.shortcut_rows())
        QMessageBox.information(self, "Keyboard shortcuts",
                                f"<table cellpadding='3'>{body}</table>")

    def about(self) -> None:
        from ittdesk import migrations
        from ittdesk.privacy.statement import data_statement

        QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Partnership, placements, support agreements and returns for small "
            "teacher-training providers.</p>"
            f"<p>Database: <b>{self.location.display}</b><br>"
            f"Schema version {migrations.latest()}</p>"
            + data_statement(self.location))


NOTICE_SHOWN_MS = 20000  # a notice's words in the status bar


def _shown(box: QMessageBox) -> bool:
    """A notice not yet closed (closing deletes it)."""
    from shiboken6 import Shiboken

    return Shiboken.isValid(box) and box.isVisible()
