"""The rules engine: one person's timeline folded into statuses, monthly decisions and overpayments.

Pure: no I/O, no ORM, no database. Callers build `CaseFacts` from the models and
pass a loaded `Policy`; the same inputs always give the same `CaseResult`, whatever
the order of the events (R-TL-2). Everything numeric comes from the policy version
in force (R-POL-1), and every decision says which version it used and why (R-PAY-3).

Months are ints inside this module (see `months.py`) and `date`s on the first of
the month in the results.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from casehub.domain import (
    CaseOutcome,
    CustodyMeasure,
    DependantChange,
    DependantRole,
    EventType,
    KeyGroup,
    Penalty,
    Scheme,
)
from casehub.engine.explain import ARTICLES
from casehub.engine.facts import CaseFacts, EntitlementFacts, EventFacts, Payment, PersonFacts
from casehub.engine.months import add_months, birthday, month_index, month_range, month_start
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
from casehub.engine.timeline import effective_events
from casehub.policy.model import Policy, PolicyVersion

_OPEN = 1 << 30  # a month index later than any real month: "not ended yet"
_ONE_DAY = dt.timedelta(days=1)

_PAYBACK, _FORFEIT, _PENDING = "PAYBACK", "FORFEIT", "PENDING"

_OVERDUE = SuspensionCause.OVERDUE_CERTIFICATION
_JUDICIAL = SuspensionCause.JUDICIAL
_PAY, _WITHHOLD, _BACK_PAY = PaymentAction.PAY, PaymentAction.WITHHOLD, PaymentAction.BACK_PAY
_STOPPED, _ENDED = PaymentAction.STOPPED, PaymentAction.ENDED

# Event types by what the fold does with them; everything else (reminders, failed
# certifications) does not change entitlement or payment.
_CERT, _DEATH, _AMOUNT, _JUDICIAL_EVENT, _DEPENDANT = range(5)
_KIND = {
    EventType.CERTIFIED: _CERT,
    EventType.DIED: _DEATH,
    EventType.AMOUNT_CHANGED: _AMOUNT,
    EventType.CUSTODY_STARTED: _JUDICIAL_EVENT,
    EventType.CUSTODY_ENDED: _JUDICIAL_EVENT,
    EventType.SENTENCED: _JUDICIAL_EVENT,
    EventType.SENTENCE_ENDED: _JUDICIAL_EVENT,
    EventType.DEPENDANT_CHANGED: _DEPENDANT,
}


def _reason(
    rule: str,
    version: str,
    event_ids: tuple[int, ...],
    template: str,
    params: tuple[tuple[str, Any], ...] = (),
    related: tuple[str, ...] = (),
) -> Reason:
    return Reason(rule, ARTICLES[rule], version, event_ids, template, params, related)


# --- policy lookups, precomputed once per Policy object ----------------------------------


class _Compiled:
    """Policy lookups the fold needs per month or per certification, made cheap."""

    __slots__ = (
        "_due_cache",
        "min_cycle",
        "month_starts",
        "ordinals",
        "own_certification",
        "version_ids",
        "versions",
    )

    def __init__(self, policy: Policy) -> None:
        self.versions = policy.versions
        self.version_ids = [v.id for v in policy.versions]
        self.ordinals = [v.effective.toordinal() for v in policy.versions]
        # the first month whose first day the version governs
        self.month_starts = [month_index(v.effective) + (v.effective.day != 1) for v in policy.versions]
        self.month_starts[0] = -_OPEN  # the first version is the baseline before its date
        self._due_cache: dict[tuple[int, str], tuple[dt.date, PolicyVersion]] = {}
        self.min_cycle = {s: min(v.schemes[s].cycle_months for v in policy.versions) for s in Scheme}
        # R-CYC-5: schemes that need their own certification in some version
        self.own_certification = frozenset(
            s for v in policy.versions for s, rules in v.schemes.items() if rules.own_certification
        )

    def at(self, day: dt.date) -> PolicyVersion:
        i = bisect.bisect_right(self.ordinals, day.toordinal()) - 1
        return self.versions[max(i, 0)]

    def index_for_month(self, m: int) -> int:
        return bisect.bisect_right(self.month_starts, m) - 1

    def due_after(self, anchor: dt.date, scheme: str) -> tuple[dt.date, PolicyVersion]:
        """R-CYC-3 with R-POL-1: the due date is anchor + cycle of the version in force then.

        Walk the versions from the one in force on the anchor: a version's cycle
        applies if the date it gives falls inside that version's time; otherwise the
        next version takes over (from its effective date at the earliest), so a
        longer cycle from 2023-08-01 (R-POL-2) also extends cycles already running.
        """
        key = (anchor.toordinal(), scheme)
        hit = self._due_cache.get(key)
        if hit is not None:
            return hit
        i = max(bisect.bisect_right(self.ordinals, key[0]) - 1, 0)
        while True:
            v = self.versions[i]
            due = add_months(anchor, v.schemes[scheme].cycle_months)
            due = max(due, v.effective)
            if i + 1 == len(self.versions) or due < self.versions[i + 1].effective:
                break
            i += 1
        self._due_cache[key] = (due, v)
        return due, v


_COMPILED: dict[int, tuple[Policy, _Compiled]] = {}


def _compiled(policy: Policy) -> _Compiled:
    hit = _COMPILED.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    if len(_COMPILED) >= 16:  # a process holds one or two policies; tests a few more
        _COMPILED.pop(next(iter(_COMPILED)))
    compiled = _Compiled(policy)
    _COMPILED[id(policy)] = (policy, compiled)
    return compiled


# --- the timeline split by what each event does -------------------------------------------


@dataclass(slots=True)
class _Timeline:
    certs: list[EventFacts] = field(default_factory=list)
    death: EventFacts | None = None
    amounts: list[EventFacts] = field(default_factory=list)
    judicial: list[EventFacts] = field(default_factory=list)
    dependant: list[EventFacts] = field(default_factory=list)


# Payload keys the fold relies on, checked so that a malformed event fails loudly
# instead of silently changing a payment (keys per type: `EventType` in domain.py).
_REQUIRED_ENUMS: dict[str, tuple[tuple[str, type[StrEnum]], ...]] = {
    EventType.CUSTODY_STARTED: (("measure", CustodyMeasure),),
    EventType.CUSTODY_ENDED: (("outcome", CaseOutcome),),
    EventType.SENTENCED: (("penalty", Penalty),),
    EventType.DEPENDANT_CHANGED: (("change", DependantChange),),
}


def _check_payload(e: EventFacts) -> None:
    for key, enum in _REQUIRED_ENUMS.get(e.type, ()):
        value = e.payload.get(key)
        if value not in enum.__members__:
            raise ValueError(
                f"event {e.id} ({e.type}): payload {key!r} must be one of {', '.join(enum)}; got {value!r}"
            )
    if e.type == EventType.AMOUNT_CHANGED:
        amount = e.payload.get("monthly_amount_fen")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError(f"event {e.id} (AMOUNT_CHANGED): monthly_amount_fen must be an int >= 0, got {amount!r}")
        if e.entitlement_id is None and e.payload.get("scheme") not in Scheme.__members__:
            raise ValueError(f"event {e.id} (AMOUNT_CHANGED): needs an entitlement_id or a payload 'scheme'")


def _split(events: list[EventFacts]) -> _Timeline:
    tl = _Timeline()
    kind = _KIND.get
    for e in events:
        k = kind(e.type)
        if k is None:
            continue
        if k != _CERT and k != _DEATH:
            _check_payload(e)
        if k == _CERT:
            tl.certs.append(e)
        elif k == _AMOUNT:
            tl.amounts.append(e)
        elif k == _DEATH:
            if tl.death is None:  # events are in date order: the earliest death counts
                tl.death = e
        elif k == _JUDICIAL_EVENT:
            tl.judicial.append(e)
        else:
            tl.dependant.append(e)
    return tl


# --- suspensions --------------------------------------------------------------------------


@dataclass(slots=True)
class _Span:
    """A suspension: WITHHOLD months first_m..last_m, and what becomes of them.

    `start`/`end` are the status-period dates (end exclusive, None while it lasts).
    """

    cause: SuspensionCause
    first_m: int
    last_m: int
    start: dt.date
    end: dt.date | None
    reason: Reason  # of each WITHHOLD month
    resolution: str  # _PAYBACK, _FORFEIT or _PENDING
    outcome_reason: Reason  # what becomes of the withheld months
    pay_m: int = _OPEN  # with _PAYBACK: the month they are paid back in (R-SUS-2, R-JUD-2)
    why: str = ""  # with _PAYBACK: label of the back-pay cause
    proof: tuple[EventFacts, ...] = ()  # the events that prove it, for overpayments (R-PAY-4)


@dataclass(slots=True)
class _JudicialFacts:
    spans: list[_Span] = field(default_factory=list)
    freeze: list[tuple[int, int]] = field(default_factory=list)  # amount changes not applied
    kept_paid: list[tuple[int, int, Reason]] = field(default_factory=list)  # R-POL-3 national


def _judicial(events: list[EventFacts], cp: _Compiled) -> _JudicialFacts:
    """R-JUD-1/2: custody measures and sentences, case by case, into suspension spans."""
    out = _JudicialFacts()
    if not events:
        return out
    by_case: dict[str, list[EventFacts]] = {}
    for e in events:
        by_case.setdefault(str(e.payload.get("case_ref", "")), []).append(e)
    for case_events in by_case.values():
        _judicial_case(case_events, cp, out)
    return out


def _judicial_case(events: list[EventFacts], cp: _Compiled, out: _JudicialFacts) -> None:
    segments: list[EventFacts] = []  # CUSTODY_STARTED events of the custody now running
    awaiting: list[_Span] = []  # custody spans of a conviction, waiting for the sentence
    sentence: tuple[EventFacts, bool] | None = None  # the sentence running, and if it follows custody
    for e in events:
        t = e.type
        if t == EventType.CUSTODY_STARTED:
            segments.append(e)
        elif t == EventType.CUSTODY_ENDED and segments:
            spans = _custody_spans(segments, e, cp)
            segments = []
            outcome = e.payload.get("outcome")
            profile = cp.at(e.occurred_on).judicial
            if outcome in profile.pay_back_outcomes:
                for s in spans:  # R-JUD-2: held without conviction: paid back
                    _resolve(s, _PAYBACK, e, "CASE_CLEARED", cp)
            elif outcome == CaseOutcome.CONVICTED:
                awaiting.extend(spans)
            else:
                for s in spans:
                    _resolve(s, _FORFEIT, e, "wm_convicted", cp)
            out.spans.extend(spans)
        elif t == EventType.SENTENCED:
            if segments:  # a sentence ends the custody it follows, as a conviction
                spans = _custody_spans(segments, e, cp)
                segments = []
                awaiting.extend(spans)
                out.spans.extend(spans)
            payload = e.payload
            suspends = cp.at(e.occurred_on).judicial.sentence_suspends(
                payload.get("penalty"),
                bool(payload.get("suspended")),
                bool(payload.get("outside_prison")),
            )
            follows_custody = any(s.end is None or s.end >= e.occurred_on for s in awaiting)
            for s in awaiting:  # R-JUD-2: custody counts toward a sentence served
                if suspends:
                    _resolve(s, _FORFEIT, e, "wm_convicted", cp)
                else:
                    _resolve(s, _PAYBACK, e, "KEPT_PAID_SENTENCE", cp)
            awaiting = []
            if sentence is not None:  # a new sentence in the same case replaces the old one
                _sentence(*sentence, e, cp, out)
                follows_custody = True
            sentence = (e, follows_custody)
        elif t == EventType.SENTENCE_ENDED and sentence is not None:
            _sentence(*sentence, e, cp, out)
            sentence = None
    if segments:
        out.spans.extend(_custody_spans(segments, None, cp))
    for s in awaiting:  # convicted, no sentence recorded: nothing to pay back
        _resolve(s, _FORFEIT, None, "wm_convicted", cp)
    if sentence is not None:
        _sentence(*sentence, None, cp, out)


def _custody_spans(starts: list[EventFacts], end: EventFacts | None, cp: _Compiled) -> list[_Span]:
    """Runs of consecutive suspending measures (R-JUD-1; R-POL-3 decides which suspend).

    Each CUSTODY_STARTED of a case starts a measure that lasts until the next one
    or until the custody ends; R-JUD-2: a run withholds from the month after it
    starts to the month in which it ends.
    """
    spans: list[_Span] = []
    run: list[EventFacts] = []
    run_until: dt.date | None = None
    bounds = [s.occurred_on for s in starts[1:]] + [end.occurred_on if end else None]
    for start, until in zip(starts, bounds, strict=True):
        if start.payload.get("measure") in cp.at(start.occurred_on).judicial.suspending_measures:
            run.append(start)
            run_until = until
        elif run:
            spans.extend(_custody_run(run, run_until, cp))
            run = []
    if run:
        spans.extend(_custody_run(run, run_until, cp))
    return spans


def _custody_run(run: list[EventFacts], until: dt.date | None, cp: _Compiled) -> list[_Span]:
    first = run[0]
    first_m = month_index(first.occurred_on) + 1
    last_m = month_index(until) if until is not None else _OPEN
    if first_m > last_m:
        return []
    version = cp.at(first.occurred_on).id
    reason = _reason(
        "R-JUD-1",
        version,
        tuple(e.id for e in run),
        "withhold_custody",
        (("measure", str(first.payload.get("measure"))), ("since", first.occurred_on)),
    )
    pending = _reason("R-JUD-2", version, reason.event_ids, "wm_pending_case")
    return [
        _Span(
            _JUDICIAL,
            first_m,
            last_m,
            month_start(first_m),
            until,
            reason,
            _PENDING,
            pending,
            proof=tuple(run),
        )
    ]


def _resolve(span: _Span, resolution: str, event: EventFacts | None, why: str, cp: _Compiled) -> None:
    """Settle a custody span once the case outcome is known (R-JUD-2)."""
    ids = span.reason.event_ids + ((event.id,) if event else ())
    version = cp.at(event.occurred_on).id if event else span.reason.policy_version
    span.resolution = resolution
    if resolution == _PAYBACK:
        assert event is not None
        span.pay_m = month_index(event.occurred_on) + 1
        span.why = why
        span.outcome_reason = _reason("R-JUD-2", version, ids, "wm_paid_back")
    else:
        span.outcome_reason = _reason("R-JUD-2", version, ids, why)


def _sentence(
    sentenced: EventFacts, follows_custody: bool, ended: EventFacts | None, cp: _Compiled, out: _JudicialFacts
) -> None:
    """R-JUD-1/2: a sentence served is withheld and not paid back; under the national
    profile a non-custodial one is kept paid but frozen (R-POL-3).

    A sentence that follows custody shows as suspended from the day it is passed,
    so the status has no gap between the custody and the sentence."""
    payload = sentenced.payload
    version = cp.at(sentenced.occurred_on)
    profile = version.judicial
    first_m = month_index(sentenced.occurred_on) + 1
    last_m = month_index(ended.occurred_on) if ended else _OPEN
    if first_m > last_m:
        return
    penalty: tuple[str, ...] = (str(payload.get("penalty")),)
    if payload.get("suspended"):
        penalty += ("SUSPENDED_SENTENCE",)
    if payload.get("outside_prison"):
        penalty += ("OUTSIDE_PRISON",)
    params = (("penalty", penalty), ("since", sentenced.occurred_on))
    if profile.freeze_amount_during_sentence:
        out.freeze.append((first_m, last_m))
    if not profile.sentence_suspends(
        payload.get("penalty"), bool(payload.get("suspended")), bool(payload.get("outside_prison"))
    ):
        kept = _reason(
            "R-POL-3", version.id, (sentenced.id,), "pay_frozen", (*params, ("profile", profile.name)), ("R-JUD-2",)
        )
        out.kept_paid.append((first_m, last_m, kept))
        return
    ids = (sentenced.id,) + ((ended.id,) if ended else ())
    out.spans.append(
        _Span(
            _JUDICIAL,
            first_m,
            last_m,
            sentenced.occurred_on if follows_custody else month_start(first_m),
            ended.occurred_on if ended else None,
            _reason("R-JUD-1", version.id, (sentenced.id,), "withhold_sentence", params),
            _FORFEIT,
            _reason("R-JUD-2", version.id, ids, "wm_sentence"),
            proof=(sentenced,),
        )
    )


@dataclass(slots=True)
class _Cycle:
    spans: list[_Span]
    anchors: list[tuple[dt.date, EventFacts | None]]  # successive cycle starts (R-CYC-3)
    due: dt.date
    due_version: PolicyVersion


def _cycle(
    ent: EntitlementFacts,
    certs: list[EventFacts],
    cp: _Compiled,
    as_of_m: int,
    died_on: dt.date | None,
) -> _Cycle:
    """R-CYC-1..5, R-SUS-1/2: walk the certifications; each lapse is an overdue span."""
    scheme = ent.scheme
    anchor: dt.date = ent.start_month
    anchor_event: EventFacts | None = None
    anchors: list[tuple[dt.date, EventFacts | None]] = [(anchor, None)]
    spans: list[_Span] = []
    # A due date is never earlier than 28 days per cycle month after its anchor, so a
    # certification within that many days cannot have lapsed: skip the policy lookup.
    safe_days = 28 * cp.min_cycle[scheme]
    for c in certs:
        day = c.occurred_on
        if died_on is not None and day > died_on:
            break  # a dead person cannot certify (R-DTH-5)
        if day < anchor:
            continue  # before the entitlement started (R-CYC-3)
        if (day - anchor).days <= safe_days:
            anchor, anchor_event = day, c
            anchors.append((anchor, c))
            continue
        due, version = cp.due_after(anchor, scheme)
        first_m = month_index(due) + 1
        cert_m = month_index(day)
        if first_m <= cert_m and version.schemes[scheme].overdue_suspension:
            spans.append(_overdue_span(due, version, anchor_event, first_m, cert_m, c))
        anchor, anchor_event = day, c
        anchors.append((anchor, c))
    due, version = cp.due_after(anchor, scheme)
    first_m = month_index(due) + 1
    if first_m <= as_of_m and version.schemes[scheme].overdue_suspension:
        spans.append(_overdue_span(due, version, anchor_event, first_m, _OPEN, None))
    return _Cycle(spans, anchors, due, version)


def _overdue_span(
    due: dt.date,
    version: PolicyVersion,
    last_cert: EventFacts | None,
    first_m: int,
    last_m: int,
    certified: EventFacts | None,
) -> _Span:
    """R-SUS-1: withheld from the month after the due date; R-SUS-2: a certification ends
    it (its month is still withheld) and everything is paid back the month after."""
    basis = (last_cert.id,) if last_cert else ()
    reason = _reason("R-SUS-1", version.id, basis, "withhold_overdue", (("due", due),))
    if certified is None:
        outcome = _reason("R-SUS-2", version.id, basis, "wm_pending_cert")
        return _Span(
            _OVERDUE,
            first_m,
            last_m,
            month_start(first_m),
            None,
            reason,
            _PENDING,
            outcome,
            proof=(last_cert,) if last_cert else (),
        )
    outcome = _reason("R-SUS-2", version.id, (certified.id,), "wm_paid_back")
    return _Span(
        _OVERDUE,
        first_m,
        last_m,
        month_start(first_m),
        certified.occurred_on,
        reason,
        _PAYBACK,
        outcome,
        pay_m=last_m + 1,
        why="CERTIFIED",
        proof=(last_cert,) if last_cert else (),
    )


# --- stops (R-WID-1/2) --------------------------------------------------------------------


def _stop(
    ent: EntitlementFacts,
    person: PersonFacts,
    dependant_events: list[EventFacts],
    cp: _Compiled,
    as_of: dt.date,
) -> tuple[int, Reason, EventFacts | None] | None:
    """The first STOPPED month of a work-injury dependant's entitlement, if any, and why."""
    role = ent.dependant_role
    if ent.scheme != Scheme.WORK_INJURY_LONG_TERM or role is None:
        return None
    best: tuple[int, Reason, EventFacts | None] | None = None
    for e in dependant_events:
        if e.entitlement_id not in (None, ent.id):
            continue
        version = cp.at(e.occurred_on)
        change = e.payload.get("change")
        if change in version.work_injury.stop_changes.get(DependantRole(role), ()):
            params = (("change", str(change)), ("on", e.occurred_on))
            reason = _reason("R-WID-1", version.id, (e.id,), "stopped_change", params)
            best = (month_index(e.occurred_on) + 1, reason, e)
            break  # events are in date order: the first stop is final (R-WID-2)
    if role == DependantRole.CHILD:
        age_stop = _age_stop(person, cp, as_of)
        if age_stop is not None and (best is None or age_stop[0] < best[0]):
            best = (age_stop[0], age_stop[1], None)
    return best


