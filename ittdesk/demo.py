"""A fictional partnership to explore and test with: every name is made up by code.

Deterministic for a seed, built through the services (so it is valid by the same rules as
anything a user types) and in one transaction. This module makes the schools, people and
their roles, the programmes with their enrolments and placements, the term dates and events;
areas with a shape of their own are built in their own modules, called from ``build_demo``:
the support agreements (:mod:`.demo_agreements`) and the mentor training funding
(:mod:`.mentor_funding.demo`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, cast

from . import clock, demo_agreements, holders
from .academic_year import AcademicYear
from .errors import RefusedError
from .models import Person, School, database

FIRST_NAMES = [
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo",
    "Freya", "Oscar", "Lily", "Harry", "Sophia", "Jack", "Grace", "Charlie", "Rosie", "Thomas",
    "Evie", "Henry", "Poppy", "Alfie", "Ella", "Jacob", "Willow", "Theo", "Siân", "Zoë",
    "Aisha", "Mohammed", "Priya", "Ravi", "Chloé", "Niamh", "Eilidh", "Dafydd", "Kofi", "Ama",
    "Hannah", "Samuel", "Imogen", "Reuben", "Maya", "Ezra", "Nadia", "Tomasz", "Ewa", "Yusuf",
]
LAST_NAMES = [
    "Ashworth", "Bramley", "Calder", "Denholme", "Eccleshill", "Fairweather", "Greaves",
    "Haworth", "Illingworth", "Jagger", "Kershaw", "Lumb", "Midgley", "Naylor", "Oldroyd",
    "Pickles", "Quarmby", "Rushworth", "Sutcliffe", "Tordoff", "Uttley", "Varley", "Wadsworth",
    "Yeadon", "O'Brien", "Brontë", "Okafor", "Patel", "Khan", "Nowak", "Mensah", "Evans",
    "MacLeod", "Ó Súilleabháin", "Fitzgerald", "Hussain", "Clarke", "Holroyd", "Scatcherd",
    "Thwaite",
]
PLACES = [
    "Ashby Moor", "Brackenfield", "Cold Harbour", "Dunsley", "Elmswick", "Fernbank", "Gorsedale",
    "Hollins", "Ingleby Cross", "Kettlewell", "Langbar", "Moorside", "Netherfold", "Oakworth Vale",
    "Pennyfold", "Quarry Hill", "Ridgeway", "Saltmarsh", "Thornbury Edge", "Underbank",
    "Westcliffe", "Yarrowby", "Ashgrove", "Birchcliffe", "Calverley Green", "Dalesend",
    "Eastholme", "Foxhill", "Greenacre", "Heathfield", "Ivybridge Lane", "Juniper Rise",
    "Kingsmead", "Larkfield", "Millbrook", "Northgate", "Orchard Park", "Parkside", "Redbeck",
    "Stonegate",
]
LAS = [("901", "Northmoor"), ("902", "Eastbridge"), ("903", "Westdale")]
TRUSTS = ["Moorland Learning Trust", "Riverside Academies", "Beacon Education Partnership",
          "Pennine Schools Trust"]
PRIMARY_SUFFIX = ["Primary School", "Church of England Primary School", "Community Primary School",
                  "Infant School", "Junior School", "Primary Academy"]
SECONDARY_SUFFIX = ["Academy", "High School", "School", "Grammar School", "Community College"]
SUBJECTS_SECONDARY = ["Mathematics", "English", "Physics", "Chemistry", "Biology", "Computing",
                      "Geography", "History", "Modern languages", "Design and technology",
                      "Music", "Religious education", "Physical education"]
ROLE_TITLES = {"headteacher": "Headteacher", "executive_headteacher": "Executive Headteacher"}
SAINTS = ["St Anne's", "Holy Trinity", "St Oswald's", "Westfield"]
STREETS = ["School Lane", "Church Street", "Moor Road", "Mill Lane", "Station Road", "Park Avenue",
           "High Street", "Green Lane", "Victoria Road", "Chapel Street"]


class _Names:
    """Unique fictional people: first + last name and a matching example.org email."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def person(self, *, title: bool = True) -> dict[str, Any]:
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            base = f"{first}.{last}".lower()
            for ch, rep in (("'", ""), (" ", ""), ("ë", "e"), ("â", "a"), ("é", "e"),
                            ("á", "a"), ("ó", "o"), ("ú", "u")):
                base = base.replace(ch, rep)
            email = f"{base}@example.org"
            n = 2
            while email in self.used:
                email = f"{base}{n}@example.org"
                n += 1
            self.used.add(email)
            data = {"first_name": first, "last_name": last, "email": email}
            if title:
                data["title"] = self.rng.choice(["Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"])
            return data


