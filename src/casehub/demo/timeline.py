"""Write each demo recipient's timeline (R-TL-1/2): certifications, deaths, judicial
measures, dependant changes, yearly amounts, reminders and corrections.

Pure: no I/O. Times are drawn on the Beijing clock and stored in UTC; an event
is only written if it was recorded before `today` began (the system cannot know
the rest yet), and recorded_at never falls before occurred_on. Certification
follows the policy's cycles (R-CYC-1/2, R-POL-2: 6 and 3 months under yangbi-2021,
12 and 6 under yunnan-2023) with due dates computed the way the rules engine does
(`due_after`): the next due date is the last certification plus the cycle of the
version in force, a later version with a longer cycle extending a running cycle,
and never before the first version's effective date. An entitlement older than the
launch is therefore due on 2021-11-01: its holders certify in the November 2021
launch campaign (some late, into December and January).
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from typing import Any

from casehub.demo.clock import (
    DAY,
    add_months,
    add_years,
    between,
    local_fixed,
    local_midnight,
    local_time,
    next_month,
    plus_days,
)
from casehub.demo.recipients import CHANNEL_MIX, LAUNCH, Recipient, StaffDirectory, hazard, raise_for
from casehub.demo.rows import EntitlementRow, EventRow
from casehub.domain import (
    CaseOutcome,
    Channel,
    CustodyMeasure,
    DependantRole,
    EventType,
    Penalty,
    Scheme,
)
from casehub.engine.months import age_on
from casehub.policy import Policy, default_policy

E = EventType
_FACE_FAILURES = (
    "face recognition did not match the ID photo",
    "liveness check failed",
    "photo too dark to compare",
)
_REPORT_DUE_DAY = {  # R-DTH-1..3: by which day of next month a death reaches the county
    Scheme.RESIDENT_PENSION: 5,
    Scheme.AGENCY_PENSION: 4,
    Scheme.ENTERPRISE_PENSION: 4,
}
_MEASURES = (
    CustodyMeasure.CRIMINAL_DETENTION,
    CustodyMeasure.BAIL,
    CustodyMeasure.ARREST,
    CustodyMeasure.RESIDENTIAL_SURVEILLANCE,
)
_MEASURE_DAYS = {
    CustodyMeasure.CRIMINAL_DETENTION: (10, 37),
    CustodyMeasure.BAIL: (90, 365),
    CustodyMeasure.ARREST: (60, 300),
    CustodyMeasure.RESIDENTIAL_SURVEILLANCE: (60, 180),
}
_OUTCOMES = (
    CaseOutcome.CONVICTED,
    CaseOutcome.WITHDRAWN,
    CaseOutcome.CONVICTED,
    CaseOutcome.NOT_PROSECUTED,
    CaseOutcome.CONVICTED,
    CaseOutcome.ACQUITTED,
)
# (penalty, months low..high, suspended, outside prison), in turn for convictions after custody
_SENTENCES = (
    (Penalty.CRIMINAL_DETENTION, (1, 6), False, False),
    (Penalty.FIXED_TERM, (12, 60), False, False),
    (Penalty.PUBLIC_SURVEILLANCE, (3, 24), False, False),
    (Penalty.FIXED_TERM, (6, 36), True, False),
    (Penalty.FIXED_TERM, (12, 48), False, True),
    (Penalty.CRIMINAL_DETENTION, (1, 6), True, False),
    (Penalty.FIXED_TERM, (24, 120), False, False),
)
_RAISE_DAY = {  # when each scheme's yearly increase was decided and entered (day in July)
    Scheme.AGENCY_PENSION: 8,
    Scheme.ENTERPRISE_PENSION: 12,
    Scheme.RESIDENT_PENSION: 16,
    Scheme.WORK_INJURY_LONG_TERM: 22,
}
_NEVER = dt.date.max


class TimelineWriter:
    """Holds what every timeline shares: the random stream, the horizon, staff and policy."""

    def __init__(self, rng: random.Random, today: dt.date, staff: StaffDirectory, policy: Policy | None = None) -> None:
        self.rng = rng
        self.today = today
        self.horizon = today - DAY  # the last day anything can have been recorded
        self.known_until = local_midnight(today)
        self.staff = staff
        self.policy = policy or default_policy()
        self.reminder_lead = dt.timedelta(days=self.policy.version_at(today).reminder_lead_days)

        self._ordinals = [v.effective.toordinal() for v in self.policy.versions]
        self._due: dict[tuple[Scheme, dt.date], dt.date] = {}

    def due_after(self, schemes: list[Scheme], anchor: dt.date) -> dt.date:
        """The next due date after a certification on `anchor`; the earliest of the schemes' (R-CYC-5)."""
        return min(self._scheme_due(s, anchor) for s in schemes)

    def _scheme_due(self, scheme: Scheme, anchor: dt.date) -> dt.date:
        """R-CYC-3 with R-POL-1, as `casehub.engine.evaluate` computes it."""
        due = self._due.get((scheme, anchor))
        if due is None:
            versions = self.policy.versions
            i = max(bisect.bisect_right(self._ordinals, anchor.toordinal()) - 1, 0)
            while True:
                v = versions[i]
                due = max(add_months(anchor, v.schemes[scheme].cycle_months), v.effective)
                if i + 1 == len(versions) or due < versions[i + 1].effective:
                    break
                i += 1
            self._due[(scheme, anchor)] = due
        return due

    def write(self, recipient: Recipient) -> list[EventRow]:
        return _Timeline(self, recipient).build()


