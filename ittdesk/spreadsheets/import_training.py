"""What the enrolments and placements imports share: the trainee columns, and helpers for
names, refusals and duplicate keys. The kinds themselves are in
:mod:`.import_enrolments` and :mod:`.import_placements`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from .. import fields as F
from . import import_common as C
from .import_base import BAD, ImportField, ImportKind, Record, Refusal

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
                    refused: list[Refusal], *, in_place: bool = False) -> dict[str, Any]:
    """The row's cells with the title, first and last names its full name gives (where it
    does not give both); a copy unless ``in_place`` (a plan that lets
    the row's cells go once parsed need not copy them first)."""
    raw = record.raw if in_place else dict(record.raw)
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


def refuse_duplicates(rows: Sequence[int], keys: Sequence[tuple[str, str, Sequence[Any]]],
                      columns: dict[str, str], refused: list[Refusal]) -> None:
    """Refuse every row whose key (trainee id, email in a cohort) is on another row too.

    ``rows``: the rows' numbers; ``keys``: (what the key is called, its field, the key on each
    row: a value, or a tuple whose first value is the key's own), a column per key. Refused
    in the order the keys were first seen (by row, then in ``keys``' order), each key's rows
    in file order. Each column is counted at once (``Counter``, in C): only the keys on two
    rows or more are looked at one by one (a dict entry and a tuple per key and row of
    100,000 enrolments cost more than the rest of the check)."""
    repeated: list[tuple[int, int, str, str, Any, list[int]]] = []
    for order, (what, column, values) in enumerate(keys):
        twice = {key for key, count in Counter(values).items()
                 if count > 1 and key and (not isinstance(key, tuple) or key[0])}
        if not twice:
            continue
        where: dict[Any, list[int]] = {}
        for i in [i for i, key in enumerate(values) if key in twice]:
            where.setdefault(values[i], []).append(i)
        repeated.extend((found[0], order, what, column, key, found) for key, found in where.items())
    for _first, _order, what, column, key, found in sorted(repeated, key=lambda r: r[:2]):
        numbers = sorted(rows[i] for i in found)  # rows may come out of file order
        shown = key[0] if isinstance(key, tuple) else key
        for row in numbers:
            refused.append(Refusal(row, columns.get(column, ""),
                                   f"{what} {shown} is on more than one row "
                                   f"({', '.join(map(str, numbers))}): keep one"))
