"""One test (at least) per rule id the rules engine decides, named after the rule."""

from __future__ import annotations

import datetime as dt

import pytest
from engine_builders import (
    POLICY,
    at,
    certified,
    d,
    decision,
    died,
    ev,
    m,
    one,
    pension,
    person,
    policy_with,
    run,
    work_injury,
)

from casehub.domain import (
    CaseOutcome,
    Channel,
    CustodyMeasure,
    DependantRole,
    EventType,
    KeyGroup,
    Penalty,
    Scheme,
)
from casehub.engine import (
    BackPayOutcome,
    DependantAmount,
    EntitlementStatus,
    Payment,
    PaymentAction,
    SuspensionCause,
    WageBreachCode,
    check_dependant_amounts,
    withdrawn_ids,
)
from casehub.engine.explain import ARTICLES
from casehub.idnumber import make_id_number, parse_id_number

PAY, WITHHOLD, BACK_PAY = PaymentAction.PAY, PaymentAction.WITHHOLD, PaymentAction.BACK_PAY
STOPPED, ENDED = PaymentAction.STOPPED, PaymentAction.ENDED

NATIONAL_2024 = """
[[versions]]
id = "national-2024"
effective = 2024-01-01
source = "deployment switches to the national treatment (R-POL-3)"
[versions.judicial]
profile = "national"
"""


def custody(occurred: str, measure: CustodyMeasure, case_ref: str = "C1", **kw):
    return ev(EventType.CUSTODY_STARTED, occurred, {"measure": measure, "case_ref": case_ref}, **kw)


def custody_ended(occurred: str, outcome: CaseOutcome, case_ref: str = "C1", **kw):
    return ev(EventType.CUSTODY_ENDED, occurred, {"outcome": outcome, "case_ref": case_ref}, **kw)


def sentenced(occurred: str, penalty: Penalty, *, suspended=False, outside_prison=False, case_ref="C1", **kw):
    payload = {"penalty": penalty, "suspended": suspended, "outside_prison": outside_prison, "case_ref": case_ref}
    return ev(EventType.SENTENCED, occurred, payload, **kw)


def amount(occurred: str, fen: int, scheme=Scheme.RESIDENT_PENSION, **kw):
    return ev(EventType.AMOUNT_CHANGED, occurred, {"scheme": scheme, "monthly_amount_fen": fen}, **kw)


# --- R-POL: policy versions -------------------------------------------------------------------


def test_r_pol_1_each_decision_names_the_version_in_force():
    res = one(run(pension("2021-06"), [certified("2023-06-20")], as_of="2023-09-15"))
    assert decision(res, "2021-06").reason.policy_version == "yangbi-2021"  # baseline before 2021-11
    assert decision(res, "2023-07").reason.policy_version == "yangbi-2021"
    assert decision(res, "2023-08").reason.policy_version == "yunnan-2023"
    assert POLICY.version_at(d("2023-07-31")).id == "yangbi-2021"
    assert POLICY.version_at(d("2023-08-01")).id == "yunnan-2023"


@pytest.mark.parametrize(
    ("scheme", "cert", "due"),
    [
        (Scheme.RESIDENT_PENSION, "2023-01-15", "2023-07-15"),  # falls before 2023-08-01: 6 months
        (Scheme.RESIDENT_PENSION, "2023-03-01", "2024-03-01"),  # lapses after 2023-08-01: 12 months
        (Scheme.AGENCY_PENSION, "2023-09-01", "2024-09-01"),
        (Scheme.WORK_INJURY_LONG_TERM, "2023-09-01", "2024-03-01"),  # work injury: 6 months
        (Scheme.WORK_INJURY_LONG_TERM, "2023-04-10", "2023-07-10"),  # 3 months under yangbi-2021
    ],
)
def test_r_pol_2_shipped_versions_change_the_cycles(scheme, cert, due):
    ent = pension("2022-01", scheme=scheme)
    res = one(run(ent, [certified(cert)], as_of=cert))
    assert res.next_due == d(due)
    assert res.overdue_from == d(due) + dt.timedelta(days=1)


def test_r_pol_2_a_deployment_adds_a_version_without_code(tmp_path):
    policy = policy_with(
        tmp_path,
        """
[[versions]]
id = "local-2025"
effective = 2025-01-01
source = "a county notice"
[versions.schemes.RESIDENT_PENSION]
cycle_months = 3
""",
    )
    assert [v.id for v in policy.versions] == ["yangbi-2021", "yunnan-2023", "local-2025"]
    assert policy.version("local-2025").schemes[Scheme.AGENCY_PENSION].cycle_months == 12  # inherited
    res = one(run(pension("2024-01"), [certified("2025-02-01")], as_of="2025-06-10", policy=policy))
    assert res.next_due == d("2025-05-01")
    assert decision(res, "2025-06").action == WITHHOLD
    assert decision(res, "2025-06").reason.policy_version == "local-2025"


