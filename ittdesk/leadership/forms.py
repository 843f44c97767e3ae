"""One pre-filled workbook per school for the yearly leadership confirmation.

Laid out for a busy school office: what we hold about the school, its leadership team and ITT
contacts (each with "Still correct?" and "Correction"), blank rows for people new in post, the
school's appetite for hosting trainees in the round's year with the places it could offer,
and who completed it. Only the yellow answer cells are unlocked; the sheet is protected
without a password, so nobody is ever locked out.

A very hidden sheet carries the identifier: round, URN, where each section is, the pre-filled
role ids, a digest of every pre-filled cell and an HMAC over all of that with the round's
secret. A returned form is matched by that identifier, never by its file name, and a form
whose identifier or layout was changed is refused (see ``collect``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import settings
from ..choices import ROLE_KINDS
from ..fields import format_date
from ..models import ConfirmationRound, School
from ..services.people import current_roles
from ..spreadsheets.safe import set_cell
from .vocabulary import (
    FORM_ROLE_KINDS,
    HOSTING_APPETITES,
    NOT_HOSTING_REASONS,
    STILL_CORRECT,
    YES_NO,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


FORMAT = "ittdesk-leadership-confirmation"
LAYOUT = "1"
FORM_SHEET = "Leadership form"
ID_SHEET = "ittdesk_form"
#: column of the hidden sheet keeping each pre-filled cell's text as written (row i: the i-th
#: of ``fixed``), so a returned form can say which cell was typed over and what it said
ORIGINALS_COLUMN = 10

# Section 1: label on the form -> School field.
SCHOOL_DETAILS = (
    ("School name", "name"),
    ("Address (first line)", "address1"),
    ("Town", "town"),
    ("Postcode", "postcode"),
    ("Phone", "phone"),
    ("School office email", "email"),
    ("Website", "website"),
)
NEW_IN_POST_ROWS = 6
NEW_COLUMNS = ("role", "first_name", "last_name", "email", "title", "start")
OTHER_OFFER_ROWS = 3

HEADINGS = {
    "school": ("Detail", "What we hold", "Still correct?", "Correction"),
    "roles": ("Role", "Name", "Email", "Still correct?",
              "Correction (new email, or the date they left)"),
    "new": ("Role", "First name", "Last name", "Email", "Title (e.g. Mrs, Dr)", "Start date"),
    "offers": ("Phase or subject", "Placements you could offer"),
}
SECTION_TITLES = {
    "school": "1. Your school",
    "roles": "2. Your leadership team and ITT contacts",
    "new": "3. People new in post (not listed above)",
    "hosting": "4. Hosting trainee teachers in {year}",
    "completed": "5. Completed by",
}
HOSTING_QUESTIONS = (
    ("appetite", "Would your school host trainee teachers in {year}?"),
    ("reason", "If not, the main reason"),
    ("reason_detail", "Any other reasons or comments"),
    ("mentors", "How many trained mentors could support a trainee?"),
)
COMPLETED_QUESTIONS = (("name", "Your name"), ("role", "Your role"), ("date", "Date completed"))

PRIMARY_OFFERS = ("Early years (Nursery / Reception)", "Key stage 1 (Years 1-2)",
                  "Lower key stage 2 (Years 3-4)", "Upper key stage 2 (Years 5-6)")
SECONDARY_OFFERS = ("Mathematics", "English", "Physics", "Chemistry", "Biology", "Computing",
                    "Geography", "History", "Modern languages", "Design and technology",
                    "Art and design", "Music", "Religious education", "Physical education")


def offers_for(phase: str | None) -> tuple[str, ...]:
    if phase in ("nursery", "primary", "middle_primary"):
        return PRIMARY_OFFERS
    if phase in ("secondary", "middle_secondary", "16_plus"):
        return SECONDARY_OFFERS
    if phase == "all_through":
        return PRIMARY_OFFERS + SECONDARY_OFFERS
    return ("Any phase",)


def file_name_for(school: School) -> str:
    """``900100 Moorside Primary School.xlsx``: URN first so a folder sorts by URN."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", school.name)
    name = re.sub(r"\s+", " ", name).strip(" .")[:80]
    return f"{school.urn} {name}.xlsx"


