"""A support agreement as a printable document: HTML from ``resources/templates/agreement.html``
plus what goes in the running header and footer (reference, version and date).

``build(agreement_id)`` returns an ``AgreementDocument``; hand it to the printer with
``ui.printing.html_to_pdf(doc.html, out, **doc.page_options())`` (or ``ui.print_dialogs``'
``print_preview`` / ``print_html``). A draft carries a DRAFT banner in the text and a DRAFT watermark on every page,
and its footer says "Draft"; otherwise the footer gives the version, which counts the times the
agreement was issued (moved to agreed), never its edits. Signature rows not yet signed are
pre-filled: each party's named contact with their current role at that school, the QA lead with
"Independent QA lead (designation)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .. import clock, settings
from ..choices import (
    ACTIVITY_KINDS,
    AGREEMENT_STATUSES,
    PARTY_ROLES,
    RAG_RATINGS,
    REPORT_KINDS,
    ROLE_KINDS,
)
from ..fields import format_date, format_money
from ..holders import held
from ..models import (
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
    SupportAgreement,
)
from ..services.agreement_lifecycle import issued_versions
from ..services.agreement_money import Funding
from ..services.agreements import agreements
from . import PageOptions, esc, paragraphs, stylesheet, template

ROLE_ORDER = {key: i for i, key in enumerate(PARTY_ROLES.keys)}


@dataclass(frozen=True)
class AgreementDocument:
    agreement_id: int
    reference: str
    title: str
    status: str
    version: int  # times issued (moved from draft to agreed); 0 never
    changed_on: date | None  # when the printed version was issued
    printed_on: date
    provider_name: str
    html: str

    @property
    def watermark(self) -> str | None:
        return "DRAFT" if self.status == "draft" else None

    @property
    def file_name(self) -> str:
        """A safe default file name, e.g. ``SSA-2025-014 Early reading.pdf``."""
        words = re.sub(r"[^\w\- ]+", "", self.title).strip()[:60].strip()
        return f"{self.reference} {words}.pdf" if words else f"{self.reference}.pdf"

    def version_text(self) -> str:
        """'Draft', 'Version 2 of 03/11/2025' or 'Not issued' (withdrawn before agreed).

        The version counts issues, not edits (``agreement_lifecycle.issued_versions``)."""
        if self.status == "draft":
            return "Draft"
        if not self.version:
            return "Not issued"
        issued = f" of {format_date(self.changed_on)}" if self.changed_on else ""
        return f"Version {self.version}{issued}"

    def footer_right(self) -> str:
        return f"{self.version_text()} · printed {format_date(self.printed_on)}"

    def page_options(self) -> PageOptions:
        """Keyword arguments for every ``ui.printing`` entry point."""
        return {
            "footer_left": f"{self.reference} · Support agreement",
            "footer_right": self.footer_right(),
            "header_left": self.provider_name,
            "header_right": f"{self.reference} · {self.title}",
            "watermark": self.watermark,
            "title": f"{self.reference} {self.title}",
        }


@dataclass
class _Parts:
    """Everything the document prints about one agreement, fetched in a few queries (a query
    per kind of part, one for all the people named, one for the designations) rather than a
    query per section and another per lazily loaded person."""

    parties: list[AgreementParty]  # with .school joined, in role order
    leaders: list[AgreementLeader]
    activities: list[AgreementActivity]
    reports: list[ImpactReport]
    spend: list[SpendEntry]
    signatures: list[Signature]
    people: dict[int, Person]
    designations: dict[int, Designation]
    qa_designation: Designation | None
    roles: dict[tuple[int, int], Role]  # (person, school) -> their current role there

    @classmethod
    def fetch(cls, agreement: SupportAgreement) -> _Parts:
        aid = agreement.id
        parties = sorted(AgreementParty.select(AgreementParty, School).join(School)
                         .where(AgreementParty.agreement == aid),
                         key=lambda p: (ROLE_ORDER.get(p.role, 9), p.id))
        leaders = list(AgreementLeader.select().where(AgreementLeader.agreement == aid)
                       .order_by(AgreementLeader.id))
        activities = list(AgreementActivity.select().where(AgreementActivity.agreement == aid)
                          .order_by(AgreementActivity.date.asc(nulls="LAST"), AgreementActivity.id))
        reports = list(ImpactReport.select().where(ImpactReport.agreement == aid)
                       .order_by(ImpactReport.due_date, ImpactReport.id))
        spend = list(SpendEntry.select().where(SpendEntry.agreement == aid)
                     .order_by(SpendEntry.date, SpendEntry.id))
        signatures = list(Signature.select().where(Signature.agreement == aid))
        named: set[int | None] = {agreement.qa_lead_id}
        named.update(p.contact_id for p in parties)
        named.update(x.person_id for x in leaders)
        named.update(a.person_id for a in activities if not a.who)
        named.update(r.author_id for r in reports)
        person_ids = {i for i in named if i is not None}
        people = ({p.id: p for p in Person.select().where(Person.id.in_(sorted(person_ids)))}
                  if person_ids else {})
        designation_ids = sorted({x.designation_id for x in leaders if x.designation_id is not None})
        designations = ({d.id: d for d in Designation.select().where(Designation.id.in_(designation_ids))}
                        if designation_ids else {})
        qa_designation = (Designation.select().where(Designation.person == agreement.qa_lead_id)
                          .order_by(Designation.id.desc()).first()
                          if agreement.qa_lead_id is not None else None)
        roles: dict[tuple[int, int], Role] = {}
        contacts = sorted({p.contact_id for p in parties if p.contact_id is not None})
        if contacts:
            for role in (Role.select().where(Role.person.in_(contacts) & held())
                         .order_by(Role.start_date.asc(nulls="FIRST"), Role.id)):
                roles[(role.person_id, role.school_id)] = role  # the latest started wins
        return cls(parties, leaders, activities, reports, spend, signatures, people,
                   designations, qa_designation, roles)

    def person(self, person_id: int | None) -> Person | None:
        return None if person_id is None else self.people[person_id]

    def named(self, person_id: int) -> Person:
        """A person the agreement names (fetched with the parts)."""
        return self.people[person_id]

    def role_at(self, person_id: int | None, school_id: int) -> str:
        """What the person does at the school (job title, else the role), for the signature
        row's Role; empty when they hold no current role there."""
        role = self.roles.get((person_id, school_id)) if person_id is not None else None
        if role is None:
            return ""
        return role.job_title or ROLE_KINDS.label(role.kind)


