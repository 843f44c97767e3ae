"""A heading maps to a field only when it *names* that field (issue 14, item 1).

Each case is a heading from a real file that was once stored in the wrong field because it
merely contained the field's word. Matched against the import kinds' own fields, no file, no
database.
"""

from __future__ import annotations

import pytest

from ittdesk.spreadsheets import heading_match
from ittdesk.spreadsheets.importing import kinds


def _mapped(kind: str, headings: list[str]) -> dict[str, str]:
    matches = heading_match.match_headings(headings, kinds()[kind].fields)
    return {headings[col]: m.field for col, m in matches.items()}


# (kind, the file's headings, the heading that must not become the field, the field)
WRONG_FIELD_CASES = [
    ("schools", ["URN", "provider_postcode", "establishment_postcode"], "provider_postcode",
     "postcode"),
    ("placements", ["Trainee ID", "Course Year", "Placement 1 URN"], "Course Year", "year_group"),
    ("placements", ["Trainee ID", "Trainee Start Date", "Placement 1 URN"], "Trainee Start Date",
     "start_date"),
    ("placements", ["Trainee ID", "UK Degree Type", "Placement 1 URN"], "UK Degree Type", "kind"),
    ("schools", ["URN", "EstablishmentName", "HeadHonours"], "HeadHonours", "head_name"),
    ("schools", ["URN", "LinkURN", "LinkName", "LinkType"], "LinkName", "name"),
    ("schools", ["URN", "LinkURN", "LinkName", "LinkType"], "LinkType", "establishment_type"),
    ("people", ["First name", "Last name", "Previous Last Name", "Email"], "Previous Last Name",
     "full_name"),
    ("people", ["Middle name", "URN", "Email"], "Middle name", "full_name"),
    ("people", ["Trainee start date", "URN", "Email"], "Trainee start date", "full_name"),
    ("people", ["School name", "URN", "Email"], "School name", "full_name"),
    ("schools", ["URN", "EstablishmentName", "EstablishmentStatus (code)"],
     "EstablishmentStatus (code)", "status"),
    ("schools", ["URN", "EstablishmentName", "TypeOfEstablishment (code)"],
     "TypeOfEstablishment (code)", "establishment_type"),
    ("enrolments", ["Trainee ID", "Email", "Course level"], "Course level", "programme"),
    # the same four names in a trainee file
    ("enrolments", ["Trainee ID", "First name", "Last name", "Previous Last Name"],
     "Previous Last Name", "full_name"),
    ("enrolments", ["Trainee ID", "Middle name"], "Middle name", "full_name"),
    ("enrolments", ["Trainee ID", "Trainee start date"], "Trainee start date", "full_name"),
    ("enrolments", ["Trainee ID", "School name"], "School name", "full_name"),
    ("enrolments", ["Trainee ID", "Previous Last Name"], "Previous Last Name", "last_name"),
]


@pytest.mark.parametrize(("kind", "headings", "heading", "field"), WRONG_FIELD_CASES,
                         ids=[f"{c[2]} is not {c[3]}" for c in WRONG_FIELD_CASES])
def test_a_heading_naming_something_else_is_not_that_field(kind, headings, heading, field):
    mapped = _mapped(kind, headings)
    assert mapped.get(heading) != field
    assert field not in [f for h, f in mapped.items() if h == heading]


def test_a_provider_postcode_never_takes_the_school_postcode_whichever_column_comes_first():
    for headings in (["URN", "provider_postcode", "establishment_postcode"],
                     ["URN", "establishment_postcode", "provider_postcode"]):
        mapped = _mapped("schools", headings)
        assert mapped["establishment_postcode"] == "postcode"
        assert "provider_postcode" not in mapped


def test_previous_and_middle_names_are_not_the_persons_name_in_a_trainee_file():
    mapped = _mapped("enrolments", ["Trainee ID", "First names", "Middle name", "Last name",
                                    "Previous Last Name", "Email"])
    assert mapped == {"Trainee ID": "trainee_id", "First names": "first_name",
                      "Last name": "last_name", "Email": "email"}


def test_gias_code_columns_never_feed_the_text_fields_beside_their_name_columns():
    headings = ["URN", "EstablishmentName", "TypeOfEstablishment (code)",
                "TypeOfEstablishment (name)", "PhaseOfEducation (code)", "PhaseOfEducation (name)",
                "LA (code)", "LA (name)"]
    mapped = _mapped("schools", headings)
    assert mapped["TypeOfEstablishment (name)"] == "establishment_type"
    assert mapped["PhaseOfEducation (name)"] == "phase"
    assert mapped["LA (code)"] == "la_code" and mapped["LA (name)"] == "la_name"
    assert "TypeOfEstablishment (code)" not in mapped and "PhaseOfEducation (code)" not in mapped


@pytest.mark.parametrize(("heading", "field"), [
    ("establishment_postcode", "postcode"), ("School URN (DfE)", "urn"), ("EstablishmentName", "name"),
    ("Name of school", "name"), ("Postcode of the school", "postcode"), ("school_website", "website"),
])
def test_a_heading_naming_the_field_with_neutral_words_is_sure(heading, field):
    matches = heading_match.match_headings([heading], kinds()["schools"].fields)
    assert matches[0].field == field
    assert matches[0].confidence >= heading_match.SURE


@pytest.mark.parametrize(("heading", "field"), [
    ("Partner school URN", "urn"), ("Correspondence postcode", "postcode"), ("Postcdoe", "postcode"),
])
def test_a_heading_with_words_the_matcher_does_not_know_is_a_guess_to_check(heading, field):
    matches = heading_match.match_headings([heading], kinds()["schools"].fields)
    assert matches[0].field == field
    assert matches[0].confidence < heading_match.SURE


def test_matching_ignores_case_spacing_underscores_punctuation_and_camel_case():
    for heading in ("establishment_postcode", "EstablishmentPostcode", "ESTABLISHMENT POSTCODE",
                    "Establishment-post code"):
        assert _mapped("schools", ["URN", heading]) == {"URN": "urn", heading: "postcode"}


def test_the_column_that_names_a_field_wins_and_the_other_is_reported():
    headings = ["URN", "correspondence_postcode", "establishment_postcode"]
    fields = kinds()["schools"].fields
    matches = heading_match.match_headings(headings, fields)
    assert matches[2].field == "postcode" and 1 not in matches
    lost = heading_match.competing(headings, fields, matches)
    assert {col: m.field for col, m in lost.items()} == {1: "postcode"}