def _age_stop(person: PersonFacts, cp: _Compiled, as_of: dt.date) -> tuple[int, Reason] | None:
    """R-WID-1: a child's benefit stops from the month after the 18th birthday, computed
    from the birth date without any event; R-WID-2 options may defer or waive it."""
    for version in reversed(cp.versions):  # the version in force on the birthday it defines
        wi = version.work_injury
        day = birthday(person.birth_date, wi.child_stop_age)
        if cp.at(day) is version:
            break
    if wi.child_unable_to_work_exempt and person.unable_to_work:
        return None
    age = wi.child_stop_age
    rule = "R-WID-1"
    student_until = person.full_time_student_until
    if wi.student_extension and student_until is not None and student_until > day:
        cap = birthday(person.birth_date, wi.student_extension_max_age)
        if student_until < cap:
            day = student_until
        else:
            day, age = cap, wi.student_extension_max_age
        rule = "R-WID-2"
    if day > as_of:
        return None
    reason = _reason(rule, version.id, (), "stopped_age", (("age", age), ("on", day)), ("R-WID-1",))
    return month_index(day) + 1, reason


# --- rates (R-PAY-2) ----------------------------------------------------------------------


def _rates(
    ent: EntitlementFacts,
    amounts: list[EventFacts],
    freeze: list[tuple[int, int]],
    start_m: int,
    n: int,
) -> tuple[list[int], list[int | None], set[int]]:
    """Monthly amount and the AMOUNT_CHANGED event behind it, for each month from start,
    and the months where they change.

    A change applies from its occurred_on month; one that falls inside a sentence is
    not applied (R-JUD-2: payment resumes at the amount before the sentence).
    """
    rates = [ent.monthly_amount_fen] * n
    sources: list[int | None] = [None] * n
    changes: set[int] = set()
    for e in amounts:
        if e.entitlement_id is not None:
            if e.entitlement_id != ent.id:
                continue
        elif e.payload.get("scheme") != ent.scheme:
            continue
        m = month_index(e.occurred_on)
        if any(lo <= m <= hi for lo, hi in freeze):
            continue
        i = max(m - start_m, 0)
        if i >= n:
            continue
        amount = e.payload["monthly_amount_fen"]  # checked in _split
        rates[i:] = [amount] * (n - i)
        sources[i:] = [e.id] * (n - i)
        changes.add(start_m + i)
    return rates, sources, changes


