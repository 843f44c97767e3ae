"""Names sort as people expect (issue 15 item 13): accents, case and punctuation aside, on
SQLite and PostgreSQL alike, in every list, picker and summary that orders by a name."""

from __future__ import annotations

import pytest

from ittdesk import migrations, role_sort, sort_index
from ittdesk.models import Person, SchemaVersion, School, database
from ittdesk.queries.lists import ENROLMENTS, PEOPLE, PLACEMENTS, SCHOOLS
from ittdesk.services.people import people
from ittdesk.services.schools import schools
from ittdesk.sortkeys import sort_key

NAMES = ["Zhang", "Varley", "Émile", "Ó Súilleabháin", "Obi", "O'Brien", "obrien-Smith",
         "Łukasiewicz", "Strauß", "Stras", "Ørsted", "van Dijk"]
EXPECTED = ["Émile", "Łukasiewicz", "Obi", "O'Brien", "obrien-Smith", "Ørsted", "Ó Súilleabháin",
            "Stras", "Strauß", "van Dijk", "Varley", "Zhang"]


def test_the_sort_key_drops_accents_case_and_punctuation():
    assert sort_key("Ó Súilleabháin") == "osuilleabhain"
    assert sort_key("O'Brien") == "obrien"
    assert sort_key("Émile") == "emile"
    assert sort_key("ŁUKASZ") == "lukasz"
    assert sort_key("Strauß") == "strauss"
    assert sort_key("Smith-Jones") == "smithjones"
    assert sort_key("") == "" and sort_key(None) == ""
    assert sort_key("Ó" * 150, limit=100) == "o" * 100


def test_people_sort_as_a_person_expects(db):
    made = {name: people.create({"first_name": "Ann", "last_name": name}) for name in NAMES}
    by_id = {p.id: name for name, p in made.items()}
    assert [by_id[i] for i in PEOPLE.ids(sort="last_name")] == EXPECTED
    assert [by_id[i] for i in PEOPLE.ids(sort="last_name", descending=True)] == EXPECTED[::-1]
    assert [by_id[i] for i in PEOPLE.ids("ann", sort="last_name")] == EXPECTED  # searched: a scan


def test_schools_and_placements_sort_names_as_a_person_expects(db):
    names = ["Zion Academy", "Ysgol Gymraeg", "École Française", "St Óran's", "St Ann's",
             "Ørby Primary"]
    made = [schools.create({"urn": 100001 + n, "name": name}) for n, name in enumerate(names)]
    by_id = {s.id: s.name for s in made}
    assert [by_id[i] for i in SCHOOLS.ids(sort="name")] == [
        "École Française", "Ørby Primary", "St Ann's", "St Óran's", "Ysgol Gymraeg", "Zion Academy"]


def test_every_write_of_a_name_writes_its_key(db):
    """services, a model's save, update and insert_many (the importers' and erasure's paths)."""
    person = people.create({"first_name": "Émile", "last_name": "Ó Súilleabháin"})
    assert (person.first_name_key, person.last_name_key) == ("emile", "osuilleabhain")
    people.update(person.id, {"last_name": "O'Brien"})
    assert Person.get_by_id(person.id).last_name_key == "obrien"
    Person.update(first_name="Åsa").where(Person.id == person.id).execute()
    assert Person.get_by_id(person.id).first_name_key == "asa"
    Person.insert_many([{"first_name": "Zoë", "last_name": "Ünal"}]).execute()
    Person.insert_many([("Ødd", "Ève")], fields=[Person.first_name, Person.last_name]).execute()
    keys = set(Person.select(Person.first_name_key, Person.last_name_key).tuples())
    assert {("zoe", "unal"), ("odd", "eve"), ("asa", "obrien")} == keys
    school = schools.create({"urn": 100001, "name": "École St-Jean"})
    assert School.get_by_id(school.id).name_key == "ecolestjean"
    with pytest.raises(TypeError):  # an SQL expression's value is not known: no stale key
        Person.update(last_name=Person.first_name).execute()


