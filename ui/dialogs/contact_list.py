"""Tools > Contact list…: choose who (posts held now, designations, the schools' partnership
status, LA, trust, phase, a mentor's subject), see how many at once, then save a CSV for
Outlook or a mailing service or copy the addresses for Bcc. The list itself is
``ittdesk.contacts`` (the CLI's ``ittdesk contacts`` is the same), built on a worker."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk.choices import DESIGNATIONS, PARTNERSHIP_STATUSES, PHASES, ROLE_KINDS
from ittdesk.contacts import Audience, ContactList, build, write_csv
from ittdesk.models import School
from ittdesk.queries import distinct_values

from .. import sizing
from ..files import ask_save_path, offer_to_open
from ..tasks import run_task, show_error

ANY = "(any)"


def _checklist(name: str, items: list[tuple[str, str]], ticked: tuple[str, ...] = ()) -> QListWidget:
    box = QListWidget()
    box.setObjectName(name)
    for key, label in items:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if key in ticked else Qt.CheckState.Unchecked)
        box.addItem(item)
    return box


def _ticked(box: QListWidget) -> tuple[str, ...]:
    return tuple(box.item(i).data(Qt.ItemDataRole.UserRole) for i in range(box.count())
                 if box.item(i).checkState() == Qt.CheckState.Checked)


class ContactListDialog(QDialog):
    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(parent or main_window)
        self.main_window = main_window
        self.setObjectName("ContactListDialog")
        self.setWindowTitle("Contact list")
        self.result_list: ContactList | None = None
        self._asked: Audience | None = None
        self.roles = _checklist("roles", list(ROLE_KINDS), ("headteacher",))
        self.roles.setAccessibleName("Posts held now")
        self.designations = _checklist("designations", list(DESIGNATIONS))
        self.designations.setAccessibleName("Designations")
        self.designations.setMaximumHeight(self.fontMetrics().height() * 5)
        self.partnership = _checklist("partnership", list(PARTNERSHIP_STATUSES),
                                      ("partner", "placement", "lead"))
        self.partnership.setAccessibleName("Schools' partnership status")
        self.partnership.setMaximumHeight(self.fontMetrics().height() * 7)
        self.la = self._combo("la", [v for v, _ in distinct_values(School.la_name)])
        self.trust = self._combo("trust", [v for v, _ in distinct_values(School.trust)])
        self.phase = QComboBox()
        self.phase.setObjectName("phase")
        self.phase.addItem(ANY, "")
        for key, label in PHASES:
            self.phase.addItem(label, key)
        self.subject = QLineEdit()
        self.subject.setObjectName("subject")
        self.subject.setPlaceholderText("e.g. Maths (mentors' subjects, SLEs' specialisms)")
        self.count = QLabel()
        self.count.setObjectName("count")
        self.count.setWordWrap(True)
        self.save_button = QPushButton("&Save CSV…")
        self.save_button.setObjectName("saveCsv")
        self.save_button.clicked.connect(self.save_csv)
        self.copy_button = QPushButton("&Copy addresses")
        self.copy_button.setObjectName("copyAddresses")
        self.copy_button.setToolTip("Semicolon-separated, to paste into Bcc")
        self.copy_button.clicked.connect(self.copy_addresses)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        who = QGroupBox("Who")
        who_box = QHBoxLayout(who)
        left = QVBoxLayout()
        left.addWidget(QLabel("Posts held now:"))
        left.addWidget(self.roles, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("Designations:"))
        right.addWidget(self.designations)
        right.addWidget(QLabel("Schools' partnership status:"))
        right.addWidget(self.partnership)
        right.addStretch(1)
        who_box.addLayout(left, 1)
        who_box.addLayout(right, 1)
        where = QGroupBox("Narrow down")
        form = QFormLayout(where)
        form.addRow("&Local authority:", self.la)
        form.addRow("&Trust:", self.trust)
        form.addRow("P&hase:", self.phase)
        form.addRow("S&ubject:", self.subject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.copy_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(who, 1)
        layout.addWidget(where)
        layout.addWidget(self.count)
        layout.addLayout(bottom)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.recount)
        for box in (self.roles, self.designations, self.partnership):
            box.itemChanged.connect(lambda _i: self.timer.start())
        for combo in (self.la, self.trust, self.phase):
            combo.currentIndexChanged.connect(lambda _i: self.timer.start())
        self.subject.textChanged.connect(lambda _t: self.timer.start())
        self.resize(680, 620)
        sizing.fit_on_show(self)
        self.recount()

    def _combo(self, name: str, values: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.addItem(ANY, "")
        for value in values:
            combo.addItem(value, value)
        return combo

    def audience(self) -> Audience:
        return Audience(roles=_ticked(self.roles), designations=_ticked(self.designations),
                        partnership=_ticked(self.partnership), la=self.la.currentData() or "",
                        trust=self.trust.currentData() or "", phase=self.phase.currentData() or "",
                        subject=self.subject.text().strip())

    def recount(self) -> None:
        """The count for the current choices, built on a worker; a newer choice wins."""
        audience = self.audience()
        self._asked = audience
        self.result_list = None
        self._enable(False)
        if not audience.roles and not audience.designations:
            self.count.setText("Tick at least one post or designation.")
            return
        self.count.setText("Counting…")
        run_task(self, build, audience, on_done=lambda found: self._counted(audience, found),
                 on_error=lambda exc: self._failed(audience, exc))

    def _counted(self, audience: Audience, found: ContactList) -> None:
        if audience != self._asked:
            return
        self.result_list = found
        n = len(found.contacts)
        text = f"<b>{n} {'person' if n == 1 else 'people'}</b> with an email address."
        if found.left_out():
            text += " " + found.left_out()
        self.count.setText(text)
        self._enable(n > 0)

    def _failed(self, audience: Audience, exc: BaseException) -> None:
        if audience == self._asked:
            self.count.setText("")
            show_error(self, exc, "Contact list")

    def _enable(self, on: bool) -> None:
        self.save_button.setEnabled(on)
        self.copy_button.setEnabled(on)

    def copy_addresses(self) -> None:
        if self.result_list is None:
            return
        QGuiApplication.clipboard().setText(self.result_list.bcc())
        self.count.setText(self.count.text() + " Addresses copied: paste them into Bcc.")

    def save_csv(self) -> None:
        if self.result_list is None:
            return
        path = ask_save_path(self, "Save the contact list", "contacts.csv",
                             "CSV for Outlook or a mailing service (*.csv)", (".csv",))
        if path is None:
            return
        found = self.result_list

        def saved(n: int) -> None:
            offer_to_open(self, path, f"{n} contacts saved.")

        run_task(self, write_csv, found, path, on_done=saved,
                 on_error=lambda exc: show_error(self, exc, "Contact list"))


def open_contact_list(main_window) -> ContactListDialog:
    dialog = ContactListDialog(main_window)
    dialog.open()
    return dialog
