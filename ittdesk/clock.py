"""What day it is, asked in one place.

Much of ITT Desk depends on the date: the current academic year, reports due, retention, who
holds a post "now". Every such question asks this module instead of ``date.today()`` or
``datetime.now()``, so the whole app and the whole test suite can be run as of any day — the
1st of September, the 29th of February — by setting this one clock:

- tests use the ``clock`` fixture (tests/conftest.py), which calls :func:`set_today`;
- ``ITTDESK_TODAY=2027-09-01`` in the environment sets it for a whole process (declared here and
  nowhere else; for running the suite, or reproducing a date-dependent report, as of that day).

When the day is set, the time of day still runs: :func:`now` and :func:`utcnow` are the real
times moved by whole days, so audit entries, backups and "today" keep agreeing with each other.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime

ENVIRONMENT_VARIABLE = "ITTDESK_TODAY"


def _from_environment() -> date | None:
    """The day named by ``ITTDESK_TODAY``; a value that is not a date is reported and ignored."""
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        print(f"{ENVIRONMENT_VARIABLE}={text!r} is not a date like 2027-09-01: using the real date",
              file=sys.stderr)
        return None


_fixed: date | None = _from_environment()


def set_today(day: date | None) -> date | None:
    """Make :func:`today` return ``day`` from now on (``None``: the real date again); returns the
    day that was set before, so a caller can put it back."""
    global _fixed
    previous, _fixed = _fixed, day
    return previous


def fixed_day() -> date | None:
    """The day the clock is set to, or ``None`` when it follows the real date."""
    return _fixed


def today() -> date:
    """Today's local date (or the day the clock was set to)."""
    return date.today() if _fixed is None else _fixed


def now() -> datetime:
    """Local time without tzinfo, on :func:`today`."""
    real = datetime.now()
    return real if _fixed is None else real + (_fixed - real.date())


def utcnow() -> datetime:
    """UTC without tzinfo (how the audit trail stores it on both databases), moved by the same
    whole days as :func:`now`."""
    real = datetime.now(UTC)
    if _fixed is not None:
        real += _fixed - real.astimezone().date()
    return real.replace(tzinfo=None)
