"""The lists of schools and people: who and where, each list declared once.

Split from ``lists`` (the registry of every list) so that each area's declarations sit together;
``_full_name`` lives here because a person's name is this area's and other lists reuse it.
"""

from __future__ import annotations

from typing import Any

from peewee import Cast, ColumnBase, ModelSelect, fn

from .. import holders
from ..choices import (
    DESIGNATIONS,
    PARTNERSHIP_STATUSES,
    PHASES,
    ROLE_KINDS,
    SCHOOL_STATUSES,
)
from ..models import Designation, Person, Role, School
from ..role_sort import HeldSort
from . import Filter, ListColumn, ListQuery, SearchVia, choice_options, distinct_values


def _full_name(model: Any) -> ColumnBase:
    """A person's full name in SQL (``model``: Person or an alias of it)."""
    name: ColumnBase = model.first_name.concat(" ").concat(model.last_name)
    return name


def _full_name_key(model: Any) -> ColumnBase:
    """How a full name sorts (``_full_name``'s order, as people expect: ``ittdesk.sortkeys``).
    The keys hold no spaces, so the space between them sorts before any letter: "Ann Smith"
    comes before "Anna Bell", as first name then last name."""
    key: ColumnBase = model.first_name_key.concat(" ").concat(model.last_name_key)
    return key


# -- schools -------------------------------------------------------------------------------------

def _current_holder(kind: str, sort: bool = False) -> ModelSelect[Role]:
    """The school's current holder of ``kind`` by name (``sort``: by the name's sort key).

    The newest started first, then the newest role (two holders started the same day: the one
    recorded last, as the people list's current role has it): the order of ``role_school_current``
    walked backwards (migration 19), so each school's look-up reads no role it does not need
    and sorts nothing (schools by headteacher ~95 -> ~70 ms at the large scale)."""
    holder = Person.alias("holder")
    name = _full_name_key(holder) if sort else _full_name(holder)
    return (Role.select(name).join(holder, on=(Role.person == holder.id))
            .where((Role.school == School.id) & (Role.kind == kind) & holders.held())
            .order_by(Role.start_date.desc(nulls="LAST"), Role.id.desc()).limit(1))


SCHOOLS = ListQuery(
    name="schools",
    entity="school",
    model=School,
    columns=[
        ListColumn("name", "Name", School.name, width=260, sort=School.name_key),
        ListColumn("urn", "URN", School.urn, kind="number", width=80),
        ListColumn("phase", "Phase", School.phase, kind="choice", choices=PHASES, width=100),
        ListColumn("type", "Type", School.establishment_type, visible=False),
        ListColumn("la", "Local authority", School.la_name, width=120),
        ListColumn("trust", "Trust", School.trust, width=180),
        ListColumn("town", "Town", School.town, visible=False),
        ListColumn("postcode", "Postcode", School.postcode, width=85),
        ListColumn("partnership", "Partnership", School.partnership_status, kind="choice",
               choices=PARTNERSHIP_STATUSES, width=120),
        ListColumn("head", "Headteacher", _current_holder("headteacher"), width=160,
               sort=_current_holder("headteacher", sort=True)),
        ListColumn("champion", "ITT champion", _current_holder("itt_champion"), visible=False,
               sort=_current_holder("itt_champion", sort=True)),
        ListColumn("confirmed", "Leadership confirmed", School.leadership_confirmed_on, kind="date",
               width=110),
        ListColumn("status", "Status", School.status, kind="choice", choices=SCHOOL_STATUSES,
               width=70),
        ListColumn("email", "Email", School.email, visible=False),
        ListColumn("phone", "Phone", School.phone, visible=False),
    ],
    search=[School.name, Cast(School.urn, "TEXT"), School.postcode, School.email, School.town],
    search_index=(SearchVia("school"),),
    # The whole list by its current head or champion: each school's look-up reads the holder's
    # key off ``role_sort`` (no person row per school; "held today" decided as the query runs).
    stored_sorts={"head": HeldSort("school", "headteacher"),
                  "champion": HeldSort("school", "itt_champion")},
    filters=[
        Filter("la", "Local authority", lambda: distinct_values(School.la_name),
               lambda q, v: q.where(School.la_name == v)),
        Filter("phase", "Phase", choice_options(PHASES), lambda q, v: q.where(School.phase == v)),
        Filter("partnership", "Partnership", choice_options(PARTNERSHIP_STATUSES),
               lambda q, v: q.where(School.partnership_status == v)),
        Filter("trust", "Trust", lambda: distinct_values(School.trust),
               lambda q, v: q.where(School.trust == v)),
    ],
    default_sort="name",
)


