"""The rows of one enrolments file checked against each other (import_enrolment_keys.FileKeys),
without a database: what the enrolments plan relies on for a trainee on several rows."""

from __future__ import annotations

from ittdesk.spreadsheets.import_base import Item, Record, Refusal
from ittdesk.spreadsheets.import_enrolment_keys import FileKeys

COLUMNS = {"email": "Email", "trn": "TRN", "first_name": "First name", "cohort": "Cohort"}


def _add(keys: FileKeys, row: int, person: dict[str, object], cohort_id: int) -> Item:
    token = ("new", row)
    item = Item(row, "add", str(person.get("email")), "x", {}, {"person": dict(person)})
    claimed = {k: v for k, v in person.items() if k in ("email", "trn") and v is not None}
    keys.planned(token, item, row, cohort_id, claimed, None)
    return item


def test_a_later_row_with_a_new_trainees_email_or_trn_is_that_trainee():
    keys = FileKeys()
    _add(keys, 2, {"email": "a@example.org", "trn": "1234567", "first_name": "Siân"}, 1)
    assert keys.new_person({"email": "a@example.org"}) == ("new", 2)
    assert keys.new_person({"trn": "1234567"}) == ("new", 2)
    # a TRN with another email is another person (the TRN is then refused), never merged
    assert keys.new_person({"trn": "1234567", "email": "b@example.org"}) is None
    assert keys.new_person({"email": "c@example.org"}) is None


def test_rows_that_disagree_about_a_new_trainee_are_refused_and_what_they_add_is_added():
    keys = FileKeys()
    first = _add(keys, 2, {"email": "a@example.org", "first_name": "Siân", "trn": None}, 1)
    refused: list[Refusal] = []
    # the same name spaced and cased differently agrees; a TRN the first row lacks is added
    added = keys.additions(("new", 2), {"first_name": " SIÂN ", "trn": "1234567"},
                           Record(3, {}), COLUMNS, refused)
    assert added == {"trn": "1234567"} and refused == []
    keys.planned(("new", 2), Item(3, "add", "a", "x", {}, {}), 3, 2, {"trn": "1234567"}, added)
    assert first.payload["person"]["trn"] == "1234567"
    assert keys.additions(("new", 2), {"first_name": "Zoë"}, Record(4, {}), COLUMNS, refused) is None
    assert [str(r) for r in refused] == [
        "row 4, column 'First name': the same trainee is on row 2 with first name 'Siân': "
        "make the rows agree"]


def test_a_key_or_a_cohort_place_claimed_by_an_earlier_row_is_refused():
    keys = FileKeys()
    _add(keys, 2, {"email": "a@example.org", "trn": "1234567"}, 1)
    refused: list[Refusal] = []
    assert keys.free(("new", 2), {"email": "a@example.org"}, Record(3, {}), COLUMNS, refused)
    assert not keys.free(7, {"trn": "1234567"}, Record(3, {}), COLUMNS, refused)
    assert keys.pair_free(("new", 2), 2, Record(4, {}), COLUMNS, refused)
    assert not keys.pair_free(("new", 2), 1, Record(4, {}), COLUMNS, refused)
    assert [str(r) for r in refused] == [
        "row 3, column 'TRN': TRN 1234567 is also on row 2 for another person: keep one",
        "row 4, column 'Cohort': this trainee is also on row 2 in the same cohort: keep one"]
