"""The typed, field-level error every case mutation returns for an expected failure (Saleor style).

A refused input is data in the payload — `errors: [CaseError!]!` with `field` (the camelCase
path of the input field), `code` and a sentence — never a top-level GraphQL error. Permission
failures stay top-level; anything unexpected is masked and logged (`casehub.schema`).
"""

from __future__ import annotations

from enum import StrEnum

import strawberry

from casehub.certification import PaperFormCode
from casehub.errors import ValidationError


class CaseErrorCode(StrEnum):
    """Why a case mutation refused its input; each names the rule it enforces where there is one."""

    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_MANY = "TOO_MANY"  # an input list longer than its documented cap
    NOT_FOUND = "NOT_FOUND"  # no such record in the viewer's scope (never says which)
    DATE_IN_FUTURE = "DATE_IN_FUTURE"  # R-TL-2: an event cannot have happened after today
    BEFORE_BIRTH = "BEFORE_BIRTH"  # nothing happens to a recipient before the birth date in the ID number
    RECIPIENT_DIED = "RECIPIENT_DIED"  # R-DTH-5: after the recorded death
    ALREADY_DEAD = "ALREADY_DEAD"  # a death stands already: amend it instead
    NO_ENTITLEMENT = "NO_ENTITLEMENT"  # the recipient holds no (visible) entitlement in that scheme
    # R-PAP-1..6, R-ACC-1: a paper form's missing items, defined with the check itself (casehub.certification)
    MISSING_SIGNATURE = PaperFormCode.MISSING_SIGNATURE.value
    MISSING_SEAL = PaperFormCode.MISSING_SEAL.value
    MISSING_EVIDENCE = PaperFormCode.MISSING_EVIDENCE.value
    MISSING_ATTACHMENTS = PaperFormCode.MISSING_ATTACHMENTS.value
    NO_OPEN_CASE = "NO_OPEN_CASE"  # R-JUD-2: an end needs the measure or sentence it ends
    ALREADY_ENDED = "ALREADY_ENDED"
    ENDS_BEFORE_START = "ENDS_BEFORE_START"
    NOT_A_DEPENDANT = "NOT_A_DEPENDANT"  # R-WID-1: only a work-injury dependant's benefit stops so
    CHANGE_NOT_APPLICABLE = "CHANGE_NOT_APPLICABLE"  # R-WID-1: e.g. REMARRIED for a child
    ALREADY_RETRACTED = "ALREADY_RETRACTED"  # R-TL-1
    NOT_AMENDABLE = "NOT_AMENDABLE"  # corrections and reminders are not amended: retract them
    NOTHING_TO_AMEND = "NOTHING_TO_AMEND"
    FIELD_NOT_APPLICABLE = "FIELD_NOT_APPLICABLE"  # an amendment names a field the event does not have
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"  # a clientMutationId reused for a different write


CaseErrorCodeEnum = strawberry.enum(CaseErrorCode, name="CaseErrorCode")


@strawberry.type(description="Why an input was refused: which field (camelCase path), a code, a sentence.")
class CaseError:
    field: str | None
    code: CaseErrorCodeEnum
    message: str

    @classmethod
    def from_validation(cls, error: ValidationError) -> CaseError:
        code = CaseErrorCode(error.code) if error.code in CaseErrorCode.__members__ else CaseErrorCode.INVALID
        return cls(field=error.field, code=code, message=error.message)


class Problems:
    """Collects every problem of one input, so the person fixing it sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[CaseError] = []

    def add(self, field: str | None, code: CaseErrorCode, message: str) -> None:
        self.errors.append(CaseError(field=field, code=code, message=message))

    def __bool__(self) -> bool:
        return bool(self.errors)