def test_importers_bulk_inserts_write_the_keys(db):
    from ittdesk.services import bulk

    rows = bulk.full_rows(Person, [{"first_name": "Ívar", "last_name": "Ó Dálaigh"}])
    ids = bulk.insert_returning(Person, rows)
    assert Person.get_by_id(ids[0]).last_name_key == "odalaigh"
    assert Person.get_by_id(ids[0]).first_name_key == "ivar"


def test_enrolments_placements_and_summaries_use_the_keys(db):
    from datetime import date

    from ittdesk.academic_year import AcademicYear
    from ittdesk.services.programmes import cohorts, enrolments, placements, programmes

    year = AcademicYear.parse("2025/26")
    school = schools.create({"urn": 100001, "name": "Fernbank"})
    other = schools.create({"urn": 100002, "name": "Óakfield"})
    programme = programmes.create({"name": "PGCE", "kind": "itt"})
    cohort = cohorts.create({"programme": programme.id, "name": "A", "academic_year": year})
    by_enrolment, by_placement = {}, {}
    for first, last, where in (("Zed", "Varley", school), ("émile", "Ó Súilleabháin", other),
                               ("Ann", "O'Brien", school), ("ann", "Obi", other),
                               ("Anna", "Bell", school), ("Ann", "Smith", other)):
        person = people.create({"first_name": first, "last_name": last})
        enrolment = enrolments.create({"person": person.id, "cohort": cohort.id,
                                       "status": "enrolled", "home_school": where.id})
        placement = placements.create({"enrolment": enrolment.id, "school": where.id,
                                       "start_date": date(2025, 10, 1),
                                       "end_date": date(2025, 12, 1)})
        by_enrolment[enrolment.id] = last
        by_placement[placement.id] = f"{first} {last}"
    assert [by_enrolment[i] for i in ENROLMENTS.ids(sort="last_name")] == [
        "Bell", "Obi", "O'Brien", "Ó Súilleabháin", "Smith", "Varley"]
    # first name, then last name: "Ann Smith" before "Anna Bell" (on PostgreSQL too, whatever
    # the server's locale: the keys compare byte by byte there as on SQLite)
    assert [by_placement[i] for i in PLACEMENTS.ids(sort="trainee")] == [
        "ann Obi", "Ann O'Brien", "Ann Smith", "Anna Bell", "émile Ó Súilleabháin", "Zed Varley"]
    assert [by_placement[i] for i in PLACEMENTS.ids(sort="school")][:2] == [
        "Zed Varley", "Ann O'Brien"]  # Fernbank before Óakfield, then by id


def _version_6(db) -> None:
    """Make the open database a version-6 one: no key columns, the LOWER(name) indexes. The key
    columns were added last; any column a later migration adds after them goes too (that
    migration adds it back), and so do migration 18's table of placements' sort keys and
    migration 19's of roles' keys, whose triggers read the key columns (SQLite refuses to drop
    a column a trigger reads)."""
    if db.kind == "sqlite":
        for table in (sort_index.TABLE, role_sort.TABLE):  # migrations 18 and 19
            for (name,) in database.execute_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                    (f"{table}%",)).fetchall():
                database.execute_sql(f'DROP TRIGGER "{name}"')
            database.execute_sql(f'DROP TABLE "{table}"')
    for model, after in ((Person, "erased"), (School, "notes")):
        table = model._meta.table_name
        names = [f.column_name for f in model._meta.sorted_fields]
        later = names[names.index(after) + 1:]
        for index in database.obj.get_indexes(table):
            if set(index.columns) & set(later):
                database.execute_sql(f'DROP INDEX "{index.name}"')
        for column in reversed(later):
            database.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    for statement in migrations.LOWER_NAME_INDEXES:
        database.execute_sql(statement)
    SchemaVersion.update(version=6).execute()


