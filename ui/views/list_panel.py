"""A record list with search, filters, chosen columns, multi-select and a summary pane beside it.

``ListPanel`` is the reusable part (a page may hold several, e.g. cohorts and enrolments); it
builds the bar, table and summary pane, keeps them filled and remembers their state. What the
user does with the records (open, delete, export, print) is its mixin ``ListActions``, in
``list_actions``. The table is a ``RecordListModel``: ids sorted and filtered in SQL off the GUI
thread, rows fetched lazily as they are painted.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk.errors import IttDeskError
from ittdesk.queries import ListQuery
from ittdesk.wording import a

from .. import settings as ui_settings
from ..models.list_model import RecordListModel
from ..widgets.flow_layout import FlowLayout
from .list_actions import ListActions


class RecordTable(QTableView):
    """Enter opens the current record, like a double-click; Copy copies the selected rows with
    their headings (QTableView's own copies only the current cell)."""

    open_requested = Signal()
    copy_requested = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit()
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ListPanel(ListActions, QWidget):
    """Search box, filters, columns menu, table and summary pane for one ``ListQuery``."""

    selection_changed = Signal()
    count_changed = Signal(int)

    def __init__(self, main_window, query: ListQuery, service: Any,
                 summary: Callable[[int], str] | None = None, *,
                 search_hint: str = "Search", noun: tuple[str, str] = ("record", "records"),
                 state_key: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = main_window
        self.query = query
        self.service = service
        self.summary = summary
        self.noun = noun
        self.state_key = state_key or query.name  # its name under ui_settings.LIST_STATE
        self.setObjectName(f"list_{query.name}")
        self.model = RecordListModel(query, self)
        self._restore_selection: list[int] = []
        self._prime_rows = False
        self._shown_once = False
        self._stale = False

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(search_hint)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(f"Search {noun[1]}")
        self.search.setMinimumWidth(220)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_delay_ms = ui_settings.SEARCH_DELAY_MS.get()
        self._search_timer.setInterval(self._search_delay_ms)
        self._search_timer.timeout.connect(lambda: self.model.set_search(self.search.text()))
        self.search.textChanged.connect(
            lambda _t: self._search_timer.start(self.model.search_pause_ms(self._search_delay_ms)))
        self.search.returnPressed.connect(self._search_now)
        self.search.installEventFilter(self)

        self.filter_boxes: dict[str, QComboBox] = {}
        bar = FlowLayout()  # wraps onto a second line in a narrow window (150 % scaling)
        bar.addWidget(self.search, 2)
        for flt in query.filters:
            box = QComboBox()
            box.setObjectName(f"filter_{flt.key}")
            box.setAccessibleName(flt.label)
            box.setToolTip(f"Show only {noun[1]} with this {flt.label.lower()}")
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(min(18, max(11, len(f"Any {flt.label}") - 2)))
            self.filter_boxes[flt.key] = box
            box.currentIndexChanged.connect(lambda _i, k=flt.key: self._filter_changed(k))
            bar.addWidget(box)
        self.fill_filter_options()
        self.columns_button = QToolButton()
        self.columns_button.setText("Columns")
        self.columns_button.setToolTip("Choose the columns shown")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_menu = QMenu(self.columns_button)
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        self.columns_button.setMenu(self.columns_menu)
        bar.addWidget(self.columns_button)
        self.count_label = QLabel()
        self.count_label.setObjectName("count")
        self.count_label.setProperty("role", "muted")

        self.table = RecordTable()
        self.table.setObjectName("table")
        self.table.setModel(self.model)
        self.table.setAccessibleName(noun[1].capitalize())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        for n, col in enumerate(query.columns):
            self.table.setColumnWidth(n, col.width)
            self.table.setColumnHidden(n, not col.visible)
        self.table.setSortingEnabled(False)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self.model.sort_column(), Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self.model.sort)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.open_requested.connect(self.open_selected)
        self.table.copy_requested.connect(self.copy_selected)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self._add_context_actions()

        self.detail = QTextBrowser()
        self.detail.setObjectName("detailPane")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._link_clicked)
        self.detail.setAccessibleName("Summary")
        self.detail.setMinimumWidth(240)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([700, 330])
        if summary is None:
            self.detail.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.count_label)
        chain = [self.search, *self.filter_boxes.values(), self.columns_button, self.table,
                 self.detail]
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)
        self.model.loaded.connect(self._loaded)
        self.model.busy.connect(self._busy)
        self.model.load_failed.connect(self._load_failed)
        self._show_summary(None)

    # -- state ---------------------------------------------------------------------------------
    def save_state(self) -> None:
        header = self.table.horizontalHeader()
        state = {
            "header": base64.b64encode(bytes(header.saveState().data())).decode("ascii"),
            "splitter": self.splitter.sizes(),
            "sort": self.model.sort_key,
            "descending": self.model.descending,
        }
        ui_settings.LIST_STATE.set(state, self.state_key)

    def restore_state(self) -> None:
        state = ui_settings.LIST_STATE.get(self.state_key)
        header = self.table.horizontalHeader()
        if state.get("header"):
            header.blockSignals(True)
            header.restoreState(QByteArray(base64.b64decode(state["header"])))
            header.blockSignals(False)
        if state.get("splitter"):
            self.splitter.setSizes([int(s) for s in state["splitter"]])
        sort = state.get("sort")
        if sort and self.model.column_of(sort) >= 0:
            self.model.set_sort(sort, bool(state.get("descending")))
            header.blockSignals(True)
            header.setSortIndicator(self.model.column_of(sort),
                                    Qt.SortOrder.DescendingOrder if self.model.descending
                                    else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._shown_once = True
        if self._stale:
            self._stale = False
            self.refresh()

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> None:
        if not self.model.has_loaded and not self.model.is_loading():
            self.model.reload()

    def prepare(self) -> None:
        """Load while the list is not shown yet (the app idle after start-up), and read the
        rows of its first screen then too, so opening it paints without a query."""
        if not self.model.has_loaded and not self.model.is_loading():
            self._prime_rows = True
            self.model.reload()

    def refresh(self) -> None:
        """Read again, keeping the selection. A list only prepared while the app was idle and
        never shown yet is read again when it is first shown instead (after every edit, five big
        lists re-reading in the background would cost more than the one the user opens)."""
        if not self._shown_once and not self.isVisible():
            self._stale = True
            return
        self._restore_selection = self.selected_ids()
        self.fill_filter_options()
        self.model.reload()

    def fill_filter_options(self) -> None:
        for flt in self.query.filters:
            box = self.filter_boxes[flt.key]
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(f"Any {flt.label.lower()}", "")
            try:
                options = flt.options()
            except Exception:  # a filter's options must never stop the list from showing
                options = []
            for value, label in options:
                box.addItem(label, value)
            index = box.findData(current) if current else 0
            box.setCurrentIndex(max(index, 0))
            box.blockSignals(False)

    def set_filter(self, key: str, value: str) -> None:
        box = self.filter_boxes[key]
        index = box.findData(value)
        if index < 0:
            raise KeyError(f"{key} has no option {value!r}")
        box.setCurrentIndex(index)

    def _filter_changed(self, key: str) -> None:
        self.model.set_filter(key, self.filter_boxes[key].currentData())

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.model.set_search(self.search.text())

    def _busy(self, busy: bool) -> None:
        if busy and not self.model.has_loaded:
            self.count_label.setText("Loading…")

    def _loaded(self, count: int) -> None:
        word = self.noun[0] if count == 1 else self.noun[1]
        self.count_label.setText(f"{count:,} {word}")
        self.count_label.setToolTip("")  # a failed load's reason went with it
        self.count_changed.emit(count)
        if self._prime_rows:
            self._prime_rows = False
            if count and not self.isVisible():
                self.model.data(self.model.index(0, 0))  # the first window of rows
        wanted = self._restore_selection
        self._restore_selection = []
        if wanted:
            self.select_ids(wanted)
        self._selection_changed()

    # -- selection -----------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [i for i in (self.model.id_at(r) for r in rows) if i is not None]

    def current_id(self) -> int | None:
        ids = self.selected_ids()
        if len(ids) == 1:
            return ids[0]
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() and ids else None

    def select_ids(self, ids: list[int]) -> None:
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        selection = QItemSelection()
        first = None
        for record_id in ids:
            row = self.model.row_of(record_id)
            if row >= 0:
                first = row if first is None else first
                selection.select(self.model.index(row, 0),
                                 self.model.index(row, self.model.columnCount() - 1))
        sm = self.table.selectionModel()
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if first is not None:
            sm.setCurrentIndex(self.model.index(first, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
            self.table.scrollTo(self.model.index(first, 0))

    def _selection_changed(self, *_args) -> None:
        ids = self.selected_ids()
        self._show_summary(ids[0] if len(ids) == 1 else None, len(ids))
        self.selection_changed.emit()

    def _show_summary(self, record_id: int | None, selected: int = 0) -> None:
        if self.summary is None:
            return
        if record_id is None:
            text = (f"<p style='color:gray'>{selected:,} {self.noun[1]} selected.</p>" if selected
                    else f"<p style='color:gray'>Select {a(self.noun[0])} to see its summary "
                         "here. Double-click or press Enter to open it.</p>")
            self.detail.setHtml(text)
            return
        try:
            self.detail.setHtml(self.summary(record_id))
        except IttDeskError as exc:
            self.detail.setHtml(f"<p>{exc}</p>")
        except Exception as exc:  # deleted meanwhile (DoesNotExist): say so, do not crash
            from html import escape

            from peewee import DoesNotExist

            from ittdesk.errors import plain_message

            text = (f"This {self.noun[0]} is no longer there" if isinstance(exc, DoesNotExist)
                    else escape(plain_message(exc).rstrip(".")))
            self.detail.setHtml(f"<p style='color:gray'>{text}. Press F5 to refresh.</p>")

    def _load_failed(self, text: str) -> None:
        """The list could not be read: said under it, the reason in its tooltip (F5 tries
        again; the next load that succeeds puts the count back and the tooltip goes)."""
        self.count_label.setText("Could not load (press F5 to try again)")
        self.count_label.setToolTip(text)

    def _link_clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("record:"):
            entity, _, record_id = text[len("record:"):].partition("/")
            if record_id.isdigit():
                self.main_window.open_record(entity, int(record_id))

    # -- columns -------------------------------------------------------------------------------
    def _fill_columns_menu(self) -> None:
        self.columns_menu.clear()
        for n, col in enumerate(self.query.columns):
            act = self.columns_menu.addAction(col.label)
            act.setCheckable(True)
            act.setChecked(not self.table.isColumnHidden(n))
            act.toggled.connect(lambda on, n=n: self.set_column_visible(n, on))

    def set_column_visible(self, column: int, visible: bool) -> None:
        shown = [n for n in range(len(self.query.columns)) if not self.table.isColumnHidden(n)]
        if not visible and shown == [column]:
            return  # keep at least one column
        self.table.setColumnHidden(column, not visible)
        if visible and self.table.columnWidth(column) < 30:
            self.table.setColumnWidth(column, self.query.columns[column].width)

    def _header_menu(self, pos: QPoint) -> None:
        self._fill_columns_menu()
        self.columns_menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Down arrow in the search box moves into the list."""
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)):
            if event.key() == Qt.Key.Key_Down and self.model.rowCount() > 0:
                self.table.setFocus()
                if not self.selected_ids():
                    current = self.table.currentIndex()
                    self.table.selectRow(current.row() if current.isValid() else 0)
                return True
        return super().eventFilter(watched, event)
