"""School days: what a placement's dates are worth when nobody has entered its days.

A school day is a weekday that is not one of England's bank holidays (``bank_holidays``) and
falls inside one of the year's terms (``TermDates``) for the placement school's LA: that LA's
own terms where it has any for the year, else the terms entered for every LA. Half-terms are
entered as separate terms, so a half-term inside a placement is not counted. A year with no
term dates at all counts every weekday that is not a bank holiday (nothing better is known).

``SchoolCalendar`` reads the term dates once (one query) and answers each placement from a
running count per year and LA, so a check over 130,000 placements costs no query per row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from ..academic_year import AcademicYear
from . import bank_holidays

Term = tuple[date, date]


class SchoolCalendar:
    """Term dates by academic year and LA (None = every LA), read once; counts school days."""

    def __init__(self, terms: Iterable[tuple[AcademicYear | str, str | None, date, date]]):
        self._terms: dict[int, dict[str | None, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for year, la_code, start, end in terms:
            start_year = AcademicYear.parse(year).start_year
            self._terms[start_year][la_code or None].append((start, end))
        self._counts: dict[tuple[int, str | None], list[int]] = {}
        # (year, any LA code as asked) -> its running count: one look-up per placement
        self._by_la: dict[tuple[int, str | None], list[int]] = {}

    @classmethod
    def load(cls) -> SchoolCalendar:
        """Every year's term dates, in one query."""
        from ..models import TermDates

        rows = TermDates.select(TermDates.academic_year, TermDates.la_code,
                                TermDates.start_date, TermDates.end_date).tuples()
        return cls(cast("Iterable[tuple[AcademicYear, str | None, date, date]]", rows))

    def differs_by_la(self) -> bool:
        """Whether any LA has terms of its own (else a school's LA changes nothing)."""
        return any(la is not None for year in self._terms.values() for la in year)

    def las_with_own_terms(self) -> frozenset[str]:
        """The LAs that have terms of their own in some year (the rest follow every LA's)."""
        return frozenset(la for year in self._terms.values() for la in year if la is not None)

    def has_terms(self, year: AcademicYear) -> bool:
        return bool(self._terms.get(year.start_year))

    def _key(self, start_year: int, la_code: str | None) -> tuple[int, str | None]:
        """Whose terms apply: the LA's own for that year, else every LA's."""
        year_terms = self._terms.get(start_year)
        if year_terms and la_code and la_code in year_terms:
            return (start_year, la_code)
        return (start_year, None)

    def _running(self, key: tuple[int, str | None]) -> list[int]:
        """counts[i] = school days from 1 September up to (not including) day i of the year."""
        found = self._counts.get(key)
        if found is not None:
            return found
        start_year, la_code = key
        first = date(start_year, 9, 1)
        length = (date(start_year + 1, 9, 1) - first).days
        year_terms = self._terms.get(start_year)
        terms = sorted(year_terms.get(la_code, [])) if year_terms else []
        holidays = bank_holidays.holidays(start_year) | bank_holidays.holidays(start_year + 1)
        starts = [t[0] for t in terms]
        counts = [0] * (length + 1)
        day = first
        total = 0
        for i in range(length):
            if day.weekday() < 5 and day not in holidays:
                if not terms:
                    total += 1
                else:
                    at = bisect_right(starts, day) - 1
                    if at >= 0 and terms[at][0] <= day <= terms[at][1]:
                        total += 1
            counts[i + 1] = total
            day += timedelta(days=1)
        self._counts[key] = counts
        return counts

    def running_counts(self, la_code: str | None, first_year: int, last_year: int
                       ) -> tuple[int, list[int]]:
        """(the ordinal of 1 September ``first_year``, counts): counts[i] = school days at a
        school in ``la_code`` from that day up to (not including) ``i`` days later, through 31
        August ``last_year + 1``; ``school_days(start, end)`` for dates in that span is
        ``counts[end - base + 1] - counts[start - base]`` (``end >= start``, ordinals): one
        subtraction per placement where a check reads thousands (Home's card). Each year's
        part is the same running count ``school_days`` reads, so the answers are the same."""
        counts = [0]
        for year in range(first_year, last_year + 1):
            running = self._running(self._key(year, la_code))
            total = counts[-1]
            counts.extend(total + n for n in running[1:])
        return date(first_year, 9, 1).toordinal(), counts

    def school_days(self, start: date, end: date, la_code: str | None = None) -> int:
        """School days from ``start`` to ``end`` inclusive at a school in ``la_code``."""
        if end < start:
            return 0
        year = start.year if start.month >= 9 else start.year - 1
        first = date(year, 9, 1)
        if end < date(year + 1, 9, 1):  # within one academic year: two look-ups
            counts = self._by_la.get((year, la_code))
            if counts is None:
                counts = self._by_la[(year, la_code)] = self._running(self._key(year, la_code))
            return counts[(end - first).days + 1] - counts[(start - first).days]
        total = 0
        while True:
            first = date(year, 9, 1)
            last = date(year + 1, 8, 31)
            lo, hi = max(start, first), min(end, last)
            if lo <= hi:
                counts = self._running(self._key(year, la_code))
                total += counts[(hi - first).days + 1] - counts[(lo - first).days]
            if end <= last:
                return total
            year += 1

def school_days(start: date, end: date, la_code: str | None = None) -> int:
    """School days between two dates (inclusive) for a school in ``la_code``; reads the term
    dates (one query): for one placement. A check over many uses one ``SchoolCalendar``."""
    return SchoolCalendar.load().school_days(start, end, la_code)


def days_counted(days_spent: Decimal | float | None, absence_days: Decimal | float | None,
                 school_days_between: int) -> float:
    """A placement's days in school: the days entered (part-days allowed) or, when none were,
    the school days between its dates; less its absences, never below 0."""
    spent = float(days_spent) if days_spent is not None else float(school_days_between)
    return max(0.0, spent - float(absence_days or 0))