# -- the identifier ---------------------------------------------------------------------------

IDENTIFIER_KEYS = ("format", "layout", "round", "token", "urn", "school", "sections", "roles",
                   "offers", "fixed", "digest")


def canonical(values: dict[str, str]) -> str:
    return "\n".join(f"{key}={values.get(key, '')}" for key in IDENTIFIER_KEYS)


def sign(secret: str, values: dict[str, str]) -> str:
    return hmac.new(secret.encode(), canonical(values).encode(), hashlib.sha256).hexdigest()[:32]


def cell_text(value: object) -> str:
    """A cell as text for the digest, the same whether openpyxl or calamine read it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def digest(texts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:32]


# -- the form's content, independent of the spreadsheet library ----------------------------

@dataclass
class FormContent:
    round: ConfirmationRound
    school: School
    provider: str
    role_rows: list[tuple[int, str, str, str]]  # (role id, role label, name, email)
    offers: tuple[str, ...]
    hosting_year: str = ""
    letterhead: settings.Provider | None = None  # address and logo for the printed form

    def __post_init__(self) -> None:
        self.hosting_year = str(self.round.academic_year)


def form_content(round_: ConfirmationRound, school: School) -> FormContent:
    order = {kind: i for i, kind in enumerate(FORM_ROLE_KINDS)}
    rows = [r for r in current_roles(school, FORM_ROLE_KINDS) if not r.person.erased]
    rows.sort(key=lambda r: (order[r.kind], r.person.last_name, r.person.first_name, r.id))
    role_rows = []
    for r in rows:
        label = ROLE_KINDS.label(r.kind)
        if r.kind in ("mentor", "lead_mentor") and r.subjects:
            label = f"{label} ({r.subjects})"
        role_rows.append((r.id, label, r.person.full_name, r.person.email or ""))
    provider = settings.provider()
    return FormContent(round_, school, provider.display_name, role_rows,
                       offers_for(school.phase), letterhead=provider)


# -- writing ---------------------------------------------------------------------------------

@dataclass
class _Writer:
    ws: Worksheet
    fixed: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    row: int = 1

    def put(self, row: int, col: int, value: object, *, style: str = "text") -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        cell = self.ws.cell(row, col)
        set_cell(cell, value if value not in ("",) else None)
        thin = Side(style="thin", color="A6A6A6")
        if style == "answer":
            cell.protection = Protection(locked=False)
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            self.answers.append(cell.coordinate)
            return
        self.fixed.append(cell.coordinate)
        if style == "title":
            cell.font = Font(bold=True, size=15, color="1F3864")
        elif style == "subtitle":
            cell.font = Font(bold=True, size=12)
        elif style == "section":
            cell.font = Font(bold=True, size=12, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F3864")
        elif style == "heading":
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="D9E1F2")
            cell.border = Border(bottom=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        elif style == "held":
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        elif style == "note":
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.font = Font(italic=True, color="404040")

    def section(self, title: str, width: int = 6) -> int:
        from openpyxl.styles import PatternFill

        row = self.row
        self.put(row, 1, title, style="section")
        for col in range(2, width + 1):
            self.ws.cell(row, col).fill = PatternFill("solid", fgColor="1F3864")
        self.row += 1
        return row

    def headings(self, names: tuple[str, ...]) -> int:
        row = self.row
        for col, name in enumerate(names, start=1):
            self.put(row, col, name, style="heading")
        self.row += 1
        return row


def build_workbook(content: FormContent) -> Workbook:
    """The form as an openpyxl Workbook (not saved), protected and signed."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    school, year = content.school, content.hosting_year
    wb = Workbook()
    ws = wb.active
    ws.title = FORM_SHEET
    lists = wb.create_sheet(ID_SHEET)
    w = _Writer(ws)
    sections: dict[str, list[int]] = {}

    # Drop-down lists live on the hidden sheet (a literal list is limited to 255 characters).
    list_columns = {}
    for col, (name, labels) in enumerate((
        ("yes_no", [label for _k, label in YES_NO]),
        ("still", [label for _k, label in STILL_CORRECT]),
        ("appetite", [label for _k, label in HOSTING_APPETITES]),
        ("reason", [label for _k, label in NOT_HOSTING_REASONS]),
        ("role", [ROLE_KINDS.label(k) for k in FORM_ROLE_KINDS]),
    ), start=4):
        letter = lists.cell(1, col).column_letter
        for i, label in enumerate(labels, start=1):
            set_cell(lists.cell(i, col), label)
        list_columns[name] = f"'{ID_SHEET}'!${letter}$1:${letter}${len(labels)}"

    def dropdown(name: str, prompt: str) -> DataValidation:
        dv = DataValidation(type="list", formula1=list_columns[name], allow_blank=True,
                            showErrorMessage=True, errorTitle="Please choose from the list",
                            error="Choose one of the answers in the list.",
                            promptTitle="Choose an answer", prompt=prompt, showInputMessage=True)
        ws.add_data_validation(dv)
        return dv

    yes_no = dropdown("yes_no", "Yes if what we hold is right; No and a correction if not.")
    still = dropdown("still", "Yes, or tell us what changed.")
    appetite_dv = dropdown("appetite", "How keen is your school to host trainees?")
    reason_dv = dropdown("reason", "Only if you cannot host this year.")
    role_dv = dropdown("role", "The post the new person holds.")
    whole = DataValidation(type="whole", operator="between", formula1="0", formula2="500",
                           allow_blank=True, showErrorMessage=True,
                           error="Please type a whole number, e.g. 2.")
    ws.add_data_validation(whole)
    day_dv = DataValidation(type="date", operator="greaterThan", formula1="36526",
                            allow_blank=True, showErrorMessage=True,
                            error="Please type a date, e.g. 01/09/2026.")
    ws.add_data_validation(day_dv)

    w.put(1, 1, f"{content.provider}: yearly leadership confirmation {year}", style="title")
    w.put(2, 1, f"{school.name} (URN {school.urn})", style="subtitle")
    return_by = content.round.return_by
    w.put(3, 1, "Please check what we hold and answer in the yellow cells only (drop-downs "
                "where there is a choice). It takes a few minutes. Save the file and send it "
                "back to us" + (f" by {format_date(return_by)}" if return_by else "")
                + "; you may rename it.", style="note")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=6)
    ws.row_dimensions[3].height = 32
    w.row = 5

    # 1. The school.
    w.section(SECTION_TITLES["school"])
    heading = w.headings(HEADINGS["school"])
    for label, name in SCHOOL_DETAILS:
        r = w.row
        w.put(r, 1, label, style="held")
        w.put(r, 2, cell_text(getattr(school, name)), style="held")
        w.put(r, 3, None, style="answer")
        yes_no.add(f"C{r}")
        w.put(r, 4, None, style="answer")
        w.row += 1
    sections["school"] = [heading, len(SCHOOL_DETAILS)]
    w.row += 1

    # 2. Current leadership and ITT contacts.
    w.section(SECTION_TITLES["roles"])
    heading = w.headings(HEADINGS["roles"])
    for _role_id, label, name, email in content.role_rows:
        r = w.row
        w.put(r, 1, label, style="held")
        w.put(r, 2, name, style="held")
        w.put(r, 3, email, style="held")
        w.put(r, 4, None, style="answer")
        still.add(f"D{r}")
        w.put(r, 5, None, style="answer")
        w.row += 1
    if not content.role_rows:
        w.put(w.row, 1, "We have no one on record: please add your team in section 3.",
              style="note")
        w.row += 1
    sections["roles"] = [heading, len(content.role_rows)]
    w.row += 1

    # 3. New in post.
    w.section(SECTION_TITLES["new"])
    heading = w.headings(HEADINGS["new"])
    for _ in range(NEW_IN_POST_ROWS):
        r = w.row
        for col in range(1, 7):
            w.put(r, col, None, style="answer")
        role_dv.add(f"A{r}")
        day_dv.add(f"F{r}")
        w.row += 1
    sections["new"] = [heading, NEW_IN_POST_ROWS]
    w.row += 1

    # 4. Hosting appetite and places.
    start = w.section(SECTION_TITLES["hosting"].format(year=year))
    for key, question in HOSTING_QUESTIONS:
        r = w.row
        w.put(r, 1, question.format(year=year), style="held")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        w.put(r, 2, None, style="answer")
        validation = {"appetite": appetite_dv, "reason": reason_dv, "mentors": whole}.get(key)
        if validation is not None:
            validation.add(f"B{r}")
        ws.row_dimensions[r].height = 30
        w.row += 1
    sections["hosting"] = [start, len(HOSTING_QUESTIONS)]
    w.row += 1
    heading = w.headings(HEADINGS["offers"])
    for label in content.offers:
        r = w.row
        w.put(r, 1, label, style="held")
        w.put(r, 2, None, style="answer")
        whole.add(f"B{r}")
        w.row += 1
    for _ in range(OTHER_OFFER_ROWS):
        r = w.row
        w.put(r, 1, None, style="answer")
        w.put(r, 2, None, style="answer")
        whole.add(f"B{r}")
        w.row += 1
    sections["offers"] = [heading, len(content.offers) + OTHER_OFFER_ROWS]
    w.row += 1

    # 5. Completed by.
    start = w.section(SECTION_TITLES["completed"])
    for key, question in COMPLETED_QUESTIONS:
        r = w.row
        w.put(r, 1, question, style="held")
        w.put(r, 2, None, style="answer")
        if key == "date":
            day_dv.add(f"B{r}")
            ws.cell(r, 2).number_format = "DD/MM/YYYY"
        w.row += 1
    sections["completed"] = [start, len(COMPLETED_QUESTIONS)]
    for r in range(sections["new"][0] + 1, sections["new"][0] + 1 + NEW_IN_POST_ROWS):
        ws.cell(r, 6).number_format = "DD/MM/YYYY"

    widths: dict[str, float] = dict(zip("ABCDEF", (44, 30, 32, 30, 34, 14), strict=True))
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    _fit_rows(ws, widths, first_row=5)
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            if cell.alignment is None or not cell.alignment.wrap_text:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = f"{school.name} (URN {school.urn}) - page &P of &N"

    # The identifier, signed with the round's secret.
    texts = [cell_text(ws[c].value) for c in w.fixed]
    ident = {
        "format": FORMAT, "layout": LAYOUT, "round": str(content.round.academic_year),
        "token": content.round.token, "urn": str(school.urn), "school": school.name,
        "sections": json.dumps(sections, sort_keys=True, separators=(",", ":")),
        "roles": ",".join(str(r[0]) for r in content.role_rows),
        "offers": json.dumps(list(content.offers), separators=(",", ":")),
        "fixed": " ".join(w.fixed), "digest": digest(texts),
    }
    ident["checksum"] = sign(content.round.secret, ident)
    set_cell(lists.cell(1, 1), "ITT Desk form identifier: do not change")
    for i, key in enumerate((*IDENTIFIER_KEYS, "checksum"), start=2):
        set_cell(lists.cell(i, 1), key)
        set_cell(lists.cell(i, 2), ident[key])
    for i, text in enumerate(texts, start=1):  # their digest is signed above
        set_cell(lists.cell(i, ORIGINALS_COLUMN), text or None)
    lists.sheet_state = "veryHidden"
    lists.protection.sheet = True
    ws.protection.sheet = True  # no password: protection guides, it never locks anyone out
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    ws.sheet_view.selection[0].activeCell = f"C{sections['school'][0] + 1}"
    ws.sheet_view.selection[0].sqref = f"C{sections['school'][0] + 1}"
    return wb


def _fit_rows(ws: Worksheet, widths: Mapping[str, float], first_row: int) -> None:
    """Tall enough rows for wrapped text: spreadsheet programs do not grow rows on opening."""
    import math

    merged: dict[tuple[int, int], float] = {}
    for cells in ws.merged_cells.ranges:
        span = sum(widths.get(ws.cell(1, c).column_letter, 10)
                   for c in range(cells.min_col, cells.max_col + 1))
        merged[(cells.min_row, cells.min_col)] = span
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value:
                continue
            width = merged.get((cell.row, cell.column), widths.get(cell.column_letter, 10))
            size = (cell.font.sz or 11) if cell.font else 11
            per_line = max(1.0, width * 1.15 * 11 / size)
            lines = max(lines, sum(math.ceil(max(1, len(part)) / per_line)
                                   for part in cell.value.split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines + 2
