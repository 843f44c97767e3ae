"""The erasure says what its counts mean: every audit entry about the person is looked at, and
only those holding personal values change."""

from __future__ import annotations

from ittdesk.privacy import erasure
from ittdesk.services.people import people, roles
from ittdesk.services.schools import schools


def test_the_erasure_explains_why_fewer_audit_entries_were_scrubbed_than_exist(db):
    school = schools.create({"urn": "100001", "name": "Brook Primary"})
    person = people.create({"first_name": "Ada", "last_name": "Pennant", "email": "ada@example.org"})
    role = roles.create({"person": person.id, "school": school.id, "kind": "mentor"})
    roles.update(role.id, {"capacity": 2})  # an entry about her holding no personal value
    result = erasure.erase(person.id)
    assert result.audit_entries_about > result.audit_entries_scrubbed > 0
    n, total = result.audit_entries_scrubbed, result.audit_entries_about
    rest = total - n
    hold, stay = ("holds", "stays as it was") if rest == 1 else ("hold", "stay as they were")
    assert result.audit_text() == (
        f"{n} of the {total} audit entries about them held personal values and "
        f"{'was' if n == 1 else 'were'} scrubbed; the other {rest} {hold} none (dates, statuses, "
        f"links) and {stay}")


def test_when_every_entry_held_personal_values_it_says_so_plainly():
    result = erasure.ErasureResult(1, 2, 3, False, audit_entries_about=3)
    assert result.audit_text() == "the 3 audit entries about them scrubbed of personal values"
    none = erasure.ErasureResult(1, 0, 0, False, audit_entries_about=0)
    assert none.audit_text() == "no audit entry about them held personal values"
