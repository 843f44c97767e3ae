"""Sending the yearly form and its reminders through the provider's own SMTP server.

The server is the provider's (settings ``smtp_host``, ``smtp_port``, ``smtp_user``,
``smtp_security`` = starttls / ssl / none); its password is kept in the operating system's
keyring (``keyring``: Windows Credential Manager, macOS Keychain, the Secret Service on Linux),
never in the database, which is shared and backed up.

Never twice: each message is recorded as sent (``drafts.log``: the school's log, and its form's
``sent_on``) in its own transaction the moment the server accepts it, and before sending, each
message's key is looked up in that log. So a run that stopped part way (Cancel, a lost
connection, a refused address, the program closed) is retried by running it again: what went
is skipped, the rest is sent. A message the server refused is logged as failed (with the
server's words) and is tried again by a retry. The one gap no client can close: the server
accepted a message and the computer died before the next line recorded it.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import settings
from ..errors import RefusedError
from ..models import ConfirmationRound
from ..models.base import writing
from . import drafts

#: the keyring's service name; the user name is ``smtp_user@smtp_host``
KEYRING_SERVICE = "ITT Desk SMTP"
TIMEOUT = 30  # seconds a silent server is waited for

Progress = Callable[[int, int, str], None]
Connect = Callable[["SmtpSettings", str | None], smtplib.SMTP]


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    security: str
    sender: str

    @property
    def account(self) -> str:
        return f"{self.user}@{self.host}"


def smtp_settings() -> SmtpSettings:
    """The provider's server, refused in plain words when it is not set up yet."""
    values = settings.all_settings()  # one query; each value of its declared type
    found = SmtpSettings(values["smtp_host"], values["smtp_port"], values["smtp_user"],
                         values["smtp_security"], values["provider_email"])
    missing = [what for what, value in (("the mail server (smtp_host)", found.host),
                                        ("the provider's e-mail address (provider_email)",
                                         found.sender)) if not value]
    if missing:
        raise RefusedError("Cannot send e-mail: set " + " and ".join(missing)
                           + " in Provider settings first; nothing was sent")
    return found


# -- the password, in the system's keyring ----------------------------------------------------


# keyring is imported where it is used, as before: most runs never touch the password.


def set_password(config: SmtpSettings, password: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        if password:
            keyring.set_password(KEYRING_SERVICE, config.account, password)
        else:
            try:
                keyring.delete_password(KEYRING_SERVICE, config.account)
            except PasswordDeleteError:
                pass
    except KeyringError as exc:
        raise RefusedError(f"The system's keyring cannot keep the password ({_why(exc)}); "
                           "it was not stored") from exc


def get_password(config: SmtpSettings) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, config.account)
    except KeyringError as exc:
        raise RefusedError(f"The system's keyring cannot be read ({_why(exc)}); "
                           "nothing was sent") from exc


def _why(exc: BaseException) -> str:
    from keyring.errors import NoKeyringError

    if isinstance(exc, NoKeyringError):
        return ("this computer has no keyring service to keep passwords in: on Linux, "
                "GNOME Keyring or KDE Wallet")
    return str(exc) or "the keyring refused"


