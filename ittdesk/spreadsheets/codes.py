"""DfE / HESA codes in trainee files, as words (resources/codes, see its README).

DfE's Register trainee teachers service writes routes, subjects, study modes and age ranges
as HESA codes (``'11``, ``'100225``, ``'13918``). An import stores the words a user knows
("Primary and Secondary Undergraduate Fee Funded", "Materials Science", "11 to 16"), never
the code; a value that is not a code is kept as given, and a code the list does not hold is
refused by the caller (it would otherwise be stored as digits).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

CODES = Path(__file__).resolve().parents[2] / "resources" / "codes"
LISTS = {
    "route": ("training_routes.csv", "a HESA training route code"),
    "subject": ("course_subjects.csv", "a HECoS subject code"),
    "study_mode": ("study_modes.csv", "a HESA study mode code"),
    "age_range": ("age_ranges.csv", "a HESA age range code"),
}


@cache
def table(kind: str) -> dict[str, str]:
    """code -> words for one list (read once per process)."""
    with (CODES / LISTS[kind][0]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return {row[0]: row[1] for row in rows[1:] if row}


def looks_like_code(value: object) -> bool:
    """A cell that is only digits (text or a whole number) is a code, not words."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and value.strip().isdigit()


def words(kind: str, value: object) -> object:
    """The words for a code of ``kind``; any other value as given. Raises ValueError for a
    code the list does not hold (its digits are not something to store)."""
    if not looks_like_code(value):
        return value
    text = str(value).strip()
    found = table(kind)
    # Spreadsheets drop leading zeros ('02' saved as 2): a route or study mode is two digits.
    name = found.get(text) or found.get(text.zfill(2))
    if name is None:
        raise ValueError(f"'{text}' is not {LISTS[kind][1]} DfE's Register uses")
    return name