# --- the entry point ----------------------------------------------------------------------


def evaluate(
    case: CaseFacts,
    policy: Policy,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    payments: Iterable[Payment] = (),
    months: bool = True,
) -> CaseResult:
    """Fold one person's timeline into per-entitlement results as of `as_of`.

    `known_at` (timezone-aware) limits the timeline to events recorded by then
    (R-TL-2); `payments` are the amounts actually paid, checked for overpayments
    (R-PAY-4). Decisions run from each entitlement's start month to as_of's month.
    `months=False` leaves out the money (no decisions, withheld months or overpayments):
    the status projection needs none of it, and it is most of the work for a long case.
    """
    if known_at is not None and known_at.tzinfo is None:
        raise ValueError("known_at must be timezone-aware (R-TL-2)")
    if payments and not months:
        raise ValueError("payments are checked against the month decisions: they need months=True")
    cp = _compiled(policy)
    events = effective_events(case.events, known_at=known_at, as_of=as_of)
    tl = _split(events)
    judicial = _judicial(tl.judicial, cp)
    paid: dict[int, dict[int, int]] = {}
    for p in payments:
        per_month = paid.get(p.entitlement_id)
        if per_month is None:
            per_month = paid[p.entitlement_id] = {}
        m = p.month.year * 12 + p.month.month - 1  # month_index, inlined: one call per payment adds up
        per_month[m] = per_month.get(m, 0) + p.amount_fen
    results = tuple(
        _entitlement(ent, case.person, tl, judicial, cp, as_of, paid.get(ent.id), months) for ent in case.entitlements
    )
    return CaseResult(
        person_id=case.person.id,
        as_of=as_of,
        known_at=known_at,
        key_groups=key_group_flags(case.person, policy, as_of),
        died_on=tl.death.occurred_on if tl.death else None,
        entitlements=results,
    )