# -- people --------------------------------------------------------------------------------------

def _current_role() -> ModelSelect[Role]:
    """The person's most recently started current role (the newest role of those started the
    same day). Its order is ``role_person_current``'s walked backwards (migration 19): each
    person's look-up reads that index alone and sorts nothing (the whole list by role ~115 ->
    ~65 ms at the large scale; a stored key would go stale as roles end)."""
    return (Role.select(Role.kind).where((Role.person == Person.id) & holders.held())
            .order_by(Role.start_date.desc(nulls="LAST"), Role.id.desc()).limit(1))


def _current_school(sort: bool = False) -> ModelSelect[Role]:
    """The school of the person's current role (``_current_role``'s, ties included: the same
    role, so the two columns never disagree) (``sort``: its key)."""
    at = School.alias("at")
    return (Role.select(at.name_key if sort else at.name).join(at, on=(Role.school == at.id))
            .where((Role.person == Person.id) & holders.held())
            .order_by(Role.start_date.desc(nulls="LAST"), Role.id.desc()).limit(1))


def _has_role(kind: str) -> ColumnBase:
    return fn.EXISTS(Role.select(Role.id).where((Role.person == Person.id) & (Role.kind == kind)
                                                & holders.held()))


def _has_designation(kind: str) -> ColumnBase:
    return fn.EXISTS(Designation.select(Designation.id).where((Designation.person == Person.id)
                                                              & (Designation.kind == kind)))


PEOPLE = ListQuery(
    name="people",
    entity="person",
    model=Person,
    columns=[
        ListColumn("last_name", "Last name", Person.last_name, width=140, sort=Person.last_name_key),
        ListColumn("first_name", "First name", Person.first_name, width=120,
               sort=Person.first_name_key),
        ListColumn("title", "Title", Person.title, visible=False, width=60),
        ListColumn("role", "Current role", _current_role(), kind="choice", choices=ROLE_KINDS,
               width=150),
        ListColumn("school", "School", _current_school(), width=240, sort=_current_school(True)),
        ListColumn("email", "Email", Person.email, width=240),
        ListColumn("phone", "Phone", Person.phone, visible=False),
        ListColumn("trn", "TRN", Person.trn, visible=False, width=80),
    ],
    search=[Person.first_name, Person.last_name, Person.email, Person.trn, Person.phone],
    search_index=(SearchVia("person"),),
    # The whole list by current school: each person's look-up reads the school's key off
    # ``role_sort`` (no school row per person; "held today" decided as the query runs).
    stored_sorts={"school": HeldSort("person")},
    scope=lambda q: q.where(Person.erased == False),  # noqa: E712 - SQL, not Python truth
    index_sorts=("last_name", "email"),  # person_last_name_key, person_email_lower
    scope_excluded=lambda: Person.select(Person.id).where(
        (Person.erased != False) | Person.erased.is_null()),  # noqa: E712
    filters=[
        Filter("role", "Role", choice_options(ROLE_KINDS), lambda q, v: q.where(_has_role(v))),
        Filter("designation", "Designation", choice_options(DESIGNATIONS),
               lambda q, v: q.where(_has_designation(v))),
    ],
    default_sort="last_name",
)

