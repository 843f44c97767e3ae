"""Change who holds a post at a school (headteacher, ITT champion, ...) from a date.

The old holder's role ends the day before; the new one starts on the date; history is never
overwritten. The work is ``ittdesk.leadership.history.appoint`` (through
``roles.change_holder``); this dialog only gathers the answers and shows the messages next to
the fields they are about.

    open_change_holder(main_window, school_id, kind="headteacher")
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk import clock, fields, holders
from ittdesk.choices import LEADERSHIP_KINDS, ROLE_KINDS
from ittdesk.errors import IttDeskError, ValidationError, plain_message
from ittdesk.leadership.history import appoint
from ittdesk.models import Person, Role, School
from ittdesk.queries.lists import PEOPLE
from ittdesk.services.people import current_roles

from .. import sizing
from ..editors.refs import describe_person
from ..operations import write_and_wait
from ..widgets.date_edit import DateEdit
from ..widgets.leadership_timeline import LeadershipTimeline
from ..widgets.record_picker import RecordPicker

POSTS = (*LEADERSHIP_KINDS, "admin_contact")


def _error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


class ChangeHolderDialog(QDialog):
    def __init__(self, school_id: int, kind: str = "headteacher", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ChangeHolderDialog")
        self.school = School.get_by_id(school_id)
        self.role = None
        self._saving = False  # the change is being written (save)
        self.setWindowTitle(f"Change a post holder: {self.school.name}")

        self.post = QComboBox()
        self.post.setObjectName("post")
        for key in POSTS:
            self.post.addItem(ROLE_KINDS.label(key), key)
        self.post.setCurrentIndex(max(0, self.post.findData(kind)))
        self.current = QLabel()
        self.current.setObjectName("current")
        self.current.setWordWrap(True)
        self.current.setProperty("role", "muted")

        self.existing = QRadioButton("Someone already on record")
        self.existing.setObjectName("existing")
        self.new = QRadioButton("Someone new")
        self.new.setObjectName("new")
        group = QButtonGroup(self)
        group.addButton(self.existing)
        group.addButton(self.new)
        self.new.setChecked(True)
        self.picker = RecordPicker(PEOPLE, describe_person, "person")
        self.picker.setObjectName("person")
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("title")
        self.title_edit.setMaximumWidth(90)
        self.first_name = QLineEdit()
        self.first_name.setObjectName("first_name")
        self.last_name = QLineEdit()
        self.last_name.setObjectName("last_name")
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.on = DateEdit()
        self.on.setObjectName("on")
        self.on.set_date(clock.today())
        self.job_title = QLineEdit()
        self.job_title.setObjectName("job_title")
        self.job_title.setPlaceholderText("optional, e.g. Acting Headteacher")
        self.errors = {key: _error_label() for key in
                       ("kind", "person", "first_name", "last_name", "email", "on", "")}

        who = QGroupBox("New holder")
        who_layout = QFormLayout(who)
        who_layout.addRow(self.existing)
        who_layout.addRow("Person", self.picker)
        who_layout.addRow("", self.errors["person"])
        who_layout.addRow(self.new)
        who_layout.addRow("Title", self.title_edit)
        who_layout.addRow("First name", self.first_name)
        who_layout.addRow("", self.errors["first_name"])
        who_layout.addRow("Last name", self.last_name)
        who_layout.addRow("", self.errors["last_name"])
        who_layout.addRow("Email", self.email)
        who_layout.addRow("", self.errors["email"])
        self.new_fields = (self.title_edit, self.first_name, self.last_name, self.email)

        form = QFormLayout()
        form.addRow("Post", self.post)
        form.addRow("", self.errors["kind"])
        form.addRow("Now", self.current)
        form.addRow("First day in post", self.on)
        form.addRow("", self.errors["on"])
        form.addRow("Job title", self.job_title)

        self.timeline = LeadershipTimeline()
        self.timeline.set_school(self.school.id)
        note = QLabel("The current holder's role ends the day before; their history is kept.")
        note.setProperty("role", "muted")
        note.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change holder")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(who)
        layout.addWidget(note)
        layout.addWidget(self.timeline)
        layout.addWidget(self.errors[""])
        layout.addWidget(buttons)

        self.post.currentIndexChanged.connect(lambda _i: self._show_current())
        self.existing.toggled.connect(lambda _c: self._mode())
        self.picker.changed.connect(lambda: self.existing.setChecked(True))
        self._show_current()
        self._mode()
        self.resize(620, self.sizeHint().height())
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale

    def _show_current(self) -> None:
        """Who holds the post today, and anyone already appointed for later ("from 01/03/2027")."""
        kind = self.post.currentData()
        now = [f"{r.person.full_name}, since {fields.format_date(r.start_date) or 'a date not known'}"
               + (f", {holders.when(r.start_date, r.end_date)}" if r.end_date else "")
               for r in current_roles(self.school.id, (kind,))]
        later = [f"{r.person.full_name}, {holders.when(r.start_date, r.end_date)}"
                 for r in (Role.select(Role, Person).join(Person)
                           .where((Role.school == self.school.id) & (Role.kind == kind)
                                  & holders.not_ended() & ~holders.held())
                           .order_by(Role.start_date))]
        self.current.setText("; ".join(now or ["no one holds this post now"])
                             + ("; appointed: " + "; ".join(later) if later else ""))

    def _mode(self) -> None:
        existing = self.existing.isChecked()
        self.picker.setEnabled(True)
        for widget in self.new_fields:
            widget.setEnabled(not existing)

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            label = self.errors.get(key, self.errors[""])
            label.setText(message)
            label.show()

    def save(self) -> None:
        """On a worker, waiting as an editor's save does (``write_and_wait``); the dialog closes
        once the holder is changed, and stays with the reason beside the field if refused."""
        if self._saving:
            return
        self._clear_errors()
        kwargs: dict = {"job_title": self.job_title.text().strip() or None}
        if self.existing.isChecked():
            kwargs["person_id"] = self.picker.value()
        else:
            kwargs["new_person"] = {"title": self.title_edit.text(),
                                    "first_name": self.first_name.text(),
                                    "last_name": self.last_name.text(),
                                    "email": self.email.text()}
        school_id, post, on = self.school.id, self.post.currentData(), self.on.text()
        self._saving = True
        try:
            role, error = write_and_wait(self, lambda: appoint(school_id, post, on, **kwargs),
                                         changes={"role", "person"})
        finally:
            self._saving = False
        if isinstance(error, ValidationError):
            self._show_errors(error.errors)
            return
        if error is not None:
            self._show_errors({"": str(error) if isinstance(error, IttDeskError)
                               else f"Not changed: {plain_message(error)}"})
            return
        self.role = role
        self.accept()

    def reject(self) -> None:
        """Not while the change is being written (it is announced to the window when done)."""
        if not self._saving:
            super().reject()


def open_change_holder(main_window, school_id: int, kind: str = "headteacher") -> bool:
    """Show the dialog; True when the holder was changed (the change announced by its write)."""
    dialog = ChangeHolderDialog(school_id, kind, main_window)
    return dialog.exec() == QDialog.DialogCode.Accepted


def change_holder_action(main_window) -> bool:
    """Tools > Change a post holder…: the school chosen on the page shown, else pick one."""
    from ..widgets.record_picker import PickerDialog

    page = main_window.current_page() if hasattr(main_window, "current_page") else None
    school_id = None
    key = main_window.current_key() if hasattr(main_window, "current_key") else None
    panel = getattr(page, "panel", None)  # the schools page's list
    if page is not None and hasattr(page, "selected_school"):
        school_id = page.selected_school()
    elif key == "schools" and panel is not None and hasattr(panel, "current_id"):
        school_id = panel.current_id()
    if school_id is None:
        from ittdesk.queries.lists import SCHOOLS

        picker = PickerDialog(SCHOOLS, "Choose the school", parent=main_window)
        if picker.exec() != QDialog.DialogCode.Accepted or picker.chosen is None:
            return False
        school_id = picker.chosen
    return open_change_holder(main_window, school_id)
