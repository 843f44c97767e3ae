"""Home's reads run on two threads side by side (``ittdesk.side_by_side``): each result in its
place, the helper thread reading through its own connection, errors raised on the caller's
thread; Home gets the same groups as ``needs_attention`` reads one after the other."""

from __future__ import annotations

import threading

import pytest

from ittdesk.models import School
from ittdesk.side_by_side import run_side_by_side


def test_reads_come_back_in_order_the_helper_reading_through_its_own_connection(db):
    School.create(urn=100001, name="Fernbank Primary School")
    helper_read = threading.Event()
    threads: dict[str, int] = {}

    def first() -> int:
        threads["first"] = threading.get_ident()
        assert helper_read.wait(timeout=20), "the second read ran meanwhile, on the other thread"
        return School.select().count()

    def second() -> str:
        threads["second"] = threading.get_ident()
        name = School.get(School.urn == 100001).name
        helper_read.set()
        return name

    assert run_side_by_side([first, second, lambda: 3]) == [1, "Fernbank Primary School", 3]
    # one on the caller's thread, the other on the helper (whichever took the first)
    assert threads["first"] != threads["second"]
    assert threading.get_ident() in (threads["first"], threads["second"])


def test_an_error_in_a_read_is_raised_on_the_callers_thread(db):
    def broken() -> None:
        raise ValueError("no such card")

    with pytest.raises(ValueError, match="no such card"):
        run_side_by_side([lambda: School.select().count(), broken])


def test_home_gets_the_same_groups_as_needs_attention_reads_one_by_one(demo_db):
    from ittdesk import attention, clock

    today = clock.today()
    data = attention.home_data(today)

    def seen(groups: list[attention.Group]) -> list[tuple]:
        return [(g.key, g.title, g.count, [(i.entity, i.id, i.text, i.detail, i.urgent)
                                           for i in g.items]) for g in groups]

    assert seen(data["groups"]) == seen(attention.needs_attention(today))
    assert data["groups"] and any(g.count for g in data["groups"])
    assert data["per_month"] == attention.placements_per_month(today)
    assert data["by_subject"] == attention.trainees_by_subject(today)
    assert data["empty"] is False
