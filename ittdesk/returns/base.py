"""What every return shares: its filters, its definition, and turning it into a workbook.

A return is a query that yields rows of plain values (text, numbers, dates, money in pence)
under a list of :class:`~ittdesk.spreadsheets.writer.SheetColumn`. The same rows feed the styled
workbook, the GUI preview and the LA-template filler, so a figure is computed in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, cast

from peewee import fn

from .. import clock
from ..academic_year import AcademicYear
from ..errors import ValidationError
from ..models import Programme, School
from ..spreadsheets.writer import CancelFn, ProgressFn, SheetColumn, WriteResult, write_return


@dataclass(frozen=True)
class Filters:
    """The academic year, and optionally one LA (name or code) and one programme."""

    year: AcademicYear
    la: str | None = None  # the LA name as stored on schools
    programme_id: int | None = None
    programme_name: str | None = None

    def describe(self, uses_programme: bool, uses_la: bool = True) -> list[tuple[str, str]]:
        result = [("Academic year", str(self.year))]
        if uses_la:
            result.append(("Local authority", self.la or "all"))
        if uses_programme:
            result.append(("Programme", self.programme_name or "all"))
        return result

    @property
    def as_of(self) -> date:
        """The day "current" means in this return: today, or the year's last day if earlier."""
        return min(clock.today(), self.year.end)


def make_filters(year: Any = None, la: str | None = None, programme: Any = None) -> Filters:
    """Filters from what a user typed; every problem is reported at once, nothing is guessed."""
    errors: dict[str, str] = {}
    academic_year = AcademicYear.current()
    if year not in (None, ""):
        try:
            academic_year = AcademicYear.parse(year)
        except ValueError as exc:
            errors["year"] = str(exc)
    la_name = None
    if la not in (None, ""):
        la_name = _find_la(str(la).strip())
        if la_name is None:
            known = ", ".join(local_authorities()) or "none recorded"
            errors["la"] = f"No school is in a local authority called '{la}' (known: {known})"
    prog_id = prog_name = None
    if programme not in (None, ""):
        found = _find_programme(programme)
        if found is None:
            known_names = cast("Iterable[tuple[str]]", Programme.select(Programme.name)
                               .order_by(Programme.name).tuples())
            names = ", ".join(name for (name,) in known_names) or "none recorded"
            errors["programme"] = f"No programme called '{programme}' (known: {names})"
        else:
            prog_id, prog_name = found
    if errors:
        raise ValidationError(errors)
    return Filters(academic_year, la_name, prog_id, prog_name)


def local_authorities() -> list[str]:
    """The LA names on record, for filter drop-downs."""
    query = (School.select(School.la_name).where(School.la_name.is_null(False))
             .distinct().order_by(School.la_name).tuples())
    return [name for (name,) in cast("Iterable[tuple[str | None]]", query) if name]


def programme_names() -> list[tuple[int, str]]:
    return list(cast("Iterable[tuple[int, str]]", Programme.select(Programme.id, Programme.name)
                     .order_by(Programme.name).tuples()))


def _find_la(text: str) -> str | None:
    row = (School.select(School.la_name)
           .where((fn.LOWER(School.la_name) == text.lower()) | (School.la_code == text))
           .where(School.la_name.is_null(False)).first())
    return row.la_name if row else None


def _find_programme(value: Any) -> tuple[int, str] | None:
    text = str(value).strip()
    query = Programme.select(Programme.id, Programme.name)
    row = None
    if text.isdigit():
        row = query.where(Programme.id == int(text)).first()
    if row is None:
        row = query.where(fn.LOWER(Programme.name) == text.lower()).first()
    return (row.id, row.name) if row else None


@dataclass
class ReturnData:
    """A return made for some filters: its columns and rows (a lazy iterable), and row count."""

    columns: list[SheetColumn]
    rows: Iterable[Sequence[Any]]
    count: int | None = None
    notes: list[str] = field(default_factory=list)
    extra_summary: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReturnSpec:
    key: str  # the CLI name: "partnership"
    title: str
    description: str
    build: Callable[[Filters], ReturnData]
    uses_programme: bool = False
    uses_la: bool = True
    purpose: str = ""  # SavedMapping purpose for templates of this return
    # The columns alone for some filters, where a return can say without reading its rows.
    columns: Callable[[Filters], list[SheetColumn]] | None = None

    @property
    def template_purpose(self) -> str:
        return self.purpose or f"return:{self.key}"

    def columns_for(self, filters: Filters) -> list[SheetColumn]:
        """The return's columns for ``filters``: a template's headings are matched against
        them, and its rows are read only when it is filled (not twice for one fill)."""
        if self.columns is not None:
            return self.columns(filters)
        return self.build(filters).columns


RETURNS: dict[str, ReturnSpec] = {}


def register(spec: ReturnSpec) -> ReturnSpec:
    RETURNS[spec.key] = spec
    return spec


def get_return(key: str) -> ReturnSpec:
    try:
        return RETURNS[key]
    except KeyError:
        raise ValidationError({"return": f"There is no return called '{key}' (one of: "
                                         f"{', '.join(RETURNS)})"}) from None


def all_returns() -> list[ReturnSpec]:
    return list(RETURNS.values())


def preview(key: str, filters: Filters, limit: int = 50) -> tuple[list[SheetColumn], list[tuple[Any, ...]], int | None]:
    """The columns, the first ``limit`` rows and the row count, for showing before exporting."""
    data = get_return(key).build(filters)
    return data.columns, [tuple(r) for r in islice(iter(data.rows), limit)], data.count


def make_return(key: str, target: Path, filters: Filters, *,
                progress: ProgressFn | None = None,
                cancelled: CancelFn | None = None) -> WriteResult:
    """Build return ``key`` for ``filters`` and write the styled workbook to ``target``."""
    spec = get_return(key)
    data = spec.build(filters)
    from .. import settings

    provider = settings.provider()
    title = f"{spec.title}: {provider.name}" if provider.name else spec.title
    # The funder files returns by provider: its name and UKPRN head the Summary sheet.
    who = [("Provider", provider.display_name), ("UKPRN", provider.ukprn or "not set")]
    return write_return(Path(target), title=title,
                        filters=filters.describe(spec.uses_programme, spec.uses_la),
                        columns=data.columns, rows=data.rows, total=data.count,
                        sheet_name=spec.title, notes=data.notes, progress=progress,
                        cancelled=cancelled, extra_summary=who + list(data.extra_summary))


def join_names(names: Iterator[str] | list[str]) -> str | None:
    items = [n for n in names if n]
    return "; ".join(items) if items else None
