"""The person editor: their details and whole development record — roles over time across
schools, designations, mentor training, programmes and placements — exportable for them."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMenu, QPushButton

from ittdesk.fields import format_date
from ittdesk.queries.summaries import person_summary
from ittdesk.services.events import events_of, part
from ittdesk.services.people import people

from ..files import export_folder
from ..tasks import run_task
from ..views.detail import enrolment_html, link_html, section
from .base import EntityEditor, open_editor


class PersonEditor(EntityEditor):
    service = people
    title_new = "New person"

    def default_size(self) -> QSize:
        return QSize(700, 620)

    def add_related_tabs(self) -> None:
        self.roles = self.related_browser("&Roles", [("Add &role…", self.add_role)])
        self.designations = self.related_browser("Designations && &training", [
            ("Add &designation…", self.add_designation),
            ("Add mentor &training…", self.add_training)])
        self.record = self.related_browser("Development re&cord", [
            ("E&xport record…", self.export_record)])
        self._add_personal_data_button()

    def _add_personal_data_button(self) -> None:
        """Subject access and erasure beside Save, on every tab: a data protection officer
        looked for them there, not on the Development record tab."""
        menu = QMenu(self)
        menu.addAction("Export their &data (subject access)…", self.export_personal_data)
        menu.addAction("&Erase personal data…", self.erase_personal_data)
        self.personal_data_button = QPushButton("&Personal data")
        self.personal_data_button.setObjectName("personalData")
        self.personal_data_button.setMenu(menu)
        self.personal_data_button.setToolTip("Subject access export and erasure of this person")
        self.buttons.addButton(self.personal_data_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.personal_data_button.setEnabled(self.instance is not None)

    def export_personal_data(self) -> None:
        """Everything held about this person, as a workbook (and PDF) for a subject access request."""
        from ..dialogs.person_data import open_person_export

        if self.instance is not None:
            open_person_export(self, self.instance.id)

    def erase_personal_data(self) -> None:
        """Erase and anonymise this person after one confirmation naming what goes and stays."""
        from ..dialogs.person_data import open_person_erase

        if self.instance is None or not self.confirm_discard():
            return
        dialog = open_person_erase(self, self.instance.id)
        if dialog is not None and hasattr(dialog, "erased"):
            dialog.erased.connect(lambda _pid: self._after_erasure())

    def _after_erasure(self) -> None:
        self._snapshot = self.collect()
        self.reject()

    def refresh_related(self) -> None:
        self.personal_data_button.setEnabled(self.instance is not None)
        if self.instance is None:
            return
        s = person_summary(self.instance.id)
        roles = []
        for r in s["roles"]:
            period = r.extra["period"] or "dates not recorded"
            now = " <b>(now)</b>" if r.extra["current"] else ""
            title = f" ({escape(r.extra['job_title'])})" if r.extra["job_title"] else ""
            roles.append(f"{escape(r.detail)}{title} at <a href='record:school/{r.id}'>"
                         f"{escape(r.text)}</a> — {escape(period)}{now} "
                         f"<a href='record:role/{r.extra['role_id']}'>edit</a>")
        self.roles.setHtml(section("Roles over time", roles, "no roles recorded"))
        status = ""
        if s["mentor_status"]:
            text, ok = s["mentor_status"]
            status = f"<p style='color:{'inherit' if ok else '#b26a00'}'>Mentor: {escape(text)}</p>"
        self.designations.setHtml(
            section("Designations", [f"<a href='record:designation/{d.id}'>{escape(d.text)}</a>: "
                                     f"{escape(d.detail)}" for d in s["designations"]], "none")
            + status
            + section("Mentor training", [f"<a href='record:mentor_training/{t.id}'>"
                                          f"{escape(t.text)}</a>: {escape(t.detail)}"
                                          for t in s["training"]], "none recorded"))
        parts = [section("Programmes", [enrolment_html(e) for e in s["enrolments"]], "none"),
                 section("Placements as a trainee", [link_html(p) for p in s["placements"]], "none")]
        if s["mentored"]:
            parts.append(section("Trainees mentored", [link_html(p) for p in s["mentored"]]))
        if s["agreements"]:
            parts.append(section("Support agreements", [link_html(a) for a in s["agreements"]]))
        attended = [f"<a href='record:event/{a.event_id}'>{escape(a.event.title)}</a> "
                    f"({format_date(a.event.held_on)}): {part(a)}"
                    for a in events_of(self.instance.id)]
        if attended:
            parts.append(section("Events", attended))
        self.record.setHtml("".join(parts))

    def printable_html(self) -> str:
        """The development record as a document (Ctrl+P)."""
        from ittdesk.queries.person_record import development_record_sections

        parts = []
        for title, headings, rows in development_record_sections(self.saved_record().id):
            if title == "Details":
                parts.append(f"<h2>Development record: {escape(rows[0][1])}</h2><table>"
                             + "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
                                       for k, v in rows[1:] if v) + "</table>")
                continue
            head = "".join(f"<th align='left'>{escape(h)}</th>" for h in headings)
            body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
                           for row in rows) or f"<tr><td colspan='{len(headings)}'>none</td></tr>"
            parts.append(f"<h3>{escape(title)}</h3><table border='1' cellspacing='0' "
                         f"cellpadding='3' width='100%'><tr>{head}</tr>{body}</table>")
        return "".join(parts)

    def add_role(self) -> None:
        self.main_window.open_record("role", None, parent=self, person=self.saved_record().id)

    def add_designation(self) -> None:
        self.main_window.open_record("designation", None, parent=self, person=self.saved_record().id)

    def add_training(self) -> None:
        self.main_window.open_record("mentor_training", None, parent=self, person=self.saved_record().id)

    def export_record(self) -> None:
        from pathlib import Path

        from ittdesk.queries.person_record import export_development_record

        person = self.saved_record()
        name = person.full_name.replace(" ", "-").lower()
        path, _ = QFileDialog.getSaveFileName(self, "Export development record",
                                              str(export_folder() / f"development-record-{name}.xlsx"),
                                              "Excel workbook (*.xlsx)")
        if not path:
            return
        run_task(self, export_development_record, person.id, Path(path),
                 on_done=lambda out: self.main_window.statusBar().showMessage(
                     f"Development record saved to {out}", 6000),
                 progress_title="Exporting the development record…")


def open_person(parent, record_id: int | None, **defaults: Any):
    return open_editor(PersonEditor, parent, record_id, **defaults)
