"""Page 4: the import in one transaction on a worker, with progress (rows done, rows/s) and
Cancel; cancelling or any error leaves the database exactly as it was and goes back to the
preview. Once done: the result, the past imports and, for new schools, "Mark partners"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout

from ittdesk.spreadsheets import importing
from ittdesk.spreadsheets.import_base import Result

from ...operations import EVERYTHING
from .models import table_view
from .page import ImportPage

if TYPE_CHECKING:
    from .wizard import ImportWizard


class ApplyPage(ImportPage):
    """Entered through the preview's Import (the commit page): ``initializePage`` starts the
    import; the page is complete (Close enabled) once it has finished."""

    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard, "4. Import")
        layout = QVBoxLayout(self)
        self.apply_label = QLabel()
        self.apply_label.setObjectName("applyLabel")
        self.apply_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.rate_label = QLabel()
        layout.addWidget(self.apply_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.rate_label)
        self.partners_button = QPushButton("Mark &partners among the new schools…")
        self.partners_button.setObjectName("markPartners")
        self.partners_button.setVisible(False)
        self.partners_button.clicked.connect(self.mark_partners)
        layout.addWidget(self.partners_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.history_label = QLabel("Past imports")
        self.history_view = table_view(wizard.history_model, "historyView")
        self.history_label.setVisible(False)
        self.history_view.setVisible(False)
        layout.addSpacing(12)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history_view, 1)
        layout.addWidget(self.message)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return super().isComplete() and self.import_wizard.import_result is not None

    def initializePage(self) -> None:  # noqa: N802 - Qt override: Import was pressed
        wizard = self.import_wizard
        self.partners_button.setVisible(False)
        self.say("")
        plan = wizard.plan
        if plan is None:
            return
        total = len(plan.adds) + len(plan.updates)
        self.apply_label.setText(f"Importing {total:,} rows from {plan.source.path.name}…")
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.rate_label.clear()
        wizard.run(importing.apply_plan, plan, skip_invalid=bool(self.field("skipInvalid")),
                   changes={EVERYTHING}, on_done=self._applied, on_progress=self._progress)

    def _progress(self, done: int, total: int | None, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.rate_label.setText(message)

    def _applied(self, result: Result) -> None:
        wizard = self.import_wizard
        wizard.task = None
        wizard.import_result = result
        self.progress.setValue(self.progress.maximum())
        self.apply_label.setText(f"Done: {result.summary()}. This import is #{result.run_id} in "
                                 "the list of past imports.")
        changed = result.added + result.updated
        # a small file's "Took 0.0 s (509 rows/s)" read as a fault: a rate only when it means something
        self.rate_label.setText("Took under a second." if result.seconds < 1 else
                                f"Took {result.seconds:.1f} s ({changed / result.seconds:,.0f} rows/s).")
        wizard.show_history()
        # New schools have no partnership status: ask now, while the user thinks of them.
        self.partners_button.setVisible(self.field("kind") == "schools"
                                        and result.added > 0 and result.run_id is not None)
        wizard.update_buttons()
        wizard.close_source()  # the import announced its change itself (ui.operations.write)

    def show_history(self, shown: bool) -> None:
        self.history_label.setVisible(shown)
        self.history_view.setVisible(shown)
        self.history_view.resizeColumnsToContents()
        self.history_view.horizontalHeader().setStretchLastSection(False)
        self.history_view.horizontalHeader().setStretchLastSection(True)  # fill the width again

    def mark_partners(self) -> None:
        from ..mark_partners import open_mark_partners

        wizard = self.import_wizard
        if wizard.import_result is not None:
            open_mark_partners(wizard.main_window or wizard, wizard.import_result.run_id)
