"""Parsing remembered per distinct value during a plan gives what parsing every cell gives."""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from ittdesk.models import School
from ittdesk.services.people import people
from ittdesk.services.programmes import enrolments
from ittdesk.services.schools import schools
from ittdesk.spreadsheets import importing
from ittdesk.spreadsheets.import_rows import current_memo, parse_with, remembering

# values whose outcomes a careless memo would mix up: True == 1 == 1.0, "1" != 1, date vs
# datetime, blanks, refusals
AWKWARD = ["Primary", "primary ", "PRIMARY", "n/a", "", "  ", "not a phase", 1, 1.0, True, False,
           0, "1", "100000", 100000, 100000.0, "URN 100001", "12/13/2020", "01/09/2025",
           date(2025, 9, 1), datetime(2025, 9, 1, 10, 30), 45000, 45000.5, "SW1A 1AA", "sw1a1aa",
           "not a postcode", "x" * 250, "A@B.CO", "a@b", "7", "0123 456 7890", 1234567890,
           "mailto:Head@School.org.uk", "2025/26", "Open, but proposed to close"]


def test_clean_with_a_memo_gives_what_clean_without_one_gives_for_every_field():
    for service in (schools, people, enrolments):
        names = [f.name for f in service.fields if not f.reads_database]
        with remembering():
            for _round in range(2):  # the second round is served from the memo
                for value in AWKWARD:
                    for name in names:
                        for partial in (True, False):
                            assert service.clean({name: value}, partial=partial,
                                                 memo=current_memo()) == \
                                service.clean({name: value}, partial=partial), (name, value)
        # several fields at once: same values, same messages, in the same order
        data = {name: AWKWARD[i % len(AWKWARD)] for i, name in enumerate(names)}
        with remembering():
            assert list(service.clean(data, memo=current_memo())[1].items()) == list(
                service.clean(data)[1].items())


def test_a_parser_that_reads_the_database_is_asked_every_time(db):
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary"})
    with remembering():
        parsing = current_memo().table(enrolments)[0]["home_school"]
        assert parsing[2] is None  # nothing remembered for it
        assert parse_with(parsing, school.id) == (True, school.id)
        School.delete().where(School.id == school.id).execute()
        assert parse_with(parsing, school.id) == (False, f"there is no school #{school.id}")


def test_clean_with_a_memo_asks_the_database_again_for_a_reference(db):
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary"})
    with remembering() as memo:
        assert enrolments.clean({"home_school": school.id}, partial=True, memo=memo) == (
            {"home_school": school.id}, {})
        School.delete().where(School.id == school.id).execute()
        values, errors = enrolments.clean({"home_school": school.id}, partial=True, memo=memo)
        assert values == {} and errors["home_school"].endswith(f"there is no school #{school.id}")


def test_outcomes_are_remembered_only_while_planning():
    calls = []

    def parse(value):
        calls.append(value)
        if value == "bad":
            raise ValueError("is bad")
        return str(value).upper()

    class Kind:
        fields = (importing.ImportField("x", "X", parse=parse),)

    with remembering():
        parsing = current_memo().table(Kind)[0]["x"]
        assert [parse_with(parsing, v) for v in ("a", "bad", "a", "bad", 1, True, 1.0, "1")] == [
            (True, "A"), (False, "is bad"), (True, "A"), (False, "is bad"), (True, "1"),
            (True, "TRUE"), (True, "1.0"), (True, "1")]
        assert parse_with(parsing, [1]) == (True, "[1]")  # unhashable: parsed, not remembered
    assert calls.count("a") == 1 and calls.count("bad") == 1
    outside = current_memo().table(Kind)[0]["x"]
    parse_with(outside, "a")
    parse_with(outside, "a")
    assert calls.count("a") == 3


