"""The error types services raise; the GUI and CLI turn them into messages, never tracebacks."""

from __future__ import annotations

import errno
import re
import sqlite3
import zipfile
import zlib
from datetime import UTC, datetime
from typing import Any

from . import clock


class IttDeskError(Exception):
    """Base for every error a user should see as one clear message."""


class ValidationError(IttDeskError):
    """Input refused: carries one message per field so editors can show each beside its field."""

    def __init__(self, errors: dict[str, str], warnings: dict[str, str] | None = None):
        self.errors = dict(errors)
        self.warnings = dict(warnings or {})
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))


class RefusedError(IttDeskError):
    """An action refused as a whole (e.g. deleting a school that has placements)."""


class ConflictError(RefusedError):
    """Another user saved the record while this one was editing it, and changed a field this
    edit changes too (or the record is to be deleted): refused, nothing written, so neither
    change is lost silently. Says who, when and which fields; ``fields`` holds each field as
    (value the user saw, theirs now, yours) for a dialog that shows them side by side.
    Changes to *different* fields never get here: the service merges them. ``deleting`` or
    ``step`` (a status step, "agreed"): the whole record was acted on, so any change since it
    was seen refuses it: "X was not agreed: it was changed by Y at 10:02 since you opened it"."""

    def __init__(self, *, entity: str, record_id: int, label: str,
                 fields: dict[str, tuple[Any, Any, Any]], labels: dict[str, str],
                 who: str | None, when: datetime | None, current_version: int,
                 deleting: bool = False, step: str | None = None) -> None:
        self.entity = entity
        self.record_id = record_id
        self.label = label
        self.fields = fields
        self.labels = labels
        self.who = who
        self.when = when
        self.current_version = current_version
        names = ", ".join(labels.get(name, name) for name in fields)
        by = f"by {who}" if who else "by another user"
        at = f" at {_local_time(when)}" if when is not None else ""
        #: "by amira@OFFICE-PC at 10:02": for a refusal worded by its caller
        self.changed_by = f"{by}{at}"
        if deleting or step:
            text = (f"{label} was not {step or 'deleted'}: it was changed {by}{at} since you "
                     "opened it" + (f" ({names})" if names else "") + ".")
        else:
            text = f"Saved {by}{at} while you were editing: {names}."
        super().__init__(text)


class MaintenanceError(RefusedError):
    """A write refused because someone holds the database for maintenance (``ittdesk.
    maintenance``): says who, and that it is read-only until they finish; nothing written."""


def _local_time(when: datetime) -> str:
    """An audit time (UTC, stored without tzinfo) as the user's clock shows it: the time alone
    today, with the day otherwise."""
    local = when.replace(tzinfo=UTC).astimezone() if when.tzinfo is None else when.astimezone()
    if local.date() == clock.today():
        return f"{local:%H:%M}"
    return f"{local:%d/%m/%Y %H:%M}"


class DatabaseOpenError(IttDeskError):
    """The database cannot be opened safely: damaged, not ours, newer schema, unreachable."""


class NotFoundError(IttDeskError):
    """A record named by id, URN, email or reference does not exist."""


class IttDeskWarning(UserWarning):
    """Something the user should know that does not stop the work (a failed automatic backup).

    The core only issues it (``warnings.warn``); each front end decides how to show it: the CLI
    prints one ``ittdesk: warning:`` line."""


# -- any exception as one plain line --------------------------------------------------------
#
# Services raise IttDeskError with words already chosen. Everything else (the operating
# system, SQLite, the PostgreSQL driver, zip and text decoding) arrives as a library exception
# whose class name means nothing to a user; ``plain_message`` is the one place that turns them
# into a sentence, for the CLI's top level and for any GUI error path.

NOTHING_CHANGED = "nothing was changed"

#: Words in a message that name a class (``BadZipFile: ...``, ``OperationalError('...')``).
_CLASS_NAME = re.compile(r"\b(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Warning|Exit|"
                         r"Interrupt|BadZipFile|BadZipfile|LargeZipFile)\b\s*[:(]?\s*")

