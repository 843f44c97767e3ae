"""People: leaders, mentors, trainees and system leaders, with their record beside."""

from __future__ import annotations

from ittdesk.queries.lists import PEOPLE
from ittdesk.queries.summaries import person_summary
from ittdesk.services.people import people

from .detail import person_html
from .list_page import ListPage


class PeoplePage(ListPage):
    title = "People"
    noun = ("person", "people")
    search_hint = "Search name, email, phone or TRN"
    shows = frozenset({"person", "role", "school", "designation", "mentor_training", "programme",
                        "cohort", "enrolment", "placement", "agreement"})
    query = PEOPLE
    service = people

    def summary_html(self, record_id: int) -> str:
        return person_html(person_summary(record_id))