def test_r_pol_3_county_profile_suspends_on_bail(tmp_path):
    events = [certified("2024-01-05"), custody("2024-02-10", CustodyMeasure.BAIL)]
    county = one(run(pension("2023-09"), events, as_of="2024-04-15"))
    assert decision(county, "2024-03").action == WITHHOLD
    national = one(run(pension("2023-09"), events, as_of="2024-04-15", policy=policy_with(tmp_path, NATIONAL_2024)))
    assert decision(national, "2024-03").action == PAY
    assert national.status == EntitlementStatus.ACTIVE


@pytest.mark.parametrize(
    "sentence",
    [
        {"penalty": Penalty.PUBLIC_SURVEILLANCE},
        {"penalty": Penalty.FIXED_TERM, "suspended": True},
        {"penalty": Penalty.FIXED_TERM, "outside_prison": True},
    ],
)
def test_r_pol_3_national_profile_keeps_non_custodial_sentences_paid_but_frozen(tmp_path, sentence):
    policy = policy_with(tmp_path, NATIONAL_2024)
    events = [
        certified("2024-01-05"),
        sentenced("2024-02-10", **sentence),
        amount("2024-06-01", 18_000),  # an adjustment during the sentence is not applied
    ]
    res = one(run(pension("2023-09"), events, as_of="2024-07-15", policy=policy))
    for month in ("2024-03", "2024-06", "2024-07"):
        dec = decision(res, month)
        assert (dec.action, dec.amount_fen) == (PAY, 15_000)
    assert decision(res, "2024-06").reason.rule == "R-POL-3"
    assert "national" in decision(res, "2024-06").reason.explanation_en
    county = one(run(pension("2023-09"), events, as_of="2024-07-15"))
    assert decision(county, "2024-03").action == WITHHOLD


# --- R-CYC: certification cycles --------------------------------------------------------------


def test_r_cyc_1_pension_due_six_months_after_certification():
    res = one(run(pension("2022-01"), [certified("2022-02-15")], as_of="2022-08-20"))
    assert res.last_certified_on == d("2022-02-15")
    assert res.next_due == d("2022-08-15")
    assert res.overdue_from == d("2022-08-16")
    assert res.is_overdue
    assert res.status == EntitlementStatus.ACTIVE  # overdue, but nothing withheld until September
    assert res.explanation.template == "status_overdue"
    assert res.remind_on == d("2022-08-15") - dt.timedelta(days=30)


def test_r_cyc_2_work_injury_due_three_months_after_certification():
    res = one(run(work_injury("2022-01", role=None), [certified("2022-02-15")], as_of="2022-06-10"))
    assert res.next_due == d("2022-05-15")
    assert decision(res, "2022-05").action == PAY
    assert decision(res, "2022-06").action == WITHHOLD


def test_r_cyc_3_rolling_cycle_from_start_then_from_each_certification():
    fresh = one(run(pension("2022-03"), [], as_of="2022-10-05"))
    assert fresh.next_due == d("2022-09-01")  # start date + 6 months
    assert fresh.status == EntitlementStatus.SUSPENDED
    assert fresh.explanation.template == "withhold_overdue"
    assert decision(fresh, "2022-09").action == PAY
    assert decision(fresh, "2022-10").action == WITHHOLD
    rolling = one(run(pension("2022-03"), [certified("2022-04-20")], as_of="2022-10-05"))
    assert rolling.next_due == d("2022-10-20")  # not a fixed calendar date
    assert decision(rolling, "2022-10").action == PAY


def test_r_cyc_3_month_end_certification_clamps_the_due_date():
    res = one(run(pension("2022-01"), [certified("2022-08-31")], as_of="2022-09-01"))
    assert res.next_due == d("2023-02-28")


@pytest.mark.parametrize("channel", list(Channel))
def test_r_cyc_4_any_channel_counts(channel):
    events = [certified("2022-02-15"), certified("2022-08-10", channel.value)]
    res = one(run(pension("2022-01"), events, as_of="2022-12-31"))
    assert res.next_due == d("2023-02-10")
    assert all(dec.action == PAY for dec in res.decisions)


def test_r_cyc_5_one_certification_counts_for_every_entitlement():
    events = [certified("2022-02-15", entitlement_id=1)]
    res = run([pension("2022-01", id=1), work_injury("2022-01", id=2, role=None)], events, as_of="2022-03-01")
    assert res.entitlement(1).next_due == d("2022-08-15")
    assert res.entitlement(2).next_due == d("2022-05-15")


def test_r_cyc_5_policy_can_require_a_schemes_own_certification(tmp_path):
    policy = policy_with(
        tmp_path,
        """
[[versions]]
id = "own-2021"
effective = 2021-12-01
source = "test"
[versions.schemes.WORK_INJURY_LONG_TERM]
own_certification = true
""",
    )
    events = [certified("2022-02-15", entitlement_id=1)]
    ents = [pension("2022-01", id=1), work_injury("2022-01", id=2, role=None)]
    res = run(ents, events, as_of="2022-03-01", policy=policy)
    assert res.entitlement(1).next_due == d("2022-08-15")
    assert res.entitlement(2).next_due == d("2022-04-01")  # still from its start date
    own = run(ents, [*events, certified("2022-02-20", entitlement_id=2)], as_of="2022-03-01", policy=policy)
    assert own.entitlement(2).next_due == d("2022-05-20")


