"""List queries, summaries, attention and exports: SQL does the filtering and sorting, on
SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from ittdesk import attention, clock
from ittdesk.academic_year import AcademicYear
from ittdesk.models import SupportAgreement
from ittdesk.queries import is_empty_database, record_counts
from ittdesk.queries.export import export_list
from ittdesk.queries.lists import (
    AGREEMENTS,
    COHORTS,
    ENROLMENTS,
    LISTS,
    PEOPLE,
    PLACEMENTS,
    SCHOOLS,
)
from ittdesk.queries.person_record import export_development_record
from ittdesk.queries.summaries import person_summary, school_summary
from ittdesk.services.agreements import agreements, reports
from ittdesk.services.people import mentor_training, people, roles
from ittdesk.services.programmes import cohorts, enrolments, placements, programmes
from ittdesk.services.schools import schools

TODAY = clock.today()
YEAR = AcademicYear.for_date(TODAY)


def school(urn, name, **extra):
    return schools.create({"urn": urn, "name": name, **extra})


@pytest.fixture
def partnership(db):
    """A small partnership built through the services."""
    a = school(100001, "Fernbank Primary School", phase="primary", la_name="Northmoor",
               postcode="LS1 1AA", partnership_status="partner", trust="Pennine Schools Trust")
    b = school(100002, "Ashby Moor Academy", phase="secondary", la_name="Eastbridge",
               partnership_status="placement", leadership_confirmed_on=YEAR.start + timedelta(days=3))
    c = school(100003, "zebra Infant School", phase="primary", la_name="Northmoor")
    head = people.create({"first_name": "Ada", "last_name": "Greaves", "email": "ada@example.org"})
    mentor = people.create({"first_name": "Ben", "last_name": "Naylor", "email": "ben@example.org"})
    roles.create({"person": head.id, "school": a.id, "kind": "headteacher", "start_date": date(2018, 9, 1)})
    roles.create({"person": mentor.id, "school": a.id, "kind": "mentor", "capacity": 1,
                  "start_date": date(2020, 9, 1)})
    mentor_training.create({"person": mentor.id, "kind": "initial", "completed_on": date(2019, 1, 10)})
    prog = programmes.create({"name": "Primary SCITT", "kind": "itt"})
    cohort = cohorts.create({"programme": prog.id, "name": "Cohort A", "academic_year": YEAR,
                             "places": 2})
    trainees = []
    for first in ("Ivy", "Leo"):
        person = people.create({"first_name": first, "last_name": "Lumb"})
        trainees.append(enrolments.create({"person": person.id, "cohort": cohort.id,
                                           "status": "enrolled", "subject": "Primary"}))
    start = max(YEAR.start, TODAY - timedelta(days=5))
    end = min(YEAR.end, TODAY + timedelta(days=30))
    for enrolment in trainees:
        placements.create({"enrolment": enrolment.id, "school": a.id, "mentor": mentor.id,
                           "start_date": start, "end_date": end})
    agreement = agreements.create({"title": "Early reading", "academic_year": YEAR})
    # Reports fall due once an agreement is agreed; the lifecycle itself is tested elsewhere.
    SupportAgreement.update(status="active").where(SupportAgreement.id == agreement.id).execute()
    reports.create({"agreement": agreement.id, "kind": "interim", "due_date": TODAY - timedelta(days=2)})
    return {"a": a, "b": b, "c": c, "head": head, "mentor": mentor, "cohort": cohort,
            "trainees": trainees, "agreement": agreement}


def test_search_matches_every_word_in_any_column_ignoring_case(partnership):
    fernbank = partnership["a"].id
    assert SCHOOLS.ids("FERN") == [fernbank]
    assert SCHOOLS.ids("ls1") == [fernbank]
    assert SCHOOLS.ids("100001") == [fernbank]
    assert PEOPLE.ids("ada greaves") == [partnership["head"].id]
    assert PEOPLE.ids("ada naylor") == []


def test_text_sorts_ignore_case_and_can_be_reversed(partnership):
    names = [SCHOOLS.rows([i])[i][0] for i in SCHOOLS.ids(sort="name")]
    assert names == ["Ashby Moor Academy", "Fernbank Primary School", "zebra Infant School"]
    assert SCHOOLS.ids(sort="name", descending=True) == list(reversed(SCHOOLS.ids(sort="name")))


def test_every_column_of_every_list_sorts_and_every_filter_option_applies(partnership):
    for query in LISTS.values():
        everything = set(query.ids())
        for column in query.columns:
            assert set(query.ids(sort=column.key, descending=True)) == everything
        for flt in query.filters:
            for value, _label in flt.options():
                assert set(query.ids(filters={flt.key: value})) <= everything


def test_filters_narrow_schools_people_and_placements(partnership):
    assert set(SCHOOLS.ids(filters={"la": "Northmoor"})) == {partnership["a"].id, partnership["c"].id}
    assert SCHOOLS.ids(filters={"la": "Northmoor", "phase": "primary", "trust": "Pennine Schools Trust"}) \
        == [partnership["a"].id]
    assert PEOPLE.ids(filters={"role": "mentor"}) == [partnership["mentor"].id]
    assert PLACEMENTS.count(filters={"mentor": "none"}) == 0
    assert PLACEMENTS.count(filters={"year": str(YEAR)}) == 2
    assert ENROLMENTS.count(filters={"cohort": str(partnership["cohort"].id), "status": "enrolled"}) == 2


def test_rows_show_related_values_and_places_left(partnership):
    a = partnership["a"].id
    row = dict(zip([c.key for c in SCHOOLS.columns], SCHOOLS.rows([a])[a], strict=True))
    assert row["head"] == "Ada Greaves"
    cohort = partnership["cohort"].id
    texts = dict(zip([c.key for c in COHORTS.columns], COHORTS.display_rows([cohort])[cohort],
                     strict=True))
    assert (texts["places"], texts["taken"], texts["left"]) == ("2", "2", "0")


def test_agreements_show_the_next_report_and_filter_by_reports_due(partnership):
    agreement = partnership["agreement"].id
    texts = AGREEMENTS.display_rows([agreement])[agreement]
    assert (TODAY - timedelta(days=2)).strftime("%d/%m/%Y") in texts
    assert AGREEMENTS.ids(filters={"reports": "overdue"}) == [agreement]
    assert AGREEMENTS.ids(filters={"reports": "none"}) == []


def test_attention_lists_what_needs_doing(partnership):
    groups = {g.key: g for g in attention.needs_attention(TODAY)}
    assert groups["reports"].count == 1 and groups["reports"].items[0].urgent
    assert [i.id for i in groups["leadership"].items] == [partnership["a"].id]
    assert groups["over_capacity"].count == 1
    assert groups["over_capacity"].items[0].detail == "2 trainees now; capacity 1"
    assert [i.id for i in groups["training"].items] == [partnership["mentor"].id]
    assert groups["cohorts"].count == 1
    assert groups["no_mentor"].count == 0 and groups["unplaced"].count == 0


def test_attention_counts_beyond_the_items_it_lists(db):
    for n in range(5):
        school(200000 + n, f"School {n}", partnership_status="partner")
    group = attention.leadership_unconfirmed(TODAY, limit=2)
    assert group.count == 5 and len(group.items) == 2


def test_mentors_over_capacity_are_counted_beyond_the_ones_listed_in_name_order(partnership):
    """One query gives the count and the first few (a window count): a second mentor over
    capacity at another school is counted when only one is listed, and listed by name."""
    a, b = partnership["a"], partnership["b"]
    other = people.create({"first_name": "Cal", "last_name": "Adams"})
    roles.create({"person": other.id, "school": b.id, "kind": "mentor", "capacity": 0,
                  "start_date": date(2020, 9, 1)})
    placements.create({"enrolment": partnership["trainees"][0].id, "school": b.id,
                       "mentor": other.id, "start_date": TODAY, "end_date": TODAY})
    ended = placements.create({"enrolment": partnership["trainees"][1].id, "school": a.id,
                               "mentor": partnership["mentor"].id,
                               "start_date": TODAY - timedelta(days=9),
                               "end_date": TODAY - timedelta(days=8)})
    assert ended.id  # over, so not counted: Ben still has 2 trainees now
    group = attention.mentors_over_capacity(TODAY, limit=1)
    assert group.count == 2
    assert [(i.id, i.text, i.detail) for i in group.items] == [
        (other.id, "Cal Adams (Ashby Moor Academy)", "1 trainees now; capacity 0")]
    group = attention.mentors_over_capacity(TODAY, limit=5)
    assert [i.id for i in group.items] == [other.id, partnership["mentor"].id]
    assert group.items[1].detail == "2 trainees now; capacity 1"


def test_charts_count_by_month_and_subject(partnership):
    per_month = dict(attention.placements_per_month(TODAY))
    assert sum(per_month.values()) == 2 and list(per_month)[0] == "Sep"
    assert attention.trainees_by_subject(TODAY) == [("Primary", 2)]


def test_the_trainees_chart_leaves_out_applicants_who_only_hold_an_offer(partnership):
    from ittdesk.services.people import people
    from ittdesk.services.programmes import enrolments

    applicant = people.create({"first_name": "Ola", "last_name": "Offered"})
    enrolments.create({"person": applicant.id, "cohort": partnership["cohort"].id,
                       "status": "offered", "subject": "Primary"})
    assert attention.trainees_by_subject(TODAY) == [("Primary", 2)]


def test_summaries_give_leadership_mentors_and_the_development_record(partnership):
    summary = school_summary(partnership["a"].id)
    assert [(x.text, x.detail) for x in summary["leadership"]] == [("Ada Greaves", "Headteacher")]
    assert summary["mentors"][0].extra["over"] is True
    record = person_summary(partnership["mentor"].id)
    assert [r.text for r in record["roles"]] == ["Fernbank Primary School"]
    assert len(record["mentored"]) == 2


def test_list_export_writes_what_the_list_shows(partnership, tmp_path):
    n = export_list(SCHOOLS, tmp_path / "schools.xlsx", filters={"la": "Northmoor"}, sort="name",
                    columns=["name", "urn", "phase"], title="Schools")
    assert n == 2
    values = [row for row in load_workbook(tmp_path / "schools.xlsx").worksheets[0]
              .iter_rows(values_only=True) if row and row[0]]
    assert ("Fernbank Primary School", 100001, "Primary") in values
    assert ("zebra Infant School", 100003, "Primary") in values
    csv_rows = export_list(PEOPLE, tmp_path / "people.csv", search="ada")
    assert csv_rows == 1
    text = (tmp_path / "people.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith("Greaves,Ada")


def test_export_refuses_an_unknown_file_type_and_writes_nothing(partnership, tmp_path):
    from ittdesk.errors import RefusedError

    with pytest.raises(RefusedError, match="xlsx or .csv"):
        export_list(SCHOOLS, tmp_path / "schools.pdf")
    assert list(tmp_path.glob("schools*")) == []


def test_development_record_exports_roles_and_training(partnership, tmp_path):
    out = export_development_record(partnership["mentor"].id, tmp_path / "record.xlsx")
    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert "Development record: Ben Naylor" in cells
    assert "Fernbank Primary School" in cells and "Initial" in cells


def test_counts_and_emptiness(db):
    assert is_empty_database()
    assert record_counts()["schools"] == 0
    school(100001, "Fernbank Primary School")
    assert not is_empty_database()
    assert record_counts()["schools"] == 1


def test_id_queries_leave_out_joins_nobody_looks_at_but_give_the_same_ids(partnership):
    assert not PLACEMENTS._needs_join("", {"kind": "main", "mentor": "some"}, "start")
    # a search checks the joined tables' columns: on the joined rows for a word too short for
    # the index, or for several words; one indexed word on each table's own rows, no join
    assert PLACEMENTS._needs_join("lu", {}, "start")
    assert PLACEMENTS._needs_join("lumb ivy", {}, "start")
    assert PLACEMENTS._needs_join("lumb", {}, "start") == set()
    assert PLACEMENTS._needs_join("", {}, "school")
    fast = PLACEMENTS.ids(filters={"year": str(YEAR)}, sort="start")
    joined = [i for i in PLACEMENTS.ids(sort="school") if i in fast]
    assert sorted(fast) == sorted(joined) and len(fast) == 2


def test_enrolment_ids_join_only_the_tables_the_sort_filter_and_search_look_at(partnership):
    from ittdesk.models import Cohort, database
    from ittdesk.queries.lists import ENROLMENTS, _EnrolledPerson

    assert ENROLMENTS._needs_join("", {}, "last_name") == {_EnrolledPerson}
    assert ENROLMENTS._needs_join("", {"status": "enrolled"}, "status") == set()
    assert ENROLMENTS._needs_join("", {"year": str(YEAR)}, "status") == {Cohort}
    assert ENROLMENTS._needs_join("", {}, None) == set()  # the count

    def joined_everything(search="", filters=None, sort="", descending=False):
        query = ENROLMENTS.where(ENROLMENTS._select(ENROLMENTS.model.id, joined=True),
                                 search, filters)
        query = query.order_by(*ENROLMENTS._order(sort, descending))
        return [row[0] for row in database.execute(query).fetchall()]

    cases = [("", {}, col.key, desc) for col in ENROLMENTS.columns for desc in (False, True)]
    cases += [("a", {}, "status", False), ("", {"year": str(YEAR)}, "trainee_id", True),
              ("", {"programme": str(partnership["cohort"].programme_id)}, "", False)]
    for search, filters, sort, desc in cases:
        assert ENROLMENTS.ids(search, filters, sort, desc) == joined_everything(
            search, filters, sort, desc), (search, filters, sort, desc)
        assert ENROLMENTS.count(search, filters) == len(joined_everything(search, filters))


def test_erased_people_stay_out_of_the_people_list_even_without_joins(partnership):
    from ittdesk.models import Person

    Person.update(erased=True).where(Person.id == partnership["head"].id).execute()
    assert partnership["head"].id not in PEOPLE.ids(sort="last_name")
    assert partnership["head"].id not in PEOPLE.ids(sort="school")


def test_an_active_agreement_past_its_end_date_is_flagged_on_home_and_filterable(db):
    from ittdesk.services.agreement_lifecycle import change_status
    from ittdesk.services.agreements import agreements, parties, reports

    sup, sing = school(200001, "Supported School"), school(200002, "Supporting School")
    a = agreements.create({"title": "Reading", "academic_year": "2024/25",
                           "intended_impact": "Better reading", "evidence": "Tests",
                           "start_date": date(2024, 9, 1), "end_date": TODAY - timedelta(days=10)})
    parties.create({"agreement": a.id, "school": sup.id, "role": "supported", "responsibilities": "Release staff"})
    parties.create({"agreement": a.id, "school": sing.id, "role": "supporting", "responsibilities": "Provide an SLE"})
    reports.create({"agreement": a.id, "kind": "final", "due_date": TODAY + timedelta(days=200)})
    change_status(a.id, "agreed")
    change_status(a.id, "active")
    groups = {g.key: g for g in attention.needs_attention(TODAY)}
    assert [i.id for i in groups["past_end"].items] == [a.id]
    assert AGREEMENTS.ids(filters={"reports": "past_end"}) == [a.id]


def test_reports_of_draft_agreements_are_not_due_yet(db):
    from ittdesk.services.agreements import agreements, reports

    a = agreements.create({"title": "Draft only", "academic_year": "2025/26"})
    reports.create({"agreement": a.id, "kind": "interim", "due_date": TODAY - timedelta(days=3)})
    assert attention.reports_due(TODAY, 10).count == 0
    assert AGREEMENTS.ids(filters={"reports": "overdue"}) == []


def test_home_lists_partner_schools_without_a_head_or_itt_champion(db):
    from ittdesk.services.people import people, roles

    lonely = school(200010, "Lonely Primary", partnership_status="partner")
    led = school(200011, "Led Primary", partnership_status="partner")
    head = people.create({"first_name": "Ada", "last_name": "Greaves"})
    champion = people.create({"first_name": "Ben", "last_name": "Naylor"})
    roles.create({"person": head.id, "school": led.id, "kind": "headteacher"})
    roles.create({"person": champion.id, "school": led.id, "kind": "itt_champion"})
    group = {g.key: g for g in attention.needs_attention(TODAY)}["no_head_or_champion"]
    assert [(i.id, i.detail) for i in group.items] == [
        (lonely.id, "Missing: Headteacher, ITT champion")]
    assert group.count == 1


def test_home_counts_every_school_without_a_head_while_listing_the_first_few(db):
    """Home's card counts them all and lists the first by name, from one query (a window)."""
    from ittdesk.leadership.history import (
        count_schools_without_head_or_champion,
        counted_schools_without_head_or_champion,
        schools_without_head_or_champion,
    )

    for n in range(7):
        school(200020 + n, f"School {chr(ord('G') - n)}", partnership_status="partner")
    total, first = counted_schools_without_head_or_champion(3)
    assert total == count_schools_without_head_or_champion() == 7
    assert first == schools_without_head_or_champion(limit=3)
    assert [m.name for m in first] == ["School A", "School B", "School C"]
    group = {g.key: g for g in attention.needs_attention(TODAY, limit=3)}["no_head_or_champion"]
    assert group.count == 7 and len(group.items) == 3
    assert counted_schools_without_head_or_champion(0) == (7, [])


