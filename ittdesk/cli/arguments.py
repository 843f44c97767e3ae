"""Converters for option values (``type=`` in argparse), so a malformed value is a usage error.

argparse turns an ``ArgumentTypeError`` into its usage error (exit 2, one line naming the
option) before any command runs or any database opens, the same in every command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from ..academic_year import AcademicYear


def academic_year(text: str) -> AcademicYear:
    """``--year 2025/26`` (also 2025-26, 2025/2026)."""
    try:
        return AcademicYear.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def day(text: str) -> date:
    """``--on 01/09/2025``: UK day-first or ISO dates, never month-first."""
    from .. import fields

    try:
        value = fields.day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value is None:
        raise argparse.ArgumentTypeError("a date is needed, e.g. 01/09/2025")
    return value


def whole_number(minimum: int = 0) -> Callable[[str], int]:
    """An integer of at least ``minimum`` (``--limit``, ``--days``)."""

    def convert(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more")
        return value

    convert.__name__ = "whole number"
    return convert
