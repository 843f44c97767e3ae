"""One field of a service, declared once: label, kind, vocabulary or referenced record, default
and maximum length; the parser is built from that. Editors, imports, exports and the audit views
read what a field is from here instead of working it out from its parser."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from .. import fields
from ..choices import Choices
from ..models.base import BaseModel
from . import parsers


class Kind(enum.Enum):
    """What a field holds: editors pick a widget, exports a cell type, audits a wording by it."""

    TEXT = "text"
    LONG_TEXT = "long text"
    CHOICE = "choice"
    REFERENCE = "reference"
    DATE = "date"
    YEAR = "academic year"
    MONEY = "money"  # whole pence
    BOOL = "yes/no"
    INTEGER = "whole number"
    NUMBER = "number"


@dataclass(frozen=True)
class Reference:
    """The record a reference field points at, and what a message calls one ("school")."""

    model: type[BaseModel]
    word: str


@dataclass(frozen=True)
class Field:
    """One editable field, declared once: what users call it, what it holds (``kind`` with its
    ``choices`` or ``reference``), how typed text becomes a value (``parse``, built from the
    rest by the constructors below), whether required, and the ``default`` a new record takes
    when none is given (applied by the service's create, so importers and editors need no copy).

    Declare with the constructors: ``Field.choice("status", "Status", SCHOOL_STATUSES,
    default="open")``, ``Field.ref("school", "School", School, "school")``."""

    name: str
    label: str
    kind: Kind
    parse: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    choices: Choices | None = None
    reference: Reference | None = None
    max_length: int | None = None

    @property
    def reads_database(self) -> bool:
        """Whether parsing asks the database (a reference must exist): never remembered."""
        return self.kind is Kind.REFERENCE

    # -- constructors: one per kind -----------------------------------------------------------
    @classmethod
    def text(cls, name: str, label: str, max_length: int | None = None, *,
             parse: Callable[[Any], Any] | None = None, required: bool = False,
             default: Any = None) -> Field:
        """A line of text; ``parse`` for text with its own form (email, postcode, TRN...)."""
        return cls(name, label, Kind.TEXT,
                   parse if parse is not None else partial(fields.text, max_length=max_length),
                   required, default, max_length=max_length)

    @classmethod
    def long_text(cls, name: str, label: str, *, required: bool = False) -> Field:
        return cls(name, label, Kind.LONG_TEXT, parsers.long_text, required)

    @classmethod
    def choice(cls, name: str, label: str, vocabulary: Choices, *, required: bool = False,
               default: str | None = None) -> Field:
        return cls(name, label, Kind.CHOICE, parsers.choice(vocabulary), required, default,
                   choices=vocabulary)

    @classmethod
    def ref(cls, name: str, label: str, model: type[BaseModel], word: str, *,
            required: bool = False) -> Field:
        """A reference to another record by id; ``word`` names one in messages."""
        return cls(name, label, Kind.REFERENCE, parsers.ref(model, word), required,
                   reference=Reference(model, word))

    @classmethod
    def date(cls, name: str, label: str, *, parse: Callable[[Any], Any] = fields.day,
             required: bool = False) -> Field:
        return cls(name, label, Kind.DATE, parse, required)

    @classmethod
    def year(cls, name: str, label: str, *, required: bool = False) -> Field:
        """An academic year ("2025/26")."""
        return cls(name, label, Kind.YEAR, parsers.academic_year, required)

    @classmethod
    def money(cls, name: str, label: str, *, required: bool = False,
              default: int | None = None) -> Field:
        """Pounds as typed, pence as stored."""
        return cls(name, label, Kind.MONEY, fields.money, required, default)

    @classmethod
    def yes_no(cls, name: str, label: str, *, default: bool | None = None) -> Field:
        return cls(name, label, Kind.BOOL, fields.yes_no, default=default)

    @classmethod
    def integer(cls, name: str, label: str, *, parse: Callable[[Any], Any] = fields.integer,
                required: bool = False) -> Field:
        """A whole number; ``parse`` for one with its own form (a URN)."""
        return cls(name, label, Kind.INTEGER, parse, required)

    @classmethod
    def number(cls, name: str, label: str, *, required: bool = False) -> Field:
        return cls(name, label, Kind.NUMBER, fields.number, required)
