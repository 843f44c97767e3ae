"""Vocabularies of the confirmation round (no model imports: models use these for CHECKs)."""

from __future__ import annotations

from ..choices import Choices

# As DfE's placement service asks a school about the coming year.
HOSTING_APPETITES = Choices(
    "hosting appetite",
    {
        "actively_looking": "Actively looking to host trainees",
        "interested": "Interested, but not yet decided",
        "not_open": "Not open to hosting this year",
        "already_organised": "Already organised with a provider",
    },
    {"actively looking": "actively_looking", "yes": "actively_looking",
     "interested": "interested", "maybe": "interested",
     "not open": "not_open", "no": "not_open",
     "already organised": "already_organised", "organised": "already_organised"},
)

# Short words for counts and narrow columns.
HOSTING_SHORT = {"actively_looking": "actively looking", "interested": "interested",
                 "not_open": "not open this year", "already_organised": "already organised"}

NOT_HOSTING_REASONS = Choices(
    "reason",
    {
        "mentors": "Not enough trained mentors",
        "staff_capacity": "Not enough staff capacity",
        "leadership_change": "Leadership change or restructuring",
        "inspection": "Preparing for or following an inspection",
        "send_pupils": "Needs of pupils (e.g. SEND) this year",
        "space": "Not enough space",
        "staff_interest": "Low interest from staff",
        "other_provider": "Hosting with another provider",
        "other": "Other (please say below)",
    },
)

# "Still correct?" on each pre-filled person.
STILL_CORRECT = Choices(
    "answer",
    {
        "yes": "Yes",
        "changed": "No - details changed",
        "left": "No - has left this post",
    },
    {"y": "yes", "correct": "yes", "ok": "yes", "no details changed": "changed",
     "changed": "changed", "no has left": "left", "left": "left", "has left": "left",
     "no left": "left"},
)

YES_NO = Choices("answer", {"yes": "Yes", "no": "No"}, {"y": "yes", "n": "no"})

# Posts one person holds at a time: a new holder replaces the current one (change_holder).
SINGLE_HOLDER_KINDS = ("headteacher", "executive_headteacher", "head_of_school", "itt_champion",
                       "professional_tutor")

# The people a form lists, in this order: leadership, then ITT contacts, then mentors.
FORM_ROLE_KINDS = ("headteacher", "executive_headteacher", "head_of_school", "deputy_head",
                   "slt_member", "itt_champion", "professional_tutor", "admin_contact",
                   "lead_mentor", "mentor")

# Who to chase for a school's form, in order of preference.
CHASE_KINDS = ("itt_champion", "professional_tutor", "headteacher", "head_of_school",
               "executive_headteacher", "admin_contact")
