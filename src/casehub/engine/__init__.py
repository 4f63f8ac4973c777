"""The pure rules engine: facts in, statuses and monthly payment decisions out.

Pure: no I/O, no ORM, no tortoise import — the API, the sweep and the tests call
`evaluate` with plain values and a loaded `Policy`. See docs/ENGINE.md.
"""

from casehub.engine.evaluate import evaluate, key_group_flags
from casehub.engine.facts import CaseFacts, EntitlementFacts, EventFacts, Payment, PersonFacts
from casehub.engine.months import month_index, month_start
from casehub.engine.results import (
    BackPayOutcome,
    CaseResult,
    EntitlementResult,
    EntitlementStatus,
    MonthDecision,
    Overpayment,
    PaymentAction,
    Reason,
    StatusPeriod,
    SuspensionCause,
    WithheldMonth,
)
from casehub.engine.timeline import effective_events, withdrawn_ids
from casehub.engine.wages import DependantAmount, WageBreach, WageBreachCode, check_dependant_amounts

__all__ = [
    "BackPayOutcome",
    "CaseFacts",
    "CaseResult",
    "DependantAmount",
    "EntitlementFacts",
    "EntitlementResult",
    "EntitlementStatus",
    "EventFacts",
    "MonthDecision",
    "Overpayment",
    "Payment",
    "PaymentAction",
    "PersonFacts",
    "Reason",
    "StatusPeriod",
    "SuspensionCause",
    "WageBreach",
    "WageBreachCode",
    "WithheldMonth",
    "check_dependant_amounts",
    "effective_events",
    "evaluate",
    "key_group_flags",
    "month_index",
    "month_start",
    "withdrawn_ids",
]
