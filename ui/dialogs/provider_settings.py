"""Tools > Provider settings…: who the agreements, forms and returns are from.

The provider's name, address, UKPRN, signatory and logo, kept in the database
(``ittdesk.settings``) so everyone using a shared database prints the same letterhead. The same
checks as ``ittdesk settings set``; each problem is shown beside its field and nothing is saved
until every field is right. Closing with unsaved changes asks first.

The E-mail tab holds the provider's address, the yearly form's and the reminder's messages
(``ittdesk.outreach.drafts`` fills their {fields}) and the mail server (its password is asked
for when sending and kept in the system's keyring, never here); the Letters tab points at the
provider's own Word templates (``ittdesk.outreach.letters``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from ittdesk import settings
from ittdesk.errors import ValidationError, plain_message

from .. import settings as ui_settings
from .. import sizing
from ..files import export_folder
from ..operations import write_and_wait


def _store(changed: dict[str, str]) -> None:
    """On a worker: the changed settings, all or nothing."""
    from ittdesk.models.base import writing

    with writing():
        for key, value in changed.items():
            settings.set(key, value)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg)"
WORD_FILTER = "Word documents (*.docx)"
#: the E-mail tab's texts: key, label
MESSAGE_KEYS = (("email_form_subject", "Form e-mail: &subject"),
                ("email_form_body", "Form e-mail: &message"),
                ("email_chase_subject", "Reminder: s&ubject"),
                ("email_chase_body", "Reminder: messa&ge"))


class ProviderSettingsDialog(QDialog):
    """Edit the provider's settings; ``saved`` tells the caller whether anything was stored."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ProviderSettingsDialog")
        self.setWindowTitle("Provider settings")
        self.saved = False
        provider = settings.provider()
        self.logo = provider.logo_uri  # a data: URI, "" for none
        intro = QLabel("Printed on every agreement, confirmation form and subject access export, "
                       "and at the top of every return. Kept in the database, so everyone who "
                       "uses it prints the same.")
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")

        self.name = QLineEdit(provider.name)
        self.name.setObjectName("provider_name")
        self.name.setPlaceholderText("e.g. Moorside Teaching School Hub SCITT")
        self.address = QPlainTextEdit(provider.address)
        self.address.setObjectName("provider_address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.ukprn = QLineEdit(provider.ukprn)
        self.ukprn.setObjectName("provider_ukprn")
        self.ukprn.setPlaceholderText("8 digits, e.g. 10012345")
        self.signatory = QLineEdit(provider.signatory)
        self.signatory.setObjectName("provider_signatory")
        self.signatory.setPlaceholderText("Name, post — e.g. Dr A Example, Director")
        self.logo_preview = QLabel()
        self.logo_preview.setObjectName("logo_preview")
        self.logo_preview.setMinimumHeight(60)
        choose = QPushButton("&Choose…")
        choose.clicked.connect(self.choose_logo)
        self.remove_logo = QPushButton("&Remove")
        self.remove_logo.clicked.connect(lambda: self.set_logo(""))
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_preview, 1)
        logo_row.addWidget(choose)
        logo_row.addWidget(self.remove_logo)

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label, widget in (("provider_name", "&Name", self.name),
                                   ("provider_address", "&Address", self.address),
                                   ("provider_ukprn", "&UKPRN", self.ukprn),
                                   ("provider_signatory", "&Signs for the provider",
                                    self.signatory)):
            form.addRow(label, widget)
            self._error_row(form, key)
        form.addRow("Logo", logo_row)
        self._error_row(form, "provider_logo")
        tabs = QTabWidget()
        tabs.setObjectName("tabs")
        provider_tab = QWidget()
        provider_layout = QVBoxLayout(provider_tab)
        provider_layout.addWidget(intro)
        provider_layout.addLayout(form)
        provider_layout.addStretch(1)
        tabs.addTab(provider_tab, "&Provider")
        tabs.addTab(self._email_tab(), "&E-mail")
        tabs.addTab(self._letters_tab(), "&Letters")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        self._saving = False  # a save is being written (on a worker): Save and Esc wait
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(buttons)
        self._show_logo()
        self._snapshot = self.values()
        geometry = ui_settings.DIALOG_GEOMETRY.get(type(self).__name__)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(600, 600)  # the E-mail tab holds two messages
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale

    def _email_tab(self) -> QWidget:
        values = settings.all_settings()
        page = QWidget()
        form = QFormLayout(page)
        note = QLabel("Fields the messages can use: " + ", ".join(
            f"{{{f}}}" for f in settings.MESSAGE_FIELDS) + ". The password of the mail server "
            "is asked for when you send, and kept in this computer's keyring.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        form.addRow(note)
        self.email = QLineEdit(values["provider_email"])
        self.email.setObjectName("provider_email")
        self.email.setPlaceholderText("e.g. itt@your-scitt.org.uk")
        form.addRow("From &address", self.email)
        self._error_row(form, "provider_email")
        self.messages: dict[str, QLineEdit | QPlainTextEdit] = {}
        widget: QWidget
        for key, label in MESSAGE_KEYS:
            if key.endswith("_body"):
                widget = QPlainTextEdit(values[key])
                widget.setTabChangesFocus(True)
                widget.setFixedHeight(self.fontMetrics().lineSpacing() * 6 + 12)
            else:
                widget = QLineEdit(values[key])
            widget.setObjectName(key)
            self.messages[key] = widget
            form.addRow(label, widget)
            self._error_row(form, key)
        self.smtp_host = QLineEdit(values["smtp_host"])
        self.smtp_host.setObjectName("smtp_host")
        self.smtp_host.setPlaceholderText("empty: write drafts only; e.g. smtp.office365.com")
        self.smtp_port = QSpinBox()
        self.smtp_port.setObjectName("smtp_port")
        self.smtp_port.setRange(1, 65535)
        self.smtp_port.setValue(values["smtp_port"])  # an int: settings are typed
        self.smtp_user = QLineEdit(values["smtp_user"])
        self.smtp_user.setObjectName("smtp_user")
        self.smtp_security = QComboBox()
        self.smtp_security.setObjectName("smtp_security")
        self.smtp_security.addItems(settings.SMTP_SECURITY)
        self.smtp_security.setCurrentText(values["smtp_security"])
        for key, label, widget in (("smtp_host", "Mail server (SM&TP)", self.smtp_host),
                                   ("smtp_port", "P&ort", self.smtp_port),
                                   ("smtp_user", "User &name", self.smtp_user),
                                   ("smtp_security", "Se&curity", self.smtp_security)):
            form.addRow(label, widget)
            self._error_row(form, key)
        return page

    def _letters_tab(self) -> QWidget:
        from ittdesk.outreach.letter_kinds import KINDS

        values = settings.all_settings()
        page = QWidget()
        form = QFormLayout(page)
        note = QLabel("Your own Word templates (empty: the built-in letter). Export a built-in "
                      "one to start from with: ittdesk letters template KIND FILE.docx")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        form.addRow(note)
        self.letters: dict[str, QLineEdit] = {}
        for key, kind in KINDS.items():
            edit = QLineEdit(values[f"letter_{key}"])
            edit.setObjectName(f"letter_{key}")
            edit.setPlaceholderText("built-in")
            choose = QPushButton("Choose…")
            choose.clicked.connect(lambda _=False, e=edit: self._choose_word(e))
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(choose)
            form.addRow(kind.label, row)
            self._error_row(form, f"letter_{key}")
            self.letters[key] = edit
        return page

    def _choose_word(self, edit: QLineEdit) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a Word template",
                                                    str(export_folder()), WORD_FILTER)
        if path:
            edit.setText(path)

    def _error_row(self, form: QFormLayout, key: str) -> None:
        label = QLabel()
        label.setObjectName(f"{key}_error")
        label.setStyleSheet("color: #a4000f;")
        label.setWordWrap(True)
        label.hide()
        form.addRow("", label)
        self.errors[key] = label

    # -- values ----------------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {"provider_name": self.name.text(),
                "provider_address": self.address.toPlainText(),
                "provider_ukprn": self.ukprn.text(),
                "provider_signatory": self.signatory.text(),
                "provider_logo": self.logo,
                "provider_email": self.email.text(),
                **{key: (w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text())
                   for key, w in self.messages.items()},
                "smtp_host": self.smtp_host.text(),
                "smtp_port": str(self.smtp_port.value()),
                "smtp_user": self.smtp_user.text(),
                "smtp_security": self.smtp_security.currentText(),
                **{f"letter_{key}": edit.text() for key, edit in self.letters.items()}}

    def is_dirty(self) -> bool:
        return self.values() != self._snapshot

    def choose_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose the provider's logo",
                                                    str(export_folder()), IMAGE_FILTER)
        if path:
            self.load_logo(path)

    def load_logo(self, path: str | Path) -> bool:
        """Check the file now (PNG or JPEG, sane size) so a bad one is refused beside the logo."""
        try:
            self.set_logo(settings.clean("provider_logo", str(path)))
        except ValidationError as exc:
            self._say_errors(exc.errors)
            return False
        return True

    def set_logo(self, uri: str) -> None:
        self.logo = uri
        self.errors["provider_logo"].hide()
        self._show_logo()

    def _show_logo(self) -> None:
        self.remove_logo.setEnabled(bool(self.logo))
        if not self.logo:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("No logo")
            return
        pixmap = QPixmap()
        pixmap.loadFromData(settings.logo_bytes(self.logo))
        self.logo_preview.setPixmap(pixmap.scaledToHeight(56, Qt.TransformationMode.SmoothTransformation))

    def _say_errors(self, errors: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)

    # -- saving and closing ----------------------------------------------------------------------
    def save(self) -> bool:
        if self._saving:  # pressed again while the first save is written: that one counts
            return False
        values = self.values()
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for key, value in values.items():
            try:
                cleaned[key] = settings.clean(key, value)
            except ValidationError as exc:
                errors.update(exc.errors)
        if not cleaned.get("provider_name"):
            errors.setdefault("provider_name", "Type the provider's name: it heads every "
                                               "agreement, form and return")
        self._say_errors(errors)
        if errors:
            return False
        stored = settings.all_settings()
        changed = {key: value for key, value in cleaned.items() if value != stored[key]}
        if changed:
            self._saving = True
            self.buttons.setEnabled(False)
            try:
                _done, error = write_and_wait(self, _store, changed, changes={"provider"})
            finally:
                self._saving = False
                if Shiboken.isValid(self.buttons):
                    self.buttons.setEnabled(True)
            if error is not None:
                self._say_errors(error.errors if isinstance(error, ValidationError)
                                 else {"provider_name": f"Not saved: {plain_message(error)}"})
                return False
        self.saved = bool(changed)
        self._snapshot = self.values()
        self.accept()
        return True

    def reject(self) -> None:
        """Esc, Cancel and the window's close button: asks only when there are unsaved changes.
        Ignored while a save is written (it closes the dialog once it has saved)."""
        if self._saving:
            return
        if self.is_dirty():
            answer = QMessageBox.question(
                self, "Unsaved changes", "Save the provider settings you changed?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def done(self, result: int) -> None:  # noqa: N802 - Qt override: every way of closing
        ui_settings.DIALOG_GEOMETRY.set(self.saveGeometry(), type(self).__name__)
        super().done(result)


def open_provider_settings(main_window) -> bool:
    """Tools > Provider settings…: True when something was saved (documents change)."""
    dialog = ProviderSettingsDialog(main_window)
    dialog.exec()
    if dialog.saved and hasattr(main_window, "statusBar"):
        main_window.statusBar().showMessage(
            f"Provider settings saved: documents now come from {settings.provider().display_name}",
            5000)
    return dialog.saved
