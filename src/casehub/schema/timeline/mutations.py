"""Recording events from front ends: certifications, deaths, judicial events, dependant changes, corrections.

Each mutation takes one `…Input`, builds a `Recording` (what, for whom, its natural key, its
checks) and hands it to `recording.perform`, which is the same for all: scope, idempotency,
checks, `timeline.record_events`, `cases.refresh_states`, audit. The payload carries typed
field errors for refused input; permission failures are top-level errors.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import orjson
import strawberry

from casehub.auth import Permission
from casehub.certification import PaperForm, PaperFormCode, missing_items
from casehub.domain import Channel, DependantChange, EventType, Scheme
from casehub.models import Person
from casehub.schema.common import MAX_INPUT_LIST, MAX_TEXT, node_pk
from casehub.schema.errors import CaseError, CaseErrorCode, Problems
from casehub.schema.permissions import has
from casehub.schema.recipients.types import Recipient
from casehub.schema.timeline import inputs
from casehub.schema.timeline.recording import Outcome, Plan, Recording, perform
from casehub.schema.timeline.types import TimelineEvent
from casehub.schema.timeline.validation import (
    MAX_REF,
    Subject,
    amendment_payload,
    check_day,
    check_evidence,
    check_scheme,
    check_text,
)

E = CaseErrorCode


@strawberry.type
class EventPayload:
    errors: list[CaseError]
    event: TimelineEvent | None = strawberry.field(description="The event recorded (or recorded before).")
    recipient: Recipient | None = strawberry.field(description="The recipient, with the status as it is now.")
    duplicate: bool = strawberry.field(description="True when this write had been recorded already (idempotent).")
    client_mutation_id: str | None

    @classmethod
    def from_outcome(cls, outcome: Outcome, client_mutation_id: str | None) -> EventPayload:
        return cls(
            errors=outcome.errors,
            event=TimelineEvent.from_model(outcome.event) if outcome.event else None,
            recipient=Recipient.from_model(outcome.person) if outcome.person and not outcome.errors else None,
            duplicate=outcome.duplicate,
            client_mutation_id=client_mutation_id,
        )


async def _recipient(info: strawberry.Info, recipient_id: str) -> Person | None:
    pk = node_pk(recipient_id, "Recipient")
    return await info.context.loaders.person.load(pk) if pk is not None else None


async def _record(
    info: strawberry.Info, recording: Recording, recipient_id: str
) -> EventPayload:
    person = await _recipient(info, recipient_id)
    outcome = await perform(info, recording, person, missing="recipientId", requested=recipient_id)
    return EventPayload.from_outcome(outcome, recording.client_mutation_id)


def _ref(value: str, field: str, problems: Problems) -> str:
    return check_text(value, field, problems, limit=MAX_REF, required=True) or ""


# Where the API reports each missing item of a paper form (R-PAP-6).
_PAPER_FORM_FIELDS = {
    PaperFormCode.MISSING_SIGNATURE: "paperForm.signatures",
    PaperFormCode.MISSING_SEAL: "paperForm.seals",
    PaperFormCode.MISSING_EVIDENCE: "paperForm.evidence",
    PaperFormCode.MISSING_ATTACHMENTS: "paperForm.attachments",
}


def _paper_form(form: inputs.PaperFormInput, number: str) -> PaperForm:
    """The form as given, in the policy's item codes: blank entries dropped, codes upper-cased."""
    signatures: dict[str, list[str]] = defaultdict(list)
    for s in form.signatures:
        if s.name.strip():
            signatures[s.role.strip().upper()].append(s.name.strip())
    evidence: dict[str, list[str]] = defaultdict(list)
    for ev in form.evidence:
        if ev.reference.strip():
            evidence[ev.kind.strip().upper()].append(ev.reference.strip())
    seals = frozenset(s.strip().upper() for s in form.seals if s.strip())
    attachments = tuple(a.strip() for a in form.attachments if a.strip())
    return PaperForm(number, dict(signatures), seals, dict(evidence), attachments)


