"""Ofsted's notification pack (issue 17 item 6): what an ITE inspection asks for by 9am the
day after its call, for today, as one workbook and one PDF with the same four parts.

- Settings: every school with a placement (or in the partnership), where trainees are placed
  now, or when the last placement there ended.
- Trainees by route, with their placement check (``ittdesk.placements.check``).
- Mentors (a current mentor post, or mentoring a placement now) with their training.
- Support agreements in force today (agreed or active, today within their dates).

``collect`` reads it all in a handful of set-based queries; ``write_pack`` writes the workbook
(XlsxWriter, ``spreadsheets.writer``) and the PDF (the renderer the GUI or the CLI lends the
core, ``documents.RenderPdf``) into a staging folder and moves both in together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peewee import fn

from .. import clock, fields
from ..choices import (
    AGREEMENT_STATUSES,
    ENROLMENT_STATUSES,
    PARTNERSHIP_STATUSES,
    PARTY_ROLES,
    PHASES,
    TRAINING_KINDS,
    WITHDRAWN_PLACEMENT_STATUSES,
)
from ..documents import RenderPdf, esc, stylesheet, template
from ..files import StagedFolder
from ..holders import held
from ..models import (
    AgreementParty,
    Cohort,
    Enrolment,
    MentorTraining,
    Person,
    Placement,
    PlacementMentor,
    Programme,
    Role,
    School,
    SupportAgreement,
)
from ..models.base import tuples_of
from ..placements.check import check_trainees
from ..register.layouts import ROUTE_WORDS
from ..returns.rows import person_name
from ..spreadsheets.writer import Styles, print_setup, workbook, write_value

PARTNERSHIP = ("partner", "lead", "placement")
MENTOR_KINDS = ("mentor", "lead_mentor")


@dataclass(frozen=True)
class Part:
    """One part of the pack: a sheet in the workbook, a section of the PDF."""

    title: str
    note: str
    headings: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    empty: str
    widths: tuple[int, ...] = ()  # the PDF's column widths in %, so long text gets room


@dataclass
class Pack:
    today: date
    made_at: datetime
    provider: str
    parts: list[Part]
    paths: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        return "; ".join(f"{p.title}: {len(p.rows)}" for p in self.parts)


def _placed_now(today: date) -> Any:
    return ((Placement.start_date <= today) & (Placement.end_date >= today)
            & Placement.status.not_in(WITHDRAWN_PLACEMENT_STATUSES)
            & (Enrolment.status != "withdrawn"))


def _settings(today: date) -> Part:
    now: dict[int, list[str]] = defaultdict(list)
    query = (Placement
             .select(Placement.school, Person.id, Person.first_name, Person.last_name,
                     Person.erased, Enrolment.route, Placement.end_date)
             .join(Enrolment, on=(Placement.enrolment == Enrolment.id))
             .join(Person, on=(Enrolment.person == Person.id))
             .where(_placed_now(today))
             .order_by(Person.last_name_key, Person.first_name_key))
    for school, pid, first, last, erased, route, end in tuples_of(query):
        route_words = ROUTE_WORDS.get(route or "", "route not recorded")
        now[school].append(f"{person_name(pid, first, last, erased)} ({route_words}, until "
                           f"{fields.format_date(end)})")
    last_ended = dict(tuples_of(Placement
                      .select(Placement.school, fn.MAX(Placement.end_date))
                      .where((Placement.end_date < today)
                             & Placement.status.not_in(WITHDRAWN_PLACEMENT_STATUSES))
                      .group_by(Placement.school)))
    schools = (School
               .select(School.id, School.urn, School.name, School.phase, School.la_name,
                       School.postcode, School.partnership_status)
               .where(School.id.in_(Placement.select(Placement.school))  # a subquery: any size
                      | School.partnership_status.in_(PARTNERSHIP)))
    rows = []
    for sid, urn, name, phase, la, postcode, partnership in tuples_of(schools):
        placed = now.get(sid, [])
        rows.append((urn, name, PHASES.label(phase) if phase else "", la or "", postcode or "",
                     PARTNERSHIP_STATUSES.label(partnership) if partnership else "",
                     len(placed), "; ".join(placed), last_ended.get(sid)))
    rows.sort(key=lambda r: (r[6] == 0, str(r[1]).casefold()))
    return Part("Settings", "Every school with a placement or in the partnership: trainees "
                "placed there today, or when the last placement there ended.",
                ("URN", "Setting", "Phase", "Local authority", "Postcode", "Partnership",
                 "Trainees now", "Placed now", "Last placement ended"), rows,
                "No placements recorded.", (6, 16, 7, 9, 7, 8, 6, 31, 10))


def _trainees(today: date) -> Part:
    checks = {c.enrolment_id: c for c in check_trainees()}
    where_now: dict[int, list[str]] = defaultdict(list)
    for eid, name in tuples_of(Placement.select(Placement.enrolment, School.name)
                      .join(School, on=(Placement.school == School.id))
                      .switch(Placement).join(Enrolment, on=(Placement.enrolment == Enrolment.id))
                      .where(_placed_now(today))):
        where_now[eid].append(name)
    query = (Enrolment
             .select(Enrolment.id, Enrolment.route, Enrolment.status, Person.id, Person.first_name,
                     Person.last_name, Person.erased, Person.trn, Cohort.name,
                     Cohort.academic_year)
             .join(Person, on=(Enrolment.person == Person.id))
             .switch(Enrolment).join(Cohort, on=(Enrolment.cohort == Cohort.id))
             .join(Programme, on=(Cohort.programme == Programme.id))
             # Teacher training only: a leadership or CPD programme's participants are not
             # ITT trainees (they read "Route not recorded" among them).
             .where(Enrolment.status.in_(("enrolled", "deferred")) & (Programme.kind == "itt")))
    rows = []
    for eid, route, status, pid, first, last, erased, trn, cohort, year in tuples_of(query):
        check = checks.get(eid)
        rows.append((ROUTE_WORDS.get(route or "", "Route not recorded"),
                     person_name(pid, first, last, erased), trn or "", f"{cohort} ({year})",
                     ENROLMENT_STATUSES.label(status), ", ".join(where_now.get(eid, [])),
                     check.status_words if check else "",
                     check.days_in_school if check else None,
                     check.days_required if check else None,
                     check.schools if check else None,
                     check.itap_days if check else None,
                     check.itap_required if check else None,
                     "; ".join(check.reasons) if check else ""))
    rows.sort(key=lambda r: (str(r[0]), str(r[1]).casefold()))
    return Part("Trainees", "Trainees in training (and deferred), by route, with their placement "
                "check: met, on track, at risk or not met, and why.",
                ("Route", "Trainee", "TRN", "Cohort", "Status", "Placed now at", "Check",
                 "Days in school", "Days required", "Schools", "ITaP days", "ITaP required",
                 "Reasons"), rows, "No trainees in training.",
                (11, 10, 6, 8, 6, 10, 5, 5, 5, 5, 5, 5, 19))


def _mentors(today: date) -> Part:
    posts: dict[int, list[str]] = defaultdict(list)
    for pid, school, subjects in tuples_of(Role.select(Role.person, School.name, Role.subjects)
                                  .join(School, on=(Role.school == School.id))
                                  .where(Role.kind.in_(MENTOR_KINDS) & held(today))):
        posts[pid].append(f"{school} ({subjects})" if subjects else school)
    mentoring: dict[int, list[str]] = defaultdict(list)
    trainee = Person.alias()
    for pid, tid, first, last, erased in tuples_of(
            PlacementMentor.select(PlacementMentor.person, trainee.id, trainee.first_name,
                                   trainee.last_name, trainee.erased)
            .join(Placement, on=(PlacementMentor.placement == Placement.id))
            .join(Enrolment, on=(Placement.enrolment == Enrolment.id))
            .join(trainee, on=(Enrolment.person == trainee.id))
            .where(_placed_now(today))):
        mentoring[pid].append(person_name(tid, first, last, erased))
    ids = set(posts) | set(mentoring)
    trained: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for pid, kind, on, hours, by in tuples_of(MentorTraining
                                     .select(MentorTraining.person, MentorTraining.kind,
                                             MentorTraining.completed_on, MentorTraining.hours,
                                             MentorTraining.provided_by)
                                     .where(MentorTraining.person.in_(list(ids)))):
        said = f"{TRAINING_KINDS.label(kind)} {fields.format_date(on)}"
        if hours:
            said += f" ({hours:g} h)"
        if by:
            said += f", {by}"
        trained[pid].append((on, said))
    rows = []
    for pid, first, last, erased, email in tuples_of(Person
                                            .select(Person.id, Person.first_name, Person.last_name,
                                                    Person.erased, Person.email)
                                            .where(Person.id.in_(list(ids)))):
        training = sorted(trained.get(pid, []), reverse=True)
        rows.append((person_name(pid, first, last, erased), "" if erased else (email or ""),
                     "; ".join(posts.get(pid, [])), "; ".join(sorted(mentoring.get(pid, []))),
                     training[0][0] if training else None,
                     "; ".join(t for _d, t in training) or "No training recorded"))
    rows.sort(key=lambda r: str(r[0]).casefold())
    return Part("Mentors", "Mentors in post today or mentoring a trainee placed now, with the "
                "mentor training recorded (latest first).",
                ("Mentor", "Email", "Mentor post at", "Mentoring now", "Last trained",
                 "Training"), rows, "No mentors recorded.", (13, 16, 22, 16, 8, 25))


def _agreements(today: date) -> Part:
    in_force = ((SupportAgreement.status.in_(("agreed", "active")))
                & (SupportAgreement.start_date.is_null() | (SupportAgreement.start_date <= today))
                & (SupportAgreement.end_date.is_null() | (SupportAgreement.end_date >= today)))
    parties: dict[int, list[str]] = defaultdict(list)
    for aid, role, name in tuples_of(AgreementParty
                            .select(AgreementParty.agreement, AgreementParty.role, School.name)
                            .join(School, on=(AgreementParty.school == School.id))
                            .join_from(AgreementParty, SupportAgreement)
                            .where(in_force).order_by(School.name)):
        parties[aid].append(f"{name} ({PARTY_ROLES.label(role)})")
    rows = [(ref, title, str(year), AGREEMENT_STATUSES.label(status), start, end,
             "; ".join(parties.get(aid, [])))
            for aid, ref, title, year, status, start, end in tuples_of(
                SupportAgreement.select(SupportAgreement.id, SupportAgreement.reference,
                                        SupportAgreement.title, SupportAgreement.academic_year,
                                        SupportAgreement.status, SupportAgreement.start_date,
                                        SupportAgreement.end_date)
                .where(in_force).order_by(SupportAgreement.reference))]
    return Part("Agreements", "Agreements in force today: agreed or active, today within their "
                "dates.", ("Reference", "Title", "Year", "Status", "Start", "End", "Schools"),
                rows, "No agreements in force today.", (9, 25, 6, 7, 8, 8, 37))


def collect(today: date | None = None) -> Pack:
    from ..settings import provider

    on = today or clock.today()
    return Pack(on, clock.now(), provider().display_name,
                [_settings(on), _trainees(on), _mentors(on), _agreements(on)])


# -- the workbook ------------------------------------------------------------------------------

def write_workbook(pack: Pack, target: Path) -> None:
    """One sheet per part: a title, the day it is for, the headings (frozen, filtered), the rows;
    printed as the returns are (landscape A4, headings repeated, few pages across)."""
    with workbook(target) as wb:  # rows streamed in order (constant_memory): flat at any size
        styles = Styles(wb)
        for part in pack.parts:
            ws = wb.add_worksheet(part.title)
            write_value(ws, 0, 0, f"{part.title} — Ofsted notification pack", styles, styles.title)
            write_value(ws, 1, 0, f"{pack.provider} · as at {fields.format_date(pack.today)} · "
                                  f"{part.note}", styles, styles.meta)
            for c, heading in enumerate(part.headings):
                write_value(ws, 3, c, heading, styles, styles.header)
            widths = [max(8, len(h) + 2) for h in part.headings]
            if not part.rows:
                write_value(ws, 4, 0, part.empty, styles)
            for r, row in enumerate(part.rows, start=4):
                for c, cell in enumerate(row):
                    # one line per row (no wrapping: XlsxWriter sets no row heights, and a
                    # wrapped cell would spill over the next row); long text is cut at 80
                    write_value(ws, r, c, cell, styles)
                    size = 12 if isinstance(cell, date) else len(str(cell if cell is not None else ""))
                    widths[c] = max(widths[c], min(size + 2, 80))
            for c, width in enumerate(widths):
                ws.set_column(c, c, width)
            ws.freeze_panes(4, 0)
            if part.rows:
                ws.autofilter(3, 0, 3 + len(part.rows), len(part.headings) - 1)
            print_setup(ws, widths, header_row=4)  # as every return prints


# -- the PDF -----------------------------------------------------------------------------------

def _cell(value: Any) -> str:
    if isinstance(value, date):
        return fields.format_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return esc(value)


def html(pack: Pack) -> str:
    sections: list[str] = []
    for part in pack.parts:
        if part.rows:
            widths = part.widths or (0,) * len(part.headings)
            head = "".join(f'<th width="{w}%">{esc(h)}</th>' if w else f"<th>{esc(h)}</th>"
                           for h, w in zip(part.headings, widths, strict=True))
            body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                           for row in part.rows)
            table = (f'<table class="grid" width="100%" cellspacing="0" cellpadding="3">'
                     f"<thead><tr>{head}</tr></thead>{body}</table>")
        else:
            table = f'<p class="muted">{esc(part.empty)}</p>'
        # Each part from a new page: a heading left at the foot of the page before its table
        # ("Trainees (47)" on the settings' last page) reads as an empty part.
        new_page = '<div style="page-break-before: always;"></div>' if sections else ""
        sections.append(f"{new_page}<h2>{esc(part.title)} ({len(part.rows)})</h2>"
                        f'<p class="small">{esc(part.note)}</p>{table}')
    return template("ofsted_pack.html").substitute(
        css=stylesheet("ofsted_pack.css"), provider=esc(pack.provider),
        today=esc(fields.format_date(pack.today)),
        made=esc(pack.made_at.strftime("%d/%m/%Y %H:%M")), sections="".join(sections))


def file_names(today: date) -> tuple[str, str]:
    stem = f"Ofsted notification pack {today:%Y-%m-%d}"
    return f"{stem}.xlsx", f"{stem}.pdf"


def write_pack(outdir: Path, render: RenderPdf, today: date | None = None) -> Pack:
    """The workbook and the PDF written into ``outdir`` together, or neither."""
    pack = collect(today)
    xlsx, pdf = file_names(pack.today)
    with StagedFolder(Path(outdir)) as staged:
        write_workbook(pack, staged.path(xlsx))
        render(html(pack), staged.path(pdf), landscape=True,
               header_left=pack.provider, header_right="Ofsted notification pack",
               footer_left=f"As at {fields.format_date(pack.today)}",
               footer_right=f"Made {pack.made_at:%d/%m/%Y %H:%M}",
               title=f"Ofsted notification pack {fields.format_date(pack.today)}")
        pack.paths = staged.move_in()
    return pack
