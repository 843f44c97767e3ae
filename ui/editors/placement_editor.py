"""The placement editor: choose the trainee, school and mentor from searchable lists; see at once
when the mentor is over capacity or their training has lapsed (a warning, not a refusal)."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QWidget,
)

from ittdesk import holders
from ittdesk.choices import MENTOR_KINDS, ROLE_KINDS
from ittdesk.models import Person, Role
from ittdesk.queries.lists import PEOPLE
from ittdesk.queries.summaries import mentor_status, placement_summary
from ittdesk.services.programmes import check_placement_warnings, placements

from ..operations import write
from ..views.detail import generic_html
from ..widgets.record_picker import PickerDialog, RecordCombo, RecordPicker
from .base import EntityEditor, open_editor


class MentorChooser(QWidget):
    """Mentors at the chosen school (with training and capacity), or any mentor via Other…."""

    def __init__(self, school_id, parent: QWidget | None = None):
        super().__init__(parent)
        self.school_id = school_id  # callable -> id or None
        self.extra: list[int] = []
        self.combo = RecordCombo(self.options, empty="(no mentor yet)")
        self.changed = self.combo.changed
        self.other = QPushButton("Other…")
        self.other.setToolTip("Choose any mentor")
        self.other.clicked.connect(self.choose_other)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.other)
        self.setFocusProxy(self.combo)
        self.picker_factory = PickerDialog

    def options(self) -> list[tuple[int, str]]:
        result: list[tuple[int, str]] = []
        school = self.school_id()
        if school is not None:
            query = (Role.select(Role, Person).join(Person)
                     .where((Role.school == school) & Role.kind.in_(MENTOR_KINDS)
                            & holders.not_ended()).order_by(Person.last_name_key))
            for r in query:
                status, _ok = mentor_status(r.person_id)
                capacity = f", capacity {r.capacity}" if r.capacity is not None else ""
                result.append((r.person_id, f"{r.person.full_name} — {ROLE_KINDS.label(r.kind)}"
                                            f"{capacity}, {status}"))
        known = {i for i, _ in result}
        for person_id in self.extra:
            if person_id not in known:
                person = Person.get_or_none(Person.id == person_id)
                if person is not None:
                    result.append((person_id, f"{person.full_name} (not a mentor at this school)"))
        return result

    def value(self) -> int | None:
        return self.combo.value()

    def set_value(self, person_id: int | None) -> None:
        if person_id is not None and self.combo.findData(person_id) < 0:
            self.extra.append(person_id)
            self.combo.reload()
        self.combo.set_value(person_id)

    def reload(self) -> None:
        self.combo.reload()

    def choose_other(self) -> None:
        dialog = self.picker_factory(PEOPLE, "Choose a mentor", {"role": "mentor"}, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None:
            self.set_value(dialog.chosen)


class PlacementEditor(EntityEditor):
    service = placements
    title_new = "New placement"

    def default_size(self) -> QSize:
        return QSize(720, 600)

    def make_widget(self, name: str) -> QWidget:
        if name == "mentor":
            return MentorChooser(lambda: self.widget_as("school", RecordPicker).value()
                                 if "school" in self.widgets else None)
        return super().make_widget(name)

    def build_form(self) -> None:
        super().build_form()
        self.widget_as("school", RecordPicker).changed.connect(
            self.widget_as("mentor", MentorChooser).reload)
        # The mentor's warning comes and goes while choosing: its two lines are kept free all the
        # time, so the fields below never move under the pointer.
        label = self.errors["mentor"]
        label.setMinimumHeight(label.fontMetrics().lineSpacing() * 2)
        label.show()

    def get_widget_value(self, name: str) -> Any:
        if name == "mentor":
            return self.widget_as("mentor", MentorChooser).value()
        return super().get_widget_value(name)

    def set_widget_value(self, name: str, value: Any) -> None:
        if name == "mentor":
            self.widget_as("mentor", MentorChooser).set_value(value)
        else:
            super().set_widget_value(name, value)

    def on_change(self) -> None:
        """Warn as soon as the choice is made, before Save (not per field while ``load`` fills
        the form: the mentor checks are several queries, run once when it is full)."""
        if "mentor" not in self.errors or getattr(self, "_filling", False):
            return
        data = {k: v for k, v in self.collect().items() if v not in ("", None)}
        try:
            warnings = check_placement_warnings(data, self.instance)
        except Exception:
            warnings = {}
        label = self.errors["mentor"]
        text = warnings.get("mentor", "")
        label.setProperty("role", "fieldWarning")
        label.style().unpolish(label)
        label.style().polish(label)
        label.setText(f"⚠ {text}" if text else "")
        label.setVisible(True)  # empty, it still holds its place (see build_form)

    def show_errors(self, errors: dict[str, str]) -> None:
        super().show_errors(errors)
        if "mentor" not in errors:
            self.on_change()
        self.errors["mentor"].setVisible(True)

    def field_edited(self, name: str) -> None:
        super().field_edited(name)
        self.errors["mentor"].setVisible(True)

    def add_related_tabs(self) -> None:
        self.mentor_ids: list[int] = []  # every mentor, the lead first (refresh_related)
        self.related = self.related_browser("&Trainee, school and mentor", buttons=(
            ("Add a &mentor…", self.add_mentor), ("&Remove a mentor…", self.remove_mentor)))

    def refresh_related(self) -> None:
        if self.instance is not None:
            self.mentor_ids = placements.mentors(self.instance.id)
            names = {p.id: p.full_name for p in Person.select().where(Person.id.in_(self.mentor_ids))}
            lead = self.instance.mentor_id
            listed = ", ".join(escape(names.get(pid, f"#{pid}")) + (" (lead)" if pid == lead else "")
                               for pid in self.mentor_ids) or "none yet"
            self.related.setHtml(f"<p><b>Mentors:</b> {listed}</p>"
                                 + generic_html(placement_summary(self.instance.id)))

    def add_mentor(self) -> None:
        """Another mentor beside the lead (the lead is the Mentor field on Details)."""
        if self.instance is None:
            return
        dialog = PickerDialog(PEOPLE, "Choose a mentor", {"role": "mentor"}, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
            return
        self._set_mentors([*self.mentor_ids, int(dialog.chosen)])

    def remove_mentor(self) -> None:
        if self.instance is None:
            return
        others = [pid for pid in self.mentor_ids if pid != self.instance.mentor_id]
        if not others:
            QMessageBox.information(self, "Remove a mentor", "This placement has no mentor besides "
                                    "its lead; change the lead on Details.")
            return
        names = {p.id: p.full_name for p in Person.select().where(Person.id.in_(others))}
        labels = [names.get(pid, f"#{pid}") for pid in others]
        label, ok = QInputDialog.getItem(self, "Remove a mentor", "Mentor to remove:", labels, 0, False)
        if ok:
            gone = others[labels.index(label)]
            self._set_mentors([pid for pid in self.mentor_ids if pid != gone])

    def _set_mentors(self, person_ids: list[int]) -> None:
        assert self.instance is not None
        write(self, placements.set_mentors, self.instance.id, person_ids, changes={"placement"},
              on_done=lambda _ids: self.refresh_related())

    def load(self, defaults: dict[str, Any]) -> None:
        self._filling = True
        try:
            super().load(defaults)
        finally:
            self._filling = False
        self.on_change()


def open_placement(parent, record_id: int | None, **defaults: Any):
    return open_editor(PlacementEditor, parent, record_id, **defaults)
