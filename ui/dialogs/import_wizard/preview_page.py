"""Page 3: rows to add, rows to update with old -> new, rows refused with row, column and
reason. Nothing has been written yet: this is the commit page, whose button is Import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QLabel, QTabWidget, QVBoxLayout, QWizard

from ittdesk.spreadsheets.import_base import Item, Plan

from .models import FormattedRowsModel, table_view
from .page import ImportPage

if TYPE_CHECKING:
    from .wizard import ImportWizard

# Rows a preview's columns are sized from (about a screen): Qt's default reads the first 1,000
# of each table, every one formatted, which took most of a 50,000-row preview's second.
SIZED_FROM_ROWS = 60


class PreviewPage(ImportPage):
    """The plan in three tabs. Import is enabled only for a plan with something to write and no
    refused rows (or with "skip the refused ones" ticked); the ticks that change what is
    planned (create cohorts, match possible duplicates) plan again on a worker."""

    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard, "3. Preview: nothing has been written yet")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.add_model = FormattedRowsModel(["Row", "Key", "Record", "Details"], parent=self)
        self.update_model = FormattedRowsModel(["Row", "Key", "Record", "Changes (old → new)"],
                                               parent=self)
        self.refused_model = FormattedRowsModel(["Row", "Column", "Reason"], parent=self)
        self.add_view = table_view(self.add_model, "addView")
        self.update_view = table_view(self.update_model, "updateView")
        self.refused_view = table_view(self.refused_model, "refusedView")
        self.tabs.addTab(self.add_view, "To add")
        self.tabs.addTab(self.update_view, "To update")
        self.tabs.addTab(self.refused_view, "Refused")
        layout.addWidget(self.tabs, 1)
        self.skip_invalid = QCheckBox("Import the other rows and &skip the refused ones")
        self.skip_invalid.setObjectName("skipInvalid")
        layout.addWidget(self.skip_invalid)
        # Enrolments whose route and year have no cohort yet: the plan lists what it would
        # create; ticking plans again with the creation asked for (issue 14).
        self.create_cohorts = QCheckBox("Create the programmes and cohorts &listed")
        self.create_cohorts.setObjectName("createCohorts")
        self.create_cohorts.setVisible(False)
        layout.addWidget(self.create_cohorts)
        # People stored under the same name with nothing else in common: added unless ticked.
        self.match_possible = QCheckBox("&Match possible duplicates to the people already stored")
        self.match_possible.setObjectName("matchPossible")
        self.match_possible.setVisible(False)
        layout.addWidget(self.match_possible)
        layout.addWidget(self.message)
        self.registerField("skipInvalid", self.skip_invalid)
        self.registerField("createCohorts", self.create_cohorts)
        self.registerField("matchPossible", self.match_possible)
        self.skip_invalid.toggled.connect(self.completeChanged)
        self.create_cohorts.toggled.connect(wizard.start_plan)
        self.match_possible.toggled.connect(wizard.start_plan)

    def initializePage(self) -> None:  # noqa: N802 - Qt override: entered from the columns
        self.say("")
        if self.import_wizard.plan is not None:
            self.show_plan(self.import_wizard.plan)

    def cleanupPage(self) -> None:  # noqa: N802 - Qt override
        """Going back keeps the ticks (QWizardPage's own clean-up would reset them, and
        unticking would plan again): the next plan is made with them."""

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        plan = self.import_wizard.plan
        return bool(super().isComplete() and plan and (plan.adds or plan.updates)
                    and (not plan.refused or self.skip_invalid.isChecked()))

    def show_plan(self, plan: Plan) -> None:
        """The plan in its three tabs. A plan can hold 50,000 rows: the models format only the
        rows a view shows, the columns are sized from the first screen of rows (not Qt's
        default of the first 1,000, each formatted), each of the plan's lists is made once,
        and the ticks that only some kinds have look at the plan only for those kinds."""
        adds, updates, unchanged = plan.adds, plan.updates, len(plan.unchanged)
        self.add_model.set_rows(adds, lambda i: [str(i.row), i.key, i.description, _details(i)])
        self.update_model.set_rows(updates,
                                   lambda i: [str(i.row), i.key, i.description, _changes(i)])
        self.refused_model.set_rows(plan.refused, lambda r: [str(r.row), r.column, r.reason])
        self.tabs.setTabText(0, f"To add ({len(adds):,})")
        self.tabs.setTabText(1, f"To update ({len(updates):,})")
        self.tabs.setTabText(2, f"Refused ({plan.refused_rows:,} row{'' if plan.refused_rows == 1 else 's'})")
        for view in (self.add_view, self.update_view, self.refused_view):
            view.horizontalHeader().setResizeContentsPrecision(SIZED_FROM_ROWS)
            view.resizeColumnsToContents()
            view.horizontalHeader().setStretchLastSection(True)
            for column in range(view.model().columnCount() - 1):
                view.setColumnWidth(column, min(view.columnWidth(column), 320))
        lines = [f"{len(adds):,} to add, {len(updates):,} to update, "
                 f"{unchanged:,} unchanged, {plan.refused_rows:,} refused."]
        if plan.refused:
            lines.append("Refused rows stop the import: correct the file and go back, or tick the "
                         "box below to import the other rows.")
            self.tabs.setCurrentIndex(2)
        elif updates and not adds:
            self.tabs.setCurrentIndex(1)
        else:
            self.tabs.setCurrentIndex(0)
        if not adds and not updates and not plan.refused:
            lines.append("Everything in the file is already in ITT Desk: there is nothing to import.")
        lines += plan.notes
        self.summary.setText("\n".join(lines))
        self.skip_invalid.setChecked(False)
        self.skip_invalid.setVisible(bool(plan.refused and (adds or updates)))
        from ittdesk.spreadsheets.import_cohorts import creates_cohorts

        kind = self.import_wizard.source.kind if self.import_wizard.source is not None else None
        self.create_cohorts.setVisible(
            self.create_cohorts.isChecked() or (kind == "enrolments" and creates_cohorts(plan)))
        self.match_possible.setVisible(self.match_possible.isChecked() or (kind == "people" and any(
            isinstance(i.payload, dict) and "possible" in i.payload for i in plan.items)))
        self.completeChanged.emit()


def _text(value: Any) -> str:
    from ittdesk.fields import format_date

    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return format_date(value)
    return str(value)


def _changes(item: Item) -> str:
    return "; ".join(f"{label}: {_text(old)} → {_text(new)}" for label, (old, new) in item.changes.items())


def _details(item: Item) -> str:
    return "; ".join(f"{label}: {_text(new)}" for label, (_old, new) in item.changes.items()
                     if label not in ("URN", "Name"))