# --- R-SUS: suspension for overdue certification, back pay ------------------------------------


def test_r_sus_1_first_withheld_month_is_the_month_after_the_due_date():
    res = one(run(pension("2022-01"), [certified("2022-01-31")], as_of="2022-09-10"))
    assert res.next_due == d("2022-07-31")
    assert decision(res, "2022-07").action == PAY
    assert decision(res, "2022-08").action == WITHHOLD
    assert decision(res, "2022-08").reason.rule == "R-SUS-1"
    assert decision(res, "2022-08").reason.article == "Art. 10"
    assert res.status == EntitlementStatus.SUSPENDED
    assert res.causes == (SuspensionCause.OVERDUE_CERTIFICATION,)
    assert res.periods[-1].start == d("2022-08-01")
    assert [w.outcome for w in res.withheld] == [BackPayOutcome.PENDING, BackPayOutcome.PENDING]


def test_r_sus_1_late_certification_before_the_next_month_withholds_nothing():
    res = one(run(pension("2022-01"), [certified("2022-02-15"), certified("2022-08-25")], as_of="2022-12-01"))
    assert all(dec.action == PAY for dec in res.decisions)


def test_r_sus_1_work_injury_suspension_is_a_policy_option(tmp_path):
    ent = work_injury("2022-01", role=None)
    assert decision(one(run(ent, [], as_of="2022-06-10")), "2022-05").action == WITHHOLD
    policy = policy_with(
        tmp_path,
        """
[[versions]]
id = "no-wi-suspension"
effective = 2021-12-01
source = "test"
[versions.schemes.WORK_INJURY_LONG_TERM]
overdue_suspension = false
""",
    )
    res = one(run(ent, [], as_of="2022-06-10", policy=policy))
    assert all(dec.action == PAY for dec in res.decisions)
    assert res.is_overdue


def test_r_sus_2_back_pay_next_month():
    events = [certified("2022-02-15"), amount("2022-10-01", 16_000), certified("2022-11-03")]
    res = one(run(pension("2022-01"), events, as_of="2023-01-10"))
    assert [decision(res, x).action for x in ("2022-08", "2022-09", "2022-10", "2022-11", "2022-12")] == [
        PAY,
        WITHHOLD,
        WITHHOLD,
        WITHHOLD,  # the month of the certification is still withheld
        BACK_PAY,
    ]
    back = decision(res, "2022-12")
    assert back.back_pay_months == (m("2022-09"), m("2022-10"), m("2022-11"))
    assert back.back_pay_fen == 15_000 + 16_000 + 16_000  # R-PAY-2: at the rates of those months
    assert back.amount_fen == 16_000 + back.back_pay_fen  # with that month's normal payment
    assert back.reason.rule == "R-SUS-2"
    assert back.reason.event_ids == (events[2].id,)
    assert decision(res, "2023-01").action == PAY
    assert res.status == EntitlementStatus.ACTIVE
    assert {w.outcome for w in res.withheld} == {BackPayOutcome.PAID_BACK}
    assert {w.paid_in for w in res.withheld} == {m("2022-12")}


def test_r_sus_2_back_pay_scheduled_after_as_of():
    events = [certified("2022-02-15"), certified("2022-11-03")]
    res = one(run(pension("2022-01"), events, as_of="2022-11-20"))
    assert res.status == EntitlementStatus.ACTIVE
    assert {w.outcome for w in res.withheld} == {BackPayOutcome.SCHEDULED}
    assert {w.paid_in for w in res.withheld} == {m("2022-12")}


# --- R-JUD: judicial measures -----------------------------------------------------------------


@pytest.mark.parametrize("measure", list(CustodyMeasure))
def test_r_jud_1_custody_suspends_from_the_next_month(measure):
    events = [certified("2024-01-05"), custody("2024-02-10", measure)]
    res = one(run(pension("2023-09"), events, as_of="2024-04-15"))
    assert decision(res, "2024-02").action == PAY
    assert decision(res, "2024-03").action == WITHHOLD
    assert decision(res, "2024-03").reason.rule == "R-JUD-1"
    assert decision(res, "2024-03").reason.event_ids == (events[1].id,)
    assert res.status == EntitlementStatus.SUSPENDED
    assert res.causes == (SuspensionCause.JUDICIAL,)
    assert {w.outcome for w in res.withheld} == {BackPayOutcome.PENDING}


@pytest.mark.parametrize("penalty", list(Penalty))
def test_r_jud_1_sentences_suspend(penalty):
    events = [certified("2024-01-05"), sentenced("2024-02-10", penalty)]
    res = one(run(pension("2023-09"), events, as_of="2024-03-15"))
    assert decision(res, "2024-03").action == WITHHOLD