def _certification(i: inputs.RecordCertificationInput, person: Person | None, policy) -> Recording:
    channel = Channel(i.channel)
    form = i.paper_form
    pid = person.id if person else 0
    if channel is Channel.ONSITE_PAPER and form is not None and i.scheme is not None:
        key, key_field = f"paper_forms:{Scheme(i.scheme).value}:{form.form_number.strip()}", "paperForm.formNumber"
    elif channel is Channel.HOME_VISIT and person is not None:
        key, key_field = f"home-visit:{person.id_number}:{i.certified_on.isoformat()}", "certifiedOn"
    else:
        scheme = Scheme(i.scheme).value if i.scheme else "ALL"
        key, key_field = f"api:certified:{pid}:{scheme}:{channel.value}:{i.certified_on.isoformat()}", "certifiedOn"

    def plan(subject: Subject, problems: Problems) -> Plan:
        check_day(subject, i.certified_on, "certifiedOn", problems)
        check_scheme(subject, i.scheme, "scheme", problems)
        evidence = list(check_evidence(i.evidence, "evidence", problems))
        payload: dict = {"channel": channel.value}
        note = check_text(i.note, "note", problems, limit=MAX_TEXT, required=False)
        if note:
            payload["note"] = note
        if channel is not Channel.ONSITE_PAPER:
            if form is not None:
                problems.add("paperForm", E.INVALID, "a paper form goes with ONSITE_PAPER certifications only")
            return Plan(i.certified_on, payload, evidence, i.scheme)
        # R-PAP-1..6: the scheme's form, checked against the policy version in force that day (R-POL-1)
        if i.scheme is None:
            problems.add("scheme", E.REQUIRED, "name the scheme whose paper form this is")
        if form is None:
            problems.add("paperForm", E.REQUIRED, "an ONSITE_PAPER certification needs its paper form (R-PAP-1..4)")
        if i.scheme is None or form is None:
            return Plan(i.certified_on, payload, evidence, i.scheme)
        number = _ref(form.form_number, "paperForm.formNumber", problems)
        for values, name in ((form.signatures, "signatures"), (form.seals, "seals"), (form.evidence, "evidence"),
                             (form.attachments, "attachments")):  # fmt: skip
            if len(values) > MAX_INPUT_LIST:
                problems.add(f"paperForm.{name}", E.TOO_MANY, f"at most {MAX_INPUT_LIST} items")
        paper = _paper_form(form, number)
        version = policy.version_at(i.certified_on)
        need = version.paper_forms.get(Scheme(i.scheme))
        if need is None:
            problems.add("scheme", E.INVALID, f"the policy has no paper form for {Scheme(i.scheme).value}")
        else:
            for item in missing_items(paper, need):
                problems.add(_PAPER_FORM_FIELDS[item.code], CaseErrorCode(item.code), item.message())
        if not paper.evidence and not evidence and not any(e.code is E.MISSING_EVIDENCE for e in problems.errors):
            problems.add("paperForm.evidence", E.MISSING_EVIDENCE, "a paper certification needs evidence (R-ACC-1)")
        payload.update(paper.payload(version))
        evidence = [f"form:{number}", *(f"{k.lower()}:{r}" for k in sorted(paper.evidence) for r in paper.evidence[k]),
                    *paper.attachments, *evidence]  # fmt: skip
        return Plan(i.certified_on, payload, evidence, i.scheme)

    return Recording("RECORD_CERTIFICATION", EventType.CERTIFIED, key, plan, i.client_mutation_id, key_field)


def _death(i: inputs.RecordDeathInput, pid: int) -> Recording:
    def plan(subject: Subject, problems: Problems) -> Plan:
        check_day(subject, i.died_on, "diedOn", problems, after_death=True)
        if subject.died_on is not None:
            problems.add("diedOn", E.ALREADY_DEAD,
                         f"a death on {subject.died_on} is recorded already: amend that event to change the date")
        note = check_text(i.note, "note", problems, limit=MAX_TEXT, required=False)
        return Plan(i.died_on, {"note": note} if note else {}, check_evidence(i.evidence, "evidence", problems))

    key = f"api:died:{pid}:{i.died_on.isoformat()}"
    return Recording("RECORD_DEATH", EventType.DIED, key, plan, i.client_mutation_id)


