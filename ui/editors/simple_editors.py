"""Editors that are just their form: programme, enrolment, role, designation, mentor training."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QTextBrowser, QWidget

from ittdesk.placements.check import check_enrolment
from ittdesk.queries.summaries import enrolment_summary
from ittdesk.services.people import designations, mentor_training, roles
from ittdesk.services.placement_rules import placement_rules, term_dates
from ittdesk.services.programmes import enrolments, programmes

from ..operations import read
from ..views.detail import generic_html
from ..views.placement_check import check_html
from .base import EntityEditor, open_editor


class ProgrammeEditor(EntityEditor):
    service = programmes
    title_new = "New programme"

    def default_size(self) -> QSize:
        return QSize(520, 320)


class EnrolmentEditor(EntityEditor):
    service = enrolments
    title_new = "New enrolment"

    def add_related_tabs(self) -> None:
        # The check says what is missing; the way to mend it is beside it: editors are
        # window-modal, so without this button an at-risk trainee's placement is added only
        # after closing the cohort and the enrolment and starting again from Placements.
        add = ("Add p&lacement…", self.add_placement)
        self._related = self.related_browser("&Placements and links", [add])
        self._check = self.related_browser("Placement &check", [add])
        self._fill_of = {self._related.parentWidget(): self._fill_related,
                         self._check.parentWidget(): self._fill_check}
        self._stale: set[QWidget | None] = set()
        self.tabs.currentChanged.connect(self._tab_shown)

    # The two related tabs are filled when first shown (or asked for), not on open: the
    # summary's queries and the placement check (a worker competing with the first paint)
    # were a tenth of the open, and most opens are for the enrolment's details (issue 22).
    @property
    def related(self) -> QTextBrowser:
        self._fill(self._related.parentWidget())
        return self._related

    @property
    def check(self) -> QTextBrowser:
        self._fill(self._check.parentWidget())
        return self._check

    def add_placement(self) -> None:
        """A new placement for this trainee; the check reads again once it is saved."""
        self.main_window.open_record("placement", None, parent=self,
                                     enrolment=self.saved_record().id)

    def refresh_related(self) -> None:
        """Mark the related tabs out of date; the one showing (if any) is filled again now."""
        if self.instance is None:
            return
        self._stale = set(self._fill_of)
        self._tab_shown(self.tabs.currentIndex())

    def _tab_shown(self, index: int) -> None:
        self._fill(self.tabs.widget(index))

    def _fill(self, page: QWidget | None) -> None:
        if page not in self._stale or self.instance is None:
            return
        self._stale.discard(page)
        self._fill_of[page]()

    def _fill_related(self) -> None:
        self._related.setHtml(generic_html(enrolment_summary(self.saved_record().id)))

    def _fill_check(self) -> None:
        """Read on a worker; the tab shows it when it comes."""
        read(self, check_enrolment, self.saved_record().id,
             on_done=lambda found: self._check.setHtml(check_html(found)))

    def update_title(self) -> None:
        if self.instance is None:
            self.setWindowTitle(self.title_new)
        else:
            self.setWindowTitle(f"Enrolment: {self.instance.person.full_name}")


class RoleEditor(EntityEditor):
    service = roles
    title_new = "New role"

    def on_change(self) -> None:
        """The headteacher warning (a school has one current head) shows before saving."""
        data = self.collect()
        try:
            values, errors = roles.clean({k: v for k, v in data.items() if v not in ("", None)},
                                         partial=True)
            warnings = {} if errors else roles.warnings(roles.merged(self.instance, values),
                                                        self.instance)
        except Exception:
            warnings = {}
        label = self.errors["kind"]
        label.setProperty("role", "fieldWarning" if warnings else "fieldError")
        label.style().unpolish(label)
        label.style().polish(label)
        label.setText(warnings.get("kind", ""))
        label.setVisible(bool(warnings.get("kind")))


class DesignationEditor(EntityEditor):
    service = designations
    title_new = "New designation"

    def default_size(self) -> QSize:
        return QSize(560, 360)


class MentorTrainingEditor(EntityEditor):
    service = mentor_training
    title_new = "New mentor training"

    def default_size(self) -> QSize:
        return QSize(560, 380)


def open_programme(parent, record_id: int | None, **defaults: Any):
    return open_editor(ProgrammeEditor, parent, record_id, **defaults)


def open_enrolment(parent, record_id: int | None, **defaults: Any):
    return open_editor(EnrolmentEditor, parent, record_id, **defaults)


def open_role(parent, record_id: int | None, **defaults: Any):
    return open_editor(RoleEditor, parent, record_id, **defaults)


def open_designation(parent, record_id: int | None, **defaults: Any):
    return open_editor(DesignationEditor, parent, record_id, **defaults)


def open_mentor_training(parent, record_id: int | None, **defaults: Any):
    return open_editor(MentorTrainingEditor, parent, record_id, **defaults)


class PlacementRuleEditor(EntityEditor):
    """One route's placement rules for a year (issue 17), its form from the declared fields."""

    service = placement_rules
    title_new = "New placement rule"

    def default_size(self) -> QSize:
        return QSize(620, 480)


class TermDatesEditor(EntityEditor):
    """One term of a year's school calendar (every LA, or one LA's own)."""

    service = term_dates
    title_new = "New term"

    def default_size(self) -> QSize:
        return QSize(520, 300)


def open_placement_rule(parent, record_id: int | None, **defaults: Any):
    return open_editor(PlacementRuleEditor, parent, record_id, **defaults)


def open_term_dates(parent, record_id: int | None, **defaults: Any):
    return open_editor(TermDatesEditor, parent, record_id, **defaults)