def build(agreement_id: int, *, today: date | None = None) -> AgreementDocument:
    agreement = agreements.get(agreement_id)
    today = today or clock.today()
    provider = settings.provider()
    parts = _Parts.fetch(agreement)
    number, changed = issued_versions(agreement)
    values = {
        "css": stylesheet("agreement.css"),
        "provider_name": esc(provider.display_name),
        "provider_address": "<br>".join(esc(line) for line in provider.address_lines
                                        + ([f"UKPRN {provider.ukprn}"] if provider.ukprn else [])),
        "logo_cell": _logo_cell(provider.logo_uri),
        "draft_banner": (
            '<p class="draft">DRAFT — not yet agreed. This document is for discussion and must '
            "not be signed until the agreement is agreed.</p>" if agreement.status == "draft" else ""),
        "title": esc(agreement.title),
        "reference": esc(agreement.reference),
        "academic_year": esc(agreement.academic_year),
        "status": esc(AGREEMENT_STATUSES.label(agreement.status)),
        "period": esc(_period(agreement)),
        "parties_table": _parties(parts),
        "responsibilities": _responsibilities(parts),
        "leaders": _leaders(agreement, parts),
        "priorities": paragraphs(agreement.priorities),
        "baseline": paragraphs(agreement.baseline),
        "intended_impact": paragraphs(agreement.intended_impact),
        "evidence": paragraphs(agreement.evidence),
        "schedule": _schedule(parts),
        "reports": _reports(parts),
        "funding": _funding(agreement, parts),
        "signatures": _signatures(agreement, parts, provider),
        "notes": (f"<h2>Notes</h2>{paragraphs(agreement.notes)}" if (agreement.notes or "").strip() else ""),
    }
    html = template("agreement.html").substitute(values)
    return AgreementDocument(agreement.id, agreement.reference, agreement.title, agreement.status,
                             number, changed, today, provider.display_name, html)


# -- sections ----------------------------------------------------------------------------------

def _logo_cell(uri: str) -> str:
    """The provider's logo, embedded (settings keep it in the database as a data: URI)."""
    if uri:
        return f'<td valign="top" width="30%"><img src="{esc(uri)}" height="56"></td>'
    return ""


def _period(agreement: SupportAgreement) -> str:
    if agreement.start_date and agreement.end_date:
        return f"{format_date(agreement.start_date)} to {format_date(agreement.end_date)}"
    if agreement.start_date:
        return f"from {format_date(agreement.start_date)}"
    if agreement.end_date:
        return f"until {format_date(agreement.end_date)}"
    return "dates to be agreed"