def key_group_flags(person: PersonFacts, policy: Policy, as_of: dt.date) -> frozenset[KeyGroup]:
    """R-KEY-1: VERY_OLD from the birth date and the policy age; the others from the ledger."""
    age = policy.version_at(as_of).key_group_age
    if birthday(person.birth_date, age) <= as_of:
        return person.key_groups | {KeyGroup.VERY_OLD}
    return frozenset(person.key_groups)


def _entitlement(
    ent: EntitlementFacts,
    person: PersonFacts,
    tl: _Timeline,
    judicial: _JudicialFacts,
    cp: _Compiled,
    as_of: dt.date,
    paid: dict[int, int] | None,
    months: bool,
) -> EntitlementResult:
    eid = ent.id
    scheme = ent.scheme
    start_m = month_index(ent.start_month)
    last_m = month_index(as_of)
    n = max(last_m - start_m + 1, 0)

    # R-DTH-5: a death ends the entitlement; paid up to and including the month of death.
    death = tl.death
    died_on = death.occurred_on if death else None
    ended_from = month_index(died_on) + 1 if died_on else _OPEN
    end_reason = None
    if death is not None:
        end_reason = _reason("R-DTH-5", cp.at(death.occurred_on).id, (death.id,), "ended_death", (("died", died_on),))
    # R-WID-1/2: a stop is final.
    stop = _stop(ent, person, tl.dependant, cp, as_of)
    stopped_from = stop[0] if stop is not None and stop[0] < ended_from else _OPEN
    closed_from = min(ended_from, stopped_from)

    # R-CYC-5: whose certifications count for this entitlement.
    certs = tl.certs
    if scheme in cp.own_certification:
        certs = [
            c for c in certs if c.entitlement_id == eid or not cp.at(c.occurred_on).schemes[scheme].own_certification
        ]
    cycle = _cycle(ent, certs, cp, last_m, died_on)
    spans = list(cycle.spans)
    freeze: list[tuple[int, int]] = []
    kept_paid: list[tuple[int, int, Reason]] = []
    if judicial.spans or judicial.freeze or judicial.kept_paid:  # R-JUD-1: pensions only, by policy

        def applies(m: int) -> bool:
            return cp.versions[cp.index_for_month(m)].schemes[scheme].judicial_suspension

        spans.extend(s for s in judicial.spans if applies(s.first_m))
        freeze = [r for r in judicial.freeze if applies(r[0])]
        kept_paid = [r for r in judicial.kept_paid if applies(r[0])]
    spans.sort(key=lambda s: (s.cause != _JUDICIAL, s.first_m))
    horizon = min(last_m, closed_from - 1)

    decisions: list[MonthDecision] = []
    withheld_months: list[WithheldMonth] = []
    overpayments: tuple[Overpayment, ...] = ()
    if months:
        rates, rate_sources, rate_changes = _rates(ent, tl.amounts, freeze, start_m, n)

        # Which months are withheld, by which spans (R-SUS-1, R-JUD-1).
        withheld: dict[int, list[_Span]] = {}
        for s in spans:
            for m in range(max(s.first_m, start_m), min(s.last_m, horizon) + 1):
                withheld.setdefault(m, []).append(s)

        withheld_months, back_pay = _settle(withheld, rates, start_m, last_m, closed_from, died_on, cp)

        decisions = _decide(
            ent,
            cp,
            start_m,
            last_m,
            rates,
            rate_sources,
            rate_changes,
            withheld,
            back_pay,
            ended_from,
            end_reason,
            stopped_from,
            stop[1] if stop else None,
            cycle,
            kept_paid,
        )
        if paid:
            overpayments = _overpayments(
                eid, paid, decisions, withheld, withheld_months, start_m, last_m, death, stop, cp
            )

    # Status periods, status as of as_of, next due date.
    stop_day = month_start(stopped_from) if stopped_from != _OPEN else None
    periods = _periods(ent, spans, start_m, horizon, stop_day, stop, died_on, end_reason, cycle, cp, as_of)
    current = periods[-1]
    open_ = current.status in (EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED)
    next_due = cycle.due if open_ else None
    overdue_from = next_due + _ONE_DAY if next_due else None
    remind_on = None
    if next_due is not None:
        remind_on = next_due - dt.timedelta(days=cycle.due_version.reminder_lead_days)
    explanation = current.reason
    if current.status == EntitlementStatus.ACTIVE:
        explanation = _active_reason(ent, cycle.anchors[-1], cycle.due, cycle.due_version, as_of)

    last_anchor = cycle.anchors[-1]
    return EntitlementResult(
        entitlement_id=eid,
        scheme=scheme,
        status=current.status,
        causes=current.causes,
        explanation=explanation,
        periods=periods,
        last_certified_on=last_anchor[0] if last_anchor[1] is not None else None,
        next_due=next_due,
        overdue_from=overdue_from,
        is_overdue=overdue_from is not None and overdue_from <= as_of,
        remind_on=remind_on,
        stopped_from=stop_day,
        ended_on=died_on,
        decisions=tuple(decisions),
        withheld=tuple(withheld_months),
        overpayments=overpayments,
    )


