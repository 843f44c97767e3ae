"""Issue 17: a placement's school days are its weekdays less England's bank holidays and the
holidays outside the term dates of its school's LA (or every LA's); half-terms not counted."""

from __future__ import annotations

from datetime import date

from ittdesk.academic_year import AcademicYear
from ittdesk.placements import bank_holidays
from ittdesk.placements.days import SchoolCalendar, days_counted

AUTUMN = [("2025/26", None, date(2025, 9, 3), date(2025, 10, 24)),
          ("2025/26", None, date(2025, 11, 3), date(2025, 12, 19)),
          ("2025/26", None, date(2026, 1, 5), date(2026, 2, 13)),
          ("2025/26", None, date(2026, 2, 23), date(2026, 3, 27)),
          ("2025/26", None, date(2026, 4, 13), date(2026, 5, 22)),
          ("2025/26", None, date(2026, 6, 1), date(2026, 7, 22))]


def test_the_shipped_bank_holidays_follow_englands_pattern_but_the_coronation():
    for year in range(bank_holidays.FIRST_YEAR, bank_holidays.LAST_YEAR + 1):
        extra = set(bank_holidays.holidays(year)) - set(bank_holidays.by_pattern(year))
        missing = set(bank_holidays.by_pattern(year)) - set(bank_holidays.holidays(year))
        assert missing == set()
        assert extra == ({date(2023, 5, 8)} if year == 2023 else set())
    assert bank_holidays.is_bank_holiday(date(2026, 12, 28))  # Boxing Day on a Saturday
    assert bank_holidays.is_bank_holiday(date(2031, 4, 11))  # Good Friday, by the pattern


def test_without_term_dates_weekdays_less_bank_holidays_count():
    calendar = SchoolCalendar([])
    # Mon 30 Mar - Fri 10 Apr 2026: ten weekdays, Good Friday and Easter Monday out.
    assert calendar.school_days(date(2026, 3, 30), date(2026, 4, 10)) == 8
    assert calendar.school_days(date(2026, 4, 11), date(2026, 4, 12)) == 0  # a weekend
    assert not calendar.has_terms(AcademicYear(2025))


def test_a_half_term_inside_a_placement_is_not_counted():
    calendar = SchoolCalendar(AUTUMN)
    # Mon 13 Oct - Fri 14 Nov 2025: 25 weekdays, the half-term week (27-31 Oct) out.
    assert calendar.school_days(date(2025, 10, 13), date(2025, 11, 14)) == 20
    # The February half-term (16-20 Feb) and the Easter holidays (30 Mar - 10 Apr) too.
    assert calendar.school_days(date(2026, 2, 9), date(2026, 2, 27)) == 10
    assert calendar.school_days(date(2026, 3, 23), date(2026, 4, 17)) == 10


def test_an_la_with_its_own_terms_uses_them_others_the_default():
    calendar = SchoolCalendar([*AUTUMN, ("2025/26", "886", date(2025, 9, 3), date(2025, 10, 17)),
                               ("2025/26", "886", date(2025, 10, 27), date(2025, 12, 19))])
    # Kent (886) has its half-term a week earlier: 20-24 Oct is its holiday, 27-31 Oct a term week.
    assert calendar.school_days(date(2025, 10, 20), date(2025, 10, 31), "886") == 5
    assert calendar.school_days(date(2025, 10, 20), date(2025, 10, 31), "202") == 5
    assert calendar.school_days(date(2025, 10, 20), date(2025, 10, 24), "886") == 0
    assert calendar.school_days(date(2025, 10, 20), date(2025, 10, 24), "202") == 5
    assert calendar.school_days(date(2025, 10, 20), date(2025, 10, 24)) == 5


def test_a_placement_across_two_academic_years_counts_both():
    calendar = SchoolCalendar(AUTUMN)  # 2026/27 has no term dates: weekdays less bank holidays
    # 20-22 Jul in term; 23 Jul - 31 Aug the summer holiday; Tue 1 - Fri 4 Sep weekdays.
    assert calendar.school_days(date(2026, 7, 20), date(2026, 9, 4)) == 3 + 4


def test_entered_days_part_days_and_absences():
    assert days_counted(None, 0, 20) == 20
    assert days_counted(None, 1.5, 20) == 18.5
    assert days_counted(12.5, 0, 20) == 12.5  # entered days replace the dates' school days
    assert days_counted(3, 5, 20) == 0  # never below nothing


def test_the_running_counts_by_ordinal_give_each_las_school_days_across_years():
    """Home's card subtracts two entries of ``running_counts`` per placement: the same days as
    ``school_days`` for any dates in the span, across academic years and for an LA with terms of
    its own in one year only."""
    own = [("2026/27", "999", date(2026, 9, 7), date(2026, 12, 18))]
    calendar = SchoolCalendar(AUTUMN + own)
    assert calendar.las_with_own_terms() == frozenset({"999"})
    for la_code in (None, "999", "202"):
        base, counts = calendar.running_counts(la_code, 2025, 2026)
        assert base == date(2025, 9, 1).toordinal()
        assert len(counts) - 1 == (date(2027, 9, 1) - date(2025, 9, 1)).days
        for start in range(base, base + len(counts) - 1, 23):
            for end in range(start, base + len(counts) - 1, 37):
                assert counts[end - base + 1] - counts[start - base] == calendar.school_days(
                    date.fromordinal(start), date.fromordinal(end), la_code)
