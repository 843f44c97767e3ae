"""England's bank holidays, shipped as data: a placement's school days leave them out.

Source: GOV.UK, https://www.gov.uk/bank-holidays.json, division "england-and-wales" (Open
Government Licence v3.0), as published for 2023-2027 (including the coronation holiday of
8 May 2023); 2028-2029 follow the same statutory pattern (New Year's Day, Good Friday, Easter
Monday, the first and last Mondays of May, the last Monday of August, Christmas and Boxing
Day, each moved to the next weekday when it falls at a weekend), as GOV.UK will publish them
unless a one-off holiday is proclaimed. ``tests/test_placement_days.py`` checks the list
against that pattern. After 2029 the pattern itself is used (``is_bank_holiday``).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

_PUBLISHED: dict[int, tuple[str, ...]] = {
    2023: ("2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29",
           "2023-08-28", "2023-12-25", "2023-12-26"),
    2024: ("2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26",
           "2024-12-25", "2024-12-26"),
    2025: ("2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
           "2025-12-25", "2025-12-26"),
    2026: ("2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
           "2026-12-25", "2026-12-28"),
    2027: ("2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
           "2027-12-27", "2027-12-28"),
    2028: ("2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28",
           "2028-12-25", "2028-12-26"),
    2029: ("2029-01-01", "2029-03-30", "2029-04-02", "2029-05-07", "2029-05-28", "2029-08-27",
           "2029-12-25", "2029-12-26"),
}
FIRST_YEAR, LAST_YEAR = min(_PUBLISHED), max(_PUBLISHED)


def easter_sunday(year: int) -> date:
    """Easter Day (the Gregorian computus, "anonymous" algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def by_pattern(year: int) -> tuple[date, ...]:
    """The bank holidays England's pattern gives for ``year`` (no one-off holidays)."""
    def weekday_on_or_after(day: date) -> date:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    def first_monday(month: int) -> date:
        day = date(year, month, 1)
        return day + timedelta(days=(7 - day.weekday()) % 7)

    def last_monday(month: int) -> date:
        day = date(year, month + 1, 1) - timedelta(days=1)
        return day - timedelta(days=day.weekday())

    easter = easter_sunday(year)
    christmas = weekday_on_or_after(date(year, 12, 25))
    boxing = weekday_on_or_after(max(date(year, 12, 26), christmas + timedelta(days=1)))
    return (weekday_on_or_after(date(year, 1, 1)), easter - timedelta(days=2),
            easter + timedelta(days=1), first_monday(5), last_monday(5), last_monday(8),
            christmas, boxing)


@cache
def holidays(year: int) -> frozenset[date]:
    """``year``'s bank holidays in England: as shipped, or by the pattern outside those years."""
    if year in _PUBLISHED:
        return frozenset(date.fromisoformat(d) for d in _PUBLISHED[year])
    return frozenset(by_pattern(year))


def is_bank_holiday(day: date) -> bool:
    return day in holidays(day.year)