def test_version_6_gets_keys_for_every_existing_name_and_the_schema_of_a_new_database(db):
    from ittdesk.models import database as proxy

    def schema():
        found = {}
        for table in ("person", "school"):
            found[table] = ([(c.name, c.data_type, c.null) for c in proxy.obj.get_columns(table)],
                            sorted(i.name for i in proxy.obj.get_indexes(table)))
        return found

    def collations():
        if proxy.obj.__class__.__name__.startswith("Sqlite"):
            return {}
        rows = proxy.obj.execute_sql(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_name IN ('person', 'school') AND column_name LIKE %s", ("%_key",))
        return {(t, c): collation for t, c, collation in rows.fetchall()}

    fresh = schema()
    fresh_collations = collations()
    made = [people.create({"first_name": "Ann", "last_name": name}).id for name in NAMES]
    schools.create({"urn": 100001, "name": "École Française"})
    _version_6(db)
    assert "last_name_key" not in {c.name for c in proxy.obj.get_columns("person")}
    assert [s.version for s in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version >= 7]
    assert schema() == fresh
    assert collations() == fresh_collations
    if db.kind == "postgresql":  # byte order, as SQLite compares (SQLite has no collations)
        assert fresh_collations == {("person", "first_name_key"): "C",
                                    ("person", "last_name_key"): "C", ("school", "name_key"): "C"}
    assert "person_last_name_lower" not in fresh["person"][1]
    assert School.get().name_key == "ecolefrancaise"
    by_id = dict(zip(made, NAMES, strict=True))
    assert [by_id[i] for i in PEOPLE.ids(sort="last_name")] == EXPECTED


def test_a_migrated_sqlite_file_has_exactly_the_schema_a_new_one_has(sqlite_db):
    """The restore check compares a file's schema with a new database's: a backup taken
    after the upgrade must pass it."""
    from ittdesk.schema_check import foreign_objects

    people.create({"first_name": "Ann", "last_name": "Ó Súilleabháin"})
    _version_6(sqlite_db)
    migrations.migrate(sqlite_db)
    assert foreign_objects(database.connection(), migrations.latest()) == []


def test_a_deleted_persons_audit_snapshot_holds_no_sort_key(db):
    """The keys are derived from the name: an erasure scrubs the name, so a copy of its key in
    the delete entry would outlive it. Undoing the delete writes the keys again."""
    import json

    person = people.create({"first_name": "Ann", "last_name": "Ó Súilleabháin"})
    entry = people.delete(person.id)
    assert not {"first_name_key", "last_name_key"} & set(json.loads(entry.changes))
    assert people.undo_delete(entry).last_name_key == "osuilleabhain"


def test_summaries_and_home_order_people_and_schools_by_the_keys(db):
    from ittdesk.queries.summaries import school_summary
    from ittdesk.services.people import roles

    school = schools.create({"urn": 100001, "name": "Fernbank"})
    for last in ("Varley", "Ó Súilleabháin", "Obi"):
        person = people.create({"first_name": "Ann", "last_name": last})
        roles.create({"person": person.id, "school": school.id, "kind": "mentor"})
    text = repr(school_summary(school.id))
    assert text.index("Obi") < text.index("Súilleabháin") < text.index("Varley")


def test_the_quick_path_for_plain_ascii_names_gives_the_same_keys():
    import random
    import string

    from ittdesk.sortkeys import _UNDECOMPOSED, sort_key

    rng = random.Random(7)
    names = ["".join(rng.choice(string.printable) for _ in range(rng.randint(0, 30)))
             for _ in range(2000)] + ["O'Brien", "Mary-Jane  Smith", "x_y", "ABC 123"]

    def slow(text: str) -> str:  # the general path, as for names with accents
        import unicodedata

        bare = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
        return "".join(c for c in bare.casefold().translate(_UNDECOMPOSED) if c.isalnum())

    assert [sort_key(n) for n in names] == [slow(n) for n in names]
