"""Each academic year's figures for the general mentor training grant, as data.

DfE's published figures ship as defaults, each naming its source; a provider's own row for a
year (``FundingYear``, set with ``ittdesk mentor-funding rates --year Y --set ...``) wins over
the default, so a change DfE announces needs no new release. A year with neither is refused
with what to do, never worked out from a neighbouring year.

Sources (DFE-Digital/itt-mentor-services, snapshot 88e74ea3):
- hour caps: ``app/models/claims/training_hours.rb`` (initial 20 hours for years starting
  before 2025, 16 from 2025/26; refresher 6 throughout);
- hourly rates: ``app/views/claims/schools/_grant_conditions.html.erb`` (2025/26; the same
  figures for 2024/25 in its version of 2024-10-08, 21253a76) and ``app/services/gias/
  csv_importer.rb`` (Inner London 53.60, Outer London 48.25, Fringe 45.10, Rest of England 43.80).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import audit, fields
from ..academic_year import AcademicYear
from ..choices import FUNDING_REGIONS
from ..errors import RefusedError, ValidationError
from ..models import FundingYear
from ..models.base import writing

_RATES_2024 = {"inner_london": 5360, "outer_london": 4825, "fringe": 4510,
               "rest_of_england": 4380}
_SOURCE = ("DfE itt-mentor-services: app/models/claims/training_hours.rb (caps), "
           "app/views/claims/schools/_grant_conditions.html.erb (rates)")

#: start year -> (initial hours, refresher hours, pence per hour by region, source)
DEFAULTS: dict[int, tuple[int, int, dict[str, int], str]] = {
    2024: (20, 6, _RATES_2024, _SOURCE + ", grant conditions for 2024/25"),
    2025: (16, 6, _RATES_2024, _SOURCE + ", grant conditions for 2025/26"),
}

#: what ``--set`` names -> (column, "hours" or "money")
SETTABLE = {"initial": ("initial_hours", "hours"), "refresher": ("refresher_hours", "hours"),
            **{key: (f"{key}_pence", "money") for key in FUNDING_REGIONS.keys}}


@dataclass(frozen=True)
class YearFigures:
    """One year's caps (whole hours) and rates (pence per hour by region key)."""

    year: AcademicYear
    initial_hours: int
    refresher_hours: int
    rates: dict[str, int]
    source: str
    set_by_provider: bool

    def cap(self, allowance: str) -> int:
        return self.initial_hours if allowance == "initial" else self.refresher_hours

    def rate(self, region: str | None) -> int | None:
        return self.rates.get(region) if region else None


def _from_row(row: FundingYear) -> YearFigures:
    return YearFigures(AcademicYear.parse(row.academic_year), row.initial_hours,
                       row.refresher_hours,
                       {key: getattr(row, f"{key}_pence") for key in FUNDING_REGIONS.keys},
                       row.source or "set by the provider", True)


def known(year: AcademicYear) -> YearFigures | None:
    """The year's figures (the provider's row, else DfE's default), or None."""
    row = FundingYear.get_or_none(FundingYear.academic_year == str(year))
    if row is not None:
        return _from_row(row)
    if year.start_year in DEFAULTS:
        initial, refresher, rates, source = DEFAULTS[year.start_year]
        return YearFigures(year, initial, refresher, dict(rates), source, False)
    return None


def figures(year: AcademicYear) -> YearFigures:
    """The year's figures, or refused saying how to set them."""
    found = known(year)
    if found is None:
        raise RefusedError(
            f"No mentor funding figures for {year}: set them with 'ittdesk mentor-funding rates "
            f"--year {year} --set initial=16 --set refresher=6 --set inner_london=53.60 ...'")
    return found


def all_years() -> list[YearFigures]:
    stored = {AcademicYear.parse(r.academic_year).start_year for r in FundingYear.select()}
    years = sorted(stored | set(DEFAULTS))
    return [f for f in (known(AcademicYear(y)) for y in years) if f is not None]


def parse_settings(pairs: list[str]) -> dict[str, int]:
    """``["initial=16", "fringe=45.10"]`` -> {column: value}; every problem at once."""
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        key = name.strip().lower().replace("-", "_").replace(" ", "_")
        if not sep or key not in SETTABLE:
            errors[pair] = (f"'{pair}' is not NAME=VALUE with NAME one of "
                            f"{', '.join(SETTABLE)}")
            continue
        column, kind = SETTABLE[key]
        try:
            value = fields.money(raw) if kind == "money" else fields.integer(raw)
        except ValueError as exc:
            errors[pair] = f"{key}: {exc}"
            continue
        if value is None or value < 0:
            errors[pair] = f"{key}: give a number of 0 or more"
            continue
        values[column] = value
    if errors:
        raise ValidationError(errors)
    return values


def set_figures(year: AcademicYear, changes: dict[str, int], source: str | None = None
                ) -> YearFigures:
    """Store the provider's figures for ``year`` (starting from DfE's defaults, or refused
    when there are none and not every figure is given); audited."""
    with writing():
        row = FundingYear.get_or_none(FundingYear.academic_year == str(year))
        if row is None:
            base = known(year)
            start: dict[str, Any] = ({} if base is None else {
                "initial_hours": base.initial_hours, "refresher_hours": base.refresher_hours,
                **{f"{k}_pence": v for k, v in base.rates.items()}})
            values = {**start, **changes}
            missing = [name for name, (column, _k) in SETTABLE.items() if column not in values]
            if missing:
                raise RefusedError(f"{year} has no figures yet: give every one "
                                   f"(missing: {', '.join(missing)}); nothing was changed")
            row = FundingYear.create(academic_year=str(year), source=source or "set by the provider",
                                     **values)
            audit.record("funding_year", row.id, "create", audit.created(
                {"academic_year": str(year), **values}), note=f"mentor funding figures {year}")
            return _from_row(row)
        diff = {c: [getattr(row, c), v] for c, v in changes.items() if getattr(row, c) != v}
        if source is not None and source != row.source:
            diff["source"] = [row.source, source]
        if diff:
            FundingYear.update({getattr(FundingYear, c): new for c, (_old, new) in diff.items()}
                               ).where(FundingYear.id == row.id).execute()
            audit.record("funding_year", row.id, "update", diff,
                         note=f"mentor funding figures {year}")
        return _from_row(FundingYear.get_by_id(row.id))


def money_text(pence: int | None) -> str:
    """£1,234.50 (exact: whole pence, no float)."""
    if pence is None:
        return ""
    return f"£{pence // 100:,}.{pence % 100:02d}"
