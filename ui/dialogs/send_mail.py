"""Send by e-mail…: the yearly form (or a reminder) to each school through the provider's server.

The work is ``ittdesk.outreach.sending`` on a worker (``run_task``): a progress bar, a Cancel
that stops before the next message (what went is kept and shown), and a log of what was sent
and what failed. Sending again is the retry: every message is recorded the moment the server
accepts it, so nothing goes twice. The password is asked for here and kept in the system's
keyring when "Remember" is ticked; it is never stored in the database.
"""

from __future__ import annotations

import threading

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk.errors import IttDeskError, plain_message
from ittdesk.models import ConfirmationRound
from ittdesk.outreach import drafts, sending

from .. import sizing
from ..operations import write
from ..tasks import show_error


def send_round(round_id: int, kind: str, password: str | None, stop: threading.Event,
               progress=None) -> sending.SendResult:
    """Worker: plan the messages (each school's form is built) and send them."""
    round_ = ConfirmationRound.get_by_id(round_id)
    return sending.send(sending.plan(round_, kind), password=password, progress=progress,
                        cancelled=stop.is_set)


class SendMailDialog(QDialog):
    def __init__(self, round_id: int, parent: QWidget | None = None, *, kind: str = drafts.FORM):
        super().__init__(parent)
        self.setObjectName("SendMailDialog")
        self.setWindowTitle("Send by e-mail")
        self.round_id = round_id
        self.task = None
        self.stop = threading.Event()
        self.last_result: sending.SendResult | None = None
        round_ = ConfirmationRound.get_by_id(round_id)
        try:
            self.config: sending.SmtpSettings | None = sending.smtp_settings()
        except IttDeskError as exc:
            self.config = None
            server_text = str(exc)
        else:
            server_text = (f"From {self.config.sender} through {self.config.host}:"
                           f"{self.config.port} ({self.config.security})")
        self.server = QLabel(server_text)
        self.server.setObjectName("server")
        self.server.setWordWrap(True)
        waiting = len(drafts.unsent_entries(round_))
        chasing = len(drafts.outstanding_entries(round_))
        self.form_choice = QRadioButton(f"The {round_.academic_year} form to the {waiting} "
                                        "school(s) whose form has not gone out")
        self.form_choice.setObjectName("forms")
        self.chase_choice = QRadioButton(f"A reminder to the {chasing} school(s) whose form is "
                                         "out and not back")
        self.chase_choice.setObjectName("reminders")
        self.form_choice.setEnabled(waiting > 0)
        self.chase_choice.setEnabled(chasing > 0)
        if kind == drafts.REMINDER or not waiting:
            kind = drafts.REMINDER if chasing else drafts.FORM
        (self.chase_choice if kind == drafts.REMINDER else self.form_choice).setChecked(True)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember it in this computer's keyring")
        self.remember.setObjectName("remember")
        self.remember.setChecked(True)
        stored = None
        if self.config is not None and self.config.user:
            try:
                stored = sending.get_password(self.config)
            except IttDeskError:
                stored = None
            self.password.setPlaceholderText("stored in the keyring" if stored else
                                             f"password of {self.config.user}")
        form = QFormLayout()
        form.addRow(self.server)
        form.addRow(self.form_choice)
        form.addRow(self.chase_choice)
        if self.config is not None and self.config.user:
            form.addRow("Password", self.password)
            form.addRow("", self.remember)
        self.bar = QProgressBar()
        self.bar.setObjectName("progress")
        self.bar.setValue(0)
        self.now = QLabel("")
        self.now.setObjectName("now")
        self.log = QPlainTextEdit()
        self.log.setObjectName("log")
        self.log.setReadOnly(True)
        self.log.setPlaceholderText("What was sent and what failed is listed here (and kept "
                                    "with each school's record).")
        self.send_button = QPushButton("&Send")
        self.send_button.setObjectName("send")
        self.send_button.setEnabled(self.config is not None)
        self.cancel_button = QPushButton("&Cancel sending")
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.send_button.clicked.connect(self.send)
        self.cancel_button.clicked.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.now)
        layout.addWidget(self.log, 1)
        layout.addWidget(buttons)
        self.resize(620, 460)
        sizing.fit_on_show(self)

    def kind(self) -> str:
        return drafts.REMINDER if self.chase_choice.isChecked() else drafts.FORM

    def send(self):
        """Send (or send again: only what has not gone)."""
        if self.config is None or self.task is not None:
            return None
        password = self.password.text() or None
        if password and self.remember.isChecked():
            try:
                sending.set_password(self.config, password)
            except IttDeskError as exc:
                show_error(self, exc)
                return None
        self.stop = threading.Event()
        self.send_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.bar.setValue(0)
        self.now.setText("Preparing each school's message and form…")
        self.task = write(self, send_round, self.round_id, self.kind(), password, self.stop,
                          changes={"round_school"}, on_done=self._done, on_error=self._failed,
                          on_progress=self._progress)
        return self.task

    def cancel(self) -> None:
        """Stop before the next message; what went is kept (a retry sends the rest)."""
        self.stop.set()
        self.now.setText("Stopping after the message being sent…")

    def _progress(self, done: int, total: int | None, name: str) -> None:
        self.bar.setMaximum(total or 0)
        self.bar.setValue(done)
        self.now.setText(f"Sending to {name}…" if name else "")

    def _finish(self) -> None:
        self.task = None
        self.send_button.setText("Send &again (only what did not go)")
        self.send_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _done(self, result: sending.SendResult) -> None:
        self.last_result = result
        self._finish()
        for line in result.log:
            self.log.appendPlainText(line)
        summary = (f"{len(result.sent)} sent, {len(result.failed)} failed, "
                   f"{len(result.skipped)} already sent before.")
        if result.cancelled:
            summary = "Cancelled. " + summary
        if result.stopped:
            summary += " " + result.stopped
        elif result.failed:
            summary += " Send again to retry the failed ones."
        self.now.setText(summary)
        self.log.appendPlainText(summary)

    def _failed(self, exc: BaseException) -> None:
        """Refused before anything went (no server, wrong password): said in the dialog."""
        self._finish()
        self.now.setText("Nothing was sent.")
        self.log.appendPlainText(str(exc) if isinstance(exc, IttDeskError)
                                 else plain_message(exc))


def open_send_mail(parent: QWidget, round_id: int, kind: str = drafts.FORM) -> SendMailDialog:
    dialog = SendMailDialog(round_id, parent, kind=kind)
    dialog.open()
    return dialog
