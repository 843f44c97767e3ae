"""Parsing what people type: UK dates, URNs, money, empties, vocabularies."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ittdesk import fields
from ittdesk.academic_year import AcademicYear
from ittdesk.choices import PHASES, ROLE_KINDS


@pytest.mark.parametrize("raw", ["01/09/2023", "1/9/2023", "1.9.23", "01-09-2023", "1 September 2023",
                                 "1st Sept 2023", "2023-09-01", 45170, 45170.0, "45170",
                                 datetime(2023, 9, 1, 0, 0), date(2023, 9, 1)])
def test_uk_dates_in_every_form_people_type(raw):
    assert fields.day(raw) == date(2023, 9, 1)


def test_month_and_year_means_the_first_of_the_month():
    assert fields.day("Sep 2023") == date(2023, 9, 1)
    assert fields.day("September 2023") == date(2023, 9, 1)


def test_excel_1904_serials():
    assert fields.day(43708, epoch_1904=True) == date(2023, 9, 1)


@pytest.mark.parametrize("raw", ["31/02/2023", "13/13/2023", "next Tuesday", "2023/13/45"])
def test_impossible_or_unreadable_dates_are_refused_in_words(raw):
    with pytest.raises(ValueError, match="date"):
        fields.day(raw)


@pytest.mark.parametrize("raw", ["n/a", "-", "not given", "  ", None, "N/A", "None"])
def test_placeholder_words_mean_empty(raw):
    assert fields.text(raw) is None
    assert fields.day(raw) is None
    assert fields.urn(raw) is None


@pytest.mark.parametrize("raw,expected", [(123456, 123456), (123456.0, 123456), ("123456", 123456),
                                          (" 123456 ", 123456), ("URN 123456", 123456),
                                          ("1234567", 1234567), ("21234", 21234)])
def test_urns_typed_as_numbers_or_padded_text(raw, expected):
    assert fields.urn(raw) == expected


@pytest.mark.parametrize("raw", ["1234", "12345678", "12a456", 123456.5])
def test_bad_urns_are_refused(raw):
    with pytest.raises(ValueError, match="URN"):
        fields.urn(raw)


def test_names_keep_accents_and_apostrophes_exactly():
    for name in ["Siân", "Zoë", "O'Brien", "Brontë", "Ó Súilleabháin"]:
        assert fields.text(f"  {name} ") == name


def test_money_is_exact_pence():
    assert fields.money("£1,234.50") == 123450
    assert fields.money("0.1") + fields.money("0.2") == fields.money("0.3")
    assert fields.format_money(123450) == "£1,234.50"
    with pytest.raises(ValueError, match="fractions of a penny"):
        fields.money("1.005")


def test_phone_numbers_that_lost_their_leading_zero_get_it_back():
    assert fields.phone(2072831147) == "02072831147"
    assert fields.phone("0113 496 0000") == "0113 496 0000"


def test_vocabularies_accept_labels_and_synonyms_in_any_case():
    assert PHASES.parse("PRIMARY") == "primary"
    assert PHASES.parse("Middle deemed secondary") == "middle_secondary"
    assert PHASES.parse("PRU") == "alternative_provision"
    assert ROLE_KINDS.parse("Executive Head") == "executive_headteacher"
    assert ROLE_KINDS.parse("Head Teacher") == "headteacher"


def test_academic_years():
    year = AcademicYear.parse("2025/26")
    assert (year.start, year.end) == (date(2025, 9, 1), date(2026, 8, 31))
    assert AcademicYear.parse("2025-2026") == year
    assert AcademicYear.for_date(date(2026, 8, 31)) == year
    assert AcademicYear.for_date(date(2026, 9, 1)) == year.next()
    assert str(year.next()) == "2026/27"
    with pytest.raises(ValueError, match="academic year"):
        AcademicYear.parse("2025/27")


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.none(),
                 st.dates(), st.booleans()))
def test_parsers_either_return_a_value_or_refuse_in_words(value):
    for parse in (fields.day, fields.urn, fields.email, fields.money, fields.postcode,
                  fields.integer, fields.number, fields.trn, fields.text, fields.phone):
        try:
            parse(value)
        except ValueError as exc:
            assert str(exc)


def _service_classes():
    import ittdesk.services.agreements  # noqa: F401  (register every service)
    import ittdesk.services.people  # noqa: F401
    import ittdesk.services.programmes  # noqa: F401
    import ittdesk.services.schools  # noqa: F401
    from ittdesk.services.base import EntityService

    found, todo = [], list(EntityService.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if getattr(cls, "model", None) is not None:
            found.append(cls)
    return found


def test_no_field_accepts_text_longer_than_its_column_holds():
    """SQLite stores over-long text, PostgreSQL refuses the whole write: every parser must
    refuse it first, so both databases behave the same (a 31-character phone once failed a
    whole import on PostgreSQL only)."""
    from peewee import CharField

    gaps = []
    checked = 0
    for service in _service_classes():
        for spec in service.fields:
            column = service.model._meta.fields.get(spec.name)
            if not isinstance(column, CharField) or not column.max_length:
                continue
            n = column.max_length
            too_long = "a" * n + "@example.org" if "email" in spec.name else "1" * (n + 1)
            checked += 1
            try:
                spec.parse(too_long)
            except ValueError:
                continue
            gaps.append(f"{service.__name__}.{spec.name} ({n})")
    assert checked > 20
    assert gaps == []


def test_a_long_phone_or_email_is_refused_with_the_limit():
    with pytest.raises(ValueError, match="longer than 30 characters"):
        fields.phone("0113 496 0000 ext. 1234 (reception)")
    assert fields.phone("0113 496 0000 ext. 1234") == "0113 496 0000 ext. 1234"
    with pytest.raises(ValueError, match="longer than 254 characters"):
        fields.email("a" * 250 + "@example.org")