def test_r_jud_1_work_injury_benefit_is_not_suspended_by_custody():
    events = [certified("2024-01-05"), custody("2024-02-10", CustodyMeasure.ARREST)]
    res = one(run(work_injury("2023-10", role=None), events, as_of="2024-03-15"))
    assert decision(res, "2024-03").action == PAY


@pytest.mark.parametrize("outcome", [CaseOutcome.WITHDRAWN, CaseOutcome.NOT_PROSECUTED, CaseOutcome.ACQUITTED])
def test_r_jud_2_paid_back_when_the_case_ends_without_conviction(outcome):
    events = [
        certified("2024-01-05"),
        custody("2024-02-10", CustodyMeasure.CRIMINAL_DETENTION),
        custody("2024-03-05", CustodyMeasure.ARREST),  # a change of measure in the same case
        custody_ended("2024-04-20", outcome),
    ]
    res = one(run(pension("2023-09"), events, as_of="2024-05-31"))
    assert [decision(res, x).action for x in ("2024-02", "2024-03", "2024-04", "2024-05")] == [
        PAY,
        WITHHOLD,
        WITHHOLD,  # to the month in which it ends
        BACK_PAY,
    ]
    back = decision(res, "2024-05")
    assert back.back_pay_months == (m("2024-03"), m("2024-04"))
    assert back.reason.rule == "R-JUD-2"
    assert events[3].id in back.reason.event_ids
    assert res.status == EntitlementStatus.ACTIVE


def test_r_jud_2_months_of_a_sentence_served_are_not_paid_back():
    events = [
        certified("2023-12-20"),
        custody("2024-01-05", CustodyMeasure.ARREST),
        custody_ended("2024-03-10", CaseOutcome.CONVICTED),
        sentenced("2024-03-10", Penalty.CRIMINAL_DETENTION),
        amount("2024-05-01", 17_000),  # not applied: inside the sentence
        ev(EventType.SENTENCE_ENDED, "2024-05-20", {"case_ref": "C1"}),
        certified("2024-05-25"),
    ]
    res = one(run(pension("2023-09"), events, as_of="2024-07-10"))
    for month in ("2024-02", "2024-03", "2024-04", "2024-05"):
        assert decision(res, month).action == WITHHOLD
    assert {w.outcome for w in res.withheld} == {BackPayOutcome.NOT_PAID_BACK}
    assert {w.reason.rule for w in res.withheld} == {"R-JUD-2"}
    assert {w.reason.template for w in res.withheld} == {"wm_convicted", "wm_sentence"}
    june = decision(res, "2024-06")
    assert (june.action, june.amount_fen) == (PAY, 15_000)  # resumes at the amount before the sentence
    assert all(dec.action != BACK_PAY for dec in res.decisions)


def test_r_jud_2_custody_within_one_month_withholds_nothing():
    events = [
        certified("2024-01-05"),
        custody("2024-02-03", CustodyMeasure.CRIMINAL_DETENTION),
        custody_ended("2024-02-20", CaseOutcome.WITHDRAWN),
    ]
    res = one(run(pension("2023-09"), events, as_of="2024-04-01"))
    assert all(dec.action == PAY for dec in res.decisions)


def test_r_jud_3_death_while_serving_ends_the_entitlement():
    events = [certified("2024-01-05"), sentenced("2024-02-10", Penalty.FIXED_TERM), died("2024-06-03")]
    res = one(run(pension("2023-09"), events, as_of="2024-09-01"))
    assert res.status == EntitlementStatus.ENDED
    assert decision(res, "2024-06").action == WITHHOLD
    assert decision(res, "2024-07").action == ENDED
    assert {w.outcome for w in res.withheld} == {BackPayOutcome.NOT_PAID_BACK}


# --- R-WID: work-injury dependants ------------------------------------------------------------


def test_r_wid_1_age_18_from_id_birth_date():
    id_number = make_id_number("532922", d("2006-05-17"), 12)
    child = person(birth=parse_id_number(id_number).birth_date.isoformat())
    events = [certified("2024-04-02")]
    res = one(run(work_injury("2024-01"), events, as_of="2024-09-01", who=child))
    assert decision(res, "2024-05").action == PAY  # the birthday month is paid
    assert decision(res, "2024-06").action == STOPPED
    assert decision(res, "2024-06").reason.rule == "R-WID-1"
    assert decision(res, "2024-06").reason.event_ids == ()  # no event needed
    assert res.status == EntitlementStatus.STOPPED
    assert res.stopped_from == m("2024-06")
    assert res.next_due is None


