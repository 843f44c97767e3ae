"""Who held which post at a school when, and which schools lack a head or ITT champion now.

History is never overwritten: a change of holder ends the old role and starts a new one
(``services.people.roles.change_holder``), so the timeline is just the roles, ordered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from peewee import Function, ModelSelect

from .. import holders
from ..choices import HEAD_KINDS, LEADERSHIP_KINDS, ROLE_KINDS
from ..models import Person, Role, School
from ..services.people import leadership_history

# What the Home page means by "a school we work with".
ACTIVE_PARTNERSHIP = ("lead", "partner", "placement")


@dataclass(frozen=True)
class TimelineEntry:
    """One spell in a post; ``end`` None means the person holds it now."""

    role_id: int
    kind: str
    post: str  # "Headteacher"
    person_id: int
    person: str
    email: str | None
    job_title: str | None
    start: date | None
    end: date | None

    @property
    def current(self) -> bool:
        """Started and not yet ended today (``ittdesk.holders``): a head appointed for later is not."""
        return holders.is_held(self.start, self.end)

    @property
    def future(self) -> bool:
        return holders.is_future(self.start)


def timeline(school: School | int, kinds: tuple[str, ...] = LEADERSHIP_KINDS) -> list[TimelineEntry]:
    """Every spell in a leadership post at the school: posts in the usual order, oldest first."""
    order = {kind: i for i, kind in enumerate(kinds)}
    rows = [r for r in leadership_history(school) if r.kind in order]
    rows.sort(key=lambda r: (order[r.kind], r.start_date or date.min, r.id))
    return [
        TimelineEntry(role_id=r.id, kind=r.kind, post=ROLE_KINDS.label(r.kind),
                      person_id=r.person.id, person=r.person.full_name,
                      email=None if r.person.erased else r.person.email, job_title=r.job_title,
                      start=r.start_date, end=r.end_date)
        for r in rows
    ]


def holder_on(school: School | int, kind: str, on: date) -> TimelineEntry | None:
    """Who held ``kind`` at the school on a day (e.g. "who was head on 1 March 2022?")."""
    for entry in timeline(school, (kind,)):
        if (entry.start is None or entry.start <= on) and (entry.end is None or on <= entry.end):
            return entry
    return None


@dataclass(frozen=True)
class MissingLeadership:
    school_id: int
    urn: int
    name: str
    partnership_status: str | None
    missing: tuple[str, ...]  # role kinds with no current holder, e.g. ("itt_champion",)

    @property
    def missing_text(self) -> str:
        return ", ".join(ROLE_KINDS.label(k) for k in self.missing)


# (id, urn, name, partnership_status, has_head, has_champion), as _missing_query selects them
MissingRow = tuple[int, int, str, str, bool, bool]


def _missing_query(statuses: tuple[str, ...]) -> ModelSelect[School]:
    """Open partnership schools lacking a current head or ITT champion, as one SQL query.

    Selects (id, urn, name, partnership_status, has_head, has_champion); an executive
    headteacher or head of school counts as the school's head. Set-based (``EXISTS``
    subqueries on the role table), so nothing is loaded per school.
    """
    from peewee import fn

    def holder(kinds: tuple[str, ...]) -> Function:
        return fn.EXISTS(Role.select(Role.id).join(Person)
                         .where((Role.school == School.id) & holders.held()
                                & (Person.erased == False)  # noqa: E712
                                & Role.kind.in_(kinds)))

    has_head, has_champion = holder(HEAD_KINDS), holder(("itt_champion",))
    return (School.select(School.id, School.urn, School.name, School.partnership_status,
                          has_head, has_champion)
            .where(School.partnership_status.in_(statuses) & (School.status == "open")
                   & (~has_head | ~has_champion)))


def _missing(row: MissingRow) -> MissingLeadership:
    school_id, urn, name, status, has_head, has_champion = row
    missing = tuple(kind for kind, held in (("headteacher", has_head),
                                            ("itt_champion", has_champion)) if not held)
    return MissingLeadership(school_id, urn, name, status, missing)


def count_schools_without_head_or_champion(statuses: tuple[str, ...] = ACTIVE_PARTNERSHIP) -> int:
    """How many schools :func:`schools_without_head_or_champion` would return, counted in SQL."""
    return _missing_query(statuses).count()


def counted_schools_without_head_or_champion(
    limit: int, statuses: tuple[str, ...] = ACTIVE_PARTNERSHIP,
) -> tuple[int, list[MissingLeadership]]:
    """How many schools lack a head or champion, and the first ``limit`` of them by name, from
    one scan (the count a window over every matching row): Home asks for both, and counting
    and listing apart read every partnership school's roles twice."""
    from peewee import SQL, fn

    if limit < 1:
        return count_schools_without_head_or_champion(statuses), []
    query = (_missing_query(statuses)
             .select_extend(fn.COUNT(SQL("*")).over().alias("total"))
             .order_by(School.name_key, School.id).limit(limit))
    rows = list(cast("Iterable[tuple[Any, ...]]", query.tuples()))
    if not rows:
        return 0, []
    return int(rows[0][-1]), [_missing(cast("MissingRow", row[:-1])) for row in rows]


def schools_without_head_or_champion(
    statuses: tuple[str, ...] = ACTIVE_PARTNERSHIP, limit: int | None = None,
) -> list[MissingLeadership]:
    """Open schools in the partnership with no current headteacher or no current ITT champion.

    An executive headteacher or head of school counts as the school's head. One query, ordered
    by name; ``limit`` fetches only the first so many (the Home page), None all (the CLI).
    """
    query = _missing_query(statuses).order_by(School.name_key, School.id)
    if limit is not None:
        query = query.limit(limit)
    return [_missing(row) for row in cast("Iterable[MissingRow]", query.tuples())]


def appoint(school_id: int, kind: str, on: date | str | None, *, person_id: int | None = None,
            new_person: dict[str, Any] | None = None, job_title: str | None = None) -> Role:
    """A new holder of a post from ``on``: an existing person, or a new one created here.

    Every problem is reported at once (date, post, the new person's fields), before anything is
    written. One transaction: the person (if new) and the change of holder are made together, so
    a refused change leaves no stray person behind. The old holder's role ends the day before.
    """
    from .. import fields
    from ..errors import ValidationError
    from ..models.base import writing
    from ..services.people import people, roles

    errors: dict[str, str] = {}
    if kind not in ROLE_KINDS:
        errors["kind"] = "Choose the post"
    first_day: date | None = None
    try:
        first_day = fields.day(on)
    except ValueError as exc:
        errors["on"] = f"First day in post: {exc}"
    else:
        if first_day is None:
            errors["on"] = "First day in post is required"
    if person_id is None and not new_person:
        errors["person"] = "Choose who takes the post, or enter someone new"
    if person_id is None and new_person:
        try:
            people.prepare(new_person)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    assert first_day is not None  # refused above
    with writing():
        if person_id is None:
            assert new_person  # refused above
            person_id = people.create(new_person).id
        return roles.change_holder(school_id, kind, person_id, first_day, job_title=job_title)
