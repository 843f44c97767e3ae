"""The kinds of letter and the fields each may use: what a provider's Word template is checked
against (``check_template``, also by the provider settings' own check, which is why this is
apart from ``letters``: that module reads the settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RefusedError
from .docx_merge import unknown_fields

COMMON_FIELDS = ("date", "provider", "provider_address", "signatory", "recipient",
                 "recipient_address")
PLACEMENT_FIELDS = COMMON_FIELDS + ("trainee", "trainee_id", "school", "school_address",
                                    "mentor", "start_date", "end_date", "subject", "year_group",
                                    "cohort", "programme")
AGREEMENT_FIELDS = COMMON_FIELDS + ("school", "reference", "title", "academic_year",
                                    "start_date", "end_date", "amount", "responsibilities")


@dataclass(frozen=True)
class Kind:
    key: str  # also the setting letter_<key> and the shipped resources/letters/<key>.docx
    label: str
    fields: tuple[str, ...]


KINDS = {k.key: k for k in (
    Kind("placement_school", "Placement confirmation to the school", PLACEMENT_FIELDS),
    Kind("placement_mentor", "Placement confirmation to the mentor", PLACEMENT_FIELDS),
    Kind("placement_trainee", "Placement confirmation to the trainee", PLACEMENT_FIELDS),
    Kind("agreement", "Support agreement covering letter", AGREEMENT_FIELDS),
)}
ALL_FIELDS = tuple(dict.fromkeys(PLACEMENT_FIELDS + AGREEMENT_FIELDS))


def kind(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise RefusedError(f"'{key}' is not a kind of letter (one of: {', '.join(KINDS)})") \
            from None


def check_template(path: Path) -> None:
    """Refuse a file Word templates cannot be (not a .docx, damaged, a zip bomb) with
    ValueError (``settings.clean``'s way); a field no letter knows is refused by name."""
    try:
        unknown = unknown_fields(Path(path), ALL_FIELDS)
    except (RefusedError, OSError) as exc:
        raise ValueError(str(exc)) from None
    if unknown:
        raise ValueError(f"{Path(path).name} uses {{{unknown[0]}}}, which is not a field "
                         f"(fields: {', '.join('{' + f + '}' for f in ALL_FIELDS)})")
