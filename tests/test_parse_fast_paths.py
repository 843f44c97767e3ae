"""The common cells of a large import parsed by shortcuts (issue 22, C11): a URN, phone or
postcode cell of plain text, and a text cell read into a record, come out exactly as the
general steps give them, refusals worded the same."""

from __future__ import annotations

import functools
import random
import re
import string

import pytest

from ittdesk import fields as F
from ittdesk.services.memo import outcome_of
from ittdesk.spreadsheets import reading
from ittdesk.spreadsheets.import_rows import read_records


class Text(str):
    """A str that is not exactly str: the parsers take their general steps for it."""


def _outcome(parse, value):
    try:
        return True, parse(value)
    except ValueError as exc:
        return False, str(exc)


def _cells() -> list[str]:
    rng = random.Random(22)
    fixed = ["100000", "10000", "9999", "9999999", "10000000", "0123456", "000000", "0",
             "1844042223", "01844042223", "0184404222", "184404222", "12345678901234567890123456789012",
             "١٢٣٤٥٦", "١٨٤٤٠٤٢٢٢٣", "²³⁴⁵⁶⁷", "100 000", " 100000", "100000 ", "URN 100000",
             "100000.0", "LL17 2HH", "ll172hh", "LL17  2HH", " m14 1hh ", "M1 1AA\u00a0", "SW1A 1AA",
             "EC1A1BB", "GIR 0AA", "BD25 7YA\t", "n/a", "N/A", "", " ", "none", "-", "?",
             "12\x0034", "12\u200b34", "Ⅻ", "ß1 1AA", "AB1 2CD\u2007"]
    alphabet = string.ascii_letters + string.digits + " \t/-.'\u00a0١٢"
    randoms = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    digits = [str(rng.randint(0, 10**rng.randint(1, 12))) for _ in range(3000)]
    postcodes = [f"{rng.choice(['A', 'LL', 'm', 'SW'])}{rng.randint(1, 99)}"
                 f"{rng.choice(['', ' ', '  '])}{rng.randint(0, 9)}{rng.choice(['AA', 'hh', 'ZY'])}"
                 for _ in range(1000)]
    return fixed + randoms + digits + postcodes


@pytest.mark.parametrize("parse", [F.urn, F.phone, F.postcode, F.text,
                                   functools.partial(F.text, max_length=6)])
def test_a_plain_text_cell_parses_as_the_general_steps_parse_it(parse):
    for cell in _cells():
        if F.CONTROL_CHARACTERS.search(cell):  # refused before any parser (Text is not looked at)
            ok, reason = outcome_of(parse, cell)
            assert not ok and reason.startswith("holds a control character (U+0000)"), repr(cell)
            continue
        assert _outcome(parse, cell) == _outcome(parse, Text(cell)), repr(cell)
        # and through the plan's memo, which looks for control characters first
        assert outcome_of(parse, cell) == outcome_of(parse, Text(cell)), repr(cell)


def _kept(cell: str) -> str | None:
    """What a text cell becomes in a record, by the rules written out: spaces and a leading
    apostrophe off, an Excel error or an empty word (any case, any spacing) dropped."""
    text = cell.strip(reading.SPACES)
    if text[:1] == "'":
        text = text[1:].strip(reading.SPACES)
    if not text or text in reading.ERRORS or text.strip().lower() in F.EMPTY_WORDS:
        return None
    return text


def test_text_cells_are_kept_or_dropped_by_the_same_rules_whatever_they_start_with():
    rng = random.Random(7)
    words = sorted(F.EMPTY_WORDS | reading.ERRORS)
    cells = list(words)
    cells += [w.upper() for w in words] + [f"  {w.title()}\u3000" for w in words]
    cells += [f"'{w}" for w in words] + [f"\x1c{w}" for w in words] + ["'", "''", "İ", "Ｎ/A"]
    cells += ["Northumberland", "Unity Academy", "north road", "NA1 1AA", "-1", "#1 School",
              "Ümit", "Ölçek", "\u3000n/a", "x", "N", "u", "Na", "nil ", "Nil\t"]
    alphabet = "nNuUaAl/.-#?! 0123456789\u00a0\u3000'xyzÉé—–"
    cells += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 18))) for _ in range(4000)]
    rows = [(n + 2, [c, "x"]) for n, c in enumerate(cells)]
    records = read_records(rows, [(0, "name"), (1, "other")], ["Name", "Other"], set(), False,
                           [], lambda: None)
    got = {r.row: r.raw.get("name") for r in records}
    for number, row in rows:
        assert got.get(number) == _kept(row[0]), repr(row[0])


def test_str_split_removes_exactly_what_the_whitespace_pattern_matches():
    """The postcode shortcut joins ``str.split()``'s parts where the general step removes
    ``\\s+``: the same characters, every code point."""
    text = "".join(map(chr, range(0x110000)))
    assert "".join(text.split()) == re.compile(r"\s+").sub("", text)


def _reference_rows(rows, width):
    """The data rows under a header on row 1, by the public checks alone: blank rows skipped,
    reading stopped at a totals or notes row."""
    from ittdesk.spreadsheets import headers

    kept, blank = [], 0
    for number, row in enumerate(rows[1:], start=2):
        if headers.is_blank(row):
            blank += 1
            continue
        if headers.is_trailer(row, width):
            return kept, blank, number
        kept.append((number, list(row) + [None] * (width - len(row))))
    return kept, blank, None


def test_data_rows_starting_with_a_letter_or_digit_are_read_as_every_row_is_checked():
    from ittdesk.spreadsheets import headers

    rng = random.Random(5)
    firsts = ["100000", "Alder", "alder", "Total", "TOTAL", "total:", "Grand total", "Notes: x",
              "notes", "Source - DfE", "Key:", "* provisional", "Sub-total", "Kent", "sidings",
              "ſource:", " 12", "\u00a0Total", "", None, 7, 7.5, "g", "N", "Z", "'1"]
    for _round in range(300):
        width = rng.randint(1, 4)
        rows = [["h"] * width]
        for _ in range(rng.randint(0, 8)):
            row = [rng.choice(firsts)] + [rng.choice(["", None, "x", "Total"])
                                          for _ in range(rng.randint(0, width))]
            rows.append(row)
        header = headers.HeaderRow(index=0, headings=["h"] * width, matches={}, confidence=1.0)
        block = headers.DataBlock(rows=[])
        got = [(n, list(r)) for n, r in headers.iter_data_rows(rows, header, block)]
        kept, blank, stopped = _reference_rows(rows, width)
        assert (got, block.blank_rows if stopped is None else None, block.stopped_at) == (
            kept, blank if stopped is None else None, stopped), rows
