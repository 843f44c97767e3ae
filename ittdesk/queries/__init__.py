"""List queries for the big lists: filter, sort and count in SQL; fetch rows by id, a page at a time.

The GUI's table models hold only the ordered id list that ``ListQuery.ids`` returns and ask
``ListQuery.rows`` for the few rows on screen (Anki's browser does the same), so a list of
100,000 enrolments costs one indexed query and a list of ints, not 100,000 objects. Everything
here is plain Python over Peewee: the CLI, exports and tests use the same queries.

A list is declared once: its columns (label, SQL expression, kind), the columns the search box
looks in, and its filters. Search splits the text into words; every word must appear in at
least one search column (so "ada greaves" finds Ada Greaves), case-insensitively. A list that
declares where its search columns live (``search_index``) first narrows each word to the rows
the search index says may hold it (``ittdesk.search_index``), then checks the same condition on
those only: the same rows, without reading every one. One that also names each way in's columns
(the placements) checks one word on those tables' own rows before turning them into its own
(``ListQuery.exact``), so no candidate row is joined to every table to be checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from peewee import (
    SQL,
    Expression,
    Field,
    ModelSelect,
    Node,
    NodeList,
    Ordering,
    PostgresqlDatabase,
    SqliteDatabase,
    Value,
    WrappedNode,
    fn,
)

from .. import clock
from .. import search_index as index
from ..choices import Choices
from ..models import Cohort, Enrolment, Person, Placement, School, SupportAgreement, database


class WholeSort(Protocol):
    """A whole-list order read off stored keys (``sort_index.StoredSort``, ``role_sort.HeldSort``):
    the ids, or None where there is nothing stored to read (then the list sorts as before)."""

    def ids(self, descending: bool) -> list[int] | None: ...


# ids per IN (...) when fetching rows: the list model's whole window (60 rows before the one
# painted, 240 after) in one statement; well under every driver's parameter limit
ROW_CHUNK = 300
_MARK = -(2**52)  # the stand-in ids of a cached window's SELECT (no record has a negative id)


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str
    expr: Any  # a Peewee expression over the list's joins
    kind: str = "text"  # text, number, date, choice, money, year
    choices: Choices | None = None
    visible: bool = True  # shown by default (users choose in the header's menu)
    width: int = 140
    sortable: bool = True
    # What the list sorts by instead of LOWER(expr): a name's stored sort key (ittdesk.sortkeys),
    # so "Ó Súilleabháin" sorts among the O's on SQLite and PostgreSQL alike.
    sort: Any = None

    def order_expr(self) -> Any:
        """The value ORDER BY compares (NULL exactly when ``expr`` is)."""
        if self.sort is not None:
            return self.sort
        return fn.LOWER(self.expr) if self.kind in ("text", "choice") else self.expr

    def display(self, value: Any) -> str:
        """The text a cell shows."""
        if value is None or value == "":
            return ""
        if self.kind == "choice" and self.choices is not None:
            return self.choices.label(value)
        if self.kind == "date":
            if isinstance(value, str):
                try:
                    value = date.fromisoformat(value[:10])
                except ValueError:
                    return str(value)
            day: date = value
            return day.strftime("%d/%m/%Y")
        if self.kind == "money":
            from ..fields import format_money

            return format_money(int(value))
        return str(value)


@dataclass(frozen=True)
class Filter:
    """A filter the user picks from a list of options; ``apply(query, value)`` narrows it."""

    key: str
    label: str
    options: Callable[[], list[tuple[str, str]]]  # (value, label), computed when asked
    apply: Callable[[ModelSelect[Any], str], ModelSelect[Any]]
    joined: bool = True  # False: looks only at the list's own table (no joins needed)
    needs: tuple[Any, ...] = ()  # joined tables it looks at, for ``ListQuery.join_only``; () = all


@dataclass(frozen=True)
class SearchVia:
    """Where the search index finds a list's rows for a word: ``table``'s matching ids (a
    subquery), turned into the list's own ids by ``ids`` (None: they are the list's own).

    ``columns``: the list's search expressions that live on that table's row (over the same
    model or alias the list joins). When every way in names its columns, a word is checked on
    those rows alone, before they are turned into the list's ids (``ListQuery.exact``)."""

    table: str
    ids: Callable[[Any], ModelSelect[Any]] | None = None
    columns: tuple[Any, ...] = ()

    def owner(self) -> Any:
        """The model or alias ``columns`` are read from."""
        first = getattr(self.columns[0], "node", self.columns[0])  # CAST(urn AS TEXT)
        return first.model


