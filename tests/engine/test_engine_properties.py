"""Property tests over generated timelines (hypothesis): invariants every result must keep."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from engine_builders import NATIONAL_POLICY, POLICY, UTC
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casehub.domain import (
    CaseOutcome,
    Channel,
    CustodyMeasure,
    DependantChange,
    DependantRole,
    EventType,
    Penalty,
    Scheme,
)
from casehub.engine import (
    BackPayOutcome,
    CaseFacts,
    EntitlementFacts,
    EventFacts,
    Payment,
    PaymentAction,
    PersonFacts,
    evaluate,
)
from casehub.engine.months import month_index, month_start
from casehub.policy import Policy

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

FIRST_DAY = dt.date(2021, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
CASES = ["A", "B"]

_TYPES = (
    [EventType.CERTIFIED] * 8
    + [EventType.AMOUNT_CHANGED] * 2
    + [EventType.CUSTODY_STARTED] * 2
    + [EventType.CUSTODY_ENDED] * 2
    + [EventType.SENTENCED, EventType.SENTENCE_ENDED, EventType.DEPENDANT_CHANGED, EventType.DIED]
    + [EventType.REMINDER_SENT, EventType.CERTIFICATION_FAILED, EventType.RETRACTED, EventType.AMENDED]
)

dates = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)


@st.composite
def payloads(draw, type_: EventType, schemes: list[Scheme]) -> dict:
    if type_ in (EventType.CERTIFIED, EventType.CERTIFICATION_FAILED, EventType.REMINDER_SENT):
        return {"channel": draw(st.sampled_from(list(Channel))).value}
    if type_ == EventType.AMOUNT_CHANGED:
        return {"scheme": draw(st.sampled_from(schemes)).value, "monthly_amount_fen": draw(st.integers(1_000, 900_000))}
    if type_ == EventType.CUSTODY_STARTED:
        return {"measure": draw(st.sampled_from(list(CustodyMeasure))).value, "case_ref": draw(st.sampled_from(CASES))}
    if type_ == EventType.CUSTODY_ENDED:
        return {"outcome": draw(st.sampled_from(list(CaseOutcome))).value, "case_ref": draw(st.sampled_from(CASES))}
    if type_ == EventType.SENTENCED:
        return {
            "penalty": draw(st.sampled_from(list(Penalty))).value,
            "suspended": draw(st.booleans()),
            "outside_prison": draw(st.booleans()),
            "case_ref": draw(st.sampled_from(CASES)),
        }
    if type_ == EventType.SENTENCE_ENDED:
        return {"case_ref": draw(st.sampled_from(CASES))}
    if type_ == EventType.DEPENDANT_CHANGED:
        return {"change": draw(st.sampled_from(list(DependantChange))).value}
    return {}


@st.composite
def cases(draw) -> tuple[CaseFacts, dt.date, list[Payment], Policy]:
    """One person with one or two entitlements and up to 30 events, some recorded late,
    under the county or the national judicial profile."""
    n_ents = draw(st.integers(1, 2))
    entitlements = []
    for i in range(n_ents):
        scheme = draw(st.sampled_from(list(Scheme)))
        role = draw(st.sampled_from(list(DependantRole))) if scheme == Scheme.WORK_INJURY_LONG_TERM else None
        start = month_start(month_index(draw(st.dates(min_value=FIRST_DAY, max_value=dt.date(2024, 6, 30)))))
        entitlements.append(EntitlementFacts(i + 1, scheme, start, draw(st.integers(1_000, 900_000)), role))
    schemes = [e.scheme for e in entitlements]
    events: list[EventFacts] = []
    for i in range(draw(st.integers(0, 30))):
        type_ = draw(st.sampled_from(_TYPES))
        occurred = draw(dates)
        delay = draw(st.sampled_from([0, 0, 0, 1, 3, 30, 120, 400]))
        recorded = dt.datetime.combine(occurred, dt.time(9), UTC) + dt.timedelta(days=delay, seconds=i)
        corrects = None
        payload = draw(payloads(type_, schemes))
        if type_ in (EventType.RETRACTED, EventType.AMENDED):
            if not events:
                continue
            target = draw(st.sampled_from(events))
            corrects = target.id
            recorded = max(recorded, target.recorded_at + dt.timedelta(seconds=1))
            if type_ == EventType.AMENDED:
                payload = {"occurred_on": draw(dates).isoformat(), "reason": "typo"}
        entitlement_id = None
        if type_ in (EventType.CERTIFIED, EventType.DEPENDANT_CHANGED, EventType.AMOUNT_CHANGED) and draw(
            st.booleans()
        ):
            entitlement_id = draw(st.integers(1, n_ents))
        events.append(EventFacts(100 + i, type_, occurred, recorded, payload, corrects, entitlement_id))
    person = PersonFacts(1, draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2010, 12, 31))))
    as_of = draw(st.dates(min_value=dt.date(2022, 1, 1), max_value=LAST_DAY))
    payments = []
    for ent in entitlements:
        for i in range(month_index(ent.start_month), month_index(as_of) + 1):
            if draw(st.integers(0, 9)) < 8:
                payments.append(Payment(ent.id, month_start(i), ent.monthly_amount_fen))
    policy = draw(st.sampled_from([POLICY, NATIONAL_POLICY]))
    return CaseFacts(person, tuple(entitlements), tuple(events)), as_of, payments, policy


@PROPERTY_SETTINGS
@given(cases())
def test_exactly_one_decision_per_entitlement_month(generated):
    case, as_of, _, policy = generated
    res = evaluate(case, policy, as_of=as_of)
    for ent, out in zip(case.entitlements, res.entitlements, strict=True):
        expected = [month_start(i) for i in range(month_index(ent.start_month), month_index(as_of) + 1)]
        assert [dec.month for dec in out.decisions] == expected
        assert all(dec.entitlement_id == ent.id for dec in out.decisions)


@PROPERTY_SETTINGS
@given(cases())
def test_every_reason_renders_in_both_languages(generated):
    case, as_of, payments, policy = generated
    res = evaluate(case, policy, as_of=as_of, payments=tuple(payments))
    known = {e.id for e in case.events}
    for out in res.entitlements:
        reasons = {out.explanation}
        reasons.update(dec.reason for dec in out.decisions)
        reasons.update(p.reason for p in out.periods)
        reasons.update(w.reason for w in out.withheld)
        reasons.update(o.reason for o in out.overpayments)
        for r in reasons:
            assert r.explanation_zh and r.explanation_en and "{" not in r.explanation_en
            assert r.policy_version in {v.id for v in policy.versions}
            assert set(r.event_ids) <= known


@PROPERTY_SETTINGS
@given(cases())
def test_every_withheld_month_is_paid_back_exactly_once_or_says_why_not(generated):
    case, as_of, _, policy = generated
    for out in evaluate(case, policy, as_of=as_of).entitlements:
        withheld = {dec.month for dec in out.decisions if dec.action == PaymentAction.WITHHOLD}
        assert [w.month for w in out.withheld] == sorted(withheld)
        paid_back: dict[dt.date, int] = {}
        for dec in out.decisions:
            for month in dec.back_pay_months:
                paid_back[month] = paid_back.get(month, 0) + 1
        for w in out.withheld:
            if w.outcome == BackPayOutcome.PAID_BACK:
                assert paid_back.get(w.month) == 1
                assert out.decision_for(w.paid_in).action == PaymentAction.BACK_PAY
            else:
                assert w.month not in paid_back
                assert w.reason.explanation_en and w.reason.explanation_zh and w.reason.rule
        assert set(paid_back) <= withheld


@PROPERTY_SETTINGS
@given(cases())
def test_back_pay_equals_the_sum_of_the_withheld_months(generated):
    case, as_of, _, policy = generated
    for out in evaluate(case, policy, as_of=as_of).entitlements:
        amounts = {w.month: w.amount_fen for w in out.withheld}
        withheld_rates = {dec.month: dec.rate_fen for dec in out.decisions if dec.action == PaymentAction.WITHHOLD}
        assert amounts == withheld_rates
        for dec in out.decisions:
            if dec.action == PaymentAction.BACK_PAY:
                assert dec.back_pay_months
                assert dec.back_pay_fen == sum(amounts[month] for month in dec.back_pay_months)
                assert dec.amount_fen == dec.rate_fen + dec.back_pay_fen
            else:
                assert dec.back_pay_fen == 0 and dec.back_pay_months == ()
            if dec.action in (PaymentAction.WITHHOLD, PaymentAction.STOPPED, PaymentAction.ENDED):
                assert dec.amount_fen == 0


@PROPERTY_SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_event_order(generated, rnd):
    case, as_of, payments, policy = generated
    shuffled = list(case.events)
    rnd.shuffle(shuffled)
    other = dataclasses.replace(case, events=tuple(shuffled))
    assert evaluate(case, policy, as_of=as_of, payments=tuple(payments)) == evaluate(
        other, policy, as_of=as_of, payments=tuple(payments)
    )


@PROPERTY_SETTINGS
@given(cases(), dates)
def test_known_at_sees_only_what_was_recorded_by_then(generated, day):
    case, as_of, payments, policy = generated
    known_at = dt.datetime.combine(day, dt.time(12), UTC)
    seen = dataclasses.replace(case, events=tuple(e for e in case.events if e.recorded_at <= known_at))
    then = evaluate(case, policy, as_of=as_of, known_at=known_at, payments=tuple(payments))
    assert then.entitlements == evaluate(seen, policy, as_of=as_of, payments=tuple(payments)).entitlements
    assert then.known_at == known_at


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_retracting_an_event_is_the_same_as_never_recording_it(generated, data):
    case, as_of, payments, policy = generated
    if not case.events:
        return
    target = data.draw(st.sampled_from(case.events))
    later = max(e.recorded_at for e in case.events) + dt.timedelta(days=1)
    retraction = EventFacts(10_000, EventType.RETRACTED, later.date(), later, {"reason": "test"}, target.id)
    retracted = dataclasses.replace(case, events=(*case.events, retraction))
    never = dataclasses.replace(case, events=tuple(e for e in case.events if e.id != target.id))
    assert evaluate(retracted, policy, as_of=as_of, payments=tuple(payments)) == evaluate(
        never, policy, as_of=as_of, payments=tuple(payments)
    )


@PROPERTY_SETTINGS
@given(cases())
def test_nothing_is_payable_after_death(generated):
    case, as_of, payments, policy = generated
    res = evaluate(case, policy, as_of=as_of, payments=tuple(payments))
    if res.died_on is None:
        return
    death_m = month_index(res.died_on)
    for out in res.entitlements:
        for dec in out.decisions:
            if month_index(dec.month) > death_m:
                assert dec.action in (PaymentAction.ENDED,) and dec.amount_fen == 0
        assert all(w.paid_in is None or month_index(w.paid_in) <= death_m for w in out.withheld)
        overpaid = {o.month: o for o in out.overpayments}
        for p in payments:
            if p.entitlement_id == out.entitlement_id and month_index(p.month) > death_m:
                assert overpaid[p.month].amount_fen == p.amount_fen
                assert overpaid[p.month].reason.related_rules == ("R-DTH-5",)


@PROPERTY_SETTINGS
@given(cases())
def test_status_without_the_money_is_the_same_status(generated):
    """`months=False` (the projection's evaluation) drops the money and nothing else."""
    case, as_of, _, policy = generated
    whole = evaluate(case, policy, as_of=as_of)
    status = evaluate(case, policy, as_of=as_of, months=False)
    money = {"decisions": (), "withheld": (), "overpayments": ()}
    assert status == dataclasses.replace(whole, entitlements=tuple(
        dataclasses.replace(ent, **money) for ent in whole.entitlements
    ))  # fmt: skip


def test_payments_need_the_month_decisions():
    case = CaseFacts(PersonFacts(id=1, birth_date=dt.date(1950, 1, 1)), ())
    paid = [Payment(entitlement_id=1, month=FIRST_DAY, amount_fen=100)]
    with pytest.raises(ValueError, match="months=True"):
        evaluate(case, POLICY, as_of=LAST_DAY, payments=paid, months=False)
