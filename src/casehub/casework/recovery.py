"""Recovery of overpayments (R-PAY-4): cases opened by the sweep, repayments, waivers, instalments.

The sweep hands over every overpaid entitlement-month the engine found (with the
manual decisions applied); `record_overpayments` compares them with the items on
record and appends only the differences, so running it again changes nothing. An
overpayment that grows adds an item; one that falls away (its proving event
retracted, a manual decision approved) adds a negative item. New items join the
person's open case, or open one.

Repayments are recorded directly; waivers and instalment plans are manual decisions
and take effect only through four-eyes approval (`casehub.casework.approvals`).
Everything is integer fen and every change is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from casehub.audit import append_audit
from casehub.casework.vocabulary import CaseworkErrorCode as Code
from casehub.casework.vocabulary import RecoveryStatus, RepaymentMethod
from casehub.engine.months import add_months, month_index
from casehub.errors import ValidationError
from casehub.models import Instalment, InstalmentPlan, RecoveryCase, RecoveryItem, Repayment
from casehub.payroll.plan import Overpaid

OPEN_STATUSES = (RecoveryStatus.OPEN, RecoveryStatus.INSTALMENTS)


def derive_status(case: RecoveryCase, has_plan: bool) -> RecoveryStatus:
    """The status follows the figures (never set by hand)."""
    if case.outstanding_fen > 0:
        return RecoveryStatus.INSTALMENTS if has_plan else RecoveryStatus.OPEN
    if case.repaid_fen == 0 and case.waived_fen == 0:
        return RecoveryStatus.CANCELLED
    if case.repaid_fen == 0:
        return RecoveryStatus.WRITTEN_OFF
    return RecoveryStatus.SETTLED


async def _refresh_status(case: RecoveryCase, conn: BaseDBAsyncClient) -> None:
    has_plan = await InstalmentPlan.filter(case_id=case.id, active=True).using_db(conn).exists()
    status = derive_status(case, has_plan)
    if status is not case.status:
        case.status = status
        if status not in OPEN_STATUSES and case.settled_at is None:
            case.settled_at = dt.datetime.now(dt.UTC)
        elif status in OPEN_STATUSES:
            case.settled_at = None


@dataclass(frozen=True, slots=True)
class RecoveryChange:
    """What one sweep changed in one recovery case (for alerts and the report)."""

    case_id: int
    person_id: int
    opened: bool
    amount_fen: int  # the change to the amount due
    months: tuple[dt.date, ...]


async def record_overpayments(
    found: Sequence[Overpaid], *, month: dt.date, sweep_id: int | None, swept_all: bool = True
) -> list[RecoveryChange]:
    """Append the differences between `found` and the items on record; open cases as needed.

    `swept_all`: `found` covers every person, so recorded overpayments missing from it
    have fallen away.
    """
    current: dict[tuple[int, dt.date], Overpaid] = {(o.entitlement_id, o.month): o for o in found}
    async with in_transaction() as conn:
        recorded: dict[tuple[int, dt.date], int] = defaultdict(int)
        case_of: dict[tuple[int, dt.date], int] = {}
        query = RecoveryItem.all() if swept_all else RecoveryItem.filter(
            entitlement_id__in={k[0] for k in current}
        )
        for eid, b, amount, case_id in await query.using_db(conn).order_by("id").values_list(
            "entitlement_id", "benefit_month", "amount_fen", "case_id"
        ):
            recorded[(eid, b)] += amount
            case_of[(eid, b)] = case_id
        person_of_case = dict(
            await RecoveryCase.filter(id__in=set(case_of.values())).using_db(conn).values_list("id", "person_id")
        )
        deltas: dict[int, list[tuple[tuple[int, dt.date], int, Overpaid | None]]] = defaultdict(list)  # by person
        for key, o in current.items():
            delta = o.amount_fen - recorded.get(key, 0)
            if delta:
                deltas[o.person_id].append((key, delta, o))
        for key, amount in recorded.items():
            if key not in current and amount:
                deltas[person_of_case[case_of[key]]].append((key, -amount, None))
        if not deltas:
            return []
        open_cases = {
            c.person_id: c
            for c in await RecoveryCase.filter(person_id__in=list(deltas), status__in=OPEN_STATUSES)
            .using_db(conn)
            .order_by("id")
        }
        changes = []
        for person_id, items in sorted(deltas.items()):
            touched: dict[int, RecoveryCase] = {}
            per_case: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
            opened: set[int] = set()
            for key, delta, o in sorted(items, key=lambda t: t[0]):
                case = None
                if delta < 0 and key in case_of:  # falls away: the case that holds the month
                    cid = case_of[key]
                    case = touched.get(cid) or next((c for c in open_cases.values() if c.id == cid), None)
                    if case is None:
                        case = await RecoveryCase.get(id=cid).using_db(conn)
                else:
                    case = open_cases.get(person_id)
                    if case is None:
                        case = await RecoveryCase.create(
                            person_id=person_id, status=RecoveryStatus.OPEN, opened_month=month, using_db=conn
                        )
                        open_cases[person_id] = case
                        opened.add(case.id)
                touched[case.id] = case
                per_case[case.id].append((key[1], delta))
                await RecoveryItem.create(
                    case_id=case.id, entitlement_id=key[0], benefit_month=key[1],
                    paid_fen=o.paid_fen if o else 0, due_fen=o.due_fen if o else 0, amount_fen=delta,
                    rule=o.rule if o else "R-TL-1",
                    proof_event_id=o.event_ids[0] if o and o.event_ids else None,
                    proof_event_ids=list(o.event_ids) if o else [], known_since=o.known_since if o else None,
                    explanation=o.explanation if o else {"explanationEn": "the overpayment fell away",
                                                         "explanationZh": "多发情形已不存在（证据被撤回或人工决定）"},
                    found_month=month, sweep_id=sweep_id, using_db=conn,
                )
                case.amount_due_fen += delta
            for case in touched.values():
                await _refresh_status(case, conn)
                await case.save(using_db=conn)
                amount = sum(d for _, d in per_case[case.id])
                months = tuple(sorted({b for b, _ in per_case[case.id]}))
                await append_audit(
                    "OPEN_RECOVERY" if case.id in opened else "RECOVERY_ITEMS", "recovery_case", case.id,
                    actor_id=None, using=conn,
                    detail={"personId": person_id, "amountFen": amount, "months": [f"{m:%Y-%m}" for m in months],
                            "amountDueFen": case.amount_due_fen, "sweepId": sweep_id},
                )
                changes.append(RecoveryChange(case.id, person_id, case.id in opened, amount, months))
    return changes


async def record_repayment(
    case_id: int, *, amount_fen: int, paid_on: dt.date, method: RepaymentMethod, reference: str, staff_id: int
) -> Repayment:
    """A repayment received (or offset); never more than is outstanding. Audited."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError("amountFen", Code.NOT_POSITIVE, "a repayment is a whole number of fen above zero")
    async with in_transaction() as conn:
        case = await RecoveryCase.filter(id=case_id).using_db(conn).select_for_update().first()
        if case is None:
            raise ValidationError("recoveryCaseId", Code.NOT_FOUND, f"no recovery case {case_id}")
        if amount_fen > case.outstanding_fen:
            raise ValidationError(
                "amountFen", Code.EXCEEDS_OUTSTANDING,
                f"{amount_fen} fen is more than the {case.outstanding_fen} fen outstanding",
            )
        repayment = await Repayment.create(
            case_id=case.id, amount_fen=amount_fen, paid_on=paid_on, method=method, reference=reference,
            recorded_by_id=staff_id, using_db=conn,
        )
        case.repaid_fen += amount_fen
        await _refresh_status(case, conn)
        await case.save(using_db=conn)
        await append_audit(
            "RECORD_REPAYMENT", "recovery_case", case.id, actor_id=staff_id, using=conn,
            detail={"repaymentId": repayment.id, "amountFen": amount_fen, "paidOn": paid_on.isoformat(),
                    "method": method.value, "outstandingFen": case.outstanding_fen},
        )
    return repayment


