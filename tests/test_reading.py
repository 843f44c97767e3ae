"""Reading what people send: every workbook kind, CSV encodings, and refusal of bad files."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from ittdesk.errors import RefusedError
from ittdesk.spreadsheets import csv_reading, preflight, reading

NAMES = ["Siân", "Zoë", "O'Brien", "Brontë"]


def write_xlsx(path, rows, *, title="Sheet1", hidden=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for letter in hidden:
        ws.column_dimensions[letter].hidden = True
    wb.save(path)
    return path


def rewrite_member(path, member, change):
    """Rewrite one part of a zip (e.g. an xlsx sheet) through ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as src:
        parts = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in parts:
            dst.writestr(info.filename, change(data) if info.filename == member else data)


def test_values_are_normalised_in_one_place():
    assert reading.value("") is None
    assert reading.value("  Siân O'Brien\u00a0") == "Siân O'Brien"
    assert reading.value(100000.0) == 100000 and isinstance(reading.value(100000.0), int)
    assert reading.value(1.5) == 1.5
    assert reading.value(datetime(2023, 9, 1)) == date(2023, 9, 1)
    assert reading.value(datetime(2023, 9, 1, 9, 30)) == datetime(2023, 9, 1, 9, 30)
    assert reading.value("#N/A") is None and reading.value("#REF!") is None
    assert reading.value(True) is True


def test_xlsx_rows_keep_spreadsheet_row_numbers(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [["Title"], [], ["URN", "Name"], [100000, "Zoë"]])
    sheet = reading.open_book(path).sheet()
    assert [reading.value(c) for c in sheet.rows[2]] == ["URN", "Name"]
    assert sheet.rows[3][0] == 100000.0 and sheet.rows[3][1] == "Zoë"


def test_a_wrong_stored_dimension_never_drops_rows(tmp_path):
    rows = [["URN", "Name"]] + [[100000 + i, f"School {i}"] for i in range(3000)]
    path = write_xlsx(tmp_path / "dim.xlsx", rows)
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', xml))
    with zipfile.ZipFile(path) as z:
        assert b'<dimension ref="A1"/>' in z.read("xl/worksheets/sheet1.xml")
    # openpyxl read-only trusts the tag and sees one row; the reader must see all of them.
    ro = openpyxl.load_workbook(path, read_only=True)
    assert ro.active.max_row == 1
    ro.close()
    sheet = reading.open_book(path).sheet()
    assert len(sheet.rows) == 3001
    assert sheet.rows[-1][:2] == [102999.0, "School 2999"]


def test_hidden_columns_are_reported(tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [["URN", "lookup", "Name"], [100000, "x", "A"]], hidden="B")
    assert reading.open_book(path).sheet().hidden_columns == {1}


def test_formula_cells_give_values_never_formula_text(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [["Pupils"], [10], [20], ["=SUM(A2:A3)"]])
    sheet = reading.open_book(path).sheet()
    assert all(not str(c).startswith("=") for row in sheet.rows for c in row)


