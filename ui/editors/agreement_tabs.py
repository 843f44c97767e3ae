"""The agreement editor's tabs: which field and which part list sits where, how records are
chosen, and filling the part lists from the database.

Split from ``agreement_editor`` (which keeps the window: loading the record, printing,
closing; ``agreement_saving`` writes) along the seam between *what the form holds* and *what
the window does with it*.

People and schools are chosen with the record picker (``agreement_parts.Pick``), never combo
boxes of the whole table: opening an agreement on a database of 20,000 people fetched every
person and school on the GUI thread (seconds). Now opening fetches the agreement, its parts and
the names of the few people and schools they mention; the picker's list loads on a worker when
the user asks. A party's named contact is chosen among the people at that party's school;
system leaders and the QA lead among people with an SLE/LLE/NLE designation.

Every form here is made of its service's declared fields (``ittdesk.services.agreements``: the
agreement's and each part's), through ``agreement_parts.from_field``: a field's kind gives its
widget and a reference its record picker (``PICKS`` by the model it names, or one narrowed for
that form); only a label worded for the form and a placeholder are said here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, cast

from peewee import fn
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from ittdesk import holders
from ittdesk.choices import PARTY_ROLES, ROLE_KINDS
from ittdesk.fields import format_date, format_money
from ittdesk.models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
    BaseModel,
    Designation,
    ImpactReport,
    Person,
    Role,
    School,
    Signature,
    SpendEntry,
)
from ittdesk.queries import Filter
from ittdesk.queries.lists import PEOPLE, SCHOOLS
from ittdesk.services.agreements import (
    activities,
    agreements,
    leaders,
    parties,
    reports,
    signatures,
    spend,
)
from ittdesk.services.base import EntityService

from .agreement_parts import FieldSpec, PartColumn, PartsPanel, Pick, Row, build_form, from_field

MAIN_TAB = {  # which tab each field of the agreement itself is on
    "title": 0, "academic_year": 0, "start_date": 0, "end_date": 0, "priorities": 0,
    "baseline": 0, "intended_impact": 0, "evidence": 0, "notes": 0,
    "qa_lead": 2, "funding_source": 5, "amount_agreed_pence": 5,
}
TABS = ["Agreement", "Parties", "System leaders && QA", "Schedule", "Impact reports", "Funding",
        "Signatures"]
PANEL_TAB = {"parties": 1, "leaders": 2, "activities": 3, "reports": 4, "spend": 5, "signatures": 6}
TAB_PANEL = {tab: kind for kind, tab in PANEL_TAB.items()}


# -- choosing people and schools ---------------------------------------------------------------

def _at_school(query, value: str):
    """People with a role (current or to come) at the school: a party's possible contacts."""
    return query.where(fn.EXISTS(Role.select(Role.id).where(
        (Role.person == Person.id) & (Role.school == int(value)) & holders.not_ended())))


def _designated(query, _value: str):
    return query.where(fn.EXISTS(Designation.select(Designation.id)
                                 .where(Designation.person == Person.id)))


#: The people list with the two filters the agreement's pickers need (not offered elsewhere).
AGREEMENT_PEOPLE = replace(PEOPLE, name="agreement_people", filters=[
    *PEOPLE.filters,
    Filter("school", "School", lambda: [], _at_school, joined=False),
    Filter("designated", "System leaders", lambda: [], _designated, joined=False),
])


def school_names(ids: list[int]) -> dict[int, str]:
    rows = School.select(School.id, School.name, School.urn).where(School.id.in_(ids)).tuples()
    return {i: f"{name} ({urn})" for i, name, urn
            in cast("Iterable[tuple[int, str, int]]", rows)}


def person_names(ids: list[int]) -> dict[int, str]:
    query = Person.select(Person.id, Person.first_name, Person.last_name, Person.email, Person.erased
                          ).where(Person.id.in_(ids))
    names = {}
    for p in query:
        names[p.id] = f"{p.full_name} — {p.email}" if p.email and not p.erased else p.full_name
    return names


