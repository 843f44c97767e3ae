"""Tools > Mentor funding…: the year's summary, statements written to a folder and DfE's sample
answered off the GUI thread; Home's card shows an open sample's deadline and only then."""

from __future__ import annotations

import csv

import gui_helpers as gui
import pytest

from ittdesk import clock
from ittdesk.academic_year import AcademicYear
from ittdesk.mentor_funding.demo import sample_rows
from ittdesk.models import FundingSample
from ui import tasks
from ui.dialogs.mentor_funding import MentorFundingDialog, open_mentor_funding

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


def _home_cards(qtbot, window):
    window.show_page("home")
    home = window.current_page()
    home.refresh()
    qtbot.waitUntil(lambda: bool(getattr(home, "card_widgets", {})), timeout=10000)
    return home.card_widgets


def test_the_dialog_writes_statements_and_answers_the_sample(qtbot, demo_window, tmp_path):
    assert "mentor_sample" not in _home_cards(qtbot, demo_window)  # no sample: no card
    with tasks.synchronous():
        dialog = open_mentor_funding(demo_window)
    assert isinstance(dialog, MentorFundingDialog)
    year = AcademicYear.current().previous()
    assert dialog.chosen_year() == year
    qtbot.waitUntil(lambda: "Total" in dialog.summary.toPlainText(), timeout=10000)
    assert "Rest of England" in dialog.summary.toPlainText()
    folder = tmp_path / "statements"
    folder.mkdir()
    with tasks.synchronous():
        dialog.write_statements(str(folder))
    pdfs, sheets = list(folder.glob("*.pdf")), list(folder.glob("*.xlsx"))
    assert pdfs and len(pdfs) == len(sheets)
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert "Wrote" in dialog.outcome.toPlainText()

    sample = tmp_path / "sample.csv"
    rows = sample_rows(year)
    with open(sample, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(list(rows[0]) + ["claim_accepted", "rejection_reason"])
        writer.writerows([list(r.values()) for r in rows])
    dialog.received.setDate(clock.today())
    with tasks.synchronous():
        dialog.answer_sample(str(sample), str(tmp_path / "answered.csv"))
    assert dialog.last_answer is not None and len(dialog.last_answer.undecided) == 1
    assert "undecided" in dialog.outcome.toPlainText()
    assert FundingSample.select().count() == 1
    cards = _home_cards(qtbot, demo_window)
    assert "mentor_sample" in cards and "sample.csv" in cards["mentor_sample"].body.text()
    with tasks.synchronous():
        dialog.mark_sent()
    assert FundingSample.get().sent_on == clock.today()
    assert "mentor_sample" not in _home_cards(qtbot, demo_window)
    dialog.close()


def test_the_home_cards_sample_opens_the_mentor_funding_dialog(qtbot, demo_window, tmp_path):
    from ittdesk.models import FundingSample as Sample

    Sample.create(file_name="quality_assurance.csv", received_on=clock.today(),
                  answer_by=clock.today(), lines=3, undecided=0)
    card = _home_cards(qtbot, demo_window)["mentor_sample"]
    assert "quality_assurance.csv" in card.body.text()
    with tasks.synchronous():
        card._link(f"record:funding_sample/{Sample.get().id}")
    dialogs = [d for d in demo_window.findChildren(MentorFundingDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].close()


def test_the_buttons_ask_for_the_sample_and_the_folder(qtbot, demo_window, monkeypatch, tmp_path):
    """Clicked, "Answer DfE's sample…" and "Write statements…" ask where (the button's
    clicked(bool) was taken for the sample's path, and the click did nothing)."""
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []

    def open_name(_parent, caption, *_args):
        asked.append(caption)
        return "", ""

    def folder(_parent, caption, *_args):
        asked.append(caption)
        return ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_name)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", folder)
    with tasks.synchronous():
        dialog = open_mentor_funding(demo_window)
    dialog.answer_button.click()
    dialog.statements_button.click()
    assert asked == ["DfE's sample (CSV)", "Folder for the statements"]
    dialog.close()
