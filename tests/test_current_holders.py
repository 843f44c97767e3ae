""""Current" means current (issue 15): a post is held from its start until its end, inclusive.

A headteacher appointed from 01/03/2027 is not the head on 07/12/2026 — the head in post until
28/02/2027 is — in every summary, list, return, form, gap check and history, and the CLI. The rule
is ``ittdesk.holders``; its SQL reads the clock when the query runs, so the same list declaration
gives the new head once the day comes.
"""

from __future__ import annotations

from datetime import date

import pytest

from ittdesk import holders
from ittdesk.cli import main
from ittdesk.leadership import rounds
from ittdesk.leadership.forms import form_content
from ittdesk.leadership.history import schools_without_head_or_champion, timeline
from ittdesk.models import Role, School
from ittdesk.queries import person_record
from ittdesk.queries.lists import PEOPLE, SCHOOLS
from ittdesk.queries.summaries import person_summary, school_summary
from ittdesk.returns import make_filters
from ittdesk.returns.partnership import partnership
from ittdesk.services.people import current_roles, people, roles
from ittdesk.services.schools import schools

TODAY = date(2026, 12, 7)
LEAVES, STARTS = date(2027, 2, 28), date(2027, 3, 1)


@pytest.fixture
def handover(db, set_today):
    """Ada is head until 28/02/2027; Ben is appointed from 01/03/2027; Cara is ITT champion."""
    set_today(TODAY)
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary School",
                             "phase": "primary", "partnership_status": "partner"})
    ada = people.create({"first_name": "Ada", "last_name": "Greaves"})
    ben = people.create({"first_name": "Ben", "last_name": "Naylor"})
    cara = people.create({"first_name": "Cara", "last_name": "Holt"})
    roles.create({"person": ada.id, "school": school.id, "kind": "headteacher",
                  "start_date": "01/09/2019", "end_date": "28/02/2027"})
    roles.create({"person": ben.id, "school": school.id, "kind": "headteacher",
                  "start_date": "01/03/2027"})
    roles.create({"person": cara.id, "school": school.id, "kind": "itt_champion"})
    return School.get_by_id(school.id), ada, ben


DAYS = [None, date(2026, 1, 1), TODAY, date(2027, 6, 1)]


@pytest.mark.parametrize("start", DAYS)
@pytest.mark.parametrize("end", DAYS)
def test_the_sql_rule_and_the_python_rule_agree_on_every_kind_of_dates(db, set_today, start, end):
    set_today(TODAY)
    if start and end and end < start:
        return  # a role cannot end before it starts (the model refuses it)
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary School"})
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    role = Role.create(school=school.id, person=person.id, kind="mentor", start_date=start,
                       end_date=end)
    for day in (None, date(2026, 6, 1), TODAY, date(2027, 1, 1)):
        in_sql = Role.select().where((Role.id == role.id) & holders.held(day)).exists()
        assert in_sql == holders.is_held(start, end, day), (start, end, day)
        not_ended = Role.select().where((Role.id == role.id) & holders.not_ended(day)).exists()
        assert not_ended == (end is None or end >= (day or TODAY))