def _settle(
    withheld: dict[int, list[_Span]],
    rates: list[int],
    start_m: int,
    last_m: int,
    closed_from: int,
    died_on: dt.date | None,
    cp: _Compiled,
) -> tuple[list[WithheldMonth], dict[int, list[tuple[int, list[_Span]]]]]:
    """What becomes of each withheld month, and which BACK_PAY month pays it (R-SUS-2, R-JUD-2).

    A withheld month is paid back in the month after every suspension covering it
    has been resolved with pay-back — or, if that month is itself withheld, in the
    next payable month.
    """
    out: list[WithheldMonth] = []
    back_pay: dict[int, list[tuple[int, list[_Span]]]] = {}
    for m in sorted(withheld):
        ss = withheld[m]
        amount = rates[m - start_m]
        forfeit = next((s for s in ss if s.resolution == _FORFEIT), None)
        pending = next((s for s in ss if s.resolution == _PENDING), None)
        if forfeit is not None:
            out.append(
                WithheldMonth(month_start(m), amount, BackPayOutcome.NOT_PAID_BACK, None, forfeit.outcome_reason)
            )
            continue
        if pending is not None:
            if died_on is not None:  # R-DTH-5: the suspension can no longer be resolved
                template = "wm_died_uncertified" if pending.cause == _OVERDUE else "wm_died_case_open"
                reason = _reason(
                    "R-DTH-5",
                    cp.at(died_on).id,
                    pending.reason.event_ids,
                    template,
                    related=(pending.outcome_reason.rule,),
                )
                out.append(WithheldMonth(month_start(m), amount, BackPayOutcome.NOT_PAID_BACK, None, reason))
            else:
                out.append(WithheldMonth(month_start(m), amount, BackPayOutcome.PENDING, None, pending.outcome_reason))
            continue
        due = p = max(s.pay_m for s in ss)
        while p in withheld:
            p += 1
        first = ss[0].outcome_reason
        if p >= closed_from:
            reason = Reason(first.rule, first.article, first.policy_version, first.event_ids, "wm_owed_on_close")
            out.append(WithheldMonth(month_start(m), amount, BackPayOutcome.OWED_ON_CLOSE, None, reason))
        elif p > last_m and p != due:  # the month it was due in is withheld again: wait
            reason = Reason(first.rule, first.article, first.policy_version, first.event_ids, "wm_waiting")
            out.append(WithheldMonth(month_start(m), amount, BackPayOutcome.SCHEDULED, None, reason))
        elif p > last_m:
            reason = Reason(
                first.rule,
                first.article,
                first.policy_version,
                first.event_ids,
                "wm_scheduled",
                (("paid_month", month_start(p)),),
            )
            out.append(WithheldMonth(month_start(m), amount, BackPayOutcome.SCHEDULED, month_start(p), reason))
        else:
            reason = Reason(
                first.rule,
                first.article,
                first.policy_version,
                first.event_ids,
                "wm_paid_back",
                (("paid_month", month_start(p)),),
            )
            out.append(WithheldMonth(month_start(m), amount, BackPayOutcome.PAID_BACK, month_start(p), reason))
            back_pay.setdefault(p, []).append((m, ss))
    return out, back_pay


