"""Provider settings kept in the database, shared by everyone who uses it.

Every option is declared once here with its default; ``get`` falls back to that default, so a
new option needs no migration. ``set`` checks a value before storing it (one plain message per
problem, as a ValidationError), so the GUI dialog and ``ittdesk settings set`` refuse the same
things. The provider's logo is kept in the database itself (as a ``data:`` URI of the checked
PNG or JPEG), so it travels with a shared or copied database and prints without a file.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from . import audit
from .errors import ValidationError
from .models import Setting
from .models.base import writing
from .outreach.letter_kinds import check_template

#: printed where the provider's name belongs until someone has set it
UNNAMED_PROVIDER = "Your teacher-training provider"
#: a logo bigger than this is not a logo (a photo straight from a camera, a scanned page)
LOGO_MAX_BYTES = 1_000_000
LOGO_MAX_PIXELS = 4000
NAME_MAX = 200

#: the fields an e-mail template may use (ittdesk/outreach/drafts.py fills them)
MESSAGE_FIELDS = ("school", "contact", "due_date", "provider", "year")
SMTP_SECURITY = ("starttls", "ssl", "none")

PROVIDER_KEYS = ("provider_name", "provider_address", "provider_logo", "provider_ukprn",
                 "provider_signatory")

T = TypeVar("T", str, int)


@dataclass(frozen=True)
class ProviderOption(Generic[T]):
    """One provider setting, declared once: key, type, default, what it is for, and its check.

    ``get()`` gives the declared type: a stored value of another type (a hand-edited row, a
    value from another version) reads as the default, as a missing one does.
    """

    key: str
    type: type[T]
    default: T
    label: str
    check: Callable[[Any], T]

    def get(self) -> T:
        row = Setting.get_or_none(Setting.key == self.key)
        return self.default if row is None else self.decode(row.value)

    def set(self, value: Any) -> None:
        set(self.key, value)

    def decode(self, stored: str) -> T:
        """A stored JSON text as this option's type, or the default when it is not one."""
        try:
            value = json.loads(stored)
        except ValueError:
            return self.default
        # type(...) is, not isinstance: JSON true is a bool, and a bool is not a whole number here
        return value if type(value) is self.type else self.default


def _text(limit: int, what: str, *, lines: bool = False) -> Callable[[Any], str]:
    def cleaner(value: Any) -> str:
        text = "" if value is None else str(value)
        text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n")) \
            if lines else " ".join(text.split())
        text = text.strip()
        if len(text) > limit:
            raise ValueError(f"{what} is too long (at most {limit} characters)")
        return text
    return cleaner


def _count(value: Any) -> int:
    """A whole number, not negative (a number of days, months, years or backups)."""
    number = int(str(value).strip())
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _text_option(key: str, default: str, label: str,
                 check: Callable[[Any], str]) -> ProviderOption[str]:
    return ProviderOption(key, str, default, label, check)


def _count_option(key: str, default: int, label: str,
                  check: Callable[[Any], int] = _count) -> ProviderOption[int]:
    return ProviderOption(key, int, default, label, check)


# Declared at the end of the module, once their checks are defined (the names are used only
# inside functions until then).
PROVIDER_NAME: ProviderOption[str]
PROVIDER_ADDRESS: ProviderOption[str]
PROVIDER_LOGO: ProviderOption[str]
PROVIDER_UKPRN: ProviderOption[str]
PROVIDER_SIGNATORY: ProviderOption[str]
BACKUP_KEEP: ProviderOption[int]
MENTOR_REFRESHER_MONTHS: ProviderOption[int]
COHORT_NEARLY_FULL_PLACES: ProviderOption[int]
REPORTS_DUE_DAYS: ProviderOption[int]
PROVIDER_EMAIL: ProviderOption[str]
SMTP_HOST: ProviderOption[str]
SMTP_PORT: ProviderOption[int]
SMTP_USER: ProviderOption[str]
SMTP_SECURITY_MODE: ProviderOption[str]
#: every provider setting by key, in the order ``ittdesk settings list`` shows them
OPTIONS: dict[str, ProviderOption[Any]] = {}
#: each setting's default and description, by key (views of OPTIONS, for older callers)
DEFAULTS: dict[str, Any] = {}
DESCRIPTIONS: dict[str, str] = {}


def option(key: str) -> ProviderOption[Any]:
    """The declaration of a setting named at run time (the CLI, the dialog); KeyError if none."""
    try:
        return OPTIONS[key]
    except KeyError:
        raise KeyError(f"Unknown setting '{key}'") from None


def get(key: str) -> Any:
    """A setting named at run time; code that knows which one reads ``OPTION.get()``, typed."""
    return option(key).get()


