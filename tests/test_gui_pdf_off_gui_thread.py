"""Every PDF the desktop writes is drawn on a worker, never on the GUI thread: an agreement's
Save as PDF, the Ofsted pack, the mentor-funding statements, the letters, a subject access
export and a confirmation round's paper forms (house rule: the GUI thread never blocks on slow work; a PDF takes 25 ms to seconds).

The tasks run for real here (not ``tasks.synchronous()``), and ``ui.printing.html_to_pdf`` notes
the thread that called it. The print preview is not here: Qt's ``QPrintPreviewDialog`` asks for
its pages on the GUI thread by design (see BENCHMARKS.md, "Agreement PDF, to its floor").
"""

from __future__ import annotations

from pathlib import Path

import gui_helpers as gui
import pytest
from gui_helpers import tasks_idle

import ui.print_dialogs
import ui.printing
from ittdesk.leadership import rounds
from ittdesk.models import Cohort, Enrolment, Placement, School, SupportAgreement
from ittdesk.services.people import people
from ui import files
from ui.dialogs.letters import LettersDialog
from ui.dialogs.mentor_funding import open_mentor_funding
from ui.dialogs.ofsted_pack import make_pack
from ui.dialogs.person_data import open_person_export
from ui.editors.agreement_editor import AgreementEditor
from ui.views.confirmation_page import ConfirmationPage

qt_settings = gui.qt_settings
demo_window = gui.demo_window

pytestmark = pytest.mark.gui


@pytest.fixture
def pdf_threads(monkeypatch) -> list[bool]:
    """For each PDF written: was it written on the GUI (main) thread?"""
    return gui.note_threads(monkeypatch, "html_to_pdf", ui.printing, ui.print_dialogs)


def _pdfs(folder: Path) -> list[Path]:
    return [p for p in folder.glob("*.pdf") if p.read_bytes().startswith(b"%PDF")]


def test_an_agreements_save_as_pdf_is_drawn_on_a_worker(qtbot, demo_db, pdf_threads, tmp_path,
                                                       monkeypatch):
    target = tmp_path / "agreement.pdf"
    monkeypatch.setattr(files, "ask_save_path", lambda *_args, **_kwargs: target)
    editor = AgreementEditor(SupportAgreement.select().first().id)
    qtbot.addWidget(editor)
    editor.save_pdf()
    qtbot.waitUntil(lambda: tasks_idle() and target.exists(), timeout=30000)
    assert _pdfs(tmp_path) == [target]
    assert pdf_threads == [False]


def test_the_ofsted_pack_is_drawn_on_a_worker(qtbot, demo_window, pdf_threads, tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    make_pack(demo_window, folder)
    qtbot.waitUntil(lambda: tasks_idle() and bool(_pdfs(folder)), timeout=30000)
    assert pdf_threads == [False]


def test_the_mentor_funding_statements_are_drawn_on_a_worker(qtbot, demo_window, pdf_threads,
                                                            tmp_path):
    dialog = open_mentor_funding(demo_window)
    folder = tmp_path / "statements"
    folder.mkdir()
    qtbot.waitUntil(tasks_idle, timeout=30000)  # the year's summary, read on open
    dialog.write_statements(str(folder))
    qtbot.waitUntil(lambda: tasks_idle() and "Wrote" in dialog.outcome.toPlainText(),
                    timeout=60000)
    written = _pdfs(folder)
    assert written and len(pdf_threads) == len(written)
    assert not any(pdf_threads)
    dialog.close()


def test_a_subject_access_export_is_drawn_on_a_worker(qtbot, sqlite_db, pdf_threads, tmp_path):
    person = people.create({"first_name": "Ada", "last_name": "Greaves"})
    dialog = open_person_export(None, person.id)
    qtbot.addWidget(dialog)
    target = tmp_path / "sar.xlsx"
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    assert _pdfs(tmp_path) == [target.with_suffix(".pdf")]
    assert pdf_threads == [False]


@pytest.mark.slow
def test_placement_letters_as_pdfs_are_drawn_on_a_worker(qtbot, demo_db, pdf_threads, tmp_path):
    cohort = Cohort.select().join(Enrolment).join(Placement).first()
    dialog = LettersDialog()
    qtbot.addWidget(dialog)
    dialog.cohort.setCurrentIndex(dialog.cohort.findData(cohort.id))
    dialog.pdf.setCurrentIndex(dialog.pdf.findData("each"))
    folder = tmp_path / "letters"
    dialog.folder.setText(str(folder))
    dialog.write()
    qtbot.waitUntil(lambda: tasks_idle() and dialog.last_result is not None, timeout=120000)
    written = _pdfs(folder)
    assert written and len(written) == len(dialog.last_result.pdf)
    assert pdf_threads and not any(pdf_threads)


def test_a_confirmation_rounds_paper_forms_are_drawn_on_a_worker(qtbot, demo_db, pdf_threads,
                                                                 tmp_path):
    schools = [s.id for s in School.select().where(School.status == "open").limit(3)]
    rounds.start_round("2026/27", schools)
    page = ConfirmationPage(None)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: tasks_idle() and page.model.rowCount() > 0, timeout=30000)
    folder = tmp_path / "forms"
    page.write_forms(folder, with_pdf=True)
    qtbot.waitUntil(lambda: tasks_idle() and page.last_written is not None, timeout=30000)
    written = _pdfs(folder)
    assert len(written) == len(schools) == len(pdf_threads)
    assert not any(pdf_threads)


def test_a_pdf_drawn_on_a_worker_has_its_document_made_on_the_gui_thread(qtbot, tmp_path,
                                                                          monkeypatch):
    """A document's layout connects a signal inside Qt as it is made; a worker doing that while
    holding the GIL can deadlock with the GUI thread (ui.printing._new_document). The worker
    gets the document made on the GUI thread, moved to its own thread, and draws it there."""
    import threading

    from ui import tasks

    made = []
    real = ui.printing._document_made

    def noting(layout_device, thread):
        doc = real(layout_device, thread)
        made.append((threading.current_thread() is threading.main_thread(),
                     doc.thread() is thread))
        return doc

    monkeypatch.setattr(ui.printing, "_document_made", noting)
    target = tmp_path / "letter.pdf"
    handle = tasks.run_task(None, ui.printing.html_to_pdf, "<h1>Dear school</h1><p>Hello.</p>",
                            target)
    qtbot.waitUntil(lambda: handle.finished, timeout=30000)
    assert handle.error is None and handle.result == 1
    assert made == [(True, True)]
    assert _pdfs(tmp_path) == [target]
