"""Deterministic synthetic data for the benchmarks: files (xlsx, CSV) and SQLite databases.

Everything is made from the scale and the seed, so two runs on any machine measure the same
bytes. Files are cached under ``<out>/<scale key>/`` (never committed) and rebuilt when the
generator version changes. Databases are built fast and directly — one transaction of plain
``executemany`` on a freshly migrated database — because the imports are what is measured, not
the generator.

What is built for a scale (``paths(scale, out)`` names them):

- ``gias.xlsx`` / ``gias.csv`` — N schools x all 139 GIAS columns; the CSV in Windows-1252.
- ``enrolments.xlsx`` — one row per enrolment with its first placement, under a title row.
- ``la_template.xlsx`` — an LA's own return template: title rows, logo, styled header, a
  totals row with formulas, a data validation, frozen panes.
- ``empty.sqlite3`` — migrated, no records (copied for every import).
- ``base.sqlite3`` — schools, programmes, cohorts, heads and mentors (the enrolment import's
  target: the trainees in ``enrolments.xlsx`` are not in it).
- ``full.sqlite3`` — base plus the trainees, their enrolments and placements (lists, returns,
  start-up, memory).
- ``template.sqlite3`` — base with a partnership status on the first ``template_rows`` schools
  only, so the partnership return filling the LA template has exactly that many rows.
- ``demo.sqlite3`` — the app's own demo partnership (``ittdesk.demo``), for the printed
  agreement (its support agreements print on 2-3 A4 pages).
"""

from __future__ import annotations

import csv
import os
import random
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .gias import FIRST, GIAS_COLUMNS, LAST, school_rows
from .scales import SEED, Scale
from .xlsxraw import write_xlsx

PROGRAMMES = [("Primary SCITT", "itt"), ("Secondary SCITT", "itt"),
              ("NPQ for Headship", "leadership"), ("Early Career Mentor Training", "cpd")]
YEARS = list(range(2020, 2027))  # 2020/21 .. 2026/27
SUBJECTS = ["Primary", "Mathematics", "English", "Physics", "Chemistry", "Biology", "Computing",
            "Geography", "History", "Modern languages", "Music", "Physical education"]
ROUTES = ["provider_led_postgrad", "school_direct_tuition_fee", "school_direct_salaried",
          "provider_led_undergrad", "iqts", "assessment_only"]
ROUTE_WEIGHTS = [50, 15, 15, 10, 5, 5]
PLACEMENT_STATUSES_NOW = ["completed", "in_progress", "confirmed", "proposed"]
STATUSES = ["enrolled", "completed", "withdrawn", "deferred", "offered", "applied"]
STATUS_WEIGHTS = [45, 35, 6, 3, 6, 5]
PARTNERSHIP = ["partner", "placement", "prospective", "former", "lead"]
PARTNERSHIP_WEIGHTS = [40, 40, 12, 7, 1]
ENROLMENT_HEADINGS = [
    "Trainee ID", "Title", "First name", "Last name", "Email", "TRN", "Programme", "Cohort",
    "Academic year", "Status", "Subject", "Home school URN", "Placement school URN",
    "Placement type", "Placement start", "Placement end", "Mentor email", "Withdrawal date",
]


@dataclass(frozen=True)
class Paths:
    folder: Path
    gias_xlsx: Path
    gias_csv: Path
    enrolments_xlsx: Path
    la_template: Path
    empty_db: Path
    base_db: Path
    full_db: Path
    template_db: Path
    demo_db: Path


def paths(scale: Scale, out: Path) -> Paths:
    folder = Path(out) / scale.key
    return Paths(folder, folder / "gias.xlsx", folder / "gias.csv", folder / "enrolments.xlsx",
                 folder / "la_template.xlsx", folder / "empty.sqlite3", folder / "base.sqlite3",
                 folder / "full.sqlite3", folder / "template.sqlite3", folder / "demo.sqlite3")


