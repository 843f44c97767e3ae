"""An import streams the file instead of holding it (issue 22): reading keeps the sheet's first
rows only, a plan keeps what it shows (not the file's cells), and the whole import's peak of
Python allocations stays under what holding the file's rows alone takes.

Measured with tracemalloc (Python allocations: deterministic, unlike resident memory), each
against the same file's rows held as lists in the same test, so no figure is a magic number.
The file is the bench's GIAS extract layout (all 139 columns) at 3,000 schools. No time is
asserted.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.generate import write_gias_csv
from bench.gias import GIAS_COLUMNS, school_rows
from bench.xlsxraw import write_xlsx
from ittdesk.models import AuditEntry, School
from ittdesk.spreadsheets import importing, reading

SCHOOLS = 3000


def _gias(tmp_path: Path, suffix: str) -> Path:
    rows = list(school_rows(SCHOOLS, 7))
    if suffix == "csv":
        path = tmp_path / "gias.csv"
        write_gias_csv(path, rows)
    else:
        path = tmp_path / "gias.xlsx"
        write_xlsx(path, [list(GIAS_COLUMNS)] + rows, width=len(GIAS_COLUMNS),
                   sheet_name="Establishments")
    return path


def _rows_held(path: Path) -> int:
    """Bytes of Python objects that holding every row of the file takes (how imports read)."""
    book = reading.open_book(path)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        rows = book.sheet().rows
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        book.close()
    assert len(rows) == SCHOOLS + 1
    return held


def _traced(step: Callable[[], Any]) -> tuple[Any, int, int]:
    """(result, bytes still held after the step, peak bytes during it), over what was held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = step()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, current - before, peak - before


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_import_holds_a_fraction_of_the_file_and_stores_every_row(db, tmp_path, suffix):
    path = _gias(tmp_path, suffix)
    held = _rows_held(path)

    # Reading finds the header in the first rows and keeps only those.
    source, _kept, load_peak = _traced(lambda: importing.load_source(path, "schools"))
    assert load_peak < held / 3, (load_peak, held)
    assert len(source.sheet.head) < 200

    def whole_import() -> tuple[Any, Any]:
        plan = importing.plan_import(source)
        return plan, importing.apply_plan(plan)

    (plan, result), plan_kept, import_peak = _traced(whole_import)
    source.book.close()
    # The plan keeps its items (what it shows and writes), not the file's cells; the import
    # never holds the rows plus a plan of them, as it did when the sheet was read whole.
    assert plan_kept < held * 0.6, (plan_kept, held)
    assert import_peak < held, (import_peak, held)
    assert (plan.summary(), result.summary()) == (
        f"{SCHOOLS} to add, 0 to update, 0 unchanged, 0 refused",
        f"{SCHOOLS} added, 0 updated, 0 unchanged, 0 refused")
    assert School.select().count() == SCHOOLS
    assert AuditEntry.select().where(AuditEntry.entity == "school").count() == SCHOOLS


def test_a_csv_file_changed_after_it_was_read_is_refused_not_read_half_and_half(db, tmp_path):
    """Rows are read from the file again when planned: a file saved over meanwhile is refused
    with what to do, and nothing is written."""
    path = tmp_path / "schools.csv"
    path.write_text("URN,School name\r\n100001,Moorside Primary\r\n", encoding="utf-8")
    source = importing.load_source(path, "schools")
    path.write_text("URN,School name\r\n100001,Moorside Primary School\r\n100002,Castle\r\n",
                    encoding="utf-8")
    with pytest.raises(importing.RefusedError, match="changed since it was opened: open it again"):
        importing.plan_import(source)
    assert School.select().count() == 0


def test_applying_after_the_database_moved_on_reads_the_rows_again(db, tmp_path):
    """A plan keeps no records: when something was written since the preview, applying plans
    again from the file, inside its transaction, and stores what the file says."""
    from ittdesk.services.schools import schools

    path = tmp_path / "schools.csv"
    path.write_text("URN,School name,Postcode\r\n100001,Moorside Primary,LS1 1AA\r\n"
                    "100002,Castle Hill,LS2 2BB\r\n", encoding="utf-8")
    source = importing.load_source(path, "schools")
    plan = importing.plan_import(source)
    assert plan.summary() == "2 to add, 0 to update, 0 unchanged, 0 refused"
    schools.create({"urn": "100002", "name": "Castle Hill School"})  # meanwhile, by hand
    result = importing.apply_plan(plan)
    source.book.close()
    assert result.summary() == "1 added, 1 updated, 0 unchanged, 0 refused"
    assert {s.urn: (s.name, s.postcode) for s in School.select()} == {
        100001: ("Moorside Primary", "LS1 1AA"), 100002: ("Castle Hill", "LS2 2BB")}


def test_an_added_rows_changes_read_as_a_dict_and_take_what_is_set_after():
    """AddedChanges: made from the values when read, entries set later after them, labels
    applied as made, kept once deleted from; equal to the dict it stands for."""
    from ittdesk.spreadsheets.import_base import AddedChanges

    values = {"urn": 100001, "name": "Moorside", "phone": None, "not_a_field": "x"}
    labels = {"urn": "URN", "name": "Name", "phone": "Phone"}
    changes = AddedChanges((labels, values), ("Cohort", "2025/26 PGCE"))
    assert changes == {"URN": (None, 100001), "Name": (None, "Moorside"),
                       "Cohort": (None, "2025/26 PGCE")}
    changes["Head"] = (None, "Ann Lee")
    changes["URN"] = ("old", 100001)
    changes.after(lambda d: d.update(Name=(None, d["Name"][1].upper())))
    assert list(changes.items()) == [("URN", ("old", 100001)), ("Name", (None, "MOORSIDE")),
                                     ("Cohort", (None, "2025/26 PGCE")), ("Head", (None, "Ann Lee"))]
    del changes["Cohort"]
    values["name"] = "changed later"  # kept: no longer made from the values
    assert dict(changes) == {"URN": ("old", 100001), "Name": (None, "MOORSIDE"),
                             "Head": (None, "Ann Lee")}
