"""The confirmation page's e-mail: reminder drafts and the Send dialog (issue 20).

A mixin of ``ConfirmationPage`` (it uses the page's ``round_id``, ``load_status``,
``status_message``, ``last_written``, ``task``); the work is in ``ittdesk.outreach``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from ittdesk.models import ConfirmationRound

from ..files import export_folder
from ..operations import write
from ..tasks import TaskHandle, show_error

if TYPE_CHECKING:
    from .base import Page

    _PageBase = Page  # the type checker sees the page ConfirmationPage mixes this into
else:
    _PageBase = object


def write_reminders(round_id: int, folder: Path, progress=None, cancel=None):
    """A reminder draft per outstanding school, all or none (``outreach.drafts``)."""
    from ittdesk.outreach import drafts

    stop = cancel.is_set if cancel else None
    return drafts.write_chasers(ConfirmationRound.get_by_id(round_id), folder,
                                progress=progress, cancelled=stop)


class RoundMailActions(_PageBase):
    """Reminder drafts… and Send by e-mail… on the confirmation page."""

    # What it uses of the page (set by ``ConfirmationPage``), declared for the type checker.
    task: TaskHandle | None
    last_written: Any  # the last drafts' or forms' outcome

    if TYPE_CHECKING:
        def round_id(self) -> int | None: ...
        def load_status(self) -> None: ...

    def choose_folder_and_chase(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the reminder drafts",
                                                  str(export_folder()))
        if folder:
            self.write_reminders(Path(folder))

    def write_reminders(self, folder: Path):
        """Reminder drafts for the outstanding schools (their log notes each one)."""
        round_id = self.round_id()
        if round_id is None:
            return None

        def done(result):
            self.load_status()
            self.last_written = result
            self.status_message.emit(
                f"Wrote {len(result.written)} reminder draft(s) to {folder}: open each and "
                "send it." + (f" {len(result.no_address)} have no address: add one."
                              if result.no_address else ""))

        def failed(exc):
            show_error(self, exc)

        self.task = write(self, write_reminders, round_id, folder, changes={"round_school"},
                          on_done=done, on_error=failed, progress_title="Writing reminder drafts…")
        return self.task

    def send_email(self):
        """The Send dialog (``ui.dialogs.send_mail``): progress, Cancel, log, safe retry."""
        from ..dialogs.send_mail import open_send_mail

        round_id = self.round_id()
        if round_id is None:
            return None
        dialog = open_send_mail(self, round_id)
        dialog.finished.connect(lambda _r: self.load_status())
        self.send_dialog = dialog
        return dialog