_CONNECTION_LOST = (
    "connection already closed", "server closed the connection", "terminating connection",
    "connection not open", "connection is closed", "no connection to the server",
    "ssl connection has been closed", "could not receive data from server",
    "could not send data to server", "connection has been closed",
    "database connection not open",
)
# An error raised while undoing a failed transaction hides the failure that caused it (SQLite
# already rolled back after a full disk; the server connection is gone).
_ROLLBACK_FAILURES = (
    "cannot rollback - no transaction is active", "no such savepoint",
    "cannot rollback, database connection not open", "connection already closed",
)


def is_connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database server out of reach: the connection
    dropped, or a new one refused (server restarting, network down). Worth trying again once it
    is back; nothing was written (the transaction went with the connection)."""
    for candidate in _chain(exc):
        if not (_is_driver_error(candidate, "psycopg2") or _is_driver_error(candidate, "peewee")):
            continue
        low = _text(candidate).lower()
        if any(words in low for words in _CONNECTION_LOST) or "could not connect" in low \
                or "connection refused" in low or "connection timed out" in low:
            return True
    return False


def plain_message(exc: BaseException) -> str:
    """One line in plain words for any exception: what happened, and that nothing changed.

    Never a class name or a traceback: an unexpected exception still becomes a sentence."""
    chain = _chain(exc)
    while len(chain) > 1 and _is_rollback_failure(chain[0]):
        chain = chain[1:]  # report why the transaction failed, not the failed undo
    for candidate in chain:
        message = _describe(candidate)
        if message:
            return _one_line(message)
    first = chain[0]
    detail = _text(first)
    return _one_line(f"ITT Desk stopped on a problem it did not expect"
                     f"{f' ({detail})' if detail else ''}; {NOTHING_CHANGED}. "
                     "Set ITTDESK_DEBUG=1 to see the details.")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _text(exc: BaseException) -> str:
    """The words of an exception without its class name (peewee wraps the driver's error and
    passes it as its first argument, so ``str()`` would show ``OperationalError('...')``)."""
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    elif exc.args and isinstance(exc.args[0], BaseException):
        return _text(exc.args[0])
    else:
        strings = [arg for arg in exc.args if isinstance(arg, str)]
        text = "; ".join(strings) if strings else (str(exc) if exc.args else "")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    text = lines[0] if lines else ""
    text = _CLASS_NAME.sub("", text).strip(" :")
    return text[:300]


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _is_rollback_failure(exc: BaseException) -> bool:
    text = _text(exc).lower()
    return any(words in text for words in _ROLLBACK_FAILURES) and (
        exc.__context__ is not None or exc.__cause__ is not None)


def _is_driver_error(exc: BaseException, module: str) -> bool:
    return any(cls.__module__.split(".")[0] == module for cls in type(exc).__mro__)


def _describe(exc: BaseException) -> str | None:
    """A sentence for the exceptions we know, or None to look further down the chain."""
    if isinstance(exc, IttDeskError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return f"Interrupted; {NOTHING_CHANGED}."
    if isinstance(exc, MemoryError):
        return (f"There was not enough memory to finish; {NOTHING_CHANGED}. Close other "
                "programs and try again.")
    if isinstance(exc, RecursionError):
        return f"The data was nested too deeply to read; {NOTHING_CHANGED}."
    text = _text(exc)
    low = text.lower()
    if _is_driver_error(exc, "psycopg2") or (
            _is_driver_error(exc, "peewee") and any(w in low for w in _CONNECTION_LOST)):
        return _database_message(low, text, server=True)
    if isinstance(exc, sqlite3.Error) or _is_driver_error(exc, "peewee"):
        return _database_message(low, text, server=False)
    if isinstance(exc, zipfile.BadZipFile) or isinstance(exc, zlib.error) or "crc-32" in low:
        return (f"The file is damaged: its compressed contents do not check out"
                f"{f' ({text})' if text else ''}. It was not read and {NOTHING_CHANGED}.")
    if isinstance(exc, UnicodeDecodeError):
        return (f"The file is not text in an encoding ITT Desk can read (byte "
                f"{exc.object[exc.start:exc.start + 1].hex() or '?'} at position {exc.start} "
                f"is not {exc.encoding}). Save it as CSV UTF-8 and try again; {NOTHING_CHANGED}.")
    if isinstance(exc, UnicodeEncodeError):
        return (f"Some text could not be written in the {exc.encoding} character set; "
                f"{NOTHING_CHANGED}. Use a UTF-8 terminal or file.")
    if isinstance(exc, OSError):
        return _os_message(exc)
    if isinstance(exc, ValueError) and "port" in low and ("out of range" in low
                                                          or "cast to integer" in low):
        return (f"The database address has a port that is not a number from 1 to 65535; "
                f"{NOTHING_CHANGED}.")
    return None


def _database_message(low: str, text: str, *, server: bool) -> str:
    if any(w in low for w in _CONNECTION_LOST) or "could not connect" in low:
        return (f"The connection to the PostgreSQL server was lost; {NOTHING_CHANGED}. "
                "Check that the server is running and reachable, then try again.")
    if "database or disk is full" in low or "no space left" in low or "disk full" in low:
        return (f"The disk holding the database is full, so the change could not be saved; "
                f"{NOTHING_CHANGED}. Free some space and try again.")
    if "database is locked" in low or "database table is locked" in low or "busy" in low:
        return (f"The database is busy: another program (the app, or another command) is "
                f"writing to it. {NOTHING_CHANGED.capitalize()}; try again in a moment.")
    if "readonly database" in low or "read-only" in low:
        return f"The database can only be read, not written, here; {NOTHING_CHANGED}."
    if "disk i/o error" in low:
        return (f"The database file could not be read or written (a disk or network error); "
                f"{NOTHING_CHANGED}.")
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return (f"The database file is damaged ({text}); {NOTHING_CHANGED}. Check it with "
                "'ittdesk check' and restore a backup if needed.")
    if "unable to open database" in low:
        return f"The database file could not be opened ({text}); {NOTHING_CHANGED}."
    where = "The PostgreSQL server" if server else "The database"
    return f"{where} refused the operation ({text or 'no reason given'}); {NOTHING_CHANGED}."


def _os_message(exc: OSError) -> str:
    name = exc.filename if exc.filename not in (None, "") else None
    if exc.errno in (errno.EISDIR, errno.EEXIST, errno.ENOTEMPTY) and exc.filename2:
        name = exc.filename2  # os.replace(temporary, target): the target is the problem
    where = f" {name}" if name is not None else ""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        place = f" where{where} was to be written" if name is not None else ""
        return (f"The disk is full{place}: the file was not written and {NOTHING_CHANGED}. "
                "Free some space and try again.")
    if code == errno.EISDIR:
        return f"{name or 'That'} is a folder, not a file; {NOTHING_CHANGED}."
    if code == errno.ENOTDIR:
        return f"{name or 'A part of that path'} is not a folder; {NOTHING_CHANGED}."
    if code in (errno.EACCES, errno.EPERM):
        return (f"Permission denied:{where or ' ITT Desk'} may not be read or written by you; "
                f"{NOTHING_CHANGED}.")
    if code == errno.ENOENT:
        return f"{name or 'The file'} does not exist; {NOTHING_CHANGED}."
    if code == errno.EROFS:
        return f"{name or 'The file'} is on a read-only disk; {NOTHING_CHANGED}."
    if code == errno.EEXIST:
        return f"{name or 'The file'} already exists; {NOTHING_CHANGED}."
    if code == errno.EPIPE:
        return f"The output was closed before everything was written; {NOTHING_CHANGED}."
    reason = exc.strerror or _text(exc) or "the system refused"
    return f"{name + ': ' if name is not None else ''}{reason}; {NOTHING_CHANGED}."
