"""How the built-in returns make their rows: bulk queries read as the driver returns them and
folded into plain values, with the rules every return shares (a person's name, erasure included;
the local-authority filter; the current holder of a role) and the columns several returns have.

Split from the returns themselves (``builtin``, ``partnership``) so each return module is only
its queries and its columns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Generic, TypeVar

from peewee import Expression, Query

from ..holders import held
from ..models import database
from ..spreadsheets.writer import SheetColumn
from .base import Filters

# Columns shared by several returns, with the other names LA templates use for them.
URN = SheetColumn("urn", "URN", "int", total=False, synonyms=("DfE URN", "School URN", "Unique reference number"))
SCHOOL = SheetColumn("school", "School", synonyms=("School name", "Establishment", "Establishment name",
                                              "Setting", "Name of school"))
LA = SheetColumn("la_name", "Local authority", summarise=True,
            synonyms=("LA", "LA name", "Authority", "Council"))


def person_name(person_id: int, first: str | None, last: str | None,
                erased: bool | None) -> str:
    """``Person.full_name`` from the columns of a bulk query: the same rule, erasure included
    (``test_returns`` pins it to the model's property), without building a model per row."""
    if erased:
        return f"erased person #{person_id}"
    if first and last:
        return f"{first} {last}"
    return first or last or ""


K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """``memo[key]`` is ``compute(key)``, computed once per distinct key (a C-speed lookup after
    that): for dates and labels, of which a return has a handful of distinct values."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: K) -> V:
        value = self[key] = self.compute(key)
        return value


def fetch(query: Query) -> list[tuple[Any, ...]]:
    """Rows as the driver returns them, skipping peewee's per-value conversion (several
    times faster on a big return: BENCHMARKS.md, "Figures behind the code's comments"); dates
    then need ``day``."""
    rows: list[tuple[Any, ...]] = database.execute(query).fetchall()
    return rows


def day(value: object) -> date | None:
    """A date column from ``fetch``: SQLite gives ISO text, PostgreSQL a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def active_on(day: date) -> Expression:
    """Who holds a role on ``day`` (``holders.held``): the one current-holder rule."""
    return held(day)


def la_matches(school_la: str | None, f: Filters) -> bool:
    """The return's local-authority filter, for rows whose school is found after the query."""
    return f.la is None or school_la == f.la