def _decide(
    ent: EntitlementFacts,
    cp: _Compiled,
    start_m: int,
    last_m: int,
    rates: list[int],
    rate_sources: list[int | None],
    rate_changes: set[int],
    withheld: dict[int, list[_Span]],
    back_pay: dict[int, list[tuple[int, list[_Span]]]],
    ended_from: int,
    end_reason: Reason | None,
    stopped_from: int,
    stop_reason: Reason | None,
    cycle: _Cycle,
    kept_paid: list[tuple[int, int, Reason]],
) -> list[MonthDecision]:
    """R-PAY-1: exactly one decision per month from the start month to as_of's month.

    The months are cut into runs over which nothing changes (version, rate,
    last certification, suspension, stop, death); each run shares one reason, so
    the work per month is one tuple.
    """
    if last_m < start_m:
        return []
    eid = ent.id
    months = month_range(start_m, last_m + 1)
    anchor_months = [month_index(day) for day, _ in cycle.anchors]
    points = {start_m, last_m + 1, *rate_changes}
    points.update(x for x in (ended_from, stopped_from, *cp.month_starts, *anchor_months) if start_m < x <= last_m)
    for lo, hi, _ in kept_paid:
        points.update((lo, hi + 1))
    for m in (*withheld, *back_pay):
        points.update((m, m + 1))
    cuts = sorted(x for x in points if start_m <= x <= last_m + 1)
    cycle_rule = "R-CYC-2" if ent.scheme == Scheme.WORK_INJURY_LONG_TERM else "R-CYC-1"

    decisions: list[MonthDecision] = []
    extend = decisions.extend
    find = bisect.bisect_right
    version_starts = cp.month_starts
    version_ids = cp.version_ids
    anchors = cycle.anchors
    for a, b in itertools.pairwise(cuts):
        run = months[a - start_m : b - start_m]
        if a >= ended_from:
            extend([MonthDecision(eid, month, _ENDED, 0, 0, end_reason) for month in run])
            continue
        if a >= stopped_from:
            extend([MonthDecision(eid, month, _STOPPED, 0, 0, stop_reason) for month in run])
            continue
        i = a - start_m
        rate = rates[i]
        ss = withheld.get(a) if withheld else None
        if ss is not None:  # one month: cuts surround every withheld month
            reason = _combine([s.reason for s in ss])
            decisions.append(MonthDecision(eid, run[0], _WITHHOLD, 0, rate, reason))
            continue
        version = version_ids[find(version_starts, a) - 1]
        paid_back = back_pay.get(a) if back_pay else None
        if paid_back is not None:
            covered = tuple(month_start(w) for w, _ in paid_back)
            amount = sum(rates[w - start_m] for w, _ in paid_back)
            reason = _back_pay_reason(paid_back, version, rate, amount, covered)
            decisions.append(MonthDecision(eid, run[0], _BACK_PAY, rate + amount, rate, reason, covered, amount))
            continue
        kept = next((r for lo, hi, r in kept_paid if lo <= a <= hi), None) if kept_paid else None
        anchor = anchors[find(anchor_months, a) - 1]  # the last certification by this month
        reason = _pay_reason(version, rate, rate_sources[i], anchor, ent, kept, cycle_rule)
        extend([MonthDecision(eid, month, _PAY, rate, rate, reason) for month in run])
    return decisions


