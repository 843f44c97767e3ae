"""Files that could crash or exhaust the machine are refused before any reader sees them.

Each mutant is made here from a small valid workbook and given to the real CLI in a child
process with its address space capped (RLIMIT_AS): before the preflight, python-calamine asked
for 512 GB for one far cell and the process died with SIGABRT; openpyxl grew to 24 GB. The child
must exit 1 with exactly one plain line on stderr, and the database must be as it was.
"""

from __future__ import annotations

import re
import resource
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 1536 * 1024 * 1024  # calamine, openpyxl and peewee load in ~150 MB
SHEET = "xl/worksheets/sheet1.xml"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    """The real CLI in a child with capped memory; the timeout only guards against a hang."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory,
                          cwd=ROOT)


def assert_one_plain_line(result: subprocess.CompletedProcess, *expected: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    line = lines[0]
    assert "Traceback" not in line and "unexpected error" not in line
    assert not re.search(r"\b[A-Za-z]*(Error|Exception)\b", line), line
    for text in expected:
        assert text in line, line
    return line


# -- a small valid workbook and its mutants -------------------------------------------------


def valid_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partner schools"
    ws.append(["URN", "School name", "Phase"])
    ws.append([900001, "Ashby Moor Primary", "Primary"])
    ws.append([900002, "Brook Lane Academy", "Secondary"])
    wb.save(path)
    return path


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def write_parts(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def mutant(tmp_path: Path, name: str, change) -> Path:
    parts = parts_of(valid_workbook(tmp_path / "valid.xlsx"))
    change(parts)
    return write_parts(tmp_path / f"{name}.xlsx", parts)


def in_sheet(change):
    def apply(parts):
        parts[SHEET] = change(parts[SHEET])
    return apply


def _add_row(row: bytes):
    return in_sheet(lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>"))


def _strings(count: bytes, body: bytes = b"<si><t>x</t></si>"):
    def apply(parts):
        parts["xl/sharedStrings.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="' + count + b'" uniqueCount="' + count + b'">'
            + body + b"</sst>")
    return apply


def _billion_laughs(xml: bytes) -> bytes:
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (i + 1, b"&lol%d;" % i * 10) for i in range(9))
    doctype = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + b"]>"
    return doctype + re.sub(rb"^<\?xml[^>]*\?>", b"", xml).replace(
        b"<v>900001</v>", b"<v>&lol9;</v>")


def _deeply_nested(xml: bytes) -> bytes:
    return xml.replace(b"</sheetData>", b"</sheetData>" + b"<x>" * 200_000 + b"</x>" * 200_000)


WORKBOOK_MUTANTS = {
    # name: (change, words the refusal must hold)
    "cell at XFD1048576": (_add_row(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
                           ("XFD1048576", "far beyond any real sheet")),
    "cell at EI1048576": (_add_row(b'<row r="1048576"><c r="EI1048576"><v>1</v></c></row>'),
                          ("EI1048576", "far beyond")),
    "a near row holding a far cell": (in_sheet(lambda x: x.replace(b'r="B2"', b'r="EI1048576"')),
                                      ("EI1048576", "far beyond")),
    "a column past Excel's last": (in_sheet(lambda x: x.replace(b'r="B2"', b'r="XFE2"')),
                                   ("XFE2", "far beyond")),
    "a row past Excel's last": (in_sheet(lambda x: x.replace(b'r="B2"', b'r="B1048577"')),
                                ("B1048577", "far beyond")),
    "a far declared dimension": (in_sheet(lambda x: re.sub(rb'<dimension ref="[^"]*"',
                                                           b'<dimension ref="A1:XFD1048576"', x)),
                                 ("A1:XFD1048576", "far beyond")),
    "cells without references past the last column": (
        _add_row(b"<row>" + b"<c><v>1</v></c>" * 16_400 + b"</row>"), ("16,384", "far beyond")),
    "four billion shared strings declared": (_strings(b"4000000000"), ("shared strings",)),
    "an XML bomb": (in_sheet(_billion_laughs), ("XML entities",)),
    "a sheet cut short": (in_sheet(lambda x: x[: len(x) // 2]), ("cut short",)),
}


@pytest.fixture
def schools_db(tmp_path):
    """A database with two schools (made in this process, then closed)."""
    from ittdesk import db as dbmod
    from ittdesk.services.schools import schools

    path = tmp_path / "live.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    schools.create({"urn": 100001, "name": "Moorside Primary", "phase": "primary"})
    schools.create({"urn": 100002, "name": "Castle Hill Academy", "phase": "secondary"})
    dbmod.close_database()
    return path


@pytest.fixture
def empty_db(tmp_path):
    from ittdesk import db as dbmod

    path = tmp_path / "empty.sqlite3"
    dbmod.open_database(path, daily_backup=False)
    dbmod.close_database()
    return path


def snapshot(path: Path) -> dict[str, int]:
    """Rows in every table (audit entries and import runs included)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


