"""The support agreement editor: the whole record in one window, saved in one go.

``AgreementEditor(agreement_id, parent=None)`` (None: a new agreement) edits the record and
all its parts — parties with their responsibilities, system leaders and the QA lead, the
schedule, impact reports, funding and spend with the balance, and signatures. Nothing is
written until Save (Ctrl+S); then ``ittdesk.services.agreements.save_agreement`` writes
everything in one transaction or nothing, and each refusal is shown beside its field. Esc or
closing asks about unsaved changes. Status buttons offer only the allowed transitions; what a
transition still needs is shown beside the fields concerned. Print preview, Print and Save as
PDF print the saved agreement through ``ui.printing``.

A completed or withdrawn agreement is closed (the services refuse changes to it): it opens
read-only under a banner saying so, every field and part form disabled except Notes (the part
lists can still be browsed), and Save saves the notes alone. Printing works as always.

Helpers for the rest of the GUI: ``open_agreement(parent, agreement_id, **defaults)`` (shows
an editor, for ``ui.editors.EDITORS``) and ``print_agreement(parent, agreement_id)`` (print
preview straight from a list, for Ctrl+P).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ittdesk.choices import (
    ACTIVITY_KINDS,
    AGREEMENT_STATUSES,
    PARTY_ROLES,
    RAG_RATINGS,
    REPORT_KINDS,
)
from ittdesk.errors import IttDeskError, ValidationError
from ittdesk.fields import format_date, format_money
from ittdesk.models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    Designation,
    ImpactReport,
    Person,
    School,
    Signature,
    SpendEntry,
)
from ittdesk.services import agreement_lifecycle as lifecycle
from ittdesk.services.agreements import (
    PartEdit,
    PartError,
    agreements,
    save_agreement,
)

from .. import sizing
from .agreement_parts import (
    ERROR_STYLE,
    WARNING_STYLE,
    Column,
    FieldSpec,
    PartsPanel,
    Row,
    build_form,
)

MAIN_TAB = {  # which tab each field of the agreement itself is on
    "title": 0, "academic_year": 0, "start_date": 0, "end_date": 0, "priorities": 0,
    "baseline": 0, "intended_impact": 0, "evidence": 0, "notes": 0,
    "qa_lead": 2, "funding_source": 5, "amount_agreed_pence": 5,
}
TABS = ["Agreement", "Parties", "System leaders && QA", "Schedule", "Impact reports", "Funding",
        "Signatures"]
PANEL_TAB = {"parties": 1, "leaders": 2, "activities": 3, "reports": 4, "spend": 5, "signatures": 6}
#: where the lifecycle's and warnings' keys are shown: a main field or a panel
PROBLEM_PLACES = {"parties": "parties", "responsibilities": "parties", "reports": "reports",
                  "spend": "spend", "leaders": "leaders"}


def _schools() -> list[tuple[str, int]]:
    return [(f"{s.name} ({s.urn})", s.id) for s in School.select().order_by(School.name)]


def _people() -> list[tuple[str, int]]:
    query = Person.select().where(Person.erased == False).order_by(Person.last_name, Person.first_name)  # noqa: E712
    return [(f"{p.full_name} — {p.email}" if p.email else p.full_name, p.id) for p in query]


def _system_leaders() -> list[tuple[str, int]]:
    found: dict[int, str] = {}
    query = (Designation.select(Designation, Person).join(Person)
             .where(Person.erased == False).order_by(Person.last_name, Person.first_name))  # noqa: E712
    for d in query:
        what = d.kind + (f", {d.specialism}" if d.specialism else "")
        found[d.person.id] = (f"{found[d.person.id]}; {what}" if d.person.id in found
                              else f"{d.person.full_name} — {what}")
    return [(label, pid) for pid, label in found.items()]


def _choices(vocabulary) -> Any:
    return lambda: [(label, key) for key, label in vocabulary]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


class AgreementEditor(QDialog):
    """Edit one support agreement (``agreement_id`` None: a new one)."""

    #: emitted with the agreement's id after every successful save or status change
    saved = Signal(int)

    def __init__(self, agreement_id: int | None, parent: QWidget | None = None, **defaults: Any):
        super().__init__(parent)
        self.setObjectName("AgreementEditor")
        self.agreement_id = agreement_id
        self.status = "draft"
        self.dirty = False
        self._loading = False
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
        self.status_label = QLabel()
        self.status_label.setObjectName("status_label")
        self.status_buttons: dict[str, QPushButton] = {}
        self.heading.setWordWrap(True)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label)
        status_row.addStretch(1)
        for target, text in lifecycle.ACTIONS.items():
            button = QPushButton(text)
            button.setObjectName(f"status_{target}")
            button.clicked.connect(lambda _=False, t=target: self.change_status(t))
            self.status_buttons[target] = button
            status_row.addWidget(button)
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

        self.tabs = QTabWidget()
        self.main_fields = {}
        main_specs = [
            FieldSpec("title", "Title"),
            FieldSpec("academic_year", "Academic year", "short", placeholder="e.g. 2025/26"),
            FieldSpec("start_date", "Start date", "date"),
            FieldSpec("end_date", "End date", "date"),
            FieldSpec("priorities", "Priority areas", "long"),
            FieldSpec("baseline", "Baseline", "long"),
            FieldSpec("intended_impact", "Intended impact", "long"),
            FieldSpec("evidence", "Evidence of impact", "long",
                      placeholder="The anticipated measurable evidence of impact"),
            FieldSpec("notes", "Notes", "long"),
        ]
        box, fields = build_form(main_specs)
        self.main_fields.update(fields)
        self.tabs.addTab(_scrolled(box), "Agreement")

        self.panels: dict[str, PartsPanel] = {}
        self.panels["parties"] = PartsPanel("party", [
            FieldSpec("role", "Party", "choice", _choices(PARTY_ROLES), blank=None),
            FieldSpec("school", "School", "ref", _schools),
            FieldSpec("contact", "Named contact", "ref", _people),
            FieldSpec("responsibilities", "Responsibilities", "long"),
        ], [Column("Party", "role"), Column("School", "school"), Column("Contact", "contact"),
            Column("Responsibilities", "responsibilities")],
            defaults=lambda: {"role": "supported"})
        self.tabs.addTab(self.panels["parties"], "Parties")

        leaders_tab = QWidget()
        leaders_layout = QVBoxLayout(leaders_tab)
        qa_box, qa_fields = build_form([FieldSpec("qa_lead", "Independent QA lead", "ref", _system_leaders)])
        self.main_fields.update(qa_fields)
        leaders_layout.addWidget(qa_box)
        self.panels["leaders"] = PartsPanel("system leader", [
            FieldSpec("person", "System leader (SLE/LLE)", "ref", _system_leaders),
            FieldSpec("days", "Days agreed", "number"),
            FieldSpec("hours", "Hours agreed", "number"),
        ], [Column("System leader", "person"), Column("Days", "days"), Column("Hours", "hours")])
        leaders_layout.addWidget(self.panels["leaders"], 1)
        self.tabs.addTab(leaders_tab, "System leaders && QA")

        self.panels["activities"] = PartsPanel("activity", [
            FieldSpec("date", "Date", "date"),
            FieldSpec("kind", "Activity", "choice", _choices(ACTIVITY_KINDS), blank=None),
            FieldSpec("description", "Description", "long"),
            FieldSpec("person", "Who (person)", "ref", _people),
            FieldSpec("who", "Who (or type a name)"),
            FieldSpec("time", "Time", placeholder="e.g. 09:00-12:00"),
        ], [Column("Date", "date"), Column("Activity", "kind"), Column("Description", "description"),
            Column("Who", "who", fallback="person"), Column("Time", "time")], defaults=lambda: {"kind": "visit"})
        self.tabs.addTab(self.panels["activities"], "Schedule")

        self.panels["reports"] = PartsPanel("report", [
            FieldSpec("kind", "Report", "choice", _choices(REPORT_KINDS), blank=None),
            FieldSpec("due_date", "Due", "date"),
            FieldSpec("submitted_on", "Submitted", "date"),
            FieldSpec("rag", "RAG against intended impact", "choice", _choices(RAG_RATINGS)),
            FieldSpec("author", "Written by", "ref", _people),
            FieldSpec("summary", "Summary", "long"),
        ], [Column("Report", "kind"), Column("Due", "due_date"), Column("Submitted", "submitted_on"),
            Column("RAG", "rag"), Column("Written by", "author")],
            defaults=lambda: {"kind": "interim"})
        self.tabs.addTab(self.panels["reports"], "Impact reports")

        funding_tab = QWidget()
        funding_layout = QVBoxLayout(funding_tab)
        money_box, money_fields = build_form([
            FieldSpec("funding_source", "Funding source", placeholder="e.g. School improvement fund"),
            FieldSpec("amount_agreed_pence", "Amount agreed", "money"),
        ])
        self.main_fields.update(money_fields)
        funding_layout.addWidget(money_box)
        self.balance = QLabel()
        self.balance.setObjectName("balance")
        self.balance.setStyleSheet("font-weight: bold;")
        funding_layout.addWidget(self.balance)
        self.panels["spend"] = PartsPanel("spend entry", [
            FieldSpec("date", "Date", "date"),
            FieldSpec("description", "What"),
            FieldSpec("amount_pence", "Amount", "money"),
        ], [Column("Date", "date"), Column("What", "description"), Column("Amount", "amount_pence", right=True)])
        funding_layout.addWidget(self.panels["spend"], 1)
        self.tabs.addTab(funding_tab, "Funding")

        self.panels["signatures"] = PartsPanel("signature", [
            FieldSpec("party", "Signed for", "ref", self._signature_parties,
                      blank="Quality-assurance lead"),
            FieldSpec("signatory_name", "Name"),
            FieldSpec("signatory_role", "Role"),
            FieldSpec("signed_on", "Date signed", "date"),
        ], [Column("Signed for", "party"), Column("Name", "signatory_name"),
            Column("Role", "signatory_role"), Column("Date signed", "signed_on")])
        self.tabs.addTab(self.panels["signatures"], "Signatures")
        self.panels["signatures"].fields["party"].changed.connect(self._suggest_signatory)
        self.tabs.currentChanged.connect(self._tab_shown)

        for widget in self.main_fields.values():
            widget.changed.connect(self._changed)
        for panel in self.panels.values():
            panel.changed.connect(self._changed)
        for key in ("amount_agreed_pence",):
            self.main_fields[key].changed.connect(self._update_balance)
        self.panels["spend"].changed.connect(self._update_balance)

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
        layout.addWidget(self.heading)
        layout.addLayout(status_row)
        layout.addWidget(self.closed_banner)
        layout.addWidget(self.problems)
        layout.addWidget(self.warnings)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_preview)

    def _signature_parties(self) -> list[tuple[str, Any]]:
        panel = self.panels.get("parties")
        if panel is None:
            return []
        result = []
        for row in panel.rows():
            role = PARTY_ROLES.label(row.values.get("role"))
            school = panel.label("school", row.values.get("school")) or "school not chosen"
            result.append((f"{role}: {school}", row.id if row.id is not None else f"key:{row.key}"))
        return result

    def _suggest_signatory(self) -> None:
        """Choosing who a signature is for fills in that party's contact (or the QA lead)."""
        panel = self.panels["signatures"]
        name_field = panel.fields["signatory_name"]
        if self._loading or name_field.value().strip():
            return
        chosen = panel.fields["party"].value()
        person_id = self.main_fields["qa_lead"].value() if chosen is None else next(
            (r.values.get("contact") for r in self.panels["parties"].rows()
             if chosen in (r.id, f"key:{r.key}")), None)
        person = Person.get_or_none(Person.id == person_id) if person_id else None
        if person is not None:
            name_field.input.setText(person.full_name)

    def _tab_shown(self, index: int) -> None:
        if index == PANEL_TAB["signatures"]:
            self._loading, was = True, self._loading
            self.panels["signatures"].reload_options()
            self._loading = was

    # -- loading ---------------------------------------------------------------------------------
    def load(self, defaults: dict[str, Any] | None = None) -> None:
        """Fill every field from the database (or ``defaults`` for a new agreement)."""
        self._loading = True
        try:
            if self.agreement_id is None:
                values = {"academic_year": _current_year(), **(defaults or {})}
                for key, widget in self.main_fields.items():
                    widget.set_value(values.get(key))
                for panel in self.panels.values():
                    panel.set_rows([])
                self.status = "draft"
            else:
                a = agreements.get(self.agreement_id)
                self.status = a.status
                main = {
                    "title": a.title, "academic_year": str(a.academic_year),
                    "start_date": format_date(a.start_date), "end_date": format_date(a.end_date),
                    "priorities": a.priorities, "baseline": a.baseline,
                    "intended_impact": a.intended_impact, "evidence": a.evidence, "notes": a.notes,
                    "qa_lead": a.qa_lead_id, "funding_source": a.funding_source,
                    "amount_agreed_pence": format_money(a.amount_agreed_pence),
                }
                for key, widget in self.main_fields.items():
                    widget.set_value(main.get(key))
                self._load_parts(a.id)
            for widget in self.main_fields.values():
                widget.show_message(None)
            for panel in self.panels.values():
                panel.show_message(None)
            self.problems.hide()
        finally:
            self._loading = False
        self.dirty = False
        self._refresh_header()

    def _load_parts(self, agreement_id: int) -> None:
        def rows(model, convert):
            query = model.select().where(model.agreement == agreement_id).order_by(model.id)
            return [Row(convert(r), id=r.id) for r in query]

        party_rows = rows(AgreementParty, lambda p: {
            "role": p.role, "school": p.school_id, "contact": p.contact_id,
            "responsibilities": p.responsibilities})
        self.panels["parties"].set_rows(party_rows)
        self.panels["leaders"].set_rows(rows(AgreementLeader, lambda r: {
            "person": r.person_id, "days": _number(r.days), "hours": _number(r.hours)}))
        self.panels["activities"].set_rows(rows(AgreementActivity, lambda r: {
            "date": format_date(r.date), "kind": r.kind, "description": r.description,
            "person": r.person_id, "who": r.who, "time": r.time}))
        self.panels["reports"].set_rows(rows(ImpactReport, lambda r: {
            "kind": r.kind, "due_date": format_date(r.due_date),
            "submitted_on": format_date(r.submitted_on), "rag": r.rag, "author": r.author_id,
            "summary": r.summary}))
        self.panels["spend"].set_rows(rows(SpendEntry, lambda r: {
            "date": format_date(r.date), "description": r.description,
            "amount_pence": format_money(r.amount_pence)}))
        self.panels["signatures"].reload_options()
        self.panels["signatures"].set_rows(rows(Signature, lambda r: {
            "party": r.party_id, "signatory_name": r.signatory_name,
            "signatory_role": r.signatory_role, "signed_on": format_date(r.signed_on)}))

    def _refresh_header(self) -> None:
        if self.agreement_id is None:
            self.heading.setText("New support agreement")
        else:
            a = agreements.get(self.agreement_id)
            self.heading.setText(f"{a.reference} — {a.title}")
        label = AGREEMENT_STATUSES.label(self.status)
        self.status_label.setText(f"Status: <b>{label}</b>")
        allowed = lifecycle.allowed(self.status) if self.agreement_id is not None else ()
        for target, button in self.status_buttons.items():
            button.setVisible(target in allowed)
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
        for panel in self.panels.values():
            panel.set_read_only(closed)
        if closed:
            what = AGREEMENT_STATUSES.label(self.status).lower()
            self.closed_banner.setText(
                f"<b>This agreement is {what}, so it is closed.</b> It is the signed, reported "
                "record of what happened, so nothing in it can be changed. You can still add "
                "to the Notes (what happened later), print it and save it as a PDF.")
        self.closed_banner.setVisible(closed)

    def _update_title(self) -> None:
        name = self.heading.text()
        self.setWindowTitle(f"{'*' if self.dirty else ''}{name} — Support agreement")

    def _update_balance(self) -> None:
        from ittdesk import fields

        try:
            agreed = fields.money(self.main_fields["amount_agreed_pence"].value()) or 0
            spent = sum(fields.money(r.values.get("amount_pence")) or 0
                        for r in self.panels["spend"].rows())
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
                self.panels[place].show_message(text, warning=True)
            elif place in self.main_fields:
                self.main_fields[place].show_message(text, warning=True)
        self.warnings.setText("<br>".join(f"⚠ {text}" for text in found.values()))
        self.warnings.setVisible(bool(found))
        self._mark_tabs()

    def _mark_tabs(self) -> None:
        """A tab whose fields carry a message says so in its title, so nothing is missed."""
        flagged = {MAIN_TAB.get(k, 0) for k, w in self.main_fields.items() if w.message.text()}
        flagged |= {PANEL_TAB[k] for k, p in self.panels.items()
                    if p.message.text() or any(f.message.text() for f in p.fields.values())}
        for index, name in enumerate(TABS):
            self.tabs.setTabText(index, f"{name} ⚠" if index in flagged else name)

    def _changed(self) -> None:
        if self._loading:
            return
        if not self.dirty:
            self.dirty = True
            self._update_title()

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> bool:
        """Write everything in one transaction; on refusal show why beside the field.

        A closed agreement saves its notes alone (nothing else can change)."""
        if self.closed:
            values = {key: self.main_fields[key].value() for key in lifecycle.EDITABLE_WHEN_CLOSED}
            parts: dict[str, list[PartEdit]] = {}
            removed: dict[str, list[int]] = {}
        else:
            values = {key: widget.value() for key, widget in self.main_fields.items()}
            parts = {kind: [PartEdit(dict(r.values), r.id, r.key) for r in panel.rows()]
                     for kind, panel in self.panels.items()}
            removed = {kind: list(panel.removed_ids) for kind, panel in self.panels.items()}
        for widget in self.main_fields.values():
            widget.show_message(None)
        for panel in self.panels.values():
            panel.show_errors({})
        try:
            agreement = save_agreement(self.agreement_id, values, parts, removed)
        except PartError as exc:
            panel = self.panels[exc.kind]
            self.tabs.setCurrentIndex(PANEL_TAB[exc.kind])
            panel.view.selectRow(exc.position)
            panel.show_errors({k: _strip_label(v) for k, v in exc.errors.items()})
            self._show_problem(f"Not saved: {panel.noun} {exc.position + 1} — "
                               + "; ".join(exc.errors.values()))
            return False
        except ValidationError as exc:
            first_tab = None
            for key, text in exc.errors.items():
                if key in self.main_fields:
                    self.main_fields[key].show_message(_strip_label(text))
                    first_tab = MAIN_TAB.get(key, 0) if first_tab is None else first_tab
            if first_tab is not None:
                self.tabs.setCurrentIndex(first_tab)
            self._show_problem("Not saved: " + "; ".join(exc.errors.values()))
            return False
        except IttDeskError as exc:
            self._show_problem(f"Not saved: {exc}")
            return False
        self.agreement_id = agreement.id
        current_tab = self.tabs.currentIndex()
        self.load()
        self.tabs.setCurrentIndex(current_tab)
        self._announce()
        return True

    def _show_problem(self, text: str | None) -> None:
        self.problems.setText(text or "")
        self.problems.setVisible(bool(text))
        self._mark_tabs()

    def _announce(self) -> None:
        self.saved.emit(self.agreement_id)
        window = self.parent()
        while window is not None and not hasattr(window, "records_changed"):
            window = window.parent()
        if window is not None:
            window.records_changed.emit("agreement")

    # -- status ----------------------------------------------------------------------------------
    def change_status(self, target: str) -> bool:
        if self.dirty or self.agreement_id is None:
            if not self.save():
                return False
        problems = lifecycle.transition_problems(self.agreement_id, target)
        if problems:
            for key, text in problems.items():
                place = PROBLEM_PLACES.get(key, key)
                if place in self.panels:
                    self.panels[place].show_message(text)
                elif place in self.main_fields:
                    self.main_fields[place].show_message(text)
            agreement = agreements.get(self.agreement_id)
            self._show_problem(lifecycle.refusal_message(agreement, target, problems))
            return False
        reason = None
        if target == "withdrawn":
            reason, ok = QInputDialog.getText(self, "Withdraw agreement",
                                              "Why is this agreement withdrawn? (kept in the history)")
            if not ok:
                return False
        try:
            lifecycle.change_status(self.agreement_id, target, reason=reason)
        except IttDeskError as exc:
            self._show_problem(str(exc))
            return False
        self.load()
        self._announce()
        return True

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
        if self._saved_for_printing():
            print_agreement(self, self.agreement_id)

    def print(self) -> None:
        if self._saved_for_printing():
            from ittdesk.documents.agreement import build
            from ui.printing import print_html

            document = build(self.agreement_id)
            print_html(self, document.html, **document.page_options())

    def save_pdf(self) -> None:
        if self._saved_for_printing():
            from ittdesk.documents.agreement import build
            from ui.printing import save_pdf_as

            document = build(self.agreement_id)
            save_pdf_as(self, document.html, document.file_name, **document.page_options())

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
        if self._may_close():
            self.dirty = False
            self._save_geometry()
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._may_close():
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


def _strip_label(message: str) -> str:
    """'Due: ... is not a date' -> the part after the label (the label is beside it already)."""
    head, sep, tail = message.partition(": ")
    return tail if sep and len(head) < 40 else message


def _current_year() -> str:
    from ittdesk.academic_year import AcademicYear

    return str(AcademicYear.current())


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


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


def print_agreement(parent: QWidget | None, agreement_id: int, *, exec_dialog: bool = True):
    """Print preview of a saved agreement (the list's Ctrl+P); Print from it prints it."""
    from ittdesk.documents.agreement import build
    from ui.printing import print_preview

    document = build(agreement_id)
    return print_preview(parent, document.html, exec_dialog=exec_dialog, **document.page_options())
