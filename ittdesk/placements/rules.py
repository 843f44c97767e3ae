"""The placement requirements per route, as data a provider changes each year.

``DEFAULTS`` are what a year starts with (created for that year on first use, then edited:
``ittdesk placement-rules``). Sources:

- Days and schools: DfE, "Initial teacher training (ITT) criteria and supporting advice"
  (C2.1-C2.3): at least 120 days in schools for postgraduate and 1-3-year undergraduate
  courses, 160 for a 4-year undergraduate course; at least two schools, with contrasting
  experience; intensive training and practice (ITaP) on top: 20 days postgraduate, 30 days
  undergraduate (4 weeks / 6 weeks) since 2024/25.
- Placements Register requires before QTS/EYTS: DFE-Digital/register-trainee-teachers,
  guidance ``placement_requirements_before_changing_trainee_status`` and
  ``MINIMUM_PLACEMENTS`` in ``config/initializers/training_routes.rb``: 2 for most routes, on
  salaried routes the employing school plus at least one other, 1 for iQTS, none for
  Assessment Only and the early years routes.
- iQTS trains overseas under its own criteria: one school, no ITaP; early years (EYTS) are
  checked for two settings only. Change either for your own programme.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import cast

from .. import audit
from ..academic_year import AcademicYear
from ..choices import TRAINING_ROUTES
from ..models import PlacementRule
from ..models.base import writing

SOURCE_ITT = ("DfE ITT criteria C2.1-C2.3 (120 days / 160 for a 4-year undergraduate course, "
              "two schools, contrasting; ITaP 20 days postgraduate, 30 undergraduate)")
SOURCE_REGISTER = ("Register trainee teachers: placements required before QTS/EYTS "
                   "(placement_requirements_before_changing_trainee_status)")


@dataclass(frozen=True)
class Rule:
    """One route's requirements (a PlacementRule's values, or a default)."""

    route: str
    min_days: int
    min_days_four_year: int | None
    min_schools: int
    needs_contrasting: bool
    itap_days: int
    employing_school_counts: bool
    placements_required_by_register: int
    source: str

    def days_required(self, years: int | None) -> int:
        """The days for a course of ``years`` (None: not known, the shorter course)."""
        if self.min_days_four_year is not None and years is not None and years >= 4:
            return self.min_days_four_year
        return self.min_days


def _pg(route: str, *, salaried: bool = False) -> Rule:
    return Rule(route, 120, None, 2, True, 20, salaried, 2, f"{SOURCE_ITT}; {SOURCE_REGISTER}")


def _ug(route: str, *, salaried: bool = False) -> Rule:
    return Rule(route, 120, 160, 2, True, 30, salaried, 2, f"{SOURCE_ITT}; {SOURCE_REGISTER}")


DEFAULTS: dict[str, Rule] = {rule.route: rule for rule in (
    _pg("provider_led_postgrad"),
    _pg("school_direct_tuition_fee"),
    _pg("hpitt_postgrad"),
    _pg("school_direct_salaried", salaried=True),
    _pg("pg_teaching_apprenticeship", salaried=True),
    _ug("provider_led_undergrad"),
    _ug("opt_in_undergrad"),
    _ug("teacher_degree_apprenticeship", salaried=True),
    Rule("iqts", 120, None, 1, False, 0, False, 1,
         f"{SOURCE_REGISTER}: 1 placement; iQTS trains overseas under its own criteria"),
    Rule("assessment_only", 0, None, 0, False, 0, False, 0,
         f"{SOURCE_REGISTER}: none for Assessment Only"),
    Rule("early_years_postgrad", 0, None, 2, False, 0, False, 0,
         f"{SOURCE_REGISTER}: none for early years routes; two settings expected"),
    Rule("early_years_undergrad", 0, None, 2, False, 0, False, 0,
         f"{SOURCE_REGISTER}: none for early years routes; two settings expected"),
    Rule("early_years_salaried", 0, None, 2, False, 0, True, 0,
         f"{SOURCE_REGISTER}: none for early years routes; two settings expected"),
    Rule("early_years_assessment_only", 0, None, 0, False, 0, False, 0,
         f"{SOURCE_REGISTER}: none for Assessment Only"),
)}
assert set(DEFAULTS) == set(TRAINING_ROUTES.keys)

#: What a trainee with no route recorded is checked against (with a reason saying so).
FALLBACK_ROUTE = "provider_led_postgrad"


def _from_row(row: PlacementRule) -> Rule:
    return Rule(row.route, row.min_days, row.min_days_four_year, row.min_schools,
                bool(row.needs_contrasting), row.itap_days, bool(row.employing_school_counts),
                row.placements_required_by_register, row.source or "")


def _missing(year: AcademicYear) -> list[Rule]:
    have = {r for (r,) in cast("Iterable[tuple[str]]", PlacementRule.select(
        PlacementRule.route).where(PlacementRule.academic_year == year).tuples())}
    return [rule for route, rule in DEFAULTS.items() if route not in have]


def ensure_year(year: AcademicYear) -> int:
    """Create the default rules for ``year`` where it has none yet (first use); the routes it
    already has are left as edited. Returns how many were created (audited). Read under the
    write lock, so two programs using a year first at once do not both create its rules."""
    if not _missing(year):
        return 0  # the usual case: a look, no write lock taken
    with writing():
        missing = _missing(year)
        for rule in missing:
            values = {"academic_year": year, **asdict(rule)}
            row = PlacementRule.create(**values)
            audit.record("placement_rule", row.id, "create", audit.created(values),
                         note=f"default rules for {year}")
    return len(missing)


def rules_for(years: set[AcademicYear]) -> dict[tuple[AcademicYear, str], Rule]:
    """Each (year, route)'s rule, in one query; a year without rows reads the defaults (the
    check never writes: ``ensure_year`` creates them when someone looks at or edits them)."""
    found: dict[tuple[AcademicYear, str], Rule] = {}
    if years:
        rows = PlacementRule.select().where(PlacementRule.academic_year.in_(sorted(years)))
        for row in rows:
            found[(row.academic_year, row.route)] = _from_row(row)
    for year in years:
        for route, rule in DEFAULTS.items():
            found.setdefault((year, route), rule)
    return found
