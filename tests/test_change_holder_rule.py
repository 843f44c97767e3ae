"""One change-holder rule: a new head from the dialog (``history.appoint``) and a new head
named by a GIAS import end the old head's role the same way, audited the same way."""

from __future__ import annotations

import csv
import json
from datetime import date

from ittdesk import holders
from ittdesk.leadership import history
from ittdesk.models import AuditEntry, Role
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools
from ittdesk.spreadsheets import importing

TODAY = date(2025, 3, 10)


def _school_with_head(urn: int, head_since: date) -> tuple[int, int]:
    school = schools.create({"urn": urn, "name": f"School {urn}"})
    head = people.create({"first_name": "Ada", "last_name": f"Old{urn}"})
    role = roles.create({"person": head.id, "school": school.id, "kind": "headteacher",
                         "start_date": head_since})
    return school.id, role.id


def _ended(role_id: int) -> tuple:
    """The old role's dates, the audit entry of its ending, and the new head's start."""
    role = Role.get_by_id(role_id)
    entry = (AuditEntry.select().where((AuditEntry.entity == "role")
                                       & (AuditEntry.entity_id == role_id)
                                       & (AuditEntry.action == "update")).get())
    new = Role.get((Role.school == role.school_id) & (Role.id != role_id))
    return (role.start_date, role.end_date, json.loads(entry.changes),
            entry.person_id == role.person_id, new.kind, new.start_date, new.end_date)


def test_a_gias_head_change_ends_the_old_head_as_the_change_holder_dialog_does(
        db, tmp_path, set_today):
    set_today(TODAY)
    # a head in post for years, and one who started today (ends the day they began)
    cases = [date(2019, 9, 1), TODAY]
    by_dialog = [_school_with_head(100001 + n, since) for n, since in enumerate(cases)]
    by_import = [_school_with_head(200001 + n, since) for n, since in enumerate(cases)]
    for school_id, _role in by_dialog:
        history.appoint(school_id, "headteacher", TODAY,
                        new_person={"first_name": "Bea", "last_name": "New"})
    path = tmp_path / "gias.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["URN", "EstablishmentName", "HeadFirstName", "HeadLastName"]]
                                 + [[200001 + n, f"School {200001 + n}", "Bea", "New"]
                                    for n in range(len(cases))])
    _plan, result = importing.run_import(path, "schools")
    assert result.updated == len(cases)

    dialog = [_ended(role_id) for _school, role_id in by_dialog]
    imported = [_ended(role_id) for _school, role_id in by_import]
    assert imported == dialog
    assert dialog == [
        (date(2019, 9, 1), date(2025, 3, 9), {"end_date": [None, "2025-03-09"]}, True,
         "headteacher", TODAY, None),
        (TODAY, TODAY, {"end_date": [None, "2025-03-10"]}, True, "headteacher", TODAY, None),
    ]


def test_handover_ends_the_day_before_but_never_before_the_role_began():
    assert holders.handover_end(date(2019, 9, 1), TODAY) == date(2025, 3, 9)
    assert holders.handover_end(None, TODAY) == date(2025, 3, 9)
    assert holders.handover_end(TODAY, TODAY) == TODAY
