"""A large sheet's next slice is parsed by calamine on a second thread while the rows of the one
before are used: the same rows in the same order, errors on the reading's own thread, nothing
left behind (no worker thread, no slice file) when the rows are read, left or refused.
"""

from __future__ import annotations

import gc
import os
import tempfile
import threading
from pathlib import Path

import pytest

from ittdesk.errors import RefusedError
from ittdesk.spreadsheets import reading, xlsx_slices
from tests.test_xlsx_slices import _plain_sheet, read_in_slices

WORKER = xlsx_slices.WORKER_NAME


@pytest.fixture
def small_slices(monkeypatch):
    """Every xlsx sheet read in slices of ~40 rows."""
    read_in_slices(monkeypatch, 1_000, 4_000, 512)


@pytest.fixture(params=["memfd", "temporary file"])
def slice_files(request, monkeypatch, tmp_path) -> Path:
    """Where the slices' workbooks go: a memfd, or (systems without them) a temporary file in
    the folder given."""
    folder = tmp_path / "temporary"
    folder.mkdir()
    if request.param == "temporary file":
        monkeypatch.delattr(os, "memfd_create", raising=False)
        monkeypatch.setattr(tempfile, "tempdir", str(folder))
    else:
        assert hasattr(os, "memfd_create")
    return folder


def _left_behind(folder: Path) -> list[str]:
    """Slice files still open (memfds) or still on disk, and worker threads still running."""
    gc.collect()
    memfds = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if "ittdesk-slice" in target:
            memfds.append(target)
    threads = [t.name for t in threading.enumerate() if t.name.startswith(WORKER)]
    return memfds + [p.name for p in folder.iterdir()] + threads


def _whole(path: Path, monkeypatch) -> list[list]:
    with monkeypatch.context() as m:
        m.setattr(xlsx_slices, "MIN_SHEET_BYTES", 1 << 40)
        book = reading.open_book(path)
        rows = list(book.sheet().iter_rows())
        book.close()
    return rows


