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
from .base import BaseModel, database, is_postgres
from .events import Event, EventAttendance
from .leadership import ConfirmationRound, HostingAppetite, HostingOffer, RoundSchool
from .mentor_funding import FundingSample, FundingYear
from .placements import PlacementRule, TermDates
from .programmes import Cohort, Enrolment, Placement, PlacementMentor, Programme
from .schools import Designation, MentorTraining, Person, Role, School
from .system import AuditEntry, ImportRun, Presence, SavedMapping, SchemaVersion, Setting

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
    Event,
    EventAttendance,
    Presence,
    PlacementMentor,
    TermDates,
    PlacementRule,
    FundingYear,
    FundingSample,
]

# The big lists sort names by stored keys (Person.last_name_key, School.name_key: see
# ittdesk.sortkeys), indexed like any column. The LOWER(...) expression indexes they replaced
# (migration 3 made them, migration 7 drops them) are in ittdesk.migrations.

# Spelled out (not computed from ALL_MODELS) so a type checker sees the re-exports.
__all__ = [
    "ALL_MODELS",
    "BaseModel",
    "database",
    "is_postgres",
    "SchemaVersion",
    "Presence",
    "Setting",
    "ImportRun",
    "AuditEntry",
    "SavedMapping",
    "School",
    "Person",
    "Role",
    "MentorTraining",
    "Designation",
    "Programme",
    "Cohort",
    "Enrolment",
    "Placement",
    "SupportAgreement",
    "AgreementParty",
    "AgreementLeader",
    "AgreementActivity",
    "ImpactReport",
    "SpendEntry",
    "Signature",
    "ConfirmationRound",
    "RoundSchool",
    "HostingAppetite",
    "HostingOffer",
    "Event",
    "EventAttendance",
    "PlacementMentor",
    "TermDates",
    "PlacementRule",
    "FundingYear",
    "FundingSample",
]
