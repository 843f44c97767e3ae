"""The indexed search (ittdesk.search_index): the same rows as the plain search, found through
an index (SQLite FTS5 trigram, PostgreSQL pg_trgm) kept in step with every write."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from conftest import POSTGRES_URL, open_test_database
from peewee import PostgresqlDatabase
from test_queries import YEAR, partnership  # noqa: F401 - the shared fixture

from ittdesk import backup, migrations, search_index
from ittdesk.models import Person, SchemaVersion, database
from ittdesk.privacy import erasure
from ittdesk.queries.lists import (
    AGREEMENTS,
    ENROLMENTS,
    LISTS,
    PEOPLE,
    PLACEMENTS,
    SCHOOLS,
)
from ittdesk.services.people import people
from ittdesk.services.programmes import enrolments, placements
from ittdesk.services.schools import schools

INDEXED_LISTS = (SCHOOLS, PEOPLE, ENROLMENTS, PLACEMENTS, AGREEMENTS)


def _unindexed(query):
    """The same list without its index: the plain search every result must equal."""
    return replace(query, search_index=())


def _may_hold(table: str, word: str) -> set[int]:
    """What the index itself says (not the list's recheck), by id."""
    sub = search_index.matching_ids(table, word)
    assert sub is not None, (table, word)
    model = search_index.INDEXED[table].model
    return {i for (i,) in database.execute(model.select(model.id).where(model.id.in_(sub)))}


@pytest.fixture
def more(partnership):  # noqa: F811 - the fixture above
    """Names with accents, case, punctuation and LIKE's own wildcards in them."""
    made = {
        "accent": people.create({"first_name": "Zoë", "last_name": "Ó Súilleabháin",
                                 "email": "zoe@example.org", "phone": "0113 496 0000"}),
        "upper": people.create({"first_name": "ÉLODIE", "last_name": "D'ARCY"}),
        "wild": people.create({"first_name": "Per%cy", "last_name": "Under_wood"}),
        "quote": people.create({"first_name": 'Jo "JJ"', "last_name": "Quinn"}),
    }
    made["school"] = schools.create({"urn": 123456, "name": "École Saint-Étienne",
                                     "town": "Moorhaven", "email": "office@ecole.example.org"})
    enrolment = enrolments.create({"person": made["accent"].id,
                                   "cohort": partnership["cohort"].id, "status": "enrolled",
                                   "subject": "Modern languages", "trainee_id": "TR-0042"})
    placements.create({"enrolment": enrolment.id, "school": made["school"].id,
                       "mentor": made["upper"].id, "start_date": YEAR.start + timedelta(days=30),
                       "end_date": YEAR.start + timedelta(days=60), "subject": "French"})
    return made


WORDS = ("fern", "FERN", "oor", "moor", "ls1", "100001", "123456", "234", "ada greaves",
         "ada naylor", "greaves", "lumb", "lumb ivy", "zoë", "ZOË", "zoe", "súil", "SÚIL",
         "suil", "élodie", "ÉLODIE", "elodie", "d'arcy", "D'Ar", "per%cy", "%cy", "r_w",
         "under_wood", "underxwood", '"jj"', 'jo "jj"', "jj", "tr-0042", "0042", "modern",
         "french", "primary", "reading", "early rea", "example.org", "0113", "496", "a",
         "é", "zz", "étienne", "ÉTIENNE", "saint-é", "mentor", "   ", "x y z")


def test_every_list_finds_exactly_the_rows_the_plain_search_finds_in_the_same_order(more):
    """Substrings, case as today (the database's LIKE/ILIKE), accents as typed, short words,
    quotes and LIKE's wildcards taken literally: the index narrows, it never changes the answer,
    nor the order (every sort)."""
    for query in INDEXED_LISTS:
        plain = _unindexed(query)
        for word in WORDS:
            for sort in ("", query.columns[1].key):
                assert query.ids(word, sort=sort) == plain.ids(word, sort=sort), (
                    query.name, word, sort)
            assert query.count(word) == plain.count(word), (query.name, word)


def test_searches_find_what_people_type(more, partnership):  # noqa: F811
    assert SCHOOLS.ids("FERN") == [partnership["a"].id]
    assert SCHOOLS.ids("oor") == sorted([partnership["b"].id, more["school"].id])  # name, town
    assert PEOPLE.ids("ada greaves") == [partnership["head"].id]
    assert PEOPLE.ids("súilleabh") == [more["accent"].id]
    assert PEOPLE.ids("under_wood") == [more["wild"].id]
    assert PEOPLE.ids("underxwood") == []  # "_" is a character, not LIKE's any-character
    assert ENROLMENTS.count("tr-0042") == 1
    assert PLACEMENTS.count("tienne") == 1  # by school
    assert PLACEMENTS.count("lodie") == 1  # by mentor
    assert PLACEMENTS.count("french") == 1  # by its own subject
    assert AGREEMENTS.count("early") == 1


def test_a_long_enough_word_is_narrowed_by_the_index(partnership):  # noqa: F811
    for query in INDEXED_LISTS:
        assert query.candidates("moor") is not None, query.name
        assert query.candidates("mo") is None, query.name  # no trigram in two letters
    if isinstance(database.obj, PostgresqlDatabase):
        # one table's columns: the planner reads the trigram indexes for the list's own ILIKEs
        sql, params = SCHOOLS.where(SCHOOLS.model.select(SCHOOLS.model.id), "moor").sql()
        database.execute_sql("SET enable_seqscan = off")  # a tiny table: ask for an index
        plan = " ".join(r[0] for r in database.execute_sql("EXPLAIN " + sql, params).fetchall())
        database.execute_sql("RESET enable_seqscan")
        assert "school_name_trgm" in plan, plan
    else:
        sql, params = SCHOOLS.where(SCHOOLS.model.select(SCHOOLS.model.id), "moor").sql()
        plan = " ".join(str(r[-1]) for r in database.execute_sql(
            "EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert "VIRTUAL TABLE INDEX" in plan, plan


def test_every_search_column_lives_in_an_index_the_list_asks():
    """A list's index must cover every column it searches, or a row found only by that column
    would be missed: each column's table is indexed with that column, and the list asks it."""
    for query in LISTS.values():
        if not query.search_index:
            continue
        asked = {via.table for via in query.search_index}
        for expr in query.search:
            field = getattr(expr, "node", expr)  # CAST(urn AS TEXT)
            model = getattr(field.model, "model", field.model)  # an alias's own model
            table = model._meta.table_name
            assert table in asked, (query.name, field.name)
            assert field.name in {f.name for f in search_index.INDEXED[table].fields}, (
                query.name, field.name)


def test_a_list_that_names_each_ways_columns_checks_every_search_column_on_its_own_table():
    """``ListQuery.exact`` checks a word on each way in's own rows: every search column must
    be one way's, over the very table (or alias) that way reads, or a row found only by it
    would be missed."""
    for query in LISTS.values():
        if not any(via.columns for via in query.search_index):
            continue
        assert all(via.columns for via in query.search_index), query.name
        def described(expr):  # CAST(urn AS TEXT) by what it casts
            return f"{type(expr).__name__} {getattr(expr, 'node', expr)!s}"

        named = [described(expr) for via in query.search_index for expr in via.columns]
        assert sorted(named) == sorted(described(expr) for expr in query.search), query.name
        for via in query.search_index:
            owner = via.owner()
            model = getattr(owner, "model", owner)  # an alias's own model
            assert model._meta.table_name == via.table, (query.name, via.table)
            for expr in via.columns:
                assert getattr(expr, "node", expr).model is owner, (query.name, expr)


def test_placements_one_word_is_checked_on_the_people_and_schools_the_index_offers(more):
    """One word long enough for the index: the placements are those whose trainee, school,
    mentor or subject holds it, found without joining every candidate placement; the same
    rows, in the same order, as the plain search (the test above covers every word)."""
    plain = _unindexed(PLACEMENTS)
    assert PLACEMENTS.exact("tienne") is not None
    assert PLACEMENTS.exact("ti") is None  # too short for a trigram: the plain check
    for word in ("tienne", "lodie", "french", "lumb", "123456", "zzz"):
        for sort in ("start", "trainee", "school", "mentor", "subject"):
            assert PLACEMENTS.ids(word, sort=sort) == plain.ids(word, sort=sort), (word, sort)
            assert PLACEMENTS.ids(word, sort=sort, descending=True) == plain.ids(
                word, sort=sort, descending=True), (word, sort)
        assert PLACEMENTS.count(word) == plain.count(word), word
    assert PLACEMENTS.count("lodie") == 1  # the mentor's name only


def test_the_index_follows_create_update_delete_and_bulk_writes(db):
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School", "town": "Leeds"})
    assert _may_hold("school", "fernbank") == {school.id}
    schools.update(school.id, {"name": "Larchfield Academy"})
    assert _may_hold("school", "fernbank") == set()
    assert _may_hold("school", "larchfield") == {school.id}
    assert _may_hold("school", "leeds") == {school.id}  # an unchanged column stays found
    with database.atomic():
        ids = schools.create_many([schools.prepare({"urn": 100000 + n, "name": f"Bulkton {n}"})
                                   for n in range(3)])
    assert _may_hold("school", "bulkton") == set(ids)
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    with database.atomic():
        assert people.update_many([(person.id, {"last_name": ("Greaves", "Lovelace")},
                                    person.id)]) == 1
    assert _may_hold("person", "greaves") == set()
    assert PEOPLE.ids("lovelace") == [person.id]
    schools.delete(school.id)
    assert _may_hold("school", "larchfield") == set()
    assert SCHOOLS.ids("larchfield") == []


def _index_matches_its_table(table: str) -> None:
    """FTS5's own check (SQLite): the index holds exactly the content table's rows and values."""
    fts = search_index.INDEXED[table].fts
    database.execute_sql(f"INSERT INTO \"{fts}\"(\"{fts}\", rank) VALUES ('integrity-check', 1)")


def test_a_bulk_insert_fills_the_index_as_the_insert_trigger_would(db):
    """create_many fills the index once its rows are in (SQLite: the per-row trigger set aside
    in the transaction): every row is found, the index equals its table, and the trigger is back
    for the next single insert."""
    with database.atomic():
        ids = schools.create_many([schools.prepare({"urn": 100000 + n, "name": f"Bulkton {n}",
                                                    "town": "Moorhaven"})
                                   for n in range(2500)])  # three write blocks
        people_ids = people.create_many([{"first_name": "Ada", "last_name": f"Quarrie{n}"}
                                         for n in range(5)])
    assert _may_hold("school", "bulkton") == set(ids)
    assert set(SCHOOLS.ids("moorhaven")) == set(ids)
    assert _may_hold("person", "quarrie") == set(people_ids)
    one = schools.create({"urn": 199999, "name": "Bulkton Single"})
    assert _may_hold("school", "bulkton") == {*ids, one.id}
    if not isinstance(database.obj, PostgresqlDatabase):
        _index_matches_its_table("school")
        _index_matches_its_table("person")
        from ittdesk import schema_check

        assert schema_check.foreign_objects(database.connection(), None) == []


def test_a_bulk_insert_of_several_blocks_fills_the_index_in_one_statement(sqlite_db, monkeypatch):
    """One ``INSERT ... SELECT`` into the index for all of a create_many's blocks, after the
    last of them (FTS5 makes a segment per statement, then merges them: per block cost ~0.1 s
    more for 100,000 rows), and the index still equals its table."""
    from ittdesk.services import bulk

    fills: list[str] = []
    execute = database.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        if sql.startswith('INSERT INTO "school_search"'):
            fills.append(sql)
        return execute(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", spy)
    rows = [schools.prepare({"urn": 100000 + n, "name": f"Blockton {n}"})
            for n in range(3 * bulk.WRITE_BLOCK + 10)]
    with database.atomic():
        ids = schools.create_many(rows)
    assert len(fills) == 1 and "BETWEEN" in fills[0]
    assert _may_hold("school", "blockton") == set(ids)
    _index_matches_its_table("school")


def test_a_failed_bulk_insert_leaves_the_index_and_its_trigger_as_they_were(db):
    """A bulk insert that fails part way (here a cancel after the first chunk) takes its rows
    and its index entries back, and a caller that goes on in the same transaction still has
    the insert trigger."""

    class Cancelled(Exception):
        pass

    def cancel(_n: int) -> None:
        raise Cancelled

    with database.atomic():
        with pytest.raises(Cancelled):
            schools.create_many([schools.prepare({"urn": 100000 + n, "name": f"Bulkton {n}"})
                                 for n in range(600)], tick=cancel)
        later = schools.create({"urn": 199999, "name": "Fernbank Primary School"})
    assert _may_hold("school", "bulkton") == set()
    assert _may_hold("school", "fernbank") == {later.id}
    if not isinstance(database.obj, PostgresqlDatabase):
        _index_matches_its_table("school")


def test_the_bulk_fill_takes_ids_that_are_not_consecutive(sqlite_db):
    """``fill`` with ids in any order and with gaps (rows another way inserted) indexes just
    those rows."""
    from ittdesk.models import School

    with database.atomic():
        with search_index.filled_in_bulk(School) as fill:
            for urn, pk in ((100001, 7), (100002, 3), (100003, 12)):
                School.insert(id=pk, urn=urn, name=f"Gapford {pk}", name_key="gapford",
                              status="open").execute()
            fill([12, 3, 7])
    assert _may_hold("school", "gapford") == {3, 7, 12}
    _index_matches_its_table("school")


def test_an_import_is_found_by_the_index(db, tmp_path):
    from test_import import GIAS, gias_rows

    from ittdesk.models import School
    from ittdesk.spreadsheets import importing

    assert GIAS.exists()
    importing.run_import(GIAS, "schools")
    names = [name for (name,) in School.select(School.name).tuples()]
    assert names
    for name in names[:10]:
        word = max(name.split(), key=len)
        assert set(SCHOOLS.ids(word)) == set(_unindexed(SCHOOLS).ids(word)), word
        assert _may_hold("school", word) >= set(SCHOOLS.ids(word)), word
    assert len(gias_rows()) > 1


def test_an_erased_person_is_not_found_by_their_old_name(db):
    person = people.create({"first_name": "Zephyrine", "last_name": "Quillfeather",
                            "email": "zq@example.org", "phone": "07700 900123"})
    assert PEOPLE.ids("quillfeather") == [person.id]
    erasure.erase(person.id, compact_after=False)
    for word in ("zephyrine", "quillfeather", "zq@example", "900123"):
        assert _may_hold("person", word) == set(), word
        assert PEOPLE.ids(word) == [], word
    if not isinstance(database.obj, PostgresqlDatabase):
        # merged into one segment: no deleted entry left behind that still holds the name
        data = b"".join(bytes(b) for (b,) in database.execute_sql(
            'SELECT block FROM "person_search_data"').fetchall() if b is not None)
        assert data  # the index holds the other rows' trigrams...
        for trigram in (b"zep", b"qui", b"lfe", b"zq@", b"900"):  # ...but none of theirs
            assert trigram not in data, trigram


def test_migration_14_builds_the_index_for_the_rows_already_there(sqlite_db, tmp_path):
    """A version-13-or-lower database (no index) gets it filled, and its schema is then a new
    database's (a backup of it passes the schema check)."""
    school = schools.create({"urn": 123456, "name": "Fernbank Primary School"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    for index in search_index.INDEXED.values():
        for kind in ("insert", "delete", "update"):
            database.execute_sql(f'DROP TRIGGER "{index.fts}_{kind}"')
        database.execute_sql(f'DROP TABLE "{index.fts}"')
    SchemaVersion.update(version=11).execute()
    assert [m.version for m in migrations.migrate(sqlite_db)] == [
        m.version for m in migrations.MIGRATIONS if m.version > 11]
    assert _may_hold("school", "fernbank") == {school.id}
    assert _may_hold("person", "greaves") == {person.id}
    assert SCHOOLS.ids("fern") == [school.id]
    copy = backup.backup_to(sqlite_db, tmp_path / "migrated.sqlite3")
    assert backup.check_file(copy).ok, backup.check_file(copy).messages


if POSTGRES_URL:
    @pytest.fixture
    def postgres_db(tmp_path):
        from ittdesk import db as dbmod

        location = open_test_database("postgresql", tmp_path)
        yield location
        dbmod.close_database()

    def test_postgres_without_pg_trgm_searches_as_before_and_says_so_once(postgres_db, caplog):
        person = people.create({"first_name": "Ada", "last_name": "Greaves"})
        database.execute_sql("DROP EXTENSION pg_trgm CASCADE")  # its indexes go with it
        setattr(database.obj, search_index._READY, None)
        with caplog.at_level(logging.WARNING, logger="ittdesk.search_index"):
            assert PEOPLE.ids("greaves") == [person.id]
            assert PEOPLE.ids("ada") == [person.id]
        assert PEOPLE.candidates("greaves") is None
        assert len([r for r in caplog.records if "pg_trgm" in r.getMessage()]) == 1
        assert search_index.install(database.obj) is True  # the owner's setup brings it back
        assert PEOPLE.candidates("greaves") is not None


def test_people_erased_stay_out_of_the_searched_list(db):
    kept = people.create({"first_name": "Ada", "last_name": "Greaves"})
    gone = people.create({"first_name": "Ada", "last_name": "Greavesley"})
    Person.update(erased=True).where(Person.id == gone.id).execute()
    assert PEOPLE.ids("greaves") == [kept.id]
