"""Issue 19, item 1: no lost update. Every record people edit carries a version; an edit made
from an older version merges when it changes other fields than the ones changed meanwhile, and
is refused (ConflictError: who, when, which fields) when it changes the same ones; nothing is
overwritten silently. Two users are two threads, each with its own connection, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import json
import threading

import pytest

from ittdesk import migrations, schema_check
from ittdesk.errors import ConflictError, RefusedError
from ittdesk.models import ALL_MODELS, AuditEntry, SchemaVersion, School, database
from ittdesk.models.base import Versioned
from ittdesk.services import base as services_base
from ittdesk.services.people import people
from ittdesk.services.schools import schools


def _school(urn: int = 100001, **extra):
    return schools.create({"urn": str(urn), "name": "Hillside Primary", **extra})


def _in_own_connection(work):
    """Run ``work`` on another thread with its own connection: another user."""
    outcome: dict[str, object] = {}

    def run():
        try:
            with database.connection_context():
                outcome["value"] = work()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


def test_every_record_a_service_edits_carries_a_version():
    edited = {cls.model for cls in _service_classes()}
    assert edited, "no services found"
    assert all(issubclass(model, Versioned) for model in edited), sorted(
        m.__name__ for m in edited if not issubclass(m, Versioned))


def _service_classes():
    import importlib
    import pkgutil

    import ittdesk

    for info in pkgutil.walk_packages(ittdesk.__path__, "ittdesk."):
        if not info.name.endswith("__main__"):  # the CLI itself, run on import
            importlib.import_module(info.name)
    found, todo = set(), [services_base.EntityService]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if isinstance(sub.__dict__.get("model"), type):
                found.add(sub)
    return found


def test_a_record_starts_at_version_1_and_each_update_adds_one(db):
    school = _school()
    assert school.version == 1
    assert School.get_by_id(school.id).version == 1
    saved = schools.update(school.id, {"phone": "01632 960000"})
    assert saved.version == 2
    assert School.get_by_id(school.id).version == 2
    schools.update(school.id, {"phone": "01632 960000"})  # nothing changed: nothing written
    assert School.get_by_id(school.id).version == 2


def test_the_same_field_changed_by_two_users_refuses_the_second_naming_who_when_and_what(db):
    school = _school()
    seen = school.version  # both users opened it at this version
    _in_own_connection(lambda: schools.update(school.id, {"phone": "01632 960001"},
                                              expected_version=seen))
    with pytest.raises(ConflictError) as caught:
        schools.update(school.id, {"phone": "01632 960002"}, expected_version=seen)
    error = caught.value
    assert isinstance(error, RefusedError)
    assert error.entity == "school" and error.record_id == school.id
    assert error.fields == {"phone": (None, "01632 960001", "01632 960002")}
    assert error.labels == {"phone": "Phone"}
    latest = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    assert error.who == latest.user and error.when == latest.at
    assert error.current_version == seen + 1
    assert error.label == schools.describe(School.get_by_id(school.id))
    message = str(error)
    assert f"Saved by {latest.user} at " in message and "while you were editing: Phone" in message
    assert School.get_by_id(school.id).phone == "01632 960001"  # theirs kept, nothing overwritten
    assert School.get_by_id(school.id).version == seen + 1


def test_different_fields_changed_by_two_users_are_both_kept(db):
    school = _school()
    seen = school.version
    _in_own_connection(lambda: schools.update(school.id, {"phone": "01632 960001"},
                                              expected_version=seen))
    # the second user's form still holds the phone as it was: only what they changed is sent,
    # and a field sent unchanged from what they saw is not theirs to overwrite
    merged = schools.update(school.id, {"email": "office@hillside.example.org", "phone": None},
                            expected_version=seen)
    row = School.get_by_id(school.id)
    assert (row.phone, row.email) == ("01632 960001", "office@hillside.example.org")
    assert merged.version == row.version == seen + 2


def test_the_same_change_made_by_both_users_is_no_conflict(db):
    school = _school()
    seen = school.version
    schools.update(school.id, {"phone": "01632 960001"}, expected_version=seen)
    schools.update(school.id, {"phone": "01632 960001"}, expected_version=seen)
    assert School.get_by_id(school.id).version == seen + 1


def test_a_merge_is_checked_by_the_same_rules(db):
    person = people.create({"first_name": "Ada", "last_name": "Greaves",
                            "email": "ada@example.org"})
    seen = person.version
    people.update(person.id, {"phone": "01632 960001"}, expected_version=seen)
    from ittdesk.errors import ValidationError

    with pytest.raises(ValidationError):
        people.update(person.id, {"last_name": ""}, expected_version=seen)
    assert people.get(person.id).last_name == "Greaves"


def test_delete_of_a_record_changed_since_it_was_seen_is_refused(db):
    school = _school()
    seen = school.version
    _in_own_connection(lambda: schools.update(school.id, {"town": "Bristol"}))
    with pytest.raises(ConflictError) as caught:
        schools.delete(school.id, expected_version=seen)
    assert caught.value.fields == {"town": (None, "Bristol", None)}
    assert "was not deleted" in str(caught.value) and "Town" in str(caught.value)
    assert School.get_or_none(School.id == school.id) is not None
    schools.delete(school.id, expected_version=seen + 1)
    assert School.get_or_none(School.id == school.id) is None


def test_without_a_version_the_last_save_wins_for_the_fields_it_changes_only(db):
    school = _school()
    schools.update(school.id, {"phone": "01632 960001"})
    schools.update(school.id, {"phone": "01632 960002"})
    schools.update(school.id, {"town": "Bristol"})
    row = School.get_by_id(school.id)
    assert (row.phone, row.town, row.version) == ("01632 960002", "Bristol", 4)


def test_undo_of_an_edit_and_a_bulk_update_each_add_one_to_the_version(db):
    school = _school()
    schools.update(school.id, {"phone": "01632 960001"})
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    undone = schools.undo_update(entry)
    assert undone.phone is None and undone.version == 3
    assert School.get_by_id(school.id).version == 3
    with database.atomic():
        assert schools.update_many([(school.id, {"town": (None, "Bath")}, None)]) == 1
    row = School.get_by_id(school.id)
    assert (row.town, row.version) == ("Bath", 4)
    # the bulk update is one audited change like any other: an edit made before it merges
    schools.update(school.id, {"phone": "01632 960009"}, expected_version=3)
    with pytest.raises(ConflictError):
        schools.update(school.id, {"town": "Wells"}, expected_version=3)


def test_two_users_interleaving_edits_of_different_fields_lose_none(db):
    """2 x 100 edits of one school, each made from the version its user last saw (read, a
    pause, then the write): every edit kept and both final values right."""
    school = _school()
    rounds = 100
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def user(field: str, stem: str) -> None:
        try:
            with database.connection_context():
                start.wait()
                for n in range(rounds):
                    seen = School.get_by_id(school.id).version
                    schools.update(school.id, {field: f"{stem}{n}"}, expected_version=seen)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=user, args=("town", "Town ")),
               threading.Thread(target=user, args=("trust", "Trust "))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    row = School.get_by_id(school.id)
    assert (row.town, row.trust) == (f"Town {rounds - 1}", f"Trust {rounds - 1}")
    assert row.version == 1 + 2 * rounds
    towns = [c for c in AuditEntry.select().where(
        (AuditEntry.entity == "school") & (AuditEntry.action == "update")
        & AuditEntry.changes.contains('"town"'))]
    assert len(towns) == rounds


def test_two_users_racing_on_one_field_never_lose_an_edit_silently(db):
    """Both users edit the phone, each from the version it read: every edit either is written
    (and so seen by the next) or refused as a conflict; none vanishes."""
    school = _school()
    rounds = 50
    start = threading.Barrier(2)
    written: list[str] = []
    refused: list[str] = []
    failures: list[BaseException] = []

    def user(stem: str) -> None:
        try:
            with database.connection_context():
                start.wait()
                for n in range(rounds):
                    seen = School.get_by_id(school.id).version
                    value = f"{stem} {n}"
                    try:
                        schools.update(school.id, {"phone": value}, expected_version=seen)
                        written.append(value)
                    except ConflictError:
                        refused.append(value)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=user, args=(s,)) for s in ("01632 1", "01632 2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(written) + len(refused) == 2 * rounds
    history = [json.loads(e.changes)["phone"] for e in AuditEntry.select().where(
        (AuditEntry.entity == "school") & (AuditEntry.action == "update")).order_by(AuditEntry.id)]
    assert sorted(new for _old, new in history) == sorted(written)
    # each edit replaced the one before it: none was written over unseen
    assert [old for old, _new in history] == [None] + [new for _old, new in history[:-1]]
    row = School.get_by_id(school.id)
    assert (row.phone, row.version) == (history[-1][1], 1 + len(written))


def test_migration_10_gives_every_existing_record_version_1(db):
    school = _school()
    schools.update(school.id, {"phone": "01632 960001"})
    versioned = [m for m in ALL_MODELS if issubclass(m, Versioned)]
    for model in versioned:
        database.execute_sql(f'ALTER TABLE "{model._meta.table_name}" DROP COLUMN "version"')
    SchemaVersion.update(version=9).execute()
    assert "version" not in {c.name for c in database.get_columns("school")}

    assert [s.version for s in migrations.migrate(db)] == [
        m.version for m in migrations.MIGRATIONS if m.version >= 10]

    for model in versioned:
        assert "version" in {c.name for c in database.get_columns(model._meta.table_name)}
    row = School.get_by_id(school.id)
    assert (row.phone, row.version) == ("01632 960001", 1)
    assert _school(100002).version == 1
    if db.kind == "sqlite":
        import sqlite3

        database.close()
        conn = sqlite3.connect(db.path)
        try:
            assert schema_check.foreign_objects(conn, migrations.LATEST) == []
        finally:
            conn.close()
        database.connect()