def number_events(events: list[EventRow]) -> None:
    """Ids in recorded order (an append-only log), natural keys per person in their order."""
    per_person: dict[int, int] = {}
    events.sort(key=lambda e: (e.person_id, e.recorded_at))  # stable: ties keep the order written
    for e in events:
        n = per_person.get(e.person_id, 0) + 1
        per_person[e.person_id] = n
        e.natural_key = f"demo:{e.person_id}:{n}"
    events.sort(key=lambda e: (e.recorded_at, e.person_id))  # stable again: a person's ties keep n order
    for i, e in enumerate(events, 1):
        e.id = i


class _Timeline:
    """One recipient's story, written event by event."""

    def __init__(self, writer: TimelineWriter, r: Recipient) -> None:
        self.w = writer
        self.rng = writer.rng
        self.r = r
        self.staff = writer.staff
        self.events: list[EventRow] = []
        self.schemes = r.schemes
        self.primary = _primary(self.schemes)
        self.blocked: list[tuple[dt.date, dt.date]] = []  # held in custody or prison: cannot certify
        self.frozen: list[tuple[dt.date, dt.date]] = []  # serving a sentence: no yearly increase
        self.died_on: dt.date | None = None
        self.death_known_on = _NEVER  # the day the bureau recorded the death
        self.stop_on = _NEVER  # a dependant's benefit stops (age 18 or a change)
        self.stop_known_on = _NEVER

    # --- plumbing -----------------------------------------------------------------------------

    def emit(
        self,
        type_: EventType,
        occurred_on: dt.date,
        recorded_at: dt.datetime,
        payload: dict[str, Any] | None = None,
        *,
        staff: int | None = None,
        entitlement: EntitlementRow | None = None,
        evidence: list[str] | None = None,
        corrects: EventRow | None = None,
    ) -> EventRow | None:
        """Record an event, unless it was recorded after the horizon (not known yet)."""
        if recorded_at >= self.w.known_until:
            return None
        assert recorded_at.date() >= occurred_on, (type_, occurred_on, recorded_at)
        event = EventRow(
            person_id=self.r.person.id,
            type=type_,
            occurred_on=occurred_on,
            recorded_at=recorded_at,
            payload=payload or {},
            staff_id=staff,
            entitlement_id=entitlement.id if entitlement else None,
            evidence=evidence or [],
            corrects=corrects,
        )
        self.events.append(event)
        return event

    def office_hours(self, day: dt.date) -> dt.datetime:
        return local_time(self.rng, day, 9, 18)

    def county_staff(self) -> int:
        return self.rng.choice(self.staff.county)

    def local_staff(self) -> int:
        return self.staff.local(self.r.village, self.r.township)

    def unit_staff(self) -> int:
        assert self.r.unit is not None
        return self.staff.unit[self.r.unit.id]

    def case_ref(self, day: dt.date) -> str:
        return f"({day.year})云2922刑初{self.rng.randint(10, 480)}号"

    def photo(self) -> str:
        kind = "video" if self.rng.random() < 0.15 else "photo"
        return f"{kind}:sha256:{self.rng.getrandbits(256):064x}"

    # --- the story ----------------------------------------------------------------------------

    def build(self) -> list[EventRow]:
        r = self.r
        if r.story == "custody":
            self.custody()
        elif r.story == "sentenced":
            self.sentence_without_custody()
        if r.dependant is not None:
            self.dependant_stop()
        self.death()
        self.certifications()
        if r.story == "false_death":
            self.false_death_report()
        elif r.story == "wrong_person":
            self.wrong_person()
        self.amounts()
        return self.events

    # --- death (R-DTH-1..5, R-PAY-4) ------------------------------------------------------------

    def death(self) -> None:
        r, rng, w = self.r, self.rng, self.w
        story = r.story
        if story == "fraud_after_death":
            died = between(rng, LAUNCH + 30 * DAY, w.horizon - 540 * DAY)
            reported = plus_days(rng, died, 240, 420)
        elif story == "late_death":
            died = between(rng, LAUNCH + 30 * DAY, w.horizon - 400 * DAY)
            reported = plus_days(rng, died, 60, 360)
        elif story == "death_amended":
            died = between(rng, LAUNCH + 30 * DAY, w.horizon - 200 * DAY)
            reported = self.report_day(died, late=False)
        elif story is None:
            died = self.natural_death()
            if died is None:
                return
            reported = self.report_day(died, late=rng.random() < 0.12)
        else:
            return
        self.died_on = died
        late = (reported - died).days > 45
        staff = self.county_staff() if late or reported - died < 11 * DAY else self.reporter()
        occurred = died
        if story == "death_amended":  # reported with a wrong date, corrected later
            occurred = died + dt.timedelta(days=rng.randint(1, max(1, (reported - died).days)))
        event = self.emit(E.DIED, occurred, self.office_hours(reported), staff=staff)
        if event is None:
            return
        self.death_known_on = reported
        if story == "death_amended":
            fixed = plus_days(rng, reported, 7, 60)
            self.emit(
                E.AMENDED,
                fixed,
                self.office_hours(fixed),
                {"occurred_on": died.isoformat(), "reason": "date of death corrected from the death certificate"},
                staff=self.county_staff(),
                corrects=event,
            )

    def natural_death(self) -> dt.date | None:
        r, rng, w = self.r, self.rng, self.w
        birth = r.person.birth_date
        young = r.dependant is not None and r.dependant.role is not DependantRole.PARENT
        day = max(LAUNCH, r.first_start + 30 * DAY)
        while day < w.horizon:
            q = 0.001 if young else hazard(age_on(birth, day))
            if rng.random() < q:
                died = plus_days(rng, day, 0, 364)
                return died if died < w.horizon else None
            day = add_years(day, 1)
        return None

    def report_day(self, died: dt.date, *, late: bool) -> dt.date:
        """When the death reached the county: by the monthly report (R-DTH-1..3), or later."""
        rng = self.rng
        if late:  # found months later by a data comparison (civil affairs, cremation records)
            return plus_days(rng, died, 60, 540)
        roll = rng.random()
        if roll < 0.2:  # the family told the window
            return plus_days(rng, died, 1, 10)
        due_day = _REPORT_DUE_DAY.get(self.primary)
        if due_day is None:  # work injury: the unit reports when it learns
            return plus_days(rng, died, 3, 30)
        first = next_month(died)
        if roll < 0.95:
            return plus_days(rng, first, 0, due_day - 1)
        return plus_days(rng, first, due_day, due_day + 20)  # a late monthly report (R-DTH-4)

    def reporter(self) -> int:
        if self.primary in (Scheme.AGENCY_PENSION, Scheme.WORK_INJURY_LONG_TERM):
            return self.unit_staff()
        return self.staff.township[self.r.township]

    # --- certification (R-CYC-1..5, R-SUS-1/2) ----------------------------------------------------

    def certifications(self) -> None:
        r, rng, w = self.r, self.rng, self.w
        first = r.first_start
        campaign = first < LAUNCH  # due on the launch day: certify during November 2021
        if campaign:
            last, due = LAUNCH - DAY, LAUNCH
        else:
            last, due = first, w.due_after(self.schemes, first)  # R-CYC-3: from the start
        end = min(self.died_on or _NEVER, self.stop_on, w.today)  # no certification on or after this day
        known_end = min(self.death_known_on, self.stop_known_on, w.today)  # reminders stop here
        lapse_on = return_on = None
        if r.behaviour == "lapsing":
            lapse_on = between(rng, LAUNCH + 180 * DAY, w.horizon)
            if rng.random() < 0.4:
                return_on = plus_days(rng, lapse_on, 90, 540)
        amend_pending = r.story == "cert_amended"
        while True:
            late = r.behaviour == "sloppy" and rng.random() < 0.35
            if late:
                day = plus_days(rng, due, 3, 90)
            elif campaign:
                day = plus_days(rng, due, 0, 29)
            else:
                day = max(due - dt.timedelta(days=rng.randint(0, 50)), last + 30 * DAY)
            campaign = False
            if lapse_on is not None and day >= lapse_on:
                if return_on is not None and return_on > day:
                    day, lapse_on = return_on, None
                else:
                    day = None
            day = self.unblocked(day)
            self.reminders(last, due, day, known_end)
            if day is None or day >= end:
                break
            paper_with_typo = amend_pending and day >= LAUNCH + 90 * DAY
            self.certify(day, last, typo=paper_with_typo)
            amend_pending = amend_pending and not paper_with_typo
            last, due = day, w.due_after(self.schemes, day)
        if r.story == "fraud_after_death" and self.died_on is not None:
            self.certified_after_death(due)

    def unblocked(self, day: dt.date | None) -> dt.date | None:
        """A day inside custody or prison moves to a few weeks after release."""
        for first, last in self.blocked:
            if day is not None and first <= day <= last:
                day = plus_days(self.rng, last, 5, 40)
        return day

    def reminders(self, last: dt.date, due: dt.date, day: dt.date | None, known_end: dt.date) -> None:
        """Before the due date (policy: reminder_lead_days), and after it when still missing."""
        has_phone = self.r.person.phone is not None
        sends = [(due - self.w.reminder_lead, "SMS" if has_phone else "VILLAGE_ASSISTANT")]
        sends.append((due + 15 * DAY, "PHONE_CALL" if has_phone else "VILLAGE_ASSISTANT"))
        if day is None:
            sends.append((due + 60 * DAY, "VILLAGE_ASSISTANT"))
        for sent, channel in sends:
            if (day is not None and day <= sent) or not max(last, LAUNCH) < sent < known_end:
                continue
            staff = None if channel == "SMS" else self.local_staff()
            self.emit(
                E.REMINDER_SENT,
                sent,
                local_time(self.rng, sent, 9, 11),
                {"channel": channel, "due_on": due.isoformat()},
                staff=staff,
            )

    def certify(self, day: dt.date, last: dt.date, *, typo: bool = False) -> None:
        rng = self.rng
        age = age_on(self.r.person.birth_date, day)
        channel = self.r.habit if rng.random() < 0.7 else self.any_channel(age)
        if rng.random() < (0.12 if age >= 80 else 0.05):
            channel = self.failed_attempt(day, last, channel, age)
        if typo:
            channel = Channel.ONSITE_PAPER
        event = self.certified(day, channel, entered_as=add_months(day, -1) if typo else None)
        if typo and event is not None:  # R-TL-1: the wrong date stays visible, the amendment fixes it
            fixed = plus_days(rng, local_day_of(event), 5, 30)
            self.emit(
                E.AMENDED,
                fixed,
                self.office_hours(fixed),
                {"occurred_on": day.isoformat(), "reason": "form date mistyped when the form was entered"},
                staff=self.staff.township[self.r.township],
                corrects=event,
            )

    def any_channel(self, age: int) -> Channel:
        mix = dict(CHANNEL_MIX[self.primary])
        if age >= 80 and Channel.HOME_VISIT in mix:
            mix[Channel.HOME_VISIT] *= 5
        return self.rng.choices(list(mix), list(mix.values()))[0]

    def failed_attempt(self, day: dt.date, last: dt.date, channel: Channel, age: int) -> Channel:
        """A failed attempt shortly before the success; returns the channel that then worked."""
        rng = self.rng
        tried = max(day - dt.timedelta(days=rng.randint(0, 6)), last + DAY)
        if channel is Channel.DATA_COMPARISON:
            recorded = plus_days(rng, tried, 1, 10)
            reason = "no matching record in the comparison data"
        else:
            channel, recorded = Channel.APP_SELF, tried
            reason = rng.choice(_FACE_FAILURES)
        self.emit(
            E.CERTIFICATION_FAILED,
            tried,
            local_time(rng, recorded, 8, 22),
            {"channel": channel.value, "reason": reason},
        )
        if age >= 80 and Channel.HOME_VISIT in CHANNEL_MIX[self.primary]:
            return Channel.HOME_VISIT
        return rng.choice((Channel.APP_SELF, Channel.APP_SELF, Channel.WINDOW, Channel.ONSITE_PAPER))

    def certified(
        self, day: dt.date, channel: Channel, *, staff: int | None = None, entered_as: dt.date | None = None
    ) -> EventRow | None:
        """One CERTIFIED event, with the recording delay, staff and evidence of its channel (R-ACC-1)."""
        rng = self.rng
        evidence: list[str] = []
        if channel is Channel.APP_SELF:
            recorded = local_time(rng, day, 8, 22)
        elif channel is Channel.DATA_COMPARISON:  # the comparison batch runs early in the morning
            recorded = local_time(rng, plus_days(rng, day, 1, 20), 8, 9)
        elif channel is Channel.WINDOW:
            recorded = local_time(rng, day, 9, 17)
            staff = staff or self.county_staff()
        elif channel is Channel.HOME_VISIT:
            recorded = self.office_hours(plus_days(rng, day, 0, 7))
            staff = staff or self.local_staff()
            evidence = [self.photo()]
        else:  # ONSITE_PAPER: the form travels through the township or the unit (R-PAP-1..4)
            recorded = self.office_hours(plus_days(rng, day, 1, 14))
            staff = staff or self.paper_staff()
            evidence = [f"form:{self.form_prefix()}-{day:%Y%m%d}-{rng.randint(1, 9999):04d}", self.photo()]
        return self.emit(
            E.CERTIFIED, entered_as or day, recorded, {"channel": channel.value}, staff=staff, evidence=evidence
        )

    def paper_staff(self) -> int:
        if self.primary in (Scheme.AGENCY_PENSION, Scheme.WORK_INJURY_LONG_TERM):
            return self.unit_staff()  # R-PAP-3: the unit's handler
        if self.primary is Scheme.ENTERPRISE_PENSION:
            return self.staff.township[self.r.township]  # R-PAP-4: social insurance staff
        return self.local_staff()  # R-PAP-1: the village assistant

    def form_prefix(self) -> str:
        if self.r.unit is not None and self.primary is not Scheme.ENTERPRISE_PENSION:
            return self.r.unit.code
        return self.r.village if self.primary is Scheme.RESIDENT_PENSION else self.r.township

    def certified_after_death(self, due: dt.date) -> None:
        """Someone certified for the dead recipient; an investigation retracts it (R-ACC-2)."""
        rng = self.rng
        assert self.died_on is not None
        day = max(due - dt.timedelta(days=rng.randint(1, 20)), self.died_on + 10 * DAY)
        if day >= self.death_known_on:
            day = self.died_on + 10 * DAY
        channel = rng.choice((Channel.ONSITE_PAPER, Channel.APP_SELF))
        event = self.certified(day, channel)
        if event is None:
            return
        found = plus_days(rng, max(self.death_known_on, local_day_of(event)), 10, 90)
        self.emit(
            E.RETRACTED,
            found,
            self.office_hours(found),
            {"reason": "certified after the recipient's death: impersonation found by investigation"},
            staff=self.staff.investigator,
            corrects=event,
        )

    # --- judicial measures (R-JUD-1/2) ------------------------------------------------------------

    def custody(self) -> None:
        rng, w, i = self.rng, self.w, self.r.story_index
        measure = _MEASURES[i % len(_MEASURES)]
        outcome = _OUTCOMES[i % len(_OUTCOMES)]
        latest = w.horizon - (600 if i == 0 else 420) * DAY
        start = between(rng, LAUNCH + 30 * DAY, latest)
        ref = self.case_ref(start)
        self.emit(
            E.CUSTODY_STARTED,
            start,
            self.office_hours(plus_days(rng, start, 3, 45)),
            {"measure": measure.value, "case_ref": ref},
            staff=self.county_staff(),
        )
        end = plus_days(rng, start, *_MEASURE_DAYS[measure])
        held = measure in (CustodyMeasure.CRIMINAL_DETENTION, CustodyMeasure.ARREST)
        if held:
            self.blocked.append((start, end))
        self.emit(
            E.CUSTODY_ENDED,
            end,
            self.office_hours(plus_days(rng, end, 3, 40)),
            {"outcome": outcome.value, "case_ref": ref},
            staff=self.county_staff(),
        )
        if outcome is CaseOutcome.CONVICTED:  # i % 6 in (0, 2, 4): the n-th conviction
            convictions = i // 6 * 3 + i % 6 // 2
            self.sentence(end, ref, _SENTENCES[convictions % len(_SENTENCES)])

    def sentence_without_custody(self) -> None:
        rng, w, i = self.rng, self.w, self.r.story_index
        judged = between(rng, LAUNCH + 30 * DAY, w.horizon - 240 * DAY)
        if i == 0:  # first instance: prison; on appeal: suspended (AMENDED)
            self.sentence(judged, self.case_ref(judged), (Penalty.FIXED_TERM, (12, 36), False, False), appeal=True)
        elif i % 2:
            self.sentence(judged, self.case_ref(judged), (Penalty.PUBLIC_SURVEILLANCE, (3, 24), False, False))
        else:
            self.sentence(judged, self.case_ref(judged), (Penalty.FIXED_TERM, (6, 36), True, False))

    def sentence(
        self,
        judged: dt.date,
        ref: str,
        spec: tuple[Penalty, tuple[int, int], bool, bool],
        *,
        appeal: bool = False,
    ) -> None:
        rng = self.rng
        penalty, months, suspended, outside = spec
        payload = {"penalty": penalty.value, "suspended": suspended, "outside_prison": outside, "case_ref": ref}
        event = self.emit(
            E.SENTENCED, judged, self.office_hours(plus_days(rng, judged, 5, 60)), payload, staff=self.county_staff()
        )
        ends = add_months(judged, rng.randint(*months))
        in_prison = not (suspended or outside) and penalty is not Penalty.PUBLIC_SURVEILLANCE
        if appeal and event is not None:
            decided = plus_days(rng, local_day_of(event), 20, 100)
            self.emit(
                E.AMENDED,
                decided,
                self.office_hours(plus_days(rng, decided, 3, 20)),
                {"payload": {**payload, "suspended": True}, "reason": "second-instance judgment: sentence suspended"},
                staff=self.county_staff(),
                corrects=event,
            )
            ends, in_prison = decided, True  # held until the appeal decision, then released
        if in_prison:
            self.blocked.append((judged, ends))
        self.frozen.append((judged, ends))
        if not appeal:
            self.emit(
                E.SENTENCE_ENDED,
                ends,
                self.office_hours(plus_days(rng, ends, 3, 45)),
                {"case_ref": ref},
                staff=self.county_staff(),
            )

    # --- work-injury dependants (R-WID-1/2) -------------------------------------------------------

    def dependant_stop(self) -> None:
        r, rng = self.r, self.rng
        d = r.dependant
        assert d is not None
        if d.role is DependantRole.CHILD:
            self.stop_on = self.stop_known_on = add_years(r.person.birth_date, 18)  # computed, never reported
        if d.change is None or d.change_on is None:
            return
        self.stop_on = min(self.stop_on, d.change_on)
        late = not d.prompt_report and rng.random() < 0.3
        reported = plus_days(rng, d.change_on, *((90, 400) if late else (5, 45)))
        event = self.emit(
            E.DEPENDANT_CHANGED,
            d.change_on,
            self.office_hours(reported),
            {"change": d.change.value},
            staff=self.unit_staff(),
            entitlement=r.entitlements[0],
        )
        if event is not None:
            self.stop_known_on = min(self.stop_known_on, reported)

    # --- corrections of mistaken records (R-TL-1) -------------------------------------------------

    def false_death_report(self) -> None:
        """A death reported in error; the recipient turns up at the window and it is retracted."""
        rng, w = self.rng, self.w
        said = between(rng, LAUNCH + 90 * DAY, w.horizon - 200 * DAY)
        reported = plus_days(rng, next_month(said), 0, 4)
        event = self.emit(E.DIED, said, self.office_hours(reported), staff=self.staff.township[self.r.township])
        if event is None:
            return
        came = plus_days(rng, reported, 7, 60)
        self.certified(came, Channel.WINDOW)
        self.emit(
            E.RETRACTED,
            came,
            local_time(rng, came, 17, 19),
            {"reason": "reported in error: the recipient came to the county window in person"},
            staff=self.county_staff(),
            corrects=event,
        )

    def wrong_person(self) -> None:
        """A paper form entered against the wrong recipient of the same name, then retracted."""
        rng, w = self.rng, self.w
        day = between(rng, LAUNCH + 60 * DAY, w.horizon - 120 * DAY)
        event = self.certified(day, Channel.ONSITE_PAPER)
        if event is None:
            return
        noticed = plus_days(rng, local_day_of(event), 3, 30)
        self.emit(
            E.RETRACTED,
            noticed,
            self.office_hours(noticed),
            {"reason": "form belonged to another recipient with the same name"},
            staff=self.staff.township[self.r.township],
            corrects=event,
        )

    # --- yearly amounts ---------------------------------------------------------------------------

    def amounts(self) -> None:
        """Each January's increase, decided and entered in July, for entitlements on the roll."""
        r, w = self.r, self.w
        family = r.dependant.family if r.dependant else None
        for ent in r.entitlements:
            amount = ent.monthly_amount_fen
            base_year = max(ent.start_month, LAUNCH).year
            for year in range(ent.start_month.year + 1, w.today.year + 1):
                effective = dt.date(year, 1, 1)
                entered = dt.date(year, 7, _RAISE_DAY[ent.scheme])
                if effective <= LAUNCH:
                    continue
                if entered > w.horizon or self.death_known_on <= entered or self.stop_known_on <= entered:
                    break
                if self.stop_on <= effective or any(a <= effective <= b for a, b in self.frozen):
                    continue  # stopped, or frozen while serving a sentence (R-JUD-2)
                add, percent = raise_for(year)
                if ent.scheme is Scheme.RESIDENT_PENSION:
                    amount += add
                elif family is not None and r.dependant is not None:
                    amount = round(family.wage_in(year, base_year) * r.dependant.share)
                else:
                    amount = round(amount * (1 + percent))
                breach = family is not None and family.cap_breach is r
                self.amount_changed(ent, effective, entered, amount, breach=breach)
                if breach and family is not None:
                    family.cap_breach = None  # once

    def amount_changed(
        self, ent: EntitlementRow, effective: dt.date, entered: dt.date, amount: int, *, breach: bool
    ) -> None:
        recorded = local_fixed(entered, 10, (self.r.person.id * 7) % 14_400)
        # R-WID-3: typed with an extra digit, the amount alone exceeds the worker's wage
        entered_amount = amount * 10 if breach else amount
        event = self.emit(
            E.AMOUNT_CHANGED,
            effective,
            recorded,
            {"scheme": ent.scheme.value, "monthly_amount_fen": entered_amount},
            entitlement=ent,
        )
        if breach and event is not None:
            fixed = plus_days(self.rng, entered, 10, 40)
            self.emit(
                E.AMENDED,
                fixed,
                self.office_hours(fixed),
                {
                    "payload": {"scheme": ent.scheme.value, "monthly_amount_fen": amount},
                    "reason": "R-WID-3: entered with an extra digit, above the worker's wage; re-entered",
                },
                staff=self.staff.auditor,
                corrects=event,
            )


def _primary(schemes: list[Scheme]) -> Scheme:
    """The scheme whose rules and staff a person's certifications follow."""
    for scheme in (Scheme.WORK_INJURY_LONG_TERM, Scheme.AGENCY_PENSION, Scheme.ENTERPRISE_PENSION):
        if scheme in schemes:
            return scheme
    return Scheme.RESIDENT_PENSION


def local_day_of(event: EventRow) -> dt.date:
    """The Beijing date on which an event was recorded."""
    return (event.recorded_at + dt.timedelta(hours=8)).date()