def _table(headings: list[tuple[str, str]], rows: list[str], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{esc(empty)}</p>'
    head = "".join(f'<th width="{w}">{esc(h)}</th>' for h, w in headings)
    return (f'<table class="grid" width="100%" cellspacing="0" cellpadding="4">'
            f"<thead>{_last_cell(f'<tr>{head}</tr>')}</thead>"
            f"{''.join(_last_cell(row) for row in rows)}</table>")


def _last_cell(row: str) -> str:
    """``row`` (``<tr>...</tr>`` of a grid table) with class "last" on its last cell, which
    draws the table's right edge (agreement.css: cells draw their left border only)."""
    start = max(row.rfind("<td"), row.rfind("<th"))
    end = row.index(">", start)
    attributes = row[start + 3:end]
    if 'class="' in attributes:
        attributes = attributes.replace('class="', 'class="last ', 1)
    else:
        attributes += ' class="last"'
    return row[:start + 3] + attributes + row[end:]


def _muted(text: str) -> str:
    return f'<span class="muted">{esc(text)}</span>'


def _contact(person: Person | None) -> str:
    if person is None:
        return _muted("to be named")
    lines = [esc(person.full_name)]
    if person.email and not person.erased:
        lines.append(f'<span class="small">{esc(person.email)}</span>')
    if person.phone and not person.erased:
        lines.append(f'<span class="small">{esc(person.phone)}</span>')
    return "<br>".join(lines)


def _school(school: School) -> str:
    details = [f"URN {school.urn}"]
    if school.la_name:
        details.append(school.la_name)
    if school.trust:
        details.append(school.trust)
    return f'<b>{esc(school.name)}</b><br><span class="small">{esc(" · ".join(details))}</span>'


def _parties(parts: _Parts) -> str:
    rows = [f"<tr><td>{esc(PARTY_ROLES.label(p.role))}</td><td>{_school(p.school)}</td>"
            f"<td>{_contact(parts.person(p.contact_id))}</td></tr>" for p in parts.parties]
    return _table([("Party", "20%"), ("School", "42%"), ("Named contact", "38%")], rows,
                  "No parties yet.")


def _responsibilities(parts: _Parts) -> str:
    sections = [f"<h3>{esc(PARTY_ROLES.label(p.role))}: {esc(p.school.name)}</h3>"
             f"{paragraphs(p.responsibilities, 'Responsibilities not yet written')}"
             for p in parts.parties]
    return "".join(sections) or _muted("No parties yet.")


def _leaders(agreement: SupportAgreement, parts: _Parts) -> str:
    rows = []
    for leader in parts.leaders:
        designation: Designation | None = (parts.designations.get(leader.designation_id)
                                           if leader.designation_id is not None else None)
        what = designation.kind if designation else "Not designated"
        if designation and designation.specialism:
            what += f" — {designation.specialism}"
        time = " and ".join(x for x in (
            _amount(leader.days, "day"), _amount(leader.hours, "hour")) if x)
        rows.append(f"<tr><td>{esc(parts.named(leader.person_id).full_name)}</td><td>{esc(what)}</td>"
                    f"<td>{esc(time)}</td></tr>")
    table = _table([("System leader", "34%"), ("Designation and specialism", "42%"),
                    ("Time agreed", "24%")], rows, "No system leaders deployed yet.")
    qa = parts.person(agreement.qa_lead_id)
    qa_text = (f"<b>{esc(qa.full_name)}</b>{_designation_text(parts.qa_designation)}" if qa
               else _muted("to be named"))
    return (f"{table}<p><b>Independent quality-assurance lead:</b> {qa_text}. The QA lead checks "
            "this agreement before support starts, monitors progress against the intended impact "
            "and evidence, and helps the supported school evaluate the impact.</p>")


def _designation_text(held: Designation | None) -> str:
    """" (kind — specialism)" of a person's latest designation, if any."""
    if held is None:
        return ""
    return f" ({esc(held.kind)}{' — ' + esc(held.specialism) if held.specialism else ''})"


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    number = int(value) if float(value).is_integer() else value
    return f"{number} {unit}{'' if number == 1 else 's'}"


def _schedule(parts: _Parts) -> str:
    rows = []
    for a in parts.activities:
        who = a.who or (parts.named(a.person_id).full_name if a.person_id else "")
        rows.append(f'<tr><td class="nowrap">{esc(format_date(a.date)) or _muted("to be set")}</td>'
                    f"<td>{esc(ACTIVITY_KINDS.label(a.kind))}</td>"
                    f"<td>{paragraphs(a.description, '')}</td><td>{esc(who)}</td>"
                    f"<td>{esc(a.time or '')}</td></tr>")
    return _table([("Date", "14%"), ("Activity", "14%"), ("Description", "35%"), ("Who", "20%"),
                   ("Time", "17%")], rows, "No activities scheduled yet.")


def _reports(parts: _Parts) -> str:
    rows, summaries = [], []
    for r in parts.reports:
        rag = (f'<td class="rag-{r.rag}">{esc(RAG_RATINGS.label(r.rag))}</td>' if r.rag
               else f"<td>{_muted('—')}</td>")
        author = parts.named(r.author_id).full_name if r.author_id else ""
        rows.append(f"<tr><td>{esc(REPORT_KINDS.label(r.kind))}</td>"
                    f'<td class="nowrap">{esc(format_date(r.due_date))}</td>'
                    f'<td class="nowrap">{esc(format_date(r.submitted_on)) or _muted("not yet")}</td>{rag}'
                    f"<td>{esc(author)}</td></tr>")
        if (r.summary or "").strip():
            summaries.append(f"<h3>{esc(REPORT_KINDS.label(r.kind))} report "
                             f"({esc(format_date(r.submitted_on or r.due_date))})</h3>"
                             f"{paragraphs(r.summary)}")
    table = _table([("Report", "16%"), ("Due", "17%"), ("Submitted", "17%"),
                    ("RAG against intended impact", "26%"), ("Written by", "24%")], rows,
                   "No impact reports planned yet.")
    return table + "".join(summaries)


def _funding(agreement: SupportAgreement, parts: _Parts) -> str:
    # As services.agreements.funding, from the spend already fetched.
    money = Funding(int(agreement.amount_agreed_pence or 0),
                    int(sum(s.amount_pence or 0 for s in parts.spend)))
    facts = (f'<table class="facts" cellspacing="0"><tr><td class="label">Source</td>'
             f"<td>{esc(agreement.funding_source or 'Not recorded')}</td></tr>"
             f'<tr><td class="label">Amount agreed</td><td>{esc(format_money(money.agreed))}</td></tr></table>')
    rows = [f'<tr><td class="nowrap">{esc(format_date(s.date))}</td><td>{esc(s.description)}</td>'
            f'<td class="money">{esc(format_money(s.amount_pence))}</td></tr>'
            for s in parts.spend]
    if rows:
        balance_class = "total over" if money.over else "total"
        balance_label = "Overspent by" if money.over else "Balance remaining"
        rows.append(f'<tr><td></td><td class="total">Total spent</td>'
                    f'<td class="total">{esc(format_money(money.spent))}</td></tr>')
        rows.append(f'<tr><td></td><td class="total">{balance_label}</td>'
                    f'<td class="{balance_class}">{esc(format_money(abs(money.balance)))}</td></tr>')
    spend = _table([("Date", "16%"), ("Spend", "62%"), ("Amount", "22%")], rows,
                   f"No spend recorded yet; balance {format_money(money.balance)}.")
    return facts + spend


def _signatures(agreement: SupportAgreement, parts: _Parts, provider: settings.Provider) -> str:
    signed = {s.party_id: s for s in parts.signatures}
    name, _comma, post = provider.signatory.partition(",")
    rows = [_signature_row(f"The provider<br><b>{esc(provider.display_name)}</b>", name.strip(),
                           post.strip(), None)]
    for p in parts.parties:
        sig = signed.get(p.id)
        name = sig.signatory_name if sig else (parts.named(p.contact_id).full_name if p.contact_id else "")
        role = (sig.signatory_role if sig
                else parts.role_at(p.contact_id, p.school_id) if p.contact_id else "")
        rows.append(_signature_row(f"{PARTY_ROLES.label(p.role)}<br><b>{esc(p.school.name)}</b>", name,
                                   role, sig.signed_on if sig else None))
    qa = signed.get(None)
    qa_name = qa.signatory_name if qa else (parts.named(agreement.qa_lead_id).full_name
                                            if agreement.qa_lead_id else "")
    rows.append(_signature_row("<b>Quality-assurance lead</b>", qa_name,
                               qa.signatory_role if qa else _qa_role(agreement, parts),
                               qa.signed_on if qa else None))
    head = "".join(f'<th width="{w}">{h}</th>' for h, w in (
        ("Signed on behalf of", "26%"), ("Name", "18%"), ("Role", "18%"), ("Signature", "25%"),
        ("Date", "13%")))
    return (f'<table class="grid signatures" width="100%" cellspacing="0" cellpadding="6">'
            f"<thead>{_last_cell(f'<tr>{head}</tr>')}</thead>"
            f"{''.join(_last_cell(row) for row in rows)}</table>")


def _qa_role(agreement: SupportAgreement, parts: _Parts) -> str:
    """The QA lead's role before they sign: 'Independent QA lead (LLE)'."""
    if agreement.qa_lead_id is None:
        return ""
    held = parts.qa_designation
    return "Independent QA lead" + (f" ({held.kind})" if held is not None else "")


def _signature_row(party_html: str, name: str, role: str | None, signed_on: date | None) -> str:
    return (f"<tr><td>{party_html}</td><td>{esc(name)}</td><td>{esc(role or '')}</td>"
            f'<td class="sign">&nbsp;<br>&nbsp;<br>&nbsp;</td>'
            f'<td class="nowrap">{esc(format_date(signed_on))}</td></tr>')
