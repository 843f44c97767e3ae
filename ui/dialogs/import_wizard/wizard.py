"""The import wizard itself: a ``QWizard`` over the four pages, the state they share (the
loaded source, the plan, the result, the running task) and how it closes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QMessageBox, QWidget, QWizard

from ittdesk.errors import IttDeskError, plain_message
from ittdesk.spreadsheets import importing
from ittdesk.spreadsheets.import_base import Plan, Result, Source

from ... import settings as ui_settings
from ... import sizing
from ...operations import Kinds, write
from ...tasks import TaskHandle, run_task
from .apply_page import ApplyPage
from .file_page import FilePage
from .mapping_page import MappingPage
from .models import FormattedRowsModel
from .page import ImportPage
from .preview_page import PreviewPage

Button = QWizard.WizardButton
#: Cancel is the wizard's own button (not QWizard's, which always closes): while a step runs
#: it stops the step and stays; otherwise it closes, asking first if work would be lost.
CANCEL = Button.CustomButton1
_LAYOUT = [Button.Stretch, Button.BackButton, Button.NextButton, Button.CommitButton,
           Button.FinishButton]


class ImportWizard(QWizard):
    """File -> columns -> preview -> import; the slow steps (load, plan, apply) run on workers
    through ``run_task`` and the wizard moves on when they finish."""

    PAGE_FILE, PAGE_MAPPING, PAGE_PREVIEW, PAGE_APPLY = range(4)

    def __init__(self, main_window: QWidget | None, path: str | Path | None = None):
        super().__init__(main_window)
        self.main_window = main_window
        self.setObjectName("ImportWizard")
        self.setWindowTitle("Import from a spreadsheet")
        self.source: Source | None = None
        self.plan: Plan | None = None
        self.import_result: Result | None = None
        self.task: TaskHandle | None = None
        self._cancel_shown: bool | None = None
        self.history_model = FormattedRowsModel(["#", "When", "Who", "What", "Added", "Updated",
                                                 "Refused", "File"], parent=self)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.HaveCustomButton1)
        self.setButtonText(CANCEL, "Cancel")
        self.setButtonText(Button.FinishButton, "&Close")
        self.button(CANCEL).clicked.connect(self.cancel)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.apply_page = ApplyPage(self)
        for page_id, page in enumerate((self.file_page, self.mapping_page, self.preview_page,
                                        self.apply_page)):
            self.setPage(page_id, page)
        self.currentIdChanged.connect(lambda _id: self.update_buttons())
        geometry = ui_settings.get(f"dialog_geometry/{type(self).__name__}")
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(QSize(900, 600))
        sizing.fit_on_show(self)  # Import / Next stay on screen at any scale
        if path:
            self.set_path(path)
        self.update_buttons()
        self.show_history()

    # -- the buttons tests and users press -----------------------------------------------------
    @property
    def next_button(self) -> QAbstractButton:
        return self.button(Button.NextButton)

    @property
    def import_button(self) -> QAbstractButton:
        return self.button(Button.CommitButton)

    @property
    def close_button(self) -> QAbstractButton:
        return self.button(Button.FinishButton)

    @property
    def cancel_button(self) -> QAbstractButton:
        return self.button(CANCEL)

    @property
    def message(self) -> QLabel:
        """The current page's line for messages (errors, progress, notes)."""
        page = self.currentPage()
        return (page if isinstance(page, ImportPage) else self.file_page).message

    # -- shared steps ---------------------------------------------------------------------------
    def set_path(self, path: str | Path) -> None:
        self.file_page.set_path(path)

    def say(self, text: str, *, error: bool = False) -> None:
        page = self.currentPage()
        (page if isinstance(page, ImportPage) else self.file_page).say(text, error=error)

    def busy(self) -> bool:
        return self.task is not None

    def run(self, fn: Callable[..., Any], *args: Any, changes: Kinds | None = None,
            **kwargs: Any) -> None:
        """Start a background step (a write announcing ``changes`` when given: ``ui.operations``);
        in synchronous mode (tests) it has finished on return."""
        if changes is not None:
            handle = write(self, fn, *args, changes=changes, on_error=self.show_error,
                           on_cancelled=self._cancelled, **kwargs)
        else:
            handle = run_task(self, fn, *args, on_error=self.show_error,
                              on_cancelled=self._cancelled, **kwargs)
        self.task = None if (handle.finished or handle.cancelled) else handle
        self.update_buttons()

    def update_buttons(self) -> None:
        """The current page says whether Next / Import / Close may be pressed (``isComplete``);
        Back waits while a step runs; Cancel goes once the import is done."""
        page = self.currentPage()
        if page is not None:
            page.completeChanged.emit()
        if self.busy():
            self.button(Button.BackButton).setEnabled(False)
        show_cancel = self.import_result is None
        if show_cancel != self._cancel_shown:
            self._cancel_shown = show_cancel
            self.setButtonLayout(_LAYOUT + [CANCEL] if show_cancel else _LAYOUT)
            self.button(CANCEL).setVisible(show_cancel)

    def start_plan(self) -> None:
        """Plan the import on a worker (the columns' Next, or a preview tick changed)."""
        if self.source is None:
            return
        self.say("")
        self.run(importing.plan_import, self.source, dict(self.mapping_page.mapping_model.mapping),
                 options=self.plan_options(), on_done=self._planned,
                 on_progress=lambda _done, _total, message: self.say(message))

    def plan_options(self) -> dict[str, Any]:
        kind = self.source.kind if self.source is not None else None
        options: dict[str, Any] = {}
        if kind == "enrolments" and self.field("cohort"):
            options["cohort"] = self.field("cohort")
        if kind == "enrolments" and self.field("createCohorts"):
            options["create_cohorts"] = True
        if kind == "people" and self.field("matchPossible"):
            options["match_possible"] = True
        if kind == "attendance" and self.field("event"):
            options["event"] = self.field("event")
        return options

    def _planned(self, plan: Plan) -> None:
        self.task = None
        self.plan = plan
        self.say("")
        if self.currentPage() is self.mapping_page:
            self.mapping_page.planned = True
            self.next()  # the preview's initializePage shows the plan
        elif self.currentPage() is self.preview_page:
            self.preview_page.show_plan(plan)
        self.update_buttons()

    def show_history(self) -> None:
        """The past imports (what file, when, how many added/updated), newest first."""
        def shown(runs: list[list[str]]) -> None:
            self.history_model.set_rows(runs)
            self.file_page.recent_view.resizeColumnsToContents()
            self.file_page.recent_view.horizontalHeader().setStretchLastSection(True)
            self.apply_page.show_history(self.import_result is not None)

        run_task(self, _history, on_done=shown, on_error=lambda _exc: None)

    def close_source(self) -> None:
        if self.source is not None:
            self.source.book.close()

    # -- outcomes -------------------------------------------------------------------------------
    def show_error(self, exc: BaseException) -> None:
        """One plain sentence, never a class name ("the workbook is damaged", not BadZipFile);
        a failed import goes back to the preview with nothing changed."""
        self.task = None
        text = str(exc) if isinstance(exc, IttDeskError) else plain_message(exc)
        if self.currentId() == self.PAGE_APPLY:
            self.apply_page.apply_label.setText(text)
            self.apply_page.progress.setValue(0)
            self.import_result = None
            self.back()
        self.say(text, error=True)
        self.update_buttons()

    def _cancelled(self) -> None:
        self.task = None
        if self.currentId() == self.PAGE_APPLY:
            self.back()
            self.say("Import cancelled: nothing was changed.")
        else:
            self.say("Cancelled.")
        self.update_buttons()

    def cancel(self) -> None:
        """Cancel stops the running step and stays (nothing is changed); otherwise it closes."""
        if self.task is not None:
            self.task.cancel()
            return
        self.reject()

    # -- closing ------------------------------------------------------------------------------
    # Esc, Cancel and the window's close button all arrive at reject() (QDialog's own
    # closeEvent calls it), Close (Finish) at accept(); clean-up is in done(), which every way
    # of closing passes through. reject() must never call close(): Qt ignores a close() while
    # the dialog is already closing, which is how the wizard once could not be closed at all.
    def work_to_lose(self) -> str:
        """What closing now would throw away, in a few words, or "" when nothing would be lost."""
        if self.task is not None and self.currentId() == self.PAGE_APPLY:
            return "The import is under way: closing stops it and nothing is changed."
        if self.task is not None:
            return "The file is still being read: closing stops it."
        if self.import_result is None and self.currentId() in (self.PAGE_MAPPING, self.PAGE_PREVIEW):
            return "The file has not been imported yet: the columns you checked will be lost."
        return ""

    def reject(self) -> None:
        lost = self.work_to_lose()
        if lost:
            answer = QMessageBox.question(
                self, "Close the import?", f"{lost} Close the import anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()

    def done(self, result: int) -> None:  # noqa: N802 - Qt override: every way of closing
        if self.task is not None:
            self.task.cancel()
            self.task = None
        self.close_source()
        ui_settings.set(f"dialog_geometry/{type(self).__name__}", self.saveGeometry())
        window: Any = self.main_window  # the main window keeps its one open wizard
        if window is not None and getattr(window, "_import_wizard", None) is self:
            window._import_wizard = None
        super().done(result)


def _history() -> list[list[str]]:
    return [[str(r.id), f"{r.at:%d/%m/%Y %H:%M}", r.user, r.kind, f"{r.added:,}", f"{r.updated:,}",
             f"{r.refused:,}", r.file_name] for r in importing.past_imports(20)]


def open_import_wizard(main_window: Any, path: str | Path | None = None) -> ImportWizard:
    """Open the wizard (or bring the open one forward, on ``path`` if given)."""
    existing = getattr(main_window, "_import_wizard", None) if main_window is not None else None
    if existing is not None:
        if path and not existing.busy() and existing.currentId() == ImportWizard.PAGE_FILE:
            existing.set_path(path)
        existing.raise_()
        existing.activateWindow()
        return existing
    wizard = ImportWizard(main_window, path)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if main_window is not None:
        main_window._import_wizard = wizard
    wizard.show()
    return wizard