@pytest.mark.parametrize("name", WORKBOOK_MUTANTS)
@pytest.mark.slow
def test_import_refuses_a_hostile_workbook_in_one_line_and_changes_nothing(name, tmp_path,
                                                                           schools_db):
    change, expected = WORKBOOK_MUTANTS[name]
    path = mutant(tmp_path, "hostile", change)
    before = snapshot(schools_db)
    assert before["school"] == 2 and before["audit_entry"] >= 2
    result = run_cli("import", "schools", path, "--db", schools_db)
    assert_one_plain_line(result, "hostile.xlsx", *expected)
    assert snapshot(schools_db) == before


@pytest.mark.slow
def test_the_valid_workbook_the_mutants_come_from_is_imported(tmp_path, schools_db):
    path = valid_workbook(tmp_path / "valid.xlsx")
    result = run_cli("import", "schools", path, "--db", schools_db)
    assert result.returncode == 0, result.stderr
    assert snapshot(schools_db)["school"] == 4


def test_a_deeply_nested_sheet_does_not_exhaust_the_machine(tmp_path, schools_db):
    path = mutant(tmp_path, "nested", in_sheet(_deeply_nested))
    before = snapshot(schools_db)
    result = run_cli("import", "schools", path, "--db", schools_db, "--dry-run")
    # calamine streams the XML (no tree): the ordinary cells are read, the nesting ignored
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 to add" in result.stdout and "Dry run: nothing was written" in result.stdout
    assert snapshot(schools_db) == before


def _corrupt_crc(path: Path) -> None:
    """Flip one byte of the sheet's compressed data: the CRC no longer matches."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(SHEET)
    data = bytearray(path.read_bytes())
    name_len, extra_len = (int.from_bytes(data[info.header_offset + 26:info.header_offset + 28],
                                          "little"),
                           int.from_bytes(data[info.header_offset + 28:info.header_offset + 30],
                                          "little"))
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _zip_bomb(path: Path, member: str, size: int) -> Path:
    """A real zip bomb: ``size`` bytes of spaces inside ``member``, compressed ~1000 times."""
    parts = parts_of(valid_workbook(path.with_name("base.xlsx")))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if name != member:
                z.writestr(name, data)
        with z.open(member, "w", force_zip64=True) as fh:
            fh.write(parts[member][:-len(b"</worksheet>")])
            block = b" " * (1024 * 1024)
            for _ in range(size // len(block)):
                fh.write(block)
            fh.write(b"</worksheet>")
    return path


def _declared_size(path: Path, member: str, size: int) -> Path:
    """Rewrite the central directory so ``member`` declares ``size`` bytes uncompressed."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == name:
            data[at + 24:at + 28] = size.to_bytes(4, "little")
            break
        at = data.find(b"PK\x01\x02", at + 4)
    assert at >= 0
    path.write_bytes(bytes(data))
    return path