def test_a_column_said_to_reverse_exactly_gives_the_mirror_order_descending(partnership):
    """The list model flips such a sort without a query: the SQL must agree, ties and all."""
    from ittdesk.queries.lists import reverses_exactly

    checked = 0
    for query in LISTS.values():
        for column in query.columns:
            if not reverses_exactly(query, column.key):
                continue
            ascending = query.ids(sort=column.key)
            assert query.ids(sort=column.key, descending=True) == ascending[::-1], \
                (query.name, column.key)
            assert query.ids("a", sort=column.key, descending=True) == \
                query.ids("a", sort=column.key)[::-1], (query.name, column.key)
            checked += 1
    assert checked > 10
    assert not reverses_exactly(ENROLMENTS, "home_school")  # an outer join: can be NULL
    assert not reverses_exactly(SCHOOLS, "head")  # a subquery
    assert not reverses_exactly(SCHOOLS, "la")  # a column that may be empty


def test_cohorts_are_found_by_year_name_or_programme(partnership):
    """The year column is searched as text (its field would parse the pattern as a year)."""
    cohort = partnership["cohort"]
    assert COHORTS.ids(str(YEAR)) == [cohort.id]
    assert COHORTS.ids(str(YEAR.start.year)) == [cohort.id]
    assert COHORTS.ids("cohort a") == [cohort.id]
    assert COHORTS.ids("no such cohort") == []


