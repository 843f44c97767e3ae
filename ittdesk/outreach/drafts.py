"""The yearly form and its reminder as e-mail messages, and ``.eml`` drafts of them.

A school's message goes to its current headteacher(s) and ITT champion (``holders``: started
and not ended), or to the school office's address when it has neither with an address. The
subject and text come from templates the provider edits (settings ``email_form_subject`` /
``_body``, ``email_chase_subject`` / ``_body``) with the fields {school}, {contact},
{due_date}, {provider} and {year}; the school's form is attached.

A draft is an RFC 5322 message with ``X-Unsent: 1``: Outlook opens such a ``.eml`` as a new
message ready to send, Thunderbird ("Edit as new") and Apple Mail likewise. Making a draft or
sending a message marks the school's form as sent (the provider no longer marks it by hand)
and logs it with the school in the audit trail: action ``email draft`` / ``email sent`` /
``email failed``, one entry per recipient (``person_id`` set, so an erasure finds it) with the
subject and address, and the message's key as the note, which is how a retry of a sending
knows what already went (``sending``).
"""

from __future__ import annotations

import io
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from .. import audit, clock, holders, settings
from ..errors import RefusedError
from ..files import StagedFolder
from ..models import AuditEntry, ConfirmationRound, Person, Role, RoundSchool, School
from ..models.base import writing

FORM = "form"
REMINDER = "reminder"
KINDS = {FORM: (settings.EMAIL_FORM_SUBJECT, settings.EMAIL_FORM_BODY),
         REMINDER: (settings.EMAIL_CHASE_SUBJECT, settings.EMAIL_CHASE_BODY)}
#: who a school's yearly form goes to (current holders; the office address otherwise)
TO_KINDS = ("headteacher", "itt_champion")
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
#: audit actions of the message log (AuditEntry.action holds at most 20 characters)
DRAFT, SENT, FAILED = "email draft", "email sent", "email failed"

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Recipient:
    name: str  # the person's name, or "School office"
    address: str
    person_id: int | None = None

    def header(self) -> Address | str:
        try:
            return Address(display_name=self.name, addr_spec=self.address)
        except (ValueError, IndexError):  # an address the header parser will not split
            return self.address

    @property
    def shown(self) -> str:
        return f"{self.name} <{self.address}>"


@dataclass
class Message:
    """One school's e-mail: built, not yet written or sent."""

    round: ConfirmationRound
    entry: RoundSchool
    school: School
    kind: str
    recipients: list[Recipient]
    email: EmailMessage
    key: str  # what the log notes: a retry skips a key already sent

    @property
    def subject(self) -> str:
        return str(self.email["Subject"])

    @property
    def file_name(self) -> str:
        """``900100 Moorside Primary School.eml`` beside its form (``- reminder`` for a chaser)."""
        from ..leadership.forms import file_name_for

        stem = file_name_for(self.school).removesuffix(".xlsx")
        return f"{stem}{' - reminder' if self.kind == REMINDER else ''}.eml"


def recipients_for(school_ids: Iterable[int]) -> dict[int, list[Recipient]]:
    """Per school: its current headteacher(s) and ITT champion with an address (ITT champion
    first), else the school office's address, else nobody (the draft's To is left empty)."""
    ids = list(dict.fromkeys(school_ids))
    found: dict[int, list[Recipient]] = {i: [] for i in ids}
    if ids:
        query = (Role.select(Role, Person).join(Person)
                 .where(Role.school.in_(ids) & holders.held() & Role.kind.in_(TO_KINDS)
                        & (Person.erased == False) & Person.email.is_null(False))  # noqa: E712
                 .order_by(Role.kind.desc(), Person.last_name_key, Person.id))
        for role in query:
            people = found[role.school_id]
            email = role.person.email
            assert email is not None  # the query keeps only people with an address
            if all(r.address != email for r in people):
                people.append(Recipient(role.person.full_name, email, role.person.id))
    missing = [i for i in ids if not found[i]]
    for school in School.select(School.id, School.email).where(School.id.in_(missing or [0])):
        if school.email:
            found[school.id] = [Recipient("School office", school.email)]
    return found


