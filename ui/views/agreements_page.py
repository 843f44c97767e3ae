"""Support agreements: status and reports due at a glance; the agreement opens in its editor."""

from __future__ import annotations

from ittdesk.queries.lists import AGREEMENTS
from ittdesk.queries.summaries import agreement_summary
from ittdesk.services.agreements import agreements

from .detail import generic_html
from .list_page import ListPage


class AgreementsPage(ListPage):
    title = "Support agreements"
    noun = ("agreement", "agreements")
    search_hint = "Search reference, title or funding"
    shows = frozenset({"agreement", "school", "person"})
    query = AGREEMENTS
    service = agreements

    def summary_html(self, record_id: int) -> str:
        return generic_html(agreement_summary(record_id))

    def print_current(self) -> None:
        """Ctrl+P: the selected agreement as its printed document; otherwise the list."""
        from ..editors.agreement_editor import print_agreement  # the editor when first used

        ids = self.panel.selected_ids()
        if len(ids) == 1:
            print_agreement(self, ids[0])
        else:
            super().print_current()