def leader_names(ids: list[int]) -> dict[int, str]:
    """'Sasha Leader — SLE, Early reading': the person and their designations."""
    names = {i: name.split(" — ")[0] for i, name in person_names(ids).items()}
    held: dict[int, list[str]] = {}
    for d in Designation.select().where(Designation.person.in_(ids)).order_by(Designation.id):
        held.setdefault(d.person_id, []).append(d.kind + (f", {d.specialism}" if d.specialism else ""))
    return {i: f"{name} — {'; '.join(held[i])}" if i in held else name for i, name in names.items()}


SCHOOL_PICK = Pick(SCHOOLS, school_names, "school")
PERSON_PICK = Pick(PEOPLE, person_names, "person")
LEADER_PICK = Pick(AGREEMENT_PEOPLE, leader_names, "system leader", lambda: {"designated": "yes"})
#: the record picker a reference to each model gets, unless its form narrows it
PICKS: dict[type[BaseModel], Pick] = {School: SCHOOL_PICK, Person: PERSON_PICK}


def _spec(service: EntityService, name: str, **overrides: Any) -> FieldSpec:
    """The form field for ``service``'s declared field ``name`` (``overrides``: a label worded
    for the form, a placeholder, a narrower picker, the options of an in-memory reference)."""
    field = service.field(name)
    if field.reference is not None and "pick" not in overrides and "options" not in overrides:
        pick = PICKS.get(field.reference.model)
        if pick is None:
            raise ValueError(f"No record picker for {field.label} ({field.reference.word})")
        overrides["pick"] = pick
    return from_field(field, **overrides)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


def _new_panel(kind: str, contact_filters: Callable[[], dict[str, str]],
               signature_parties: Callable[[], list[tuple[str, Any]]]) -> PartsPanel:
    """The (empty) part list of one kind: its form's fields and its table's columns."""
    if kind == "parties":
        contact_pick = Pick(AGREEMENT_PEOPLE, person_names, "contact at this school", contact_filters)
        return PartsPanel("party", [
            _spec(parties, "role", blank=None),
            _spec(parties, "school"),
            _spec(parties, "contact", label="Named contact", pick=contact_pick),
            _spec(parties, "responsibilities"),
        ], [PartColumn("Party", "role"), PartColumn("School", "school"), PartColumn("Contact", "contact"),
            PartColumn("Responsibilities", "responsibilities")],
            defaults=lambda: {"role": "supported"})
    if kind == "leaders":
        return PartsPanel("system leader", [
            _spec(leaders, "person", label="System leader (SLE/LLE)", pick=LEADER_PICK),
            _spec(leaders, "days", label="Days agreed"),
            _spec(leaders, "hours", label="Hours agreed"),
        ], [PartColumn("System leader", "person"), PartColumn("Days", "days"), PartColumn("Hours", "hours")])
    if kind == "activities":
        return PartsPanel("activity", [
            _spec(activities, "date"),
            _spec(activities, "kind", blank=None),
            _spec(activities, "description"),
            _spec(activities, "person", label="Who (person)"),
            _spec(activities, "who", label="Who (or type a name)"),
            _spec(activities, "time", placeholder="e.g. 09:00-12:00"),
        ], [PartColumn("Date", "date"), PartColumn("Activity", "kind"), PartColumn("Description", "description"),
            PartColumn("Who", "who", fallback="person"), PartColumn("Time", "time")],
            defaults=lambda: {"kind": "visit"})
    if kind == "reports":
        return PartsPanel("report", [
            _spec(reports, "kind", blank=None),
            _spec(reports, "due_date"),
            _spec(reports, "submitted_on"),
            _spec(reports, "rag", label="RAG against intended impact"),
            _spec(reports, "author"),
            _spec(reports, "summary"),
        ], [PartColumn("Report", "kind"), PartColumn("Due", "due_date"), PartColumn("Submitted", "submitted_on"),
            PartColumn("RAG", "rag"), PartColumn("Written by", "author")],
            defaults=lambda: {"kind": "interim"})
    if kind == "spend":
        return PartsPanel("spend entry", [
            _spec(spend, "date"),
            _spec(spend, "description"),
            _spec(spend, "amount_pence"),
        ], [PartColumn("Date", "date"), PartColumn("What", "description"),
            PartColumn("Amount", "amount_pence", right=True)])
    assert kind == "signatures", kind
    return PartsPanel("signature", [
        # a party of this agreement, saved or not yet: chosen among the parties in the editor
        _spec(signatures, "party", label="Signed for", options=signature_parties,
              blank="Quality-assurance lead"),
        _spec(signatures, "signatory_name"),
        _spec(signatures, "signatory_role"),
        _spec(signatures, "signed_on"),
    ], [PartColumn("Signed for", "party"), PartColumn("Name", "signatory_name"),
        PartColumn("Role", "signatory_role"), PartColumn("Date signed", "signed_on")])


