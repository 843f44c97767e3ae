"""Erasure: personal values gone everywhere (file and WAL included), statistics kept."""

from __future__ import annotations

import json

import pytest
from test_privacy_seed import EMAIL, FIRST, LAST, PHONE, TRN, seed_everywhere

from ittdesk import audit, backup
from ittdesk.errors import RefusedError
from ittdesk.models import (
    ALL_MODELS,
    AuditEntry,
    Enrolment,
    Person,
    Placement,
    Role,
    Signature,
    SupportAgreement,
)
from ittdesk.privacy import erasure, sar
from ittdesk.privacy.references import text_columns

SECRETS = (FIRST, LAST, EMAIL, TRN, PHONE)


# Audit entities of the tables whose text can mention someone in the seed.
ENTITY = {"person": "person", "support_agreement": "agreement", "placement": "placement"}


def _every_text_value(skip: set[tuple[str, int]] = frozenset()):
    """Every text value in the database, except the records in ``skip`` (table, id) and the
    audit entries of those records (their history)."""
    skipped_entries = {(ENTITY[table], row_id) for table, row_id in skip}
    for model in ALL_MODELS:
        columns = text_columns(model)
        if not columns:
            continue
        table = model._meta.table_name
        extra = [model.id] + ([AuditEntry.entity, AuditEntry.entity_id] if model is AuditEntry else [])
        for row in model.select(*extra, *columns).tuples():
            if (table, row[0]) in skip:
                continue
            if model is AuditEntry and (row[1], row[2]) in skipped_entries:
                continue
            for value in row[len(extra):]:
                if value:
                    yield model, value


def test_erasure_leaves_no_byte_of_the_name_in_the_database_or_its_wal(sqlite_db):
    # No other record copies the values here: those would stay (listed for review, see below).
    seeded = seed_everywhere(mentions=False)
    path = sqlite_db.path
    wal = path.with_name(path.name + "-wal")
    before = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert FIRST.encode() in before and EMAIL.encode() in before  # the check can fail

    result = erasure.erase(seeded.person.id)

    assert result.compacted, result.note
    data = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for secret in SECRETS:
        assert secret.encode() not in data, f"{secret!r} is still in the database file"
        assert secret.lower().encode() not in data.lower(), f"{secret!r} is still in the file"


def test_erasure_removes_the_values_from_every_table_but_keeps_the_statistics(db):
    seeded = seed_everywhere()
    pid = seeded.person.id
    counts = {m.__name__: m.select().count() for m in ALL_MODELS if m is not AuditEntry}
    placement = Placement.get_by_id(seeded.trainee_placement)
    enrolment = Enrolment.get_by_id(seeded.rows["enrolment.person"])
    mentioning = {("person", seeded.other.id), ("support_agreement", seeded.agreement_id),
                  ("placement", seeded.rows["placement.mentor"])}
    agreement_notes = SupportAgreement.get_by_id(seeded.agreement_id).notes

    result = erasure.erase(pid)

    # On PostgreSQL the server's own vacuum and backups are named in a note instead.
    assert result.compacted == (db.kind == "sqlite")
    assert (result.note is None) == (db.kind == "sqlite")
    for model, value in _every_text_value(skip=mentioning):
        for secret in SECRETS:
            assert secret.lower() not in value.lower(), f"{secret!r} left in {model.__name__}: {value!r}"
    # Other records' text is listed for review, never rewritten.
    assert {(m.table, m.record_id) for m in result.mentions} == mentioning
    assert SupportAgreement.get_by_id(seeded.agreement_id).notes == agreement_notes
    assert {m.__name__: m.select().count() for m in ALL_MODELS if m is not AuditEntry} == counts
    person = Person.get_by_id(pid)
    assert person.erased and person.full_name == f"erased person #{pid}"
    assert (person.email, person.phone, person.trn, person.notes, person.title) == (None,) * 5
    kept = Placement.get_by_id(placement.id)
    assert (kept.school_id, kept.start_date, kept.end_date, kept.kind) == (
        placement.school_id, placement.start_date, placement.end_date, placement.kind)
    after = Enrolment.get_by_id(enrolment.id)
    assert (after.person_id, after.cohort_id, after.status, after.withdrawal_date, after.subject) == (
        pid, enrolment.cohort_id, "withdrawn", enrolment.withdrawal_date, "Primary")
    assert (after.trainee_id, after.withdrawal_reason) == (None, None)
    assert Role.get_by_id(seeded.rows["role.person"]).person_id == pid
    assert Signature.get_by_id(seeded.rows["signature.person"]).signatory_name == f"erased person #{pid}"
    # The other person's details, notes included, are untouched.
    other = Person.get_by_id(seeded.other.id)
    assert (other.first_name, other.email) == ("Ada", "ada@example.org")
    assert other.notes == f"Job-shares with {FIRST} {LAST} ({EMAIL})."