def has_records() -> bool:
    return School.select().exists() or Person.select().exists()


def build_demo(seed: int = 2025, today: date | None = None) -> dict[str, int]:
    """Fill an empty database; refuse if it already holds schools or people."""
    from .services.people import designations, mentor_training, people, roles
    from .services.programmes import cohorts, enrolments, placements, programmes
    from .services.schools import schools

    if has_records():
        raise RefusedError("The database already has records: build the demo in a new, empty database")
    rng = random.Random(seed)
    ledger_rng = random.Random(seed * 17 + 1)  # issue 17's fields: the rest's stream unchanged
    names = _Names(rng)
    today = today or clock.today()
    this_year = AcademicYear.for_date(today)
    last_year = this_year.previous()
    counts: dict[str, int] = {}

    with database.atomic():
        # Schools: ~120 over 3 LAs, mostly primary, some in trusts.
        school_rows: list[School] = []
        places = PLACES[:]
        for i in range(120):
            code, la = LAS[i % 3]
            place = places[i % len(places)]
            primary = rng.random() < 0.72
            if rng.random() < 0.04:
                phase, name = "special", f"{place} Special School"
            elif primary:
                phase, name = "primary", f"{place} {rng.choice(PRIMARY_SUFFIX)}"
            else:
                phase, name = "secondary", f"{place} {rng.choice(SECONDARY_SUFFIX)}"
            if i >= len(places):
                name = f"{SAINTS[i // len(places) - 1]}, {name}"
            trust = rng.choice(TRUSTS) if rng.random() < 0.35 else None
            status = rng.choices(["partner", "placement", "prospective", "former", None, "lead"],
                                 [30, 35, 10, 5, 19, 1])[0]
            if i == 0:
                status, phase, name = "lead", "all_through", "Moorside Teaching School Hub"
            school = schools.create({
                "urn": 900100 + i * 7, "name": name, "phase": phase,
                "establishment_type": ("Academy converter" if trust else
                                       rng.choice(["Community school", "Voluntary aided school",
                                                   "Foundation school"])),
                "la_code": code, "la_name": la, "trust": trust,
                "address1": f"{rng.randint(1, 120)} {rng.choice(STREETS)}", "town": place,
                "postcode": f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
                "phone": f"01632 {rng.randint(100000, 999999)}",
                "website": f"https://www.{place.lower().replace(' ', '')}{i}.example.sch.uk",
                "partnership_status": status,
                "partnership_since": date(rng.randint(2015, this_year.start_year), 9, 1) if status else None,
                "leadership_confirmed_on": (this_year.start + timedelta(days=rng.randint(5, 60))
                                            if status in ("partner", "placement") and rng.random() < 0.5
                                            else None),
            })
            school_rows.append(school)
        counts["schools"] = len(school_rows)

        # Leadership with history: a head now, often a previous head; ITT champions; SLT.
        role_count = 0
        mentors_by_school: dict[int, list[Person]] = {}
        for school in school_rows:
            head_start = date(rng.randint(2012, 2019), 9, 1)
            heads = 1 + (rng.random() < 0.55) + (rng.random() < 0.15)
            start = head_start
            holder = None
            for _h in range(heads):
                person = people.create(names.person())
                if holder is None:
                    role = roles.create({"person": person.id, "school": school.id,
                                         "kind": "headteacher", "job_title": "Headteacher",
                                         "start_date": start})
                else:
                    role = roles.change_holder(school.id, "headteacher", person.id, start,
                                               job_title=rng.choice(["Headteacher", "Head Teacher",
                                                                     "Acting Headteacher"]))
                holder = role
                role_count += 1
                start = start + timedelta(days=rng.randint(500, 1500))
                if start > today:
                    break
            if school.partnership_status in ("partner", "placement", "lead") and rng.random() < 0.7:
                champion = people.create(names.person())
                roles.create({"person": champion.id, "school": school.id, "kind": "itt_champion",
                              "start_date": date(rng.randint(2019, this_year.start_year), 9, 1)})
                role_count += 1
            if rng.random() < 0.4:
                deputy = people.create(names.person())
                roles.create({"person": deputy.id, "school": school.id,
                              "kind": rng.choice(["deputy_head", "professional_tutor", "slt_member"]),
                              "start_date": date(rng.randint(2016, this_year.start_year), 9, 1)})
                role_count += 1
            if school.partnership_status in ("partner", "placement", "lead"):
                mentors: list[Person] = []
                for _m in range(rng.choice([0, 1, 1, 2, 2, 3])):
                    mentor = people.create(names.person())
                    subject = None if school.phase == "primary" else rng.choice(SUBJECTS_SECONDARY)
                    roles.create({"person": mentor.id, "school": school.id,
                                  "kind": "lead_mentor" if not mentors and rng.random() < 0.2 else "mentor",
                                  "start_date": date(rng.randint(2018, this_year.start_year), 9, 1),
                                  "subjects": subject,
                                  "key_stages": "KS1, KS2" if school.phase == "primary" else "KS3, KS4",
                                  "capacity": rng.choice([1, 1, 2])})
                    role_count += 1
                    trained = date(rng.randint(2019, this_year.start_year), rng.randint(1, 12), 15)
                    if trained <= today:
                        mentor_training.create({"person": mentor.id, "kind": "initial",
                                                "hours": 20, "completed_on": trained,
                                                "provided_by": "Moorside SCITT", "school": school.id})
                        if rng.random() < 0.4 and trained.year < this_year.start_year:
                            refresher = date(this_year.start_year, 10, 10)
                            if refresher <= today:
                                mentor_training.create({"person": mentor.id, "kind": "refresher",
                                                        "hours": 6, "completed_on": refresher,
                                                        "provided_by": "Moorside SCITT",
                                                        "school": school.id})
                    mentors.append(mentor)
                mentors_by_school[school.id] = mentors
        counts["roles"] = role_count

        # System leaders.
        system_leaders = []
        for _s in range(10):
            leader = people.create(names.person())
            kind = rng.choice(["SLE", "SLE", "LLE", "NLE"])
            designation = designations.create({
                "person": leader.id, "kind": kind,
                "specialism": rng.choice(["Early reading", "Mathematics", "SEND", "Leadership of CPD",
                                          "Behaviour", "Science"]) if kind == "SLE" else None,
                "designated_on": date(rng.randint(2016, 2023), 4, 1),
                "review_due": date(this_year.start_year + rng.randint(0, 2), 3, 31)})
            roles.create({"person": leader.id, "school": rng.choice(school_rows).id,
                          "kind": "deputy_head" if kind == "SLE" else "slt_member",
                          "start_date": date(2018, 9, 1)})
            system_leaders.append((leader, designation))

        # Programmes and cohorts in two academic years.
        progs = [
            programmes.create({"name": "Primary SCITT (5-11)", "kind": "itt"}),
            programmes.create({"name": "Secondary SCITT (11-16)", "kind": "itt"}),
            programmes.create({"name": "Stepping Up: aspiring headteachers", "kind": "leadership"}),
            programmes.create({"name": "NPQ for Senior Leadership", "kind": "leadership"}),
        ]
        cohort_rows = []
        for year in (last_year, this_year):
            for prog, places_n in zip(progs, (40, 40, 24, 30), strict=True):
                cohort_rows.append((prog, year, cohorts.create({
                    "programme": prog.id, "name": f"Cohort {year.start_year - 2019}",
                    "academic_year": year, "places": places_n})))
        counts["cohorts"] = len(cohort_rows)
        counts["terms"] = _demo_term_dates(last_year, this_year)

        # Enrolments with placements (main, second, ITaP).
        host_schools = [s for s in school_rows if mentors_by_school.get(s.id)]
        enrol_count = placement_count = 0
        trainee_no = 1
        for prog, year, cohort in cohort_rows:
            n = {"itt": 28, "leadership": 10}[prog.kind]
            for _e in range(n):
                person = people.create(names.person(title=prog.kind != "itt"))
                is_past = year == last_year
                status = (rng.choices(["completed", "withdrawn", "deferred"], [85, 10, 5])[0] if is_past
                          else rng.choices(["enrolled", "applied", "offered", "withdrawn"], [80, 6, 8, 6])[0])
                data = {"person": person.id, "cohort": cohort.id, "status": status,
                        "trainee_id": f"MS{year.start_year % 100:02d}{trainee_no:04d}" if prog.kind == "itt" else None,
                        "subject": ("Primary" if "Primary" in prog.name
                                    else rng.choice(SUBJECTS_SECONDARY) if prog.kind == "itt" else None),
                        "home_school": rng.choice(host_schools).id if prog.kind == "itt" else None}
                trainee_no += 1
                if status == "withdrawn":
                    data["withdrawal_date"] = year.start + timedelta(days=rng.randint(40, 150))
                    data["withdrawal_reason"] = rng.choice(["Personal reasons", "Changed career plans",
                                                            "Health"])
                if status == "completed":
                    data["outcome"] = "QTS recommended" if prog.kind == "itt" else "Completed"
                route = None
                if prog.kind == "itt":  # issue 17: the route-aware record (its own random stream)
                    route = ledger_rng.choices(DEMO_ROUTES, DEMO_ROUTE_WEIGHTS)[0]
                    data.update(_route_fields(route, year, data, "Primary" in prog.name))
                    if status == "deferred":
                        data["deferral_date"] = year.start + timedelta(days=120)
                    if status == "withdrawn":
                        data["withdrawal_reason_code"] = ledger_rng.choice(
                            ["change_in_personal_or_health_circumstances",
                             "does_not_want_to_become_a_teacher", "trainee_workload_issues"])
                enrolment = enrolments.create(data)
                enrol_count += 1
                if prog.kind == "itt" and status not in ("applied", "offered") \
                        and trainee_no % 10:
                    # Register gives a trainee a TRN once registered, and its bulk files and
                    # export match by it: with none, Tools > Register files had nothing to
                    # write on the demo. Every tenth is left waiting for theirs (the files say
                    # so). 8xxxxxx: apart from the mentors' (mentor_funding.demo).
                    people.update(person.id, {"trn": f"8{trainee_no:06d}"})
                if prog.kind != "itt" or status in ("applied", "offered"):
                    continue
                if not is_past and rng.random() < 0.12:
                    continue  # a current trainee not yet placed: the Home page flags it
                if route == "assessment_only":
                    continue  # assessed in the school they work in: no placements
                # Every status shows: a past trainee short of days has not met the rules, a
                # current one with no second school yet is at risk (the rest met / on track).
                short = ledger_rng.random() < 0.18
                # Some current trainees' second placement is in the summer term: on track
                # until then, whatever the day the demo is made.
                late = not is_past and not short and ledger_rng.random() < 0.25
                second = (273, 319) if late else (150, 230)
                windows = [("main", year.start + timedelta(days=20), year.start + timedelta(days=110)),
                           ("second", year.start + timedelta(days=second[0]),
                            year.start + timedelta(days=second[1])),
                           ("itap", year.start + timedelta(days=60), year.start + timedelta(days=88))]
                for kind, start, end in windows:
                    if status == "withdrawn" and kind != "main":
                        continue
                    host = rng.choice(host_schools)
                    mentor = rng.choice(mentors_by_school[host.id])
                    if kind == "second" and short and not is_past:
                        continue
                    ledger = _ledger_fields(kind, start, end, today, is_past, short, status,
                                            ledger_rng)
                    placement = placements.create({
                        "enrolment": enrolment.id, "school": host.id,
                        "mentor": None if rng.random() < 0.06 else mentor.id,
                        "kind": kind, "start_date": start, "end_date": end,
                        "subject": data["subject"],
                        "year_group": rng.choice(["Year 2", "Year 4", "Year 6", "KS3", "KS4"]),
                        **ledger})
                    placement_count += 1
                    others = [m.id for m in mentors_by_school[host.id] if m.id != mentor.id]
                    if placement.mentor_id and others and ledger_rng.random() < 0.15:
                        placements.set_mentors(placement.id, [mentor.id, others[0]])
        counts["enrolments"] = enrol_count
        counts["placements"] = placement_count

        # Support agreements in different states.
        counts["support agreements"] = demo_agreements.build(
            rng, today, this_year, last_year, school_rows, system_leaders)
        counts["events"] = _demo_events(rng, today, this_year, last_year)
        from .mentor_funding import demo as funding_demo

        counts.update(funding_demo.build(seed, today, mentors_by_school))
        counts["people"] = Person.select().count()
    return counts


