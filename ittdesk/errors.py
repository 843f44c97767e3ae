"""The error types services raise; the GUI and CLI turn them into messages, never tracebacks."""

from __future__ import annotations


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


class DatabaseOpenError(IttDeskError):
    """The database cannot be opened safely: damaged, not ours, newer schema, unreachable."""


class NotFoundError(IttDeskError):
    """A record named by id, URN, email or reference does not exist."""
