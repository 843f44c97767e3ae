"""The printed agreement: content from the template, headless PDF, CLI list and pdf."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import agreement_factory as make
import pytest
from test_printing import pdf_pages

from ittdesk import settings
from ittdesk.documents.agreement import build
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import activities, agreements, parties, signatures, spend
from ui.printing import html_to_pdf


def write_pdf(agreement_id: int, path) -> tuple[int, list[str]]:
    document = build(agreement_id)
    pages = html_to_pdf(document.html, path, **document.page_options())
    return pages, pdf_pages(path)


def test_pdf_has_every_party_responsibilities_reference_signatures_and_page_numbers(qapp, db, tmp_path):
    settings.set("provider_name", "Moorside Teaching School Hub SCITT")
    built = make.agreement()
    signatures.create({"agreement": built.agreement.id, "party": built.supported.id,
                       "signatory_name": "Dr Ada Signer", "signatory_role": "Headteacher",
                       "signed_on": "01/10/2025"})
    pages, texts = write_pdf(built.agreement.id, tmp_path / "a.pdf")
    text = " ".join(texts)
    for party in (built.supported, built.supporting, built.lead):
        assert party.school.name in text
        assert party.responsibilities in text
        assert party.contact.full_name in text
    assert built.agreement.reference in text and "Improving early reading" in text
    assert "Moorside Teaching School Hub SCITT" in text
    assert "8. Signatures" in text and "Signed on behalf of" in text
    assert "Quality-assurance lead" in text and "Dr Ada Signer" in text and "01/10/2025" in text
    assert "£4,000.00" in text and "SLE — Early reading" in text
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in texts[number - 1]
        assert f"{built.agreement.reference} · Support agreement" in texts[number - 1]
        assert "Draft · printed " in texts[number - 1]  # a draft has no version yet


def test_draft_prints_with_draft_marking_and_agreed_does_not(qapp, db, tmp_path):
    built = make.agreement()
    _pages, draft = write_pdf(built.agreement.id, tmp_path / "draft.pdf")
    assert "DRAFT — not yet agreed" in draft[0]
    assert all("DRAFT" in page for page in draft)
    lifecycle.change_status(built.agreement.id, "agreed")
    _pages, agreed = write_pdf(built.agreement.id, tmp_path / "agreed.pdf")
    assert not any("DRAFT" in page for page in agreed)


def test_long_agreement_spans_pages_and_keeps_every_activity(qapp, db, tmp_path):
    built = make.agreement()
    a = built.agreement.id
    story = "The supporting school will model phonics sessions and coach staff. " * 40
    parties.update(built.supported.id, {"responsibilities": story})
    for n in range(40):
        activities.create({"agreement": a, "date": f"{(n % 28) + 1:02d}/01/2026", "kind": "visit",
                           "description": f"Coaching visit number {n}", "who": "Sasha Leader",
                           "time": "09:00-12:00"})
    for n in range(15):
        spend.create({"agreement": a, "date": "01/02/2026", "description": f"Supply cover day {n}",
                      "amount_pence": "150.00"})
    pages, texts = write_pdf(a, tmp_path / "long.pdf")
    assert pages >= 4
    text = " ".join(texts)
    assert all(f"Coaching visit number {n}" in text for n in range(40))
    assert all(f"Supply cover day {n}" in text for n in range(15))
    assert "£2,250.00" in text and "£1,750.00" in text  # total spent, balance remaining


def test_every_grid_row_closes_the_tables_right_edge(db):
    # Grid cells draw only their left border (agreement.css); the last cell of a row the right one.
    built = make.agreement()
    activities.create({"agreement": built.agreement.id, "date": "01/10/2025", "kind": "visit",
                       "description": "First visit", "who": "Sasha Leader", "time": "09:00"})
    spend.create({"agreement": built.agreement.id, "date": "01/11/2025", "description": "Cover",
                  "amount_pence": "10"})
    html = build(built.agreement.id).html
    tables = re.findall(r'<table class="grid.*?</table>', html, flags=re.S)
    assert len(tables) >= 4
    for table in tables:
        for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S):
            cells = re.findall(r"<t[dh]( [^>]*)?>", row)
            assert cells and all("last" not in c for c in cells[:-1]), row
            assert re.search(r'class="[^"]*\blast\b', cells[-1]), row


def test_typed_text_cannot_inject_markup(db):
    built = make.agreement(title="<b>Bold</b> & <script>x</script>")
    html = build(built.agreement.id).html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "<script>" not in html


def test_version_counts_issues_not_edits_and_a_draft_prints_draft(db):
    built = make.agreement()
    draft = build(built.agreement.id)
    assert (draft.version, draft.footer_right().split(" · ")[0]) == (0, "Draft")
    agreements.update(built.agreement.id, {"baseline": "62% passed the check last year"})
    spend_entry = spend.create({"agreement": built.agreement.id, "date": "01/11/2025",
                                "description": "Cover", "amount_pence": "10"})
    spend.delete(spend_entry.id)
    assert build(built.agreement.id).footer_right().startswith("Draft · printed ")
    lifecycle.change_status(built.agreement.id, "agreed")
    agreements.update(built.agreement.id, {"baseline": "64% passed the check last year"})
    issued = build(built.agreement.id)
    assert issued.version == 1
    assert issued.footer_right().startswith("Version 1 of ")
    assert issued.file_name == f"{built.agreement.reference} Improving early reading.pdf"


def test_a_reopened_agreement_agreed_again_is_the_next_version(db):
    built = make.agreement()
    lifecycle.change_status(built.agreement.id, "agreed")
    lifecycle.change_status(built.agreement.id, "withdrawn", reason="School closed")
    lifecycle.reopen(built.agreement.id, "School reopened under a trust", to="draft")
    assert build(built.agreement.id).footer_right().startswith("Draft · ")
    lifecycle.change_status(built.agreement.id, "agreed")
    assert build(built.agreement.id).version == 2


def test_a_reopen_to_the_status_it_closed_from_keeps_the_version(db):
    built = make.agreement()
    lifecycle.change_status(built.agreement.id, "agreed")
    lifecycle.change_status(built.agreement.id, "withdrawn", reason="Funding cut")
    assert build(built.agreement.id).version == 1
    lifecycle.reopen(built.agreement.id, "Funding restored")
    assert (build(built.agreement.id).version, built.agreement.get_by_id(built.agreement.id).status) == (
        1, "agreed")


def test_signature_rows_are_prefilled_with_each_contacts_role_and_the_qa_lead(db):
    from ittdesk.services.people import roles

    built = make.agreement()
    roles.create({"person": built.supported.contact_id, "school": built.supported.school_id,
                  "kind": "headteacher"})
    roles.create({"person": built.supporting.contact_id, "school": built.supporting.school_id,
                  "kind": "deputy_head", "job_title": "Deputy head (curriculum)"})
    html = build(built.agreement.id).html
    signatures_html = html[html.index("8. Signatures"):]
    rows = re.findall(r"<tr>(.*?)</tr>", signatures_html, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows[1:]]
    by_party = {re.sub(r"<[^>]+>", " ", c[0]).split()[0]: (c[1], c[2]) for c in cells}
    assert by_party["Supported"] == (built.supported.contact.full_name, "Headteacher")
    assert by_party["Supporting"] == (built.supporting.contact.full_name, "Deputy head (curriculum)")
    assert by_party["Quality-assurance"] == (built.qa_lead.full_name, "Independent QA lead (LLE)")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    code = "import sys, main; sys.exit(main.main(sys.argv[1:]))"  # the ittdesk command
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
def cli_agreements(sqlite_db):
    built = make.agreement()
    make.agreement(title="Maths mastery")
    lifecycle.change_status(built.agreement.id, "agreed")
    return sqlite_db, built


def test_cli_list_prints_one_line_per_agreement(cli_agreements):
    location, built = cli_agreements
    result = run_cli("agreement", "list", "--db", str(location.path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("SSA-2025-001  Agreed     Improving early reading  [Supported: ")
    assert built.supporting.school.name in lines[0] and "Lead: " in lines[0]
    assert lines[1].startswith("SSA-2025-002  Draft")


def test_cli_pdf_writes_the_agreement_headless(cli_agreements, tmp_path):
    location, built = cli_agreements
    out = tmp_path / "agreement.pdf"
    result = run_cli("agreement", "pdf", "ssa-2025-001", str(out), "--db", str(location.path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {out} (")
    text = " ".join(pdf_pages(out))
    assert built.supported.school.name in text and "SSA-2025-001" in text and "Page 1 of" in text


def test_cli_refuses_unknown_reference_bad_folder_and_bad_transition_in_one_line(cli_agreements, tmp_path):
    location, _built = cli_agreements
    db = ["--db", str(location.path)]
    missing = run_cli("agreement", "pdf", "SSA-1999-001", str(tmp_path / "x.pdf"), *db)
    assert (missing.returncode, missing.stderr) == (1, "ittdesk: No support agreement with reference SSA-1999-001\n")
    folder = run_cli("agreement", "pdf", "SSA-2025-001", str(tmp_path / "no" / "x.pdf"), *db)
    assert folder.returncode == 1 and "does not exist" in folder.stderr
    assert len(folder.stderr.splitlines()) == 1
    jump = run_cli("agreement", "status", "SSA-2025-002", "completed", *db)
    assert jump.returncode == 1
    assert jump.stderr.startswith("ittdesk: SSA-2025-002: Cannot go from draft to completed")
    usage = run_cli("agreement", "list", "--status", "finished", *db)
    assert usage.returncode == 2 and "'finished' is not a status" in usage.stderr
    assert list(tmp_path.glob("*.pdf")) == []


def test_cli_status_and_reminders(cli_agreements):
    location, built = cli_agreements
    db = ["--db", str(location.path)]
    moved = run_cli("agreement", "status", "SSA-2025-001", "active", *db)
    assert (moved.returncode, moved.stdout) == (0, "SSA-2025-001: agreed -> active\n")
    reminders = run_cli("agreement", "reminders", "--days", "0", *db)
    assert reminders.returncode == 0
    # Both reports (Jan and Jun 2026) are in the past for any run after June 2026.
    assert "SSA-2025-001" in reminders.stdout or reminders.stdout == "Nothing needs attention\n"


def test_provider_logo_and_address_from_settings_are_printed(qapp, db, tmp_path):
    from pypdf import PdfReader
    from PySide6.QtGui import QColor, QImage

    logo = tmp_path / "logo.png"
    image = QImage(240, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f3a5f"))
    assert image.save(str(logo))
    settings.set("provider_logo", str(logo))
    settings.set("provider_address", "1 School Lane\nMoorside\nZZ1 1AA")
    built = make.agreement()
    out = tmp_path / "logo.pdf"
    _pages, texts = write_pdf(built.agreement.id, out)
    assert "1 School Lane" in texts[0] and "ZZ1 1AA" in texts[0]
    assert len(PdfReader(str(out)).pages[0].images) == 1


def test_a_logo_path_an_older_version_stored_is_left_out_once_the_file_is_gone(db):
    from ittdesk.models import Setting

    Setting.create(key="provider_logo", value='"/no/such/logo.png"')  # as versions before 15 did
    assert "<img" not in build(make.agreement().agreement.id).html


def test_a_missing_logo_file_is_refused_and_nothing_is_stored(db):
    from ittdesk.errors import ValidationError

    with pytest.raises(ValidationError, match="no file"):
        settings.set("provider_logo", "/no/such/logo.png")
    assert settings.get("provider_logo") == ""
