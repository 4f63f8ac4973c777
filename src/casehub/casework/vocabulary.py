"""The casework vocabulary as plain enums: recovery, investigations, approvals, findings.

Pure: imported by the models, the services and the GraphQL schema alike.
"""

from __future__ import annotations

from enum import StrEnum


class RecoveryStatus(StrEnum):
    """A recovery case (R-PAY-4); derived from its figures, never set by hand."""

    OPEN = "OPEN"  # amount outstanding, no instalment plan
    INSTALMENTS = "INSTALMENTS"  # outstanding, repaid under an approved instalment plan
    SETTLED = "SETTLED"  # nothing outstanding, at least part repaid
    WRITTEN_OFF = "WRITTEN_OFF"  # nothing outstanding, waived in full
    CANCELLED = "CANCELLED"  # the overpayment fell away (the proving event was retracted)


class RepaymentMethod(StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH = "CASH"  # at the bureau's counter, with a receipt number
    OFFSET = "OFFSET"  # deducted from benefits still payable (e.g. to the estate)


class InvestigationStatus(StrEnum):
    """R-ACC-3: opened, under investigation, concluded (substantiated or not), referred, closed."""

    OPENED = "OPENED"
    INVESTIGATING = "INVESTIGATING"
    CONCLUDED_SUBSTANTIATED = "CONCLUDED_SUBSTANTIATED"
    CONCLUDED_NOT_SUBSTANTIATED = "CONCLUDED_NOT_SUBSTANTIATED"
    REFERRED = "REFERRED"  # 移交司法机关 (R-ACC-2)
    CLOSED = "CLOSED"


IS = InvestigationStatus
# The life cycle (R-ACC-3). Reopening a CLOSED investigation is not a transition anyone can
# make: it is a manual decision that needs a second person's approval (four eyes).
TRANSITIONS: dict[InvestigationStatus, frozenset[InvestigationStatus]] = {
    IS.OPENED: frozenset({IS.INVESTIGATING}),
    IS.INVESTIGATING: frozenset({IS.CONCLUDED_SUBSTANTIATED, IS.CONCLUDED_NOT_SUBSTANTIATED}),
    IS.CONCLUDED_SUBSTANTIATED: frozenset({IS.REFERRED, IS.CLOSED}),
    IS.CONCLUDED_NOT_SUBSTANTIATED: frozenset({IS.CLOSED}),
    IS.REFERRED: frozenset({IS.CLOSED}),
    IS.CLOSED: frozenset(),
}


class OriginType(StrEnum):
    """What an investigation was opened from (R-ACC-3, R-PUB-2, R-SPT-1)."""

    TIP_OFF = "TIP_OFF"  # 举报 received during a public notice (part A)
    SPOT_CHECK_FINDING = "SPOT_CHECK_FINDING"  # a spot-check finding (part A)
    REFERRAL = "REFERRAL"  # part A's InvestigationReferral
    RECOVERY_CASE = "RECOVERY_CASE"  # an overpayment found by the sweep (R-PAY-4)
    DUPLICATE_RECEIPT = "DUPLICATE_RECEIPT"  # R-DUP-1
    STAFF = "STAFF"  # opened on an investigator's own initiative


class LinkKind(StrEnum):
    """What an investigation can rest on (R-ACC-3)."""

    TIP_OFF = "TIP_OFF"
    SPOT_CHECK_FINDING = "SPOT_CHECK_FINDING"
    REFERRAL = "REFERRAL"
    EVENT = "EVENT"
    RECOVERY_CASE = "RECOVERY_CASE"
    DUPLICATE_RECEIPT = "DUPLICATE_RECEIPT"


class AccountabilityKind(StrEnum):
    """R-ACC-2: the two clauses of Art. 12."""

    CERTIFICATION_FAILURE = "CERTIFICATION_FAILURE"  # certification not done as required: names staff
    FRAUD = "FRAUD"  # fraud, forged evidence or other means: names the person, the fund's loss


class AccountabilityOutcome(StrEnum):
    PENDING = "PENDING"
    NO_ACTION = "NO_ACTION"
    CRITICISM = "CRITICISM"  # 批评教育
    DISCIPLINARY_ACTION = "DISCIPLINARY_ACTION"  # 党纪政务处分
    REPAYMENT_ORDERED = "REPAYMENT_ORDERED"  # 责令退回
    ADMINISTRATIVE_PENALTY = "ADMINISTRATIVE_PENALTY"  # 行政处罚 (社会保险法 art. 88)
    REFERRED_TO_JUDICIAL = "REFERRED_TO_JUDICIAL"  # 移交司法机关


class ApprovalKind(StrEnum):
    """Manual decisions that take effect only once a second staff member approves (four eyes)."""

    DECISION_OVERRIDE = "DECISION_OVERRIDE"  # override the engine's decision for an entitlement-month
    RECOVERY_WAIVER = "RECOVERY_WAIVER"  # waive part or all of a recovery
    INSTALMENT_PLAN = "INSTALMENT_PLAN"  # repay a recovery in instalments
    REOPEN_INVESTIGATION = "REOPEN_INVESTIGATION"  # reopen a CLOSED investigation


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class OverrideAction(StrEnum):
    """What a manual decision sets for an entitlement-month (R-PAY-1)."""

    PAY = "PAY"  # pay `amount_fen` for the month
    WITHHOLD = "WITHHOLD"  # pay nothing for the month


class DuplicateStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class DuplicateResolution(StrEnum):
    ENTITLEMENT_ENDED = "ENTITLEMENT_ENDED"  # one of the two was ended (recorded on the timeline)
    NOT_DUPLICATE = "NOT_DUPLICATE"  # checked: lawful (e.g. the records were wrong)
    INVESTIGATION = "INVESTIGATION"  # handed to an investigation


class FindingKind(StrEnum):
    """What investigators are alerted to."""

    OVERPAYMENT = "OVERPAYMENT"  # R-PAY-4
    DUPLICATE_RECEIPT = "DUPLICATE_RECEIPT"  # R-DUP-1


class CaseworkErrorCode(StrEnum):
    """Codes of the typed field errors the casework and payroll mutations return."""

    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    NOT_POSITIVE = "NOT_POSITIVE"  # an amount must be more than zero fen
    EXCEEDS_OUTSTANDING = "EXCEEDS_OUTSTANDING"
    INVALID_TRANSITION = "INVALID_TRANSITION"  # R-ACC-3 life cycle
    PAYROLL_CLOSED = "PAYROLL_CLOSED"  # a CLOSED payroll month never changes
    PAYROLL_ORDER = "PAYROLL_ORDER"  # earlier months must be closed first
    NOT_SWEPT = "NOT_SWEPT"  # close a month only after its sweep
    SAME_PERSON = "SAME_PERSON"  # four eyes: the approver must be someone else
    NOT_PERMITTED = "NOT_PERMITTED"  # the approver lacks the permission the request needs
    ALREADY_DECIDED = "ALREADY_DECIDED"
    TOO_MANY_INSTALMENTS = "TOO_MANY_INSTALMENTS"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"  # the record is outside the viewer's area
