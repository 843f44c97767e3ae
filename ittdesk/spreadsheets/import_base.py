"""What every kind of import is made of: the columns it understands (ImportField), what a
preview shows (Item, Plan, Result), the file as read (Source), and ImportKind, the base class
the kinds in import_*.py extend (their plan and write, and the cleaning helpers they share).
The pipeline that runs them is :mod:`.importing`, which re-exports these names.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

from ..errors import RefusedError
from ..services.base import EntityService
from ..services.memo import MEMO_LIMIT, outcome_of
from . import headers, heading_match, reading
from .import_rows import Record as Record  # re-exported: the kinds build their plans from these
from .import_rows import Refusal as Refusal
from .import_rows import current_memo, parse_with

Progress = Callable[..., None]


class ImportCancelled(RefusedError):
    """The user cancelled: the transaction was rolled back, nothing changed."""


@dataclass(frozen=True)
class ImportField:
    """A column an import understands: a service field (parsed by the service) or an extra one."""

    name: str
    label: str
    synonyms: tuple[str, ...] = ()
    parse: Callable[[Any], Any] | None = None  # extra fields only; service fields use service.clean
    is_date: bool = False
    owners: tuple[str, ...] = ()  # what the field belongs to, e.g. ("school",): see headers
    reads_database: bool = False  # as a service Field's: its outcomes are never remembered


class AddedChanges(MutableMapping[str, tuple[Any, Any]]):
    """An added record's changes, ``label -> (None, value)``, made from the values it adds when
    read (the preview's rows on screen, the CLI's lines) rather than held for every row: a plan
    of 100,000 rows held ~1.4 KB of them per row beside the very values they repeat.

    ``parts``: ``(labels, values)`` pairs, read in order (a value None is left out; a name not
    in ``labels`` too), and ``(label, value)`` pairs for one entry. Reading makes the dict
    afresh and keeps nothing; entries set (a school's new head) are kept and go after the
    values, as they would in a dict; deleting makes the dict once and keeps it (:meth:`kept`).
    ``after(fn)`` changes it as made (the preview's vocabulary labels). The values it is made
    from must not change after it is made unless :meth:`kept` was called first."""

    __slots__ = ("_after", "_data", "_parts", "_set")

    def __init__(self, *parts: tuple[Any, Any]) -> None:
        self._parts: tuple[tuple[Any, Any], ...] | None = parts
        self._data: dict[str, tuple[Any, Any]] | None = None
        self._set: dict[str, tuple[Any, Any]] | None = None
        self._after: Callable[[dict[str, tuple[Any, Any]]], None] | None = None

    def _made(self) -> dict[str, tuple[Any, Any]]:
        if self._data is not None:
            return self._data
        data: dict[str, tuple[Any, Any]] = {}
        for labels, values in self._parts or ():
            if isinstance(labels, str):
                data[labels] = (None, values)
                continue
            for name, value in values.items():
                if value is not None and name in labels:
                    data[labels[name]] = (None, value)
        if self._set:
            data.update(self._set)
        if self._after is not None:
            self._after(data)
        return data

    def kept(self) -> dict[str, tuple[Any, Any]]:
        """The dict, made now and kept (before the values it is made from change)."""
        if self._data is None:
            self._data = self._made()
            self._parts = self._after = self._set = None
        return self._data

    def after(self, fn: Callable[[dict[str, tuple[Any, Any]]], None]) -> None:
        """Apply ``fn`` to the dict when it is made (at once if it is already kept)."""
        if self._data is not None:
            fn(self._data)
        else:
            self._after = fn

    def __getitem__(self, key: str) -> tuple[Any, Any]:
        return self._made()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def __contains__(self, key: object) -> bool:
        return key in self._made()

    def items(self) -> Any:
        return self._made().items()

    def __setitem__(self, key: str, value: tuple[Any, Any]) -> None:
        if self._data is not None:
            self._data[key] = value
        else:
            if self._set is None:
                self._set = {}
            self._set[key] = value

    def __delitem__(self, key: str) -> None:
        del self.kept()[key]

    def __repr__(self) -> str:
        return repr(self._made())


@dataclass(slots=True)  # one per row of a plan: no __dict__ each
class Item:
    """What applying a row will do: add or update, the changes to show, the payload to write."""

    row: int
    action: str  # "add", "update" or "same"
    key: str  # e.g. "URN 100000"
    description: str  # e.g. "The Aldgate School"
    # label -> (old, new): a dict, or for an added record AddedChanges (made when read)
    changes: MutableMapping[str, tuple[Any, Any]] = field(default_factory=dict)
    payload: Any = None
    # What the user should know about a row that is still imported ("a postcode outside the
    # UK: kept as given"); the same words for every row it applies to, so they can be counted.
    warnings: list[str] = field(default_factory=list)


@dataclass
class Source:
    path: Path
    kind: str
    book: reading.Book
    sheet: reading.Sheet
    header: headers.HeaderRow
    mapping: dict[int, str]  # column -> field name, as suggested (saved or matched)
    mapping_from: str  # "saved" or "matched"
    notes: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)  # e.g. {"cohort": 3} for enrolments

    @property
    def headings(self) -> list[str]:
        return self.header.headings

    def unsure(self, mapping: dict[int, str] | None = None) -> dict[int, str]:
        """Columns of ``mapping`` (default: the suggested one) the matcher only guessed: their
        heading does not plainly name the field. A saved mapping was confirmed by a user."""
        mapping = self.mapping if mapping is None else mapping
        if self.mapping_from == "saved" and mapping == self.mapping:
            return {}
        matches = self.header.matches
        return {col: name for col, name in sorted(mapping.items())
                if col in matches and matches[col].field == name
                and matches[col].confidence < heading_match.SURE}

    def samples(self, column: int, count: int = 3) -> list[str]:
        """A few non-blank values from a column, as text, for the mapping page."""
        result = []
        for _n, row in headers.data_rows(self.sheet.head[: self.header.index + 60], self.header).rows:
            if column < len(row):
                text = reading.cells_as_text([row[column]])[0]
                if text[:1] == "'":  # shown as imported: the apostrophe only marks text
                    text = text[1:].strip()
                if text:
                    result.append(text)
            if len(result) >= count:
                break
        return result


@dataclass
class Plan:
    source: Source
    mapping: dict[int, str]
    items: list[Item]
    refused: list[Refusal]
    notes: list[str]
    # The newest audit entry when the plan was made: every write through ITT Desk adds one, so
    # if it is still the newest when applying, the plan still holds and need not be redone.
    audit_mark: int | None = None

    @property
    def adds(self) -> list[Item]:
        return [i for i in self.items if i.action == "add"]

    @property
    def updates(self) -> list[Item]:
        return [i for i in self.items if i.action == "update"]

    @property
    def unchanged(self) -> list[Item]:
        return [i for i in self.items if i.action == "same"]

    @property
    def refused_rows(self) -> int:
        return len({r.row for r in self.refused})

    def summary(self) -> str:
        return (f"{len(self.adds)} to add, {len(self.updates)} to update, "
                f"{len(self.unchanged)} unchanged, {self.refused_rows} refused")


@dataclass
class Result:
    run_id: int | None
    added: int
    updated: int
    unchanged: int
    refused: list[Refusal]
    seconds: float

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len({r.row for r in self.refused})} refused")


def warning_notes(items: list[Item], shown: int = 5) -> list[str]:
    """One note per kind of warning, with the rows it applies to (the first few)."""
    rows_of: dict[str, list[int]] = {}
    for item in items:
        for text in item.warnings:
            rows_of.setdefault(text, []).append(item.row)
    notes = []
    for text, rows in rows_of.items():
        listed = ", ".join(str(r) for r in rows[:shown]) + (", …" if len(rows) > shown else "")
        where = f"row {listed}" if len(rows) == 1 else f"{len(rows):,} rows ({listed})"
        notes.append(f"{where}: {text[:1].upper()}{text[1:]}")
    return notes


class ImportKind:
    """One kind of record an import can bring in; subclasses in import_*.py."""

    name: str = ""
    label: str = ""  # "Schools"
    service: EntityService[Any]  # the service whose fields (and clean) the rows go through
    fields: tuple[ImportField, ...] = ()
    key_help: str = ""  # how rows are matched, in words, for the wizard
    #: SQLite's page cache while the apply writes, in MB (``importing.apply_plan``); a kind
    #: whose whole write fits in a larger one, within issue 22's 400 MB peak, sets its own.
    apply_cache_mb: int = 32

    def apply_cache(self, plan: Plan) -> int:
        """The page cache, in MB, to apply ``plan`` in: the kind's own when the plan mostly
        adds rows (the pages new rows fill stay in it until the commit), else the default 32.
        A plan that mostly updates (a monthly GIAS refresh over the schools it already holds)
        took as long in 32 MB, and in 128 it held ~100 MB more on top of a plan that holds
        its stored rows' changes: 397 -> 296 MB (BENCHMARKS.md, U8)."""
        adds = sum(1 for i in plan.items if i.action == "add")
        return self.apply_cache_mb if adds * 2 >= len(plan.items) else ImportKind.apply_cache_mb

    @property
    def purpose(self) -> str:
        return f"import:{self.name}"

    def field(self, name: str) -> ImportField:
        # called for every extra cell of every row: a dict, built once per kind of import
        by_name: dict[str, ImportField] | None = self.__dict__.get("_by_name")
        if by_name is None or len(by_name) != len(self.fields):
            by_name = self.__dict__["_by_name"] = {f.name: f for f in self.fields}
        return by_name[name]

    def not_this_kind(self, headings: Sequence[str]) -> str | None:
        """Why a file with these headings is something else (e.g. a GIAS links extract), or None."""
        return None

    def check_mapping(self, mapping: dict[int, str]) -> list[str]:
        """Problems with a mapping as a whole (e.g. the key column is not mapped)."""
        return []

    def plan(self, records: list[Record], columns: dict[str, str], refused: list[Refusal],
             options: dict[str, Any] | None = None) -> list[Item]:
        """Match and check the rows (bulk lookups, no writes); add refusals to ``refused``."""
        raise NotImplementedError

    def write(self, items: list[Item], run_id: int, tick: Callable[[int], None]) -> None:
        raise NotImplementedError

    # -- helpers the kinds share ----------------------------------------------------------
    def clean(self, record: Record, names: Sequence[str], columns: dict[str, str],
              refused: list[Refusal], *, new: bool) -> dict[str, Any] | None:
        """Parse ``names`` of the record with the service's own field specs; None if refused."""
        values, errors = self.service.clean(record.raw, names=names, partial=not new,
                                            memo=current_memo())
        if errors:
            for name, message in errors.items():
                refused.append(Refusal(record.row, columns.get(name, ""), _strip_label(message, self.service, name)))
            return None
        return values

    def extra(self, record: Record, name: str, columns: dict[str, str],
              refused: list[Refusal]) -> Any:
        """Parse one extra (non-service) field; refusal recorded, returns the sentinel _BAD."""
        raw = record.raw
        if name not in raw:
            return None
        parsing = current_memo().table(self)[0][name]
        ok, result = parse_with(parsing, raw[name])
        if ok:
            return result
        refused.append(Refusal(record.row, columns.get(name, parsing[0]), result))
        return BAD

    def extras(self, record: Record, names: Sequence[str], columns: dict[str, str],
               refused: list[Refusal]) -> dict[str, Any]:
        """``{name: self.extra(record, name, ...)}`` for ``names``, in that order."""
        raw = record.raw
        parsings = current_memo().table(self)[0]
        result: dict[str, Any] = {}
        for name in names:
            if name not in raw:
                result[name] = None
                continue
            parsing = parsings[name]
            given = raw[name]
            seen = parsing[2]
            if seen is not None and given.__class__ is str:  # parse_with's common case, written out
                found = seen.get(given)
                if found is None:
                    if len(seen) >= MEMO_LIMIT:
                        seen.clear()
                    found = seen[given] = outcome_of(parsing[1], given)
                ok, value = found
            else:
                ok, value = parse_with(parsing, given)
            if not ok:
                refused.append(Refusal(record.row, columns.get(name, parsing[0]), value))
                value = BAD
            result[name] = value
        return result



class _Bad(enum.Enum):
    """BAD's type: one value, so ``value is BAD`` narrows a parsed value's type."""

    BAD = "bad"


BAD: Final = _Bad.BAD  # an extra value that was refused (the refusal is recorded)
Bad: TypeAlias = Literal[_Bad.BAD]  # its type, for what a parse returns

def _strip_label(message: str, service: EntityService[Any], name: str) -> str:
    try:
        label = service.field(name).label
    except KeyError:
        return message
    prefix = f"{label}: "
    return message[len(prefix):] if message.startswith(prefix) else message
