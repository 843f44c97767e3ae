"""Academic years (1 September - 31 August) as a first-class value, e.g. ``2025/26``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from . import clock

_PATTERN = re.compile(r"^\s*(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True, order=True)
class AcademicYear:
    """The school year that starts on 1 September of ``start_year``."""

    start_year: int

    @classmethod
    def parse(cls, text: str | AcademicYear) -> AcademicYear:
        """Accept ``2025/26``, ``2025-26``, ``2025/2026``; refuse anything else clearly."""
        if isinstance(text, AcademicYear):
            return text
        match = _PATTERN.match(str(text))
        if not match:
            raise ValueError(f"'{text}' is not an academic year (expected e.g. 2025/26)")
        start = int(match.group(1))
        end = match.group(2)
        end_full = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        if end_full != start + 1:
            raise ValueError(f"'{text}' is not an academic year: the second year must follow the first")
        return cls(start)

    @classmethod
    def for_date(cls, day: date) -> AcademicYear:
        return cls(day.year if day.month >= 9 else day.year - 1)

    @classmethod
    def current(cls, today: date | None = None) -> AcademicYear:
        return cls.for_date(today or clock.today())

    @property
    def start(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 8, 31)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> AcademicYear:
        return AcademicYear(self.start_year + 1)

    def previous(self) -> AcademicYear:
        return AcademicYear(self.start_year - 1)

    def __str__(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"
