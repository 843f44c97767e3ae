"""The yearly round's e-mail on the confirmation page (drafts, reminder drafts, the Send dialog
with its progress, log and retry), the Letters dialog and the provider's E-mail settings."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import keyring
import pytest
from fake_smtp import FakeSmtp, MemoryKeyring
from gui_helpers import tasks_idle
from PySide6.QtWidgets import QDialogButtonBox

from ittdesk import settings
from ittdesk.leadership import rounds
from ittdesk.models import Cohort, Enrolment, Placement
from ittdesk.outreach import drafts
from ui.dialogs.letters import LettersDialog
from ui.dialogs.provider_settings import ProviderSettingsDialog
from ui.dialogs.send_mail import SendMailDialog
from ui.views.confirmation_page import ConfirmationPage

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, demo_db):
    schools = rounds.schools_for(("partner",))[:3]  # a small round: quick to write
    rounds.start_round("2030/31", [s.id for s in schools])
    settings.set("provider_email", "itt@northfield.example.org")
    widget = ConfirmationPage(None)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(tasks_idle, timeout=60000)
    return widget


def test_write_forms_with_e_mail_drafts_then_reminder_drafts_from_the_page(page, qtbot,
                                                                          tmp_path):
    assert page.email_button.isEnabled() and page.chase_button.isEnabled()
    page.write_forms(tmp_path / "forms", email_drafts=True)
    qtbot.waitUntil(tasks_idle, timeout=60000)
    written = sorted((tmp_path / "forms").glob("*.eml"))
    assert written and len(written) == len(list((tmp_path / "forms").glob("*.xlsx")))
    draft = message_from_bytes(written[0].read_bytes(), policy=default)
    assert draft["X-Unsent"] == "1" and list(draft.iter_attachments())
    assert page.status.count("sent") == len(written)  # made drafts mark the schools sent

    page.write_reminders(tmp_path / "chase")
    qtbot.waitUntil(tasks_idle, timeout=60000)
    reminders = sorted((tmp_path / "chase").glob("*.eml"))
    assert len(reminders) == len(written)
    school = next(r.school_id for r in page.status.rows if r.state == "sent")
    # one log line per recipient: the form's draft, then the reminder's
    assert {(line.action, line.message.startswith("Reminder:"))
            for line in drafts.message_log(school)} == {(drafts.DRAFT, False), (drafts.DRAFT, True)}


def test_send_dialog_shows_progress_and_a_log_and_its_retry_sends_only_what_failed(
        page, qtbot):
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        with FakeSmtp(user="office", password="pw") as server:
            for key, value in (("smtp_host", "127.0.0.1"), ("smtp_port", server.port),
                               ("smtp_user", "office"), ("smtp_security", "none")):
                settings.set(key, value)
            round_ = rounds.get_round("2030/31")
            first = next(m for m in drafts.messages(round_, drafts.unsent_entries(round_),
                                                    drafts.FORM) if m.recipients)
            server.refuse = {r.address for r in first.recipients}
            dialog = SendMailDialog(round_.id, page)
            qtbot.addWidget(dialog)
            assert "127.0.0.1" in dialog.server.text()
            dialog.password.setText("pw")
            dialog.send()
            qtbot.waitUntil(tasks_idle, timeout=60000)
            result = dialog.last_result
            assert result.sent and len(result.failed) == 1
            assert dialog.bar.value() == dialog.bar.maximum() > 0
            log = dialog.log.toPlainText()
            assert f"Failed: {first.school.urn} {first.school.name}: " in log
            assert "550 5.1.1 No such mailbox here" in log
            assert dialog.send_button.text().replace("&", "").startswith("Send again")
            sent_before = len(server.received)
            server.refuse = set()
            dialog.send()  # the stored password is used: the field may be left empty
            qtbot.waitUntil(tasks_idle, timeout=60000)
            assert len(dialog.last_result.sent) == 1 and len(server.received) == sent_before + 1
            assert len(dialog.last_result.skipped) == 0  # the plan holds only what has not gone
    finally:
        keyring.set_keyring(before)


def test_send_dialog_without_a_server_says_what_to_set_and_cannot_send(page, qtbot):
    dialog = SendMailDialog(rounds.get_round("2030/31").id, page)
    qtbot.addWidget(dialog)
    assert "set the mail server (smtp_host)" in dialog.server.text()
    assert not dialog.send_button.isEnabled()


@pytest.mark.slow
def test_letters_dialog_writes_a_cohorts_placement_letters(qtbot, demo_db, tmp_path):
    cohort = Cohort.select().join(Enrolment).join(Placement).first()
    dialog = LettersDialog()
    qtbot.addWidget(dialog)
    dialog.cohort.setCurrentIndex(dialog.cohort.findData(cohort.id))
    dialog.folder.setText(str(tmp_path / "letters"))
    dialog.write()
    qtbot.waitUntil(tasks_idle, timeout=60000)
    written = list((tmp_path / "letters").glob("*.docx"))
    assert written and len(written) == len(dialog.last_result.docx)
    assert f"Wrote {len(written)} letter(s)" in dialog.outcome.text()


def test_provider_settings_e_mail_tab_saves_templates_and_server_and_refuses_bad_fields(
        qtbot, demo_db):
    dialog = ProviderSettingsDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("Northfield SCITT")
    dialog.email.setText("itt@northfield.example.org")
    dialog.messages["email_form_subject"].setText("Leaders at {school}? {oops}")
    dialog.smtp_host.setText("smtp.example.org")
    assert not dialog.save()
    assert "{oops}, which is not a field" in dialog.errors["email_form_subject"].text()
    assert settings.get("smtp_host") == ""  # nothing saved until every field is right
    dialog.messages["email_form_subject"].setText("Leaders at {school}?")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.saved
    assert settings.get("email_form_subject") == "Leaders at {school}?"
    assert settings.get("smtp_host") == "smtp.example.org"
    assert settings.get("provider_email") == "itt@northfield.example.org"
