"""Events: working group meetings, training sessions, webinars, induction events and
conferences, with how many were invited, came and led each."""

from __future__ import annotations

from html import escape

from ittdesk import fields
from ittdesk.choices import EVENT_KINDS
from ittdesk.queries.event_lists import EVENTS
from ittdesk.services.events import attendance_of, events

from .list_page import ListPage


class EventsPage(ListPage):
    title = "Events"
    noun = ("event", "events")
    search_hint = "Search title or place"
    shows = frozenset({"event", "event_attendance", "person", "school", "role"})
    query = EVENTS
    service = events

    def summary_html(self, record_id: int) -> str:
        event = events.model.get_or_none(events.model.id == record_id)
        if event is None:
            return ""
        rows = list(attendance_of(record_id))
        came = [r for r in rows if r.attended]
        led = [r for r in rows if r.led]

        def names(items) -> str:
            return ", ".join(escape(r.person.full_name + (f" ({r.school.name})" if r.school_id else ""))
                             for r in items) or "—"

        return (f"<h3>{escape(event.title)}</h3>"
                f"<p>{escape(EVENT_KINDS.label(event.kind))} · {fields.format_date(event.held_on)}"
                f"{' · ' + escape(event.location) if event.location else ''}</p>"
                f"<p><b>Led by:</b> {names(led)}</p>"
                f"<p><b>Came ({len(came)} of {len(rows)} on the list):</b> {names(came)}</p>")
