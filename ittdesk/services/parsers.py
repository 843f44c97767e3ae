"""Field parsers that need the database (references to other records) or a vocabulary.

``services.base.Field``'s constructors build a field's parser from these; what a field is
(kind, vocabulary, referenced model) is read from the Field, never from its parser."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from .. import fields
from ..academic_year import AcademicYear
from ..choices import Choices
from ..models.base import BaseModel


def ref(model: type[BaseModel], what: str) -> Callable[[Any], int | None]:
    """Parse a reference given as an id (or a record) and check that it exists."""

    def parse(value: Any) -> int | None:
        if fields.is_empty(value):
            return None
        if isinstance(value, BaseModel):
            value = value.id
        try:
            record_id = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"'{value}' is not a {what}") from None
        if not model.select().where(model.id == record_id).exists():
            raise ValueError(f"there is no {what} #{record_id}")
        return record_id

    return parse


def choice(vocabulary: Choices) -> Callable[[Any], str | None]:
    return partial(fields.choice, vocabulary)


def long_text(value: Any) -> str | None:
    return fields.text(value)


def academic_year(value: Any) -> AcademicYear | None:
    if fields.is_empty(value):
        return None
    return AcademicYear.parse(str(value) if not isinstance(value, AcademicYear) else value)