def _custody_started(i: inputs.RecordCustodyStartedInput, pid: int) -> Recording:
    def plan(subject: Subject, problems: Problems) -> Plan:
        check_day(subject, i.started_on, "startedOn", problems)
        ref = _ref(i.case_ref, "caseRef", problems)
        payload = {"measure": i.measure.value, "case_ref": ref}
        return Plan(i.started_on, payload, check_evidence(i.evidence, "evidence", problems))

    key = f"api:custody:{pid}:{i.case_ref.strip()}:{i.measure.value}:{i.started_on.isoformat()}"
    return Recording("RECORD_CUSTODY_STARTED", EventType.CUSTODY_STARTED, key, plan, i.client_mutation_id)


def _case_end(
    subject: Subject, problems: Problems, *, opened_by: EventType, ended_by: EventType, case_ref: str, day
) -> None:
    """An end needs the measure or sentence it ends, not ended yet, and comes after it (R-JUD-2)."""
    opened = subject.case_events(opened_by, case_ref)
    if not opened:
        problems.add("caseRef", E.NO_OPEN_CASE, f"no {opened_by.value} with this case reference on record")
        return
    if subject.case_events(ended_by, case_ref):
        problems.add("caseRef", E.ALREADY_ENDED, "the case has ended already: amend that event instead")
    started = max(e.occurred_on for e in opened)
    if day < started:
        problems.add("endedOn", E.ENDS_BEFORE_START, f"{day} is before the {opened_by.value} on {started}")


def _custody_ended(i: inputs.RecordCustodyEndedInput, pid: int) -> Recording:
    def plan(subject: Subject, problems: Problems) -> Plan:
        check_day(subject, i.ended_on, "endedOn", problems, after_death=True)
        ref = _ref(i.case_ref, "caseRef", problems)
        _case_end(subject, problems, opened_by=EventType.CUSTODY_STARTED, ended_by=EventType.CUSTODY_ENDED,
                  case_ref=ref, day=i.ended_on)  # fmt: skip
        payload = {"outcome": i.outcome.value, "case_ref": ref}
        return Plan(i.ended_on, payload, check_evidence(i.evidence, "evidence", problems))

    key = f"api:custody-ended:{pid}:{i.case_ref.strip()}:{i.ended_on.isoformat()}"
    return Recording("RECORD_CUSTODY_ENDED", EventType.CUSTODY_ENDED, key, plan, i.client_mutation_id)


def _sentence(i: inputs.RecordSentenceInput, pid: int) -> Recording:
    def plan(subject: Subject, problems: Problems) -> Plan:
        check_day(subject, i.sentenced_on, "sentencedOn", problems)
        ref = _ref(i.case_ref, "caseRef", problems)
        payload = {"penalty": i.penalty.value, "suspended": i.suspended, "outside_prison": i.outside_prison,
                   "case_ref": ref}  # fmt: skip
        return Plan(i.sentenced_on, payload, check_evidence(i.evidence, "evidence", problems))

    key = f"api:sentenced:{pid}:{i.case_ref.strip()}:{i.sentenced_on.isoformat()}"
    return Recording("RECORD_SENTENCE", EventType.SENTENCED, key, plan, i.client_mutation_id)


def _sentence_ended(i: inputs.RecordSentenceEndedInput, pid: int) -> Recording:
    def plan(subject: Subject, problems: Problems) -> Plan:
        check_day(subject, i.ended_on, "endedOn", problems, after_death=True)
        ref = _ref(i.case_ref, "caseRef", problems)
        _case_end(subject, problems, opened_by=EventType.SENTENCED, ended_by=EventType.SENTENCE_ENDED,
                  case_ref=ref, day=i.ended_on)  # fmt: skip
        return Plan(i.ended_on, {"case_ref": ref}, check_evidence(i.evidence, "evidence", problems))

    key = f"api:sentence-ended:{pid}:{i.case_ref.strip()}:{i.ended_on.isoformat()}"
    return Recording("RECORD_SENTENCE_ENDED", EventType.SENTENCE_ENDED, key, plan, i.client_mutation_id)


