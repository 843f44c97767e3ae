"""The keys the rows of one enrolments file claim, checked against each other while the file
is planned (:mod:`.import_enrolments` checks each row against the database): a unique key
(email, TRN, trainee + cohort) on two rows is refused row by row rather than left for the
database to refuse at apply, and a new trainee on several rows (same email, else TRN) is one
person with an enrolment per row.
"""

from __future__ import annotations

from typing import Any

from ..services.people import people
from . import import_common as C
from .import_base import AddedChanges, Item, Record, Refusal

Token = C.Token
#: A person's field -> its label, as refusals and an item's changes name it.
PERSON_LABELS = {f.name: f.label for f in people.fields}


class FileKeys:
    """The unique keys (email, TRN, person + cohort) the rows planned so far claim, so that a key
    on two rows of one file is refused in the plan, row by row, rather than failing at apply;
    and the new trainees planned so far, so that later rows naming one (by email, else TRN, as
    rows are matched to the database) add enrolments for that person rather than a second one.

    A token names a person: a database id, or ("new", row) for the row that adds them.
    """

    LABELS = {"email": "email", "trn": "TRN"}

    def __init__(self) -> None:
        self.owner: dict[tuple[str, Any], tuple[Token, int]] = {}  # (field, value) -> (token, row)
        self.new_by_key: dict[tuple[str, Any], Token] = {}  # (email|trn, value) -> token
        self.items: dict[Token, Item] = {}  # token of a new person -> the item that adds them
        self.pairs: dict[tuple[Token, int], int] = {}  # (token, cohort id) -> row

    def new_person(self, pvalues: dict[str, Any]) -> Token | None:
        token = None
        if pvalues.get("email"):
            token = self.new_by_key.get(("email", pvalues["email"]))
        if token is None and pvalues.get("trn"):
            token = self.new_by_key.get(("trn", pvalues["trn"]))
            # two emails with one TRN are two people (the TRN is refused), not one to merge
            if token is not None and pvalues.get("email") and self.items[token].payload[
                    "person"].get("email"):
                token = None
        return token

    def additions(self, token: Token, pvalues: dict[str, Any], record: Record,
                  columns: dict[str, str], refused: list[Refusal]) -> dict[str, Any] | None:
        """What this row adds to a new person an earlier row plans; None (refused) when the
        rows disagree about a value both give."""
        first = self.items[token]
        planned = first.payload["person"]
        added: dict[str, Any] = {}
        ok = True
        for k, v in pvalues.items():
            if v is None:
                continue
            old = planned.get(k)
            if old is None:
                added[k] = v
            elif not C.same_value(old, v):
                label = "TRN" if k == "trn" else PERSON_LABELS[k].lower()
                refused.append(Refusal(record.row, C.value_column(columns, k),
                                       f"the same trainee is on row {first.row} with {label} "
                                       f"'{old}': make the rows agree"))
                ok = False
        return added if ok else None

    def free(self, token: Token, claimed: dict[str, Any], record: Record,
             columns: dict[str, str], refused: list[Refusal]) -> bool:
        ok = True
        for name, value in claimed.items():
            owner = self.owner.get((name, value))
            if owner is not None and owner[0] != token:
                refused.append(Refusal(record.row, columns.get(name, ""),
                                       C.key_clash(self.LABELS[name], value, owner[1])))
                ok = False
        return ok

    def pair_free(self, token: Token, cohort_id: int, record: Record, columns: dict[str, str],
                  refused: list[Refusal]) -> bool:
        row = self.pairs.get((token, cohort_id))
        if row is None:
            return True
        column = columns.get("cohort") or columns.get("programme") or columns.get(
            "academic_year") or columns.get("start_date", "")
        refused.append(Refusal(record.row, column,
                               f"this trainee is also on row {row} in the same cohort: keep one"))
        return False

    def planned(self, token: Token, item: Item, row: int, cohort_id: int,
                claimed: dict[str, Any], additions: dict[str, Any] | None) -> None:
        """Record what a planned row claims; ``additions`` (for a new person an earlier row
        adds) go into that row's person."""
        if token == ("new", row):
            self.items[token] = item
        elif additions:
            first = self.items[token]
            if isinstance(first.changes, AddedChanges):  # made from the person: keep it as is
                first.changes.kept()
            first.changes.update({PERSON_LABELS[k]: (None, v) for k, v in additions.items()})
            first.payload["person"].update(additions)
        if token in self.items:
            for name, value in claimed.items():
                self.new_by_key.setdefault((name, value), token)
        for name, value in claimed.items():
            self.owner.setdefault((name, value), (token, row))
        self.pairs.setdefault((token, cohort_id), row)