def test_csv_formula_text_is_marked(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("URN,Name\n100000,=HYPERLINK(\"x\")\n", encoding="utf-8")
    cell = reading.open_book(path).sheet().rows[1][1]
    assert isinstance(cell, csv_reading.FormulaText)


def test_sheet_chosen_by_name_or_first_with_content(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Blank"
    wb.create_sheet("Schools").append(["URN"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    book = reading.open_book(path)
    assert book.sheet_names == ["Blank", "Schools"]
    assert book.sheet().name == "Schools"
    with pytest.raises(RefusedError, match="sheet 'Blank' .* is empty"):
        book.sheet("Blank")
    with pytest.raises(RefusedError, match="no sheet called 'Mentors'"):
        book.sheet("Mentors")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_csv_encodings_keep_accents_and_apostrophes(tmp_path, encoding):
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(("First name,Last name\r\n" + "".join(f"{n},{n}\r\n" for n in NAMES)).encode(encoding))
    book = reading.open_book(path)
    assert [r[0] for r in book.sheet().rows[1:]] == NAMES
    assert book.encoding == encoding
    assert book.sheet().rows[0][0] == "First name"  # no BOM left on the first heading


def test_a_byte_windows_1252_leaves_undefined_means_another_encoding(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(b"Name\r\nCaf\xe9 \x81\r\n")
    with pytest.raises(RefusedError, match="odd.csv is in an encoding other than UTF-8 or "
                                           "Windows-1252.*save it as 'CSV UTF-8'"):
        reading.open_book(path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "d.csv"
    path.write_text(delimiter.join(["URN", "Name", "Town"]) + "\n"
                    + delimiter.join(["100000", '"Smith, Jones & Co"', "Leeds"]) + "\n")
    book = reading.open_book(path)
    assert book.delimiter == delimiter
    assert book.sheet().rows[1] == ["100000", "Smith, Jones & Co", "Leeds"]


def test_a_csv_book_reads_what_the_csv_reader_found(tmp_path):
    """The CSV half lives in csv_reading; open_book gives its findings as the Book's one sheet."""
    path = tmp_path / "Mentors.csv"
    path.write_bytes("URN;Name\r\n100000;\"Caf\xe9 A; B\"\r\n100001;=SUM(A1)\r\n".encode("cp1252"))
    text = csv_reading.open_csv(path)
    assert (text.encoding, text.delimiter, text.formulas) == ("cp1252", ";", True)
    book = reading.open_book(path)
    assert (book.kind, book.sheet_names, book.encoding, book.delimiter) == (
        "csv", ["Mentors"], "cp1252", ";")
    assert book.sheet().rows == list(text.rows()) == [
        ["URN", "Name"], ["100000", "Caf\xe9 A; B"], ["100001", "=SUM(A1)"]]
    assert isinstance(book.sheet().rows[2][1], csv_reading.FormulaText)


def test_ods_is_read(tmp_path):
    path = tmp_path / "s.ods"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Schools">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>URN</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="float" office:value="100000"><text:p>100000</text:p>'
        '</table:table-cell><table:table-cell office:value-type="string"><text:p>Ynys Môn School</text:p>'
        '</table:table-cell></table:table-row>'
        '</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    book = reading.open_book(path)
    assert book.kind == "ods"
    sheet = book.sheet("Schools")
    assert [reading.value(c) for c in sheet.rows[1]] == [100000, "Ynys Môn School"]


def test_1904_date_system_is_detected(tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.active.append(["Start date"])
    wb.active.append([date(2023, 9, 1)])
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    book = reading.open_book(path)
    assert book.epoch_1904 is True
    assert reading.value(book.sheet().rows[1][0]) == date(2023, 9, 1)


# -- bad files ----------------------------------------------------------------------------


def test_not_a_spreadsheet_is_refused(tmp_path):
    png = tmp_path / "photo.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(RefusedError, match="not a real .xlsx workbook"):
        reading.open_book(png)
    binary = tmp_path / "data.csv"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    with pytest.raises(RefusedError, match="binary data"):
        reading.open_book(binary)
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(RefusedError, match="Word or PowerPoint"):
        reading.open_book(docx)


def test_missing_and_empty_files_are_refused(tmp_path):
    with pytest.raises(RefusedError, match="There is no file"):
        reading.open_book(tmp_path / "nope.xlsx")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(RefusedError, match="empty"):
        reading.open_book(empty)
    blank = tmp_path / "blank.csv"
    blank.write_text(",,\n,,\n")
    with pytest.raises(RefusedError, match="no data"):
        reading.open_book(blank)


def test_corrupt_workbook_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [["URN"], [100000]])
    data = path.read_bytes()
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(RefusedError, match="damaged"):
        reading.open_book(truncated)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data)
    # cut inside the cells, wherever the writer put them (openpyxl's XML differs with lxml)
    rewrite_member(broken, "xl/worksheets/sheet1.xml",
                   lambda xml: xml[: (xml.index(b"<sheetData") + xml.index(b"</sheetData>")) // 2])
    with pytest.raises(RefusedError, match="damaged"):
        reading.open_book(broken).sheet()


def test_password_protected_workbook_is_refused(tmp_path):
    # An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream.
    path = tmp_path / "secret.xlsx"
    directory = "EncryptedPackage".encode("utf-16-le") + b"\x00" * 32 + "EncryptionInfo".encode("utf-16-le")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + directory + b"\x00" * 1024)
    with pytest.raises(RefusedError, match="protected with a password"):
        reading.open_book(path)


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    path = write_xlsx(tmp_path / "bomb.xlsx", [["URN"], [100000]])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.xml", b"\x00" * (40 * 1024 * 1024))
    with pytest.raises(RefusedError, match="zip bomb"):
        reading.open_book(path)


def test_declared_size_alone_refuses_a_huge_archive(tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "IMPORT", dataclasses.replace(preflight.IMPORT, total_bytes=1000))
    path = write_xlsx(tmp_path / "big.xlsx", [["URN"], [100000]])
    with pytest.raises(RefusedError, match="would expand"):
        reading.open_book(path)


def test_xml_bomb_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "laughs.xlsx", [["URN"], [100000]])
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i + 1, (b"&lol%d;" % i if i else b"&lol;") * 10)
                       for i in range(9))
            + b"]>")
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: bomb + re.sub(rb"^<\?xml[^>]*\?>", b"", xml))
    with pytest.raises(RefusedError, match="XML bomb"):
        reading.open_book(path)


def test_xml_bomb_behind_a_padded_prolog_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "padded.xlsx", [["URN"], [100000]])
    padding = b"<!--" + b" " * 200_000 + b"-->"
    bomb = b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
    rewrite_member(path, "xl/workbook.xml",
                   lambda xml: bomb + re.sub(rb"^<\?xml[^>]*\?>", b"", xml))
    with pytest.raises(RefusedError, match="XML bomb"):
        reading.open_book(path)


