"""Erasing a person: their own values go, other people's data stays, the statistics stay.

What goes: the person's name, title, email, phone, TRN, date of birth and notes; identifiers
and free text about them on their records (trainee ID, HESA ID, withdrawal reason, placement
notes); names typed into
agreements as that person's part (who leads an activity they lead, the name on their
signature); the same values in the old and new values of every audit entry about them. What
stays: the records themselves, so counts, a cohort's outcomes and a placement's school and dates
still add up, attributed to "erased person #id".

What is never touched: other records' text. A copy of the person's name, email, phone or TRN
elsewhere (found in every text column by introspection) is only *listed* for the user to review
(``ErasurePlan.mentions``): a pattern cannot tell "Thomas Moore" the head from "Thomas Moore
Catholic Primary School", nor a switchboard number shared with a colleague from the head's own.

Why the audit table is written here: audit entries are append-only everywhere else (the
database's own triggers refuse UPDATE and DELETE, see ``audit_guard.install_guard``), but an audit
that kept erased names would defeat the erasure. This module is the one sanctioned path that
rewrites them, through ``audit_guard.scrubbing``, changing only personal values inside ``changes``
of the entries about the person, never the who/when/which-record of an entry. The
erasure itself is recorded as a new entry that says an erasure happened, not what was erased.

On SQLite the file is then checkpointed and vacuumed (and ``secure_delete`` is always on), so the
old values are in neither the database file nor its WAL. Automatic backups still hold them: they
are listed, and ``purge_backups`` deletes them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peewee import ModelSelect

from .. import audit, audit_guard, presence, search_index
from ..errors import RefusedError
from ..models import (
    AgreementActivity,
    AuditEntry,
    Enrolment,
    MentorTraining,
    Person,
    Placement,
    Signature,
    database,
)
from ..models.base import writing
from .references import entries_about, mentions, person_references, subject

# Text columns the erasure itself clears on the person's own records (``_own_rows``): a match
# there is not a mention to review.
_OWN_TEXT = {
    ("enrolment", "trainee_id"), ("enrolment", "hesa_id"), ("enrolment", "withdrawal_reason"),
    ("placement", "notes"),
    ("agreement_activity", "who"), ("signature", "signatory_name"),
    ("mentor_training", "evidence"),
}

ERASED = "[erased]"

# Personal fields of the person record (everything but the flags) are erased in full.
PERSON_FIELDS = ("title", "first_name", "last_name", "email", "phone", "trn", "notes",
                 "date_of_birth")

# Per audited kind of record: the fields that are personal to the person the record is about.
# Only these are scrubbed from that kind's audit entries (other fields are statistics).
AUDIT_PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "person": PERSON_FIELDS,
    "enrolment": ("trainee_id", "hesa_id", "withdrawal_reason"),
    "placement": ("notes",),
    "agreement_activity": ("who",),
    "signature": ("signatory_name",),
    "mentor_training": ("evidence",),  # a note about their attendance (issue 18)
}


def erased_label(person_id: int) -> str:
    return f"erased person #{person_id}"


@dataclass(frozen=True)
class Mention:
    """Another record's text that copies the person's name, email, phone or TRN: listed for the
    user to review, never changed by the erasure (it may be about someone or something else)."""

    table: str
    record_id: int
    field: str
    text: str

    @property
    def record(self) -> str:
        return f"{self.table.replace('_', ' ')} #{self.record_id}"

    def line(self) -> str:
        shown = " ".join(self.text.split())
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return f"{self.record}, {self.field.replace('_', ' ')}: \"{shown}\""


MENTIONS_HEADING = ("Mentions in other records, not changed (review them: they may be about "
                    "someone or something else, e.g. a school named after them or a shared phone "
                    "number):")


@dataclass
class ErasurePlan:
    """What an erasure of one person would remove and keep, in words for the confirmation."""

    person_id: int
    name: str
    goes: list[str]
    stays: list[str]
    backups: list[Path] = field(default_factory=list)
    already_erased: bool = False
    mentions: list[Mention] = field(default_factory=list)
    audit_mentions: int = 0  # other records' audit entries that copy the values (history, kept)

    def text(self, *, with_paths: bool = False, with_mentions: bool = True) -> str:
        """``with_mentions``: False where the mentions are shown apart (the app's dialog)."""
        lines = [f"Erase the personal data of {self.name} (#{self.person_id})?", "", "What goes:"]
        lines += [f"  - {line}" for line in self.goes]
        lines += ["", f"What stays, attributed to \"{erased_label(self.person_id)}\":"]
        lines += [f"  - {line}" for line in self.stays] or ["  - nothing else"]
        if with_mentions and (self.mentions or self.audit_mentions):
            lines += ["", MENTIONS_HEADING] + [f"  - {m.line()}" for m in self.mentions]
            if self.audit_mentions:
                n = self.audit_mentions
                lines.append(f"  - and {n} audit entr{'y' if n == 1 else 'ies'} of other records "
                             "(their history stays as it was)")
        if self.backups:
            lines += ["", backups_note(self.backups)]
            if with_paths:
                lines += [f"  {path}" for path in self.backups]
        lines += ["", "This cannot be undone."]
        return "\n".join(lines)


@dataclass
class ErasureResult:
    person_id: int
    records_changed: int
    audit_entries_scrubbed: int
    compacted: bool
    note: str | None = None
    backups: list[Path] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    audit_entries_about: int = 0  # all entries about them; only those with personal values change

    def audit_text(self) -> str:
        """'3 of the 6 audit entries about them held personal values and were scrubbed; the
        other 3 hold none (dates, statuses, links) and stay as they were'."""
        n, total = self.audit_entries_scrubbed, max(self.audit_entries_about,
                                                     self.audit_entries_scrubbed)
        entries = f"audit entr{'y' if total == 1 else 'ies'}"
        if n == total:
            return (f"the {total} {entries} about them scrubbed of personal values" if total
                    else "no audit entry about them held personal values")
        rest = total - n
        return (f"{n} of the {total} {entries} about them held personal values and "
                f"{'was' if n == 1 else 'were'} scrubbed; the other {rest} "
                f"hold{'s' if rest == 1 else ''} none (dates, statuses, links) and "
                f"stay{'s' if rest == 1 else ''} as {'it was' if rest == 1 else 'they were'}")


def _own_rows(person_id: int) -> dict[str, set[int]]:
    """Ids of the person's own records whose text the erasure clears, per table."""
    enrolments: set[int] = set(Enrolment.select(Enrolment.id).where(
        Enrolment.person == person_id).scalars())
    placements: set[int] = set(Placement.select(Placement.id).where(
        Placement.enrolment.in_(list(enrolments))).scalars()) if enrolments else set()
    return {
        "enrolment": enrolments,
        "placement": placements,
        "agreement_activity": set(AgreementActivity.select(AgreementActivity.id).where(
            AgreementActivity.person == person_id).scalars()),
        "signature": set(Signature.select(Signature.id).where(
            Signature.person == person_id).scalars()),
        "mentor_training": set(MentorTraining.select(MentorTraining.id).where(
            MentorTraining.person == person_id).scalars()),
    }


def review_mentions(person: Person) -> tuple[list[Mention], int]:
    """Other records' text copying the person's values, to list (never to change), and how many
    audit entries not about the person copy them too."""
    own = _own_rows(person.id)
    about: set[int] = set(_audit_entries(person.id).select(AuditEntry.id).scalars())
    found, audit_ids = [], set()
    for model, column, row_id in mentions(person):
        table = model._meta.table_name
        if model is AuditEntry:
            if row_id not in about:
                audit_ids.add(row_id)
            continue
        if (table, column.name) in _OWN_TEXT and row_id in own.get(table, ()):
            continue
        value = model.select(column).where(model.id == row_id).scalar() or ""
        found.append(Mention(table, row_id, column.name, value))
    return found, len(audit_ids)


def backups_note(paths: list[Path]) -> str:
    n = len(paths)
    return (f"Note: {n} automatic backup{'s' if n != 1 else ''} of this database still hold"
            f"{'' if n != 1 else 's'} the data as it was. Erasure cannot reach inside them; "
            "purge them to remove it (this deletes the whole backup files).")


def plan(person_id: int) -> ErasurePlan:
    """What would go and what would stay; changes nothing."""
    person, exists = subject(person_id)
    if person.erased:
        return ErasurePlan(person.id, person.full_name, [], [], backups_holding(person.id), True)
    found, n_audit_mentions = review_mentions(person)
    if not exists:
        n_audit = _audit_entries(person.id).count()
        goes = ["The deleted person record kept in the audit trail (undo would no longer bring "
                "back their details)",
                f"Personal values in {n_audit} audit entr{'y' if n_audit == 1 else 'ies'} "
                "(who changed what and when stays)"]
        return ErasurePlan(person.id, f"{person.full_name} (deleted)", goes, [],
                           backups_holding(person.id), mentions=found,
                           audit_mentions=n_audit_mentions)
    goes = ["Name, title, email, phone, TRN, date of birth and notes on the person record"]
    enrolments = Enrolment.select().where(Enrolment.person == person)
    n_enrol = enrolments.count()
    n_place = Placement.select().join(Enrolment).where(Enrolment.person == person).count()
    if n_enrol:
        goes.append(f"Trainee ID, HESA ID and withdrawal reason on {n_enrol} enrolment(s), "
                    "and any deferral reason")
    if n_place:
        goes.append(f"Notes on {n_place} placement(s), and why any was withdrawn")
    n_act = AgreementActivity.select().where((AgreementActivity.person == person)
                                             & AgreementActivity.who.is_null(False)).count()
    if n_act:
        goes.append(f"The name typed as 'who' on {n_act} agreement activit{'y' if n_act == 1 else 'ies'}")
    n_evidence = MentorTraining.select().where((MentorTraining.person == person)
                                               & MentorTraining.evidence.is_null(False)).count()
    if n_evidence:
        goes.append(f"Evidence notes on {n_evidence} mentor training record(s) (dates and "
                    "hours stay: the funding claimed on them is the school's)")
    n_sig = Signature.select().where(Signature.person == person).count()
    if n_sig:
        goes.append(f"The name as signed on {n_sig} signature(s) (the date signed stays)")
    n_audit = _audit_entries(person.id).count()
    if n_audit:
        goes.append(f"Personal values in the {n_audit} audit entr{'y' if n_audit == 1 else 'ies'} "
                    "about them (who changed what and when stays)")

    stays = []
    for ref in person_references():
        if ref.model is AuditEntry:
            continue
        n = ref.model.select().where(ref.column == person.id).count()
        if n:
            what = ref.model._meta.table_name.replace("_", " ")
            role = "" if ref.field == "person" else f" (as {ref.field.replace('_', ' ')})"
            plural = (what[:-1] + "ies") if what.endswith("y") else what + "s"
            stays.append(f"{n} {what if n == 1 else plural}{role}")
    if n_place:
        stays.append(f"{n_place} placement(s) as trainee: school, kind and dates")
    if n_enrol:
        stays.append("Cohort, status, subject, home school and outcome of each enrolment")
    return ErasurePlan(person.id, person.full_name, goes, stays, backups_holding(person.id),
                       mentions=found, audit_mentions=n_audit_mentions)


def _audit_entries(person_id: int) -> ModelSelect[AuditEntry]:
    return entries_about(person_id)


def _own_values(person: Person) -> set[str]:
    """The person's own identifying values, lower-cased: full name, email, phone, TRN."""
    values = {person.email, person.phone, person.trn,
              " ".join(p for p in (person.first_name, person.last_name) if p)}
    return {v.strip().lower() for v in values if v and v.strip()}


def _scrub_changes(entry_changes: str | None, personal: tuple[str, ...],
                   own: set[str]) -> str | None:
    """The entry's changes with the personal fields' values erased, and any other value that
    *is* one of the person's own values (exactly, not a pattern: "Thomas Moore Catholic Primary
    School" in an entry about Thomas Moore is the school's name and stays, as on the record)."""
    if not entry_changes:
        return entry_changes
    try:
        data = json.loads(entry_changes)
    except ValueError:
        return ERASED
    names = set(personal) | {f"{n}_id" for n in personal}
    for key, pair in data.items():
        if not isinstance(pair, list):
            continue
        for i, value in enumerate(pair):
            if value in (None, ""):
                continue
            if key in names:
                pair[i] = ERASED
            elif isinstance(value, str) and value.strip().lower() in own:
                pair[i] = ERASED
    return json.dumps(data, ensure_ascii=False)


def _erased_snapshot(changes: str | None, person_id: int) -> str | None:
    """A deleted person's snapshot that an undo restores as the erased person, not as text."""
    if not changes:
        return changes
    data = json.loads(changes)
    replacement = {"first_name": "Erased", "last_name": f"person #{person_id}", "erased": True}
    for key, pair in data.items():
        if isinstance(pair, list) and pair and key in PERSON_FIELDS + ("erased",):
            pair[0] = replacement.get(key)
    return json.dumps(data, ensure_ascii=False)


def erase(person_id: int, *, reason: str = "erasure request",
          progress: Callable[[str], None] | None = None, compact_after: bool = True) -> ErasureResult:
    """Erase the person's own personal data (see the module docstring), then compact the file.

    Other records that mention them are left as they are and returned in ``mentions``."""
    person, exists = subject(person_id)
    if person.erased:
        raise RefusedError(f"{person.full_name} has already been erased")
    say = progress or (lambda _message: None)
    own = _own_values(person)
    label = erased_label(person.id)
    changed = 0
    with writing():
        found, _n = review_mentions(person)
        say("Erasing the person record")
        changed += Person.update(title=None, first_name="Erased", last_name=f"person #{person.id}",
                                 email=None, phone=None, trn=None, notes=None,
                                 date_of_birth=None, erased=True
                                 ).where(Person.id == person.id).execute()
        say("Erasing personal details on their records")
        rows = _own_rows(person.id)  # not ``own``: the audit scrub below needs the values
        enrolment_ids = list(rows["enrolment"])
        changed += Enrolment.update(trainee_id=None, hesa_id=None, withdrawal_reason=None,
                                    deferral_reason=None).where(
            Enrolment.id.in_(enrolment_ids)).execute() if enrolment_ids else 0
        changed += Placement.update(notes=None, status_reason=None).where(
            Placement.enrolment.in_(enrolment_ids)).execute() if enrolment_ids else 0
        changed += AgreementActivity.update(who=None).where(
            (AgreementActivity.person == person.id) & AgreementActivity.who.is_null(False)).execute()
        changed += Signature.update(signatory_name=label).where(
            Signature.person == person.id).execute()
        changed += MentorTraining.update(evidence=None).where(
            (MentorTraining.person == person.id) & MentorTraining.evidence.is_null(False)).execute()

        say("Scrubbing the audit trail")
        scrubbed = 0
        about = list(_audit_entries(person.id))
        with audit_guard.scrubbing() as scrub:
            for entry in about:
                personal = AUDIT_PERSONAL_FIELDS.get(entry.entity, ())
                new_changes = _scrub_changes(entry.changes, personal, own)
                if entry.entity == "person" and entry.action == "delete":
                    new_changes = _erased_snapshot(new_changes, person.id)
                if new_changes != entry.changes:
                    # The one sanctioned rewrite of audit entries (see the module docstring).
                    scrub(entry.id, new_changes, entry.note)
                    scrubbed += 1
        audit.record("person", person.id, "erase", None, person_id=person.id,
                     note=f"personal data erased ({reason}); {changed} record(s) anonymised")
        say("Clearing the old values from the search index")
        search_index.forget_erased()
    compacted, note = False, None
    if compact_after:
        say("Compacting the database file")
        compacted, note = compact()
    return ErasureResult(person.id, changed, scrubbed, compacted, note, backups_holding(person.id),
                         mentions=found, audit_entries_about=len(about))


def compact() -> tuple[bool, str | None]:
    """Rewrite the SQLite file so deleted values are gone from it and from its WAL.

    ``secure_delete`` already zeroes freed space; ``VACUUM`` rebuilds every page and the
    TRUNCATE checkpoints empty the WAL. On PostgreSQL, old row versions are the server's to
    vacuum: the note says so.
    """
    from ..db import is_postgres

    db = database.obj
    if is_postgres():
        return False, ("On PostgreSQL the server keeps old row versions until its next vacuum, "
                       "and its own backups (pg_dump, WAL archives) still hold the data: ask "
                       "whoever runs the server to vacuum and to purge old backups.")
    from ..db import in_use_message, location

    others = presence.other_apps()
    if others:  # a whole-file step: as restore, only with the file to itself
        return False, ("The erasure is saved, but the file was not compacted: "
                       + in_use_message(location().path or Path("the database"),
                                        f"Close it there ({', '.join(others)}), then run "
                                        "'ittdesk person erase' again or restart the app."))
    try:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute_sql("VACUUM")
        row = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except (sqlite3.OperationalError, Exception) as exc:  # noqa: BLE001 - report, never lose the erasure
        return False, (f"The erasure is saved, but the file could not be compacted now ({exc}). "
                       "Close other ITT Desk windows and run 'ittdesk person erase' again "
                       "or restart the app.")
    if row and row[0]:
        return False, ("The erasure is saved, but another program is reading the database, so "
                       "old pages could not all be cleared yet. Close other ITT Desk windows and "
                       "compact again.")
    return True, None


def backups_holding(person_id: int) -> list[Path]:
    """Automatic backups in which the person is still present and not erased, and every stray
    temporary copy a crash left (a partial backup, its journal, staged forms, XlsxWriter's
    scratch files): what they hold cannot be told, so they are listed too."""
    from .. import backup, db, files

    try:
        location = db.location()
    except Exception:
        return []
    if location.kind != "sqlite":
        return files.stray_temporaries()  # a crashed export's scratch files, staged forms
    found = []
    for path in backup.automatic_backups(location):
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT erased FROM person WHERE id = ?", (person_id,)).fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            found.append(path)  # unreadable: cannot tell, so list it
            continue
        if row is not None and not row[0]:
            found.append(path)
    return found + files.stray_temporaries()


def purge_backups(paths: list[Path]) -> list[Path]:
    """Delete the given automatic backups and stray temporaries (only those: anything else is
    refused before one file is touched), overwritten with zeros first."""
    from .. import backup, db, files

    allowed = {p.resolve() for p in backup.automatic_backups(db.location())}
    allowed |= {p.resolve() for p in files.stray_temporaries()}
    removed = []
    for path in paths:
        path = Path(path).resolve()
        if path not in allowed and path.exists():
            raise RefusedError(f"{path} is not one of this database's automatic backups")
    for path in paths:
        path = Path(path).resolve()
        if not path.exists():  # gone since it was listed (another start removed it)
            continue
        files.remove_path(path, overwrite=True)
        removed.append(path)
    return removed