class LazyPanels(Mapping[str, PartsPanel]):
    """The part lists, each built the first time it is wanted (its tab shown, or asked for).

    Six part editors are ~290 widgets, most of an agreement's open, and most opens look at the
    first tab only. Until a list is built it holds what it was given — its rows, the message
    beside it, read-only or not — and hands that over when it is built; a list never built has
    nothing changed, so saving it saves its rows as loaded. ``panels[kind]`` builds; the
    methods here work on built and unbuilt lists alike without building."""

    def __init__(self, build: Callable[[str], PartsPanel]):
        self._build = build
        self._built: dict[str, PartsPanel] = {}
        self._rows: dict[str, list[Row]] = {kind: [] for kind in PANEL_TAB}
        self._messages: dict[str, tuple[str, bool]] = {}
        self._read_only = False

    def __getitem__(self, kind: str) -> PartsPanel:
        panel = self._built.get(kind)
        if panel is None:
            if kind not in PANEL_TAB:
                raise KeyError(kind)
            panel = self._built[kind] = self._build(kind)
        return panel

    def __iter__(self) -> Iterator[str]:
        return iter(PANEL_TAB)

    def __len__(self) -> int:
        return len(PANEL_TAB)

    def __contains__(self, kind: object) -> bool:
        return kind in PANEL_TAB

    def built(self) -> dict[str, PartsPanel]:
        return dict(self._built)

    def handed_over(self, kind: str) -> tuple[list[Row], tuple[str, bool] | None, bool]:
        """What a list being built takes on: its rows, its message and read-only."""
        return self._rows.pop(kind, []), self._messages.pop(kind, None), self._read_only

    def set_rows(self, kind: str, rows: list[Row]) -> None:
        if kind in self._built:
            self._built[kind].set_rows(rows)
        else:
            self._rows[kind] = rows

    def rows(self, kind: str) -> list[Row]:
        return self._built[kind].rows() if kind in self._built else list(self._rows[kind])

    def removed_ids(self, kind: str) -> list[int]:
        return list(self._built[kind].removed_ids) if kind in self._built else []

    def removed_versions(self, kind: str) -> dict[int, int]:
        """The versions the removed rows had when loaded (their delete checks them)."""
        return dict(self._built[kind].removed_versions) if kind in self._built else {}

    def show_message(self, kind: str, text: str | None, *, warning: bool = False) -> None:
        if kind in self._built:
            self._built[kind].show_message(text, warning=warning)
        elif text:
            self._messages[kind] = (text, warning)
        else:
            self._messages.pop(kind, None)

    def clear_errors(self, kind: str) -> None:
        if kind in self._built:
            self._built[kind].show_errors({})
        else:
            self._messages.pop(kind, None)

    def flagged(self, kind: str) -> bool:
        """Whether the list or a field of it carries a message (its tab says so)."""
        panel = self._built.get(kind)
        if panel is None:
            return kind in self._messages
        return bool(panel.message.text() or any(f.message.text() for f in panel.fields.values()))

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for panel in self._built.values():
            panel.set_read_only(read_only)


