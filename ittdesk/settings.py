"""Provider settings kept in the database, shared by everyone who uses it.

Every option is declared once here with its default; ``get`` falls back to that default, so a
new option needs no migration.
"""

from __future__ import annotations

import json
from typing import Any

from .models import Setting

DEFAULTS: dict[str, Any] = {
    "provider_name": "Your teacher-training provider",
    "provider_address": "",
    "provider_logo": "",  # path to an image file
    "provider_ukprn": "",
    "backup_keep": 14,
    "mentor_refresher_months": 24,
    "cohort_nearly_full_places": 2,
    "reports_due_days": 30,
    # Retention schedule (ittdesk/privacy/retention.py): whole years, changeable by the DPO.
    "retention_trainee_years": 6,
    "retention_applicant_years": 1,
    "retention_school_role_years": 6,
    "retention_agreement_years": 6,
    "retention_contact_years": 2,
}

DESCRIPTIONS: dict[str, str] = {
    "provider_name": "Provider name printed on agreements and returns",
    "provider_address": "Provider address printed on agreements",
    "provider_logo": "Logo image printed on agreements",
    "provider_ukprn": "UK provider reference number",
    "backup_keep": "How many automatic backups to keep",
    "mentor_refresher_months": "Months after which mentor training needs a refresher",
    "cohort_nearly_full_places": "A cohort with this many places left or fewer is nearly full",
    "reports_due_days": "Impact reports due within this many days need attention",
    "retention_trainee_years": "Years trainee and participant records are kept after the course ends",
    "retention_applicant_years": "Years applicants who never enrolled are kept after the course started",
    "retention_school_role_years": "Years mentor and school staff records are kept after their last role",
    "retention_agreement_years": "Years people named in support agreements are kept after the agreement ends",
    "retention_contact_years": "Years other contacts are kept after their record last changed",
}


def get(key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"Unknown setting '{key}'")
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else DEFAULTS[key]


def set(key: str, value: Any) -> None:  # noqa: A001 - reads naturally as settings.set
    if key not in DEFAULTS:
        raise KeyError(f"Unknown setting '{key}'")
    expected = type(DEFAULTS[key])
    if expected is int:
        value = int(value)
    payload = json.dumps(value)
    from . import audit

    old = get(key)
    with Setting._meta.database.atomic():
        updated = Setting.update(value=payload).where(Setting.key == key).execute()
        if not updated:
            Setting.create(key=key, value=payload)
        audit.record("setting", None, "update", {key: [old, value]})


def all_settings() -> dict[str, Any]:
    stored = {row.key: json.loads(row.value) for row in Setting.select()}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}
