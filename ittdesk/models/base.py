"""One DatabaseProxy and one BaseModel: every model binds to whichever database is open."""

from __future__ import annotations

from peewee import CharField, Check, DatabaseProxy, Model

from ..academic_year import AcademicYear
from ..choices import Choices

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


def choice_field(choices: Choices, column: str, *, null: bool = False, **kwargs) -> CharField:
    """A short text column whose values the database itself restricts to ``choices``."""
    allowed = ", ".join("'" + key.replace("'", "''") + "'" for key in choices.keys)
    check = f"{column} IN ({allowed})"
    if null:
        check = f"{column} IS NULL OR {check}"
    return CharField(max_length=32, null=null, constraints=[Check(check)], **kwargs)


class AcademicYearField(CharField):
    """Stores ``2025/26`` as text (readable in exports, sorts correctly); gives AcademicYear."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(*args, **kwargs)

    def db_value(self, value):
        if value is None:
            return None
        return str(AcademicYear.parse(value))

    def python_value(self, value):
        if value is None:
            return None
        return AcademicYear.parse(value)