def test_sorting_by_a_small_joined_table_ranks_it_first_in_the_same_order(partnership, monkeypatch):
    """Enrolments by programme or cohort: the programmes/cohorts are put in order first and the
    rows sorted by their place (a CASE), giving exactly the order the plain ORDER BY gives."""
    from ittdesk.models import Cohort, Programme
    from ittdesk.queries import ListQuery
    from ittdesk.services.programmes import cohorts, enrolments, programmes

    other = programmes.create({"name": "apprenticeship route", "kind": "itt"})
    for name in ("Cohort A", "a cohort"):  # the same name as the first (ties by cohort id)
        late = cohorts.create({"programme": other.id, "name": name, "academic_year": YEAR,
                               "places": 5})
        for enrolment in partnership["trainees"]:
            enrolments.create({"person": enrolment.person_id, "cohort": late.id,
                               "status": "enrolled"})
    assert ENROLMENTS.lookups == (Cohort, Programme)
    for query in (ENROLMENTS, PLACEMENTS):
        for column in query.columns:
            for descending in (False, True):
                # the whole list (read a group at a time), searched and filtered (a CASE)
                last = query.filters[-1]  # enrolments: status, placements: mentor
                narrowed = {last.key: last.options()[-1][0]}
                for search, filters in (("", {}), ("lumb", {}), ("", narrowed)):
                    ranked = query.ids(search, filters, column.key, descending)
                    with monkeypatch.context() as m:
                        m.setattr(query, "_order", ListQuery._order.__get__(query))
                        plain = ListQuery.ids(query, search, filters, column.key, descending)
                    assert ranked == plain, (query.name, column.key, descending, search)


