"""The lists users browse: schools, people, cohorts, enrolments, placements, agreements.

Each is declared once (columns, search, filters); the GUI lists, list exports and tests all use
these declarations. Expressions that look at other tables (a school's current head, a cohort's
places taken, an agreement's next report) are correlated subqueries over indexed columns,
evaluated only for the rows asked for, or when the user sorts by them.

This module is the registry: ``LISTS`` by name, which tables each list always joins, and
``reverses_exactly``. The declarations themselves are grouped by area in ``school_lists``
(schools, people), ``programme_lists`` (programmes, cohorts, enrolments, placements) and
``agreement_lists``; the ranked sort is in ``ranked``. Every list is importable from here.
"""

from __future__ import annotations

from typing import Any

from peewee import Field

from ..models import Cohort, Enrolment, Programme, School
from . import ListQuery
from .agreement_lists import AGREEMENTS
from .event_lists import EVENTS
from .programme_lists import (
    COHORTS,
    ENROLMENTS,
    PLACEMENTS,
    PROGRAMMES,
    _EnrolledPerson,
    _Trainee,
)
from .programme_lists import TAKEN_STATUSES as TAKEN_STATUSES
from .programme_lists import _Mentor as _Mentor  # tests reach the placement aliases here
from .ranked import GROUPS_MAX as GROUPS_MAX
from .ranked import LOOKUP_MAX as LOOKUP_MAX
from .ranked import RankedListQuery as RankedListQuery
from .school_lists import PEOPLE, SCHOOLS

# The tables each list reaches through inner joins on required foreign keys: a NOT NULL column
# of one of them is never NULL in the list (an outer join, like an enrolment's home school, can
# make any column NULL).
_REQUIRED_JOINS: dict[str, set[Any]] = {
    "cohorts": {Programme},
    "enrolments": {_EnrolledPerson, Cohort, Programme},
    "placements": {Enrolment, _Trainee, Cohort, School},
}


def reverses_exactly(query: ListQuery, key: str) -> bool:
    """Whether ``query`` sorted by ``key`` descending is its ascending order reversed.

    ``ListQuery._order`` puts NULLs last both ways and breaks ties by record ids in the same
    direction as the sort, so the two orders mirror each other exactly when the sort value is
    never NULL: a NOT NULL column of the list's own table or of a table joined on a required
    foreign key. A header click that only flips the direction then needs no query."""
    try:
        expr = query.column(key).expr
    except KeyError:
        return False
    owner = getattr(expr, "model", None)
    if not isinstance(expr, Field) or getattr(expr, "null", True):
        return False
    return owner is query.model or owner in _REQUIRED_JOINS.get(query.name, set())


LISTS: dict[str, ListQuery] = {q.name: q for q in (SCHOOLS, PEOPLE, PROGRAMMES, COHORTS,
                                                    ENROLMENTS, PLACEMENTS, AGREEMENTS, EVENTS)}
for _name, _tables in _REQUIRED_JOINS.items():
    LISTS[_name].required_joins = tuple(_tables)

__all__ = ["LISTS", "reverses_exactly", "SCHOOLS", "PEOPLE", "PROGRAMMES", "COHORTS", "ENROLMENTS", "PLACEMENTS", "AGREEMENTS", "EVENTS"]
