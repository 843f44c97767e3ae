"""Placements: trainees in schools with mentors, filterable by year, kind and missing mentor."""

from __future__ import annotations

from ittdesk.queries.lists import PLACEMENTS
from ittdesk.queries.summaries import placement_summary
from ittdesk.services.programmes import placements

from .detail import generic_html
from .list_page import ListPage


class PlacementsPage(ListPage):
    title = "Placements"
    noun = ("placement", "placements")
    search_hint = "Search trainee, school, URN, mentor or subject"
    shows = frozenset({"placement", "enrolment", "cohort", "programme", "person", "school"})
    query = PLACEMENTS
    service = placements

    def summary_html(self, record_id: int) -> str:
        return generic_html(placement_summary(record_id))