class AgreementTabs(QTabWidget):
    """Every field of the agreement (``main_fields``) and its part lists (``panels``) on tabs.

    The agreement's own fields are built up front (every tab's); each part list when its tab is
    first shown (``LazyPanels``), then ``panel_built`` names it so the editor can listen to it.
    ``loading`` is set by the editor while it fills the fields, so suggestions stay quiet."""

    #: a part list was built (its kind, the panel): it is filled, and emits ``changed`` on edits
    panel_built = Signal(str, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loading = False
        self._suggested = ("", "")  # the signatory name and role last filled in for the user
        self.main_fields = {}
        self.panels = LazyPanels(self._build_panel)
        self._pages: dict[str, QVBoxLayout] = {}
        box, fields = build_form([
            _spec(agreements, "title"),
            _spec(agreements, "academic_year", placeholder="e.g. 2025/26"),
            _spec(agreements, "start_date"),
            _spec(agreements, "end_date"),
            _spec(agreements, "priorities"),
            _spec(agreements, "baseline"),
            _spec(agreements, "intended_impact"),
            _spec(agreements, "evidence",
                  placeholder="The anticipated measurable evidence of impact"),
            _spec(agreements, "notes"),
        ])
        self.main_fields.update(fields)
        self.addTab(_scrolled(box), "Agreement")
        self._add_page("parties", "Parties")
        leaders_layout = self._add_page("leaders", "System leaders && QA")
        qa_box, qa_fields = build_form([_spec(agreements, "qa_lead", label="Independent QA lead",
                                              pick=LEADER_PICK)])
        self.main_fields.update(qa_fields)
        leaders_layout.addWidget(qa_box)
        self._add_page("activities", "Schedule")
        self._add_page("reports", "Impact reports")
        funding_layout = self._add_page("spend", "Funding")
        money_box, money_fields = build_form([
            _spec(agreements, "funding_source", placeholder="e.g. School improvement fund"),
            _spec(agreements, "amount_agreed_pence"),
        ])
        self.main_fields.update(money_fields)
        funding_layout.addWidget(money_box)
        self.balance = QLabel()
        self.balance.setObjectName("balance")
        self.balance.setStyleSheet("font-weight: bold;")
        funding_layout.addWidget(self.balance)
        self._add_page("signatures", "Signatures")
        self.currentChanged.connect(self._tab_shown)

    def _add_page(self, kind: str, title: str) -> QVBoxLayout:
        page = QWidget()
        page.setObjectName(f"tab_{kind}")
        layout = QVBoxLayout(page)
        if kind not in ("leaders", "spend"):  # a tab that is the list alone, as it was before
            layout.setContentsMargins(0, 0, 0, 0)
        self._pages[kind] = layout
        self.addTab(page, title)
        return layout

    def _build_panel(self, kind: str) -> PartsPanel:
        """The part list of ``kind`` on its tab, filled with what it was given before."""
        panel = _new_panel(kind, self._contact_filters, self._signature_parties)
        self._pages[kind].addWidget(panel, 1)
        if kind == "signatures":
            panel.fields["party"].changed.connect(self._suggest_signatory)
            # A new signature starts as the QA lead's (no party): suggest them straight away.
            panel.add_button.clicked.connect(self._suggest_signatory)
        rows, message, read_only = self.panels.handed_over(kind)
        self.loading, was = True, self.loading
        try:
            panel.set_rows(rows)
            panel.set_read_only(read_only)
            if message is not None:
                panel.show_message(message[0], warning=message[1])
        finally:
            self.loading = was
        self.panel_built.emit(kind, panel)
        return panel

    # -- the form's own logic ------------------------------------------------------------------
    def _contact_filters(self) -> dict[str, str]:
        """The contact picker lists the people at the chosen party's school (all if none)."""
        school = self.panels["parties"].fields["school"].value()
        return {"school": str(school)} if school is not None else {}

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
        """Choosing who a signature is for fills in that party's contact (or the QA lead) and
        what they do at the school — unless the user typed a name or role of their own (a
        suggestion made for another choice is replaced)."""
        panel = self.panels["signatures"]
        name_field, role_field = panel.fields["signatory_name"], panel.fields["signatory_role"]
        if self.loading or panel.current_position() < 0:
            return
        name, role = name_field.value().strip(), role_field.value().strip()
        if name not in ("", self._suggested[0]):
            return
        chosen = panel.fields["party"].value()
        party = next((r for r in self.panels["parties"].rows() if chosen in (r.id, f"key:{r.key}")),
                     None) if chosen is not None else None
        person_id = self.main_fields["qa_lead"].value() if chosen is None else (
            party.values.get("contact") if party else None)
        person = Person.get_or_none(Person.id == person_id) if person_id else None
        suggested = ((person.full_name, _qa_role(person.id) if party is None
                      else _role_at(person.id, party.values.get("school")))
                     if person is not None else ("", ""))
        name_input, role_input = name_field.input, role_field.input
        assert isinstance(name_input, QLineEdit) and isinstance(role_input, QLineEdit)  # text fields
        name_input.setText(suggested[0])  # typed, as the user would: the row takes it
        if role in ("", self._suggested[1]):
            role_input.setText(suggested[1])
        self._suggested = suggested

    def _tab_shown(self, index: int) -> None:
        kind = TAB_PANEL.get(index)
        if kind is None:
            return
        built = kind in self.panels.built()
        panel = self.panels[kind]  # built now if it was not
        if kind == "signatures" and built:  # (a new one has just read the parties)
            self.loading, was = True, self.loading
            panel.reload_options()
            self.loading = was

    # -- filling from the database -------------------------------------------------------------
    def clear_parts(self) -> None:
        for kind in PANEL_TAB:
            self.panels.set_rows(kind, [])

    def load_parts(self, agreement_id: int) -> None:
        """Each part list from the database: a query per kind, and one per kind of name shown."""
        def rows(model, convert):
            query = model.select().where(model.agreement == agreement_id).order_by(model.id)
            return [Row(convert(r), id=r.id, version=r.version) for r in query]

        self.panels.set_rows("parties", rows(AgreementParty, lambda p: {
            "role": p.role, "school": p.school_id, "contact": p.contact_id,
            "responsibilities": p.responsibilities}))
        self.panels.set_rows("leaders", rows(AgreementLeader, lambda r: {
            "person": r.person_id, "days": _number(r.days), "hours": _number(r.hours)}))
        self.panels.set_rows("activities", rows(AgreementActivity, lambda r: {
            "date": format_date(r.date), "kind": r.kind, "description": r.description,
            "person": r.person_id, "who": r.who, "time": r.time}))
        self.panels.set_rows("reports", rows(ImpactReport, lambda r: {
            "kind": r.kind, "due_date": format_date(r.due_date),
            "submitted_on": format_date(r.submitted_on), "rag": r.rag, "author": r.author_id,
            "summary": r.summary}))
        self.panels.set_rows("spend", rows(SpendEntry, lambda r: {
            "date": format_date(r.date), "description": r.description,
            "amount_pence": format_money(r.amount_pence)}))
        if "signatures" in self.panels.built():
            self.panels["signatures"].reload_options()
        self.panels.set_rows("signatures", rows(Signature, lambda r: {
            "party": r.party_id, "signatory_name": r.signatory_name,
            "signatory_role": r.signatory_role, "signed_on": format_date(r.signed_on)}))


def _qa_role(person_id: int) -> str:
    """'Independent QA lead (LLE)', as the printed agreement pre-fills it."""
    held = (Designation.select().where(Designation.person == person_id)
            .order_by(Designation.id.desc()).first())
    return "Independent QA lead" + (f" ({held.kind})" if held else "")


def _role_at(person_id: int, school_id: int | None) -> str:
    """What the person does at the school (job title, else role); empty if nothing current."""
    if school_id is None:
        return ""
    role = (Role.select().where((Role.person == person_id) & (Role.school == school_id) & holders.held())
            .order_by(Role.start_date.desc(nulls="LAST"), Role.id.desc()).first())
    return "" if role is None else (role.job_title or ROLE_KINDS.label(role.kind))