def _dependant_change(i: inputs.RecordDependantChangeInput, pid: int, policy) -> Recording:
    change = DependantChange(i.change)

    def plan(subject: Subject, problems: Problems) -> Plan:
        check_day(subject, i.occurred_on, "occurredOn", problems)
        entitlement = subject.entitlement(Scheme.WORK_INJURY_LONG_TERM)
        if entitlement is None or entitlement.dependant_role is None:
            problems.add("recipientId", E.NOT_A_DEPENDANT,
                         "the recipient holds no work-injury dependant's benefit you can see (R-WID-1)")  # fmt: skip
        else:
            applies = policy.version_at(i.occurred_on).work_injury.stop_changes.get(entitlement.dependant_role, ())
            if change not in applies:
                problems.add("change", E.CHANGE_NOT_APPLICABLE,
                             f"{change.value} does not stop a {entitlement.dependant_role.value} dependant's benefit "
                             "(R-WID-1)")  # fmt: skip
        evidence = check_evidence(i.evidence, "evidence", problems)
        return Plan(i.occurred_on, {"change": change.value}, evidence, Scheme.WORK_INJURY_LONG_TERM)

    key = f"api:dependant-changed:{pid}:{change.value}:{i.occurred_on.isoformat()}"
    return Recording("RECORD_DEPENDANT_CHANGE", EventType.DEPENDANT_CHANGED, key, plan, i.client_mutation_id)


def _changes(c: inputs.EventChangesInput) -> dict:
    fields = ("channel", "measure", "outcome", "penalty", "suspended", "outside_prison", "case_ref", "change")
    return {f: getattr(c, f) for f in fields if getattr(c, f) is not None}