def test_audit_entries_keep_who_when_and_what_record_but_lose_the_personal_values(db):
    seeded = seed_everywhere()
    pid = seeded.person.id
    before = {e.id: (e.at, e.user, e.entity, e.entity_id, e.action)
              for e in AuditEntry.select().where(AuditEntry.person_id == pid)}
    erasure.erase(pid)
    after = {e.id: (e.at, e.user, e.entity, e.entity_id, e.action)
             for e in AuditEntry.select().where(AuditEntry.person_id == pid)}
    erased_entry = max(after)
    assert after.pop(erased_entry)[4] == "erase"
    assert after == before
    created = AuditEntry.get((AuditEntry.entity == "person") & (AuditEntry.action == "create")
                             & (AuditEntry.entity_id == pid))
    changes = json.loads(created.changes)
    assert changes["first_name"] == [None, "[erased]"]
    assert changes["email"] == [None, "[erased]"]
    enrolment = AuditEntry.get((AuditEntry.entity == "enrolment") & (AuditEntry.person_id == pid))
    kept = json.loads(enrolment.changes)
    assert kept["status"] == [None, "withdrawn"] and kept["withdrawal_reason"] == [None, "[erased]"]


def test_the_erasure_is_audited_without_saying_what_was_erased(db):
    seeded = seed_everywhere()
    erasure.erase(seeded.person.id)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    assert (entry.entity, entry.entity_id, entry.action, entry.changes) == (
        "person", seeded.person.id, "erase", None)
    assert entry.user == audit.current_user()
    assert "erased" in entry.note
    for secret in SECRETS:
        assert secret not in entry.note


def test_the_plan_names_what_goes_and_what_stays_and_changes_nothing(db):
    seeded = seed_everywhere()
    entries = AuditEntry.select().count()
    plan = erasure.plan(seeded.person.id)
    text = plan.text()
    assert f"{FIRST} {LAST}" in text
    assert "What goes:" in text and "What stays" in text
    assert any("Trainee ID, HESA ID and withdrawal reason on 1 enrolment" in line for line in plan.goes)
    assert any("audit entr" in line for line in plan.goes)
    assert any("role" in line for line in plan.stays)
    assert AuditEntry.select().count() == entries
    assert Person.get_by_id(seeded.person.id).first_name == FIRST


def test_a_failed_erasure_changes_nothing(db, monkeypatch):
    seeded = seed_everywhere()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        erasure.erase(seeded.person.id)
    person = Person.get_by_id(seeded.person.id)
    assert (person.first_name, person.email, person.erased) == (FIRST, EMAIL, False)
    assert Signature.get_by_id(seeded.rows["signature.person"]).signatory_name.endswith(LAST)


def test_erasing_twice_is_refused(db):
    seeded = seed_everywhere()
    erasure.erase(seeded.person.id)
    with pytest.raises(RefusedError, match="already been erased"):
        erasure.erase(seeded.person.id)


def test_after_erasure_the_subject_access_export_shows_only_the_erased_person(db, tmp_path):
    seeded = seed_everywhere()
    erasure.erase(seeded.person.id)
    data = sar.collect(seeded.person.id)
    assert data.person_name == f"erased person #{seeded.person.id}"
    html = sar.to_html(data)
    for secret in SECRETS:
        assert secret not in html


def test_backups_that_still_hold_the_person_are_listed_and_can_be_purged(sqlite_db):
    seeded = seed_everywhere()
    old = backup.automatic_backup(sqlite_db, reason="daily")
    assert erasure.plan(seeded.person.id).backups == [old]
    assert "still hold" in erasure.plan(seeded.person.id).text()
    result = erasure.erase(seeded.person.id)
    assert result.backups == [old]
    newer = backup.automatic_backup(sqlite_db, reason="daily")
    assert erasure.backups_holding(seeded.person.id) == [old]  # the new one no longer holds them
    assert erasure.purge_backups([old]) == [old.resolve()]
    assert not old.exists() and newer.exists()
    assert erasure.backups_holding(seeded.person.id) == []


def test_purge_refuses_anything_but_this_databases_automatic_backups(sqlite_db, tmp_path):
    stray = tmp_path / "precious.sqlite3"
    stray.write_bytes(b"not a backup")
    with pytest.raises(RefusedError, match="not one of this database's automatic backups"):
        erasure.purge_backups([stray])
    assert stray.exists()


def test_a_deleted_persons_copy_in_the_audit_trail_is_exported_and_erasable(db):
    from ittdesk.services.people import people

    person = people.create({"title": "Dr", "first_name": FIRST, "last_name": LAST, "email": EMAIL,
                            "phone": PHONE, "trn": TRN})
    other = people.create({"first_name": "Ada", "last_name": "Greaves",
                           "notes": f"Took over from {FIRST} {LAST}"})
    deleted = people.delete(person.id)
    data = sar.collect(person.id)
    assert data.person_name.startswith(f"{FIRST} {LAST} (deleted")
    assert data.sheet("Person").rows[0][4] == EMAIL
    plan = erasure.plan(person.id)
    assert "(deleted)" in plan.name and any("undo" in line for line in plan.goes)

    assert [(m.record, m.field) for m in plan.mentions] == [(f"person #{other.id}", "notes")]

    erasure.erase(person.id)

    for _model, value in _every_text_value(skip={("person", other.id)}):
        for secret in SECRETS:
            assert secret.lower() not in value.lower()
    assert Person.get_by_id(other.id).notes == f"Took over from {FIRST} {LAST}"
    # Undo of the old delete now brings back the erased person, not their details.
    restored = people.undo_delete(AuditEntry.get_by_id(deleted.id))
    assert restored.erased and restored.full_name == f"erased person #{person.id}"
    assert (restored.email, restored.trn) == (None, None)
