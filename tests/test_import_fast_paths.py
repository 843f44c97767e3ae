"""The plans' cheaper paths give what the general ones give: a row of plain-text cells read
in C (read_records), duplicate keys counted a column at a time (refuse_duplicates), a data
row's first filled cell looked at once (iter_data_rows)."""

from __future__ import annotations

import random
from datetime import date

from ittdesk import fields as F
from ittdesk.spreadsheets import headers
from ittdesk.spreadsheets.csv_reading import FormulaText
from ittdesk.spreadsheets.import_rows import Record, Refusal, read_records
from ittdesk.spreadsheets.import_training import refuse_duplicates

# text cells a careless shortcut would keep or drop wrongly
AWKWARD_TEXT = ["", " ", "  x  ", "N/A", " none ", "Not Applicable", "#N/A", "#REF!", "'", "' ",
                "'N/A", "'0115 496 0000", "'2024-10-01", "\u3000", "n/a\u3000", "\x0bnone\x0b",
                "n/a" + "\u3000" * 20, "\u3000" * 20 + "unknown", "x" * 40, "  a long value  ",
                "?", "-", "—", "NULL", "İstanbul", "\u00a0Ann\u00a0", "\ufeffT1", "Total"]


def _read(rows: list[tuple[int, list[object]]], columns: list[tuple[int, str]],
          epoch_1904: bool = False) -> tuple[list[Record], list[Refusal]]:
    refused: list[Refusal] = []
    headings = [f"H{i}" for i in range(max(c for c, _n in columns) + 1)]
    records = read_records(rows, columns, headings, {"d"}, epoch_1904, refused, lambda: None)
    return records, refused


def test_a_row_of_text_cells_gives_the_record_the_cell_by_cell_loop_gives():
    rng = random.Random(7)
    for _round in range(400):
        width = rng.randint(2, 6)
        row: list[object] = [rng.choice(AWKWARD_TEXT) for _ in range(width)]
        columns = [(i, f"f{i}") for i in range(width)]
        fast = _read([(5, row)], columns)
        # the same cells with one more mapped cell that is not text: read cell by cell
        slow = _read([(5, [*row, None])], [*columns, (width, "extra")])
        assert [(r.row, list(r.raw.items())) for r in fast[0]] == \
            [(r.row, list(r.raw.items())) for r in slow[0]], row
        assert fast[1] == slow[1] == []


def test_rows_with_other_cells_still_refuse_formulas_and_read_numbers_and_dates():
    columns = [(0, "a"), (1, "d"), (2, "c")]
    rows: list[tuple[int, list[object]]] = [
        (2, ["x", 45000.0, FormulaText("=SUM(A1:A2)")]),
        (3, ["y", date(2025, 9, 1), 7.0]),
        (4, ["", None, ""]),  # nothing: no record
        (5, [" 'z ", "n/a", "#N/A"]),
    ]
    records, refused = _read(rows, columns, epoch_1904=True)
    assert [(r.row, r.raw) for r in records] == [
        (2, {"a": "x", "d": F.excel_serial(45000, epoch_1904=True)}),
        (3, {"a": "y", "d": date(2025, 9, 1), "c": 7}),
        (5, {"a": "z"}),
    ]
    assert refused == [Refusal(2, "H2", "holds a formula (=SUM(A1:A2)), not a value")]


def _refuse_duplicates_row_by_row(rows, keys, columns):  # the former way, as the reference
    first: dict = {}
    more: dict = {}
    for i, row in enumerate(rows):
        for what, column, values in keys:
            key = values[i]
            if key and (not isinstance(key, tuple) or key[0]):
                entry = (what, key, column)
                if entry not in first:
                    first[entry] = (row, len(first))
                else:
                    more.setdefault(entry, [first[entry][0]]).append(row)
    refused = []
    for what, key, column in sorted(more, key=lambda entry: first[entry][1]):
        found = more[(what, key, column)]
        shown = key[0] if isinstance(key, tuple) else key
        refused += [Refusal(row, columns.get(column, ""), f"{what} {shown} is on more than one "
                            f"row ({', '.join(map(str, found))}): keep one") for row in found]
    return refused


def test_duplicate_keys_are_refused_in_the_order_they_were_first_seen():
    rng = random.Random(3)
    columns = {"trainee_id": "Trainee ID", "email": "Email"}
    for _round in range(200):
        count = rng.randint(0, 30)
        rows = sorted(rng.sample(range(2, 200), count))
        tids = [rng.choice(["T1", "T2", "T3", None, "", "T4"]) for _ in rows]
        emails = [(rng.choice(["a@x.org", "b@x.org", None, ""]), rng.choice([1, 2, -1]))
                  for _ in rows]
        keys = [("trainee ID", "trainee_id", tids), ("email", "email", emails)]
        refused: list[Refusal] = []
        refuse_duplicates(rows, keys, columns, refused)
        assert refused == _refuse_duplicates_row_by_row(rows, keys, columns)


def test_blank_and_trailer_rows_are_told_apart_by_their_first_filled_cell():
    assert headers.is_blank(["", None, "  ", "\u3000"])
    assert not headers.is_blank([None, "", 0])
    assert headers.is_trailer([None, "  Total ", 12], 3)
    assert headers.is_trailer(["", "Notes: provisional", None, None], 4)
    assert not headers.is_trailer(["Notes: provisional", "a", "b", "c"], 4)  # not sparse
    assert not headers.is_trailer([3, "Total"], 2)  # a number first: a data row
    assert not headers.is_trailer([None, None], 2)
    header = headers.HeaderRow(index=0, headings=["A", "B"], matches={}, confidence=1.0)
    block = headers.DataBlock(rows=[])
    rows = [["A", "B"], ["x", 1], [None, ""], [2, "Total"], ["Total", 3], ["y", 4], [None, None]]
    assert list(headers.iter_data_rows(rows, header, block)) == [(2, ["x", 1]), (4, [2, "Total"])]
    assert (block.blank_rows, block.stopped_at, block.stopped_because, block.left_out) == (
        1, 5, "Total", 2)
