"""What the enrolments and placements imports share: the trainee columns, and helpers for
names, refusals and duplicate keys. The kinds themselves are in
:mod:`.import_enrolments` and :mod:`.import_placements`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from .. import fields as F
from . import import_common as C
from .import_base import BAD, ImportField, ImportKind, Record, Refusal

#: A parsed row, (record, values...): the record first, so refusals can name its row.
Parsed = TypeVar("Parsed", bound=tuple[Any, ...])
#: (what the key is called, the key, its field) for one row, e.g. ("trainee ID", "T1", "trainee_id")
Key = tuple[str, Any, str]

AS_GIVEN = lambda v: v  # noqa: E731 - parsed later by the service's own field spec

#: What Register and HESA call a trainee's HESA ID (HUSID) and date of birth.
HESA_ID_SYNONYMS = ("HUSID", "HESA student identifier", "HESA unique student identifier",
                    "HESA number", "HESA ID number")
BIRTH_DATE_SYNONYMS = ("DOB", "D.O.B.", "Birth date", "Birthdate", "Date of birth (dd/mm/yyyy)")

TRAINEE_FIELDS = (
    ImportField("trainee_id", "Trainee ID", ("Provider Trainee ID", "Trainee id", "Student ID",
                                             "Trainee number", "Trainee reference", "Provider ID"),
                parse=AS_GIVEN),
    ImportField("first_name", "First name", ("First Names", "Forename", "Forenames", "Given name",
                                             "Trainee first name"), parse=AS_GIVEN),
    ImportField("last_name", "Last name", ("Last Name", "Last names", "Surname", "Family name",
                                           "Trainee surname", "Trainee last name"), parse=AS_GIVEN),
    ImportField("full_name", "Full name", ("Name", "Trainee name", "Trainee", "Student name",
                                           "Student"), parse=C.split_name),
    ImportField("email", "Email", ("E-mail", "Email address", "Trainee email", "Student email",
                                   "Trainee e-mail"), parse=F.email),
)


def with_split_name(kind: ImportKind, record: Record, columns: dict[str, str],
                    refused: list[Refusal]) -> dict[str, Any]:
    raw = dict(record.raw)
    if "full_name" in raw and not ("first_name" in raw and "last_name" in raw):
        split = kind.extra(record, "full_name", columns, refused)
        if split is not BAD and split is not None:
            if split[0]:
                raw.setdefault("title", split[0])
            raw.setdefault("first_name", split[1])
            raw.setdefault("last_name", split[2])
    return raw


def refuse_errors(record: Record, errors: Mapping[str, str], columns: dict[str, str],
                  refused: list[Refusal]) -> None:
    for name, message in errors.items():
        refused.append(Refusal(record.row, columns.get(name, ""), message.split(": ", 1)[-1]
                               if ": " in message else message))


def refuse_duplicates(parsed: Sequence[Parsed], keys_of: Callable[[Parsed], Iterable[Key]],
                      columns: dict[str, str], refused: list[Refusal]) -> None:
    """Refuse every row whose key (trainee id, email in a cohort) is on another row too."""
    # Each key's first row, and the rows of the keys that are on more than one: a list per
    # key (200,000 of them for 100,000 enrolments) only for the few that repeat. Refused in
    # the order the keys were first seen, each key's rows in file order.
    first: dict[Key, tuple[int, int]] = {}  # key -> (its first row, when it was first seen)
    more: dict[Key, list[int]] = {}
    for p in parsed:
        row = p[0].row
        for entry in keys_of(p):
            key = entry[1]
            if key and (not isinstance(key, tuple) or key[0]):
                seen = first.get(entry)
                if seen is None:
                    first[entry] = (row, len(first))
                elif entry in more:
                    more[entry].append(row)
                else:
                    more[entry] = [seen[0], row]
    for what, key, column in sorted(more, key=lambda entry: first[entry][1]):
        rows = more[(what, key, column)]
        if len(rows) > 1:
            shown = key[0] if isinstance(key, tuple) else key
            for row in rows:
                refused.append(Refusal(row, columns.get(column, ""),
                                       f"{what} {shown} is on more than one row "
                                       f"({', '.join(map(str, rows))}): keep one"))