def test_the_head_appointed_for_later_is_not_the_head_now_anywhere(handover, tmp_path, capsys):
    school, ada, ben = handover
    summary = school_summary(school.id)
    assert [link.text for link in summary["leadership"]] == ["Ada Greaves", "Cara Holt"]
    assert [(link.text, link.detail) for link in summary["incoming"]] == [
        ("Ben Naylor", "Headteacher, from 01/03/2027")]
    history = {link.text: link.extra for link in summary["history"]}
    assert history["Ada Greaves"]["current"] and not history["Ada Greaves"]["future"]
    assert history["Ben Naylor"]["future"] and not history["Ben Naylor"]["current"]

    assert SCHOOLS.rows([school.id], ["head"])[school.id] == ("Ada Greaves",)
    in_people = PEOPLE.rows([ben.id, ada.id], ["role", "school"])
    assert in_people[ben.id] == (None, None)
    assert in_people[ada.id] == ("headteacher", "Ashby Moor Primary School")
    assert PEOPLE.ids(filters={"role": "headteacher"}) == [ada.id]
    assert [r.person_id for r in current_roles(school, ("headteacher",))] == [ada.id]
    assert [e.person for e in timeline(school) if e.current] == ["Ada Greaves", "Cara Holt"]
    assert [e.person for e in timeline(school) if e.future] == ["Ben Naylor"]
    assert schools_without_head_or_champion() == []

    round_ = rounds.start_round("2026/27")
    names = [name for _id, _label, name, _email in form_content(round_, school).role_rows]
    assert "Ada Greaves" in names and "Ben Naylor" not in names

    data = partnership(make_filters("2026/27"))
    heads = list(data.rows)
    assert any("Ada Greaves" in str(cell) for row in heads for cell in row)
    assert not any("Ben Naylor" in str(cell) for row in heads for cell in row)

    ben_roles = person_summary(ben.id)["roles"]
    assert ben_roles[0].extra["future"] and not person_summary(ben.id)["current_roles"]
    sections = dict((title, rows) for title, _h, rows in
                    person_record.development_record_sections(ben.id))
    assert sections["Roles"][0][-1] == "from 01/03/2027"


def test_the_cli_history_shows_the_future_head_from_their_first_day(handover, capsys):
    from ittdesk import db as dbmod

    location = dbmod.location()
    dbmod.close_database()
    assert main(["leadership", "history", "100001", "--db", location.url]) == 0
    out = capsys.readouterr().out
    ada = next(line for line in out.splitlines() if "Ada Greaves" in line)
    ben = next(line for line in out.splitlines() if "Ben Naylor" in line)
    assert ada.rstrip().endswith("01/09/2019 - 28/02/2027 (now)")
    assert ben.rstrip().endswith("from 01/03/2027") and "now" not in ben
    assert main(["leadership", "gaps", "--db", location.url]) == 0
    assert "0 school(s) missing" in capsys.readouterr().out


def test_on_the_new_heads_first_day_the_same_lists_show_the_new_head(handover, set_today):
    school, ada, ben = handover
    set_today(STARTS)  # the list declarations were built long before: they read the clock now
    assert SCHOOLS.rows([school.id], ["head"])[school.id] == ("Ben Naylor",)
    assert [link.text for link in school_summary(school.id)["leadership"]][0] == "Ben Naylor"
    assert school_summary(school.id)["incoming"] == []
    set_today(LEAVES)
    assert SCHOOLS.rows([school.id], ["head"])[school.id] == ("Ada Greaves",)


def test_a_school_whose_only_head_starts_later_has_no_head_now(db, set_today):
    set_today(TODAY)
    school = schools.create({"urn": 100002, "name": "Brackenfield Infant School",
                             "partnership_status": "partner"})
    ben = people.create({"first_name": "Ben", "last_name": "Naylor"})
    cara = people.create({"first_name": "Cara", "last_name": "Holt"})
    roles.create({"person": ben.id, "school": school.id, "kind": "headteacher",
                  "start_date": "01/03/2027"})
    roles.create({"person": cara.id, "school": school.id, "kind": "itt_champion"})
    gaps = schools_without_head_or_champion()
    assert [(g.name, g.missing) for g in gaps] == [("Brackenfield Infant School", ("headteacher",))]


def test_appointing_a_head_for_later_ends_the_current_one_the_day_before(db, set_today):
    set_today(TODAY)
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary School"})
    ada = people.create({"first_name": "Ada", "last_name": "Greaves"})
    ben = people.create({"first_name": "Ben", "last_name": "Naylor"})
    old = roles.create({"person": ada.id, "school": school.id, "kind": "headteacher",
                        "start_date": "01/09/2019"})
    roles.change_holder(school.id, "headteacher", ben.id, STARTS)
    assert Role.get_by_id(old.id).end_date == LEAVES
    assert [r.person_id for r in current_roles(school)] == [ada.id]
    assert [r.person_id for r in current_roles(school, day=STARTS)] == [ben.id]
