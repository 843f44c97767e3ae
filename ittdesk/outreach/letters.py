"""Letters by mail merge: placement confirmations and the support agreement's covering letter.

The templates are Word documents the provider edits in Word (``ittdesk letters template KIND
OUT.docx`` exports the built-in one; a setting ``letter_<kind>`` points at the provider's own).
A field is written ``{trainee}``, as in the e-mail templates; ``docx_merge`` fills them as
plain text with python-docx (a template cannot run code).

PDF: the merged letter is turned into simple HTML (paragraphs, bold / italic / underline,
alignment, headings, tables) and printed by the app's own renderer (``ui.printing.html_to_pdf``,
passed in: the core never imports Qt). Converting the DOCX itself needs LibreOffice, which most
providers' PCs do not have; this way ``--pdf`` works everywhere and prints the provider's own
words (Word-only layout such as text boxes or images is not carried over to the PDF).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from peewee import JOIN

from .. import clock, fields, settings
from ..documents import RenderPdf
from ..errors import NotFoundError, RefusedError
from ..files import StagedFolder
from ..models import (
    AgreementParty,
    Cohort,
    Enrolment,
    Person,
    Placement,
    Programme,
    School,
    SupportAgreement,
)
from .docx_merge import FIELD, as_html, merge, unknown_fields  # noqa: F401 - re-exported
from .letter_kinds import (  # noqa: F401 - re-exported: letters.KINDS, letters.check_template
    AGREEMENT_FIELDS,
    ALL_FIELDS,
    COMMON_FIELDS,
    KINDS,
    PLACEMENT_FIELDS,
    Kind,
    check_template,
    kind,
)

if TYPE_CHECKING:
    from docx.document import Document

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "letters"
Progress = Callable[[int, int, str], None]

# -- templates ------------------------------------------------------------------------------


def default_template(key: str) -> bytes:
    """The shipped template (resources/letters), made by ``build_default`` if missing."""
    shipped = RESOURCES / f"{kind(key).key}.docx"
    if shipped.is_file():
        return shipped.read_bytes()
    buffer = io.BytesIO()
    build_default(key).save(buffer)
    return buffer.getvalue()


def template_bytes(key: str) -> bytes:
    """The provider's own template (setting ``letter_<key>``) or the built-in one."""
    own = settings.get(f"letter_{kind(key).key}")
    if own:
        path = Path(own)
        if not path.is_file():
            raise RefusedError(f"The {KINDS[key].label.lower()} template {path} is not there "
                               f"any more: put it back, or clear the setting letter_{key}")
        try:
            check_template(path)
        except ValueError as exc:
            raise RefusedError(f"The {KINDS[key].label.lower()} template: {exc}") from None
        return path.read_bytes()
    return default_template(key)


# A paragraph's text, or None where the placement letters' table goes.
_BODIES: dict[str, list[str | None]] = {
    "placement_school": [
        "We are writing to confirm the following placement at {school}. Thank you for "
        "hosting our trainee and for the time your staff give to their training.",
        None,
        "The mentor named above will support the trainee day to day. Please let us know at once "
        "if anything changes, in particular if the mentor is no longer able to take this on.",
    ],
    "placement_mentor": [
        "Thank you for agreeing to mentor {trainee} at {school}. The placement is:",
        None,
        "Our mentor handbook and the dates of mentor training are on our website. Please get in "
        "touch if you have any questions before the placement begins.",
    ],
    "placement_trainee": [
        "We are pleased to confirm your placement at {school}:",
        None,
        "Please contact your mentor before your first day to arrange your induction, and let us "
        "know straight away if anything prevents you from starting on {start_date}.",
    ],
    "agreement": [
        "Please find enclosed the support agreement {reference}, {title}, for {academic_year}, "
        "running from {start_date} to {end_date}, with funding of {amount}.",
        "Your school's part in it: {responsibilities}",
        "Please read it, sign where shown and return a copy to us. Thank you for your support.",
    ],
}
_TITLES = {"placement_school": "Placement confirmation", "placement_mentor": "Mentor placement "
           "confirmation", "placement_trainee": "Your placement", "agreement": "Support agreement"}