def _threads_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads calamine's ``from_path`` is called on, in order, as it is
    called (each time with a file that exists)."""
    from python_calamine import CalamineWorkbook

    parsed_on: list[str] = []
    original = CalamineWorkbook.from_path

    def from_path(name):
        parsed_on.append(threading.current_thread().name)
        assert os.path.exists(name)
        return original(name)

    monkeypatch.setattr(CalamineWorkbook, "from_path", from_path)
    return parsed_on


@pytest.mark.parametrize("ahead", [1, 2])
def test_the_next_slice_is_parsed_on_a_second_thread_while_the_rows_before_it_are_given(
        ahead, tmp_path, monkeypatch, small_slices, slice_files):

    monkeypatch.setattr(xlsx_slices, "AHEAD_SLICES", ahead)

    path = _plain_sheet(tmp_path / "order.xlsx", rows=600)
    whole = _whole(path, monkeypatch)
    parsed_on = _threads_parsing(monkeypatch)
    given: list[list] = []
    events: list[tuple[str, int]] = []  # (what, rows given by then), on the reading's thread
    start, slices = xlsx_slices._Ahead.start, xlsx_slices._Ahead.__iter__

    def logged_start(self, *args):
        before = len(self.jobs)
        start(self, *args)
        events.extend([("parse asked", len(given))] * max(len(self.jobs) - before, 0))

    def logged_slices(self):
        for item in slices(self):
            events.append(("slice taken", len(given)))
            yield item

    monkeypatch.setattr(xlsx_slices._Ahead, "start", logged_start)
    monkeypatch.setattr(xlsx_slices._Ahead, "__iter__", logged_slices)
    book = reading.open_book(path)
    sheet = book.sheet()
    assert isinstance(sheet.stream, xlsx_slices.SlicedRows)
    events.clear()
    for row in sheet.iter_rows():
        given.append(row)
    assert given == whole
    assert [row[1] for row in given] == list(range(600))  # every row once, in order
    assert sheet.stream.slices >= 10 and sheet.stream.whole_from is None
    assert parsed_on and all(name.startswith(WORKER) for name in parsed_on)
    taken = [n for what, n in events if what == "slice taken"]
    asked = [n for what, n in events if what == "parse asked"]
    assert len(asked) == len(taken) == sheet.stream.slices
    # past the head, each slice was asked for while the rows of the one before were given
    later = [(a, t) for a, t in zip(asked, taken, strict=True) if t > xlsx_slices.AHEAD_AFTER_ROWS]
    assert len(later) >= 5 and all(a < t for a, t in later)
    # within the head, none was: a sheet's first rows parse no slice beyond them
    assert all(a == t for a, t in zip(asked, taken, strict=True) if t < xlsx_slices.AHEAD_AFTER_ROWS)
    book.close()
    assert _left_behind(slice_files) == []


def test_a_sheets_head_starts_no_parse_ahead(tmp_path, monkeypatch, small_slices, slice_files):
    path = _plain_sheet(tmp_path / "head.xlsx", rows=600)
    book = reading.open_book(path)
    sheet = book.sheet()
    assert len(sheet.head) == reading.HEAD_ROWS == xlsx_slices.AHEAD_AFTER_ROWS
    assert _left_behind(slice_files) == []
    book.close()


def test_rows_left_part_way_leave_no_worker_nor_slice_file(
        tmp_path, monkeypatch, small_slices, slice_files):
    path = _plain_sheet(tmp_path / "left.xlsx", rows=600)
    book = reading.open_book(path)
    rows = book.sheet().iter_rows()
    for _ in range(300):  # past the head: the next slice is being parsed
        next(rows)
    assert [t.name for t in threading.enumerate() if t.name.startswith(WORKER)]
    rows.close()  # what an import that stops (cancel, an error) does to the rows it was given
    assert _left_behind(slice_files) == []
    book.close()


def test_a_cancelled_import_leaves_no_worker_nor_slice_file(
        db, tmp_path, monkeypatch, small_slices, slice_files):
    from bench.gias import GIAS_COLUMNS, school_rows
    from bench.xlsxraw import write_xlsx
    from ittdesk.spreadsheets import importing

    path = tmp_path / "gias.xlsx"
    write_xlsx(path, [list(GIAS_COLUMNS)] + list(school_rows(300, 7)), width=len(GIAS_COLUMNS),
               sheet_name="Establishments")
    monkeypatch.setattr(xlsx_slices, "AHEAD_AFTER_ROWS", 0)  # parsing ahead from the first row
    source = importing.load_source(path, "schools")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(importing.ImportCancelled, match="Import cancelled; nothing was changed"):
        importing.plan_import(source, cancel=cancel)
    source.book.close()
    assert _left_behind(slice_files) == []


def test_a_slice_the_worker_fails_on_is_read_by_calamine_whole_on_the_readings_thread(
        tmp_path, monkeypatch, small_slices, slice_files):
    from python_calamine import CalamineWorkbook

    path = _plain_sheet(tmp_path / "fails.xlsx", rows=600)
    whole = _whole(path, monkeypatch)
    original, calls = CalamineWorkbook.from_path, []

    def from_path(name):
        calls.append(name)
        if len(calls) == 8:
            raise ValueError("calamine refused this slice")
        return original(name)

    monkeypatch.setattr(CalamineWorkbook, "from_path", from_path)
    book = reading.open_book(path)
    sheet = book.sheet()
    calls.clear()
    assert list(sheet.iter_rows()) == whole
    assert sheet.stream.whole_from is not None and sheet.stream.whole_from > 0
    # none after the refused one but those already asked for ahead of it
    assert 8 <= len(calls) <= 8 + xlsx_slices.AHEAD_SLICES - 1
    book.close()
    assert _left_behind(slice_files) == []


def test_a_damaged_sheet_is_refused_on_the_readings_thread_with_calamines_message(
        tmp_path, monkeypatch, small_slices, slice_files):
    from python_calamine import CalamineWorkbook

    path = _plain_sheet(tmp_path / "damaged.xlsx", rows=600)
    book = reading.open_book(path)
    sheet = book.sheet()

    def refused(*args, **kwargs):
        raise ValueError("XML error: broken")

    monkeypatch.setattr(CalamineWorkbook, "from_path", refused)
    monkeypatch.setattr(CalamineWorkbook, "from_filelike", refused)
    with pytest.raises(RefusedError, match=r"^damaged\.xlsx cannot be read: the workbook is "
                                           r"damaged \(XML error: broken\)$"):
        list(sheet.iter_rows())
    book.close()
    assert _left_behind(slice_files) == []


def test_with_no_slices_ahead_every_slice_is_parsed_on_the_readings_thread(
        tmp_path, monkeypatch, small_slices, slice_files):

    monkeypatch.setattr(xlsx_slices, "AHEAD_SLICES", 0)
    path = _plain_sheet(tmp_path / "serial.xlsx", rows=600)
    whole = _whole(path, monkeypatch)
    parsed_on = _threads_parsing(monkeypatch)
    book = reading.open_book(path)
    sheet = book.sheet()
    assert list(sheet.iter_rows()) == whole
    assert sheet.stream.slices >= 10 and sheet.stream.whole_from is None
    assert set(parsed_on) == {threading.current_thread().name}
    book.close()
    assert _left_behind(slice_files) == []


@pytest.mark.parametrize("ahead", [1, 2])
@pytest.mark.parametrize("row", [125, 300, 560])
def test_a_cut_refused_while_cutting_ahead_gives_every_row_once(
        ahead, row, tmp_path, monkeypatch, small_slices, slice_files):
    """The cut of a slice ahead meets a comment (a cut there could change what calamine reads)
    while the rows before it are being given: those rows, the slices already parsed ahead, then
    the rest read by calamine whole, every row once."""
    from tests.test_xlsx_slices import _rewritten

    monkeypatch.setattr(xlsx_slices, "AHEAD_SLICES", ahead)
    path = _rewritten(_plain_sheet(tmp_path / "comment.xlsx", rows=600),
                      lambda x: x.replace(f'<row r="{row}"'.encode(),
                                          f'<!-- </row> --><row r="{row}"'.encode()))
    whole = _whole(path, monkeypatch)
    book = reading.open_book(path)
    sheet = book.sheet()
    rows = list(sheet.iter_rows())
    assert rows == whole
    assert [r[1] for r in rows] == list(range(600))
    assert sheet.stream.whole_from is not None and sheet.stream.whole_from > xlsx_slices.AHEAD_AFTER_ROWS
    book.close()
    assert _left_behind(slice_files) == []
