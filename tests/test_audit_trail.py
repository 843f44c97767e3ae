"""The audit answers "who changed this, when, from what to what"; entries cannot be changed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ittdesk import audit, clock
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import AuditEntry
from ittdesk.privacy import audit_query
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools


def test_create_update_delete_each_leave_who_when_which_and_old_to_new(db):
    school = schools.create({"urn": 812345, "name": "Fernbank Primary", "phase": "primary"})
    schools.update(school.id, {"name": "Fernbank Academy", "phase": "secondary"})
    schools.delete(school.id)
    entries = audit_query.described(audit_query.entries(record=("school", school.id)))
    assert [e.action for e in entries] == ["delete", "update", "create"]
    update = entries[1]
    assert update.user == audit.current_user()
    assert "Name: Fernbank Primary -> Fernbank Academy" in update.summary
    assert "Phase: Primary -> Secondary" in update.summary
    assert abs((clock.utcnow() - update.at).total_seconds()) < 3600
    assert update.line().endswith(update.summary)
    assert "changed school #" in update.line()


def test_audit_entries_cannot_be_changed_or_deleted_through_the_models(db):
    schools.create({"urn": 812345, "name": "Fernbank Primary"})
    entry = AuditEntry.get()
    entry.changes = "{}"
    with pytest.raises(RefusedError):
        entry.save()
    with pytest.raises(RefusedError):
        entry.delete_instance()
    assert AuditEntry.get().changes != "{}"
    # The services offer no way to edit history: there is no audit service to call.
    assert "audit" not in audit_query.services() and "audit_entry" not in audit_query.services()


def _entry_at(at: datetime, user: str, entity: str = "school", entity_id: int = 1) -> AuditEntry:
    return AuditEntry.create(at=audit_query.local_to_utc(at), user=user, entity=entity,
                             entity_id=entity_id, action="update", changes='{"name": ["A", "B"]}')


def test_entries_filter_by_local_day_user_and_record(db):
    jan = _entry_at(datetime(2025, 1, 10, 9, 0), "alice")
    mar = _entry_at(datetime(2025, 3, 1, 0, 30), "bob")
    jun = _entry_at(datetime(2025, 6, 30, 23, 30), "alice", entity_id=2)
    ids = lambda q: [e.id for e in q]  # noqa: E731
    assert ids(audit_query.entries(since=date(2025, 3, 1))) == [jun.id, mar.id]
    assert ids(audit_query.entries(until=date(2025, 3, 1))) == [mar.id, jan.id]
    assert ids(audit_query.entries(since=date(2025, 6, 30), until=date(2025, 6, 30))) == [jun.id]
    assert ids(audit_query.entries(user="alice")) == [jun.id, jan.id]
    assert ids(audit_query.entries(record=("school", 1))) == [mar.id, jan.id]
    assert audit_query.users(record=("school", 1)) == ["alice", "bob"]


def test_a_persons_history_includes_the_records_about_them(db):
    school = schools.create({"urn": 812345, "name": "Fernbank Primary"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    role = roles.create({"person": person.id, "school": school.id, "kind": "mentor"})
    found = {(e.entity, e.entity_id) for e in audit_query.entries(record=("person", person.id))}
    assert found == {("person", person.id), ("role", role.id)}
    described = audit_query.described(audit_query.entries(record=("role", role.id)))
    assert "Role: Mentor" in described[0].summary
    assert f"School: school #{school.id}" in described[0].summary


def test_record_names_are_parsed_or_refused_in_words(db):
    person = people.create({"first_name": "Ada", "last_name": "Greaves", "email": "ada@example.org"})
    assert audit_query.parse_record("school:12") == ("school", 12)
    assert audit_query.parse_record("Person#3") == ("person", 3)
    assert audit_query.parse_record("person:ADA@example.org") == ("person", person.id)
    with pytest.raises(ValidationError, match="not a kind of record"):
        audit_query.parse_record("pets:1")
    with pytest.raises(ValidationError, match="KIND:ID"):
        audit_query.parse_record("school")
    with pytest.raises(ValidationError, match="not a record number"):
        audit_query.parse_record("school:abc")


def test_an_agreements_history_includes_its_parts_even_deleted_ones(db):
    from ittdesk.services.agreements import agreements, parties, spend

    school = schools.create({"urn": 812345, "name": "Fernbank Primary"})
    agreement = agreements.create({"title": "Early reading", "academic_year": "2025/26"})
    other = agreements.create({"title": "Maths", "academic_year": "2025/26"})
    party = parties.create({"agreement": agreement.id, "school": school.id, "role": "supported"})
    item = spend.create({"agreement": agreement.id, "date": "01/10/2025", "description": "Cover",
                         "amount_pence": "£120"})
    spend.update(item.id, {"amount_pence": "£150"})
    spend.delete(item.id)
    spend.create({"agreement": other.id, "date": "01/10/2025", "description": "Elsewhere",
                  "amount_pence": "£1"})
    entries, _users = audit_query.history("agreement", agreement.id)
    assert [(e.entity, e.action) for e in reversed(entries)] == [
        ("agreement", "create"), ("agreement_party", "create"), ("spend", "create"),
        ("spend", "update"), ("spend", "delete")]
    assert "Amount: £120.00 -> £150.00" in entries[1].summary
    own, _users = audit_query.history("agreement", agreement.id, include_related=False)
    assert [(e.entity, e.entity_id) for e in own] == [("agreement", agreement.id)]
    assert party.id and audit_query.has_related("agreement") and not audit_query.has_related("school")


def test_a_reused_id_does_not_inherit_the_deleted_records_history(sqlite_db):
    """SQLite gives a new row the id of a deleted last row; history and SAR must not mix them."""
    from ittdesk.privacy import sar

    old = people.create({"first_name": "Zephyrine", "last_name": "Quillfeather"})
    people.update(old.id, {"phone": "07700 900123"})
    people.delete(old.id)
    new = people.create({"first_name": "Ada", "last_name": "Greaves"})
    assert new.id == old.id  # the situation under test
    entries, _users = audit_query.history("person", new.id)
    assert [e.action for e in entries] == ["create"]
    data = sar.collect(new.id)
    assert "Quillfeather" not in sar.to_html(data)
    # The old, deleted life is still there for the CLI log and for undo.
    assert audit_query.entries(record=("person", new.id)).count() == 4


def test_bulk_entries_hold_the_same_json_as_single_ones():
    """record_many's encoder writes exactly what record's json.dumps of plain values writes."""
    import json
    from decimal import Decimal

    from ittdesk.academic_year import AcademicYear

    def as_record_writes(changes):
        return json.dumps({k: [audit.plain(v[0]), audit.plain(v[1])] for k, v in changes.items()},
                          ensure_ascii=False)

    samples = [
        {"urn": [None, 100001], "name": [None, "Ysgol Gymraeg Brynsiôn “Ŵ” \\ \"q\" \n\t"]},
        {"on": (date(2025, 9, 1), datetime(2025, 9, 1, 8, 30, 5, 120)), "x": [True, False]},
        {"money": [Decimal("12.50"), None], "year": [AcademicYear(2025), AcademicYear(2026)]},
        {"f": [1.5, float("nan")], "g": [float("inf"), -0.0], "big": [2**70, -3]},
        {"emoji": [3, "😀"]},
        {"nested": [["a", 1], {"k": "v"}], "tuple": [("a",), None]},  # plain makes these text
        {"long": [None, "x" * 5000]},
        {7: [None, "an int key"]},
    ]
    for changes in samples:
        assert audit._changes_json(changes) == as_record_writes(changes), changes
    assert audit._changes_json({}) is None and audit._changes_json(None) is None


def test_bulk_entries_are_stored_as_single_ones_are(db):
    """record_many (COPY on PostgreSQL, executemany on SQLite) stores what record stores."""
    from decimal import Decimal

    from ittdesk.academic_year import AcademicYear
    from ittdesk.models import ImportRun

    run = ImportRun.create(at=audit.now(), user="me", kind="schools", file_name="f.csv",
                           added=0, updated=0, refused=0)
    awkward = "tab\there, new\nline, cr\r, back\\slash \\N \\t, quote \" ' , comma; Ŵ 😀 \\\\"
    cases = [
        dict(entity="school", entity_id=1, action="create",
             changes={"name": [None, awkward], "urn": [None, 100001]}),
        dict(entity="person", entity_id=2, action="update", person_id=2,
             changes={"on": [date(2025, 9, 1), datetime(2025, 9, 1, 8, 30)],
                      "money": (Decimal("1.50"), None), "year": [AcademicYear(2025), None]}),
        dict(entity="role", entity_id=3, action="create", changes=None, note=awkward),
        dict(entity="enrolment", entity_id=None, action="delete", changes={"x": [[1], {"a": 1}]}),
        dict(entity="school", entity_id=4, action="create", changes={"empty": ["", None]}, note=""),
    ]
    columns = ("entity", "entity_id", "action", "changes", "person_id", "note", "import_run")
    for case in cases:
        single = audit.record(case["entity"], case["entity_id"], case["action"], case["changes"],
                              person_id=case.get("person_id"), note=case.get("note"),
                              import_run=run.id)
        audit.record_many([{**case, "import_run": run.id}])
        bulk = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
        assert bulk.id != single.id
        stored = AuditEntry.get_by_id(single.id)
        assert [getattr(bulk, c if c != "import_run" else "import_run_id") for c in columns] == \
            [getattr(stored, c if c != "import_run" else "import_run_id") for c in columns], case
        assert bulk.user == stored.user and isinstance(bulk.at, datetime)


def test_bulk_entries_in_one_call_take_records_and_ids_alike(db):
    """record_many reads each column of many rows at once: a row that gives a record where the
    others give its id (or leaves a column out) is stored as record stores it, in row order."""
    from ittdesk.models import ImportRun

    run = ImportRun.create(at=audit.now(), user="me", kind="schools", file_name="f.csv",
                           added=0, updated=0, refused=0)
    audit.record_many([
        {"entity": "school", "entity_id": 5, "action": "create", "import_run": run.id,
         "changes": {"urn": [None, 100005]}},
        {"entity": "school", "entity_id": 6, "action": "create", "import_run": run},
        {"entity": "school", "entity_id": 7, "action": "update", "note": "by hand"},
    ])
    last = list(AuditEntry.select().order_by(AuditEntry.id.desc()).limit(3))[::-1]
    assert [(e.entity_id, e.action, e.import_run_id, e.note, e.changes) for e in last] == [
        (5, "create", run.id, None, '{"urn": [null, 100005]}'),
        (6, "create", run.id, None, None),
        (7, "update", None, "by hand", None),
    ]


def test_a_creates_entry_holds_what_record_writes_for_any_values():
    """created() marks plain values so that encoding skips its checks: the text is still
    record's json.dumps, and values that are not plain (lists, tuples, dicts) still go
    through plain() as before."""
    import json
    from decimal import Decimal

    samples = [
        {"urn": 100001, "name": "Ysgol “Ŵ” \\ \"q\" \n", "phase": None, "on": date(2025, 9, 1)},
        {"money": Decimal("12.50"), "f": float("nan"), "flag": True, "big": 2**70},
        {"nested": ["a", 1], "map": {"k": "v"}, "pair": ("a", "b"), "name": "x"},
        {"only": None},
    ]
    for values in samples:
        expected = {k: [None, audit.plain(v)] for k, v in values.items() if v is not None}
        made = audit.created(values)
        assert made == {k: [None, v] for k, v in values.items() if v is not None}
        assert audit._changes_json(made) == (json.dumps(expected, ensure_ascii=False)
                                             if expected else None), values


def test_creates_entries_made_column_by_column_hold_what_created_writes_row_by_row():
    """created_json (create_many's entries, a column at a time) gives each row the very text
    ``_changes_json(created(row))`` gives: any value type, keys in each row's own order, rows
    with other keys or none, None values left out; and gives up (None) for containers."""
    import random
    from decimal import Decimal

    from ittdesk.academic_year import AcademicYear

    awkward = ["Ysgol “Ŵ” \\ \"q\" \n\t", "", "😀", "plain", "x" * 300]
    kinds = [lambda r: r.choice(awkward), lambda r: r.randint(-5, 2**70), lambda r: None,
             lambda r: r.choice([True, False]), lambda r: r.choice([1.5, float("nan"), -0.0]),
             lambda r: date(2025, 9, r.randint(1, 30)), lambda r: Decimal("12.50"),
             lambda r: AcademicYear(2025), lambda r: datetime(2025, 9, 1, 8, 30, 5, 120)]
    rnd = random.Random(7)
    for _round in range(40):
        columns = {f"c{n}": rnd.choice(kinds) for n in range(rnd.randint(0, 6))}
        rows = []
        for _ in range(rnd.randint(1, 30)):
            names = list(columns)
            if rnd.random() < 0.3:  # another layout: keys in another order, some left out
                rnd.shuffle(names)
                names = names[:rnd.randint(0, len(names))]
            mixed = rnd.random() < 0.2  # a column of several types
            rows.append({k: (rnd.choice(kinds) if mixed else columns[k])(rnd) for k in names})
        assert audit.created_json(rows) == [audit._changes_json(audit.created(r)) for r in rows], rows
    assert audit.created_json([{"name": "a"}, {"name": ["a", 1]}]) is None
    assert audit.created_json([{"only": None}, {}]) == [None, None]


def test_creates_entries_of_text_and_whole_numbers_alone_hold_what_created_writes():
    """The common case (every value text or a whole number, none missing: a new school, a
    head) is one template per layout filled in; the same text, keys with ``%`` and ``"`` and
    values that look like format codes included, a layout's rows apart from another's."""
    import random

    rnd = random.Random(11)
    texts = ["%s", "%%", "%(x)s", "100%", "Ysgol “Ŵ” \\ \"q\" \n\t", "", "😀", "x" * 300]
    for _round in range(40):
        keys = [rnd.choice(["urn", "name", "%s", "100% key", 'k"q', "é"]) + str(n)
                for n in range(rnd.randint(1, 6))]
        ints = {k for k in keys if rnd.random() < 0.4}
        layouts = [keys, list(reversed(keys))] if rnd.random() < 0.5 else [keys]
        rows = [{k: (rnd.randint(-5, 2**70) if k in ints else rnd.choice(texts))
                 for k in rnd.choice(layouts)} for _ in range(rnd.randint(1, 30))]
        assert audit.created_json(rows) == [audit._changes_json(audit.created(r)) for r in rows], rows
    # one layout a template, the other (a None, a date) the pieces: each row its own text
    rows = [{"a": "x", "b": 1}, {"b": None, "a": "y"}, {"a": "z", "b": 2}, {"b": date(2025, 9, 1), "a": "w"}]
    assert audit.created_json(rows) == [audit._changes_json(audit.created(r)) for r in rows]



def test_creates_entries_of_text_and_whole_numbers_with_gaps_hold_what_created_writes():
    """Text and whole numbers with some values None (a head's person without an email, a role
    without a start date: left out of the entry), grouped by which values a row has and filled
    in as templates: the same text row by row, rows of no value at all giving none."""
    import random

    rnd = random.Random(23)
    texts = ["%s", "%%", "100%", "Ysgol “Ŵ” \\ \"q\" \n\t", "", "😀", "x" * 300]
    for _round in range(60):
        keys = [rnd.choice(["title", "first_name", "%s", 'k"q', "é"]) + str(n)
                for n in range(rnd.randint(1, 5))]
        ints = {k for k in keys if rnd.random() < 0.4}
        gaps = {k: rnd.choice([0.0, 0.3, 0.9, 1.0]) for k in keys}
        rows = [{k: None if rnd.random() < gaps[k] else
                 (rnd.randint(-5, 2**70) if k in ints else rnd.choice(texts)) for k in keys}
                for _ in range(rnd.randint(1, 40))]
        assert audit.created_json(rows) == [audit._changes_json(audit.created(r)) for r in rows], rows
    rows = [{"a": None, "b": None}, {"a": "x", "b": None}, {"a": None, "b": 3}, {"a": None, "b": None}]
    assert audit.created_json(rows) == [None, '{"a": [null, "x"]}', '{"b": [null, 3]}', None]

def test_bulk_creates_entries_are_stored_as_record_many_stores_them(db):
    """record_created (column by column, no entry dict per record) stores what record_many
    stores for the same creates, containers included (which it writes through created)."""
    from ittdesk.models import ImportRun

    run = ImportRun.create(at=audit.now(), user="me", kind="schools", file_name="f.csv",
                           added=0, updated=0, refused=0)
    for rows in ([{"urn": 100001, "name": "Ŵ \\ \"q\"", "on": date(2025, 9, 1), "phase": None},
                  {"name": "b", "urn": 100002}, {}],
                 [{"nested": ["a", 1], "name": "x"}]):
        ids, people = list(range(10, 10 + len(rows))), [None, 7, None][:len(rows)]
        audit.record_many([audit.entry("school", i, "create", audit.created(r), person_id=p,
                                       note="n", import_run=run.id)
                           for r, i, p in zip(rows, ids, people, strict=True)])
        audit.record_created("school", ids, rows, people, note="n", import_run=run.id)
        both = list(AuditEntry.select().order_by(AuditEntry.id.desc()).limit(2 * len(rows)))[::-1]
        columns = ("entity", "entity_id", "action", "changes", "person_id", "note", "import_run_id")
        assert [[getattr(e, c) for c in columns] for e in both[:len(rows)]] == \
            [[getattr(e, c) for c in columns] for e in both[len(rows):]]