@pytest.mark.parametrize(
    ("role", "change", "stops"),
    [
        (DependantRole.CHILD, "ADOPTED", True),
        (DependantRole.CHILD, "EMPLOYED", True),
        (DependantRole.CHILD, "ENLISTED", True),
        (DependantRole.SPOUSE, "REMARRIED", True),
        (DependantRole.CHILD, "REMARRIED", False),
        (DependantRole.SPOUSE, "EMPLOYED", False),
    ],
)
def test_r_wid_1_dependant_change_stops_from_the_next_month(role, change, stops):
    events = [certified("2024-01-10"), ev(EventType.DEPENDANT_CHANGED, "2024-02-14", {"change": change})]
    res = one(run(work_injury("2023-10", role=role), events, as_of="2024-03-20", who=person("2010-01-01")))
    assert decision(res, "2024-02").action == PAY
    assert decision(res, "2024-03").action == (STOPPED if stops else PAY)


def test_r_wid_1_change_for_another_entitlement_does_not_stop_this_one():
    events = [
        certified("2024-01-10"),
        ev(EventType.DEPENDANT_CHANGED, "2024-02-14", {"change": "EMPLOYED"}, entitlement_id=99),
    ]
    res = one(run(work_injury("2023-10"), events, as_of="2024-03-20", who=person("2010-01-01")))
    assert decision(res, "2024-03").action == PAY


def test_r_wid_2_a_stop_is_final_and_death_still_ends_it():
    events = [
        certified("2024-01-10"),
        ev(EventType.DEPENDANT_CHANGED, "2024-02-14", {"change": "EMPLOYED"}),
        certified("2024-04-01"),  # does not resume a stopped benefit
        died("2024-06-10"),
    ]
    res = one(run(work_injury("2023-10"), events, as_of="2024-08-01", who=person("2010-01-01")))
    assert [decision(res, x).action for x in ("2024-03", "2024-05", "2024-06", "2024-07")] == [
        STOPPED,
        STOPPED,
        STOPPED,
        ENDED,
    ]
    assert [p.status for p in res.periods] == [
        EntitlementStatus.ACTIVE,
        EntitlementStatus.STOPPED,
        EntitlementStatus.ENDED,
    ]


def test_r_wid_2_options_are_off_by_default_and_work_when_on(tmp_path):
    child = person("2006-05-17", unable_to_work=True, full_time_student_until=d("2026-07-01"))
    events = [certified("2024-04-02"), certified("2024-07-01")]
    default = one(run(work_injury("2024-01"), events, as_of="2024-09-01", who=child))
    assert decision(default, "2024-06").action == STOPPED
    exempt = policy_with(
        tmp_path,
        """
[[versions]]
id = "exempt"
effective = 2021-12-01
source = "test"
[versions.work_injury]
child_unable_to_work_exempt = true
""",
    )
    res = one(run(work_injury("2024-01"), events, as_of="2024-09-01", who=child, policy=exempt))
    assert decision(res, "2024-06").action == PAY
    (tmp_path / "10-local.toml").write_text(
        """
[[versions]]
id = "students"
effective = 2021-12-01
source = "test"
[versions.work_injury]
student_extension = true
""",
        "utf-8",
    )
    from casehub.policy import load_policy

    students = load_policy(tmp_path)
    student = person("2006-05-17", full_time_student_until=d("2024-07-15"))
    res = one(run(work_injury("2024-01"), events, as_of="2024-09-01", who=student, policy=students))
    assert decision(res, "2024-07").action == PAY
    assert decision(res, "2024-08").action == STOPPED
    assert decision(res, "2024-08").reason.rule == "R-WID-2"


def test_r_wid_3_amounts_checked_against_the_workers_wage():
    wage = 500_000
    ok = [
        DependantAmount(1, DependantRole.SPOUSE, 200_000),
        DependantAmount(2, DependantRole.CHILD, 150_000),
        DependantAmount(3, DependantRole.CHILD, 100_000, lone_elderly_or_orphan=False),
    ]
    assert check_dependant_amounts(wage, ok, POLICY, on=d("2024-01-01")) == []
    orphan = [DependantAmount(4, DependantRole.CHILD, 200_000, lone_elderly_or_orphan=True)]
    assert check_dependant_amounts(wage, orphan, POLICY, on=d("2024-01-01")) == []
    over = [DependantAmount(5, DependantRole.CHILD, 160_000)]
    (breach,) = check_dependant_amounts(wage, over, POLICY, on=d("2024-01-01"))
    assert (breach.code, breach.entitlement_id, breach.limit_fen, breach.percent) == (
        WageBreachCode.OVER_SHARE,
        5,
        150_000,
        30,
    )
    assert breach.rule == "R-WID-3" and "30" in breach.explanation_zh
    many = [DependantAmount(1, DependantRole.SPOUSE, 200_000)] + [
        DependantAmount(i, DependantRole.CHILD, 150_000) for i in (2, 3, 4)
    ]
    (total,) = check_dependant_amounts(wage, many, POLICY, on=d("2024-01-01"))
    assert (total.code, total.entitlement_id, total.amount_fen, total.limit_fen) == (
        WageBreachCode.OVER_TOTAL,
        None,
        650_000,
        500_000,
    )


# --- R-DTH-5: death ---------------------------------------------------------------------------