@pytest.mark.slow
def test_damaged_archives_are_refused_in_one_line(tmp_path, schools_db):
    crc = valid_workbook(tmp_path / "crc.xlsx")
    _corrupt_crc(crc)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(valid_workbook(tmp_path / "whole.xlsx").read_bytes()[:2500])
    before = snapshot(schools_db)
    for path in (crc, cut):
        result = run_cli("import", "schools", path, "--db", schools_db)
        assert_one_plain_line(result, path.name, "damaged")
    assert snapshot(schools_db) == before


@pytest.mark.slow
def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, schools_db):
    bomb = _zip_bomb(tmp_path / "bomb.xlsx", SHEET, 64 * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024
    declared = _declared_size(valid_workbook(tmp_path / "declared.xlsx"), SHEET, 3 * 2**30)
    before = snapshot(schools_db)
    for path in (bomb, declared):
        result = run_cli("import", "schools", path, "--db", schools_db)
        assert_one_plain_line(result, path.name, "zip bomb")
    assert snapshot(schools_db) == before


def test_import_all_refuses_a_hostile_workbook(tmp_path, empty_db):
    change, expected = WORKBOOK_MUTANTS["cell at XFD1048576"]
    path = mutant(tmp_path, "export", change)
    before = snapshot(empty_db)
    result = run_cli("import", "all", path, "--db", empty_db)
    assert_one_plain_line(result, "export.xlsx", *expected)
    assert snapshot(empty_db) == before


TEMPLATE_MUTANTS = {
    "cell at XFD1048576": WORKBOOK_MUTANTS["cell at XFD1048576"][0],
    "a merged block of 5 million cells": in_sheet(lambda x: x.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A5:Z200000"/>'
                         b"</mergeCells>")),
    "a hyperlink over a whole sheet": in_sheet(lambda x: x.replace(
        b"<pageMargins", b'<hyperlinks><hyperlink ref="A1:XFD1048576" display="x"/></hyperlinks>'
                         b"<pageMargins")),
    "an element nested 300,000 deep": in_sheet(lambda x: x.replace(
        b"</sheetData>", b"</sheetData>" + b"<x>" * 300_000 + b"</x>" * 300_000)),
    "a comment at the last cell": lambda parts: parts.update({
        "xl/comments1.xml": b'<?xml version="1.0"?><comments xmlns="http://schemas.openxmlformats'
                            b'.org/spreadsheetml/2006/main"><authors><author>x</author></authors>'
                            b'<commentList><comment ref="XFD1048576" authorId="0"><text><t>x</t>'
                            b"</text></comment></commentList></comments>"}),
}


@pytest.mark.parametrize("name", TEMPLATE_MUTANTS)
@pytest.mark.slow
def test_template_fill_refuses_a_hostile_template(name, tmp_path, schools_db):
    path = mutant(tmp_path, "la-template", TEMPLATE_MUTANTS[name])
    out = tmp_path / "filled.xlsx"
    before = snapshot(schools_db)
    result = run_cli("export", "partnership", out, "--template", path, "--db", schools_db)
    assert_one_plain_line(result, "la-template.xlsx", "it was not read")
    assert not out.exists()
    assert snapshot(schools_db) == before


def test_a_gigabyte_template_bomb_is_refused_from_its_declared_size(tmp_path, schools_db):
    path = _declared_size(valid_workbook(tmp_path / "big-template.xlsx"), SHEET, 2**30)
    result = run_cli("export", "partnership", tmp_path / "out.xlsx", "--template", path,
                     "--db", schools_db)
    assert_one_plain_line(result, "big-template.xlsx", "zip bomb")


def test_collecting_a_hostile_form_refuses_it(tmp_path):
    path = mutant(tmp_path, "form", WORKBOOK_MUTANTS["cell at XFD1048576"][0])
    code = ("import sys\nfrom pathlib import Path\nfrom ittdesk.leadership import collect\n"
            "try:\n    collect.read_form(Path(sys.argv[1]), None)\n"
            "except collect.FormRefused as exc:\n    print(exc, file=sys.stderr)\n"
            "    sys.exit(1)\n")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, timeout=120, preexec_fn=_limit_memory, cwd=ROOT)
    line = assert_one_plain_line(result, "XFD1048576", "far beyond")
    assert line.startswith("says it has a cell")


