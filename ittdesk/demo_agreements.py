"""The demo partnership's support agreements: one in each state (draft, agreed, active,
completed, withdrawn), built through the agreement services and taken to its state through the
lifecycle, as a user's would be.

Split from :mod:`.demo` as its own area (like :mod:`.mentor_funding.demo`): the agreements need
only the schools (the first is the lead) and the system leaders the rest of the demo made, and
the demo's random stream, which ``build`` draws from in the same order as when it was inline,
so a seed gives the same demo. Names and texts are made up.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from . import holders
from .academic_year import AcademicYear
from .models import Designation, Person, School


def build(rng: random.Random, today: date, this_year: AcademicYear, last_year: AcademicYear,
          school_rows: list[School], system_leaders: list[tuple[Person, Designation]]) -> int:
    """Six agreements with their parties, signatures, leaders, activities, reports and spend;
    returns how many."""
    from .services.agreement_lifecycle import change_status
    from .services.agreements import (
        activities,
        agreements,
        leaders,
        parties,
        reports,
        signatures,
        spend,
    )
    from .services.people import roles

    supported_pool = [s for s in school_rows if s.partnership_status != "lead"]
    plans = [
        ("Improving early reading in Key Stage 1", "draft", 0),
        ("Securing progress in Year 6 mathematics", "agreed", 1),
        ("Strengthening SEND provision and assessment", "active", 2),
        ("Leadership capacity after a change of headteacher", "active", 3),
        ("Curriculum design in foundation subjects", "completed", 4),
        ("Behaviour and attendance in Key Stage 3", "withdrawn", 5),
    ]
    lead = school_rows[0]
    for title, final_status, k in plans:
        year = last_year if final_status == "completed" else this_year
        supported = supported_pool[(k * 11) % len(supported_pool)]
        supporting = supported_pool[(k * 11 + 5) % len(supported_pool)]
        qa_leader = system_leaders[(k + 3) % len(system_leaders)][0]
        agreement = agreements.create({
            "title": title, "academic_year": year,
            "priorities": "1. Raise attainment in the priority area.\n2. Build leadership capacity.",
            "intended_impact": "Pupils in the priority group make at least expected progress.",
            "evidence": "Termly assessment data; lesson visits; pupil voice.",
            "baseline": "Attainment below the LA average last summer.",
            "funding_source": rng.choice(["School improvement fund", "Traded service",
                                          "LA school improvement grant"]),
            # Money is typed in pounds, as a user would ("£4,000.00" -> 400000 pence).
            "amount_agreed_pence": rng.choice(["2,500.00", "4,000.00", "6,000.00", "8,500.00"]),
            "start_date": year.start + timedelta(days=30), "end_date": year.end - timedelta(days=40),
            "qa_lead": qa_leader.id})
        for school, party_role, text in (
            (supported, "supported", "Release staff for sessions; share data termly; lead on actions."),
            (supporting, "supporting", "Provide a system leader for the agreed days; plan and review visits."),
            (lead, "lead", "Broker and quality-assure the support; report impact and funding."),
        ):
            contact = next(iter(r.person for r in roles.model.select().where(
                (roles.model.school == school) & holders.held())), None)
            party = parties.create({"agreement": agreement.id, "school": school.id, "role": party_role,
                                    "contact": contact.id if contact else None,
                                    "responsibilities": text})
            if final_status in ("agreed", "active", "completed") and contact:
                signatures.create({"agreement": agreement.id, "party": party.id,
                                   "person": contact.id, "signatory_name": contact.full_name,
                                   "signatory_role": "Headteacher",
                                   "signed_on": min(today, year.start + timedelta(days=25))})
        leader, designation = system_leaders[k % len(system_leaders)]
        leaders.create({"agreement": agreement.id, "person": leader.id,
                        "designation": designation.id, "days": rng.choice([4, 6, 8, 10])})
        for n in range(3):
            activities.create({"agreement": agreement.id,
                               "date": year.start + timedelta(days=45 + 40 * n),
                               "kind": ["visit", "training", "review"][n],
                               "description": ["Diagnostic visit and action plan",
                                               "Staff training session",
                                               "Review meeting with governors"][n],
                               "person": leader.id, "time": "09:00-12:00"})
        interim_due = year.start + timedelta(days=120)
        final_due = year.end - timedelta(days=30)
        reports.create({"agreement": agreement.id, "kind": "interim", "due_date": interim_due,
                        "submitted_on": interim_due if final_status in ("active", "completed") and interim_due < today else None,
                        "rag": "amber" if final_status in ("active", "completed") and interim_due < today else None,
                        "author": leader.id if final_status in ("active", "completed") and interim_due < today else None})
        reports.create({"agreement": agreement.id, "kind": "final", "due_date": final_due,
                        "submitted_on": final_due if final_status == "completed" else None,
                        "summary": "Targets met for the priority group." if final_status == "completed" else None,
                        "rag": "green" if final_status == "completed" else None,
                        "author": leader.id if final_status == "completed" else None})
        if final_status in ("active", "completed"):
            for n in range(2):
                spend.create({"agreement": agreement.id, "date": year.start + timedelta(days=50 + 60 * n),
                              "description": f"Supply cover for visit {n + 1}",
                              "amount_pence": rng.choice(["450.00", "620.50", "800.00"])})
        # Each agreement reaches its state the way a user's does: through the lifecycle.
        for step in {"agreed": ["agreed"], "active": ["agreed", "active"],
                     "completed": ["agreed", "active", "completed"],
                     "withdrawn": ["withdrawn"]}.get(final_status, []):
            change_status(agreement.id, step,
                          reason="The supported school joined a trust with its own support"
                          if step == "withdrawn" else None)
    return len(plans)
