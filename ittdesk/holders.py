"""What "current" means for a post held at a school (a Role), said once for the whole app.

A role is **current** on a day when it has started (no start date, or start <= day) and has not
ended (no end date, or end >= day). A role that starts later is **future** (shown as "from
01/03/2027"); one that ended earlier is **past**. "Current" used to mean "no end date", so a head
appointed from 1 March showed as the head now while the head in post until 28 February showed as
past (issue 15). Every query, list, summary, return and form that says "now" asks this module.

``held(day)`` is the SQL condition; with no day it means today *when the query runs*, not when a
module-level list declaration was built (``Today`` renders ``clock.today()`` at SQL time), so a
list built at start-up still agrees with the clock the next morning and in tests that set it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from peewee import ColumnBase, Context, Expression

from . import clock
from .fields import format_date
from .models import Role


class Today(ColumnBase):
    """``clock.today()`` as an SQL parameter, read each time the query is turned into SQL."""

    def __sql__(self, ctx: Context) -> Context:
        rendered: Context = ctx.value(clock.today())  # Context.value gives the context back
        return rendered


def _day(day: date | None) -> Any:
    return Today() if day is None else day


def held(day: date | None = None, role: Any = Role) -> Expression:
    """SQL: ``role`` (the Role model or an alias of it) is held on ``day`` (default: today)."""
    on = _day(day)
    condition: Expression = ((role.start_date.is_null() | (role.start_date <= on))
                             & (role.end_date.is_null() | (role.end_date >= on)))
    return condition


def not_ended(day: date | None = None, role: Any = Role) -> Expression:
    """SQL: current or future on ``day`` — not ended yet. For what must not be overlooked or
    thrown away (a mentor starting next month can be chosen; retention keeps them)."""
    on = _day(day)
    condition: Expression = role.end_date.is_null() | (role.end_date >= on)
    return condition


def is_held(start: date | None, end: date | None, day: date | None = None) -> bool:
    """The same rule in Python, for a role already loaded."""
    on = day or clock.today()
    return (start is None or start <= on) and (end is None or end >= on)


def handover_end(started: date | None, on: date) -> date:
    """The end date of a holder's role when a new holder starts on ``on``: the day before, or
    the role's own start if that is later (a role never ends before it began). The one rule
    for a change of holder, whoever makes it: the change-holder dialog, the CLI, the yearly
    round (``roles.change_holder``) and the GIAS heads import."""
    end = on - timedelta(days=1)
    return started if started is not None and end < started else end


def is_future(start: date | None, day: date | None = None) -> bool:
    return start is not None and start > (day or clock.today())


def when(start: date | None, end: date | None, day: date | None = None) -> str:
    """How a holder's dates read beside their name: "from 01/03/2027" for a future holder,
    "until 28/02/2027" for a current one who is leaving, "" for an open-ended current one."""
    if is_future(start, day):
        return f"from {format_date(start)}"
    if end is not None and is_held(start, end, day):
        return f"until {format_date(end)}"
    return ""
