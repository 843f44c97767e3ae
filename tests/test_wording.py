from ittdesk.wording import a, count


def test_counts_agree_with_their_noun():
    assert count(1, "cohorts") == "1 cohort"
    assert count(2, "cohort") == "2 cohorts"
    assert count(1, "people") == "1 person"
    assert count(0, "people") == "0 people"
    assert count(1, "things") == "1 thing"
    assert count(1, "enrolments") == "1 enrolment"
    assert count(1204, "schools") == "1,204 schools"
    assert count(1, "agreements") == "1 agreement"
    assert count(3, "activity") == "3 activities"
    assert count(1, "addresses") == "1 address"


def test_a_noun_takes_an_before_a_vowel():
    assert a("agreement") == "an agreement"
    assert a("event") == "an event"
    assert a("enrolment") == "an enrolment"
    assert a("school") == "a school"
    assert a("person") == "a person"
    assert a("placement") == "a placement"
