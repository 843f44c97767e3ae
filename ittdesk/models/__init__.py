"""All ITT Desk tables. ``ALL_MODELS`` is in dependency order (creation order)."""

from .agreements import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    ImpactReport,
    Signature,
    SpendEntry,
    SupportAgreement,
)
from .base import BaseModel, database
from .leadership import ConfirmationRound, HostingAppetite, HostingOffer, RoundSchool
from .programmes import Cohort, Enrolment, Placement, Programme
from .schools import Designation, MentorTraining, Person, Role, School
from .system import AuditEntry, ImportRun, SavedMapping, SchemaVersion, Setting

ALL_MODELS = [
    SchemaVersion,
    Setting,
    ImportRun,
    AuditEntry,
    SavedMapping,
    School,
    Person,
    Role,
    MentorTraining,
    Designation,
    Programme,
    Cohort,
    Enrolment,
    Placement,
    SupportAgreement,
    AgreementParty,
    AgreementLeader,
    AgreementActivity,
    ImpactReport,
    SpendEntry,
    Signature,
    ConfirmationRound,
    RoundSchool,
    HostingAppetite,
    HostingOffer,
]

# Case-insensitive sort keys of the big lists (``ORDER BY LOWER(...)`` in ittdesk.queries), as
# expression indexes: without them SQLite sorts 50,000-100,000 rows in a temporary B-tree.
# Plain SQL that SQLite and PostgreSQL both run; new databases get them from the models'
# indexes (create_tables), existing ones from migration 3 running the very same statements.
SORT_INDEXES: tuple[str, ...] = (
    'CREATE INDEX IF NOT EXISTS "school_name_lower" ON "school" (LOWER("name"))',
    'CREATE INDEX IF NOT EXISTS "person_last_name_lower" ON "person" (LOWER("last_name"))',
)


def _register_sort_indexes() -> None:
    from peewee import SQL

    by_table = {m._meta.table_name: m for m in ALL_MODELS}
    for statement in SORT_INDEXES:
        table = statement.split(" ON ")[1].split()[0].strip('"')
        model = by_table[table]
        if not any(isinstance(i, SQL) and i.sql == statement for i in model._meta.indexes):
            model.add_index(SQL(statement))


_register_sort_indexes()

__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "BaseModel", "SORT_INDEXES",
                                              "database"]
