"""The list model: ids from SQL, rows fetched lazily, every list passes Qt's model tester."""

from __future__ import annotations

import gui_helpers as gui
import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

from ittdesk.queries.lists import LISTS, SCHOOLS
from ui import tasks
from ui.models.list_model import ID_ROLE, RecordListModel

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings


def loaded(qtbot, model):
    model.reload()
    qtbot.waitUntil(lambda: model.has_loaded and not model.is_loading(), timeout=10000)
    return model


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_list_model_passes_the_model_tester(qtbot, qtmodeltester, demo_db, name):
    model = loaded(qtbot, RecordListModel(LISTS[name]))
    assert model.rowCount() > 0
    qtmodeltester.check(model)


def test_rows_are_fetched_only_around_what_is_shown(qtbot, demo_db):
    model = loaded(qtbot, RecordListModel(LISTS["people"]))
    assert model.rowCount() > 500 and model._cache == {}
    assert model.data(model.index(400, 0))
    assert 0 < len(model._cache) < 400
    assert model.ids[400] in model._cache and model.ids[0] not in model._cache


def test_sorting_happens_in_sql_and_swaps_the_order(qtbot, demo_db):
    model = loaded(qtbot, RecordListModel(SCHOOLS))
    column = model.column_of("urn")
    model.sort(column, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not model.is_loading())
    urns = [int(model.data(model.index(r, column))) for r in range(model.rowCount())]
    assert urns == sorted(urns, reverse=True)


def test_search_and_filters_reload_and_newest_request_wins(qtbot, demo_db):
    model = loaded(qtbot, RecordListModel(SCHOOLS))
    model.set_search("nothing like this")
    model.set_search("moor")
    qtbot.waitUntil(lambda: not model.is_loading())
    names = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert names and all("moor" in n.lower() for n in names)
    model.set_filter("la", "Northmoor")
    qtbot.waitUntil(lambda: not model.is_loading())
    ids = [model.data(model.index(r, 0), ID_ROLE) for r in range(model.rowCount())]
    assert ids == SCHOOLS.ids("moor", {"la": "Northmoor"}, model.sort_key)


def test_a_row_deleted_meanwhile_shows_empty_instead_of_failing(demo_db):
    model = RecordListModel(SCHOOLS)
    with tasks.synchronous():
        model.reload()
    model.ids.insert(0, 987654321)  # an id that is not there (deleted by someone else)
    assert model.data(model.index(0, 0)) == ""


def test_flipping_the_sort_direction_reverses_the_rows_without_a_query(qtbot, demo_db,
                                                                       monkeypatch):
    model = loaded(qtbot, RecordListModel(SCHOOLS))
    column = model.column_of("name")
    selected = model.index(3, 2)
    persistent = QPersistentModelIndex(selected)
    chosen = model.id_at(3)
    asked = []
    monkeypatch.setattr(SCHOOLS, "ids", lambda *a, **k: asked.append(a) or [])
    model.sort(column, Qt.SortOrder.DescendingOrder)
    assert not model.is_loading() and asked == []
    assert model.descending and model.sort_key == "name"
    names = [model.data(model.index(r, column)).lower() for r in range(model.rowCount())]
    assert names == sorted(names, reverse=True)
    assert model.id_at(persistent.row()) == chosen and persistent.column() == 2
    # another column, or one that may be empty, is sorted in SQL as before
    model.sort(model.column_of("la"), Qt.SortOrder.AscendingOrder)
    assert model.is_loading()
    qtbot.waitUntil(lambda: not model.is_loading())
    assert len(asked) == 1


def test_cells_answer_text_ids_raw_values_alignment_and_long_tooltips_only(qtbot, demo_db):
    model = loaded(qtbot, RecordListModel(SCHOOLS))
    R = Qt.ItemDataRole
    urn, name = model.column_of("urn"), model.column_of("name")
    record = model.ids[0]
    raw = SCHOOLS.rows([record])[record]
    texts = [c.display(v) for c, v in zip(SCHOOLS.columns, raw, strict=True)]
    for col in range(model.columnCount()):
        index = model.index(0, col)
        assert model.data(index) == texts[col]
        assert model.data(index, R.DisplayRole) == texts[col]
        assert model.data(index, R.UserRole + 2) == raw[col]  # RAW_ROLE
        assert model.data(index, ID_ROLE) == record
        assert model.data(index, R.ToolTipRole) == (texts[col] if len(texts[col]) >= 30 else None)
        for unset in (R.FontRole, R.DecorationRole, R.ForegroundRole, R.BackgroundRole,
                      R.CheckStateRole, R.EditRole):
            assert model.data(index, unset) is None
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(0, urn), R.TextAlignmentRole) == right  # a number
    assert model.data(model.index(0, name), R.TextAlignmentRole) is None
    assert model.data(model.index(model.rowCount(), 0)) is None  # past the end
    assert model.data(model.index(0, 0).sibling(0, model.columnCount())) is None