def ensure(scale: Scale, out: Path, log=print) -> Paths:
    """Build whatever is missing for ``scale``; returns the paths."""
    p = paths(scale, out)
    p.folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ITTDESK_DATA_DIR", str(Path(out) / "appdata"))
    world = World(scale)
    steps = [
        (p.gias_xlsx, lambda: write_xlsx(p.gias_xlsx, [list(GIAS_COLUMNS)] + world.gias,
                                         width=len(GIAS_COLUMNS), sheet_name="Establishments")),
        (p.gias_csv, lambda: write_gias_csv(p.gias_csv, world.gias)),
        (p.enrolments_xlsx, lambda: write_xlsx(
            p.enrolments_xlsx, [ENROLMENT_HEADINGS] + world.enrolment_sheet_rows(),
            width=len(ENROLMENT_HEADINGS), sheet_name="Trainees",
            title_rows=["Trainees and placements (all cohorts)", ""])),
        (p.la_template, lambda: write_la_template(p.la_template)),
        (p.empty_db, lambda: build_database(p.empty_db, world, "empty")),
        (p.base_db, lambda: build_database(p.base_db, world, "base")),
        (p.full_db, lambda: build_database(p.full_db, world, "full")),
        (p.template_db, lambda: build_template_database(p.base_db, p.template_db,
                                                        scale.template_rows)),
        (p.demo_db, lambda: build_demo_database(p.demo_db)),
    ]
    for target, build in steps:
        if target.exists():
            continue
        log(f"  generating {target.name} ({scale.name})")
        build()
    for target in (p.empty_db, p.base_db, p.full_db, p.template_db, p.demo_db):
        migrate_cached(target, log)
    return p


def migrate_cached(path: Path, log=print) -> None:
    """A cached database made before a schema change is migrated once, here, untimed: else
    every measured process opening a fresh copy would spend its figure migrating (migration
    14 builds the search index: seconds at the large scale)."""
    from ittdesk import db
    from ittdesk.sqlite_file import LATEST_SCHEMA, inspect_file

    version = inspect_file(path).schema_version
    if version is None or version >= LATEST_SCHEMA:
        return
    log(f"  migrating {path.name} from schema {version} to {LATEST_SCHEMA}")
    db.open_database(path, daily_backup=False)
    try:
        db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close_database()


