"""CSV files as people really send them (issue 14 item 3): quoted cells holding line breaks
and semicolons, rows with more cells than headings, and encodings ITT Desk cannot read."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ittdesk.errors import RefusedError
from ittdesk.spreadsheets import importing, reading

DATA = Path(__file__).parent / "data"


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def test_quoted_cells_with_line_breaks_and_semicolons_leave_the_comma_the_delimiter(tmp_path):
    address = "Flat 2;\nThe Old School;\nHigh Street;\nLeeds"
    rows = [["Provider trainee ID", "First names", "Last names", "Email", "Address"]]
    rows += [[f"T{n}", "Ann", f"Smith{n}", f"ann{n}@example.com", address] for n in range(3)]
    book = reading.open_book(_write(tmp_path / "register.csv", rows))
    assert book.delimiter == ","
    assert book.sheet().rows == rows


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_still_found_when_cells_hold_line_breaks(tmp_path, delimiter):
    rows = [["URN", "Name", "Address"], ["100000", "Smith, Jones & Co", "1 Road,\nLeeds"],
            ["100001", "Park School", "2 Lane,\nYork"]]
    book = reading.open_book(_write(tmp_path / "d.csv", rows, delimiter))
    assert book.delimiter == delimiter
    assert book.sheet().rows == rows


def test_a_row_with_more_cells_than_headings_is_refused_with_its_number_and_why(db, tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text("URN,Name,Town,Postcode\n"
                    "100000,Park School,Leeds,LS1 1AA\n"
                    "100001,Hill School,1 High Street,Bolton,BL1 1AA\n", encoding="utf-8")
    plan, _ = importing.run_import(path, "schools", dry_run=True)
    assert [str(r) for r in plan.refused] == [
        "row 3: it has 5 cells but the headings name 4: a value may contain an unquoted comma "
        "(put the value in double quotes, or save the file again from Excel)"]
    assert [i.row for i in plan.items] == [2]


def test_empty_cells_past_the_headings_are_not_a_problem(db, tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text("URN,Name\n100000,Park School,,\n", encoding="utf-8")
    plan, _ = importing.run_import(path, "schools", dry_run=True)
    assert plan.refused == [] and [i.row for i in plan.items] == [2]


@pytest.mark.parametrize(("encoding", "said"), [
    ("shift_jis", "an encoding other than UTF-8 or Windows-1252"),
    ("big5", "an encoding other than UTF-8 or Windows-1252"),
    ("utf-16-le", "UTF-16 text without a byte-order mark"),
    ("utf-16-be", "UTF-16 text without a byte-order mark"),
])
def test_a_file_in_an_encoding_we_cannot_read_says_so_instead_of_mojibake(tmp_path, encoding,
                                                                         said):
    text = "Name,Town\r\n山田 太郎,東京都\r\n佐藤 花子,大阪市\r\n" if encoding in (
        "shift_jis", "big5") else "Name,Town\r\nAnn Smith,Leeds\r\n"
    if encoding == "big5":
        text = "Name,Town\r\n陳大文,臺北市\r\n林小華,高雄市\r\n"
    path = tmp_path / "people.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(RefusedError, match=f"people.csv is in {said}, which ITT Desk cannot "
                                           "read: .* save it as 'CSV UTF-8'"):
        reading.open_book(path)


def test_windows_1252_files_with_quotes_dashes_and_pounds_are_still_read(tmp_path):
    text = "Name,Notes\r\nSiân O’Brien,\"“Head” – £1,000 café\"\r\nZoë Brontë,Année…\r\n"
    path = tmp_path / "w.csv"
    path.write_bytes(text.encode("cp1252"))
    book = reading.open_book(path)
    assert book.encoding == "cp1252"
    assert book.sheet().rows[1] == ["Siân O’Brien", "“Head” – £1,000 café"]


def test_the_gias_sample_saved_as_windows_1252_reads_as_in_utf_8(tmp_path):
    utf8 = reading.open_book(DATA / "gias_sample.csv")
    path = tmp_path / "gias_1252.csv"
    path.write_bytes((DATA / "gias_sample.csv").read_text(encoding="utf-8").encode("cp1252"))
    book = reading.open_book(path)
    assert (utf8.encoding, book.encoding) == ("utf-8", "cp1252")
    assert book.delimiter == "," and book.sheet().rows == utf8.sheet().rows
