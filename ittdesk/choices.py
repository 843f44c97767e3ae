"""Closed vocabularies (phases, statuses, role kinds...) with labels and forgiving parsing.

Each is stored as a short key and constrained in the database by a CHECK, so the tables hold
real values, not loose text; importers and editors parse what users type through ``parse``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


class Choices:
    """An ordered key -> label vocabulary, with synonyms users type in spreadsheets."""

    def __init__(self, name: str, items: dict[str, str], synonyms: dict[str, str] | None = None):
        self.name = name
        self.items = dict(items)
        self._lookup: dict[str, str] = {}
        for key, label in self.items.items():
            self._lookup[_norm(key)] = key
            self._lookup[_norm(label)] = key
        for word, key in (synonyms or {}).items():
            assert key in self.items, (name, key)
            self._lookup[_norm(word)] = key

    @property
    def keys(self) -> list[str]:
        return list(self.items)

    def label(self, key: str | None) -> str:
        return self.items.get(key, key or "") if key else ""

    def parse(self, text: object) -> str | None:
        """The key for ``text`` (a key, label or synonym in any case), or None if unknown."""
        if text is None:
            return None
        return self._lookup.get(_norm(str(text)))

    def __contains__(self, key: object) -> bool:
        return key in self.items

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items.items())


PHASES = Choices(
    "phase",
    {
        "nursery": "Nursery",
        "primary": "Primary",
        "middle_primary": "Middle deemed primary",
        "secondary": "Secondary",
        "middle_secondary": "Middle deemed secondary",
        "16_plus": "16 plus",
        "all_through": "All-through",
        "special": "Special",
        "alternative_provision": "Alternative provision / PRU",
        "not_applicable": "Not applicable",
    },
    {
        "infant": "primary", "junior": "primary", "first": "primary",
        "middle": "middle_primary", "high": "secondary", "upper": "secondary",
        "sixth form": "16_plus", "post 16": "16_plus", "16+": "16_plus", "post-16": "16_plus",
        "through": "all_through", "all through": "all_through",
        "sen": "special", "send": "special", "special school": "special",
        "pru": "alternative_provision", "ap": "alternative_provision",
        "pupil referral unit": "alternative_provision", "alternative provision": "alternative_provision",
        "n a": "not_applicable", "na": "not_applicable",
    },
)

SCHOOL_STATUSES = Choices(
    "status",
    {"open": "Open", "closed": "Closed"},
    {
        "open but proposed to close": "open",
        "proposed to open": "open",
        "open, but proposed to close": "open",
    },
)

PARTNERSHIP_STATUSES = Choices(
    "partnership status",
    {
        "prospective": "Prospective",
        "partner": "Partner",
        "placement": "Placement school",
        "lead": "Lead school",
        "former": "Former",
    },
    {"placement": "placement", "lead partner": "lead", "hub": "lead", "ex partner": "former"},
)

ROLE_KINDS = Choices(
    "role",
    {
        "headteacher": "Headteacher",
        "executive_headteacher": "Executive headteacher",
        "head_of_school": "Head of school",
        "deputy_head": "Deputy head",
        "slt_member": "SLT member",
        "itt_champion": "ITT champion",
        "professional_tutor": "Professional tutor / managing mentor",
        "mentor": "Mentor",
        "lead_mentor": "Lead mentor",
        "admin_contact": "Business manager / admin contact",
    },
    {
        "head teacher": "headteacher", "head": "headteacher", "principal": "headteacher",
        "acting headteacher": "headteacher", "acting head": "headteacher",
        "interim headteacher": "headteacher",
        "executive head": "executive_headteacher", "executive principal": "executive_headteacher",
        "ceo": "executive_headteacher",
        "deputy": "deputy_head", "deputy headteacher": "deputy_head",
        "assistant head": "slt_member", "assistant headteacher": "slt_member", "slt": "slt_member",
        "senior leader": "slt_member",
        "itt lead": "itt_champion", "champion": "itt_champion",
        "managing mentor": "professional_tutor", "professional tutor": "professional_tutor",
        "business manager": "admin_contact", "school business manager": "admin_contact",
        "office manager": "admin_contact", "admin": "admin_contact",
    },
)
LEADERSHIP_KINDS = (
    "headteacher", "executive_headteacher", "head_of_school", "deputy_head", "slt_member",
    "itt_champion", "professional_tutor",
)
MENTOR_KINDS = ("mentor", "lead_mentor")
# The posts that head a school: a school has a head when one of them is held.
HEAD_KINDS = ("headteacher", "executive_headteacher", "head_of_school")

DESIGNATIONS = Choices(
    "designation",
    {"SLE": "SLE", "LLE": "LLE", "NLE": "NLE"},
    {
        "specialist leader of education": "SLE",
        "local leader of education": "LLE",
        "national leader of education": "NLE",
    },
)

TRAINING_KINDS = Choices("training", {"initial": "Initial", "refresher": "Refresher"},
                         {"intro": "initial", "induction": "initial", "update": "refresher"})

PROGRAMME_KINDS = Choices(
    "programme kind",
    {"itt": "ITT route", "leadership": "Leadership programme", "cpd": "CPD programme"},
    {"scitt": "itt", "initial teacher training": "itt", "npq": "leadership"},
)

ENROLMENT_STATUSES = Choices(
    "enrolment status",
    {
        "applied": "Applied",
        "offered": "Offered",
        "enrolled": "Enrolled",
        "deferred": "Deferred",
        "withdrawn": "Withdrawn",
        "completed": "Completed",
    },
    {"in training": "enrolled", "trainee": "enrolled", "awarded": "completed",
     "qts awarded": "completed", "finished": "completed", "accepted": "offered"},
)

PLACEMENT_KINDS = Choices(
    "placement kind",
    {
        "main": "Main",
        "second": "Second / contrasting",
        "itap": "ITaP",
        "enrichment": "Enrichment",
    },
    {"first": "main", "home": "main", "contrasting": "second", "second placement": "second",
     "intensive training and practice": "itap"},
)

AGREEMENT_STATUSES = Choices(
    "agreement status",
    {
        "draft": "Draft",
        "agreed": "Agreed",
        "active": "Active",
        "completed": "Completed",
        "withdrawn": "Withdrawn",
    },
)

PARTY_ROLES = Choices(
    "party role",
    {"supported": "Supported school", "supporting": "Supporting school", "lead": "Lead / teaching school"},
    {"teaching school": "lead"},
)

REPORT_KINDS = Choices("report kind", {"interim": "Interim", "final": "Final"})
RAG_RATINGS = Choices("RAG rating", {"red": "Red", "amber": "Amber", "green": "Green"},
                      {"r": "red", "a": "amber", "g": "green"})
ACTIVITY_KINDS = Choices(
    "activity",
    {"visit": "Visit", "training": "Training", "review": "Review meeting", "other": "Other"},
    {"review meeting": "review", "meeting": "review"},
)

EVENT_KINDS = Choices(
    "kind of event",
    {
        "working_group": "Working group meeting",
        "training": "Training session",
        "webinar": "Webinar",
        "induction": "Induction event",
        "conference": "Conference",
        "other": "Other",
    },
    {"strategic working group": "working_group", "working group": "working_group",
     "meeting": "working_group", "training session": "training", "session": "training",
     "cpd": "training", "online session": "webinar", "induction": "induction",
     "briefing": "induction"},
)
