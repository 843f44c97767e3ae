"""Random cell values never crash the importer and never half-apply."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ittdesk.errors import IttDeskError
from ittdesk.models import AuditEntry, ImportRun, Person, Role, School
from ittdesk.spreadsheets import importing

HEADINGS = {
    "schools": ["URN", "Name", "Phase", "Partner since", "Postcode", "Head Teacher", "Email"],
    "people": ["Full name", "Email", "School URN", "Role", "Capacity", "Training completed", "TRN"],
}

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=25)
cell = st.one_of(
    st.none(), text,
    st.integers(min_value=-10**8, max_value=10**8),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["n/a", "-", "not given", "=SUM(A1:A2)", "100000", "100001", " 100002 ",
                     "01/09/2023", "1.9.23", "Sep 2023", "Primary", "SECONDARY", "LS1 1AA",
                     "Siân O'Brien", "Zoë Brontë", "a@example.org", "#N/A", "Total"]),
)
rows = st.lists(st.lists(cell, min_size=7, max_size=7), min_size=1, max_size=8)


def snapshot():
    return tuple(m.select().count() for m in (School, Person, Role, AuditEntry, ImportRun))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=rows, as_xlsx=st.booleans(), skip_invalid=st.booleans(),
       kind=st.sampled_from(sorted(HEADINGS)))
def test_random_cells_never_crash_and_never_half_apply(sqlite_db, data, as_xlsx, skip_invalid, kind):
    headings = HEADINGS[kind]
    if kind == "people" and not School.select().where(School.urn == 100000).exists():
        School.create(urn=100000, name="Fernbank", status="open")
    with tempfile.TemporaryDirectory() as folder:
        if as_xlsx:
            path = Path(folder) / "random.xlsx"
            wb = openpyxl.Workbook()
            wb.active.append(headings)
            for row in data:
                wb.active.append(row)
            wb.save(path)
        else:
            path = Path(folder) / "random.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([headings] + [["" if v is None else v for v in r] for r in data])
        before = snapshot()
        try:
            plan, result = importing.run_import(path, kind, skip_invalid=skip_invalid)
        except IttDeskError:
            assert snapshot() == before  # refused: exactly nothing changed
            return
        after = snapshot()
        assert after[0 if kind == "schools" else 1] - before[0 if kind == "schools" else 1] \
            == result.added
        assert after[4] - before[4] == 1
        assert result.added + result.updated <= len(data)
        if not skip_invalid:
            assert plan.refused == []
        # every added school has its audit entry, and every changed row at least one, all
        # linked to the run
        entries = AuditEntry.select().where(AuditEntry.import_run == result.run_id)
        entity = "school" if kind == "schools" else "person"
        assert entries.where(AuditEntry.entity == entity, AuditEntry.action == "create").count() \
            == result.added
        assert entries.count() >= result.added + result.updated
