"""A tiny, fixed partnership whose confirmation forms were filled in and saved by LibreOffice
(tests/data/leadership). The round's token and secret are fixed here, so a form written once
from this setup is still genuine for every fresh test database built by ``build``.

Regenerate the files (only if the form's layout changes) with
``python tests/leadership_fixture.py``: it writes the forms, fills them in with openpyxl as a
school office would, and has LibreOffice (``soffice --headless``) open and save each one as
.xlsx and .ods, the way a school using LibreOffice sends them back.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

DATA = Path(__file__).parent / "data" / "leadership"
YEAR = "2026/27"
TOKEN = "f1x7ure0round001"
SECRET = "5e" * 32
URN, OTHER_URN = 900900, 900901
HEAD = "Mrs Amelia Smith"


def build():
    """The partnership on the open database: two schools, a head, the started round."""
    from ittdesk.models import ConfirmationRound, RoundSchool
    from ittdesk.services.people import people, roles
    from ittdesk.services.schools import schools

    school = schools.create({"urn": URN, "name": "Larkspur Primary School", "phase": "primary",
                             "partnership_status": "partner", "postcode": "LS1 4AB",
                             "email": "office@larkspur.example.org"})
    other = schools.create({"urn": OTHER_URN, "name": "Hollins Green Academy",
                            "phase": "secondary", "partnership_status": "partner"})
    head = people.create({"title": "Mrs", "first_name": "Amelia", "last_name": "Smith",
                          "email": "a.smith@larkspur.example.org"})
    roles.create({"person": head.id, "school": school.id, "kind": "headteacher",
                  "start_date": date(2019, 9, 1)})
    round_ = ConfirmationRound.create(academic_year=YEAR, token=TOKEN, secret=SECRET,
                                      started_on=date(2026, 6, 1), return_by=date(2026, 7, 10))
    for s in (school, other):
        RoundSchool.create(round=round_, school=s, written_on=date(2026, 6, 1))
    return round_, school, other


def _fill(path: Path, *, head_name: str | None = None) -> None:
    """Answers in the yellow cells; ``head_name`` also types over the pre-filled head's name."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["Leadership form"]
    col_a = {str(ws.cell(r, 1).value or ""): r for r in range(1, ws.max_row + 1)}
    head_row = col_a["Headteacher"]
    if head_name:
        ws.cell(head_row, 2).value = head_name
        ws.cell(head_row, 4).value = "No - has left this post"
        ws.cell(head_row, 5).value = date(2026, 8, 31)
    else:
        ws.cell(head_row, 4).value = "Yes"
    ws.cell(col_a["Postcode"], 3).value = "No"
    ws.cell(col_a["Postcode"], 4).value = "LS1 4AD"
    hosting = next(r for t, r in col_a.items() if t.startswith("4. Hosting"))
    ws.cell(hosting + 1, 2).value = "Actively looking to host trainees"
    ws.cell(hosting + 4, 2).value = 2
    done = next(r for t, r in col_a.items() if t.startswith("5. Completed by"))
    ws.cell(done + 1, 2).value = "Pat Office"
    ws.cell(done + 2, 2).value = "School business manager"
    ws.cell(done + 3, 2).value = date(2026, 6, 20)
    wb.save(path)


def main() -> None:  # pragma: no cover - run by hand to regenerate the files
    import shutil
    import subprocess
    import tempfile

    from ittdesk import db
    from ittdesk.leadership import forms

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db.open_database(work / "fixture.sqlite3", daily_backup=False)
        round_, school, _other = build()
        written = work / "written"
        written.mkdir()
        forms.build_workbook(forms.form_content(round_, school)).save(written / "answers.xlsx")
        shutil.copy(written / "answers.xlsx", written / "head typed over.xlsx")
        _fill(written / "answers.xlsx")
        _fill(written / "head typed over.xlsx", head_name="Mr Benedict Jones")
        DATA.mkdir(parents=True, exist_ok=True)
        for fmt in ("xlsx", "ods"):
            out = work / fmt
            subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/profile",
                            "--headless", "--convert-to", fmt, "--outdir", str(out),
                            *sorted(str(p) for p in written.glob("*.xlsx"))], check=True)
            for made in out.iterdir():
                shutil.copy(made, DATA / f"libreoffice {made.name}")
        db.close_database()


if __name__ == "__main__":  # pragma: no cover
    main()
