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

# DfE's regions for the general mentor training grant (itt-mentor-services: app/models/region.rb,
# app/services/concerns/regional_areas.rb): the school's region sets its hourly rate.
FUNDING_REGIONS = Choices(
    "funding region",
    {"inner_london": "Inner London", "outer_london": "Outer London", "fringe": "Fringe",
     "rest_of_england": "Rest of England"},
    {"inner": "inner_london", "outer": "outer_london", "london fringe": "fringe",
     "rest": "rest_of_england", "england": "rest_of_england"},
)

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

# -- Issue 17: the route-aware trainee record and the placement ledger -------------------------
# DfE's Register trainee teachers keeps these as closed lists; the keys are Register's own
# (``TRAINING_ROUTE_ENUMS`` in DFE-Digital/register-trainee-teachers
# ``config/initializers/training_routes.rb``), the words its display names
# (``config/reference_data/training_route.yml``, kept in resources/codes/training_routes.csv
# with the HESA codes, which parse as synonyms).
TRAINING_ROUTES = Choices(
    "training route",
    {
        "provider_led_postgrad": "Primary and Secondary Postgraduate Fee Funded",
        "school_direct_tuition_fee": "School Direct tuition fee",
        "school_direct_salaried": "School Direct salaried",
        "pg_teaching_apprenticeship": "Postgraduate teaching apprenticeship",
        "hpitt_postgrad": "HPITT postgrad",
        "provider_led_undergrad": "Primary and Secondary Undergraduate Fee Funded",
        "opt_in_undergrad": "Undergraduate Opt-in",
        "teacher_degree_apprenticeship": "Teacher Degree Apprenticeship",
        "iqts": "iQTS",
        "assessment_only": "Assessment only",
        "early_years_postgrad": "Early years postgrad",
        "early_years_undergrad": "Early years undergrad",
        "early_years_salaried": "Early years salaried",
        "early_years_assessment_only": "Early years assessment only",
    },
    {
        # HESA's route codes (Register's files write them; a spreadsheet may drop the 0).
        "02": "school_direct_tuition_fee", "2": "school_direct_tuition_fee",
        "03": "school_direct_salaried", "3": "school_direct_salaried",
        "09": "opt_in_undergrad", "9": "opt_in_undergrad",
        "10": "pg_teaching_apprenticeship", "11": "provider_led_undergrad",
        "12": "provider_led_postgrad", "14": "teacher_degree_apprenticeship", "15": "iqts",
        "16": "assessment_only", "17": "early_years_assessment_only",
        "18": "early_years_undergrad", "19": "early_years_postgrad",
        "20": "early_years_salaried", "21": "hpitt_postgrad",
        # What people call them.
        "postgraduate fee funded": "provider_led_postgrad", "pg fee funded": "provider_led_postgrad",
        "scitt": "provider_led_postgrad", "provider led postgrad": "provider_led_postgrad",
        "school direct": "school_direct_tuition_fee", "sd": "school_direct_tuition_fee",
        "sds": "school_direct_salaried", "salaried": "school_direct_salaried",
        "pgta": "pg_teaching_apprenticeship", "postgraduate apprenticeship": "pg_teaching_apprenticeship",
        "hpitt": "hpitt_postgrad", "high potential itt": "hpitt_postgrad",
        "undergraduate fee funded": "provider_led_undergrad",
        "provider led undergrad": "provider_led_undergrad",
        "tda": "teacher_degree_apprenticeship", "international qts": "iqts",
        "international qualified teacher status": "iqts", "ao": "assessment_only",
    },
)
#: Routes on which the trainee is employed by a school (Register: "1 placement in the employing
#: school, a minimum of 1 placement in another school"), so the employing school is asked for.
SALARIED_ROUTES = ("school_direct_salaried", "pg_teaching_apprenticeship",
                   "teacher_degree_apprenticeship", "early_years_salaried")
#: Undergraduate routes: their ITaP is 30 days and a course of four years or more needs 160 days.
UNDERGRADUATE_ROUTES = ("provider_led_undergrad", "opt_in_undergrad",
                        "teacher_degree_apprenticeship", "early_years_undergrad")

