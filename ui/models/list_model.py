"""A table model over a ``ListQuery``: ordered ids plus a lazy row cache (Anki's browser model).

The model never loads the whole table: it holds the ids the query returns (sorted and filtered
in SQL, on a worker thread) and fetches the rows the view paints, a window at a time, by id.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ittdesk.queries import ListQuery
from ittdesk.queries.lists import reverses_exactly

from .. import tasks

ID_ROLE = Qt.ItemDataRole.UserRole + 1
RAW_ROLE = Qt.ItemDataRole.UserRole + 2
WINDOW_BEFORE, WINDOW_AFTER = 60, 240
MIN_SEARCH_PAUSE_MS = 30  # the shortest pause after typing before searching
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ID, _RAW = int(ID_ROLE), int(RAW_ROLE)
_ANSWERED = frozenset({_DISPLAY, _TOOLTIP, _ID, _RAW, int(Qt.ItemDataRole.TextAlignmentRole)})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RecordListModel(QAbstractTableModel):
    #: the id list was replaced (count of rows)
    loaded = Signal(int)
    #: a load is running (True) or finished (False)
    busy = Signal(bool)
    load_failed = Signal(str)

    def __init__(self, query: ListQuery, parent=None):
        super().__init__(parent)
        self.query = query
        self.columns = list(query.columns)
        self.ids: list[int] = []
        self._cache: dict[int, tuple[Any, ...]] = {}
        self._texts: dict[int, list[str]] = {}
        self.search = ""
        self.filters: dict[str, str] = {}
        self.sort_key = query.default_sort or self.columns[0].key
        self.descending = False
        self._pending: tasks.TaskHandle | None = None
        self.generation = 0
        self.has_loaded = False
        self._load_started = 0.0
        self._load_searched = False
        self.last_search_ms: float | None = None  # how long the last search took to answer

    # -- what to show -----------------------------------------------------------------------
    def set_search(self, text: str) -> None:
        if text.strip() != self.search:
            self.search = text.strip()
            self.reload()

    def set_filter(self, key: str, value: str | None) -> None:
        value = value or ""
        if self.filters.get(key, "") != value:
            if value:
                self.filters[key] = value
            else:
                self.filters.pop(key, None)
            self.reload()

    def set_sort(self, key: str, descending: bool) -> None:
        self.sort_key, self.descending = key, descending

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt asks (header click): sort in SQL, then swap in the new id order."""
        if not 0 <= column < len(self.columns) or not self.columns[column].sortable:
            return
        key = self.columns[column].key
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending) and self.has_loaded:
            return
        if (key == self.sort_key and self.has_loaded and self._pending is None
                and reverses_exactly(self.query, key)):
            self.descending = descending
            self._reverse()
            return
        self.sort_key, self.descending = key, descending
        self.reload()

    def _reverse(self) -> None:
        """The same rows the other way round (the order mirrors exactly, see
        ``reverses_exactly``): no query, selection and current row kept."""
        self.layoutAboutToBeChanged.emit()
        last = len(self.ids) - 1
        old = self.persistentIndexList()
        self.ids.reverse()
        self.changePersistentIndexList(old, [self.index(last - i.row(), i.column()) for i in old])
        self.layoutChanged.emit()

    def search_pause_ms(self, longest: int) -> int:
        """How long to wait after a key before searching: as long as this list's last search
        took to answer, between ``MIN_SEARCH_PAUSE_MS`` and ``longest`` (the user's setting);
        the shortest before the first search. A list that searches fast answers sooner; a slow
        one (a large PostgreSQL list) is not asked again on every key."""
        if self.last_search_ms is None:
            return MIN_SEARCH_PAUSE_MS
        return int(min(longest, max(MIN_SEARCH_PAUSE_MS, self.last_search_ms)))

    def sort_column(self) -> int:
        for n, col in enumerate(self.columns):
            if col.key == self.sort_key:
                return n
        return 0

    # -- loading ------------------------------------------------------------------------------
    def reload(self) -> tasks.TaskHandle:
        """Ask the database for the ids again, off the GUI thread; the newest request wins."""
        if self._pending is not None:
            self._pending.cancel()
        self.generation += 1
        generation = self.generation
        self._load_started = time.perf_counter()
        self._load_searched = bool(self.search)
        self.busy.emit(True)
        self._pending = tasks.run_task(
            self, self.query.ids, self.search, dict(self.filters), self.sort_key, self.descending,
            on_done=lambda ids: self._apply(generation, ids),
            on_error=lambda exc: self._failed(generation, exc))
        return self._pending

    def _apply(self, generation: int, ids: list[int]) -> None:
        if generation != self.generation:
            return
        self._pending = None
        if self._load_searched:
            self.last_search_ms = (time.perf_counter() - self._load_started) * 1000
        self.beginResetModel()
        self.ids = ids
        self._cache.clear()
        self._texts.clear()
        self.endResetModel()
        self.has_loaded = True
        self.busy.emit(False)
        self.loaded.emit(len(ids))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self._pending = None
        self.busy.emit(False)
        from ittdesk.errors import plain_message

        self.load_failed.emit(plain_message(exc))  # words for the user, never a class name

    def is_loading(self) -> bool:
        return self._pending is not None

    def invalidate(self, ids: list[int] | None = None) -> None:
        """Forget cached rows (all, or these ids) so they are read again when painted."""
        if ids is None:
            self._cache.clear()
            self._texts.clear()
            if self.ids:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1,
                                                                   len(self.columns) - 1))
            return
        for record_id in ids:
            self._cache.pop(record_id, None)
            self._texts.pop(record_id, None)
            row = self.row_of(record_id)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def _row(self, row: int) -> tuple[tuple[Any, ...], list[str]]:
        record_id = self.ids[row]
        if record_id not in self._cache:
            window = self.ids[max(0, row - WINDOW_BEFORE): row + WINDOW_AFTER]
            missing = [i for i in window if i not in self._cache]
            fetched = self.query.rows(missing)
            for i in missing:
                values = fetched.get(i)
                if values is None:  # deleted meanwhile: show an empty row until the next reload
                    values = tuple(None for _ in self.columns)
                self._cache[i] = values
                self._texts[i] = [c.display(v) for c, v in zip(self.columns, values, strict=True)]
        return self._cache[record_id], self._texts[record_id]

    # -- lookups ------------------------------------------------------------------------------
    def id_at(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def row_of(self, record_id: int) -> int:
        try:
            return self.ids.index(record_id)
        except ValueError:
            return -1

    def column_of(self, key: str) -> int:
        for n, col in enumerate(self.columns):
            if col.key == key:
                return n
        return -1

    # -- QAbstractTableModel ------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Qt asks each painted cell for about seven roles; most (font, colours, check state,
        # icon) this model never sets, so they are answered before any other work, and the
        # text from the window's cache without a detour (BENCHMARKS.md, "The window's SELECT
        # built once": painting a screen of rows calls this ~1,700 times).
        if role not in _ANSWERED:
            return None
        row, col = index.row(), index.column()
        if not index.isValid() or row >= len(self.ids) or col >= len(self.columns):
            return None
        if role == _DISPLAY:
            texts = self._texts.get(self.ids[row])
            return (texts if texts is not None else self._row(row)[1])[col]
        if role == _ID:
            return self.ids[row]
        if role == _TOOLTIP:
            text = self._row(row)[1][col]
            return None if len(text) < 30 else text
        if role == _RAW:
            return self._row(row)[0][col]
        if self.columns[col].kind in ("number", "money"):  # the text alignment
            return _RIGHT
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].label
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort by {self.columns[section].label.lower()}"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
