"""Issue 19, item 2, in the core: a change committed by another process reaches this one's
watcher with its kind and id (PostgreSQL: LISTEN/NOTIFY sent by the write path; SQLite:
``data_version`` and the audit entries past the last one seen). This process's own writes are
not heard back, the presence heartbeat alone is no change, a rolled-back write tells nobody, a
bulk write names its kind alone, and a lost PostgreSQL listener reconnects and says "read
everything again". The other process is a real one (``subprocess``) writing through the services.
"""

from __future__ import annotations

import threading
import time

import other_process
import pytest

from ittdesk import changes, presence
from ittdesk.changes import Batch
from ittdesk.models import database, is_postgres
from ittdesk.services.schools import schools


def another_process_adds(location, *urns: int) -> list[int]:
    """Schools added by another process (as another user's app or an ``ittdesk`` command)."""
    return other_process.adds(location, *urns)


def heard(source, until, seconds: float = 15.0) -> list[Batch]:
    """Batches from ``source`` until ``until(batches)`` holds (or the time is up)."""
    batches: list[Batch] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until(batches):
        batch = source.next(0.2)
        if batch:
            batches.append(batch)
    return batches


def named(batches: list[Batch]) -> set[tuple[str, int]]:
    return set().union(*(b.records for b in batches)) if batches else set()


@pytest.fixture
def source(db):
    found = changes.source_for(database.obj)
    yield found
    found.close()


def test_another_processs_write_is_heard_with_its_kind_and_id(db, source):
    [school_id] = another_process_adds(db, 100001)
    batches = heard(source, lambda bs: ("school", school_id) in named(bs))
    assert ("school", school_id) in named(batches)
    assert "school" in batches[0].kinds and not batches[0].everything


def test_this_processs_own_writes_are_not_heard_back(db, source):
    mine = schools.create({"urn": "100002", "name": "Written Here"})
    schools.update(mine.id, {"phone": "01632 960001"})
    [theirs] = another_process_adds(db, 100003)
    batches = heard(source, lambda bs: ("school", theirs) in named(bs))
    assert named(batches) == {("school", theirs)}


def test_a_write_on_another_thread_of_this_process_is_its_own_too(db, source):
    """A task's worker writes on a connection of its own: still this process's write, which
    the window that asked announces itself."""
    def write() -> None:
        with database.connection_context():
            schools.create({"urn": "100004", "name": "Written By A Worker"})

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    [theirs] = another_process_adds(db, 100005)
    assert named(heard(source, lambda bs: ("school", theirs) in named(bs))) == {("school", theirs)}


def test_a_rolled_back_write_tells_nobody_and_its_id_is_not_taken_for_ours(db, source):
    """SQLite gives a rolled-back entry's id again; the entry the other process then writes
    under it is theirs, and heard."""
    class Undone(Exception):
        pass

    with pytest.raises(Undone), database.atomic():
        schools.create({"urn": "100006", "name": "Never Kept"})
        raise Undone
    [theirs] = another_process_adds(db, 100007)
    assert named(heard(source, lambda bs: ("school", theirs) in named(bs))) == {("school", theirs)}


def test_the_presence_heartbeat_alone_is_no_change(db, source):
    if is_postgres():
        assert presence.heartbeat()  # nothing written on PostgreSQL: nothing to hear
        assert heard(source, lambda bs: False, seconds=1.0) == []
        return
    version = source.version
    assert presence.heartbeat()
    assert source.poll() is None
    assert source.version != version  # the heartbeat was seen by SQLite, and ignored


def test_a_bulk_write_names_its_kind_alone(db, source):
    rows = [{"urn": str(200000 + i), "name": f"Bulk School {i}"} for i in range(changes.MANY + 5)]
    other_process.run(db, ["many", rows])
    batches = heard(source, lambda bs: any("school" in b.entities for b in bs))
    merged = changes.merged(batches)
    assert "school" in merged.entities and not any(e == "school" for e, _ in merged.records)
    assert merged.names("school", 12345)  # any school may be among them


def test_payloads_stay_small_one_per_record_or_one_per_kind():
    few = changes.payloads([("school", 1), ("school", 1), ("person", 7)])
    assert sorted(few) == ["person:7", "school:1"]
    many = changes.payloads([("school", i) for i in range(10_000)])
    assert many == ["school"]
    assert changes.payloads([("setting", None)]) == ["setting"]
    assert changes.parse("school:12") == ("school", 12) and changes.parse("school") == ("school", None)


def test_kinds_are_what_pages_show():
    batch = Batch(frozenset({("agreement_party", 3)}), frozenset({"agreement_party", "setting"}))
    assert {"agreement", "provider"} <= batch.kinds


def test_a_lost_listener_reconnects_and_says_read_everything_again(db, source):
    if db.kind == "sqlite":  # no server to lose: this process's connection closed and opened
        from ittdesk import db as dbmod  # again (File > Open of the same file) changes nothing

        dbmod.close_database()
        dbmod.open_database(db.url, daily_backup=False)
        [theirs] = another_process_adds(db, 100008)
        assert named(heard(source, lambda bs: ("school", theirs) in named(bs))) == {
            ("school", theirs)}
        return
    pid = source.conn.get_backend_pid()
    database.execute_sql("SELECT pg_terminate_backend(%s)", (pid,))
    batches = heard(source, lambda bs: any(b.everything for b in bs))
    assert any(b.everything for b in batches)
    assert source.conn is not None and source.conn.get_backend_pid() != pid
    [theirs] = another_process_adds(db, 100008)
    assert ("school", theirs) in named(heard(source, lambda bs: ("school", theirs) in named(bs)))


def test_the_watcher_stops_and_closes_its_connection(db):
    got: list[Batch] = []
    made: list[object] = []

    def make():
        made.append(changes.source_for(database.obj))
        return made[-1]

    watcher = changes.Watcher(make, got.append, interval=0.1)
    watcher.start()
    assert watcher.wait_ready()
    [theirs] = another_process_adds(db, 100009)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and ("school", theirs) not in named(got):
        time.sleep(0.05)
    assert ("school", theirs) in named(got)
    watcher.stop()
    assert not watcher.running
    assert made[0].closed


def test_stopping_does_not_wait_for_the_next_look(db):
    """A minute between looks, yet stop() ends the thread now (it is woken): closing the window
    or opening another database never waits for the watcher."""
    watcher = changes.Watcher(lambda: changes.source_for(database.obj), lambda batch: None,
                              interval=60.0)
    watcher.start()
    assert watcher.wait_ready()
    made = watcher.source
    watcher.stop(timeout=30.0)
    assert not watcher.running
    assert made is not None and made.closed