def is_set(key: str) -> bool:
    """True once someone has stored a value (the first-run greeting asks for the name until then)."""
    return bool(Setting.select().where(Setting.key == key).exists())


def clean(key: str, value: Any) -> Any:
    """The value as it will be stored, or ValidationError({key: message}) saying what is wrong."""
    declared = option(key)
    try:
        return declared.check(value)
    except ValueError as exc:
        raise ValidationError({key: str(exc) if str(exc) and "invalid literal" not in str(exc)
                               else "must be a whole number"}) from None


def set(key: str, value: Any) -> None:  # noqa: A001 - reads naturally as settings.set
    value = clean(key, value)
    payload = json.dumps(value)
    with writing():
        old = get(key)  # under the lock: the audit names the value this save replaced
        updated = Setting.update(value=payload).where(Setting.key == key).execute()
        if not updated:
            Setting.create(key=key, value=payload)
        audit.record("setting", None, "update", {key: [_audited(key, old), _audited(key, value)]})


def all_settings() -> dict[str, Any]:
    """Every setting by key, each of its declared type, in one query."""
    stored: dict[str, str] = {row.key: row.value for row in Setting.select()}
    return {key: declared.decode(stored[key]) if key in stored else declared.default
            for key, declared in OPTIONS.items()}


def shown(key: str, value: Any) -> str:
    """A value as one line for a list (``ittdesk settings list``): a logo by kind and size."""
    if key == "provider_logo":
        return str(_audited(key, value) or "")
    return str(value).replace("\n", " / ")


# -- the provider --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """Who the documents and returns are from, read in one query."""

    name: str
    address: str
    logo: str  # a data: URI, or "" (an older database may hold a file path: see logo_uri)
    ukprn: str
    signatory: str

    @property
    def display_name(self) -> str:
        return self.name.strip() or UNNAMED_PROVIDER

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]

    @property
    def logo_uri(self) -> str:
        """A ``data:`` URI to put in an ``<img>``, or "" when there is no usable logo."""
        if self.logo.startswith("data:image/"):
            return self.logo
        if self.logo:  # an older database stored a path: use the file while it is there
            try:
                return _logo_uri(Path(self.logo).read_bytes())
            except (OSError, ValueError):
                return ""
        return ""


def provider() -> Provider:
    stored: dict[str, str] = {row.key: row.value for row in Setting.select(
        Setting.key, Setting.value).where(Setting.key.in_(PROVIDER_KEYS))}

    def read(declared: ProviderOption[str]) -> str:
        return declared.decode(stored[declared.key]) if declared.key in stored else declared.default

    return Provider(name=read(PROVIDER_NAME), address=read(PROVIDER_ADDRESS),
                    logo=read(PROVIDER_LOGO), ukprn=read(PROVIDER_UKPRN),
                    signatory=read(PROVIDER_SIGNATORY))


def logo_bytes(uri: str) -> bytes:
    """The image bytes of a stored logo (for saving it back out or drawing it)."""
    return base64.b64decode(uri.split(",", 1)[1]) if uri.startswith("data:image/") else b""


def _ukprn(value: Any) -> str:
    text = re.sub(r"\s+", "", "" if value is None else str(value))
    if text and not re.fullmatch(r"\d{8}", text):
        raise ValueError("a UKPRN is 8 digits, such as 10012345")
    return text


