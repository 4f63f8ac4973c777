"""One input per mutation (Saleor style). Lists are capped (`MAX_EVIDENCE`, `MAX_INPUT_LIST`).

`clientMutationId` makes a write idempotent: the same id sent again by the same staff member
returns the event already recorded instead of recording a second one. Without it, each write
has a natural key made of what it records (e.g. a death: the recipient and the date), so the
same fact sent twice is recorded once too.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from casehub.schema.common import MAX_EVIDENCE, MAX_INPUT_LIST
from casehub.schema.enums import (
    CaseOutcomeEnum,
    ChannelEnum,
    CustodyMeasureEnum,
    DependantChangeEnum,
    PenaltyEnum,
    SchemeEnum,
)


def _client_mutation_id_field() -> str | None:
    return strawberry.field(
        default=None, description="Any string up to 64 characters; the same id again returns the same event."
    )


def _evidence_field() -> list[str]:
    return strawberry.field(
        default_factory=list, description=f"References (form numbers, photo ids, file hashes); at most {MAX_EVIDENCE}."
    )


@strawberry.input(description="A signature on a paper form: the policy's role code and the signer's name.")
class SignatureInput:
    role: str = strawberry.field(description="e.g. VILLAGE_GROUP_LEADER, VILLAGE_ASSISTANT, VILLAGE_DIRECTOR.")
    name: str


@strawberry.input(description="A piece of evidence of a kind the policy names (PHOTO, VIDEO, …).")
class EvidenceInput:
    kind: str
    reference: str


@strawberry.input(
    description="The paper confirmation form of an ONSITE_PAPER certification (R-PAP-1..6): checked against the "
    f"policy version in force on the day for the scheme. Lists at most {MAX_INPUT_LIST} items."
)
class PaperFormInput:
    form_number: str
    signatures: list[SignatureInput] = strawberry.field(default_factory=list)
    seals: list[str] = strawberry.field(default_factory=list, description="Seal codes, e.g. UNIT_SEAL.")
    evidence: list[EvidenceInput] = strawberry.field(default_factory=list)
    attachments: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="A successful certification (R-CYC-1..5, R-ACC-1).")
class RecordCertificationInput:
    recipient_id: strawberry.ID
    channel: ChannelEnum
    certified_on: dt.date
    scheme: SchemeEnum | None = strawberry.field(
        default=None,
        description="Certify this entitlement only; by default it counts for every entitlement (R-CYC-5). "
        "Required for ONSITE_PAPER (the form is the scheme's).",
    )
    paper_form: PaperFormInput | None = strawberry.field(default=None, description="Required for ONSITE_PAPER.")
    evidence: list[str] = _evidence_field()
    note: str | None = None
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="A death (R-DTH-5): ends every entitlement; paid up to the month of death.")
class RecordDeathInput:
    recipient_id: strawberry.ID
    died_on: dt.date
    evidence: list[str] = _evidence_field()
    note: str | None = None
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="A coercive measure before judgment starts (R-JUD-1).")
class RecordCustodyStartedInput:
    recipient_id: strawberry.ID
    measure: CustodyMeasureEnum
    case_ref: str = strawberry.field(description="The judicial case reference; the end names it again.")
    started_on: dt.date
    evidence: list[str] = _evidence_field()
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="A measure ends (R-JUD-2): the outcome decides whether withheld months are paid back.")
class RecordCustodyEndedInput:
    recipient_id: strawberry.ID
    outcome: CaseOutcomeEnum
    case_ref: str
    ended_on: dt.date
    evidence: list[str] = _evidence_field()
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="A sentence (R-JUD-1/2, R-POL-3).")
class RecordSentenceInput:
    recipient_id: strawberry.ID
    penalty: PenaltyEnum
    case_ref: str
    sentenced_on: dt.date
    suspended: bool = strawberry.field(default=False, description="缓刑: a suspended sentence.")
    outside_prison: bool = strawberry.field(default=False, description="监外执行: served outside prison.")
    evidence: list[str] = _evidence_field()
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="A sentence ends: release, end of term (R-JUD-2).")
class RecordSentenceEndedInput:
    recipient_id: strawberry.ID
    case_ref: str
    ended_on: dt.date
    evidence: list[str] = _evidence_field()
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="A work-injury dependant is adopted, employed, enlisted or remarries (R-WID-1).")
class RecordDependantChangeInput:
    recipient_id: strawberry.ID
    change: DependantChangeEnum
    occurred_on: dt.date
    evidence: list[str] = _evidence_field()
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="Withdraw an event recorded in error (R-TL-1): it stays on the timeline, retracted.")
class RetractEventInput:
    event_id: strawberry.ID
    reason: str
    client_mutation_id: str | None = _client_mutation_id_field()


@strawberry.input(description="What an amendment changes; give only the fields that change and apply to the event.")
class EventChangesInput:
    occurred_on: dt.date | None = None
    channel: ChannelEnum | None = None
    measure: CustodyMeasureEnum | None = None
    outcome: CaseOutcomeEnum | None = None
    penalty: PenaltyEnum | None = None
    suspended: bool | None = None
    outside_prison: bool | None = None
    case_ref: str | None = None
    change: DependantChangeEnum | None = None


@strawberry.input(description="Correct an event's date or facts (R-TL-1): the original stays, with the amendment.")
class AmendEventInput:
    event_id: strawberry.ID
    changes: EventChangesInput
    reason: str
    client_mutation_id: str | None = _client_mutation_id_field()
