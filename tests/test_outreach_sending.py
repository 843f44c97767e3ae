"""Sending the yearly form and reminders through the provider's SMTP server (issue 20 item 2),
against a fake server on loopback, the password in an in-memory keyring."""

from __future__ import annotations

import io

import keyring
import pytest
from fake_smtp import FakeSmtp, MemoryKeyring
from leadership_fixture import OTHER_URN, URN, YEAR, build

from ittdesk import settings
from ittdesk.cli import main
from ittdesk.errors import RefusedError
from ittdesk.leadership import rounds
from ittdesk.models import AuditEntry, RoundSchool, Setting
from ittdesk.outreach import drafts, sending
from ittdesk.services.people import people, roles


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


@pytest.fixture
def server():
    with FakeSmtp(user="itt-office", password="s3cret pass") as fake:
        yield fake


@pytest.fixture
def round_(db, server, memory_keyring):
    """The fixture's two schools, neither form sent; Hollins Green has an ITT champion."""
    from datetime import date

    round_, school, other = build()
    RoundSchool.update(written_on=None).execute()
    champion = people.create({"first_name": "Omar", "last_name": "Adeyemi",
                              "email": "o.adeyemi@hollins.example.org"})
    roles.create({"person": champion.id, "school": other.id, "kind": "itt_champion",
                  "start_date": date(2020, 9, 1)})
    for key, value in (("provider_name", "Northfield Teacher Training"),
                       ("provider_email", "itt@northfield.example.org"),
                       ("smtp_host", "127.0.0.1"), ("smtp_port", server.port),
                       ("smtp_user", "itt-office"), ("smtp_security", "none")):
        settings.set(key, value)
    sending.set_password(sending.smtp_settings(), "s3cret pass")
    return round_


def test_each_school_gets_its_form_and_is_recorded_sent(round_, server):
    result = sending.send(sending.plan(round_, drafts.FORM))
    assert len(result.sent) == 2 and not result.failed
    assert server.logins == 1  # one connection for the lot
    by_to = {m["To"].addresses[0].addr_spec: m for m in server.received}
    mine = by_to["a.smith@larkspur.example.org"]
    assert mine["From"].addresses[0].addr_spec == "itt@northfield.example.org"
    assert mine["X-Unsent"] is None and mine["Message-ID"]
    assert mine["Subject"] == f"Leadership confirmation {YEAR}: Larkspur Primary School"
    (attachment,) = list(mine.iter_attachments())
    assert attachment.get_filename() == f"{URN} Larkspur Primary School.xlsx"
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(attachment.get_content()))["Leadership form"]
    assert "o.adeyemi@hollins.example.org" in by_to
    assert all(e.sent_on is not None and e.written_on is not None
               for e in rounds.entries(round_))
    school = rounds.entries(round_)[-1].school
    assert [line.action for line in drafts.message_log(school.id)] == [drafts.SENT]


def test_a_refused_address_is_logged_as_failed_and_a_retry_sends_only_that_one(round_, server):
    server.refuse = {"o.adeyemi@hollins.example.org"}
    first = sending.send(sending.plan(round_, drafts.FORM))
    assert len(first.sent) == 1 and len(first.failed) == 1
    assert f"{OTHER_URN} Hollins Green Academy: " in first.failed[0]
    assert "550" in first.failed[0] and "No such mailbox" in first.failed[0]
    other = next(e for e in rounds.entries(round_) if e.school.urn == OTHER_URN)
    assert other.sent_on is None
    assert [line.action for line in drafts.message_log(other.school_id)] == [drafts.FAILED]

    server.refuse = set()
    retry = sending.send(sending.plan(round_, drafts.FORM))
    assert len(retry.sent) == 1 and "Hollins Green" in retry.sent[0]
    assert len(server.received) == 2  # Larkspur's form went once only


def test_a_lost_connection_stops_the_run_and_a_retry_never_sends_twice(round_, server):
    server.hang_up_after = 1
    messages = sending.plan(round_, drafts.FORM)
    first = sending.send(messages)
    assert len(first.sent) == 1 and len(first.failed) == 1 and first.stopped
    assert "send again" in first.stopped
    # the old list after a fresh plan (as a careless retry might): each message goes once
    retry = sending.send(sending.plan(round_, drafts.FORM) + messages)
    assert len(retry.sent) == 1 and len(retry.skipped) == 2
    assert len(server.received) == 2
    assert {m["Subject"] for m in server.received} == {
        f"Leadership confirmation {YEAR}: Larkspur Primary School",
        f"Leadership confirmation {YEAR}: Hollins Green Academy"}


def test_cancel_stops_before_the_next_message_and_the_rest_go_on_retry(round_, server):
    seen = []
    first = sending.send(sending.plan(round_, drafts.FORM),
                         progress=lambda done, total, name: seen.append(name),
                         cancelled=lambda: len(seen) >= 1)
    assert first.cancelled and len(first.sent) == 1 and len(server.received) == 1
    retry = sending.send(sending.plan(round_, drafts.FORM))
    assert len(retry.sent) == 1 and len(server.received) == 2


def test_reminders_go_only_to_schools_whose_form_is_out_and_not_back(round_, server):
    from datetime import date

    sending.send(sending.plan(round_, drafts.FORM))
    RoundSchool.update(returned_on=date(2026, 6, 20)).where(
        RoundSchool.school == rounds.entries(round_)[0].school_id).execute()
    result = sending.send(sending.plan(round_, drafts.REMINDER))
    assert len(result.sent) == 1
    assert server.received[-1]["Subject"].startswith("Reminder: leadership confirmation")
    again = sending.send(sending.plan(round_, drafts.REMINDER))  # the same day: not twice
    assert again.skipped and not again.sent and len(server.received) == 3


def test_a_wrong_password_is_refused_plainly_and_nothing_is_recorded(round_, server):
    sending.set_password(sending.smtp_settings(), "wrong")
    with pytest.raises(RefusedError, match="refused the user name or password"):
        sending.send(sending.plan(round_, drafts.FORM))
    assert all(e.sent_on is None for e in rounds.entries(round_))
    assert not server.received


def test_the_password_is_kept_in_the_keyring_never_in_the_database(round_, memory_keyring):
    assert memory_keyring.store == {
        (sending.KEYRING_SERVICE, "itt-office@127.0.0.1"): "s3cret pass"}
    stored = " ".join(row.value for row in Setting.select())
    audited = " ".join(row.changes or "" for row in AuditEntry.select())
    assert "s3cret" not in stored and "s3cret" not in audited


def test_sending_without_a_server_set_is_refused_before_anything(db, memory_keyring):
    round_, school, other = build()
    with pytest.raises(RefusedError, match="set the mail server"):
        sending.send(sending.plan(round_, drafts.FORM))


def test_cli_mail_password_then_send_and_a_retry(round_, server, db, capsys, monkeypatch):
    from ittdesk import db as dbmod

    url = db.url
    dbmod.close_database()
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\n"))
    assert main(["mail", "password", "--db", url]) == 0
    server.refuse = {"o.adeyemi@hollins.example.org"}
    code = main(["mail", "send", "--year", YEAR, "--db", url])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Sent: 900900 Larkspur Primary School: Amelia Smith <a.smith@" in out
    assert "ittdesk: not sent: 900901 Hollins Green Academy: " in err
    assert "1 sent, 1 failed, 0 already sent before" in out and "Traceback" not in err
    server.refuse = set()
    code = main(["mail", "send", "--year", YEAR, "--db", url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 sent, 0 failed" in out and len(server.received) == 2
