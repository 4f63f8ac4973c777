"""Small builders for rules-engine tests: facts by hand, no database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from casehub.domain import DependantRole, EventType, Scheme
from casehub.engine import (
    CaseFacts,
    CaseResult,
    EntitlementFacts,
    EntitlementResult,
    EventFacts,
    Payment,
    PersonFacts,
    evaluate,
)
from casehub.policy import Policy, default_policy, load_policy

UTC = dt.UTC
POLICY = default_policy()
# The same policy under the national judicial profile (R-POL-3), for property tests.
NATIONAL_POLICY = Policy(
    "yangbi-national", tuple(dataclasses.replace(v, judicial_profile="national") for v in POLICY.versions)
)
SHIPPED_TOML = Path(__file__).resolve().parents[2] / "src" / "casehub" / "policy" / "yangbi.toml"

_ids = itertools.count(1000)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def m(text: str) -> dt.date:
    """A month, 'YYYY-MM' → its first day."""
    return dt.date.fromisoformat(text + "-01")


def at(text: str) -> dt.datetime:
    """A recorded_at: 'YYYY-MM-DD' (noon UTC) or a full ISO datetime."""
    if len(text) == 10:
        return dt.datetime.combine(d(text), dt.time(12), UTC)
    return dt.datetime.fromisoformat(text)


def ev(
    type_: EventType,
    occurred: str,
    payload: Mapping[str, Any] | None = None,
    *,
    recorded: str | None = None,
    id: int | None = None,
    corrects: int | None = None,
    entitlement_id: int | None = None,
) -> EventFacts:
    """An event recorded on the day it occurred unless `recorded` says otherwise."""
    return EventFacts(
        id=next(_ids) if id is None else id,
        type=type_,
        occurred_on=d(occurred),
        recorded_at=at(recorded or occurred),
        payload=dict(payload or {}),
        corrects=corrects,
        entitlement_id=entitlement_id,
    )


def certified(occurred: str, channel: str = "APP_SELF", **kw: Any) -> EventFacts:
    return ev(EventType.CERTIFIED, occurred, {"channel": channel}, **kw)


def died(occurred: str, **kw: Any) -> EventFacts:
    return ev(EventType.DIED, occurred, {}, **kw)


def pension(
    start: str = "2022-01", amount: int = 15_000, id: int = 1, scheme: Scheme = Scheme.RESIDENT_PENSION
) -> EntitlementFacts:
    return EntitlementFacts(id=id, scheme=scheme, start_month=m(start), monthly_amount_fen=amount)


def work_injury(
    start: str = "2022-01", amount: int = 200_000, id: int = 2, role: DependantRole | None = DependantRole.CHILD
) -> EntitlementFacts:
    return EntitlementFacts(
        id=id,
        scheme=Scheme.WORK_INJURY_LONG_TERM,
        start_month=m(start),
        monthly_amount_fen=amount,
        dependant_role=role,
    )


def person(birth: str = "1950-03-04", **kw: Any) -> PersonFacts:
    return PersonFacts(id=1, birth_date=d(birth), **kw)


def run(
    entitlements: list[EntitlementFacts] | EntitlementFacts,
    events: list[EventFacts],
    *,
    as_of: str,
    who: PersonFacts | None = None,
    known_at: str | None = None,
    payments: list[Payment] | tuple[Payment, ...] = (),
    policy: Policy = POLICY,
) -> CaseResult:
    if isinstance(entitlements, EntitlementFacts):
        entitlements = [entitlements]
    case = CaseFacts(who or person(), tuple(entitlements), tuple(events))
    return evaluate(case, policy, as_of=d(as_of), known_at=at(known_at) if known_at else None, payments=tuple(payments))


def one(result: CaseResult) -> EntitlementResult:
    (only,) = result.entitlements
    return only


def actions(result: EntitlementResult, start: str | None = None, end: str | None = None) -> dict[str, str]:
    """{'YYYY-MM': action} for the months in [start, end]."""
    out = {}
    for dec in result.decisions:
        key = f"{dec.month:%Y-%m}"
        if (start is None or key >= start) and (end is None or key <= end):
            out[key] = dec.action.value
        if dec.month.day != 1:  # pragma: no cover - guards the month convention
            raise AssertionError(dec)
    return out


def decision(result: EntitlementResult, month: str):
    found = result.decision_for(m(month))
    assert found is not None, month
    return found


def policy_with(tmp_path: Path, extra_toml: str) -> Policy:
    """The shipped policy plus a deployment folder holding `extra_toml` (more versions)."""
    (tmp_path / "10-local.toml").write_text(extra_toml, "utf-8")
    return load_policy(tmp_path)
