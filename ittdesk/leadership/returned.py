"""Reading a returned confirmation form and deciding whether it can be trusted.

A returned file is matched by the signed identifier on its very hidden sheet, never by its file
name. Reading never writes. What comes out:

- a refusal (``FormRefused``) in plain words when the file is not a form, belongs elsewhere, or
  its layout was changed so its answers cannot be found (the moved cells are named);
- a ``ReturnedForm`` whose answers can be read. If the school typed over pre-filled cells (say
  the head's name) the form is *held*: ``edited`` names each cell with what it said and what it
  says now, because that is often the school's real news; its answers are shown but taken only
  when the manager says so (``collect.apply(..., take_edited=True)``).

Planning and applying what the answers change is ``collect``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import fields
from ..errors import RefusedError
from ..models import ConfirmationRound, School
from . import rounds
from .forms import FORM_SHEET, FORMAT, ID_SHEET, LAYOUT, ORIGINALS_COLUMN, cell_text, digest, sign

FORM_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
NOT_A_FORM = "not an ITT Desk leadership form"
NOT_READABLE = "not a spreadsheet ITT Desk can read (is it a form we sent?)"
MAX_GUESSED_EDITS = 4  # cells edited in a form written before their texts were kept
MAX_DIFFERENT = 16  # ... among at most this many differing from the form written today
FRESH_COPY = "please ask the school to fill in a fresh copy"


class FormRefused(RefusedError):
    """A returned file that cannot be trusted or read; nothing is taken from it."""


class NotFilledIn(FormRefused):
    """A genuine form with no answers yet (e.g. the blank copies in the folder forms went to)."""


@dataclass
class Refusal:
    path: Path
    reason: str
    blank: bool = False  # a genuine form, just not filled in: worth a count, not a warning


@dataclass(frozen=True)
class EditedCell:
    """A pre-filled cell the school typed over: what the form said, and what it says now."""

    cell: str
    was: str
    now: str

    def __str__(self) -> str:
        return f"'{FORM_SHEET}'!{self.cell} was '{self.was}', now '{self.now}'"


def expand(paths: Iterable[Path | str]) -> tuple[list[Path], list[Refusal]]:
    """Files given, and every spreadsheet in folders given (not Excel's ``~$`` lock files)."""
    files: list[Path] = []
    missing: list[Refusal] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and p.suffix.lower() in FORM_SUFFIXES
                           and not p.name.startswith(("~$", ".")))
            if not found:
                missing.append(Refusal(path, "the folder holds no spreadsheets"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Refusal(path, "no such file or folder"))
    return list(dict.fromkeys(files)), missing


class _Grid:
    """A sheet's cells by 1-based (row, column), '' beyond the used area."""

    def __init__(self, rows: list[list[Any]]):
        self.rows = rows

    def get(self, row: int, col: int) -> Any:
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            value = self.rows[row - 1][col - 1]
            return "" if value is None else value
        return ""

    def text(self, row: int, col: int) -> str:
        return cell_text(self.get(row, col))

    def at(self, coordinate: str) -> Any:
        from openpyxl.utils.cell import coordinate_to_tuple

        row, col = coordinate_to_tuple(coordinate)
        return self.get(row, col)


@dataclass
class ReturnedForm:
    path: Path
    round: ConfirmationRound
    school: School
    ident: dict[str, str]
    sections: dict[str, list[int]]
    role_ids: list[int]
    offers: list[str]
    grid: _Grid
    edited: list[EditedCell] = field(default_factory=list)  # held: see the module docstring


def read_form(path: Path, round_: ConfirmationRound) -> ReturnedForm:
    """Check a returned file is a genuine form of ``round_``; raise FormRefused if not."""
    from python_calamine import CalamineWorkbook

    from ..spreadsheets import preflight

    try:  # a far cell or a zip bomb would exhaust the machine inside calamine
        preflight.check_workbook(path, preflight.TEMPLATE)
    except preflight.DamagedFile:  # e.g. a text file named .xlsx: plain words, not zip errors
        raise FormRefused(NOT_READABLE) from None
    except RefusedError as exc:
        raise FormRefused(str(exc).removeprefix(f"{Path(path).name} ")) from None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    except Exception:
        raise FormRefused(NOT_READABLE) from None
    if ID_SHEET not in names:
        raise FormRefused(NOT_A_FORM)
    if FORM_SHEET not in names:
        raise FormRefused(f"the sheet '{FORM_SHEET}' was renamed or deleted: {FRESH_COPY}")
    try:
        id_rows = workbook.get_sheet_by_name(ID_SHEET).to_python(skip_empty_area=False)
        grid = _Grid(workbook.get_sheet_by_name(FORM_SHEET).to_python(skip_empty_area=False))
    except Exception:
        raise FormRefused("the file is damaged and cannot be read") from None
    ident = {cell_text(r[0]): cell_text(r[1]) for r in id_rows if len(r) >= 2 and r[0]}
    if ident.get("format") != FORMAT:
        raise FormRefused(f"{NOT_A_FORM} (or its hidden part was damaged)")
    if ident.get("layout") != LAYOUT:
        raise FormRefused("made by a different version of ITT Desk, which this one cannot read")
    source = ConfirmationRound.get_or_none(ConfirmationRound.token == ident.get("token", ""))
    if source is None:
        year = ident.get("round") or "an unknown year"
        raise FormRefused(f"the form belongs to a {year} confirmation round that is not in this "
                          "database")
    if not _same(sign(source.secret, ident), ident.get("checksum", "")):
        raise FormRefused("its hidden part was changed, so it cannot be matched to a school "
                          f"safely: {FRESH_COPY}")
    if source.id != round_.id:
        raise FormRefused(f"the form is from the {source.academic_year} round, not the "
                          f"{round_.academic_year} round being collected")
    urn = fields.urn(ident["urn"])
    school = School.get_or_none(School.urn == urn)
    if school is None:
        raise FormRefused(f"no school with URN {urn} is in this database")
    if rounds.entry_for(round_, school) is None:
        raise FormRefused(f"{school.name} (URN {urn}) is not part of the {round_.academic_year} "
                          "round")
    sections = json.loads(ident["sections"])
    fixed = ident.get("fixed", "").split()
    edited: list[EditedCell] = []
    if digest([cell_text(grid.at(c)) for c in fixed]) != ident.get("digest"):
        found = edited_cells(grid, fixed, ident, _originals(id_rows), round_, school)
        if found is None:
            raise FormRefused("pre-filled cells were edited or rows moved; the form was written "
                              "before ITT Desk kept a copy of what it said, so which cells "
                              f"cannot be told: {FRESH_COPY}")
        edited = found
        moved = [e for e in edited if _is_layout(e.cell, sections)]
        if moved or not edited:
            shown = "; ".join(str(e) for e in moved[:3]) + (
                f" and {len(moved) - 3} more" if len(moved) > 3 else "")
            raise FormRefused("the layout was changed (rows or columns moved or headings "
                              f"edited{': ' + shown if shown else ''}), so its answers cannot "
                              f"be found: {FRESH_COPY}")
    if not _answered(grid, set(fixed)) and not edited:
        raise NotFilledIn("not filled in yet: there are no answers in it")
    role_ids = [int(x) for x in ident.get("roles", "").split(",") if x]
    offers = json.loads(ident.get("offers") or "[]")
    return ReturnedForm(path, round_, school, ident, sections, role_ids, offers, grid, edited)


def _originals(id_rows: list[list[Any]]) -> list[str]:
    """The pre-filled texts as written, kept on the hidden sheet (forms from before they were
    kept have none)."""
    col = ORIGINALS_COLUMN - 1
    return [cell_text(r[col]) if len(r) > col else "" for r in id_rows]


def edited_cells(grid: _Grid, fixed: list[str], ident: dict[str, str], stored: list[str],
                 round_: ConfirmationRound, school: School) -> list[EditedCell] | None:
    """Each pre-filled cell whose text is not what the form said, with both texts; None when
    what the form said cannot be told.

    The texts kept on the hidden sheet are trusted only if they match the signed digest. A form
    written before they were kept is compared with the form as it would be written today: the
    smallest set of differing cells whose texts today make the digest match is what the school
    edited (the rest changed here since, and the school left them alone)."""
    from itertools import combinations

    now = [cell_text(grid.at(c)) for c in fixed]
    was = stored[:len(fixed)] + [""] * (len(fixed) - len(stored))
    if digest(was) != ident.get("digest"):
        from .forms import build_workbook, form_content

        sheet = build_workbook(form_content(round_, school))[FORM_SHEET]
        today = [cell_text(sheet[c].value) for c in fixed]
        differ = [i for i, (a, b) in enumerate(zip(now, today, strict=True)) if a != b]
        if len(differ) > MAX_DIFFERENT:
            return None  # rows moved, or too much changed to tell
        found: list[str] | None = None
        for size in range(1, min(len(differ), MAX_GUESSED_EDITS) + 1):
            for chosen in combinations(differ, size):
                candidate = list(now)
                for i in chosen:
                    candidate[i] = today[i]
                if digest(candidate) == ident.get("digest"):
                    found = candidate
                    break
            if found is not None:
                break
        if found is None:
            return None
        was = found
    return [EditedCell(c, old, new) for c, old, new in zip(fixed, was, now, strict=True)
            if old != new]


def _is_layout(coordinate: str, sections: dict[str, list[int]]) -> bool:
    """Labels (column A), section titles and heading rows: if they moved, answers cannot be
    found. Other pre-filled cells are what we hold (names, emails, the school's details)."""
    from openpyxl.utils.cell import coordinate_to_tuple

    row, col = coordinate_to_tuple(coordinate)
    if row < sections["school"][0] - 1:
        return False  # the title, the school's name and the note above the first section
    if col == 1:
        return True
    structural = {start for start, _count in sections.values()}
    structural |= {start - 1 for key, (start, _n) in sections.items()
                   if key in ("school", "roles", "new")}  # their section title rows
    return row in structural


def _answered(grid: _Grid, fixed: set[str]) -> bool:
    """Any answer at all: every cell that is not pre-filled is an answer cell."""
    from openpyxl.utils.cell import get_column_letter

    for r, row in enumerate(grid.rows, start=1):
        for c, value in enumerate(row, start=1):
            if not fields.is_empty(value) and f"{get_column_letter(c)}{r}" not in fixed:
                return True
    return False


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


# -- whose form the file name says it is ---------------------------------------------------------

def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def name_mismatch(path: Path, school: School, others: Iterable[School] = ()) -> str | None:
    """A warning when the file name names another school than the form inside (a school saved
    its answers over a neighbour's form, or a form was forwarded): matching is by the hidden
    identifier, so the answers go to the form's school, which the user should check."""
    stem = Path(path).stem
    numbers = {int(n) for n in re.findall(r"(?<!\d)\d{5,7}(?!\d)", stem)}
    own = f"{school.name} (URN {school.urn})"
    if numbers and school.urn not in numbers:
        named = School.get_or_none(School.urn.in_(sorted(numbers)))
        who = f"{named.name} (URN {named.urn})" if named else f"URN {min(numbers)}"
        return (f"the file name names {who}, but the form inside is {own}'s: check these are "
                f"{school.name}'s answers")
    if numbers:
        return None
    words, mine = f" {_words(stem)} ", _words(school.name)
    if mine and f" {mine} " in words:
        return None
    for other in others:
        theirs = _words(other.name)
        if other.id != school.id and theirs and f" {theirs} " in words:
            return (f"the file name names {other.name}, but the form inside is {own}'s: check "
                    f"these are {school.name}'s answers")
    return None
