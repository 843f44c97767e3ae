"""Mentor training funding (issue 18): each year's caps and hourly rates, and DfE's samples.

The figures are data for a year, not code: DfE changes them (the initial cap went from 20 to 16
hours from 2025/26). ``ittdesk.mentor_funding.rates`` ships DfE's published figures as defaults;
a row here is the provider's own setting for a year and wins over the default.
"""

from __future__ import annotations

from peewee import CharField as Char
from peewee import Check, DateField, DateTimeField, IntegerField, TextField

from .base import AcademicYearField, BaseModel


class FundingYear(BaseModel):
    """One academic year's grant figures: hour caps per mentor per accredited provider and the
    hourly rate in pence for each of DfE's four regions."""

    academic_year = AcademicYearField(unique=True)
    initial_hours = IntegerField(constraints=[Check("initial_hours >= 0")])
    refresher_hours = IntegerField(constraints=[Check("refresher_hours >= 0")])
    inner_london_pence = IntegerField(constraints=[Check("inner_london_pence >= 0")])
    outer_london_pence = IntegerField(constraints=[Check("outer_london_pence >= 0")])
    fringe_pence = IntegerField(constraints=[Check("fringe_pence >= 0")])
    rest_of_england_pence = IntegerField(constraints=[Check("rest_of_england_pence >= 0")])
    source = TextField(null=True)


class FundingSample(BaseModel):
    """A sample of claims DfE sent for the provider to confirm: answered within 21 days of
    receipt, so Home shows its deadline until it is marked sent back."""

    file_name = Char(max_length=260)
    received_on = DateField()
    answer_by = DateField(index=True)
    lines = IntegerField(default=0)
    undecided = IntegerField(default=0)
    answered_at = DateTimeField(null=True)
    sent_on = DateField(null=True, index=True)
