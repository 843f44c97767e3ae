"""Parsers for what people type: one place for editors, imports and services alike.

Each parser takes a raw value (typed text, or a cell value from calamine/openpyxl/csv) and
returns a clean Python value or None for "empty", raising ValueError with a message a user
understands. "n/a", "-", "not given" and friends mean empty, never a value.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from .choices import Choices

EMPTY_WORDS = {"", "n/a", "na", "n.a.", "-", "--", "—", "–", "not given", "not known", "unknown",
               "none", "nil", "null", "not applicable", "#n/a", "?"}

_MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December"], start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_EMAIL = re.compile(r"^[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
# compiled once: these run for every cell of an import
_WHOLE = re.compile(r"[0-9]+(\.0+)?")
_URN_PREFIX = re.compile(r"^(urn|dfe)\s*[:#]?\s*", re.I)
_WHOLE_FLOAT = re.compile(r"[0-9]+\.0+")
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{2}|\d{4})")
_MONTH_YEAR = re.compile(r"([a-z]+)\.?[\s\-]+(\d{2}|\d{4})")
_SERIAL = re.compile(r"\d{5}(\.\d+)?")


#: NUL and the C0 controls other than tab, LF and CR: XML cannot hold them and openpyxl refuses
#: to write them, so one stored value made every export fail (the person's subject access
#: export and the full export); they are refused wherever text comes in
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def refuse_control(value: object) -> None:
    """Raise ValueError when ``value`` is text holding a control character (not shown)."""
    if value.__class__ is str and not value.isprintable():
        found = CONTROL_CHARACTERS.search(value)
        if found:
            raise ValueError(f"holds a control character (U+{ord(found.group()):04X}), which "
                             "cannot be stored: retype the value")


def is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return value.strip().lower() in EMPTY_WORDS
    return False


YES_WORDS = {"yes", "y", "true", "1", "x", "✓", "ticked", "on"}
NO_WORDS = {"no", "n", "false", "0", "off"}


def yes_no(value: object) -> bool:
    """A tick as people type it ("yes", "Y", "x", TRUE, 1); blank means no."""
    if isinstance(value, bool):
        return value
    if is_empty(value):
        return False
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise ValueError(f"'{value}' is not yes or no")
    word = str(value).strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError(f"'{value}' is not yes or no")


#: the longest values the database columns hold (ittdesk.models declares them with these):
#: SQLite would store longer text and PostgreSQL refuse the whole write, so the parsers refuse
#: it first, the same on both
PHONE_MAX = 30
EMAIL_MAX = 254


def text(value: object, max_length: int | None = None) -> str | None:
    """Trimmed text, kept exactly otherwise (accents and apostrophes matter in names)."""
    if value.__class__ is str:  # the steps below for text, each done once
        result = value.strip()
        if result.lower() in EMPTY_WORDS:
            return None
        refuse_control(value)
        if max_length is not None and len(result) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return result or None
    if is_empty(value):
        return None
    refuse_control(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (date, datetime)):
        value = value.strftime("%d/%m/%Y")
    result = str(value).strip()
    if max_length is not None and len(result) > max_length:
        raise ValueError(f"is longer than {max_length} characters")
    return result or None


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"'{value}' is not a whole number")
        return int(value)
    cleaned = str(value).strip().replace(",", "")
    if _WHOLE.fullmatch(cleaned):
        return int(float(cleaned)) if "." in cleaned else int(cleaned)
    raise ValueError(f"'{str(value).strip()}' is not a whole number")


def integer(value: object, *, minimum: int | None = 0) -> int | None:
    if is_empty(value):
        return None
    number = _whole_number(value)
    if minimum is not None and number is not None and number < minimum:
        raise ValueError(f"must be {minimum} or more")
    return number


def number(value: object) -> float | None:
    if is_empty(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        result = float(value)
    else:
        try:
            result = float(str(value).strip().replace(",", ""))
        except ValueError:
            raise ValueError(f"'{str(value).strip()}' is not a number") from None
    if not math.isfinite(result):
        raise ValueError(f"'{value}' is not a number")
    if result < 0:
        raise ValueError("must not be negative")
    return result


def urn(value: object) -> int | None:
    """A DfE URN: 6 digits (some 7; GIAS children's centres have 5), typed as a number or as
    padded text."""
    if value.__class__ is str and value.isdigit() and value.isascii():
        # the common cell: its digits alone (what the steps below leave of it, as they are)
        result = int(value)
        if 10000 <= result <= 9999999:
            return result
        raise ValueError(f"'{value}' is not a URN (5 to 7 digits)")
    if is_empty(value):
        return None
    raw = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        raw = str(int(value))
    raw = _URN_PREFIX.sub("", raw).strip()
    if _WHOLE_FLOAT.fullmatch(raw):
        raw = raw.split(".")[0]
    if not raw.isdigit():
        raise ValueError(f"'{str(value).strip()}' is not a URN (5 to 7 digits)")
    result = int(raw)
    if not 10000 <= result <= 9999999:
        raise ValueError(f"'{str(value).strip()}' is not a URN (5 to 7 digits)")
    return result


def trn(value: object) -> str | None:
    """A teacher reference number: 7 digits (leading zeros kept)."""
    if is_empty(value):
        return None
    raw = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    raw = raw.replace(" ", "").upper().removeprefix("RP").replace("/", "")
    if raw.isdigit() and len(raw) < 7:
        raw = raw.zfill(7)
    if not (raw.isdigit() and len(raw) == 7):
        raise ValueError(f"'{str(value).strip()}' is not a TRN (7 digits)")
    return raw


def gss_code(value: object) -> str | None:
    """A GSS area code as GIAS gives a school's district (``E07000103``); GIAS's "9999" (does
    not apply) is no code."""
    if is_empty(value):
        return None
    raw = str(value).strip().upper()
    if raw in ("9999", "DOES NOT APPLY", "NOT APPLICABLE"):
        return None
    if not (len(raw) == 9 and raw[0] in "ENSW" and raw[1:].isdigit()):
        raise ValueError(f"'{str(value).strip()}' is not a district code (E07000103)")
    return raw


def hesa_id(value: object) -> str | None:
    """HESA's student identifier (HUSID): 13 digits, or 17 in older records; kept as text so
    leading zeros survive. A 17-digit number read from a number cell has lost its last digits
    (a float holds 15), so it is refused rather than stored wrong."""
    if is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        if value >= 1e15:
            raise ValueError(f"'{value:.0f}' was kept as a number and lost its last digits: "
                             "format the column as text and copy the HESA ID again")
        raw = str(int(value))
    else:
        raw = str(value).strip().replace(" ", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) in (13, 17)):
        raise ValueError(f"'{str(value).strip()}' is not a HESA ID (13 or 17 digits)")
    return raw


def email(value: object) -> str | None:
    if is_empty(value):
        return None
    refuse_control(value)
    raw = str(value).strip()
    if raw.lower().startswith("mailto:"):
        raw = raw[7:]
    if not _EMAIL.match(raw):
        raise ValueError(f"'{raw}' is not an email address")
    if len(raw) > EMAIL_MAX:
        raise ValueError(f"is longer than {EMAIL_MAX} characters")
    return raw.lower()


def postcode(value: object) -> str | None:
    if value.__class__ is str:
        # A postcode found first: no empty word holds a digit, so none is one. (str.split()
        # splits at exactly the characters \s matches: every code point compared.)
        match = _POSTCODE.match("".join(value.split()).upper())
        if match:
            return f"{match.group(1)} {match.group(2)}"
    if is_empty(value):
        return None
    raw = _SPACES.sub("", str(value)).upper()
    match = _POSTCODE.match(raw)
    if not match:
        raise ValueError(f"'{str(value).strip()}' is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def phone(value: object) -> str | None:
    """Phone numbers as text; a number that lost its leading 0 in Excel gets it back."""
    if value.__class__ is str and value.isdigit() and value.isascii():
        # digits alone (GIAS's TelephoneNum): what the steps below give them, without them
        if len(value) == 10 and value[0] != "0":
            return "0" + value
        if len(value) > PHONE_MAX:
            raise ValueError(f"is longer than {PHONE_MAX} characters")
        return value
    if is_empty(value):
        return None
    refuse_control(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        raw = str(int(value))
    else:
        raw = str(value).strip()
    digits = _NON_DIGITS.sub("", raw)
    if raw and raw[0].isdigit() and len(digits) == 10 and not digits.startswith("0"):
        return "0" + digits
    if len(raw) > PHONE_MAX:
        raise ValueError(f"is longer than {PHONE_MAX} characters")
    return raw


def choice(vocabulary: Choices, value: object) -> str | None:
    if is_empty(value):
        return None
    key = vocabulary.parse(value)
    if key is None:
        options = ", ".join(vocabulary.items.values())
        raise ValueError(f"'{str(value).strip()}' is not a {vocabulary.name} (one of: {options})")
    return key


EXCEL_1900 = date(1899, 12, 30)
EXCEL_1904 = date(1904, 1, 1)


def excel_serial(serial: float, *, epoch_1904: bool = False) -> date:
    base = EXCEL_1904 if epoch_1904 else EXCEL_1900
    return base + timedelta(days=int(serial))


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def day(value: object, *, epoch_1904: bool = False) -> date | None:
    """A date from a date cell, an Excel serial or UK day-first text (never month-first)."""
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return excel_serial(value, epoch_1904=epoch_1904)
        raise ValueError(f"'{value}' is not a date")
    raw = str(value).strip()
    lowered = raw.lower()
    try:
        if _ISO_DATE.fullmatch(raw):
            return date.fromisoformat(raw[:10])
        match = _DMY.fullmatch(raw)
        if match:
            return date(_year(match.group(3)), int(match.group(2)), int(match.group(1)))
        match = _DAY_MONTH_YEAR.fullmatch(lowered)
        if match and match.group(2) in _MONTHS:
            return date(_year(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
        match = _MONTH_YEAR.fullmatch(lowered)
        if match and match.group(1) in _MONTHS:
            return date(_year(match.group(2)), _MONTHS[match.group(1)], 1)
        if _SERIAL.fullmatch(raw):
            return excel_serial(float(raw), epoch_1904=epoch_1904)
    except ValueError:
        raise ValueError(f"'{raw}' is not a real date") from None
    raise ValueError(f"'{raw}' is not a date (use day/month/year, e.g. 01/09/2025)")


EARLIEST_BIRTH = date(1900, 1, 1)


def date_of_birth(value: object, *, epoch_1904: bool = False) -> date | None:
    """A date of birth: a date (as :func:`day` reads one) not in the future and not before
    1900. A two-digit year that would be in the future is last century's ("3/4/65" is 1965)."""
    from .clock import today

    result = day(value, epoch_1904=epoch_1904)
    if result is None:
        return None
    now = today()
    short = _DMY.fullmatch(value.strip()) if isinstance(value, str) else None
    if result > now and short and len(short.group(3)) == 2:
        result = result.replace(year=result.year - 100)
    if result > now:
        raise ValueError(f"'{format_date(result)}' is in the future: not a date of birth")
    if result < EARLIEST_BIRTH:
        raise ValueError(f"'{format_date(result)}' is before 1900: not a date of birth")
    return result


def money(value: object) -> int | None:
    """Pounds as typed (``£1,234.50``, ``1234.5``) -> integer pence, exactly."""
    if is_empty(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 100
    raw = str(value).strip().replace("£", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"'{str(value).strip()}' is not an amount of money") from None
    if not amount.is_finite():
        raise ValueError(f"'{str(value).strip()}' is not an amount of money")
    if amount < 0:
        raise ValueError("must not be negative")
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"'{str(value).strip()}' has fractions of a penny")
    return int(pence)


def format_money(pence: int | None) -> str:
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
