"""R-WID-3: work-injury dependants' amounts against the deceased worker's wage.

工伤保险条例 art. 39: 40 % of the worker's wage for the spouse, 30 % for each
other dependant, 10 % more for a lone elderly person or an orphan, and all of
them together never more than the wage. The percentages are policy data. Amounts
are recorded as decided; this only flags breaches. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from casehub.domain import DependantRole
from casehub.policy.model import Policy


class WageBreachCode(StrEnum):
    OVER_SHARE = "OVER_SHARE"  # one dependant above their percentage
    OVER_TOTAL = "OVER_TOTAL"  # all dependants together above the cap


@dataclass(frozen=True, slots=True)
class DependantAmount:
    entitlement_id: int
    role: DependantRole
    monthly_amount_fen: int
    lone_elderly_or_orphan: bool = False  # 孤寡老人或者孤儿: +10 %


@dataclass(frozen=True, slots=True)
class WageBreach:
    """One breach; `entitlement_id` is None for the total."""

    code: WageBreachCode
    entitlement_id: int | None
    amount_fen: int
    limit_fen: int
    percent: int
    rule: str
    policy_version: str
    explanation_zh: str
    explanation_en: str


def _percent_of(wage_fen: int, percent: int) -> int:
    """percent % of the wage, rounded half up to the fen."""
    return (wage_fen * percent * 2 + 100) // 200


def check_dependant_amounts(
    worker_wage_fen: int,
    dependants: Iterable[DependantAmount],
    policy: Policy,
    *,
    on: dt.date,
) -> list[WageBreach]:
    """Breaches of R-WID-3 for one deceased worker's dependants, with the version in force `on`."""
    version = policy.version_at(on)
    share = version.work_injury.wage_share
    breaches: list[WageBreach] = []
    total = 0
    for d in dependants:
        total += d.monthly_amount_fen
        percent = share.spouse_percent if d.role == DependantRole.SPOUSE else share.other_percent
        if d.lone_elderly_or_orphan:
            percent += share.lone_elderly_or_orphan_extra_percent
        limit = _percent_of(worker_wage_fen, percent)
        if d.monthly_amount_fen > limit:
            breaches.append(
                WageBreach(
                    WageBreachCode.OVER_SHARE,
                    d.entitlement_id,
                    d.monthly_amount_fen,
                    limit,
                    percent,
                    "R-WID-3",
                    version.id,
                    f"供养亲属抚恤金{_yuan(d.monthly_amount_fen)}元，超过工亡职工本人工资的"
                    f"{percent}%（{_yuan(limit)}元）。",
                    f"Dependant's amount CNY {_yuan(d.monthly_amount_fen)} is above {percent} % "
                    f"of the worker's wage (CNY {_yuan(limit)}).",
                )
            )
    cap = _percent_of(worker_wage_fen, share.total_cap_percent)
    if total > cap:
        breaches.append(
            WageBreach(
                WageBreachCode.OVER_TOTAL,
                None,
                total,
                cap,
                share.total_cap_percent,
                "R-WID-3",
                version.id,
                f"供养亲属抚恤金合计{_yuan(total)}元，超过工亡职工本人工资的"
                f"{share.total_cap_percent}%（{_yuan(cap)}元）。",
                f"Dependants' amounts total CNY {_yuan(total)}, above {share.total_cap_percent} % "
                f"of the worker's wage (CNY {_yuan(cap)}).",
            )
        )
    return breaches


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