def _scans(path):
    """A Windows-1252 file scanned both ways: decoding it (as UTF-8 files are) and from its bytes."""
    with path.open("rb") as fh:
        decoded = csv_reading._scan_text(fh, "cp1252", "ittdesk-latin1")
        from_bytes = csv_reading._scan_single_byte(fh)
    return decoded, from_bytes


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_a_windows_1252_file_scanned_from_its_bytes_finds_what_decoding_it_finds(tmp_path, delimiter):
    """The sample, the delimiter's and line feeds' counts and where formula text may start are
    the same without decoding the file: every byte is one character, the ASCII ones themselves."""
    size = csv_reading._SNIFF_CHARS + 2 * csv_reading._CHUNK + 123
    row = delimiter.join(["100000", '"Caf\xe9 \u20ac; \u201cA\u201d"', "Br\xf6nte", "01844 042223"]) + "\r\n"
    text = ("URN" + delimiter + "Name" + delimiter + "Town" + delimiter + "Phone\r\n"
            + row * (size // len(row)))
    data = bytearray(text.encode("cp1252"))
    # formula text placed across each edge where the bytes are read in parts
    for edge in (csv_reading._SNIFF_CHARS + 1, csv_reading._SNIFF_CHARS + 1 + csv_reading._CHUNK):
        data[edge - 2:edge + 1] = (delimiter + '"=').encode("cp1252")
    data += b"\x81\x8d undefined bytes past the first megabyte\r\n"
    path = tmp_path / "w.csv"
    path.write_bytes(bytes(data))
    decoded, from_bytes = _scans(path)
    assert from_bytes.sample == decoded.sample
    assert from_bytes.formula_after == decoded.formula_after == {delimiter}
    assert set(from_bytes.counts) == {delimiter, "\n"}
    for mark in (delimiter, "\n"):
        assert from_bytes.counts[mark] == decoded.counts[mark] > 0
    assert not from_bytes.nul and not decoded.nul


@pytest.mark.parametrize("content", [b"", b"=A1,B\r\n", b'"=1";2\n', b"a\nb", b"x" * 70000 + b"\n=1"])
def test_a_short_or_odd_windows_1252_file_scans_the_same_from_its_bytes(tmp_path, content):
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    decoded, from_bytes = _scans(path)
    delimiter = csv_reading.sniff_delimiter(decoded.sample[:csv_reading._SNIFF_CHARS],
                                            len(decoded.sample) <= csv_reading._SNIFF_CHARS)
    assert from_bytes.sample == decoded.sample
    assert from_bytes.formula_after == decoded.formula_after
    assert {k: from_bytes.counts[k] for k in (delimiter, "\n")} == {
        k: decoded.counts[k] for k in (delimiter, "\n")}


@pytest.mark.parametrize(("sample", "verdict"), [
    ("Caf\xe9 Br\xf6nte Zo\xeb \u2018quoted\u2019 \u2013 \u20ac5".encode("cp1252") * 50, None),
    ("\u65e5\u672c\u8a9e\u306e\u5b66\u6821".encode("shift_jis") * 50, "an encoding other than UTF-8 or Windows-1252"),
    ("\u5b78\u6821\u540d\u7a31".encode("big5") * 50, "an encoding other than UTF-8 or Windows-1252"),
    (b"plain ascii only, no high bytes", None),
    (b"ab\xe9\xe9cd", None),  # fewer than 4 non-ASCII bytes: too few to judge
    (b"\x82\x83\x84\x86 odd punctuation" * 20, "an encoding other than UTF-8 or Windows-1252"),
])
def test_which_non_utf8_bytes_are_read_as_windows_1252(sample, verdict):
    assert csv_reading.unsupported(sample) == verdict