def build_default(key: str) -> Document:
    """The built-in template of a kind, made with python-docx (the shipped .docx come from
    here: ``python -m ittdesk.outreach.letters`` writes resources/letters again)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    for text in ("{provider}", "{provider_address}"):
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run(text)
        run.bold = text == "{provider}"
    document.add_paragraph("{date}")
    document.add_paragraph("{recipient}\n{recipient_address}")
    document.add_paragraph("Dear {recipient},")
    heading = document.add_paragraph()
    heading.add_run(_TITLES[key] + (": {trainee}" if key.startswith("placement") else
                                    ": {reference}")).bold = True
    for body in _BODIES[key]:
        if body is None:
            table = document.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for label, value in (("Trainee", "{trainee}"), ("Programme", "{programme} ({cohort})"),
                                 ("School", "{school}"), ("Mentor", "{mentor}"),
                                 ("Dates", "{start_date} to {end_date}"),
                                 ("Subject / year group", "{subject} {year_group}")):
                cells = table.add_row().cells
                cells[0].paragraphs[0].add_run(label).bold = True
                cells[1].paragraphs[0].add_run(value)
            document.add_paragraph()
        else:
            document.add_paragraph(body)
    document.add_paragraph("Yours sincerely,")
    document.add_paragraph("{signatory}\n{provider}")
    return document


# -- the letters ----------------------------------------------------------------------------


@dataclass
class Letter:
    kind: str
    recipient: str
    file_stem: str
    values: dict[str, str]


def _address(*lines: str | None) -> str:
    return "\n".join(line.strip() for line in lines if line and line.strip())


def school_address(school: School) -> str:
    return _address(school.address1, school.address2, school.address3, school.town,
                    school.postcode)


def _common(recipient: str, address: str) -> dict[str, str]:
    provider = settings.provider()
    return {"date": clock.today().strftime("%d %B %Y").lstrip("0"),
            "provider": provider.display_name, "provider_address": "\n".join(
                provider.address_lines), "signatory": provider.signatory,
            "recipient": recipient, "recipient_address": address}


def _safe(text: str) -> str:
    text = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    return re.sub(r"\s+", " ", text).strip(" .")[:100]


def current_heads(school_ids: set[int]) -> dict[int, str]:
    """A school's current headteacher by name (``holders``), for a letter's greeting."""
    from ..holders import held
    from ..models import Role

    found: dict[int, str] = {}
    for role in (Role.select(Role, Person).join(Person)
                 .where(Role.school.in_(list(school_ids) or [0]) & held()
                        & (Role.kind == "headteacher") & (Person.erased == False))  # noqa: E712
                 .order_by(Role.start_date.desc(nulls="LAST"), Role.id)):
        found.setdefault(role.school_id, role.person.full_name)
    return found


def placement_letters(cohort_id: int) -> tuple[list[Letter], list[str]]:
    """Three letters per placement of the cohort's trainees still on the course (school,
    mentor, trainee); a placement with no mentor has no mentor letter (said in the notes)."""
    cohort = Cohort.get_or_none(Cohort.id == cohort_id)
    if cohort is None:
        raise NotFoundError(f"No cohort with id {cohort_id}")
    programme = Programme.get_by_id(cohort.programme_id)
    Mentor = Person.alias()
    query = (Placement.select(Placement, Enrolment, Person, School, Mentor)
             .join(Enrolment).join(Person).switch(Placement).join(School)
             .switch(Placement).join(Mentor, on=(Placement.mentor == Mentor.id),
                                     join_type=JOIN.LEFT_OUTER, attr="mentor_person")
             .where((Enrolment.cohort == cohort) & Enrolment.withdrawal_date.is_null()
                    & (Person.erased == False))  # noqa: E712
             .order_by(Person.last_name_key, Person.first_name_key, Placement.start_date))
    placements = list(query)
    heads = current_heads({p.school_id for p in placements})
    letters: list[Letter] = []
    notes: list[str] = []
    for placement in placements:
        trainee = placement.enrolment.person
        school = placement.school
        mentor = getattr(placement, "mentor_person", None)
        if mentor is not None and (mentor.id is None or mentor.erased):
            mentor = None
        base = {"trainee": trainee.full_name, "trainee_id": placement.enrolment.trainee_id or "",
                "school": school.name, "school_address": school_address(school),
                "mentor": mentor.full_name if mentor else "to be confirmed",
                "start_date": fields.format_date(placement.start_date),
                "end_date": fields.format_date(placement.end_date),
                "subject": placement.subject or placement.enrolment.subject or "",
                "year_group": placement.year_group or "", "cohort": cohort.name,
                "programme": programme.name}
        stem = f"{_safe(trainee.full_name)} - {school.urn} {_safe(school.name)}" \
               f" - {placement.start_date.isoformat()}"
        head = heads.get(school.id) or "Headteacher"
        letters.append(Letter("placement_school", f"{head}, {school.name}", f"{stem} - school",
                              {**base, **_common(head, _address(
                                  school.name, school_address(school)))}))
        if mentor is not None:
            letters.append(Letter("placement_mentor", mentor.full_name, f"{stem} - mentor",
                                  {**base, **_common(mentor.full_name, _address(
                                      school.name, school_address(school)))}))
        else:
            notes.append(f"{trainee.full_name} at {school.name}: no mentor recorded, so no "
                         "mentor letter")
        letters.append(Letter("placement_trainee", trainee.full_name, f"{stem} - trainee",
                              {**base, **_common(trainee.full_name, trainee.email or "")}))
    if not letters:
        raise RefusedError(f"The cohort {cohort.name} has no placements of trainees on the "
                           "course: no letters to write")
    return letters, notes


def agreement_letters(reference: str) -> tuple[list[Letter], list[str]]:
    """A covering letter per school party of the agreement, to its named contact (else the
    headteacher)."""
    found = SupportAgreement.get_or_none(SupportAgreement.reference == str(reference).strip())
    if found is None:
        raise NotFoundError(f"No support agreement with reference {reference}")
    letters: list[Letter] = []
    notes: list[str] = []
    base = {"reference": found.reference, "title": found.title,
            "academic_year": str(found.academic_year),
            "start_date": fields.format_date(found.start_date) or "the start date agreed",
            "end_date": fields.format_date(found.end_date) or "the end date agreed",
            "amount": fields.format_money(found.amount_agreed_pence)}
    parties = (AgreementParty.select(AgreementParty, School).join(School)
               .where(AgreementParty.agreement == found).order_by(School.name_key))
    for party in parties:
        school = party.school
        contact = party.contact if party.contact_id else None
        name = contact.full_name if contact is not None and not contact.erased \
            else current_heads({school.id}).get(school.id, "Headteacher")
        letters.append(Letter("agreement", f"{name}, {school.name}",
                              f"{_safe(found.reference)} - {school.urn} {_safe(school.name)}",
                              {**base, "school": school.name,
                               "responsibilities": party.responsibilities or "as set out in "
                                                                             "the agreement",
                               **_common(name, _address(school.name,
                                                        school_address(school)))}))
    if not letters:
        raise RefusedError(f"The agreement {found.reference} names no school: no letters to "
                           "write")
    return letters, notes


@dataclass
class LettersResult:
    docx: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False


def write_letters(letters: list[Letter], outdir: Path, *, render: RenderPdf | None = None,
                  combined: str | None = None, notes: list[str] | None = None,
                  progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> LettersResult:
    """Each letter as DOCX (and as PDF with ``render``; ``combined`` names one PDF of them
    all instead), into ``outdir`` all or nothing (staged, then moved in together)."""
    templates = {key: template_bytes(key) for key in {letter.kind for letter in letters}}
    result = LettersResult(notes=list(notes or []))
    pages: list[str] = []
    total = len(letters) + (1 if combined and render else 0)
    with StagedFolder(Path(outdir)) as staging:
        try:
            for done, letter in enumerate(letters):
                if cancelled is not None and cancelled():
                    return LettersResult(cancelled=True)
                if progress is not None:
                    progress(done, total, letter.recipient)
                document = merge(templates[letter.kind], letter.values)
                document.save(str(staging.path(f"{letter.file_stem}.docx")))
                result.docx.append(Path(outdir) / f"{letter.file_stem}.docx")
                if render is not None:
                    page = as_html(document)
                    if combined:
                        pages.append(page)
                    else:
                        render(page, staging.path(f"{letter.file_stem}.pdf"),
                               title=letter.recipient)
                        result.pdf.append(Path(outdir) / f"{letter.file_stem}.pdf")
            if combined and render is not None:
                if progress is not None:
                    progress(len(letters), total, combined)
                joined = '<div style="page-break-before: always;"></div>'.join(pages)
                render(joined, staging.path(combined), title=combined)
                result.pdf.append(Path(outdir) / combined)
        except InterruptedError:
            return LettersResult(cancelled=True)
        except OSError as exc:
            raise RefusedError(f"Cannot write the letters: {exc.strerror or exc}; nothing "
                               "was written") from exc
        try:
            staging.move_in()
        except OSError as exc:
            staging.undo()
            raise RefusedError(f"Cannot put the letters in {staging.dest}: "
                               f"{exc.strerror or exc}; nothing was written") from exc
    if progress is not None:
        progress(total, total, "")
    return result


def export_template(key: str, target: Path) -> Path:
    """The built-in template of a kind, for the provider to edit in Word."""
    from ..files import atomic_write

    data = default_template(key)
    return atomic_write(Path(target), lambda tmp: tmp.write_bytes(data))


def _make_shipped() -> None:  # pragma: no cover - run by hand when the defaults change
    RESOURCES.mkdir(parents=True, exist_ok=True)
    for key in KINDS:
        build_default(key).save(str(RESOURCES / f"{key}.docx"))


if __name__ == "__main__":  # pragma: no cover
    _make_shipped()

