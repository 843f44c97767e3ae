"""Term dates and the rules per route (issue 17): what placements are counted against, edited
by the provider each year through these services (CLI ``ittdesk term-dates`` and
``ittdesk placement-rules``), checked and audited like any record."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..academic_year import AcademicYear
from ..choices import TRAINING_ROUTES
from ..errors import ValidationError
from ..models import PlacementRule, TermDates
from ..models.base import writing
from .base import EntityService, Field


class TermDatesService(EntityService[TermDates]):
    model = TermDates
    entity = "term_dates"
    label = "Term dates"
    fields = (
        Field.year("academic_year", "Academic year", required=True),
        Field.text("la_code", "LA code (empty: every LA)", 10),
        Field.text("term", "Term", 50, required=True),
        Field.date("start_date", "First day", required=True),
        Field.date("end_date", "Last day", required=True),
    )

    def check(self, values: dict[str, Any], instance: TermDates | None) -> dict[str, str]:
        errors: dict[str, str] = {}
        start, end = values.get("start_date"), values.get("end_date")
        year = values.get("academic_year")
        if start and end and end < start:
            errors["end_date"] = "The last day is before the first"
        if year and start and not year.contains(start):
            errors["start_date"] = f"The first day is not in {year}"
        if year and end and not year.contains(end):
            errors["end_date"] = f"The last day is not in {year}"
        if year and values.get("term"):
            la = values.get("la_code")
            query = TermDates.select().where(
                (TermDates.academic_year == year) & (TermDates.term == values["term"])
                & (TermDates.la_code.is_null() if la is None else TermDates.la_code == la))
            if instance is not None:
                query = query.where(TermDates.id != instance.id)
            if query.exists():
                errors["term"] = f"{values['term']} {year} is already entered" + (
                    f" for LA {la}" if la else "")
        return errors

    def describe(self, row: TermDates) -> str:
        return f"{row.term} {row.academic_year}" + (f" (LA {row.la_code})" if row.la_code else "")


TERM_HEADINGS = ("academic year", "la code", "term", "first day", "last day")


def import_term_dates(path: Path) -> list[TermDates]:
    """A CSV of terms (academic year, LA code - empty for every LA -, term, first day, last
    day; a heading row), all or nothing: every problem reported at once, nothing written."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [row for row in csv.reader(fh) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValidationError({"": f"{path.name} is empty"})
    heading = [" ".join(c.strip().lower().split()) for c in rows[0]]
    if tuple(heading[:5]) != TERM_HEADINGS:
        raise ValidationError({"": f"{path.name} needs the columns: "
                                   "Academic year, LA code, Term, First day, Last day"})
    cleaned, problems = [], {}
    for number, row in enumerate(rows[1:], start=2):
        data = dict(zip(("academic_year", "la_code", "term", "start_date", "end_date"),
                        [*row, "", "", "", "", ""][:5], strict=True))
        values, errors = term_dates.clean(data)
        if not errors:
            errors = term_dates.check(values, None)
        for field, message in errors.items():
            problems[f"row {number} {field}"] = message
        cleaned.append(values)
    keys = [(str(v.get("academic_year")), v.get("la_code"), v.get("term")) for v in cleaned]
    for number, key in enumerate(keys, start=2):
        if keys.index(key) != number - 2:
            problems[f"row {number} term"] = f"{key[2]} {key[0]} is in the file twice"
    if problems:
        raise ValidationError(problems)
    with writing():  # the write lock first, waiting its turn
        return [term_dates.create(values) for values in cleaned]


class PlacementRuleService(EntityService[PlacementRule]):
    model = PlacementRule
    entity = "placement_rule"
    label = "Placement rule"
    fields = (
        Field.year("academic_year", "Academic year", required=True),
        Field.choice("route", "Training route", TRAINING_ROUTES, required=True),
        Field.integer("min_days", "Days in school"),
        Field.integer("min_days_four_year", "Days in school, 4-year course"),
        Field.integer("min_schools", "Schools"),
        Field.yes_no("needs_contrasting", "Contrasting placement needed"),
        Field.integer("itap_days", "ITaP days"),
        Field.yes_no("employing_school_counts", "Employing school counts as one"),
        Field.integer("placements_required_by_register", "Placements Register requires"),
        Field.long_text("source", "Source"),
    )

    def check(self, values: dict[str, Any], instance: PlacementRule | None) -> dict[str, str]:
        query = PlacementRule.select().where(
            (PlacementRule.academic_year == values.get("academic_year"))
            & (PlacementRule.route == values.get("route")))
        if instance is not None:
            query = query.where(PlacementRule.id != instance.id)
        if values.get("academic_year") and values.get("route") and query.exists():
            return {"route": f"{TRAINING_ROUTES.label(values['route'])} already has rules for "
                             f"{values['academic_year']}"}
        return {}

    def describe(self, rule: PlacementRule) -> str:
        return f"{TRAINING_ROUTES.label(rule.route)} rules for {rule.academic_year}"

    def for_year(self, year: AcademicYear) -> list[PlacementRule]:
        """The year's rules, the defaults created first if it has none (first use)."""
        from ..placements.rules import ensure_year

        ensure_year(year)
        order = {route: i for i, route in enumerate(TRAINING_ROUTES.keys)}
        rows = list(PlacementRule.select().where(PlacementRule.academic_year == year))
        return sorted(rows, key=lambda r: order.get(r.route, 99))


term_dates = TermDatesService()
placement_rules = PlacementRuleService()
