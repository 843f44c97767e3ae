"""Each distinct raw value parsed once: the parse memo a service's ``clean`` may be given.

While an import is planned, a parser's outcome for a raw value (the value, or the reason it
refused it) is kept and reused for the same raw value in another row: most columns of a GIAS
extract or an enrolments list repeat a few values (LA names, types, phases, statuses, cohorts,
subjects). A field that reads the database (``Field.reads_database``: a reference) is always
parsed again. Refusals still name their own row and column: only the parser's result is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import fields as F

#: Outcomes remembered per field at most: a column that repeats its values (LA names, types,
#: cohorts) has far fewer; one of distinct values (names, emails, URNs) gains nothing from a
#: memo, which held ~65 MB for 100,000 rows of them.
MEMO_LIMIT = 20_000

Outcome = tuple[bool, Any]  # (True, value) or (False, the parser's reason)
Parsing = tuple[str, Callable[[Any], Any], "dict[Any, Outcome] | None"]  # label, parse, seen


def outcome_of(parse: Callable[[Any], Any], raw: Any) -> Outcome:
    try:
        # whatever the parser: a stored NUL breaks every export (printable text has none:
        # looked at here, as refuse_control first looks, without a call per value)
        if raw.__class__ is not str or not raw.isprintable():
            F.refuse_control(raw)
        return True, parse(raw)
    except ValueError as exc:
        return False, str(exc)


def parse_with(parsing: Parsing, raw: Any) -> Outcome:
    """``parse(raw)`` as an :data:`Outcome`, remembered in ``seen`` when there is one (text is
    the common case; other values are kept apart by type, since True == 1 == 1.0)."""
    _label, parse, seen = parsing
    if seen is None:
        return outcome_of(parse, raw)
    key = raw if raw.__class__ is str else (raw.__class__, raw)
    try:
        found = seen.get(key)
    except TypeError:  # unhashable: never remembered
        return outcome_of(parse, raw)
    if found is None:
        if len(seen) >= MEMO_LIMIT:
            seen.clear()  # a column of mostly distinct values (names, emails): bounded memory
        found = seen[key] = outcome_of(parse, raw)
    return found


def remember(parsing: Parsing, raw: Any, outcome: Outcome) -> None:
    """Keep ``outcome``, found for ``raw`` earlier in the same plan, for the next parse of it:
    a plan that parses a column in one pass and cleans the rows in another (the schools' URNs)
    would otherwise parse again every value the capped memo has let go since."""
    seen = parsing[2]
    if seen is None:
        return
    key = raw if raw.__class__ is str else (raw.__class__, raw)
    if key not in seen:
        if len(seen) >= MEMO_LIMIT:
            seen.clear()
        seen[key] = outcome


class ParseMemo:
    """Each field's (label, parser, outcomes seen so far) for the services and kinds in use."""

    def __init__(self, remember: bool = True) -> None:
        self.remember = remember
        self._seen: dict[Any, dict[Any, Outcome] | None] = {}
        self._tables: dict[int, tuple[Any, dict[str, Parsing], list[tuple[str, str]]]] = {}

    def _seen_for(self, parse: Callable[[Any], Any], reads_database: bool
                  ) -> dict[Any, Outcome] | None:
        if parse not in self._seen:
            remember = self.remember and not reads_database
            self._seen[parse] = {} if remember else None
        return self._seen[parse]

    def table(self, owner: Any) -> tuple[dict[str, Parsing], list[tuple[str, str]]]:
        """Field name -> :data:`Parsing` for a service's fields (or an import kind's), and the
        required ones as (name, label)."""
        found = self._tables.get(id(owner))
        if found is None or found[0] is not owner:
            parsings = {f.name: (f.label, f.parse,
                                 self._seen_for(f.parse, f.reads_database))
                        for f in owner.fields if f.parse is not None}
            required = [(f.name, f.label) for f in owner.fields if getattr(f, "required", False)]
            found = self._tables[id(owner)] = (owner, parsings, required)
        return found[1], found[2]


