"""The bilingual one-sentence explanations behind every `Reason` (R-PAY-3).

A reason stores a template name and its parameters; the sentence is rendered
only when someone reads it, which keeps the monthly fold cheap. Parameters are
typed by name: `*_fen` is money in fen, `month`, `*_month` and `months` are months, other
dates print as ISO dates, enum members print as their Chinese or English label.
Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# The article of the Yangbi measure (or other source) each rule restates (RULES.md).
ARTICLES: dict[str, str] = {
    "R-POL-1": "Art. 13",
    "R-POL-3": "Art. 13; 劳社厅函〔2001〕44号",
    "R-CYC-1": "Art. 6 (一)2, (二)2, (三)2",
    "R-CYC-2": "Art. 6 (四)",
    "R-CYC-3": "Art. 6",
    "R-CYC-5": "Art. 6",
    "R-DTH-5": "Art. 6 (月死亡报告制度)",
    "R-SUS-1": "Art. 10",
    "R-SUS-2": "Art. 10",
    "R-JUD-1": "Art. 9",
    "R-JUD-2": "Art. 9; 劳社厅函〔2001〕44号",
    "R-JUD-3": "Art. 9",
    "R-WID-1": "Art. 9",
    "R-WID-2": "Art. 9; 劳社部令第18号 art. 4",
    "R-WID-3": "工伤保险条例 art. 39",
    "R-PAY-1": "Art. 6, Art. 10",
    "R-PAY-2": "Art. 10",
    "R-PAY-4": "Art. 12",
    "R-KEY-1": "Art. 6 (一)4",
}

_LABELS: dict[str, tuple[str, str]] = {
    # CustodyMeasure
    "BAIL": ("取保候审", "bail pending trial"),
    "RESIDENTIAL_SURVEILLANCE": ("监视居住", "residential surveillance"),
    "ARREST": ("逮捕", "arrest"),
    # Penalty (CRIMINAL_DETENTION is both a measure and a penalty: 刑事拘留 / 拘役)
    "CRIMINAL_DETENTION": ("刑事拘留或拘役", "criminal detention"),
    "PUBLIC_SURVEILLANCE": ("管制", "public surveillance"),
    "FIXED_TERM": ("有期徒刑", "fixed-term imprisonment"),
    "LIFE": ("无期徒刑", "life imprisonment"),
    "DEATH": ("死刑", "death penalty"),
    "SUSPENDED_SENTENCE": ("缓刑", "a suspended sentence"),
    "OUTSIDE_PRISON": ("监外执行", "serving outside prison"),
    # CaseOutcome
    "WITHDRAWN": ("撤销案件", "case withdrawn"),
    "NOT_PROSECUTED": ("不起诉", "not prosecuted"),
    "ACQUITTED": ("宣告无罪", "acquitted"),
    "CONVICTED": ("判决有罪", "convicted"),
    # DependantChange
    "ADOPTED": ("被他人收养", "adopted"),
    "EMPLOYED": ("就业", "took up employment"),
    "ENLISTED": ("参军", "joined the army"),
    "REMARRIED": ("配偶再婚", "the surviving spouse remarried"),
    # judicial profiles (R-POL-3); a deployment's own profile names print as they are
    "county": ("县级文件", "county"),
    "national": ("全国（劳社厅函〔2001〕44号）", "national"),
    # back-pay causes
    "CERTIFIED": ("认证成功后次月补发", "paid back the month after a successful certification"),
    "CASE_CLEARED": ("案件未定罪结束，补发羁押期间停发的待遇", "the case ended without conviction"),
    "KEPT_PAID_SENTENCE": ("判处不停发的刑罚，补发羁押期间停发的待遇", "the sentence keeps the pension paid"),
}

_TEMPLATES: dict[str, tuple[str, str]] = {
    "pay": (
        "资格有效，本月按{rate_fen}元发放（上次资格认证：{certified}）。",
        "Eligible: CNY {rate_fen} paid for this month (last certified {certified}).",
    ),
    "pay_new": (
        "资格有效，待遇自{start_month}起，尚在首个认证周期内，本月按{rate_fen}元发放。",
        "Eligible: CNY {rate_fen} paid for this month; the entitlement started {start_month} "
        "and is within its first certification cycle.",
    ),
    "pay_frozen": (
        "自{since}起被判处{penalty}，按{profile}口径继续发放{rate_fen}元，但不参与待遇调整。",
        "Sentenced to {penalty} from {since}: under the {profile} profile CNY {rate_fen} is kept "
        "paid, without adjustments.",
    ),
    "back_pay": (
        "补发：本月{rate_fen}元，另补发停发月份{months}共{back_pay_fen}元（{why}）。",
        "Back pay: CNY {rate_fen} for this month plus CNY {back_pay_fen} for the withheld months {months} ({why}).",
    ),
    "withhold_overdue": (
        "暂停发放：资格认证应于{due}前完成而未完成，自到期次月起停发。",
        "Withheld: certification was due by {due} and not done, so payment is suspended from "
        "the month after the due date.",
    ),
    "withhold_custody": (
        "暂停发放：自{since}起被{measure}，期间暂停发放养老保险待遇。",
        "Withheld: under {measure} since {since}, during which the pension is suspended.",
    ),
    "withhold_sentence": (
        "暂停发放：自{since}起被判处{penalty}，服刑期间停发。",
        "Withheld: sentenced to {penalty} from {since}; payment stops while it is served.",
    ),
    "stopped_change": (
        "停发：{on}{change}，自次月起停发工伤保险长期待遇。",
        "Stopped: {change} on {on}; the work-injury benefit stops from the following month.",
    ),
    "stopped_age": (
        "停发：{on}年满{age}周岁（按身份证出生日期计算），自次月起停发工伤保险长期待遇。",
        "Stopped: turned {age} on {on} (birth date from the ID number); the work-injury "
        "benefit stops from the following month.",
    ),
    "ended_death": (
        "终止：{died}死亡，待遇发放至死亡当月。",
        "Ended: died on {died}; benefits are payable up to and including the month of death.",
    ),
    "status_active": (
        "正常：上次资格认证{certified}，下次应于{due}前认证。",
        "Active: last certified {certified}; next certification due by {due}.",
    ),
    "status_active_new": (
        "正常：待遇自{start_month}起，首次资格认证应于{due}前完成。",
        "Active: the entitlement started {start_month}; first certification due by {due}.",
    ),
    "status_overdue": (
        "正常但认证已逾期：应于{due}前认证，如仍未认证，自{from_month}起暂停发放。",
        "Active but overdue: certification was due by {due}; payment is suspended from {from_month} unless certified.",
    ),
    "wm_paid_back": ("已于{paid_month}补发。", "Paid back in {paid_month}."),
    "wm_scheduled": ("停发已解除，将于{paid_month}补发。", "Resolved; to be paid back in {paid_month}."),
    "wm_waiting": (
        "停发已解除，待下一个可发放月份补发。",
        "Resolved; paid back in the next month that is payable.",
    ),
    "wm_pending_cert": (
        "待资格认证成功后次月补发。",
        "Paid back the month after a successful certification.",
    ),
    "wm_pending_case": (
        "案件尚未结束，是否补发视案件结果而定。",
        "The case is open; whether this is paid back depends on how it ends.",
    ),
    "wm_sentence": ("服刑期间停发的待遇不予补发。", "Months of a sentence served are not paid back."),
    "wm_convicted": (
        "被判有罪，判决前羁押期间停发的待遇不予补发。",
        "Convicted: months withheld while held before the sentence are not paid back.",
    ),
    "wm_died_uncertified": (
        "死亡前未完成认证，停发月份不自动补发（继承人可凭证明申请）。",
        "Died before certifying: withheld months are not paid back automatically (heirs may claim with proof).",
    ),
    "wm_died_case_open": (
        "案件未结即死亡，停发月份不自动补发。",
        "Died while the case was open: withheld months are not paid back automatically.",
    ),
    "wm_owed_on_close": (
        "停发已解除，但待遇在可补发前已终止或停发，应另行一次性结算。",
        "Resolved, but the entitlement closed before a payable month: settle it once, outside the monthly run.",
    ),
    "overpaid": (
        "多发：{month}不应发放（{why}），实发{paid_fen}元，应追回{amount_fen}元。",
        "Overpaid: nothing was due for {month} ({why}); CNY {paid_fen} paid, CNY {amount_fen} to recover.",
    ),
    "overpaid_excess": (
        "多发：{month}应发{due_fen}元，实发{paid_fen}元，应追回{amount_fen}元。",
        "Overpaid: CNY {due_fen} was due for {month}, CNY {paid_fen} paid; CNY {amount_fen} to recover.",
    ),
    "before_start": ("早于待遇开始月份", "before the entitlement started"),
}


def _money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _format(name: str, value: Any, lang: int) -> str:
    if name.endswith("_fen"):
        return _money(value)
    if name == "months":
        return ("、" if lang == 0 else ", ").join(f"{m:%Y-%m}" for m in value)
    if (name == "month" or name.endswith("_month")) and isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple) and len(value) == 2 and value[0] in _TEMPLATES:
        # a nested reason (template, params): its sentence without the final stop
        return render(value[0], value[1], "zh" if lang == 0 else "en").rstrip("。.")
    if isinstance(value, tuple) and all(v in _LABELS for v in value):
        return ("、" if lang == 0 else ", ").join(_LABELS[v][lang] for v in value)
    if isinstance(value, str) and value in _LABELS:
        return _LABELS[value][lang]
    if value is None:
        return "—" if lang == 0 else "never"
    return str(value)


def render(template: str, params: tuple[tuple[str, Any], ...], lang: str) -> str:
    """The sentence for `template` in `lang` ("zh" or "en")."""
    if template == "combined":  # several reasons at once, e.g. overdue and in custody
        return " ".join(render(t, p, lang) for _, (t, p) in params)
    index = 0 if lang == "zh" else 1
    text = _TEMPLATES[template][index]
    return text.format(**{name: _format(name, value, index) for name, value in params})