def field_values(round_: ConfirmationRound, school: School,
                 recipients: list[Recipient]) -> dict[str, str]:
    """The values of a template's fields for one school."""
    people = [r.name for r in recipients if r.person_id is not None]
    if not people:
        contact = "colleague"
    elif len(people) == 1:
        contact = people[0]
    else:
        contact = ", ".join(people[:-1]) + " and " + people[-1]
    due = round_.return_by
    return {"school": school.name, "contact": contact,
            "due_date": due.strftime("%A %d %B %Y").replace(" 0", " ") if due
            else "as soon as you can",
            "provider": settings.provider().display_name, "year": str(round_.academic_year)}


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:  # a template stored before a field was renamed
        return "{" + key + "}"


def fill(template: str, values: dict[str, str]) -> str:
    """The template with its fields filled; a stray brace is kept as written, never an error."""
    try:
        return string.Formatter().vformat(template, (), _Fields(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def form_bytes(round_: ConfirmationRound, school: School) -> bytes:
    """The school's signed form, as ``leadership forms`` writes it."""
    from ..leadership.forms import build_workbook, form_content

    buffer = io.BytesIO()
    build_workbook(form_content(round_, school)).save(buffer)
    return buffer.getvalue()


def build(round_: ConfirmationRound, entry: RoundSchool, school: School, kind: str,
          recipients: list[Recipient], attachment: bytes, *, on: date | None = None) -> Message:
    """The message for one school, its form attached (not written, not logged)."""
    from ..leadership.forms import file_name_for

    subject, body = KINDS[kind]
    values = field_values(round_, school, recipients)
    email = EmailMessage()
    sender = settings.PROVIDER_EMAIL.get()
    if sender:
        email["From"] = Recipient(settings.provider().display_name, sender).header()
    if recipients:
        email["To"] = [r.header() for r in recipients]
    email["Subject"] = " ".join(fill(subject.get(), values).split())
    email.set_content(fill(body.get(), values) + "\n")
    email.add_attachment(attachment, maintype=XLSX[0], subtype=XLSX[1],
                         filename=file_name_for(school))
    key = f"{kind} {round_.academic_year} URN {school.urn}"
    if kind == REMINDER:
        key += f" {(on or clock.today()).isoformat()}"
    return Message(round_, entry, school, kind, recipients, email, key)


def as_draft(message: Message) -> bytes:
    """The ``.eml`` bytes: CRLF lines (as mail programs write them) and ``X-Unsent: 1``."""
    email = message.email
    del email["X-Unsent"]
    email["X-Unsent"] = "1"
    return email.as_bytes(policy=SMTP)


def log(message: Message, action: str, *, reason: str | None = None,
        recipients: list[Recipient] | None = None) -> None:
    """The message in the school's log (the audit trail), one entry per recipient; for a
    made or sent form also the round's ``sent_on``. Runs inside the caller's transaction."""
    from ..leadership import rounds

    if action in (DRAFT, SENT):
        entry = message.entry
        rounds.mark_written(entry)
        if entry.sent_on is None:
            entry.sent_on = clock.today()
            entry.save()
            audit.record("round_school", entry.id, "update", {"sent_on": [None, entry.sent_on]},
                         note="e-mail draft made" if action == DRAFT else "e-mail sent")
    shown = message.subject if reason is None else f"{message.subject} ({reason})"
    for r in (message.recipients if recipients is None else recipients) \
            or [Recipient("nobody", "")]:
        # name and address apart: each is then exactly the person's own value, which an
        # erasure scrubs from the entries about them (privacy.erasure)
        audit.record("school", message.school.id, action,
                     {"message": [None, shown], "to": [None, r.name],
                      "address": [None, r.address or None]},
                     person_id=r.person_id, note=message.key)


def already_sent(keys: Iterable[str]) -> set[str]:
    """The keys (of ``Message.key``) the log says were sent: a retry skips them."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return set()
    return {row.note for row in AuditEntry.select(AuditEntry.note)
            .where((AuditEntry.action == SENT) & AuditEntry.note.in_(wanted))
            if row.note is not None}  # (never None: the query matches a note)


@dataclass(frozen=True)
class LogLine:
    at: datetime
    action: str
    message: str
    to: str


def message_log(school_id: int) -> list[LogLine]:
    """What was made or sent for a school, newest first (the school's record shows it)."""
    import json

    lines = []
    for row in (AuditEntry.select()
                .where((AuditEntry.entity == "school") & (AuditEntry.entity_id == school_id)
                       & AuditEntry.action.in_((DRAFT, SENT, FAILED)))
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())):
        changes = json.loads(row.changes or "{}")
        name = (changes.get("to") or [None, ""])[1] or ""
        address = (changes.get("address") or [None, ""])[1] or ""
        lines.append(LogLine(row.at, row.action, (changes.get("message") or [None, ""])[1] or "",
                             f"{name} <{address}>" if address else name))
    return lines


# -- messages for a round -------------------------------------------------------------------


def messages(round_: ConfirmationRound, entries: list[RoundSchool], kind: str, *,
             attachments: dict[int, bytes] | None = None,
             on: date | None = None) -> list[Message]:
    """A message per entry, each with its form (given, else built now)."""
    to = recipients_for(e.school_id for e in entries)
    found = []
    for entry in entries:
        school = entry.school
        data = (attachments or {}).get(school.id)
        found.append(build(round_, entry, school, kind, to[school.id],
                           data if data is not None else form_bytes(round_, school), on=on))
    return found


def outstanding_entries(round_: ConfirmationRound) -> list[RoundSchool]:
    """The round's schools whose form was sent and has not come back: the ones to chase."""
    from ..leadership import rounds

    report = rounds.status(round_)
    wanted = {r.school_id for r in report.outstanding}
    return [e for e in rounds.entries(round_) if e.school_id in wanted]


def unsent_entries(round_: ConfirmationRound) -> list[RoundSchool]:
    """The round's schools whose form has not gone out (for sending the yearly e-mail)."""
    from ..leadership import rounds

    return [e for e in rounds.entries(round_)
            if e.sent_on is None and e.returned_on is None and e.confirmed_on is None]


@dataclass
class DraftsResult:
    written: list[Path] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)  # schools whose draft has no To
    cancelled: bool = False


def write_chasers(round_: ConfirmationRound, outdir: Path, *, progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> DraftsResult:
    """A reminder draft for every outstanding school, its form attached again, into
    ``outdir`` all or nothing (staged, then logged and moved in, as the forms are)."""
    todo = outstanding_entries(round_)
    if not todo:
        raise RefusedError(f"No school has a form out and not returned for the "
                           f"{round_.academic_year} round: nobody to chase")
    result = DraftsResult()
    with StagedFolder(Path(outdir)) as staging:
        made = []
        try:
            for done, message in enumerate(messages(round_, todo, REMINDER)):
                if cancelled is not None and cancelled():
                    return DraftsResult(cancelled=True)
                if progress is not None:
                    progress(done, len(todo), message.school.name)
                staging.path(message.file_name).write_bytes(as_draft(message))
                made.append(message)
        except OSError as exc:
            raise RefusedError(f"Cannot write the reminders: {exc.strerror or exc}; "
                               "nothing was changed") from exc
        if cancelled is not None and cancelled():
            return DraftsResult(cancelled=True)
        try:
            with writing():
                for message in made:
                    log(message, DRAFT)
                staging.move_in()
        except BaseException as exc:
            staging.undo()
            if isinstance(exc, OSError):
                raise RefusedError(f"Cannot put the reminders in {staging.dest}: "
                                   f"{exc.strerror or exc}; nothing was changed") from exc
            raise
    result.written = [Path(outdir) / m.file_name for m in made]
    result.no_address = [m.school.name for m in made if not m.recipients]
    if progress is not None:
        progress(len(todo), len(todo), "")
    return result


def describe(message: Message) -> str:
    """One line for a list: the school and whom its message goes to."""
    to = ", ".join(r.shown for r in message.recipients) or "no e-mail address"
    return f"{message.school.urn} {message.school.name}: {to}"

