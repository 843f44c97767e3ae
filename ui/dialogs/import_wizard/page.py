"""What every page of the import wizard shares: its title and a line for messages under it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWizardPage

if TYPE_CHECKING:
    from .wizard import ImportWizard


class ImportPage(QWizardPage):
    """A page that knows its wizard (for the shared state: source, plan, result, running task)
    and shows the wizard's messages for as long as it is the current page."""

    def __init__(self, wizard: ImportWizard, title: str):
        super().__init__()
        self.import_wizard = wizard
        self.setTitle(title)
        self.message = QLabel()
        self.message.setObjectName("wizardMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def say(self, text: str, *, error: bool = False) -> None:
        """The line under the page: errors stand out, progress and notes do not."""
        self.message.setStyleSheet("color: #a4000f; font-weight: bold;" if error else "")
        self.message.setText(text)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        """No step goes on while the page's background work is running."""
        return super().isComplete() and not self.import_wizard.busy()
