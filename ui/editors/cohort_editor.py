"""The cohort editor: its dates and places, and its enrolments with places taken and left;
select enrolments to change their status together."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock, fields
from ittdesk.choices import ENROLMENT_STATUSES
from ittdesk.errors import IttDeskError, ValidationError, plain_message
from ittdesk.queries.lists import ENROLMENTS
from ittdesk.queries.summaries import cohort_summary, enrolment_summary
from ittdesk.services.programmes import cohorts, enrolments

from ..operations import affects, read, write_and_wait
from ..views.detail import generic_html
from ..views.list_page import ListPanel
from ..views.placement_check import PlacementCheckPanel
from ..widgets.record_picker import RecordCombo
from .base import EntityEditor, open_editor


class CohortEditor(EntityEditor):
    service = cohorts
    title_new = "New cohort"

    def default_size(self) -> QSize:
        return QSize(860, 620)

    def build_form(self) -> None:
        super().build_form()
        new_programme = QPushButton("New &programme…")
        new_programme.setObjectName("new_programme")
        new_programme.clicked.connect(self.new_programme)
        self.form.insertRow(1, "", new_programme)

    def new_programme(self) -> None:
        """A programme made from here is the one this cohort is for: chosen once it is saved."""
        editor = self.main_window.open_record("programme", None, parent=self)
        if editor is not None:
            editor.finished.connect(lambda _result: self._programme_made(editor))

    def _programme_made(self, editor: EntityEditor) -> None:
        if editor.saved and editor.instance is not None:
            programme = self.widget_as("programme", RecordCombo)
            programme.reload()
            programme.set_value(editor.instance.id)
            programme.setFocus()

    def _changes_announced(self, kinds: frozenset[str]) -> None:
        if affects({"programme"}, kinds):
            self.widget_as("programme", RecordCombo).reload()
        if self._check is not None and affects({"enrolment", "placement", "school"}, kinds):
            self._check.load()
        super()._changes_announced(kinds)

    def add_related_tabs(self) -> None:
        page = QWidget()
        page.setObjectName("tab_enrolments")
        box = QVBoxLayout(page)
        top = QHBoxLayout()
        self.places = QLabel()
        self.places.setObjectName("places")
        top.addWidget(self.places, 1)
        add = QPushButton("Add &enrolment…")
        add.clicked.connect(self.add_enrolment)
        self.bulk = QPushButton("Change &status of selected…")
        self.bulk.setObjectName("bulk_status")
        self.bulk.clicked.connect(self.change_status)
        top.addWidget(add)
        top.addWidget(self.bulk)
        box.addLayout(top)
        self._enrolments: ListPanel | None = None
        self._enrolments_page = page
        self._enrolments_box = box
        self.tabs.currentChanged.connect(self._maybe_show_enrolments)
        index = self.tabs.addTab(page, "&Enrolments")
        self.tabs.setTabEnabled(index, self.instance is not None)
        self._check: PlacementCheckPanel | None = None
        self._check_page = QWidget()
        self._check_page.setObjectName("tab_placement_check")
        self._check_box = QVBoxLayout(self._check_page)
        index = self.tabs.addTab(self._check_page, "Placement &check")
        self.tabs.setTabEnabled(index, self.instance is not None)

    def _maybe_show_enrolments(self, index: int) -> None:
        if self.tabs.widget(index) is self._enrolments_page:
            _ = self.enrolments
        if self.tabs.widget(index) is self._check_page:
            _ = self.placement_check

    @property
    def placement_check(self) -> PlacementCheckPanel | None:
        """Each trainee's placement check, read (on a worker) when the tab is first shown."""
        if self._check is None and self.instance is not None:
            self._check = PlacementCheckPanel(self.main_window, cohort_id=self.instance.id)
            self._check.setObjectName("cohort_placement_check")
            self._check_box.addWidget(self._check, 1)
            self._check.load()
        return self._check

    @property
    def enrolments(self) -> ListPanel | None:
        """The cohort's enrolments list, built when its tab is first shown (or it is first
        asked for): a list panel is a quarter of the editor's open, and most opens are for the
        cohort's dates and places."""
        if self._enrolments is None and self.instance is not None:
            panel = ListPanel(self.main_window, ENROLMENTS, enrolments,
                              lambda i: generic_html(enrolment_summary(i)),
                              search_hint="Search name, email, trainee ID or subject",
                              noun=("enrolment", "enrolments"), state_key="cohort_enrolments")
            panel.setObjectName("cohort_enrolments")
            panel.model.filters["cohort"] = str(self.instance.id)
            for key in ("programme", "cohort", "year"):
                panel.filter_boxes[key].hide()
            panel.splitter.setSizes([560, 240])
            self._enrolments_box.addWidget(panel, 1)
            self._enrolments = panel
            panel.model.reload()
        return self._enrolments

    def refresh_related(self) -> None:
        if self.instance is None:
            return
        s = cohort_summary(self.instance.id)
        places = "no limit" if s["cohort"].places is None else f"{s['cohort'].places} places"
        left = "" if s["left"] is None else f" · {s['left']} left"
        by_status = ", ".join(f"{label.lower()} {n}" for label, n in s["by_status"])
        self.places.setText(f"<b>{places} · {s['taken']} taken{left}</b>"
                            + (f"  <span style='color:gray'>({by_status})</span>" if by_status else ""))
        if self._enrolments is not None and self._enrolments.model.has_loaded:
            self._enrolments.refresh()

    def add_enrolment(self) -> None:
        self.main_window.open_record("enrolment", None, parent=self,
                                     cohort=self.saved_record().id,
                                     status="applied")

    def change_status(self) -> None:
        """The versions of the chosen enrolments are read (on a worker) as they are chosen;
        the change checks them, so none another user changed meanwhile is overwritten."""
        ids = self.enrolments.selected_ids() if self.enrolments else []
        if not ids:
            QMessageBox.information(self, "Change status", "Select the enrolments first "
                                    "(Ctrl+click or Shift+click for several).")
            return
        read(self, enrolments.versions, ids,
             on_done=lambda versions: self._ask_status(ids, versions))

    def _ask_status(self, ids: list[int], versions: dict[int, int]) -> None:
        labels = [label for _key, label in ENROLMENT_STATUSES]
        label, ok = QInputDialog.getItem(self, "Change status",
                                         f"New status for {len(ids)} enrolments:", labels, 0, False)
        if not ok:
            return
        status = ENROLMENT_STATUSES.parse(label)
        if status is None:  # every label offered is one of the vocabulary's
            return
        on = None
        if status == "withdrawn":
            text, ok = QInputDialog.getText(self, "Withdrawal date", "Withdrawn on (dd/mm/yyyy):",
                                            text=fields.format_date(clock.today()))
            if not ok:
                return
            try:
                on = fields.day(text)
            except ValueError as exc:
                QMessageBox.warning(self, "Change status", f"Withdrawal date: {exc}")
                return
        self.apply_status(ids, status, on, versions)

    def apply_status(self, ids: list[int], status: str, on: date | None = None,
                     versions: dict[int, int] | None = None) -> bool:
        """On a worker as a save is (``write_and_wait``), all or none; True when changed."""
        n, error = write_and_wait(self, enrolments.set_statuses, ids, status, on, versions,
                                  changes={"enrolment"})
        if error is not None:
            text = ("; ".join(error.errors.values()) if isinstance(error, ValidationError)
                    else str(error) if isinstance(error, IttDeskError) else plain_message(error))
            QMessageBox.warning(self, "Status not changed", f"Nothing was changed. {text}")
            return False
        self.main_window.statusBar().showMessage(
            f"{n} enrolments now {ENROLMENT_STATUSES.label(status).lower()}", 5000)
        return True


def open_cohort(parent, record_id: int | None, **defaults: Any):
    return open_editor(CohortEditor, parent, record_id, **defaults)
