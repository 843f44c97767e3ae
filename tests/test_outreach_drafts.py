"""E-mail drafts of the yearly form and its reminder (issue 20 item 1), read back as a mail
program would: Python's ``email`` parser, the attachment opened as the form it is."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from email.policy import default

import pytest
from leadership_fixture import HEAD, OTHER_URN, URN, YEAR, build
from test_leadership_forms import fill_form

from ittdesk import settings
from ittdesk.cli import main
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.leadership import rounds, sending
from ittdesk.leadership.returned import read_form
from ittdesk.models import AuditEntry, RoundSchool
from ittdesk.outreach import drafts
from ittdesk.services.people import people, roles


def parse(path):
    return message_from_bytes(path.read_bytes(), policy=default)


def form_school(data: bytes, round_, tmp_path):
    """The school a form attached to a message is signed for (read as a returned form)."""
    target = tmp_path / "attached.xlsx"
    target.write_bytes(data)
    fill_form(target, appetite="Actively looking to host trainees")
    return read_form(target, round_).school.urn


@pytest.fixture
def partnership(db):
    """Larkspur (head with an address, office address), Hollins Green (an ITT champion and a
    head who left last year); no form written yet."""
    round_, school, other = build()
    RoundSchool.update(written_on=None).execute()
    champion = people.create({"first_name": "Omar", "last_name": "Adeyemi",
                              "email": "o.adeyemi@hollins.example.org"})
    roles.create({"person": champion.id, "school": other.id, "kind": "itt_champion",
                  "start_date": date(2020, 9, 1)})
    gone = people.create({"first_name": "Gill", "last_name": "Former",
                          "email": "g.former@hollins.example.org"})
    roles.create({"person": gone.id, "school": other.id, "kind": "headteacher",
                  "start_date": date(2015, 9, 1), "end_date": date(2020, 8, 31)})
    settings.set("provider_name", "Northfield Teacher Training")
    settings.set("provider_email", "itt@northfield.example.org")
    return round_, school, other


def test_form_drafts_go_to_current_holders_with_the_form_attached_and_open_as_unsent(
        partnership, tmp_path):
    round_, school, other = partnership
    (tmp_path / "forms").mkdir()
    result = sending.generate_forms(round_, tmp_path, email_drafts=True)
    assert len(result.drafts) == 2
    mine = parse(tmp_path / f"{URN} Larkspur Primary School.eml")
    assert mine["X-Unsent"] == "1"
    assert mine["From"].addresses[0].addr_spec == "itt@northfield.example.org"
    assert [a.addr_spec for a in mine["To"].addresses] == ["a.smith@larkspur.example.org"]
    assert mine["Subject"] == f"Leadership confirmation {YEAR}: Larkspur Primary School"
    body = mine.get_body(("plain",)).get_content()
    assert body.startswith("Dear Amelia Smith,")
    assert "due Friday 10 July 2026" in body and "Northfield Teacher Training" in body
    (attachment,) = list(mine.iter_attachments())
    assert attachment.get_filename() == f"{URN} Larkspur Primary School.xlsx"
    data = attachment.get_content()
    assert data == (tmp_path / f"{URN} Larkspur Primary School.xlsx").read_bytes()
    assert form_school(data, round_, tmp_path / "forms") == URN  # the signed form itself

    theirs = parse(tmp_path / f"{OTHER_URN} Hollins Green Academy.eml")
    assert [a.addr_spec for a in theirs["To"].addresses] == ["o.adeyemi@hollins.example.org"]
    assert theirs.get_body(("plain",)).get_content().startswith("Dear Omar Adeyemi,")


def test_a_school_with_no_holder_address_is_written_to_at_its_office(partnership, tmp_path):
    round_, school, other = partnership
    from ittdesk.models import Person

    Person.update(email=None).where(Person.last_name == "Smith").execute()
    sending.generate_forms(round_, tmp_path, email_drafts=True)
    mine = parse(tmp_path / f"{URN} Larkspur Primary School.eml")
    assert [a.addr_spec for a in mine["To"].addresses] == ["office@larkspur.example.org"]
    assert mine.get_body(("plain",)).get_content().startswith("Dear colleague,")


def test_making_drafts_marks_the_schools_sent_and_logs_each_message_with_the_school(
        partnership, tmp_path):
    round_, school, other = partnership
    sending.generate_forms(round_, tmp_path, email_drafts=True)
    assert all(e.sent_on is not None and e.written_on is not None
               for e in rounds.entries(round_))
    (line,) = drafts.message_log(school.id)
    assert line.action == drafts.DRAFT
    assert line.message == f"Leadership confirmation {YEAR}: Larkspur Primary School"
    assert line.to == "Amelia Smith <a.smith@larkspur.example.org>"
    head_entry = AuditEntry.get((AuditEntry.entity == "school") & (AuditEntry.entity_id == school.id)
                                & (AuditEntry.action == drafts.DRAFT))
    assert head_entry.person_id is not None  # an erasure of the head finds it
    from ittdesk.privacy.audit_query import history

    entries, _users = history("school", school.id)  # the school's History tab
    shown = next(e for e in entries if e.action == drafts.DRAFT)
    assert shown.action_label == "E-mail draft made"
    assert "a.smith@larkspur.example.org" in shown.summary


def test_erasing_a_recipient_scrubs_their_name_and_address_from_the_message_log(
        partnership, tmp_path):
    round_, school, other = partnership
    from ittdesk.models import Person
    from ittdesk.privacy.erasure import erase

    sending.generate_forms(round_, tmp_path, email_drafts=True)
    head = Person.get(Person.last_name == "Smith")
    erase(head.id, compact_after=False)
    (line,) = drafts.message_log(school.id)
    assert "Smith" not in line.to and "a.smith@" not in line.to and "[erased]" in line.to
    assert line.message == f"Leadership confirmation {YEAR}: Larkspur Primary School"


def test_the_provider_edits_the_template_and_unknown_fields_are_refused(partnership, tmp_path):
    round_, school, other = partnership
    settings.set("email_form_subject", "Please check {school}'s leaders for {year}")
    settings.set("email_form_body", "Hello {contact},\nForm attached.\n{provider}")
    with pytest.raises(ValidationError) as refused:
        settings.set("email_form_body", "Hello {headteacher}")
    assert "{headteacher}, which is not a field" in refused.value.errors["email_form_body"]
    with pytest.raises(ValidationError):
        settings.set("email_form_subject", "a lone { brace")
    sending.generate_forms(round_, tmp_path, email_drafts=True)
    mine = parse(tmp_path / f"{URN} Larkspur Primary School.eml")
    assert mine["Subject"] == f"Please check Larkspur Primary School's leaders for {YEAR}"
    # the file has CRLF line ends, as mail programs write them
    assert mine.get_body(("plain",)).get_content().replace("\r\n", "\n") == (
        "Hello Amelia Smith,\nForm attached.\nNorthfield Teacher Training\n")


def test_a_cancelled_run_writes_no_draft_and_marks_nothing(partnership, tmp_path):
    round_, school, other = partnership
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3  # after the forms, during the drafts

    out = tmp_path / "out"
    out.mkdir()
    result = sending.generate_forms(round_, out, email_drafts=True, cancelled=cancelled)
    assert result.cancelled and len(calls) == 4
    assert list(out.iterdir()) == []
    assert all(e.sent_on is None for e in rounds.entries(round_))
    assert drafts.message_log(school.id) == []


def test_chasers_go_to_the_outstanding_schools_only_and_are_logged(partnership, tmp_path):
    round_, school, other = partnership
    sending.generate_forms(round_, tmp_path / "forms", email_drafts=True)
    RoundSchool.update(returned_on=date(2026, 6, 20)).where(
        RoundSchool.school == other.id).execute()
    result = drafts.write_chasers(round_, tmp_path / "chase")
    assert [p.name for p in result.written] == [f"{URN} Larkspur Primary School - reminder.eml"]
    reminder = parse(result.written[0])
    assert reminder["Subject"] == f"Reminder: leadership confirmation {YEAR} for Larkspur Primary School"
    assert reminder["X-Unsent"] == "1"
    (attachment,) = list(reminder.iter_attachments())
    assert form_school(attachment.get_content(), round_, tmp_path) == URN
    assert [line.action for line in drafts.message_log(school.id)] == [drafts.DRAFT, drafts.DRAFT]
    assert drafts.message_log(school.id)[0].message.startswith("Reminder:")


def test_chasing_with_nothing_outstanding_is_refused(partnership, tmp_path):
    round_, school, other = partnership
    with pytest.raises(RefusedError, match="nobody to chase"):
        drafts.write_chasers(round_, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_forms_email_drafts_then_chase(partnership, db, tmp_path, capsys):
    round_, school, other = partnership
    from ittdesk import db as dbmod

    url = db.url
    dbmod.close_database()
    code = main(["leadership", "forms", "--year", YEAR, str(tmp_path / "out"), "--email-drafts",
                 "--db", url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Wrote 2 e-mail draft(s) (.eml)" in out
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".eml", ".eml", ".xlsx",
                                                                         ".xlsx"]
    code = main(["leadership", "chase", "--year", YEAR, str(tmp_path / "chase"), "--db", url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Wrote 2 reminder draft(s)" in out
    assert HEAD.split()[-1] in parse(tmp_path / "chase" / f"{URN} Larkspur Primary School - "
                                                         "reminder.eml")["To"].addresses[0].display_name
    code = main(["settings", "set", "email_chase_body", "Hi {nobody}", "--db", url])
    out, err = capsys.readouterr()
    assert code == 1 and "{nobody}, which is not a field" in err
    assert "Traceback" not in err
