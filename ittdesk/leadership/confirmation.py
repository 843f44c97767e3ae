"""Which schools are confirmed for a year: the one definition Home, the round, the CLI and the
confirmation page all count with.

*In the round for year Y*: open schools that are partners, placement or lead schools, plus any
open school the Y round was started with or had added. *Confirmed for Y*: the Y round recorded a
confirmation for the school (a collected form), or the school's leadership was confirmed by
hand (``School.leadership_confirmed_on``) within Y. "Within Y" starts when the Y round was
started if that was before 1 September, because a round for the coming year is sent out in the
summer and what comes back then confirms the coming year.
"""

from __future__ import annotations

from datetime import date

from peewee import Expression, ModelSelect, fn

from .. import clock
from ..academic_year import AcademicYear
from ..models import ConfirmationRound, RoundSchool, School

#: partnership statuses whose schools confirm their leadership every year
IN_ROUND_STATUSES = ("partner", "placement", "lead")


def round_for(year: AcademicYear) -> ConfirmationRound | None:
    return ConfirmationRound.get_or_none(ConfirmationRound.academic_year == year)


def year_being_confirmed(today: date | None = None) -> AcademicYear:
    """The current academic year, or the coming one once its round has been started."""
    current = AcademicYear.for_date(today or clock.today())
    coming = current.next()
    return coming if round_for(coming) is not None else current


def window(year: AcademicYear, round_: ConfirmationRound | None = None) -> tuple[date, date]:
    """The days a by-hand confirmation counts for ``year`` (see the module docstring)."""
    year = AcademicYear.parse(year)
    round_ = round_ if round_ is not None else round_for(year)
    start = year.start
    if round_ is not None and round_.started_on and round_.started_on < start:
        start = round_.started_on
    return start, year.end


def confirmed_by_hand(year: AcademicYear, round_: ConfirmationRound | None = None) -> Expression:
    """SQL: the school's own confirmation date falls in the year's window."""
    start, end = window(year, round_)
    # never NULL (NOT NULL would hide a never-confirmed school from ``unconfirmed``)
    return (School.leadership_confirmed_on.is_null(False)
            & School.leadership_confirmed_on.between(start, end))


def confirmed(year: AcademicYear) -> Expression:
    """SQL over ``School``: confirmed for ``year`` by a collected form or by hand."""
    round_ = round_for(year)
    clause = confirmed_by_hand(year, round_)
    if round_ is not None:
        by_form = (RoundSchool.select(RoundSchool.id)
                   .where((RoundSchool.round == round_.id) & (RoundSchool.school == School.id)
                          & RoundSchool.confirmed_on.is_null(False)))
        clause = clause | fn.EXISTS(by_form)
    return clause


def in_round(year: AcademicYear) -> Expression:
    """SQL over ``School``: the schools that confirm their leadership for ``year``."""
    clause = School.partnership_status.in_(IN_ROUND_STATUSES)
    round_ = round_for(year)
    if round_ is not None:
        clause = clause | School.id.in_(RoundSchool.select(RoundSchool.school)
                                        .where(RoundSchool.round == round_.id))
    return (School.status == "open") & clause


def unconfirmed(year: AcademicYear) -> ModelSelect[School]:
    """The schools in the round for ``year`` not yet confirmed for it (a School query)."""
    return School.select().where(in_round(year) & ~confirmed(year))


def counts(year: AcademicYear) -> tuple[int, int]:
    """(schools in the round, of which confirmed) for ``year``."""
    total = School.select().where(in_round(year)).count()
    done = School.select().where(in_round(year) & confirmed(year)).count()
    return total, done