def fresh_copy(source: Path, target: Path) -> Path:
    """A private copy of a generated database (closed, so the main file is complete)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


# -- the synthetic world ---------------------------------------------------------------------


class World:
    """Every record of a scale, made lazily and once (the same for files and databases)."""

    def __init__(self, scale: Scale, seed: int = SEED):
        self.scale = scale
        self.seed = seed
        self._gias: list[list[Any]] | None = None
        self._people: list[dict] | None = None
        self._enrolments: list[tuple[dict, list[dict]]] | None = None

    @property
    def gias(self) -> list[list[Any]]:
        if self._gias is None:
            self._gias = list(school_rows(self.scale.schools, self.seed))
        return self._gias

    @property
    def heads(self) -> int:
        return min(self.scale.schools, self.scale.people // 2)

    @property
    def mentors(self) -> int:
        return min(self.scale.schools // 3, (self.scale.people - self.heads) // 3)

    @property
    def people(self) -> list[dict]:
        if self._people is None:
            rng = random.Random(self.seed + 1)
            people = []
            for i in range(self.scale.people):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                ascii_name = (f"{first}.{last}".lower().replace("'", "").replace(" ", "")
                              .replace("ë", "e").replace("â", "a").replace("é", "e"))
                people.append({
                    "id": i + 1, "title": rng.choice(["Mr", "Mrs", "Ms", "Miss", "Dr", None]),
                    "first_name": first, "last_name": last,
                    "email": f"{ascii_name}.{i + 1}@example.org",
                    "phone": f"07700 9{i % 100000:05d}" if rng.random() < 0.5 else None,
                    "trn": f"{2000000 + i}" if i >= self.heads + self.mentors else None,
                    "erased": False,
                })
            self._people = people
        return self._people

    def schools(self) -> list[dict]:
        rng = random.Random(self.seed + 2)
        idx = {name: i for i, name in enumerate(GIAS_COLUMNS)}
        phases = {"Primary": "primary", "Secondary": "secondary", "All-through": "all_through",
                  "Not applicable": "not_applicable", "Nursery": "nursery"}
        result = []
        for n, row in enumerate(self.gias):
            type_name = row[idx["TypeOfEstablishment (name)"]]
            phase = phases.get(row[idx["PhaseOfEducation (name)"]])
            if "special" in type_name:
                phase = "special"
            elif "referral" in type_name:
                phase = "alternative_provision"
            phone = row[idx["TelephoneNum"]]
            result.append({
                "id": n + 1, "urn": row[0], "name": row[idx["EstablishmentName"]], "phase": phase,
                "establishment_type": type_name,
                "status": "closed" if row[idx["EstablishmentStatus (code)"]] == 2 else "open",
                "la_code": str(row[idx["LA (code)"]]), "la_name": row[idx["LA (name)"]],
                "trust": row[idx["Trusts (name)"]], "address1": row[idx["Street"]],
                "address2": row[idx["Locality"]], "town": row[idx["Town"]],
                "postcode": row[idx["Postcode"]], "phone": f"0{phone}" if phone else None,
                "website": row[idx["SchoolWebsite"]],
                "partnership_status": rng.choices(PARTNERSHIP, PARTNERSHIP_WEIGHTS)[0],
                "partnership_since": date(2012, 9, 1) + timedelta(days=rng.randint(0, 5000)),
                "leadership_confirmed_on": (date(2025, 9, 1) + timedelta(days=rng.randint(0, 400))
                                            if rng.random() < 0.6 else None),
            })
        return result

    def cohorts(self) -> list[dict]:
        result = []
        for year in YEARS:
            for p, (name, _kind) in enumerate(PROGRAMMES, start=1):
                result.append({
                    "id": len(result) + 1, "programme": p, "name": f"{name.split()[0]} {year}",
                    "academic_year": f"{year}/{(year + 1) % 100:02d}",
                    "start_date": date(year, 9, 1), "end_date": date(year + 1, 7, 20),
                    "places": 40 + 10 * p, "_year": year,
                })
        return result

    def roles(self) -> tuple[list[dict], list[dict]]:
        rng = random.Random(self.seed + 3)
        idx = {name: i for i, name in enumerate(GIAS_COLUMNS)}
        roles, training = [], []
        for s in range(self.heads):
            title = self.gias[s][idx["HeadPreferredJobTitle"]] or "Headteacher"
            roles.append({"person": s + 1, "school": s + 1, "kind": "headteacher",
                          "job_title": title,
                          "start_date": date(2010, 9, 1) + timedelta(days=rng.randint(0, 5000))})
        for m in range(self.mentors):
            person = self.heads + m + 1
            roles.append({"person": person, "school": (m * 3) % self.scale.schools + 1,
                          "kind": "mentor", "job_title": "Class teacher",
                          "start_date": date(2018, 9, 1) + timedelta(days=rng.randint(0, 2000)),
                          "subjects": rng.choice(SUBJECTS), "capacity": rng.randint(1, 3)})
            if m % 2 == 0:
                training.append({"person": person, "kind": "initial", "hours": 12.0,
                                 "completed_on": date(2024, 9, 1) + timedelta(days=rng.randint(0, 700)),
                                 "provided_by": "Moorside SCITT"})
        return roles, training

    def enrolments(self) -> list[tuple[dict, list[dict]]]:
        """(enrolment, [placements]) in id order.

        Enrolment ``i`` is person ``i`` (modulo the people), so at both scales every enrolment
        is a different person, as in a real cohort export; heads and mentors enrol too (NPQs,
        mentor training), so many rows of the enrolment file name people already on record.
        """
        if self._enrolments is None:
            rng = random.Random(self.seed + 4)
            ledger = random.Random(self.seed + 17)  # issue 17's fields: rng's stream unchanged
            cohorts = self.cohorts()
            people = self.scale.people
            result = []
            placement_id = 0
            for i in range(self.scale.enrolments):
                j, k = i % people, i // people
                cohort = cohorts[(k + j) % len(cohorts)]
                year = cohort["_year"]
                status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
                enrolment = {
                    "id": i + 1, "person": j + 1, "cohort": cohort["id"],
                    "status": status, "trainee_id": f"T{i + 1:07d}",
                    "subject": rng.choice(SUBJECTS),
                    "home_school": rng.randint(1, self.scale.schools),
                    "withdrawal_date": (date(year + 1, 1, 10) + timedelta(days=rng.randint(0, 150))
                                        if status == "withdrawn" else None),
                }
                route = ledger.choices(ROUTES, ROUTE_WEIGHTS)[0]
                enrolment["route"] = route if PROGRAMMES[cohort["programme"] - 1][1] == "itt" else None
                places = []
                for kind in (["main", "second"] if rng.random() < 0.3 else ["main"]):
                    placement_id += 1
                    start = date(year, 9, 8) + timedelta(days=rng.randint(0, 150))
                    mentor = self.heads + rng.randint(1, self.mentors) if self.mentors else None
                    places.append({"id": placement_id, "enrolment": i + 1,
                                   "school": rng.randint(1, self.scale.schools), "mentor": mentor,
                                   "kind": kind, "start_date": start,
                                   "end_date": start + timedelta(days=rng.randint(30, 120)),
                                   "subject": enrolment["subject"],
                                   # issue 17's ledger: past years done, this one under way;
                                   # most days left to the dates (the calendar counts them)
                                   "status": ("completed" if year < YEARS[-1] else
                                              ledger.choice(PLACEMENT_STATUSES_NOW)),
                                   "days_spent": (ledger.choice((40, 55, 70))
                                                  if ledger.random() < 0.2 else None)})
                result.append((enrolment, places))
            self._enrolments = result
        return self._enrolments

    def enrolment_sheet_rows(self) -> list[list[Any]]:
        people = self.people
        cohorts = {c["id"]: c for c in self.cohorts()}
        urns = [row[0] for row in self.gias]
        labels = {"main": "Main", "second": "Second / contrasting"}
        rows = []
        for enrolment, places in self.enrolments():
            person = people[enrolment["person"] - 1]
            cohort = cohorts[enrolment["cohort"]]
            first = places[0]
            mentor = people[first["mentor"] - 1]["email"] if first["mentor"] else None
            rows.append([
                enrolment["trainee_id"], person["title"], person["first_name"],
                person["last_name"], person["email"], person["trn"],
                PROGRAMMES[cohort["programme"] - 1][0], cohort["name"], cohort["academic_year"],
                enrolment["status"].capitalize(), enrolment["subject"],
                urns[enrolment["home_school"] - 1], urns[first["school"] - 1],
                labels[first["kind"]], first["start_date"], first["end_date"], mentor,
                enrolment["withdrawal_date"],
            ])
        return rows


# -- files -----------------------------------------------------------------------------------


def write_gias_csv(path: Path, rows: list[list[Any]]) -> None:
    """The GIAS extract as the DfE publishes it: Windows-1252, CRLF, minimal quoting."""
    from .gias import csv_text

    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(GIAS_COLUMNS)
        for row in rows:
            writer.writerow([csv_text(v) for v in row])
    tmp.replace(path)


LA_TEMPLATE_HEADINGS = ["DfE URN", "Name of school", "Phase of education", "Headteacher name",
                        "Number of trained mentors", "Trainees hosted", "ITaP placements",
                        "Date leadership confirmed"]


def write_la_template(path: Path) -> None:
    """An LA's own return template, the kind they e-mail out: made with openpyxl, once."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "ITT return"
    ws["A1"] = "Northmoor Council — Initial Teacher Training partnership return"
    ws["A1"].font = Font(bold=True, size=14, color="1F4E78")
    ws["A2"] = "Provider:"
    ws["A3"] = "Please complete one row per school and return by 31 March."
    ws["A3"].font = Font(italic=True)
    thin = Side(style="thin", color="999999")
    header_row = 5
    for c, heading in enumerate(LA_TEMPLATE_HEADINGS, start=1):
        cell = ws.cell(header_row, c, heading)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        ws.column_dimensions[cell.column_letter].width = 18 if c != 2 else 40
    first_data = header_row + 1
    total_row = first_data + 1
    for c in range(1, len(LA_TEMPLATE_HEADINGS) + 1):
        ws.cell(first_data, c).border = Border(left=thin, right=thin, bottom=thin)
    ws.cell(total_row, 1, "Total").font = Font(bold=True)
    for c in (5, 6, 7):
        letter = ws.cell(total_row, c).column_letter
        ws.cell(total_row, c, f"=SUM({letter}{first_data}:{letter}{first_data})").font = Font(bold=True)
    dv = DataValidation(type="list", formula1='"Primary,Secondary,Special,All-through,Not applicable"',
                        allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"C{first_data}:C{first_data}")
    ws.freeze_panes = f"A{first_data}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    try:
        from openpyxl.drawing.image import Image
        from PIL import Image as PILImage

        logo = path.with_name("la_logo.png")
        PILImage.new("RGB", (120, 40), (31, 78, 120)).save(logo)
        img = Image(str(logo))
        ws.add_image(img, "G1")
    except ImportError:
        pass
    notes = wb.create_sheet("Notes")
    notes["A1"] = "Guidance: trained mentors are those whose training is current."
    wb.save(path)


