"""The main window's actions, menus and tool bar, and the commands behind them.

The commands either go to the page shown (New, Delete, Print... each enabled from the page's
``can_*`` answers, ``ui.views.base.Page``), to ``ui.database_actions`` (the File menu's database
entries, imported when first used) or answer here (keyboard shortcuts, About). ``MainWindow``
builds on this class; the pages, editors and undo live there.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from ittdesk import APP_NAME, __version__

from . import views

if TYPE_CHECKING:
    from ittdesk.db import Location


class WindowActions(QMainWindow):
    """Actions, menus, tool bar and their commands; ``ui.main_window.MainWindow`` is the window."""

    location: Location
    stack: QStackedWidget

    if TYPE_CHECKING:  # the window's own, which these actions call
        def current_page(self) -> QWidget | None: ...
        def show_page(self, key: str) -> QWidget | None: ...
        def refresh(self) -> None: ...
        def undo_delete(self) -> None: ...
        def import_records(self) -> None: ...
        def _run_target(self, target: str) -> None: ...

    # -- actions -------------------------------------------------------------------------------
    def _action(self, text: str, slot,
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
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
        for action in views.ACTIONS:
            act = self._action(action.text, lambda _=False, t=action.target: self._run_target(t),
                               action.shortcut or None, action.tip)
            self.extra_acts.append((action.menu, act))
        self.addActions([self.new_db_act, self.open_db_act, self.backup_act, self.restore_act,
                         self.import_act, self.export_act, self.print_act, self.quit_act,
                         self.new_act, self.undo_act, self.copy_act, self.find_act,
                         self.refresh_act,
                         *self.page_acts, self.about_act])

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

    # -- commands to the page shown --------------------------------------------------------
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

    # -- databases (ui.database_actions, imported when first used) ----------------------------
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

    # -- help --------------------------------------------------------------------------------
    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(action, key) for every action that has a key, as the Help lists them."""
        rows = [("Open the selected record", "Enter or double-click"),
                ("Move from the search box into the list", "Down arrow"),
                ("Save an editor", QKeySequence(QKeySequence.StandardKey.Save).toString(
                    QKeySequence.SequenceFormat.NativeText)),
                ("Close an editor without saving (asks first)", "Esc")]
        for act in self.findChildren(QAction):
            if not act.shortcut().isEmpty() and act.text():
                # "&x" marks a mnemonic and "&&" is a real "&" ("Programmes && cohorts")
                rows.append((re.sub("&(.)", r"\1", act.text()).rstrip("…."),
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
