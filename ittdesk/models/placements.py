"""What a placement's days are counted against: term dates per year (and LA) and the rules per
route a provider can change each year (issue 17; ``ittdesk.placements`` reads them)."""

from __future__ import annotations

from peewee import SQL, BooleanField, CharField, Check, DateField, IntegerField, TextField

from ..choices import TRAINING_ROUTES
from .base import AcademicYearField, Versioned, choice_field


class TermDates(Versioned):
    """One term (or half-term) of a year's school calendar: days outside every term of the
    year are holidays. ``la_code`` null means every LA without its own dates for that year;
    an LA with its own rows uses only those. Enter half-terms as separate terms ("Autumn 1",
    "Autumn 2") so the half-term holiday between them is not counted as days in school."""

    academic_year = AcademicYearField(index=True)
    la_code = CharField(max_length=10, null=True)
    term = CharField(max_length=50)
    start_date = DateField()
    end_date = DateField()

    class Meta:
        table_name = "term_dates"
        indexes = ((("academic_year", "la_code", "term"), True),)
        constraints = [Check("end_date >= start_date")]


class PlacementRule(Versioned):
    """A route's placement requirements for one academic year (the cohorts of that year are
    checked against them). Defaults: ``ittdesk.placements.rules.DEFAULTS``, with their source."""

    academic_year = AcademicYearField(index=True)
    route = choice_field(TRAINING_ROUTES, "route")
    min_days = IntegerField(default=0, constraints=[Check("min_days >= 0")])
    # Used instead of min_days for a course of four years or more (4-year undergraduate: 160).
    min_days_four_year = IntegerField(null=True,
                                      constraints=[Check("min_days_four_year IS NULL "
                                                         "OR min_days_four_year >= 0")])
    min_schools = IntegerField(default=0, constraints=[Check("min_schools >= 0")])
    needs_contrasting = BooleanField(default=False)
    itap_days = IntegerField(default=0, constraints=[Check("itap_days >= 0")])
    employing_school_counts = BooleanField(default=False)
    placements_required_by_register = IntegerField(
        default=0, constraints=[Check("placements_required_by_register >= 0"), SQL("DEFAULT 0")])
    source = TextField(null=True)

    class Meta:
        table_name = "placement_rule"
        indexes = ((("academic_year", "route"), True),)