# -- databases -------------------------------------------------------------------------------


def _term_dates() -> list[dict]:
    """Six half-terms a year for every LA, each year of the generated cohorts."""
    rows = []
    for year in YEARS:
        for term, start, end in (("Autumn 1", (year, 9, 3), (year, 10, 23)),
                                 ("Autumn 2", (year, 11, 2), (year, 12, 18)),
                                 ("Spring 1", (year + 1, 1, 5), (year + 1, 2, 12)),
                                 ("Spring 2", (year + 1, 2, 22), (year + 1, 3, 26)),
                                 ("Summer 1", (year + 1, 4, 12), (year + 1, 5, 21)),
                                 ("Summer 2", (year + 1, 6, 1), (year + 1, 7, 21))):
            rows.append({"academic_year": f"{year}/{(year + 1) % 100:02d}", "la_code": None,
                         "term": term, "start_date": date(*start), "end_date": date(*end)})
    return rows


def _insert(conn, model, rows: list[dict]) -> None:
    """executemany ``rows`` into ``model``'s table, every column given (peewee defaults too)."""
    fields = model._meta.sorted_fields
    names = [f.column_name for f in fields]
    defaults = []
    for f in fields:
        default = f.default
        defaults.append(default() if callable(default) else default)
    keys = [f.name for f in fields]
    sql = (f'INSERT INTO "{model._meta.table_name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
           f'VALUES ({", ".join("?" for _ in names)})')

    def plain(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    from ittdesk.sortkeys import key_fields, with_keys

    if key_fields(model):  # names' sort keys, as every write of a name fills them in
        rows = (with_keys(model, r) for r in rows)
    conn.executemany(sql, ([plain(r.get(k, d)) for k, d in zip(keys, defaults, strict=True)]
                           for r in rows))


def build_database(path: Path, world: World, level: str) -> None:
    """A migrated SQLite database filled directly: ``empty``, ``base`` or ``full``."""
    from ittdesk import db
    from ittdesk.models import (
        Cohort,
        Enrolment,
        MentorTraining,
        Person,
        Placement,
        Programme,
        Role,
        School,
        TermDates,
        database,
    )

    tmp = path.with_name(path.name + ".part")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    db.open_database(tmp, daily_backup=False)
    try:
        if level != "empty":
            conn = database.connection()
            pool_start = world.heads + world.mentors
            people = world.people if level == "full" else world.people[:pool_start]
            roles, training = world.roles()
            with database.atomic():
                _insert(conn, School, world.schools())
                _insert(conn, Person, people)
                _insert(conn, Role, roles)
                _insert(conn, MentorTraining, training)
                _insert(conn, Programme, [{"id": i, "name": n, "kind": k}
                                          for i, (n, k) in enumerate(PROGRAMMES, start=1)])
                _insert(conn, Cohort, world.cohorts())
                if level == "full":
                    pairs = world.enrolments()
                    _insert(conn, Enrolment, [e for e, _p in pairs])
                    _insert(conn, Placement, [p for _e, places in pairs for p in places])
                    _insert(conn, TermDates, _term_dates())
    finally:
        db.close_database()
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.replace(path)


def build_template_database(base: Path, path: Path, rows: int) -> None:
    import sqlite3

    tmp = fresh_copy(base, path.with_name(path.name + ".part"))
    conn = sqlite3.connect(tmp)
    conn.execute("UPDATE school SET partnership_status = NULL WHERE id > ?", (rows,))
    conn.commit()
    conn.close()
    tmp.replace(path)


def build_demo_database(path: Path) -> None:
    from ittdesk import db
    from ittdesk.demo import build_demo

    tmp = path.with_name(path.name + ".part")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    db.open_database(tmp, daily_backup=False)
    try:
        build_demo(seed=SEED)
    finally:
        db.close_database()
    tmp.replace(path)