@dataclass(frozen=True)
class SplitSort:
    """A whole-list sort by a column of an outer-joined table (an enrolment's home school):
    the rows that have one, read through an inner join (``join``) in that table's index order,
    then those without (``absent()``: NULL, last both ways) by id. The ORDER BY ``_order``
    builds, in two index walks instead of a sort of every row (SQLite)."""

    join: Callable[[ModelSelect[Any]], ModelSelect[Any]]
    absent: Callable[[], Any]


@dataclass
class ListQuery:
    """One list: ``model`` rows, joined by ``join``, shown as ``columns``."""

    name: str
    model: Any
    columns: list[ListColumn]
    search: list[Any]  # text expressions the search box looks in (Cast numbers to text)
    join: Callable[[ModelSelect[Any]], ModelSelect[Any]] = lambda q: q
    # join_only(query, tables): only the joins reaching ``tables`` (models or aliases), for the
    # id and count queries; None: the id query joins everything or nothing.
    join_only: Callable[[ModelSelect[Any], set[Any]], ModelSelect[Any]] | None = None
    scope: Callable[[ModelSelect[Any]], ModelSelect[Any]] = lambda q: q  # always applied (e.g. not erased)
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = ""
    entity: str = ""  # the service's entity name, for opening and deleting records
    # Sorts by a column of the list's own table with an expression index (people by last
    # name): the whole list on SQLite walks that index without the scope's condition, which
    # would look up every row in index order, and drops the ids ``scope_excluded()`` selects
    # (the few the scope leaves out) afterwards, in about a third of the time (BENCHMARKS.md,
    # "Figures behind the code's comments"). The order is the same: the scope only removes rows.
    index_sorts: tuple[str, ...] = ()
    # Joined tables reached through inner joins on required foreign keys: a NOT NULL column of
    # one of them is never NULL in the list (an outer join can make any column NULL).
    required_joins: tuple[Any, ...] = ()
    scope_excluded: Callable[[], ModelSelect[Any]] | None = None
    # Every search column's table in the search index and how its rows lead to the list's:
    # together they must cover every column in ``search`` (tests/test_search_index.py checks).
    search_index: tuple[SearchVia, ...] = ()
    # Columns whose whole-list order a stored, indexed sort key holds (``ittdesk.sort_index``:
    # the placements by trainee, school or mentor): read off its index instead of joining and
    # sorting every row. The same ids in the same order (tests/test_sort_index.py).
    stored_sorts: dict[str, WholeSort] = field(default_factory=dict)
    # Columns of an outer-joined table whose whole-list order is walked in two parts
    # (``SplitSort``; SQLite): the same ids in the same order (tests/test_queries.py).
    split_sorts: dict[str, SplitSort] = field(default_factory=dict)
    # The rows' SELECT per column set, dialect and day (``_window_sql``).
    _windows: dict[Any, tuple[str, list[Any], int]] = field(default_factory=dict, init=False,
                                                             repr=False, compare=False)

    def candidates(self, word: str) -> Any:
        """The ids of the list's rows the search index says may hold ``word`` (every row that
        does), or None when it cannot say (no index, a word too short for one)."""
        parts = []
        for via in self.search_index:
            matched = index.matching_ids(via.table, word)
            if matched is None:
                return None
            if via.ids is not None:
                parts.append(via.ids(matched))
            elif len(self.search_index) == 1:
                return matched  # the list's own ids, as they are
            else:
                parts.append(self.model.select(self.model.id).where(self.model.id.in_(matched)))
        if not parts:
            return None
        union: Any = parts[0]  # a UNION of the parts (a compound select)
        for part in parts[1:]:
            union = union | part
        return union

    def exact(self, word: str) -> Any:
        """The ids of the list's rows that hold ``word`` in a search column, as one subquery
        (a UNION over the ways in), or None when it cannot be built (a word too short for the
        index, no index, a way in without its columns, or a list of one table's columns).

        Each way in checks the word on its own table's rows among the index's candidates (3,312
        people for "patel") and only then turns them into the list's rows; the plain condition
        instead joins every candidate list row to each table and checks every column there
        (8,404 placements, each joined to its trainee, school and mentor). A row holds the word
        in some column exactly when the row of that column's table does, and every column
        belongs to one way in (tests/test_search_index.py): the same rows."""
        if not any(via.ids is not None for via in self.search_index):
            return None
        if any(not via.columns for via in self.search_index):
            return None
        parts = []
        for via in self.search_index:
            matched = index.matching_ids(via.table, word)
            if matched is None:
                return None
            owner = via.owner()
            holds = None
            for expr in via.columns:
                part = expr.contains(word)
                holds = part if holds is None else (holds | part)
            rows = owner.select(owner.id).where(owner.id.in_(matched) & holds)
            parts.append(via.ids(rows) if via.ids is not None else rows)
        union: Any = parts[0]
        for part in parts[1:]:
            union = union | part
        return union

    def _searched_exactly(self, search: str) -> bool:
        """Whether ``search`` is one word that ``exact`` answers (no join needed for it).

        Several words keep the plain condition: each word's own union would be read whole
        (every "ann" of the people, say) before the next narrows it, which cost more than
        checking the few rows both words' candidates share ("ann smith": ~25 -> ~37 ms)."""
        words = search.split()
        return len(words) == 1 and self.exact(words[0].strip().lower()) is not None

    def _narrows(self) -> bool:
        """Whether ``where`` narrows by the index first. Always on SQLite (LIKE cannot use an
        index); on PostgreSQL only for a list that searches joined tables: over one table's
        columns its planner answers the ILIKEs from the trigram indexes itself (a BitmapOr),
        and the extra subquery only cost time (50,000 schools: 7.5 ms plain, 16 ms narrowed)."""
        if not isinstance(database.obj, PostgresqlDatabase):
            return True
        return any(via.ids is not None for via in self.search_index)

    def column(self, key: str) -> ListColumn:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.name} list has no column {key!r}")

    def filter(self, key: str) -> Filter:
        for flt in self.filters:
            if flt.key == key:
                return flt
        raise KeyError(f"{self.name} list has no filter {key!r}")

    def _select(self, *exprs: Any, joined: bool | set[Any] = True) -> ModelSelect[Any]:
        """``joined``: True every join, False none, a set of tables only the joins they need."""
        query = self.model.select(*exprs)
        if isinstance(joined, set):
            if joined and self.join_only is not None:
                query = self.join_only(query, joined)
            elif joined:
                query = self.join(query)
        elif joined:
            query = self.join(query)
        return self.scope(query)

    def _needs_join(self, search: str, filters: dict[str, str] | None, sort: str | None
                    ) -> bool | set[Any]:
        """Which joined tables the id query needs: True all, or the set of tables (empty: none).

        The joins never drop rows (they follow required foreign keys, or are outer joins), so
        leaving out those nothing looks at gives the same ids, several times faster on 100,000
        rows. ``sort`` None: the count query, which does not sort."""
        tables: set[Any] = set()

        def look_at(expr: Any) -> bool:
            """Adds the tables ``expr`` reads; False for a subquery (join everything)."""
            if isinstance(expr, Field):
                if expr.model is not self.model:
                    tables.add(expr.model)
                return True
            if isinstance(expr, WrappedNode):  # CAST(field AS TEXT)
                return look_at(expr.node)
            if isinstance(expr, Expression):  # first_name || ' ' || last_name
                return look_at(expr.lhs) and look_at(expr.rhs)
            return not isinstance(expr, Node) or isinstance(expr, Value)  # a constant

        if search.strip() and not self._searched_exactly(search):
            for expr in self.search:
                if not look_at(expr):
                    return True
        if sort is not None:
            column = self.column(sort or self.default_sort or self.columns[0].key)
            if not look_at(column.expr) or (column.sort is not None
                                            and not look_at(column.sort)):
                return True
        for key, value in (filters or {}).items():
            if value in (None, ""):
                continue
            flt = self.filter(key)
            if flt.joined:
                if not flt.needs:
                    return True
                tables.update(flt.needs)
        if tables and self.join_only is None:
            return True
        return tables

    def where(self, query: ModelSelect[Any], search: str = "", filters: dict[str, str] | None = None
              ) -> ModelSelect[Any]:
        for word in search.split():
            word = word.strip().lower()
            if not word:
                continue
            if self._searched_exactly(search):
                query = query.where(self.model.id.in_(self.exact(word)))
                continue
            condition = None
            for expr in self.search:
                # ``contains`` is LIKE on SQLite and ILIKE on PostgreSQL: both already ignore
                # case as LOWER() did (SQLite folds ASCII only in both), without a LOWER() call
                # per column per row.
                part = expr.contains(word)
                condition = part if condition is None else (condition | part)
            if condition is not None:
                narrowed = self.candidates(word) if self._narrows() else None
                if narrowed is not None:
                    query = query.where(self.model.id.in_(narrowed))
                query = query.where(condition)
        for key, value in (filters or {}).items():
            if value not in (None, ""):
                query = self.filter(key).apply(query, value)
        return query

    def never_null(self, expr: Any) -> bool:
        """Whether ``expr`` is never NULL in this list: a NOT NULL column of the list's own
        table or of a required join, or text joined (||) from such columns and constants."""
        if isinstance(expr, Field):
            return not expr.null and (expr.model is self.model
                                      or expr.model in self.required_joins)
        if isinstance(expr, Expression) and expr.op == "||":
            return all(self.never_null(part) if isinstance(part, Node) else part is not None
                       for part in (expr.lhs, expr.rhs))
        return False

    def _order(self, sort: str, descending: bool, scan: bool = False) -> list[Any]:
        """``scan``: sort the matches rather than walk the sort column's index (SQLite only).

        A search matches few rows and no index can find them, so SQLite walking the sort index
        looks up every row in index order; a plain scan that sorts the matches afterwards is
        several times quicker (BENCHMARKS.md, "Figures behind the code's comments"). SQLite's
        unary ``+`` changes no value but stops the expression matching the index; the order is
        the same."""
        col = self.column(sort or self.default_sort or self.columns[0].key)
        expr = col.order_expr()
        if scan:
            expr = NodeList((SQL("+"), expr), glue="")
        # NULLs last both ways; a value that is never NULL needs no NULLS clause, which costs
        # SQLite's sorter a measurable share of the sort (BENCHMARKS.md, as above).
        nulls = None if self.never_null(col.expr) else "LAST"
        ordering = Ordering(expr, "DESC" if descending else "ASC", nulls=nulls)
        # Ties: the sort column's own record first (a trainee's enrolments stay together), then
        # the list's record. Both follow the sort column's index, so SQLite walks it without a
        # temporary B-tree for the "right part" of the ORDER BY (enrolments by last name).
        ties = [self.model.id]
        owner = col.expr.model if isinstance(col.expr, Field) else None
        if owner is not None and owner is not self.model and getattr(owner, "id", None) is not None:
            ties.insert(0, owner.id)
        return [ordering, *(t.desc() if descending else t.asc() for t in ties)]

    def ids(self, search: str = "", filters: dict[str, str] | None = None, sort: str = "",
            descending: bool = False) -> list[int]:
        """The ids of every matching record, in order: the whole list, as plain ints."""
        key = sort or self.default_sort or self.columns[0].key
        whole = not search.strip() and all(v in (None, "") for v in (filters or {}).values())
        stored = self.stored_sorts.get(key)
        if stored is not None and whole:
            found = stored.ids(descending)
            if found is not None:
                return found
        split = self.split_sorts.get(key)
        if split is not None and whole and isinstance(database.obj, SqliteDatabase):
            everyone = self.scope(self.model.select(self.model.id))
            present = split.join(everyone).order_by(*self._order(sort, descending))
            absent = everyone.where(split.absent()).order_by(
                self.model.id.desc() if descending else self.model.id.asc())
            return ([i for (i,) in database.execute(present)]
                    + [i for (i,) in database.execute(absent)])
        if (self.scope_excluded is not None
                and (sort or self.default_sort or self.columns[0].key) in self.index_sorts
                and not search.strip() and all(v in (None, "") for v in (filters or {}).values())
                and isinstance(database.obj, SqliteDatabase)):
            walk = self.model.select(self.model.id).order_by(*self._order(sort, descending))
            excluded = {i for (i,) in database.execute(self.scope_excluded())}
            return [i for (i,) in database.execute(walk) if i not in excluded]
        base = self._select(self.model.id, joined=self._needs_join(search, filters, sort))
        query = self.where(base, search, filters)
        scan = bool(search.strip()) and isinstance(database.obj, SqliteDatabase)
        query = query.order_by(*self._order(sort, descending, scan))
        # Read row by row, not fetchall(): 100,000 one-id tuples alive at once are young
        # objects the GUI thread's timed collection (ui/collector.py) walks, ~6 ms holding the
        # GIL, when it lands during the fetch (BENCHMARKS.md, "The window's SELECT built once").
        return [i for (i,) in database.execute(query)]

    def count(self, search: str = "", filters: dict[str, str] | None = None) -> int:
        joined = self._needs_join(search, filters, None)
        return self.where(self._select(self.model.id, joined=joined), search, filters).count()

    def rows(self, ids: Sequence[int], columns: Iterable[str] | None = None
             ) -> dict[int, tuple[Any, ...]]:
        """Raw values of ``columns`` (default: all) for these ids, as {id: tuple}.

        Every chunk runs the same SELECT with new ids (``_window_sql``): building it with
        Peewee cost more than the fetch of a screenful (BENCHMARKS.md, "The window's SELECT
        built once")."""
        keys = tuple(columns) if columns is not None else tuple(c.key for c in self.columns)
        result: dict[int, tuple[Any, ...]] = {}
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return result
        sql, params, at = self._window_sql(keys)
        for start in range(0, len(wanted), ROW_CHUNK):
            chunk = wanted[start:start + ROW_CHUNK]
            chunk += [chunk[0]] * (ROW_CHUNK - len(chunk))  # repeats change nothing in IN (...)
            cursor = database.execute_sql(sql, params[:at] + chunk + params[at + ROW_CHUNK:])
            for row in cursor.fetchall():
                result[row[0]] = tuple(row[1:])
        return result

    def _window_sql(self, keys: tuple[str, ...]) -> tuple[str, list[Any], int]:
        """The SELECT of ``keys`` for ROW_CHUNK ids, as Peewee renders it for this database
        today, its parameters, and where the ids start among them (built once, then reused).

        The SQL depends on the database's dialect and, through ``holders.Today``, on the day
        (a current head is read as of today): both are in the key, so a reused statement is
        exactly the one Peewee would build now (tests/test_queries.py compares them)."""
        db = database.obj
        key = (keys, type(db), clock.today())
        cached = self._windows.get(key)
        if cached is not None:
            return cached
        cols = [self.column(k) for k in keys]
        marks = [_MARK - n for n in range(ROW_CHUNK)]  # stand-ins for the ids, found below
        exprs = [self.model.id] + [c.expr.alias(f"c{n}") for n, c in enumerate(cols)]
        query = self._select(*exprs).where(self.model.id.in_(marks))
        sql, params = db.get_sql_context().sql(query).query()
        params = list(params)
        at = next(i for i in range(len(params) - ROW_CHUNK + 1)
                  if params[i:i + ROW_CHUNK] == marks)
        if len(self._windows) >= 32:  # a new day or database: the old statements are done
            self._windows.clear()
        self._windows[key] = (sql, params, at)
        return sql, params, at

    def display_rows(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Cell texts for these ids (for export and printing)."""
        raw = self.rows(ids)
        return {i: [c.display(v) for c, v in zip(self.columns, values, strict=True)]
                for i, values in raw.items()}


def distinct_values(column: Any) -> list[tuple[str, str]]:
    """Options for a free-text filter (LA, trust): each distinct non-empty value, sorted."""
    query = (column.model.select(column).where(column.is_null(False) & (column != ""))
             .distinct().order_by(column))
    return [(row[0], row[0]) for row in database.execute(query).fetchall()]


def choice_options(choices: Choices) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(key, label) for key, label in choices]


def record_counts() -> dict[str, int]:
    """Counts for the status bar: one cheap COUNT(*) each."""
    return {
        "schools": School.select().count(),
        "people": Person.select().where(Person.erased == False).count(),  # noqa: E712
        "cohorts": Cohort.select().count(),
        "enrolments": Enrolment.select().count(),
        "placements": Placement.select().count(),
        "agreements": SupportAgreement.select().count(),
    }


def is_empty_database() -> bool:
    """True when there is nothing yet: the app greets the user instead of showing empty grids."""
    return not School.select().exists() and not Person.select().exists()