DEMO_ROUTES = ("provider_led_postgrad", "school_direct_tuition_fee", "school_direct_salaried",
               "pg_teaching_apprenticeship", "iqts", "assessment_only")
DEMO_ROUTE_WEIGHTS = (50, 15, 15, 6, 7, 7)


def _route_fields(route: str, year: AcademicYear, data: dict[str, Any],
                  primary: bool) -> dict[str, Any]:
    """An ITT enrolment's Register fields: route, subject (HECoS), age range, dates, and the
    employing school on a salaried route (the trainee's home school)."""
    from .choices import HECOS_SUBJECTS, SALARIED_ROUTES

    subject = "Primary Teaching" if primary else {
        "English": "English Studies", "Modern languages": "French Language",
        "Design and technology": "Design", "Music": "Music Education And Teaching",
        "Religious education": "Religious Studies", "Computing": "Applied Computing",
        "Physical education": "Sport And Exercise Sciences"}.get(data["subject"], data["subject"])
    fields_ = {"route": route, "course_subject_1": HECOS_SUBJECTS.parse(subject),
               "age_range": "13914" if primary else "13918", "study_mode": "full_time",
               "itt_start_date": year.start + timedelta(days=3),
               "itt_end_date": date(year.start_year + 1, 7, 31)}
    if route in SALARIED_ROUTES:
        fields_["employing_school"] = data["home_school"]
    return fields_