@strawberry.type
class TimelineMutations:
    @strawberry.mutation(
        description="Record a successful certification (R-CYC-4: applied at once, whatever the channel). "
        "ONSITE_PAPER needs the scheme's paper form, checked per R-PAP-1..6.",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def record_certification(self, info: strawberry.Info, input: inputs.RecordCertificationInput) -> EventPayload:
        person = await _recipient(info, input.recipient_id)
        recording = _certification(input, person, info.context.policy)
        outcome = await perform(info, recording, person, missing="recipientId", requested=input.recipient_id)
        return EventPayload.from_outcome(outcome, input.client_mutation_id)

    @strawberry.mutation(description="Record a death (R-DTH-5).", permission_classes=[has(Permission.RECORD_EVENTS)])
    async def record_death(self, info: strawberry.Info, input: inputs.RecordDeathInput) -> EventPayload:
        return await _record(info, _death(input, _pk(input.recipient_id)), input.recipient_id)

    @strawberry.mutation(
        description="Record a coercive measure starting (R-JUD-1).", permission_classes=[has(Permission.RECORD_EVENTS)]
    )
    async def record_custody_started(
        self, info: strawberry.Info, input: inputs.RecordCustodyStartedInput
    ) -> EventPayload:
        return await _record(info, _custody_started(input, _pk(input.recipient_id)), input.recipient_id)

    @strawberry.mutation(
        description="Record a coercive measure ending, with the outcome (R-JUD-2).",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def record_custody_ended(self, info: strawberry.Info, input: inputs.RecordCustodyEndedInput) -> EventPayload:
        return await _record(info, _custody_ended(input, _pk(input.recipient_id)), input.recipient_id)

    @strawberry.mutation(
        description="Record a sentence (R-JUD-1/2, R-POL-3).", permission_classes=[has(Permission.RECORD_EVENTS)]
    )
    async def record_sentence(self, info: strawberry.Info, input: inputs.RecordSentenceInput) -> EventPayload:
        return await _record(info, _sentence(input, _pk(input.recipient_id)), input.recipient_id)

    @strawberry.mutation(
        description="Record the end of a sentence (R-JUD-2).", permission_classes=[has(Permission.RECORD_EVENTS)]
    )
    async def record_sentence_ended(
        self, info: strawberry.Info, input: inputs.RecordSentenceEndedInput
    ) -> EventPayload:
        return await _record(info, _sentence_ended(input, _pk(input.recipient_id)), input.recipient_id)

    @strawberry.mutation(
        description="Record a work-injury dependant's adoption, employment, enlistment or remarriage (R-WID-1).",
        permission_classes=[has(Permission.RECORD_EVENTS)],
    )
    async def record_dependant_change(
        self, info: strawberry.Info, input: inputs.RecordDependantChangeInput
    ) -> EventPayload:
        recording = _dependant_change(input, _pk(input.recipient_id), info.context.policy)
        return await _record(info, recording, input.recipient_id)

    @strawberry.mutation(
        description="Retract an event recorded in error (R-TL-1): a RETRACTED event pointing at it; both stay.",
        permission_classes=[has(Permission.CORRECT_EVENTS)],
    )
    async def retract_event(self, info: strawberry.Info, input: inputs.RetractEventInput) -> EventPayload:
        target = await _target(info, input.event_id)

        def plan(subject: Subject, problems: Problems) -> Plan:
            reason = check_text(input.reason, "reason", problems, limit=MAX_TEXT, required=True)
            if target.id in subject.retracted:
                problems.add("eventId", E.ALREADY_RETRACTED, "the event is retracted already")
            return Plan(subject.today, {"reason": reason}, corrects_id=target.id)

        key = f"api:retracted:{target.id if target else 0}"
        recording = Recording("RETRACT_EVENT", EventType.RETRACTED, key, plan, input.client_mutation_id)
        return await _correct(info, recording, target, input.event_id)

    @strawberry.mutation(
        description="Amend an event's date or facts (R-TL-1): an AMENDED event pointing at it; both stay.",
        permission_classes=[has(Permission.CORRECT_EVENTS)],
    )
    async def amend_event(self, info: strawberry.Info, input: inputs.AmendEventInput) -> EventPayload:
        target = await _target(info, input.event_id)
        changes = _changes(input.changes)
        occurred_on = input.changes.occurred_on

        def plan(subject: Subject, problems: Problems) -> Plan:
            reason = check_text(input.reason, "reason", problems, limit=MAX_TEXT, required=True)
            if target.id in subject.retracted:
                problems.add("eventId", E.ALREADY_RETRACTED, "a retracted event is not amended")
            if not changes and occurred_on is None:
                problems.add("changes", E.NOTHING_TO_AMEND, "give the date or a fact that changes")
            payload = amendment_payload(target, changes, problems)
            amendment: dict = {"reason": reason}
            if occurred_on is not None:
                check_day(subject, occurred_on, "changes.occurredOn", problems, after_death=True)
                amendment["occurred_on"] = occurred_on.isoformat()
            if payload:
                amendment["payload"] = payload
            return Plan(subject.today, amendment, corrects_id=target.id)

        digest = hashlib.sha256(
            orjson.dumps({**changes, "occurred_on": occurred_on}, option=orjson.OPT_SORT_KEYS, default=str)
        ).hexdigest()[:16]
        key = f"api:amended:{target.id if target else 0}:{digest}"
        recording = Recording("AMEND_EVENT", EventType.AMENDED, key, plan, input.client_mutation_id)
        return await _correct(info, recording, target, input.event_id)


def _pk(recipient_id: str) -> int:
    return node_pk(recipient_id, "Recipient") or 0


async def _target(info: strawberry.Info, event_id: str):
    pk = node_pk(event_id, "TimelineEvent")
    return await info.context.loaders.event.load(pk) if pk is not None else None


async def _correct(info: strawberry.Info, recording: Recording, target, event_id: str) -> EventPayload:
    person = await info.context.loaders.person.load(target.person_id) if target is not None else None
    outcome = await perform(info, recording, person, missing="eventId", requested=event_id)
    return EventPayload.from_outcome(outcome, recording.client_mutation_id)
