"""The school editor: its record, and its leadership over time, mentors, placements, agreements."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock
from ittdesk.choices import LEADERSHIP_KINDS, ROLE_KINDS, Choices
from ittdesk.errors import IttDeskError, ValidationError
from ittdesk.queries.lists import PEOPLE
from ittdesk.queries.summaries import school_summary
from ittdesk.services.people import roles
from ittdesk.services.schools import schools

from ..views.detail import link_html, section
from ..widgets.date_edit import DateEdit
from ..widgets.record_picker import RecordPicker
from . import refs
from .base import ChoiceCombo, EntityEditor, open_editor

LEADERSHIP = Choices("role", {k: ROLE_KINDS.label(k) for k in LEADERSHIP_KINDS})


class ChangeHolderDialog(QDialog):
    """A new headteacher (or champion...): ends the current holder's role the day before."""

    def __init__(self, school_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.school_id = school_id
        self.setWindowTitle("Change who holds a role")
        self.kind = ChoiceCombo(LEADERSHIP)
        self.kind.setObjectName("kind")
        self.kind.set_value("headteacher")
        self.person = RecordPicker(PEOPLE, refs.describe_person, "person")
        self.person.setObjectName("person")
        self.start = DateEdit()
        self.start.setObjectName("start")
        self.start.set_date(clock.today())
        self.job_title = QLineEdit()
        self.message = QLabel()
        self.message.setProperty("role", "fieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        form = QFormLayout()
        form.addRow("&Role", self.kind)
        form.addRow("New &holder", self.person)
        form.addRow("&From", self.start)
        form.addRow("&Job title", self.job_title)
        note = QLabel("The current holder's role ends the day before; their history is kept.")
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def apply(self) -> None:
        from ittdesk import fields

        try:
            on = fields.day(self.start.text())
        except ValueError as exc:
            self._say(f"From: {exc}")
            return
        if self.person.value() is None or on is None:
            self._say("Choose the new holder and the date they start.")
            return
        try:
            roles.change_holder(self.school_id, self.kind.value(), self.person.value(), on,
                                job_title=self.job_title.text().strip() or None)
        except ValidationError as exc:
            self._say("; ".join(exc.errors.values()))
            return
        except IttDeskError as exc:
            self._say(str(exc))
            return
        self.accept()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


class SchoolEditor(EntityEditor):
    service = schools
    title_new = "New school"

    def default_size(self) -> QSize:
        return QSize(720, 700)

    def add_related_tabs(self) -> None:
        self.leadership = self.related_browser("&Leadership", [
            ("Change &holder…", self.change_holder), ("Add &role…", self.add_role)])
        self.mentors = self.related_browser("&Mentors", [("Add &mentor…", self.add_mentor)])
        self.placements = self.related_browser("&Placements")
        self.agreements = self.related_browser("A&greements")

    def refresh_related(self) -> None:
        if self.instance is None:
            return
        summary = school_summary(self.instance.id)
        history = []
        for link in summary["history"]:
            period = link.extra["period"] or "dates not recorded"
            now = " <b>(now)</b>" if link.extra["current"] else ""
            person = f"<a href='record:person/{link.id}'>{escape(link.text)}</a>"
            history.append(f"{escape(link.detail)}: {person}"
                           f" — {escape(period)}{now} <a href='record:role/{link.extra['role_id']}'>edit</a>")
        self.leadership.setHtml(
            section("Leadership now", [link_html(x) for x in summary["leadership"]],
                    "no current leadership recorded")
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
        self.mentors.setHtml(section("Current mentors", mentors, "no current mentors"))
        years = [section(year, [link_html(x) for x in items])
                 for year, items in summary["placements_by_year"].items()]
        self.placements.setHtml("".join(years) or "<p style='color:gray'>No placements yet.</p>")
        self.agreements.setHtml(section("Support agreements", [link_html(a) for a in summary["agreements"]],
                                        "not a party to any agreement"))

    def change_holder(self) -> None:
        dialog = ChangeHolderDialog(self.instance.id, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.main_window.records_changed.emit("role")

    def add_role(self) -> None:
        self.main_window.open_record("role", None, parent=self, school=self.instance.id)

    def add_mentor(self) -> None:
        self.main_window.open_record("role", None, parent=self, school=self.instance.id,
                                     kind="mentor")


def open_school(parent, record_id: int | None, **defaults: Any):
    return open_editor(SchoolEditor, parent, record_id, **defaults)
