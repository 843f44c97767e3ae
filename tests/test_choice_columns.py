"""A closed vocabulary's column holds its longest value on PostgreSQL too: SQLite ignores a
VARCHAR's length, so a key longer than the column passed every SQLite test and failed on the
shared database (Register's withdrawal reasons run past 32 characters)."""

from __future__ import annotations

import re
from datetime import date

from peewee import CharField

from ittdesk.academic_year import AcademicYear
from ittdesk.choices import WITHDRAWAL_REASONS
from ittdesk.models import ALL_MODELS, Cohort, Enrolment, Person, Programme


def test_every_choice_columns_width_fits_each_value_its_check_allows():
    too_long = []
    for model in ALL_MODELS:
        for field in model._meta.sorted_fields:
            if not isinstance(field, CharField):
                continue
            for check in field.constraints or ():
                text = getattr(check, "sql", "")  # peewee.SQL("CHECK (...)")
                if " IN (" not in text:
                    continue
                for value in re.findall(r"'((?:[^']|'')*)'", text):
                    if len(value) > field.max_length:
                        too_long.append(f"{model.__name__}.{field.name}: {value}")
    assert too_long == []


def test_the_longest_withdrawal_reason_is_stored_whole(db):
    longest = max(WITHDRAWAL_REASONS.keys, key=len)
    assert len(longest) > 32
    programme = Programme.create(name="Primary PGCE", kind="itt")
    cohort = Cohort.create(programme=programme, name="2025", academic_year=AcademicYear(2025),
                           start_date=date(2025, 9, 1))
    person = Person.create(first_name="Ada", last_name="Withdrawn")
    enrolment = Enrolment.create(person=person, cohort=cohort, status="withdrawn",
                                 withdrawal_reason_code=longest)
    assert Enrolment.get_by_id(enrolment.id).withdrawal_reason_code == longest
