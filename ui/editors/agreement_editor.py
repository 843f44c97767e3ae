"""The support agreement editor: the whole record in one window, saved in one go.

``AgreementEditor(agreement_id, parent=None)`` (None: a new agreement) edits the record and
all its parts — parties with their responsibilities, system leaders and the QA lead, the
schedule, impact reports, funding and spend with the balance, and signatures. Nothing is
written until Save (Ctrl+S); then ``ittdesk.services.agreements.save_agreement`` writes
everything in one transaction or nothing, and each refusal is shown beside its field. Esc or
closing asks about unsaved changes. Print preview, Print and Save as PDF print the saved
agreement through ``ui.printing``.

The window is split along three seams: ``agreement_saving`` writes (Save, the status steps and
Reopen, each on a worker, a refusal shown beside what it names), ``agreement_tabs`` holds the
form (which field is on which tab, choosing people and schools with the record picker, filling
the part lists), and
``agreement_status`` the lifecycle (status buttons for the allowed steps only; before each
one-way step a confirmation naming what happens and any warnings — completing early or with
money unspent, starting support before the start date; Reopen… for a closed agreement, asking
why). What a step still needs is shown beside the fields concerned.

A completed or withdrawn agreement is closed (the services refuse changes to it): it opens
read-only under a banner saying so, every field and part form disabled except Notes (the part
lists can still be browsed), and Save saves the notes alone. Printing works as always.

Helpers for the rest of the GUI: ``open_agreement(parent, agreement_id, **defaults)`` (shows
an editor, for ``ui.editors.EDITORS``) and ``print_agreement(parent, agreement_id)`` (print
preview straight from a list, for Ctrl+P).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ittdesk.choices import AGREEMENT_STATUSES
from ittdesk.fields import format_date, format_money
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import agreements

from .. import sizing
from ..operations import read
from .agreement_changed import AgreementHost, loaded_state
from .agreement_parts import ERROR_STYLE, WARNING_STYLE, PartsPanel
from .agreement_saving import PROBLEM_PLACES, AgreementSaving
from .agreement_status import StatusRow
from .agreement_tabs import MAIN_TAB, PANEL_TAB, TABS, AgreementTabs
from .changed_bar import ChangedBar


class AgreementEditor(AgreementSaving, QDialog):
    """Edit one support agreement (``agreement_id`` None: a new one)."""

    #: emitted with the agreement's id after every successful save or status change
    saved = Signal(int)

    def __init__(self, agreement_id: int | None, parent: QWidget | None = None, **defaults: Any):
        super().__init__(parent)
        self.setObjectName("AgreementEditor")
        self.agreement_id = agreement_id
        self.status = "draft"
        self.loaded_version: int | None = None  # what Save says it edited (services.base.update)
        self.dirty = False
        self._loading = False
        self._saving = False  # a write is under way (_write): the editor stays open
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setMinimumSize(820, 620)
        self._build()
        self._restore_geometry()
        sizing.fit_on_show(self)  # Save / Next stay on screen at any scale
        self.load(defaults)

    # -- building --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.status_row = StatusRow(self.change_status, self.reopen)
        self.status_label = self.status_row.label
        self.status_buttons = self.status_row.buttons
        self.reopen_button = self.status_row.reopen_button
        self.problems = QLabel()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.warnings = QLabel()
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.closed_banner = QLabel()
        self.closed_banner.setObjectName("closed_banner")
        self.closed_banner.setWordWrap(True)
        self.closed_banner.setStyleSheet("background: #e8eef7; border: 1px solid #9fb3cf; "
                                         "border-radius: 4px; padding: 6px 8px;")
        self.closed_banner.hide()

        self.tabs = AgreementTabs()
        self.main_fields = self.tabs.main_fields
        self.panels = self.tabs.panels
        self.balance = self.tabs.balance
        # The fields and parts the problem shown is about: each edited one loses its message,
        # and the problem goes with the last of them (Save checks everything again).
        self._marked: set[str] = set()
        for key, widget in self.main_fields.items():
            widget.changed.connect(self._changed)
            widget.changed.connect(lambda key=key: self._put_right(key))
        self.tabs.panel_built.connect(self._listen_to_panel)
        self.main_fields["amount_agreed_pence"].changed.connect(self._update_balance)

        self.preview_button = QPushButton("Print preview…")
        self.print_button = QPushButton("Print…")
        self.pdf_button = QPushButton("Save as PDF…")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self.preview_button.clicked.connect(self.print_preview)
        self.print_button.clicked.connect(self.print)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        for button in (self.preview_button, self.print_button, self.pdf_button):
            bottom.addWidget(button)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        #: "Changed by X at HH:MM — Reload / Keep editing" (another user saved it or a part)
        self.changed_bar = ChangedBar(self, AgreementHost(self), self)
        layout.addWidget(self.changed_bar)
        layout.addWidget(self.heading)
        layout.addWidget(self.status_row)
        layout.addWidget(self.closed_banner)
        layout.addWidget(self.problems)
        layout.addWidget(self.warnings)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_preview)

    def _listen_to_panel(self, kind: str, panel: PartsPanel) -> None:
        """A part list was built (its tab first shown): its edits mark the editor changed."""
        panel.changed.connect(self._changed)
        panel.changed.connect(lambda: self._put_right(kind))
        if kind == "spend":
            panel.changed.connect(self._update_balance)

    # -- loading ---------------------------------------------------------------------------------
    def load(self, defaults: dict[str, Any] | None = None) -> None:
        """Fill every field from the database (or ``defaults`` for a new agreement)."""
        self._loading = self.tabs.loading = True
        try:
            if self.agreement_id is None:
                values = {"academic_year": _current_year(), **(defaults or {})}
                for key, widget in self.main_fields.items():
                    widget.set_value(values.get(key))
                self.tabs.clear_parts()
                self.status = "draft"
                self.loaded_version = None
            else:
                a = agreements.get(self.agreement_id)
                self.status = a.status
                self.loaded_version = a.version
                main = self.loaded_values_of(a)
                for key, widget in self.main_fields.items():
                    widget.set_value(main.get(key))
                self.tabs.load_parts(a.id)
            for widget in self.main_fields.values():
                widget.show_message(None)
            for kind in self.panels:
                self.panels.show_message(kind, None)
            self.problems.hide()
            self._marked = set()
            #: as loaded, for the changed bar: what the user has not touched, what others changed
            self.loaded_main = {key: w.value() for key, w in self.main_fields.items()}
            self.loaded_state = loaded_state(self)
        finally:
            self._loading = self.tabs.loading = False
        self.dirty = False
        self._refresh_header()

    @staticmethod
    def loaded_values_of(a: Any) -> dict[str, Any]:
        """The main fields' values for the agreement record ``a``, as the form shows them."""
        return {
            "title": a.title, "academic_year": str(a.academic_year),
            "start_date": format_date(a.start_date), "end_date": format_date(a.end_date),
            "priorities": a.priorities, "baseline": a.baseline,
            "intended_impact": a.intended_impact, "evidence": a.evidence, "notes": a.notes,
            "qa_lead": a.qa_lead_id, "funding_source": a.funding_source,
            "amount_agreed_pence": format_money(a.amount_agreed_pence),
        }

    def _refresh_header(self) -> None:
        if self.agreement_id is None:
            self.heading.setText("New support agreement")
        else:
            a = agreements.get(self.agreement_id)
            self.heading.setText(f"{a.reference} — {a.title}")
        self.status_row.show_status(self.status, self.agreement_id is not None)
        for button in (self.preview_button, self.print_button, self.pdf_button):
            button.setEnabled(self.agreement_id is not None)
        self._show_closed()
        self._update_title()
        self._update_balance()
        self._show_warnings()

    @property
    def closed(self) -> bool:
        return self.agreement_id is not None and self.status in lifecycle.CLOSED

    def _show_closed(self) -> None:
        """A closed agreement is read-only here, as in the services: only its notes change."""
        closed = self.closed
        for key, widget in self.main_fields.items():
            widget.input.setEnabled(not closed or key in lifecycle.EDITABLE_WHEN_CLOSED)
        self.panels.set_read_only(closed)
        if closed:
            what = AGREEMENT_STATUSES.label(self.status).lower()
            self.closed_banner.setText(
                f"<b>This agreement is {what}, so it is closed.</b> It is the signed, reported "
                "record of what happened, so nothing in it can be changed. You can still add "
                "to the Notes (what happened later), print it and save it as a PDF. If it was "
                f"closed by mistake, {lifecycle.REOPEN_ACTION} takes it back, saying why.")
        self.closed_banner.setVisible(closed)

    def _update_title(self) -> None:
        name = self.heading.text()
        self.setWindowTitle(f"{'*' if self.dirty else ''}{name} — Support agreement")

    def _update_balance(self) -> None:
        from ittdesk import fields

        try:
            agreed = fields.money(self.main_fields["amount_agreed_pence"].value()) or 0
            spent = sum(fields.money(r.values.get("amount_pence")) or 0
                        for r in self.panels.rows("spend"))
        except ValueError:
            self.balance.setText("Balance: check the amounts typed")
            return
        from ittdesk.services.agreements import Funding

        money = Funding(agreed, spent)
        self.balance.setText(f"Balance: {money.text()}")
        self.balance.setStyleSheet("font-weight: bold;" + (ERROR_STYLE if money.over else ""))

    def _show_warnings(self) -> None:
        if self.agreement_id is None:
            self.warnings.hide()
            self._mark_tabs()
            return
        found = lifecycle.warnings(self.agreement_id)
        for key, text in found.items():
            place = PROBLEM_PLACES.get(key, key)
            if place in self.panels:
                self.panels.show_message(place, text, warning=True)
            elif place in self.main_fields:
                self.main_fields[place].show_message(text, warning=True)
        self.warnings.setText("<br>".join(f"⚠ {text}" for text in found.values()))
        self.warnings.setVisible(bool(found))
        self._mark_tabs()

    def _mark_tabs(self) -> None:
        """A tab whose fields carry a message says so in its title, so nothing is missed."""
        flagged = {MAIN_TAB.get(k, 0) for k, w in self.main_fields.items() if w.message.text()}
        flagged |= {PANEL_TAB[k] for k in self.panels if self.panels.flagged(k)}
        for index, name in enumerate(TABS):
            self.tabs.setTabText(index, f"{name} ⚠" if index in flagged else name)

    def _changed(self) -> None:
        if self._loading:
            return
        if not self.dirty:
            self.dirty = True
            self._update_title()

    # -- printing --------------------------------------------------------------------------------
    def _saved_for_printing(self) -> bool:
        if not self.dirty and self.agreement_id is not None:
            return True
        answer = QMessageBox.question(
            self, "Save before printing",
            "The agreement has unsaved changes. Save them and print the saved agreement?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Save and self.save()

    def print_preview(self) -> None:
        if self._saved_for_printing() and self.agreement_id is not None:
            print_agreement(self, self.agreement_id)

    def print(self) -> None:
        """The saved agreement's document, built on a worker, to the printer."""
        if self._saved_for_printing():
            from ittdesk.documents.agreement import build
            from ui.print_dialogs import print_html

            read(self, build, self.agreement_id,
                 on_done=lambda document: print_html(self, document.html,
                                                     **document.page_options()))

    def save_pdf(self) -> None:
        """The saved agreement's document, built on a worker, saved as a PDF."""
        if self._saved_for_printing():
            from ittdesk.documents.agreement import build
            from ui.print_dialogs import save_pdf_as

            read(self, build, self.agreement_id,
                 on_done=lambda document: save_pdf_as(self, document.html, document.file_name,
                                                      **document.page_options()))

    # -- closing ---------------------------------------------------------------------------------
    def ask_unsaved(self) -> QMessageBox.StandardButton:
        return QMessageBox.question(
            self, "Unsaved changes", "Save the changes to this agreement before closing?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)

    def _may_close(self) -> bool:
        if not self.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def reject(self) -> None:  # Esc and Close
        if self._saving:
            return
        if self._may_close():
            self.dirty = False
            self._save_geometry()
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._saving and self._may_close():
            self.dirty = False
            self._save_geometry()
            event.accept()
        else:
            event.ignore()

    def _restore_geometry(self) -> None:
        try:
            from ui import settings as ui_settings

            geometry = ui_settings.get(f"dialog_geometry/{type(self).__name__}")
            if isinstance(geometry, QByteArray) and not geometry.isEmpty():
                self.restoreGeometry(geometry)
                return
        except Exception:  # settings are a convenience; never stop the editor opening
            pass
        self.resize(980, 760)

    def _save_geometry(self) -> None:
        try:
            from ui import settings as ui_settings

            ui_settings.set(f"dialog_geometry/{type(self).__name__}", self.saveGeometry())
        except Exception:
            pass


def _current_year() -> str:
    from ittdesk.academic_year import AcademicYear

    return str(AcademicYear.current())


def open_agreement(parent: QWidget | None, agreement_id: int | None, **defaults: Any) -> AgreementEditor:
    """Open (and show, modeless) an editor; the ``ui.editors.EDITORS`` entry point."""
    editor = AgreementEditor(agreement_id, parent, **defaults)
    editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    editor.show()
    editor.raise_()
    editor.activateWindow()
    return editor


#: the name ``ui.editors.agreement_launcher`` looks for
open_agreement_editor = open_agreement


def print_agreement(parent: QWidget | None, agreement_id: int, *, exec_dialog: bool = True,
                    on_preview: Callable[[Any], None] | None = None) -> None:
    """Print preview of a saved agreement (the list's Ctrl+P); Print from it prints it.

    The document is built and laid out on its pages on a worker, then the preview opens and
    only paints them; ``on_preview`` receives the dialog (or its result when ``exec_dialog``)."""
    from ui.print_dialogs import preview_prepared

    def show(prepared: Any) -> None:
        shown = preview_prepared(parent, prepared, exec_dialog=exec_dialog)
        if on_preview is not None:
            on_preview(shown)

    read(parent, prepare_agreement, agreement_id, on_done=show)


def prepare_agreement(agreement_id: int) -> Any:
    """Worker: the agreement's document, laid out on its pages (``ui.printing.Prepared``)."""
    from ittdesk.documents.agreement import build
    from ui.printing import page_options, prepare

    document = build(agreement_id)
    return prepare(document.html, page_options(**document.page_options()))