def test_r_dth_5_paid_up_to_and_including_the_month_of_death():
    death = died("2024-03-12")
    res = run(
        [pension("2023-09", id=1), work_injury("2023-10", id=2, role=None)],
        [certified("2024-01-05"), death],
        as_of="2024-06-01",
    )
    for ent in res.entitlements:  # a death ends every entitlement
        assert decision(ent, "2024-03").action == PAY
        assert decision(ent, "2024-04").action == ENDED
        assert decision(ent, "2024-04").reason.rule == "R-DTH-5"
        assert decision(ent, "2024-04").reason.event_ids == (death.id,)
        assert ent.status == EntitlementStatus.ENDED
        assert ent.ended_on == d("2024-03-12")
        assert ent.periods[-1].start == d("2024-03-12")
    assert res.died_on == d("2024-03-12")


def test_r_dth_5_ended_status_is_never_shown_as_suspended():
    events = [certified("2023-01-05"), died("2023-10-20")]  # overdue from 2023-07-06, suspended from August
    res = one(run(pension("2022-12"), events, as_of="2024-02-01"))
    assert res.status == EntitlementStatus.ENDED
    assert res.next_due is None
    assert [(p.status, p.start) for p in res.periods][-2:] == [
        (EntitlementStatus.SUSPENDED, d("2023-08-01")),
        (EntitlementStatus.ENDED, d("2023-10-20")),
    ]
    assert decision(res, "2023-11").action == ENDED
    assert {w.outcome for w in res.withheld} == {BackPayOutcome.NOT_PAID_BACK}
    assert {w.reason.rule for w in res.withheld} == {"R-DTH-5"}


# --- R-PAY: decisions, amounts, reasons, overpayments -----------------------------------------


def test_r_pay_1_exactly_one_decision_per_month_with_every_action():
    events = [
        certified("2022-02-15"),
        certified("2022-11-03"),  # Sep–Nov withheld, December back pay
        ev(EventType.DEPENDANT_CHANGED, "2023-02-10", {"change": "EMPLOYED"}, entitlement_id=2),
        died("2023-06-01"),
    ]
    res = run(
        [pension("2022-01", id=1), work_injury("2022-01", id=2)], events, as_of="2023-08-31", who=person("2000-01-01")
    )
    seen = set()
    for ent in res.entitlements:
        months = [dec.month for dec in ent.decisions]
        assert months == [m(f"{y}-{mo:02d}") for y in (2022, 2023) for mo in range(1, 13)][:20]
        seen |= {dec.action for dec in ent.decisions}
    assert seen == set(PaymentAction)


def test_r_pay_2_amounts_are_integer_fen_at_each_months_rate():
    events = [certified("2022-02-15"), amount("2022-05-01", 15_550), amount("2022-07-01", 15_999)]
    res = one(run(pension("2022-01"), events, as_of="2022-08-01"))
    assert [dec.amount_fen for dec in res.decisions] == [15_000] * 4 + [15_550] * 2 + [15_999] * 2
    assert all(type(dec.amount_fen) is int for dec in res.decisions)
    assert events[2].id in decision(res, "2022-07").reason.event_ids


def test_r_pay_3_every_decision_carries_its_reason():
    events = [certified("2022-02-15"), certified("2022-11-03"), died("2023-02-01")]
    res = one(run(pension("2022-01"), events, as_of="2023-04-01"))
    known = {e.id for e in events}
    for dec in res.decisions:
        r = dec.reason
        assert r.rule in ARTICLES and r.article == ARTICLES[r.rule]
        assert r.policy_version in ("yangbi-2021", "yunnan-2023")
        assert set(r.event_ids) <= known
        assert r.explanation_zh and r.explanation_en
        assert r.explanation_zh != r.explanation_en
        assert r.as_dict()["rule"] == r.rule
    assert "2022-11-03" not in decision(res, "2022-10").reason.explanation_en
    assert "150.00" in decision(res, "2022-12").reason.explanation_zh


def _payments(ent_id: int, months: list[str], fen: int = 15_000) -> list[Payment]:
    return [Payment(ent_id, m(x), fen) for x in months]


