"""Register trainee teachers' CSV layouts, as its own code defines them.

Source: DFE-Digital/register-trainee-teachers (MIT), snapshot ce1126541c21; the samples and
their licence are in tests/data/register. Register reads a file by its header names (downcased)
and skips its own guidance rows, so the headers, their order, the guidance rows and the date
format are copied exactly; the rows are written the way Ruby's ``CSV.generate`` writes them
(UTF-8 with no byte order mark, which Register would read as part of the first header; ``\\n``
line ends; a field quoted only when it holds a comma, a quote or a line break).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from ..files import atomic_write
from ..spreadsheets.safe import is_formula_like

# -- app/models/reports/bulk_placement_report.rb + app/services/bulk_update/placements/config.rb
DEFAULT_NUM_PLACEMENTS = 2
MAX_PLACEMENTS = 5
PLACEMENT_HEADERS = ["TRN", "Trainee ITT start date",
                     *(f"Placement {i} URN" for i in range(1, MAX_PLACEMENTS + 1))]
_PLACEMENT_GUIDANCE = "If you do not know the placement school's URN, leave the cell empty."
PLACEMENT_GUIDANCE = [
    "Do not change this column",
    "Do not change this column",
    *(f"The URN of the trainee's {nth} placement school.\n{_PLACEMENT_GUIDANCE}"
      for nth in ("first", "second", "third", "fourth", "fifth")),
]
PLACEMENTS_FILE_NAME = "bulk-add-placements-prepopulated.csv"  # placements_controller.rb
MAX_UPLOAD_BYTES = 1024 * 1024  # placements/validate_file.rb, recommendations_uploads/ too

# -- app/models/reports/bulk_recommend_report.rb
DO_NOT_EDIT = "Do not edit"
DATE_GUIDANCE = ("For example, 20/7/2022\n"
                 "Delete row if the trainee's QTS or EYTS status is not changing")
HESA_ID = "HESA ID"
RECOMMEND_HEADERS = ["TRN", "Provider trainee ID", HESA_ID, "First names", "Last names",
                     "Training partner", "QTS or EYTS", "Route", "Phase", "Age range", "Subject",
                     "Date QTS or EYTS requirements met"]
#: Columns Register checks only when the file has them (``column_exists?``); the others are
#: the identifier, the names, the award and route (always known) and the date.
RECOMMEND_OPTIONAL = ("Provider trainee ID", HESA_ID, "Training partner", "Phase", "Age range",
                      "Subject")

# -- app/models/reports/trainees_report.rb: the trainee export (read by column name)
EXPORT_IDENTIFIERS = ("trn", "hesa_id", "first_names", "last_names", "date_of_birth")
NO_TRAINEES = "No trainee data to export"

# -- config/locales/en.yml activerecord.attributes.trainee.training_routes: the route as
# Register's files write it (trainee export ``course_training_route``, bulk recommend ``Route``).
ROUTE_WORDS = {
    "assessment_only": "Assessment only",
    "early_years_assessment_only": "Early years assessment only",
    "early_years_postgrad": "Early years graduate entry",
    "early_years_salaried": "Early years graduate employment based",
    "early_years_undergrad": "Early years undergraduate",
    "iqts": "International qualified teacher status (iQTS)",
    "provider_led_postgrad": "Primary and secondary (postgraduate)",
    "provider_led_undergrad": "Primary and secondary (undergraduate)",
    "school_direct_salaried": "School direct (salaried)",
    "school_direct_tuition_fee": "School direct (fee funded)",
    "pg_teaching_apprenticeship": "Teaching apprenticeship (postgraduate)",
    "hpitt_postgrad": "HPITT",
    "opt_in_undergrad": "Opt-in (undergraduate)",
    "teacher_degree_apprenticeship": "Teacher degree apprenticeship (salaried)",
}
#: config/initializers/training_routes.rb MINIMUM_PLACEMENTS: used only when a year has no
#: PlacementRule for the route (the provider's rules say how many Register wants).
MINIMUM_PLACEMENTS = {"iqts": 1, "assessment_only": 0, "early_years_assessment_only": 0}


def award_type(route: str | None) -> str:
    """TRAINING_ROUTE_AWARD_TYPE: EYTS for the early years routes, QTS for the rest."""
    return "EYTS" if (route or "").startswith("early_years") else "QTS"


def register_date(value: date) -> str:
    """``to_fs(:govuk_slash)``: 01/09/2025 (config/initializers/date_formats.rb)."""
    return value.strftime("%d/%m/%Y")


def safe(value: object) -> str:
    """A cell as text, formula-like text made text (the rule every ITT Desk file keeps)."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def write_csv(target: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              *, guidance: Sequence[str] | None = None) -> Path:
    """Write a Register CSV atomically: the header, Register's guidance row if it has one,
    the rows as given (None = an empty field). Values must already be text."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, lineterminator="\n")
            out.writerow(header)
            if guidance is not None:
                out.writerow(guidance)
            for row in rows:
                out.writerow(["" if v is None else v for v in row])

    return atomic_write(target, write)
