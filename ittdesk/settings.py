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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ValidationError
from .models import Setting

#: printed where the provider's name belongs until someone has set it
UNNAMED_PROVIDER = "Your teacher-training provider"
#: a logo bigger than this is not a logo (a photo straight from a camera, a scanned page)
LOGO_MAX_BYTES = 1_000_000
LOGO_MAX_PIXELS = 4000
NAME_MAX = 200

PROVIDER_KEYS = ("provider_name", "provider_address", "provider_logo", "provider_ukprn",
                 "provider_signatory")

DEFAULTS: dict[str, Any] = {
    "provider_name": "",
    "provider_address": "",
    "provider_logo": "",  # data:image/png;base64,... (set from an image file)
    "provider_ukprn": "",
    "provider_signatory": "",
    "backup_keep": 14,
    "mentor_refresher_months": 24,
    "cohort_nearly_full_places": 2,
    "reports_due_days": 30,
    # Retention schedule (ittdesk/privacy/retention.py): whole years, changeable by the DPO.
    "retention_trainee_years": 6,
    "retention_applicant_years": 1,
    "retention_school_role_years": 6,
    "retention_agreement_years": 6,
    "retention_contact_years": 2,
}

DESCRIPTIONS: dict[str, str] = {
    "provider_name": "Provider name printed on agreements and returns",
    "provider_address": "Provider address printed on agreements",
    "provider_logo": "Logo printed on agreements and forms (set from a PNG or JPEG file)",
    "provider_ukprn": "UK provider reference number (8 digits) printed on returns",
    "provider_signatory": "Who signs for the provider (name and post), printed on agreements",
    "backup_keep": "How many automatic backups to keep",
    "mentor_refresher_months": "Months after which mentor training needs a refresher",
    "cohort_nearly_full_places": "A cohort with this many places left or fewer is nearly full",
    "reports_due_days": "Impact reports due within this many days need attention",
    "retention_trainee_years": "Years trainee and participant records are kept after the course ends",
    "retention_applicant_years": "Years applicants who never enrolled are kept after the course started",
    "retention_school_role_years": "Years mentor and school staff records are kept after their last role",
    "retention_agreement_years": "Years people named in support agreements are kept after the agreement ends",
    "retention_contact_years": "Years other contacts are kept after their record last changed",
}


def get(key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"Unknown setting '{key}'")
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else DEFAULTS[key]


def is_set(key: str) -> bool:
    """True once someone has stored a value (the first-run greeting asks for the name until then)."""
    return Setting.select().where(Setting.key == key).exists()


def clean(key: str, value: Any) -> Any:
    """The value as it will be stored, or ValidationError({key: message}) saying what is wrong."""
    if key not in DEFAULTS:
        raise KeyError(f"Unknown setting '{key}'")
    expected = type(DEFAULTS[key])
    try:
        if key in _CLEANERS:
            return _CLEANERS[key](value)
        if expected is int:
            number = int(str(value).strip())
            if number < 0:
                raise ValueError("must not be negative")
            return number
    except ValueError as exc:
        raise ValidationError({key: str(exc) if str(exc) and "invalid literal" not in str(exc)
                               else "must be a whole number"}) from None
    return value


def set(key: str, value: Any) -> None:  # noqa: A001 - reads naturally as settings.set
    value = clean(key, value)
    payload = json.dumps(value)
    from . import audit

    old = get(key)
    with Setting._meta.database.atomic():
        updated = Setting.update(value=payload).where(Setting.key == key).execute()
        if not updated:
            Setting.create(key=key, value=payload)
        audit.record("setting", None, "update", {key: [_audited(key, old), _audited(key, value)]})


def all_settings() -> dict[str, Any]:
    stored = {row.key: json.loads(row.value) for row in Setting.select()}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def shown(key: str, value: Any) -> str:
    """A value as one line for a list (``ittdesk settings list``): a logo by kind and size."""
    if key == "provider_logo":
        return _audited(key, value) or ""
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
    stored = dict(Setting.select(Setting.key, Setting.value)
                  .where(Setting.key.in_(PROVIDER_KEYS)).tuples())
    values = {key: json.loads(stored[key]) if key in stored else DEFAULTS[key]
              for key in PROVIDER_KEYS}
    return Provider(name=str(values["provider_name"] or ""),
                    address=str(values["provider_address"] or ""),
                    logo=str(values["provider_logo"] or ""),
                    ukprn=str(values["provider_ukprn"] or ""),
                    signatory=str(values["provider_signatory"] or ""))


def logo_bytes(uri: str) -> bytes:
    """The image bytes of a stored logo (for saving it back out or drawing it)."""
    return base64.b64decode(uri.split(",", 1)[1]) if uri.startswith("data:image/") else b""


def _text(limit: int, what: str, *, lines: bool = False) -> Any:
    def cleaner(value: Any) -> str:
        text = "" if value is None else str(value)
        text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n")) \
            if lines else " ".join(text.split())
        text = text.strip()
        if len(text) > limit:
            raise ValueError(f"{what} is too long (at most {limit} characters)")
        return text
    return cleaner


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


_CLEANERS = {
    "provider_name": _text(NAME_MAX, "The provider's name"),
    "provider_address": _text(500, "The address", lines=True),
    "provider_signatory": _text(NAME_MAX, "The signatory"),
    "provider_ukprn": _ukprn,
    "provider_logo": _logo,
}