def _plain_ids(query, search="", filters=None, sort="", descending=False):
    """The plain query: every join, the scope, one ORDER BY with NULLS LAST on every sort (no
    ranking, no index walk, no NULLS clause left out)."""
    from ittdesk.models import database
    from ittdesk.queries import ListQuery

    select = query.where(query._select(query.model.id, joined=True), search, filters)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ListQuery, "never_null", lambda self, expr: False)
        select = select.order_by(*ListQuery._order(query, sort, descending))
    return [row[0] for row in database.execute(select).fetchall()]


def test_placements_and_people_give_the_plain_order_with_fewer_joins_or_an_index_walk(partnership):
    """Placements join only what the sort, search and filters read (by school SQLite walks
    school_name_key with no sort); people by last name walk person_last_name_key without
    the erased condition. Same ids in the same order as the plain ORDER BY over every join:
    every column, both directions, whole/searched/filtered, with NULLs, ties and erased people."""
    from ittdesk.models import Person, School
    from ittdesk.queries.lists import _Mentor, _Trainee

    assert PLACEMENTS._needs_join("", {}, "school") == {School}
    assert PLACEMENTS._needs_join("", {}, "trainee") == {_Trainee}
    assert PLACEMENTS._needs_join("", {}, "mentor") == {_Mentor}
    assert Person not in PLACEMENTS._needs_join("lumb", {}, "start")  # CAST(urn) looked into
    never_null = {c.key for c in PLACEMENTS.columns if PLACEMENTS.never_null(c.expr)}
    assert never_null == {"trainee", "school", "kind", "start", "end", "cohort_year", "urn"}
    assert {c.key for c in PEOPLE.columns if PEOPLE.never_null(c.expr)} == {"last_name",
                                                                            "first_name"}
    a, b, c = partnership["a"], partnership["b"], partnership["c"]
    twin = school(100004, "FERNBANK primary school")  # ties Fernbank by LOWER(name)
    cohort = partnership["cohort"]
    start = partnership["trainees"][0].placements[0].start_date
    end = partnership["trainees"][0].placements[0].end_date
    mentors = [partnership["mentor"], people.create({"first_name": "ben", "last_name": "NAYLOR"}),
               None, people.create({"first_name": "Zoe", "last_name": "Abbot"})]
    for n, (first, last) in enumerate((("Ivy", "Lumb"), ("ivy", "lumb"), ("Al", "Zed"),
                                       ("Leo", "Lumb"))):
        person = people.create({"first_name": first, "last_name": last})
        enrolment = enrolments.create({"person": person.id, "cohort": cohort.id,
                                       "status": "enrolled", "subject": "Maths"})
        for m, where in enumerate((twin, a, b, c)[n:] + (a,)):
            mentor = mentors[(n + m) % len(mentors)]
            placements.create({"enrolment": enrolment.id, "school": where.id,
                               "mentor": mentor.id if mentor else None,
                               "start_date": start, "end_date": end,
                               "subject": None if m % 2 else "Maths"})
    erased = people.create({"first_name": "Gone", "last_name": "greaves"})
    Person.update(erased=True).where(Person.id == erased.id).execute()
    assert erased.id not in PEOPLE.ids(sort="last_name")
    for query, narrowed in ((PLACEMENTS, {"mentor": "some"}), (PEOPLE, {"role": "mentor"})):
        for column in query.columns:
            for descending in (False, True):
                for search, filters in (("", {}), ("lumb", {}), ("", narrowed)):
                    assert query.ids(search, filters, column.key, descending) == _plain_ids(
                        query, search, filters, column.key, descending), (
                        query.name, column.key, descending, search, filters)
        assert query.ids() == _plain_ids(query)  # the default sort