# Register's ``TRAINEE_STUDY_MODE_ENUMS``; HESA's mode codes as synonyms (resources/codes).
STUDY_MODES = Choices(
    "study mode",
    {"full_time": "Full-time", "part_time": "Part-time"},
    {"01": "full_time", "02": "full_time", "63": "full_time", "1": "full_time", "2": "full_time",
     "31": "part_time", "64": "part_time", "ft": "full_time", "pt": "part_time",
     "full time": "full_time", "part time": "part_time"},
)

# Register's withdrawal reasons (``config/initializers/withdrawal_reasons.rb``: the current
# provider- and trainee-led ones and the legacy ones its older records carry), in Register's
# words (``config/locales/en.yml`` components.withdrawal_details.reasons).
WITHDRAWAL_REASONS = Choices(
    "withdrawal reason",
    {
        "record_added_in_error": "This training record was added in error",
        "mandatory_reasons": "Trainee removed for mandatory reasons",
        "stopped_responding_to_messages": "They stopped attending/communicating",
        "unacceptable_behaviour": "Trainee behaviour or attitude",
        "lack_of_progress_during_placements": "Lack of progress during placements",
        "did_not_make_progress": "Lack of academic progress",
        "not_meeting_qts_standards": "Not meeting QTS or EYTS requirements",
        "safeguarding_concerns": "Safeguarding concerns",
        "had_to_withdraw_trainee_another_reason": "Another reason (provider)",
        "trainee_workload_issues": "Trainee workload issues",
        "change_in_personal_or_health_circumstances": "Change in their personal or health situation",
        "does_not_want_to_become_a_teacher": "No longer want to pursue a teaching career",
        "never_intended_to_obtain_qts": "They never intended to obtain QTS",
        "moved_to_different_itt_course": "They moved to a different ITT course",
        "trainee_chose_to_withdraw_another_reason": "Another reason (trainee)",
        "could_not_give_enough_time": "Could not give enough time to course",
        "course_was_not_suitable": "Course was not suitable for them",
        "did_not_meet_entry_requirements": "Did not meet entry requirements",
        "family_problems": "Family problems",
        "financial_problems": "Financial problems",
        "got_a_job": "Got a job",
        "problems_with_their_health": "Problems with their health",
        "teaching_placement_problems": "Teaching placement problems",
        "unhappy_with_course_provider_or_employing_school":
            "Unhappy with course, provider or employing school",
        "another_reason": "Another reason",
        "unknown": "Unknown",
        "death": "Death",
        "did_not_pass_assessment": "Did not pass assessment",
        "did_not_pass_exams": "Did not pass exams",
        "exclusion": "Exclusion",
        "personal_reasons": "Personal reasons",
        "transferred_to_another_provider": "Transferred to another provider",
        "written_off_after_lapse_of_time": "Written off after lapse of time",
    },
    # Register's legacy names it maps onto current ones (LEGACY_MAPPING).
    {"financial_reasons": "financial_problems", "gone_into_employment": "got_a_job",
     "health_reasons": "problems_with_their_health", "for_another_reason": "another_reason"},
)

# A placement's course: proposed -> confirmed -> in progress -> completed, or withdrawn.
PLACEMENT_STATUSES = Choices(
    "placement status",
    {
        "proposed": "Proposed",
        "confirmed": "Confirmed",
        "in_progress": "In progress",
        "completed": "Completed",
        "withdrawn_by_school": "Withdrawn by the school",
        "withdrawn_by_trainee": "Withdrawn by the trainee",
    },
    {"planned": "proposed", "agreed": "confirmed", "started": "in_progress", "current": "in_progress",
     "done": "completed", "finished": "completed", "school withdrew": "withdrawn_by_school",
     "trainee withdrew": "withdrawn_by_trainee"},
)
WITHDRAWN_PLACEMENT_STATUSES = ("withdrawn_by_school", "withdrawn_by_trainee")


def _code_list(file_name: str, name: str) -> Choices:
    """A HESA code list kept in resources/codes (see its README for the source): the code is
    the key, Register's words the label. Not CHECKed in the database (HESA adds codes)."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "resources" / "codes" / file_name
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return Choices(name, {row[0]: row[1] for row in rows if row})


#: HECoS subjects ITT uses (Register's course_subject.yml): stored as the code, shown in words.
HECOS_SUBJECTS = _code_list("course_subjects.csv", "course subject")
#: HESA's course age ranges ("13918" = "11 to 16"): stored as the code, shown in words.
AGE_RANGES = _code_list("age_ranges.csv", "age range")