def _pay_reason(
    version: str,
    rate: int,
    rate_source: int | None,
    anchor: tuple[dt.date, EventFacts | None],
    ent: EntitlementFacts,
    kept: Reason | None,
    cycle_rule: str,
) -> Reason:
    cert = anchor[1]
    if cert is None:
        ids: tuple[int, ...] = () if rate_source is None else (rate_source,)
    else:
        ids = (cert.id,) if rate_source is None else (cert.id, rate_source)
    if kept is not None:  # R-POL-3: national profile keeps a non-custodial sentence paid
        return Reason(
            kept.rule,
            kept.article,
            version,
            kept.event_ids + ids,
            kept.template,
            (*kept.params, ("rate_fen", rate)),
            kept.related_rules,
        )
    if anchor[1] is None:
        return _reason(
            "R-PAY-1", version, ids, "pay_new", (("rate_fen", rate), ("start_month", ent.start_month)), (cycle_rule,)
        )
    return _reason("R-PAY-1", version, ids, "pay", (("rate_fen", rate), ("certified", anchor[0])), (cycle_rule,))


def _back_pay_reason(
    paid_back: list[tuple[int, list[_Span]]],
    version: str,
    rate: int,
    amount: int,
    months: tuple[dt.date, ...],
) -> Reason:
    """R-SUS-2 (certified) and/or R-JUD-2 (case cleared): what this BACK_PAY pays and why."""
    whys: list[str] = []
    ids: list[int] = []
    for _, ss in paid_back:
        for s in ss:
            if s.why not in whys:
                whys.append(s.why)
            for i in s.outcome_reason.event_ids:
                if i not in ids:
                    ids.append(i)
    rules = ["R-SUS-2" if w == "CERTIFIED" else "R-JUD-2" for w in whys]
    rules = list(dict.fromkeys(rules))
    params = (("rate_fen", rate), ("back_pay_fen", amount), ("months", months), ("why", tuple(whys)))
    return _reason(rules[0], version, tuple(ids), "back_pay", params, tuple(rules[1:]))


def _combine(reasons: list[Reason]) -> Reason:
    """One reason for a month under several suspensions: the first's rule, all the events."""
    if len(reasons) == 1:
        return reasons[0]
    first = reasons[0]
    ids: list[int] = []
    for r in reasons:
        ids.extend(i for i in r.event_ids if i not in ids)
    related = tuple(dict.fromkeys(r.rule for r in reasons[1:] if r.rule != first.rule))
    parts = tuple((str(i), (r.template, r.params)) for i, r in enumerate(reasons))
    return Reason(first.rule, first.article, first.policy_version, tuple(ids), "combined", parts, related)


def _active_reason(
    ent: EntitlementFacts,
    anchor: tuple[dt.date, EventFacts | None],
    due: dt.date,
    version: PolicyVersion,
    as_of: dt.date,
) -> Reason:
    cycle_rule = "R-CYC-2" if ent.scheme == Scheme.WORK_INJURY_LONG_TERM else "R-CYC-1"
    ids = (anchor[1].id,) if anchor[1] else ()
    if due < as_of:
        params = (("due", due), ("from_month", month_start(month_index(due) + 1)))
        return _reason("R-SUS-1", version.id, ids, "status_overdue", params, (cycle_rule,))
    if anchor[1] is None:
        params = (("start_month", ent.start_month), ("due", due))
        return _reason("R-CYC-3", version.id, ids, "status_active_new", params, (cycle_rule,))
    return _reason("R-CYC-3", version.id, ids, "status_active", (("certified", anchor[0]), ("due", due)), (cycle_rule,))