def test_the_same_bad_value_on_many_rows_is_refused_on_each_row(db, tmp_path):
    path = tmp_path / "schools.csv"
    rows = [["URN", "School name", "Phase", "Postcode", "Head first name", "Head last name",
             "Head email"]]
    for i in range(6):
        rows.append([str(100001 + i), f"School {i}", "Middle earth" if i % 2 else "Primary",
                     "not a postcode" if i % 3 == 0 else "AB1 2CD", "Ann", "Lee",
                     "not an email" if i in (1, 4) else f"ann{i}@example.org"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    source = importing.load_source(path, "schools")
    try:
        plan = importing.plan_import(source)
    finally:
        source.book.close()
    assert [str(r) for r in plan.refused] == [
        "row 2, column 'Postcode': 'not a postcode' is not a UK postcode",
        "row 3, column 'Phase': 'Middle earth' is not a phase (one of: Nursery, Primary, Middle "
        "deemed primary, Secondary, Middle deemed secondary, 16 plus, All-through, Special, "
        "Alternative provision / PRU, Not applicable)",
        "row 3, column 'Head email': 'not an email' is not an email address",
        "row 5, column 'Phase': 'Middle earth' is not a phase (one of: Nursery, Primary, Middle "
        "deemed primary, Secondary, Middle deemed secondary, 16 plus, All-through, Special, "
        "Alternative provision / PRU, Not applicable)",
        "row 5, column 'Postcode': 'not a postcode' is not a UK postcode",
        "row 6, column 'Head email': 'not an email' is not an email address",
        "row 7, column 'Phase': 'Middle earth' is not a phase (one of: Nursery, Primary, Middle "
        "deemed primary, Secondary, Middle deemed secondary, 16 plus, All-through, Special, "
        "Alternative provision / PRU, Not applicable)",
    ]
    assert [i.row for i in plan.adds] == [4]


def test_the_page_cache_is_set_back_after_applying_even_on_failure(sqlite_db, tmp_path):
    from ittdesk.errors import RefusedError
    from ittdesk.models import database

    before = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    path = tmp_path / "schools.csv"
    path.write_text("URN,School name\n100001,Ashby Moor Primary\n100002,\n", encoding="utf-8")
    plan, result = importing.run_import(path, "schools", skip_invalid=True)
    assert result.added == 1
    assert database.execute_sql("PRAGMA cache_size").fetchone()[0] == before
    with pytest.raises(RefusedError):
        importing.run_import(path, "schools")  # a refused row: nothing written
    assert database.execute_sql("PRAGMA cache_size").fetchone()[0] == before


def test_the_page_cache_while_applying_is_the_import_kinds_own(sqlite_db, tmp_path):
    """The schools import writes in a 128 MB page cache, the others in 32 MB (their peak
    memory), each set back afterwards."""
    from ittdesk.models import database
    from ittdesk.spreadsheets.import_schools import SchoolImport

    before = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    seen: list[int] = []

    def progress(_done: int, _total: int | None, _text: str) -> None:
        seen.append(database.execute_sql("PRAGMA cache_size").fetchone()[0])

    schools_csv = tmp_path / "schools.csv"
    schools_csv.write_text("URN,School name\n100001,Ashby Moor Primary\n", encoding="utf-8")
    importing.run_import(schools_csv, "schools", progress=progress)
    assert SchoolImport.apply_cache_mb == 128
    assert seen and seen[-1] == -128 * 1024
    seen.clear()
    people_csv = tmp_path / "people.csv"
    people_csv.write_text("First name,Last name,Email\nAda,Quarrie,ada@example.org\n",
                          encoding="utf-8")
    importing.run_import(people_csv, "people", progress=progress)
    assert seen and seen[-1] == -32 * 1024
    assert database.execute_sql("PRAGMA cache_size").fetchone()[0] == before


def test_text_cells_are_read_as_reading_value_and_is_empty_read_them():
    from ittdesk import fields
    from ittdesk.spreadsheets import csv_reading, reading
    from ittdesk.spreadsheets.import_rows import read_records

    cells = ["", " ", "\u00a0x\u200b", "#N/A", " #REF! ", "n/a", " N/A ", "None", "-", "—", "?",
             "not given", "Ysgol Ŵ", "\ufeffURN", "0", "  12 ", "=A1", "\t\n", "x\u2007", None, 0,
             1.0, 2.5, True, date(2025, 9, 1), csv_reading.FormulaText("=SUM(A1)"), float("nan")]
    rows = [(n + 2, [cell]) for n, cell in enumerate(cells)]
    refused = []
    got = {r.row: r.raw["x"] for r in read_records(rows, [(0, "x")], ["X"], set(), False,
                                                   refused, lambda: None)}
    want = {}
    for number, (cell,) in rows:
        v = reading.value(cell)
        if v is not None and not fields.is_empty(v) and not isinstance(v, csv_reading.FormulaText):
            want[number] = v
    assert got == want
    assert all(type(got[n]) is type(want[n]) for n in want)
    assert [str(r) for r in refused] == [
        f"row {len(cells)}, column 'X': holds a formula (=SUM(A1)), not a value"]


def test_clean_of_named_cells_of_a_record_cleans_them_as_the_service_does():
    raw = {"urn": "100001", "name": "", "phase": "Middle earth", "postcode": "sw1a1aa",
           "head_first_name": "Ann", "phone": 1234567890}
    names = [f.name for f in schools.fields]
    with remembering():
        for partial in (True, False):
            data = {n: raw[n] for n in names if n in raw}
            got = schools.clean(raw, names=names, partial=partial, memo=current_memo())
            want = schools.clean(data, partial=partial)
            assert got == want and list(got[1]) == list(want[1])


def test_pausing_the_collector_leaves_it_as_it_was_and_cycles_still_collectable():
    import gc
    import weakref

    class Node:
        pass

    was_enabled = gc.isenabled()  # the test session may run with it off
    gc.enable()
    try:
        with importing.paused_gc():
            assert not gc.isenabled()
            a, b = Node(), Node()
            a.other, b.other = b, a  # a cycle made while paused
            probe = weakref.ref(a)
            del a, b
        assert gc.isenabled() and gc.get_freeze_count() == 0
        gc.collect()
        assert probe() is None
        gc.disable()
        with importing.paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_a_schools_urn_is_parsed_once_though_the_memo_let_it_go(db, tmp_path, monkeypatch):
    """The schools' plan reads every URN in a first pass and cleans the rows in a second: a URN
    the capped memo has let go by then is not parsed again (the one outcome is kept for it)."""
    from ittdesk.services import base, memo

    monkeypatch.setattr(memo, "MEMO_LIMIT", 3)
    urn_parse = schools.field("urn").parse
    parsed = []
    for module in (base, memo):
        real = module.outcome_of

        def counting(parse, raw, real=real):
            if parse is urn_parse:
                parsed.append(raw)
            return real(parse, raw)

        monkeypatch.setattr(module, "outcome_of", counting)
    path = tmp_path / "schools.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["URN", "School name"]]
                                 + [[str(300000 + n), f"School {n}"] for n in range(10)])
    plan = importing.plan_import(importing.load_source(path, "schools"))
    assert [item.payload["values"]["urn"] for item in plan.items] == [300000 + n for n in range(10)]
    assert sorted(parsed) == [str(300000 + n) for n in range(10)]  # each once


def test_a_schools_plan_that_mostly_updates_applies_in_the_default_page_cache(sqlite_db, tmp_path):
    """The schools import's 128 MB cache holds the pages its new rows fill; a re-import that
    mostly updates the schools already held (the monthly GIAS refresh) writes in 32 MB, which
    took no longer and kept its peak under issue 22's 400 MB (BENCHMARKS.md, U8)."""
    from ittdesk.models import School, database

    seen: list[int] = []

    def progress(_done: int, _total: int | None, _text: str) -> None:
        seen.append(database.execute_sql("PRAGMA cache_size").fetchone()[0])

    def run(name: str, text: str) -> None:
        seen.clear()
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        importing.run_import(path, "schools", progress=progress)

    run("new.csv", "URN,School name\n100001,Ashby Moor Primary\n100002,Brook Lane Academy\n")
    assert seen and seen[-1] == -128 * 1024
    run("refresh.csv", "URN,School name\n100001,Ashby Moor Primary School\n"
                       "100002,Brook Lane Academy Trust\n")
    assert seen and seen[-1] == -32 * 1024
    assert School.get(School.urn == 100002).name == "Brook Lane Academy Trust"
    run("half.csv", "URN,School name\n100002,Brook Lane\n100003,Cole Green Infants\n")
    assert seen and seen[-1] == -128 * 1024  # as many added as updated


def test_clean_keeps_at_most_memo_limit_outcomes_of_a_field_and_still_parses_each_value(
        monkeypatch):
    """A column of distinct values (emails, trainee IDs) gains nothing from the memo: clean's
    own look-up is capped as ``parse_with`` is (100,000 emails held their outcomes, keys and
    dict to the plan's end), with the same values and refusals."""
    from ittdesk.services import base
    from ittdesk.services.memo import ParseMemo

    monkeypatch.setattr(base, "MEMO_LIMIT", 3)
    memo = ParseMemo()
    seen = memo.table(people)[0]["email"][2]
    assert seen is not None
    for n in range(10):
        values, errors = people.clean({"email": f" Trainee{n}@Example.org "}, names=("email",),
                                      partial=True, memo=memo)
        assert (values, errors) == ({"email": f"trainee{n}@example.org"}, {})
        assert len(seen) <= 3
    values, errors = people.clean({"email": "not an email"}, names=("email",), partial=True,
                                  memo=memo)
    assert values == {} and errors == people.clean({"email": "not an email"}, partial=True)[1]