def test_a_cohorts_summary_counts_its_trainees_by_status_in_the_statuses_order(partnership):
    from ittdesk.queries.summaries import cohort_summary

    cohort = partnership["cohort"]
    enrolments.update(partnership["trainees"][1].id, {"status": "withdrawn",
                                                      "withdrawal_date": YEAR.start})
    person = people.create({"first_name": "Mo", "last_name": "Lumb"})
    enrolments.create({"person": person.id, "cohort": cohort.id, "status": "enrolled"})
    summary = cohort_summary(cohort.id)
    assert summary["by_status"] == [("Enrolled", 2), ("Withdrawn", 1)]


def _built_now(query, keys, ids):
    """The rows as Peewee builds their SELECT afresh (what ``rows`` did before it reused one)."""
    from ittdesk.models import database

    cols = [query.column(k) for k in keys]
    exprs = [query.model.id] + [c.expr.alias(f"c{n}") for n, c in enumerate(cols)]
    built = query._select(*exprs).where(query.model.id.in_(list(ids)))
    return {row[0]: tuple(row[1:]) for row in database.execute(built).fetchall()}


def test_the_rows_reused_select_gives_what_a_fresh_select_gives_for_every_list(partnership):
    checked = set()
    for query in LISTS.values():
        ids = query.ids()
        keys = [c.key for c in query.columns]
        if not ids:  # no events in this partnership
            continue
        checked.add(query.name)
        assert query.rows(ids) == _built_now(query, keys, ids), query.name
        assert query.rows(ids) == query.rows(list(reversed(ids)) + ids)  # again, repeats too
        some = keys[1:3]
        assert query.rows(ids[:1], some) == _built_now(query, some, ids[:1]), query.name
    assert checked >= {"schools", "people", "cohorts", "enrolments", "placements", "agreements"}
    assert SCHOOLS.rows([]) == {}
    assert SCHOOLS.rows([10**9]) == {}  # no such record: left out, as before


def test_rows_of_more_ids_than_one_statement_takes_come_back_whole(partnership):
    from ittdesk.queries import ROW_CHUNK

    for n in range(ROW_CHUNK + 5):
        school(200000 + n, f"School {n:04d}")
    ids = SCHOOLS.ids(sort="name")
    assert len(ids) > ROW_CHUNK
    assert SCHOOLS.rows(ids) == _built_now(SCHOOLS, [c.key for c in SCHOOLS.columns], ids)
    assert set(SCHOOLS.rows(ids)) == set(ids)


def test_the_reused_select_follows_the_day_a_current_head_is_read_on(partnership, set_today):
    """A school's head is read as of today (``holders.Today``): a statement kept from yesterday
    must not show yesterday's head."""
    a = partnership["a"].id
    assert SCHOOLS.rows([a], ["head"])[a] == ("Ada Greaves",)  # built and kept for today
    set_today(date(2018, 8, 31))  # before Ada's headship began
    assert SCHOOLS.rows([a], ["head"])[a] == (None,)
    assert SCHOOLS.rows([a], ["head"]) == _built_now(SCHOOLS, ["head"], [a])