# -- OpenDocument, CSV, .xls, SQLite -----------------------------------------------------------

ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="Schools">'
    '<table:table-row><table:table-cell office:value-type="string"><text:p>URN</text:p>'
    '</table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row>')
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>')


def write_ods(path: Path, body: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", MANIFEST)
        z.writestr("content.xml", ODS_HEAD + body + ODS_TAIL)
    return path


def test_ods_repeats_that_multiply_out_to_billions_of_cells_are_refused(tmp_path, schools_db):
    path = write_ods(tmp_path / "repeats.ods", (
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
        'office:value-type="float" office:value="1" table:number-columns-repeated="16384">'
        "<text:p>1</text:p></table:table-cell></table:table-row>"))
    before = snapshot(schools_db)
    result = run_cli("import", "schools", path, "--db", schools_db)
    assert_one_plain_line(result, "repeats.ods", "far beyond")
    assert snapshot(schools_db) == before


def test_ods_empty_cells_repeated_to_the_sheet_edge_as_libreoffice_writes_them_are_read(tmp_path):
    from ittdesk.spreadsheets import reading

    path = write_ods(tmp_path / "libre.ods", (
        '<table:table-row><table:table-cell office:value-type="float" office:value="100000">'
        "<text:p>100000</text:p></table:table-cell>"
        '<table:table-cell table:number-columns-repeated="16383"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
        'table:number-columns-repeated="16384"/></table:table-row>'))
    book = reading.open_book(path)
    assert [reading.value(c) for c in book.sheet("Schools").rows[1][:1]] == [100000]


CSV_MUTANTS = {
    "a NUL byte after the first 64 KB": (
        b"URN,School name\r\n" + b"100001,Moorside Primary\r\n" * 4000 + b"100002,Cas\x00tle\r\n",
        ("binary data",)),
    "UTF-16 with an odd number of bytes": (
        "URN,School name\r\n100001,Moorside Primary\r\n".encode("utf-16") + b"\x00",
        ("UTF-16",)),
    "UTF-16 holding a NUL": ("URN,School name\r\n100001,Moor\x00side\r\n".encode("utf-16"),
                            ("binary data",)),
    "a field larger than any cell": (b'URN,School name\r\n100001,"' + b"x" * 200_000 + b'"\r\n',
                                     ("not a readable CSV file",)),
    "twelve million empty cells": (b"URN,School name\r\n" + b"," * 12_000_000,
                                   ("cells, far more than any real CSV file",)),
}


@pytest.mark.parametrize("name", CSV_MUTANTS)
def test_import_refuses_a_hostile_csv_in_one_line(name, tmp_path, schools_db):
    data, expected = CSV_MUTANTS[name]
    path = tmp_path / "schools.csv"
    path.write_bytes(data)
    before = snapshot(schools_db)
    result = run_cli("import", "schools", path, "--db", schools_db)
    assert_one_plain_line(result, "schools.csv", *expected)
    assert snapshot(schools_db) == before


def test_restore_refuses_a_file_that_is_not_sqlite_or_is_cut_short_before_checking_it(
        tmp_path, schools_db):
    from ittdesk import backup

    copy = backup.copy_database(schools_db, tmp_path / "copy.sqlite3")
    cut = tmp_path / "cut.sqlite3"
    cut.write_bytes(copy.read_bytes()[:4096 + 100])
    header = bytearray(copy.read_bytes())
    header[28:32] = (10**6).to_bytes(4, "big")  # claims a million pages
    claims = tmp_path / "claims.sqlite3"
    claims.write_bytes(bytes(header))
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"PK\x03\x04" + b"\x00" * 5000)
    before = snapshot(schools_db)
    for path, words in ((cut, "cut short"), (claims, "cut short"), (junk, "not an ITT Desk")):
        result = run_cli("restore", path, "--db", schools_db)
        assert_one_plain_line(result, "Not restored", path.name, words)
    assert snapshot(schools_db) == before
