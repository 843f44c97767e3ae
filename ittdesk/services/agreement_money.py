"""Money on a support agreement: what was agreed and spent, in integer pence.

Its own module because both the service (``agreements``) and the status rules
(``agreement_lifecycle``: completing with money unspent) need it, and the service imports the
rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import fn

from ..errors import NotFoundError
from ..fields import format_money
from ..models import SpendEntry, SupportAgreement

__all__ = ["Funding", "funding", "spent_pence"]


def spent_pence(agreement: SupportAgreement | int) -> int:
    total = (SpendEntry.select(fn.COALESCE(fn.SUM(SpendEntry.amount_pence), 0))
             .where(SpendEntry.agreement == agreement).scalar())
    return int(total or 0)


@dataclass(frozen=True)
class Funding:
    """Money on an agreement, all in integer pence (exact); ``balance`` < 0 means overspent."""

    agreed: int
    spent: int

    @property
    def balance(self) -> int:
        return self.agreed - self.spent

    @property
    def over(self) -> bool:
        return self.spent > self.agreed

    def text(self) -> str:
        """'£1,000.00 agreed, £250.50 spent, £749.50 left' (or '... £20.00 over')."""
        tail = (f"{format_money(-self.balance)} over" if self.over
                else f"{format_money(self.balance)} left")
        return (f"{format_money(self.agreed)} agreed, {format_money(self.spent)} spent, "
                f"{tail}")


def funding(agreement: SupportAgreement | int) -> Funding:
    if isinstance(agreement, SupportAgreement):
        record = agreement
    else:
        found = SupportAgreement.get_or_none(SupportAgreement.id == agreement)
        if found is None:
            raise NotFoundError(f"No support agreement with id {agreement}")
        record = found
    return Funding(int(record.amount_agreed_pence or 0), spent_pence(record.id))