def instalment_amounts(total_fen: int, instalments: int) -> list[int]:
    """Equal instalments in whole fen; the first ones carry the remainder, so they add up exactly."""
    base, extra = divmod(total_fen, instalments)
    return [base + (1 if i < extra else 0) for i in range(instalments)]


async def apply_waiver(case: RecoveryCase, amount_fen: int, conn: BaseDBAsyncClient) -> None:
    """Called by the approval of a RECOVERY_WAIVER, inside its transaction."""
    if amount_fen > case.outstanding_fen:
        raise ValidationError(
            "amountFen", Code.EXCEEDS_OUTSTANDING,
            f"{amount_fen} fen is more than the {case.outstanding_fen} fen outstanding now",
        )
    case.waived_fen += amount_fen
    await _refresh_status(case, conn)
    await case.save(using_db=conn)


async def apply_plan(plan: InstalmentPlan, case: RecoveryCase, conn: BaseDBAsyncClient) -> list[Instalment]:
    """Called by the approval of an INSTALMENT_PLAN: replaces any earlier plan."""
    await InstalmentPlan.filter(case_id=case.id, active=True).exclude(id=plan.id).using_db(conn).update(active=False)
    schedule = [
        await Instalment.create(
            plan_id=plan.id, seq=i + 1, due_month=add_months(plan.first_due_month, i), amount_fen=amount,
            using_db=conn,
        )
        for i, amount in enumerate(instalment_amounts(plan.total_fen, plan.instalments))
    ]
    await _refresh_status(case, conn)
    await case.save(using_db=conn)
    return schedule


@dataclass(frozen=True, slots=True)
class InstalmentState:
    seq: int
    due_month: dt.date
    amount_fen: int
    paid_fen: int
    overdue: bool


async def instalment_states(plan: InstalmentPlan, *, today: dt.date) -> list[InstalmentState]:
    """The schedule with repayments since the plan applied in due order; unpaid past months are overdue."""
    paid = sum(
        await Repayment.filter(case_id=plan.case_id, recorded_at__gte=plan.created_at).values_list(
            "amount_fen", flat=True
        )
    )
    out = []
    for inst in await Instalment.filter(plan_id=plan.id).order_by("seq"):
        share = min(paid, inst.amount_fen)
        paid -= share
        overdue = share < inst.amount_fen and month_index(inst.due_month) < month_index(today)
        out.append(InstalmentState(inst.seq, inst.due_month, inst.amount_fen, share, overdue))
    return out
