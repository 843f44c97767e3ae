"""What ITT Desk stores and where, in plain words: for the About box and anyone who asks.

``data_statement(location)`` is the one text; the About box shows it (HTML), the README says
the same. Kept here so the wording and the facts (paths, owner-only files) stay in one place.
"""

from __future__ import annotations

from html import escape

from ..db import Location


def data_statement(location: Location | None = None, *, html: bool = True) -> str:
    """Plain-language statement of the personal data held, where, and how it is protected."""
    if location is not None and location.kind == "sqlite":
        from ..paths import backups_dir

        where = (f"in the database file {location.display} and its automatic backups in "
                 f"{backups_dir()}, both readable by your user account only")
    elif location is not None:
        where = (f"on the PostgreSQL server {location.display}; its backups are the server "
                 "administrator's")
    else:
        where = "in the database and its backups"
    paragraphs = [
        "ITT Desk stores personal data about trainees, applicants, mentors, school leaders and "
        "system leaders: names, email addresses, phone numbers, teacher reference numbers, "
        "notes, roles, designations, mentor training, enrolments, placements and the people "
        "named in support agreements, with an audit trail of who changed what.",
        f"It is kept {where}, and in any export you save.",
        "Use full-disk encryption (BitLocker on Windows, FileVault on a Mac) on any laptop "
        "that holds it. A person's data can be exported or erased from their record, and the "
        "Retention review page lists what is past the provider's retention period.",
    ]
    if not html:
        return "\n\n".join(paragraphs)
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
