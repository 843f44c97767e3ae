"""Tools > Provider settings…: who the agreements, forms and returns are from.

The provider's name, address, UKPRN, signatory and logo, kept in the database
(``ittdesk.settings``) so everyone using a shared database prints the same letterhead. The same
checks as ``ittdesk settings set``; each problem is shown beside its field and nothing is saved
until every field is right. Closing with unsaved changes asks first.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
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
    QVBoxLayout,
    QWidget,
)

from ittdesk import settings
from ittdesk.errors import ValidationError

from .. import settings as ui_settings
from .. import sizing

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg)"


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

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._show_logo()
        self._snapshot = self.values()
        geometry = ui_settings.get(f"dialog_geometry/{type(self).__name__}")
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(560, 440)
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale

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
                "provider_logo": self.logo}

    def is_dirty(self) -> bool:
        return self.values() != self._snapshot

    def choose_logo(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose the provider's logo",
                                                    str(Path.home()), IMAGE_FILTER)
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
            from ittdesk.models import Setting

            with Setting._meta.database.atomic():  # all or nothing
                for key, value in changed.items():
                    settings.set(key, value)
        self.saved = bool(changed)
        self._snapshot = self.values()
        self.accept()
        return True

    def reject(self) -> None:
        """Esc, Cancel and the window's close button: asks only when there are unsaved changes."""
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
        ui_settings.set(f"dialog_geometry/{type(self).__name__}", self.saveGeometry())
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
