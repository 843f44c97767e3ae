"""The school editor: its record, and its leadership over time, mentors, placements, agreements."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QTextBrowser

from ittdesk.queries.summaries import school_summary
from ittdesk.services.schools import schools

from ..views.detail import link_html, section
from .base import EntityEditor, open_editor


class SchoolEditor(EntityEditor):
    service = schools
    title_new = "New school"

    def default_size(self) -> QSize:
        return QSize(720, 700)

    def add_related_tabs(self) -> None:
        self._leadership = self.related_browser("&Leadership", [
            ("Change &holder…", self.change_holder), ("Add &role…", self.add_role)])
        self._mentors = self.related_browser("&Mentors", [("Add &mentor…", self.add_mentor)])
        self._placements = self.related_browser("&Placements")
        self._agreements = self.related_browser("A&greements")
        self._engagement = self.related_browser("E&ngagement")
        # Which fill each tab needs: the four from one summary, engagement on its own.
        self._group_of = {browser.parentWidget(): group for browser, group in (
            (self._leadership, "summary"), (self._mentors, "summary"),
            (self._placements, "summary"), (self._agreements, "summary"),
            (self._engagement, "engagement"))}
        self._stale: set[str] = set()
        self.tabs.currentChanged.connect(self._tab_shown)

    # The related tabs are filled when first shown (or asked for), not on open: their queries
    # were a fifth of the editor's open, and most opens are for the school's details.
    @property
    def leadership(self) -> QTextBrowser:
        self._fill("summary")
        return self._leadership

    @property
    def mentors(self) -> QTextBrowser:
        self._fill("summary")
        return self._mentors

    @property
    def placements(self) -> QTextBrowser:
        self._fill("summary")
        return self._placements

    @property
    def agreements(self) -> QTextBrowser:
        self._fill("summary")
        return self._agreements

    @property
    def engagement(self) -> QTextBrowser:
        self._fill("engagement")
        return self._engagement

    def refresh_related(self) -> None:
        """Mark the related tabs out of date; the one showing (if any) is filled again now."""
        if self.instance is None:
            return
        self._stale = {"summary", "engagement"}
        self._tab_shown(self.tabs.currentIndex())

    def _tab_shown(self, index: int) -> None:
        group = self._group_of.get(self.tabs.widget(index))
        if group is not None:
            self._fill(group)

    def _fill(self, group: str) -> None:
        if group not in self._stale or self.instance is None:
            return
        self._stale.discard(group)
        if group == "engagement":
            self._engagement.setHtml(engagement_html(self.instance.id))
            return
        summary = school_summary(self.instance.id)
        history = []
        for link in summary["history"]:
            period = link.extra["period"] or "dates not recorded"
            now = " <b>(now)</b>" if link.extra["current"] else ""  # a future one reads "from …"
            person = f"<a href='record:person/{link.id}'>{escape(link.text)}</a>"
            history.append(f"{escape(link.detail)}: {person}"
                           f" — {escape(period)}{now} <a href='record:role/{link.extra['role_id']}'>edit</a>")
        self._leadership.setHtml(
            section("Leadership now", [link_html(x) for x in summary["leadership"]],
                    "no current leadership recorded")
            + (section("Starting later", [link_html(x) for x in summary["incoming"]])
               if summary["incoming"] else "")
            + section("ITT champion", [link_html(x) for x in summary["champion"]],
                      "no ITT champion on the SLT")
            + section("Who held each post, and when", history, "no history recorded"))
        mentors = []
        for m in summary["mentors"]:
            flags = []
            if m.extra["over"]:
                flags.append("<b style='color:#c62828'>over capacity</b>")
            colour = "inherit" if m.extra["training_ok"] else "#b26a00"
            mentors.append(f"{link_html(m)}<br><span style='color:{colour}'>"
                           f"{escape(m.extra['training'])}</span> · capacity "
                           f"{'' if m.extra['capacity'] is None else m.extra['capacity']} · trainees now "
                           f"{escape(m.extra['taking'])} {' '.join(flags)}")
        self._mentors.setHtml(section("Current mentors", mentors, "no current mentors"))
        years = [section(year, [link_html(x) for x in items])
                 for year, items in summary["placements_by_year"].items()]
        self._placements.setHtml("".join(years) or "<p style='color:gray'>No placements yet.</p>")
        self._agreements.setHtml(section("Support agreements", [link_html(a) for a in summary["agreements"]],
                                        "not a party to any agreement"))

    def change_holder(self) -> None:
        """The one change-holder dialog (ui.dialogs.change_holder), as Tools > Change… opens."""
        from ..dialogs.change_holder import ChangeHolderDialog

        ChangeHolderDialog(self.saved_record().id, "headteacher", self).exec()  # announces its change

    def add_role(self) -> None:
        self.main_window.open_record("role", None, parent=self, school=self.saved_record().id)

    def add_mentor(self) -> None:
        self.main_window.open_record("role", None, parent=self, school=self.saved_record().id,
                                     kind="mentor")


def engagement_html(school_id: int) -> str:
    """The school's ITT engagement year by year (issue 20), newest first."""
    from ittdesk.returns.engagement import school_engagement

    years = []
    for e in school_engagement(school_id):
        lines = [f"Trainees hosted: {e.trainees}", f"ITaP hosted: {e.itap}",
                 f"Mentors trained: {e.mentors_trained}"]
        if e.working_group_held:
            lines.append(f"Working group: came to {e.working_group} of {e.working_group_held} "
                         "meetings")
        if e.leaders:
            lines.append("Led sessions: " + escape(", ".join(e.leaders)))
        years.append(section(str(e.year), lines))
    return "".join(years) or "<p style='color:gray'>No placements, training or events yet.</p>"


def open_school(parent, record_id: int | None, **defaults: Any):
    return open_editor(SchoolEditor, parent, record_id, **defaults)
