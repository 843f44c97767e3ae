"""A minimal, fast, deterministic .xlsx writer for generated test data (not for the app).

openpyxl would take about a minute to write 50,000 x 139 cells; this writes the same workbook
(shared strings, numbers, real date cells, a ``<dimension>``) in a fraction of that, and the
bytes depend only on the rows (no timestamps), so the same seed gives the same file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

_EPOCH = date(1899, 12, 30)

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_xlsx(path: Path, rows: Iterable[Sequence[Any]], *, width: int, sheet_name: str = "Sheet1",
               title_rows: Sequence[str] = ()) -> int:
    """Write ``rows`` (str, int, float, date, datetime, None) to one sheet; returns rows written.

    ``title_rows`` are single-cell rows above the data (the title lines people put above a table).
    """
    letters = [column_letter(i) for i in range(width)]
    strings: dict[str, int] = {}
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=4) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK.format(name=escape(sheet_name)))
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", STYLES)
        rows = list(rows) if not isinstance(rows, list) else rows
        last_row = len(rows) + len(title_rows)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            out: list[str] = [
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<dimension ref="A1:{letters[-1]}{max(last_row, 1)}"/><sheetData>'
            ]
            r = 0
            for text in title_rows:
                r += 1
                idx = strings.setdefault(text, len(strings))
                out.append(f'<row r="{r}"><c r="A{r}" t="s"><v>{idx}</v></c></row>')
            for row in rows:
                r += 1
                cells = [f'<row r="{r}">']
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    ref = f"{letters[c]}{r}"
                    if isinstance(value, str):
                        idx = strings.get(value)
                        if idx is None:
                            idx = strings[value] = len(strings)
                        cells.append(f'<c r="{ref}" t="s"><v>{idx}</v></c>')
                    elif isinstance(value, bool):
                        cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
                    elif isinstance(value, datetime):
                        serial = (value - datetime(1899, 12, 30)).total_seconds() / 86400
                        cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
                    elif isinstance(value, date):
                        cells.append(f'<c r="{ref}" s="1"><v>{(value - _EPOCH).days}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                cells.append("</row>")
                out.append("".join(cells))
                count += 1
                if len(out) >= 500:
                    fh.write("".join(out).encode("utf-8"))
                    out.clear()
            out.append("</sheetData></worksheet>")
            fh.write("".join(out).encode("utf-8"))
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      f'count="{len(strings)}" uniqueCount="{len(strings)}">').encode())
            chunk: list[str] = []
            for text in strings:  # dicts keep insertion order = index order
                chunk.append(f'<si><t xml:space="preserve">{escape(text)}</t></si>')
                if len(chunk) >= 2000:
                    fh.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            chunk.append("</sst>")
            fh.write("".join(chunk).encode("utf-8"))
    tmp.replace(path)
    return count