def _logo(value: Any) -> str:
    """A file path (or bytes) becomes a data: URI of the checked image; "" removes the logo."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, bytes):
        return _logo_uri(value)
    if isinstance(value, str) and value.startswith("data:image/"):
        return _logo_uri(logo_bytes(value))
    path = Path(str(value)).expanduser()
    if not path.is_file():
        raise ValueError(f"there is no file {path}")
    if path.stat().st_size > LOGO_MAX_BYTES:
        raise ValueError(f"the logo file is too large ({path.stat().st_size // 1024:,} KB; "
                         f"at most {LOGO_MAX_BYTES // 1000:,} KB)")
    return _logo_uri(path.read_bytes())


def _logo_uri(data: bytes) -> str:
    kind, width, height = image_kind_and_size(data)
    if len(data) > LOGO_MAX_BYTES:
        raise ValueError(f"the logo is too large ({len(data) // 1024:,} KB; "
                         f"at most {LOGO_MAX_BYTES // 1000:,} KB)")
    if not (0 < width <= LOGO_MAX_PIXELS and 0 < height <= LOGO_MAX_PIXELS):
        raise ValueError(f"the logo is {width} x {height} pixels; at most {LOGO_MAX_PIXELS} "
                         "pixels each way")
    return f"data:image/{kind};base64,{base64.b64encode(data).decode('ascii')}"


def image_kind_and_size(data: bytes) -> tuple[str, int, int]:
    """("png" or "jpeg", width, height) read from the file's own header, without decoding it.

    Anything else (a GIF, an SVG, a PDF, a renamed text file) is refused with ValueError."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return "png", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:3] == b"\xff\xd8\xff":
        at = 2
        while at + 9 <= len(data):
            if data[at] != 0xFF:
                break
            marker = data[at + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                at += 2
                continue
            length = int.from_bytes(data[at + 2:at + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(data[at + 5:at + 7], "big")
                width = int.from_bytes(data[at + 7:at + 9], "big")
                return "jpeg", width, height
            at += 2 + length
        raise ValueError("the JPEG file is damaged (no image size found)")
    raise ValueError("the logo must be a PNG or JPEG image")


def _audited(key: str, value: Any) -> Any:
    """The audit trail notes a logo by kind and size, not as a megabyte of base64."""
    if key == "provider_logo" and isinstance(value, str) and value.startswith("data:image/"):
        data = logo_bytes(value)
        kind, width, height = image_kind_and_size(data)
        return f"{kind.upper()} image {width} x {height}, {len(data):,} bytes"
    return value


def _message(limit: int, what: str, *, lines: bool) -> Callable[[Any], str]:
    """An e-mail template: its text, and every {field} one the drafts can fill."""
    import string

    text = _text(limit, what, lines=lines)

    def cleaner(value: Any) -> str:
        cleaned = text(value)
        if not cleaned:
            raise ValueError(f"{what} must not be empty")
        try:
            names = [name for _lit, name, _spec, _conv in string.Formatter().parse(cleaned)
                     if name is not None]
        except ValueError:
            raise ValueError(f"{what} has a lone {{ or }}: write a field as {{school}}, "
                             "and a brace itself as {{ or }}") from None
        unknown = [n for n in names if n not in MESSAGE_FIELDS]
        if unknown:
            raise ValueError(f"{what} uses {{{unknown[0]}}}, which is not a field (fields: "
                             + ", ".join(f"{{{f}}}" for f in MESSAGE_FIELDS) + ")")
        return cleaned
    return cleaner


def _email(value: Any) -> str:
    from . import fields

    try:
        return fields.email(value) or ""
    except ValueError as exc:
        raise ValueError(f"the e-mail address {str(exc).removeprefix('is ')}") from None


def _host(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if text and not re.fullmatch(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\]", text):
        raise ValueError(f"'{text}' is not a server name (such as smtp.example.org)")
    return text


def _port(value: Any) -> int:
    number = int(str(value).strip())
    if not 0 < number < 65536:
        raise ValueError("a port is a number from 1 to 65535")
    return number


def _security(value: Any) -> str:
    text = ("" if value is None else str(value)).strip().lower()
    if text not in SMTP_SECURITY:
        raise ValueError("must be one of: " + ", ".join(SMTP_SECURITY))
    return text


def _word_template(value: Any) -> str:
    """A path to the provider's own .docx, checked to be one now; "" means the built-in one."""
    text = ("" if value is None else str(value)).strip()
    if not text:
        return ""
    path = Path(text).expanduser()
    if not path.is_file():
        raise ValueError(f"there is no file {path}")
    if path.suffix.lower() != ".docx":
        raise ValueError(f"{path.name} is not a Word document (.docx)")
    check_template(path)
    return str(path.resolve())


_FORM_SUBJECT = "Leadership confirmation {year}: {school}"
_FORM_BODY = (
    "Dear {contact},\n\n"
    "Each year we ask our partner schools to confirm who leads teacher training at the "
    "school. Please open the attached form for {school}, correct anything that has "
    "changed, and send it back to us by replying to this e-mail (due {due_date}).\n\n"
    "Thank you for your support of teacher training.\n\n{provider}")
_CHASE_SUBJECT = "Reminder: leadership confirmation {year} for {school}"
_CHASE_BODY = (
    "Dear {contact},\n\n"
    "We sent {school} the leadership confirmation form for {year} and have not had it "
    "back yet. The form is attached again: please check it, correct anything that has "
    "changed, and reply with it attached (due {due_date}).\n\n"
    "Thank you.\n\n{provider}")
_FIELDS = ", ".join(f"{{{f}}}" for f in MESSAGE_FIELDS)

PROVIDER_NAME = _text_option("provider_name", "", "Provider name printed on agreements and returns",
                             _text(NAME_MAX, "The provider's name"))
PROVIDER_ADDRESS = _text_option("provider_address", "", "Provider address printed on agreements",
                                _text(500, "The address", lines=True))
PROVIDER_LOGO = _text_option(  # data:image/png;base64,... (set from an image file)
    "provider_logo", "",
    "Logo printed on agreements and forms (set from a PNG or JPEG file)", _logo)
PROVIDER_UKPRN = _text_option("provider_ukprn", "",
                              "UK provider reference number (8 digits) printed on returns", _ukprn)
PROVIDER_SIGNATORY = _text_option(
    "provider_signatory", "",
    "Who signs for the provider (name and post), printed on agreements",
    _text(NAME_MAX, "The signatory"))
BACKUP_KEEP = _count_option("backup_keep", 14, "How many automatic backups to keep")
MENTOR_REFRESHER_MONTHS = _count_option(
    "mentor_refresher_months", 24, "Months after which mentor training needs a refresher")
COHORT_NEARLY_FULL_PLACES = _count_option(
    "cohort_nearly_full_places", 2,
    "A cohort with this many places left or fewer is nearly full")
REPORTS_DUE_DAYS = _count_option(
    "reports_due_days", 30, "Impact reports due within this many days need attention")
# Retention schedule (ittdesk/privacy/retention.py): whole years, changeable by the DPO.
_RETENTION = (
    _count_option("retention_trainee_years", 6,
                  "Years trainee and participant records are kept after the course ends"),
    _count_option("retention_applicant_years", 1,
                  "Years applicants who never enrolled are kept after the course started"),
    _count_option("retention_school_role_years", 6,
                  "Years mentor and school staff records are kept after their last role"),
    _count_option("retention_agreement_years", 6,
                  "Years people named in support agreements are kept after the agreement ends"),
    _count_option("retention_contact_years", 2,
                  "Years other contacts are kept after their record last changed"),
)
# E-mail (ittdesk/outreach): drafts and messages from the provider's own address
PROVIDER_EMAIL = _text_option("provider_email", "",
                              "The provider's e-mail address: e-mails and drafts are from it",
                              _email)
EMAIL_FORM_SUBJECT = _text_option(
    "email_form_subject", _FORM_SUBJECT,
    "Subject of the yearly form e-mail; fields: " + _FIELDS,
    _message(200, "The subject", lines=False))
EMAIL_FORM_BODY = _text_option(
    "email_form_body", _FORM_BODY,
    "Message of the yearly form e-mail (same fields as its subject)",
    _message(5000, "The message", lines=True))
EMAIL_CHASE_SUBJECT = _text_option(
    "email_chase_subject", _CHASE_SUBJECT,
    "Subject of the reminder for a form not returned (same fields)",
    _message(200, "The subject", lines=False))
EMAIL_CHASE_BODY = _text_option(
    "email_chase_body", _CHASE_BODY,
    "Message of the reminder for a form not returned (same fields)",
    _message(5000, "The message", lines=True))
SMTP_HOST = _text_option("smtp_host", "",
                         "The provider's outgoing mail server (SMTP), e.g. smtp.office365.com",
                         _host)
SMTP_PORT = _count_option("smtp_port", 587,
                          "Its port: 587 with starttls, 465 with ssl, 25 with none", _port)
SMTP_USER = _text_option("smtp_user", "",
                         "The user name to log in to the mail server (the password is kept in "
                         "the system's keyring: ittdesk mail password)",
                         _text(200, "The user name"))
SMTP_SECURITY_MODE = _text_option(
    "smtp_security", "starttls",
    "starttls, ssl or none (none only for a server on this computer)", _security)
# Letters (ittdesk/outreach/letters.py): the provider's own Word template per kind, or ""
_LETTERS = (
    _text_option("letter_placement_school", "",
                 "Your Word template for the placement letter to the school "
                 "(empty: the built-in one; ittdesk letters template)", _word_template),
    _text_option("letter_placement_mentor", "",
                 "Your Word template for the placement letter to the mentor", _word_template),
    _text_option("letter_placement_trainee", "",
                 "Your Word template for the placement letter to the trainee", _word_template),
    _text_option("letter_agreement", "",
                 "Your Word template for the support agreement's covering letter",
                 _word_template),
)

OPTIONS.update((o.key, o) for o in (
    PROVIDER_NAME, PROVIDER_ADDRESS, PROVIDER_LOGO, PROVIDER_UKPRN, PROVIDER_SIGNATORY,
    BACKUP_KEEP, MENTOR_REFRESHER_MONTHS, COHORT_NEARLY_FULL_PLACES, REPORTS_DUE_DAYS,
    *_RETENTION,
    PROVIDER_EMAIL, EMAIL_FORM_SUBJECT, EMAIL_FORM_BODY, EMAIL_CHASE_SUBJECT, EMAIL_CHASE_BODY,
    SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_SECURITY_MODE,
    *_LETTERS,
))
DEFAULTS.update((key, o.default) for key, o in OPTIONS.items())
DESCRIPTIONS.update((key, o.label) for key, o in OPTIONS.items())
