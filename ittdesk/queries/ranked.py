"""``RankedListQuery``: sorting a big list by a column of a small joined table without sorting text.

Kept apart from the declarations because it is sort machinery, not a list: it knows nothing of
schools or enrolments, only how to put a few lookup rows (programmes, cohorts) in order first and
sort the big table by their place in that order, or read it one group at a time with no sort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from peewee import Case, Field, ModelSelect, Ordering

from ..models import database
from . import ListQuery


@dataclass
class RankedListQuery(ListQuery):
    """A list whose sort may be by a column of a small joined table (``lookups``: programmes,
    cohorts). Sorting 100,000 enrolments by LOWER(programme name) makes the database compute
    and compare that text for every row; instead the few programmes are put in order first,
    and the rows sorted by their programme's place in that order (a CASE over ids: integers,
    quicker to compare; BENCHMARKS.md, "Figures behind the code's comments"). The order is the same: the value, then the programme's id, then
    the list's id, each in the sort's direction, NULLs last."""

    lookups: tuple[Any, ...] = ()
    # For the whole list (no search or filter): ``groups[owner]()`` -> {owner id: the values of
    # ``group_key`` (a column of the list's own table) its rows have}. The list is then read one
    # group at a time in the ranked order, each in id order straight from ``group_key``'s index
    # with no sort at all (about twice as quick: BENCHMARKS.md, as above).
    groups: dict[Any, Callable[[], dict[Any, Any]]] = field(default_factory=dict)
    group_key: Any = None
    # For the whole list by a lookup reached through another table (placements by cohort, via
    # each placement's enrolment): ``owners[owner]()`` -> a query of (the list's id, its
    # owner's id) over every row. They are read in id order and dealt into the ranked order in
    # Python: one walk, no CASE per row and no sort of every row (~70 -> ~50 ms at the large
    # scale). The order is the CASE's: the owner's rank, then the list's id.
    owners: dict[Any, Callable[[], ModelSelect[Any]]] = field(default_factory=dict)

    def _ranked(self, sort: str, descending: bool) -> tuple[Any, list[int]] | None:
        """(owner, its ids in the sort's order) when sorting by a lookup's column, else None."""
        col = self.column(sort or self.default_sort or self.columns[0].key)
        owner = col.expr.model if isinstance(col.expr, Field) else None
        if owner is None or owner not in self.lookups:
            return None
        expr = col.order_expr()
        direction = "DESC" if descending else "ASC"
        ranked = owner.select(owner.id).order_by(Ordering(expr, direction, nulls="LAST"),
                                                 Ordering(owner.id, direction))
        ids = [row[0] for row in database.execute(ranked).fetchall()]
        return (owner, ids) if len(ids) <= LOOKUP_MAX else None

    def _order(self, sort: str, descending: bool, scan: bool = False) -> list[Any]:
        ranked = self._ranked(sort, descending)
        if ranked is None:
            return super()._order(sort, descending, scan)
        owner, ids = ranked
        rank = Case(owner.id, [(i, n) for n, i in enumerate(ids)], len(ids))
        return [rank.asc(), self.model.id.desc() if descending else self.model.id.asc()]

    def ids(self, search: str = "", filters: dict[str, str] | None = None, sort: str = "",
            descending: bool = False) -> list[int]:
        if search.strip() or any(v not in (None, "") for v in (filters or {}).values()):
            return super().ids(search, filters, sort, descending)
        ranked = self._ranked(sort, descending)
        if ranked is not None and ranked[0] in self.owners:
            return self._dealt(ranked[0], ranked[1], descending)
        if ranked is None or ranked[0] not in self.groups or len(ranked[1]) > GROUPS_MAX:
            return super().ids(search, filters, sort, descending)
        owner, order = ranked
        members = self.groups[owner]()
        result: list[int] = []
        by_id = self.model.id.desc() if descending else self.model.id.asc()
        for owner_id in order:
            keys = members.get(owner_id)
            if keys:
                query = self.scope(self.model.select(self.model.id)).where(
                    self.group_key.in_(keys)).order_by(by_id)
                result.extend(i for (i,) in database.execute(query))
        return result


    def _dealt(self, owner: Any, order: list[int], descending: bool) -> list[int]:
        """The whole list in ``order`` of its owners (``owners``), each owner's rows by id."""
        place = {owner_id: n for n, owner_id in enumerate(order)}
        piles: list[list[int]] = [[] for _ in range(len(order) + 1)]  # the last: no rank
        # read forwards both ways (SQLite's backward walk cost ~30% more), each pile turned
        query = self.scope(self.owners[owner]()).order_by(self.model.id.asc())
        last = len(order)
        for row_id, owner_id in database.execute(query):
            piles[place.get(owner_id, last)].append(row_id)
        if descending:
            return [i for pile in piles for i in reversed(pile)]
        return [i for pile in piles for i in pile]


LOOKUP_MAX = 200  # rows of a lookup table ranked this way (a CASE is a linear scan per row)
GROUPS_MAX = 60  # groups read one query each