def _ledger_fields(kind: str, start: date, end: date, today: date, is_past: bool, short: bool,
                   enrolment_status: str, rng: random.Random) -> dict[str, Any]:
    """A placement's status and days: a past year's completed (a short one with too few days),
    this year's by its dates (a few future ones still proposed)."""
    days = {"main": 70, "second": 52, "itap": 20, "enrichment": 5}[kind]
    if is_past:
        if enrolment_status == "withdrawn":
            return {"status": "withdrawn_by_trainee", "status_reason": "The trainee withdrew",
                    "days_spent": days // 2}
        absent = 1 if kind == "main" and rng.random() < 0.2 else 0
        return {"status": "completed", "absence_days": absent,
                "days_spent": days - 14 if short and kind == "main" else days + absent}
    if end < today:
        return {"status": "completed", "days_spent": days}
    if start <= today:
        return {"status": "in_progress", "days_spent": days}
    return {"status": "proposed" if rng.random() < 0.2 else "confirmed", "days_spent": days}


def _demo_term_dates(*years: AcademicYear) -> int:
    """Six half-terms a year for every LA, and Northmoor's (901) own autumn half-term a week
    earlier: what a placement's school days are counted within."""
    from .services.placement_rules import term_dates

    def monday_on_or_after(day: date) -> date:
        return day + timedelta(days=(7 - day.weekday()) % 7)

    def friday_on_or_before(day: date) -> date:
        return day - timedelta(days=(day.weekday() - 4) % 7)

    n = 0
    for year in years:
        y0, y1 = year.start_year, year.start_year + 1
        terms = [("Autumn 1", date(y0, 9, 3), friday_on_or_before(date(y0, 10, 24))),
                 ("Autumn 2", monday_on_or_after(date(y0, 11, 1)), friday_on_or_before(date(y0, 12, 19))),
                 ("Spring 1", monday_on_or_after(date(y1, 1, 5)), friday_on_or_before(date(y1, 2, 13))),
                 ("Spring 2", monday_on_or_after(date(y1, 2, 22)), friday_on_or_before(date(y1, 3, 27))),
                 ("Summer 1", monday_on_or_after(date(y1, 4, 12)), friday_on_or_before(date(y1, 5, 22))),
                 ("Summer 2", monday_on_or_after(date(y1, 6, 1)), date(y1, 7, 22))]
        own = [(t, a - timedelta(days=7) if t == "Autumn 2" else a,
                b - timedelta(days=7) if t == "Autumn 1" else b) for t, a, b in terms]
        for la, rows in ((None, terms), ("901", own)):
            for term, start, end in rows:
                term_dates.create({"academic_year": year, "la_code": la, "term": term,
                                   "start_date": start, "end_date": end})
                n += 1
    return n


def _demo_events(rng: random.Random, today: date, this_year: AcademicYear,
                 last_year: AcademicYear) -> int:
    """A strategic working group of partner school leaders meeting each term, a training
    session led by a school leader, a webinar and an induction event (issue 20); events not
    yet held have their invitations only."""
    from .choices import LEADERSHIP_KINDS
    from .models import Role
    from .services.events import attendance, events

    posts = list(cast("Iterable[tuple[int, int]]", (
        Role.select(Role.person, Role.school).join(School)
        .where(Role.kind.in_(LEADERSHIP_KINDS) & holders.held(today)
               & School.partnership_status.in_(("partner", "placement", "lead")))
        .order_by(Role.id).tuples())))
    leaders = list(dict(reversed(posts)).items())  # one post per person (the first)
    if not leaders:
        return 0
    plan = [
        (last_year.start + timedelta(days=150), "Strategic working group: spring", "working_group"),
        (this_year.start + timedelta(days=14), "Induction for new mentors", "induction"),
        (this_year.start + timedelta(days=60), "Strategic working group: autumn", "working_group"),
        (this_year.start + timedelta(days=95), "Adaptive teaching: training session", "training"),
        (this_year.start + timedelta(days=130), "ITaP hosting briefing", "webinar"),
        (this_year.start + timedelta(days=180), "Strategic working group: spring", "working_group"),
    ]
    made = 0
    for held_on, title, kind in plan:
        event = events.create({"title": title, "kind": kind, "held_on": held_on,
                               "location": "Online" if kind == "webinar" else
                               "Moorside Teaching School Hub"})
        made += 1
        invited = rng.sample(leaders, min(len(leaders), 10 if kind == "working_group" else 6))
        held = held_on <= today
        for n, (person_id, school_id) in enumerate(invited):
            attendance.create({"event": event.id, "person": person_id, "school": school_id,
                               "attended": held and rng.random() < 0.75,
                               "led": held and kind == "training" and n == 0})
    return made