def connect(config: SmtpSettings, password: str | None) -> smtplib.SMTP:
    """An open, logged-in connection; RefusedError in plain words when it cannot be had."""
    context = ssl.create_default_context()
    server: smtplib.SMTP
    try:
        if config.security == "ssl":
            server = smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT,
                                      context=context)
        else:
            server = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
            if config.security == "starttls":
                server.starttls(context=context)
        if config.user:
            server.login(config.user, password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise RefusedError(f"The mail server {config.host} refused the user name or password "
                           f"({_said(exc)}); nothing was sent") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise RefusedError(f"The mail server {config.host} does not offer "
                           f"{config.security} or logging in ({_said(exc)}); check "
                           "smtp_security; nothing was sent") from exc
    except ssl.SSLError as exc:
        raise RefusedError(f"No secure connection to {config.host}: {exc.reason or exc}; "
                           "nothing was sent") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise RefusedError(f"Cannot reach the mail server {config.host} on port {config.port}: "
                           f"{_said(exc)}; nothing was sent") from exc
    return server


def _said(exc: BaseException) -> str:
    """What a server or socket said, as words (an SMTP error's text, not its class)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {_said(smtplib.SMTPResponseException(code, msg))}"
                         for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, socket.timeout):
        return "no answer (timed out)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or "the connection was closed"


# -- sending ----------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: list[str] = field(default_factory=list)  # describe() lines
    failed: list[str] = field(default_factory=list)  # "school: reason"
    skipped: list[str] = field(default_factory=list)  # sent before (a retry)
    cancelled: bool = False
    stopped: str = ""  # why the rest was not tried (a lost connection)

    @property
    def log(self) -> list[str]:
        return ([f"Sent: {line}" for line in self.sent]
                + [f"Failed: {line}" for line in self.failed]
                + [f"Already sent: {line}" for line in self.skipped])


def plan(round_: ConfirmationRound, kind: str) -> list[drafts.Message]:
    """The messages a sending would send: the yearly form to every school of the round whose
    form has not gone out, or a reminder to every school whose form is out and not back."""
    entries = (drafts.unsent_entries(round_) if kind == drafts.FORM
               else drafts.outstanding_entries(round_))
    if not entries:
        raise RefusedError(f"No school of the {round_.academic_year} round is waiting for "
                           + ("its form" if kind == drafts.FORM else "a reminder")
                           + ": nothing to send")
    return drafts.messages(round_, entries, kind)


def send(messages: list[drafts.Message], config: SmtpSettings | None = None, *,
         password: str | None = None, opener: Connect = connect,
         progress: Progress | None = None,
         cancelled: Callable[[], bool] | None = None) -> SendResult:
    """Send each message not sent before, recording each the moment the server accepts it."""
    config = config or smtp_settings()
    if config.user and password is None:
        password = get_password(config)
        if password is None:
            raise RefusedError(f"No password is stored for {config.account}: set it with "
                               "ittdesk mail password (or in the Send dialog); nothing was sent")
    result = SendResult()
    server: smtplib.SMTP | None = None
    total = len(messages)
    try:
        for done, message in enumerate(messages):
            if cancelled is not None and cancelled():
                result.cancelled = True
                break
            if progress is not None:
                progress(done, total, message.school.name)
            line = drafts.describe(message)
            if drafts.already_sent([message.key]):  # asked now: another copy may have sent it
                result.skipped.append(line)
                continue
            if not message.recipients:
                _failed(message, result, "no e-mail address for its head, ITT champion or "
                                         "office")
                continue
            if server is None:
                server = opener(config, password)
            email = message.email
            del email["X-Unsent"], email["From"], email["Date"], email["Message-ID"]
            email["From"] = drafts.Recipient(settings.provider().display_name,
                                             config.sender).header()
            email["Date"] = _now_header()
            email["Message-ID"] = _message_id(config.sender)
            try:
                refused = server.send_message(email, from_addr=config.sender,
                                              to_addrs=[r.address for r in message.recipients])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError) as exc:
                _failed(message, result, _said(exc))
                continue
            except (smtplib.SMTPException, OSError) as exc:  # the connection is gone
                _failed(message, result, _said(exc))
                result.stopped = (f"The connection to {config.host} was lost ({_said(exc)}); "
                                  "send again to send the rest (nothing is sent twice)")
                server = None
                break
            with writing():  # at once: a retry must not send it again
                drafts.log(message, drafts.SENT,
                           recipients=[r for r in message.recipients if r.address not in refused])
                if refused:  # some addresses refused, the others took it: it went
                    drafts.log(message, drafts.FAILED, reason="address refused", recipients=[
                        r for r in message.recipients if r.address in refused])
            result.sent.append(line + (f" (refused: {', '.join(refused)})" if refused else ""))
    finally:
        if server is not None:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    if progress is not None and not result.cancelled:
        progress(total, total, "")
    return result


def _failed(message: drafts.Message, result: SendResult, reason: str) -> None:
    with writing():
        drafts.log(message, drafts.FAILED, reason=reason)
    result.failed.append(f"{message.school.urn} {message.school.name}: {reason}")


def _now_header() -> str:
    from email.utils import format_datetime, localtime

    return format_datetime(localtime())


def _message_id(sender: str) -> str:
    from email.utils import make_msgid

    return make_msgid(domain=sender.rpartition("@")[2] or None)
