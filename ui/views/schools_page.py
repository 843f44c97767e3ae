"""Schools: the partnership's establishments, with leadership, mentors and agreements beside."""

from __future__ import annotations

from ittdesk.queries.lists import SCHOOLS
from ittdesk.queries.summaries import school_summary
from ittdesk.services.schools import schools

from .detail import school_html
from .list_page import ListPage


class SchoolsPage(ListPage):
    title = "Schools"
    noun = ("school", "schools")
    search_hint = "Search name, URN, postcode, town or email"
    shows = frozenset({"school", "role", "person", "designation", "mentor_training", "placement",
                        "enrolment", "agreement", "round_school"})
    query = SCHOOLS
    service = schools

    def summary_html(self, record_id: int) -> str:
        return school_html(school_summary(record_id))