def test_r_pay_4_late_death_overpayment():
    death = died("2024-03-12", recorded="2024-07-20")  # recorded four months late
    events = [certified("2024-01-05"), death]
    paid = _payments(1, ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07"])
    before = one(run(pension("2024-01"), events, as_of="2024-07-31", known_at="2024-07-01", payments=paid))
    assert before.overpayments == ()  # what the bureau knew when it paid
    after = one(run(pension("2024-01"), events, as_of="2024-07-31", payments=paid))
    assert [o.month for o in after.overpayments] == [m("2024-04"), m("2024-05"), m("2024-06"), m("2024-07")]
    for o in after.overpayments:
        assert (o.amount_fen, o.paid_fen, o.due_fen) == (15_000, 15_000, 0)
        assert o.reason.rule == "R-PAY-4"
        assert o.reason.event_ids == (death.id,)
        assert o.reason.related_rules == ("R-DTH-5",)
        assert o.known_since == at("2024-07-20")
    assert sum(o.amount_fen for o in after.overpayments) == 60_000


def test_r_pay_4_paid_while_suspended_or_stopped():
    child = person("2006-05-17")
    paid = _payments(2, ["2024-05", "2024-06", "2024-07"], 200_000)
    res = one(run(work_injury("2023-10"), [certified("2024-04-02")], as_of="2024-07-31", who=child, payments=paid))
    assert [(o.month, o.reason.related_rules) for o in res.overpayments] == [
        (m("2024-06"), ("R-WID-1",)),
        (m("2024-07"), ("R-WID-1",)),
    ]
    assert res.overpayments[0].known_since is None  # proved by the birth date, not an event
    cert = certified("2022-02-15")
    sus = one(run(pension("2022-01"), [cert], as_of="2022-10-10", payments=_payments(1, ["2022-09", "2022-10"])))
    assert [o.reason.related_rules for o in sus.overpayments] == [("R-SUS-1",), ("R-SUS-1",)]
    assert sus.overpayments[0].reason.event_ids == (cert.id,)


def test_r_pay_4_excess_and_double_payment():
    events = [certified("2022-02-15"), certified("2022-11-03")]
    paid = [Payment(1, m("2022-05"), 20_000), *_payments(1, ["2022-09", "2022-09"])]  # September paid twice
    res = one(run(pension("2022-01"), events, as_of="2022-12-31", payments=paid))
    assert [(o.month, o.amount_fen, o.due_fen) for o in res.overpayments] == [
        (m("2022-05"), 5_000, 15_000),
        (m("2022-09"), 15_000, 15_000),  # withheld, paid back: one payment was due, not two
    ]
    assert {o.reason.template for o in res.overpayments} == {"overpaid_excess"}


# --- R-TL: the timeline -----------------------------------------------------------------------


def test_r_tl_1_retraction_and_amendment():
    death = died("2024-03-12", recorded="2024-03-20")
    retraction = ev(EventType.RETRACTED, "2024-04-02", {"reason": "wrong person"}, corrects=death.id)
    base = [certified("2024-01-05"), death]
    res = one(run(pension("2024-01"), [*base, retraction], as_of="2024-05-31"))
    assert res.status == EntitlementStatus.ACTIVE
    assert decision(res, "2024-05").action == PAY
    # before the retraction was recorded, the death counted
    then = one(run(pension("2024-01"), [*base, retraction], as_of="2024-05-31", known_at="2024-04-01"))
    assert then.status == EntitlementStatus.ENDED
    # a retraction can itself be retracted
    undo = ev(EventType.RETRACTED, "2024-04-10", {"reason": "it was right"}, corrects=retraction.id)
    again = one(run(pension("2024-01"), [*base, retraction, undo], as_of="2024-05-31"))
    assert again.status == EntitlementStatus.ENDED
    # an amendment replaces the date of death
    amend = ev(EventType.AMENDED, "2024-04-05", {"occurred_on": "2024-01-28", "reason": "typo"}, corrects=death.id)
    amended = one(run(pension("2024-01"), [*base, amend], as_of="2024-05-31"))
    assert amended.ended_on == d("2024-01-28")
    assert decision(amended, "2024-02").action == ENDED


def test_r_tl_1_withdrawn_ids_follow_the_same_rule():
    death = died("2024-03-12")
    retraction = ev(EventType.RETRACTED, "2024-04-02", {"reason": "wrong person"}, corrects=death.id)
    assert withdrawn_ids([death, retraction]) == {death.id}
    undo = ev(EventType.RETRACTED, "2024-04-10", {"reason": "it was right"}, corrects=retraction.id)
    assert withdrawn_ids([death, retraction, undo]) == {retraction.id}  # the death stands again


def test_r_tl_1_amended_payload_changes_the_case_outcome():
    end = custody_ended("2024-04-20", CaseOutcome.CONVICTED)
    events = [
        certified("2024-01-05"),
        custody("2024-02-10", CustodyMeasure.ARREST),
        end,
        ev(EventType.AMENDED, "2024-05-02", {"payload": {"outcome": "ACQUITTED"}, "reason": "appeal"}, corrects=end.id),
    ]
    res = one(run(pension("2023-09"), events, as_of="2024-05-31"))
    assert decision(res, "2024-05").action == BACK_PAY


def test_r_tl_2_known_at():
    death = died("2024-03-12", recorded="2024-07-20")
    events = [certified("2024-01-05"), death]
    then = one(run(pension("2024-01"), events, as_of="2024-07-31", known_at="2024-07-19T23:59:59+00:00"))
    assert then.status == EntitlementStatus.ACTIVE
    assert decision(then, "2024-06").action == PAY
    now = one(run(pension("2024-01"), events, as_of="2024-07-31", known_at="2024-07-20T12:00:00+00:00"))
    assert now.status == EntitlementStatus.ENDED
    # as_of asks about a date: an event after it does not count yet
    before = one(run(pension("2024-01"), events, as_of="2024-03-11"))
    assert before.status == EntitlementStatus.ACTIVE
    with pytest.raises(ValueError, match="timezone"):
        from casehub.engine import CaseFacts, evaluate

        evaluate(CaseFacts(person(), (pension(),), ()), POLICY, as_of=d("2024-01-01"), known_at=dt.datetime(2024, 1, 1))


# --- R-KEY-1: key groups ----------------------------------------------------------------------


def test_r_key_1_very_old_from_birth_date_and_ledger_groups(tmp_path):
    who = person("1944-06-15", key_groups=frozenset({KeyGroup.SEVERELY_DISABLED}))
    assert run(pension(), [], as_of="2024-06-14", who=who).key_groups == {KeyGroup.SEVERELY_DISABLED}
    assert run(pension(), [], as_of="2024-06-15", who=who).key_groups == {
        KeyGroup.SEVERELY_DISABLED,
        KeyGroup.VERY_OLD,
    }
    younger = policy_with(
        tmp_path,
        """
[[versions]]
id = "age-75"
effective = 2024-01-01
source = "test"
key_group_age = 75
""",
    )
    assert (
        KeyGroup.VERY_OLD in run(pension(), [], as_of="2024-06-15", who=person("1949-06-01"), policy=younger).key_groups
    )


def test_r_sus_2_back_pay_waits_for_the_next_payable_month():
    events = [
        certified("2022-02-15"),  # due 2022-08-15: September on withheld
        certified("2022-11-03"),  # ends the overdue suspension: back pay due in December...
        custody("2022-11-20", CustodyMeasure.ARREST),  # ...but December is withheld again
    ]
    waiting = one(run(pension("2022-01"), events, as_of="2022-12-20"))
    assert {(w.month, w.outcome, w.paid_in) for w in waiting.withheld if w.month < m("2022-12")} == {
        (m(x), BackPayOutcome.SCHEDULED, None) for x in ("2022-09", "2022-10", "2022-11")
    }
    assert {w.reason.template for w in waiting.withheld} == {"wm_waiting", "wm_pending_case"}
    cleared = [*events, custody_ended("2023-01-10", CaseOutcome.WITHDRAWN)]
    res = one(run(pension("2022-01"), cleared, as_of="2023-02-20"))
    back = decision(res, "2023-02")
    assert back.action == BACK_PAY
    assert back.back_pay_months == tuple(m(x) for x in ("2022-09", "2022-10", "2022-11", "2022-12", "2023-01"))
    assert back.reason.rule == "R-SUS-2" and back.reason.related_rules == ("R-JUD-2",)


def test_r_sus_2_owed_on_close_when_death_follows_the_certification():
    events = [certified("2022-02-15"), certified("2022-11-03"), died("2022-11-25")]
    res = one(run(pension("2022-01"), events, as_of="2023-01-31"))
    assert {w.outcome for w in res.withheld} == {BackPayOutcome.OWED_ON_CLOSE}
    assert all(dec.action != BACK_PAY for dec in res.decisions)


def test_r_jud_2_sentence_freeze_leaves_work_injury_amounts_alone():
    events = [
        certified("2024-01-05"),
        sentenced("2024-02-10", Penalty.FIXED_TERM),
        amount("2024-04-01", 210_000, scheme=Scheme.WORK_INJURY_LONG_TERM),
        amount("2024-04-01", 16_000),
    ]
    res = run([pension("2023-09", id=1), work_injury("2023-10", id=2, role=None)], events, as_of="2024-05-10")
    assert decision(res.entitlement(2), "2024-05").amount_fen == 210_000
    assert decision(res.entitlement(1), "2024-05").action == WITHHOLD
    assert decision(res.entitlement(1), "2024-05").rate_fen == 15_000  # frozen (R-JUD-2)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ev(EventType.CUSTODY_STARTED, "2024-02-10", {"measure": "JAIL"}), "measure"),
        (ev(EventType.SENTENCED, "2024-02-10", {}), "penalty"),
        (ev(EventType.CUSTODY_ENDED, "2024-02-10", {"outcome": None}), "outcome"),
        (ev(EventType.DEPENDANT_CHANGED, "2024-02-10", {"change": "MOVED"}), "change"),
        (
            ev(EventType.AMOUNT_CHANGED, "2024-02-01", {"scheme": "RESIDENT_PENSION", "monthly_amount_fen": 1.5}),
            "monthly_amount_fen",
        ),
        (ev(EventType.AMOUNT_CHANGED, "2024-02-01", {"monthly_amount_fen": 100}), "scheme"),
    ],
)
def test_r_pay_3_a_malformed_event_fails_loudly(event, message):
    with pytest.raises(ValueError, match=message) as caught:
        run(pension("2023-09"), [event], as_of="2024-03-01")
    assert str(event.id) in str(caught.value)


def test_engine_is_pure():
    """The engine imports no ORM, web or database module (module docstring: pure)."""
    import subprocess
    import sys

    code = (
        "import sys, casehub.engine; "
        "bad = [m for m in ('tortoise', 'starlette', 'strawberry', 'asyncpg', 'aiosqlite') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