def _periods(
    ent: EntitlementFacts,
    spans: list[_Span],
    start_m: int,
    horizon: int,
    stop_day: dt.date | None,
    stop: tuple[int, Reason, EventFacts | None] | None,
    died_on: dt.date | None,
    end_reason: Reason | None,
    cycle: _Cycle,
    cp: _Compiled,
    as_of: dt.date,
) -> tuple[StatusPeriod, ...]:
    """Day-level status periods from the start date to as_of (end None = still so).

    A suspension shows from the first day of its first withheld month until the
    event that ends it; STOPPED from the first stopped month; ENDED from the date
    of death — and after a death nothing shows as suspended (R-DTH-5).
    """
    start = ent.start_month
    live = [s for s in spans if s.last_m >= start_m and max(s.first_m, start_m) <= horizon]
    points = {start}
    for s in live:
        points.add(max(s.start, start))
        if s.end is not None:
            points.add(s.end)
    if stop_day is not None:
        points.add(stop_day)
    if died_on is not None:
        points.add(max(died_on, start))
    ordered = sorted(p for p in points if start <= p and (p <= as_of or p == start))
    periods: list[StatusPeriod] = []
    for p in ordered:
        if died_on is not None and p >= died_on:
            status, causes, reason = EntitlementStatus.ENDED, (), end_reason
        elif stop_day is not None and p >= stop_day:
            status, causes, reason = EntitlementStatus.STOPPED, (), stop[1]
        else:
            covering = [s for s in live if s.start <= p and (s.end is None or p < s.end)]
            if covering:
                status = EntitlementStatus.SUSPENDED
                causes = tuple(dict.fromkeys(s.cause for s in covering))
                reason = _combine([s.reason for s in covering])
            else:
                status, causes = EntitlementStatus.ACTIVE, ()
                anchor = cycle.anchors[0]
                for a in cycle.anchors:
                    if a[0] <= p:
                        anchor = a
                due, version = cp.due_after(anchor[0], ent.scheme)
                reason = _active_reason(ent, anchor, due, version, p)
        if periods and periods[-1].status == status and periods[-1].causes == causes:
            continue
        if periods:
            prev = periods[-1]
            periods[-1] = StatusPeriod(prev.status, prev.start, p, prev.causes, prev.reason)
        periods.append(StatusPeriod(status, p, None, causes, reason))
    return tuple(periods)


def _overpayments(
    eid: int,
    paid: dict[int, int],
    decisions: list[MonthDecision],
    withheld: dict[int, list[_Span]],
    withheld_months: list[WithheldMonth],
    start_m: int,
    last_m: int,
    death: EventFacts | None,
    stop: tuple[int, Reason, EventFacts | None] | None,
    cp: _Compiled,
) -> tuple[Overpayment, ...]:
    """R-PAY-4: every month paid more than was due, with the events that prove it.

    What was due for a month: its rate when PAY or BACK_PAY (the back pay itself is
    recorded against the months it covers), or when withheld but settled with pay
    back; nothing when withheld for good or for now, stopped, ended, or before start.
    """
    settled: set[int] | None = None
    out = []
    for m in sorted(paid):
        amount = paid[m]
        if m > last_m or amount <= 0:
            continue  # months after as_of are not decided yet
        if m >= start_m:  # the common case first: paid what was due
            d = decisions[m - start_m]
            if (d.action is _PAY or d.action is _BACK_PAY) and amount <= d.rate_fen:
                continue
        month = month_start(m)
        if m < start_m:
            why = _reason("R-PAY-1", cp.versions[cp.index_for_month(m)].id, (), "before_start")
            out.append(_overpaid(eid, month, amount, 0, why, None, cp))
            continue
        d = decisions[m - start_m]
        if settled is None:
            settled = {
                month_index(w.month)
                for w in withheld_months
                if w.outcome in (BackPayOutcome.PAID_BACK, BackPayOutcome.SCHEDULED, BackPayOutcome.OWED_ON_CLOSE)
            }
        if d.action in (_PAY, _BACK_PAY) or (d.action == _WITHHOLD and m in settled):
            due = d.rate_fen
            if amount > due:
                reason = _reason(
                    "R-PAY-4",
                    d.reason.policy_version,
                    d.reason.event_ids,
                    "overpaid_excess",
                    (("month", month), ("due_fen", due), ("paid_fen", amount), ("amount_fen", amount - due)),
                    ("R-PAY-2",),
                )
                out.append(Overpayment(eid, month, amount, due, amount - due, reason, None))
            continue
        proof: tuple[EventFacts, ...]
        if d.action == _ENDED:
            proof = (death,) if death else ()
        elif d.action == _STOPPED:
            proof = (stop[2],) if stop and stop[2] else ()
        else:
            proof = tuple(e for s in withheld.get(m, ()) for e in s.proof)
        out.append(_overpaid(eid, month, amount, 0, d.reason, proof, cp))
    return tuple(out)


def _overpaid(
    eid: int,
    month: dt.date,
    amount: int,
    due: int,
    basis: Reason,
    proof: tuple[EventFacts, ...] | None,
    cp: _Compiled,
) -> Overpayment:
    proof = proof or ()
    ids = tuple(e.id for e in proof) or basis.event_ids
    known_since = max((e.recorded_at for e in proof), default=None)
    reason = Reason(
        "R-PAY-4",
        ARTICLES["R-PAY-4"],
        basis.policy_version,
        ids,
        "overpaid",
        (("month", month), ("why", (basis.template, basis.params)), ("paid_fen", amount), ("amount_fen", amount - due)),
        (basis.rule,),
    )
    return Overpayment(eid, month, amount, due, amount - due, reason, known_since)
