"""The agreement editor's tabs: which field and which part list sits where, how records are
chosen, and filling the part lists from the database.

Split from ``agreement_editor`` (which keeps the window: loading the record, saving, printing,
closing) along the seam between *what the form holds* and *what the window does with it*.

People and schools are chosen with the record picker (``agreement_parts.Pick``), never combo
boxes of the whole table: opening an agreement on a database of 20,000 people fetched every
person and school on the GUI thread (seconds). Now opening fetches the agreement, its parts and
the names of the few people and schools they mention; the picker's list loads on a worker when
the user asks. A party's named contact is chosen among the people at that party's school;
system leaders and the QA lead among people with an SLE/LLE/NLE designation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from peewee import fn
from PySide6.QtWidgets import QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from ittdesk import holders
from ittdesk.choices import ACTIVITY_KINDS, PARTY_ROLES, RAG_RATINGS, REPORT_KINDS, ROLE_KINDS
from ittdesk.fields import format_date, format_money
from ittdesk.models import (
    AgreementActivity,
    AgreementLeader,
    AgreementParty,
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

from .agreement_parts import Column, FieldSpec, PartsPanel, Pick, Row, build_form

MAIN_TAB = {  # which tab each field of the agreement itself is on
    "title": 0, "academic_year": 0, "start_date": 0, "end_date": 0, "priorities": 0,
    "baseline": 0, "intended_impact": 0, "evidence": 0, "notes": 0,
    "qa_lead": 2, "funding_source": 5, "amount_agreed_pence": 5,
}
TABS = ["Agreement", "Parties", "System leaders && QA", "Schedule", "Impact reports", "Funding",
        "Signatures"]
PANEL_TAB = {"parties": 1, "leaders": 2, "activities": 3, "reports": 4, "spend": 5, "signatures": 6}


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
    return {i: f"{name} ({urn})" for i, name, urn in
            School.select(School.id, School.name, School.urn).where(School.id.in_(ids)).tuples()}


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


def _choices(vocabulary) -> Any:
    return lambda: [(label, key) for key, label in vocabulary]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


class AgreementTabs(QTabWidget):
    """Every field of the agreement (``main_fields``) and its part lists (``panels``) on tabs.

    ``loading`` is set by the editor while it fills the fields, so suggestions stay quiet."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loading = False
        self._suggested = ("", "")  # the signatory name and role last filled in for the user
        self.main_fields = {}
        self.panels: dict[str, PartsPanel] = {}
        box, fields = build_form([
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
        ])
        self.main_fields.update(fields)
        self.addTab(_scrolled(box), "Agreement")

        contact_pick = Pick(AGREEMENT_PEOPLE, person_names, "contact at this school",
                            self._contact_filters)
        self.panels["parties"] = PartsPanel("party", [
            FieldSpec("role", "Party", "choice", _choices(PARTY_ROLES), blank=None),
            FieldSpec("school", "School", "pick", pick=SCHOOL_PICK),
            FieldSpec("contact", "Named contact", "pick", pick=contact_pick),
            FieldSpec("responsibilities", "Responsibilities", "long"),
        ], [Column("Party", "role"), Column("School", "school"), Column("Contact", "contact"),
            Column("Responsibilities", "responsibilities")],
            defaults=lambda: {"role": "supported"})
        self.addTab(self.panels["parties"], "Parties")

        leaders_tab = QWidget()
        leaders_layout = QVBoxLayout(leaders_tab)
        qa_box, qa_fields = build_form([FieldSpec("qa_lead", "Independent QA lead", "pick",
                                                  pick=LEADER_PICK)])
        self.main_fields.update(qa_fields)
        leaders_layout.addWidget(qa_box)
        self.panels["leaders"] = PartsPanel("system leader", [
            FieldSpec("person", "System leader (SLE/LLE)", "pick", pick=LEADER_PICK),
            FieldSpec("days", "Days agreed", "number"),
            FieldSpec("hours", "Hours agreed", "number"),
        ], [Column("System leader", "person"), Column("Days", "days"), Column("Hours", "hours")])
        leaders_layout.addWidget(self.panels["leaders"], 1)
        self.addTab(leaders_tab, "System leaders && QA")

        self.panels["activities"] = PartsPanel("activity", [
            FieldSpec("date", "Date", "date"),
            FieldSpec("kind", "Activity", "choice", _choices(ACTIVITY_KINDS), blank=None),
            FieldSpec("description", "Description", "long"),
            FieldSpec("person", "Who (person)", "pick", pick=PERSON_PICK),
            FieldSpec("who", "Who (or type a name)"),
            FieldSpec("time", "Time", placeholder="e.g. 09:00-12:00"),
        ], [Column("Date", "date"), Column("Activity", "kind"), Column("Description", "description"),
            Column("Who", "who", fallback="person"), Column("Time", "time")],
            defaults=lambda: {"kind": "visit"})
        self.addTab(self.panels["activities"], "Schedule")

        self.panels["reports"] = PartsPanel("report", [
            FieldSpec("kind", "Report", "choice", _choices(REPORT_KINDS), blank=None),
            FieldSpec("due_date", "Due", "date"),
            FieldSpec("submitted_on", "Submitted", "date"),
            FieldSpec("rag", "RAG against intended impact", "choice", _choices(RAG_RATINGS)),
            FieldSpec("author", "Written by", "pick", pick=PERSON_PICK),
            FieldSpec("summary", "Summary", "long"),
        ], [Column("Report", "kind"), Column("Due", "due_date"), Column("Submitted", "submitted_on"),
            Column("RAG", "rag"), Column("Written by", "author")],
            defaults=lambda: {"kind": "interim"})
        self.addTab(self.panels["reports"], "Impact reports")

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
        ], [Column("Date", "date"), Column("What", "description"),
            Column("Amount", "amount_pence", right=True)])
        funding_layout.addWidget(self.panels["spend"], 1)
        self.addTab(funding_tab, "Funding")

        self.panels["signatures"] = PartsPanel("signature", [
            FieldSpec("party", "Signed for", "ref", self._signature_parties,
                      blank="Quality-assurance lead"),
            FieldSpec("signatory_name", "Name"),
            FieldSpec("signatory_role", "Role"),
            FieldSpec("signed_on", "Date signed", "date"),
        ], [Column("Signed for", "party"), Column("Name", "signatory_name"),
            Column("Role", "signatory_role"), Column("Date signed", "signed_on")])
        self.addTab(self.panels["signatures"], "Signatures")
        self.panels["signatures"].fields["party"].changed.connect(self._suggest_signatory)
        # A new signature starts as the QA lead's (no party): suggest them straight away.
        self.panels["signatures"].add_button.clicked.connect(self._suggest_signatory)
        self.currentChanged.connect(self._tab_shown)

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
        name_field.input.setText(suggested[0])
        if role in ("", self._suggested[1]):
            role_field.input.setText(suggested[1])
        self._suggested = suggested

    def _tab_shown(self, index: int) -> None:
        if index == PANEL_TAB["signatures"]:
            self.loading, was = True, self.loading
            self.panels["signatures"].reload_options()
            self.loading = was

    # -- filling from the database -------------------------------------------------------------
    def clear_parts(self) -> None:
        for panel in self.panels.values():
            panel.set_rows([])

    def load_parts(self, agreement_id: int) -> None:
        """Each part list from the database: a query per kind, and one per kind of name shown."""
        def rows(model, convert):
            query = model.select().where(model.agreement == agreement_id).order_by(model.id)
            return [Row(convert(r), id=r.id) for r in query]

        self.panels["parties"].set_rows(rows(AgreementParty, lambda p: {
            "role": p.role, "school": p.school_id, "contact": p.contact_id,
            "responsibilities": p.responsibilities}))
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
