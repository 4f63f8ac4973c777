"""The processes' vocabulary as enums, shared by their models, services and the GraphQL schema.

Pure: no I/O and no ORM.
"""

from __future__ import annotations

from enum import StrEnum


class ReportStatus(StrEnum):
    """A reporting body's monthly death report, as of a day (R-DTH-4)."""

    ON_TIME = "ON_TIME"
    LATE = "LATE"  # received after the due day, with the days late
    MISSING = "MISSING"  # the due day has passed and nothing was received: a compliance finding
    NOT_DUE = "NOT_DUE"  # nothing received yet, the due day has not passed


class NoticeStatus(StrEnum):
    """A village's half-yearly public notice (R-PUB-1)."""

    POSTED = "POSTED"  # up, and no removal date recorded yet
    COMPLETE = "COMPLETE"  # removed after at least the policy's working days
    TOO_SHORT = "TOO_SHORT"  # removed before the policy's working days were reached
    MISSING = "MISSING"  # no notice for the period (in a compliance list only)


class TipOffStatus(StrEnum):
    """R-PUB-2: each tip-off is handled: closed with a finding, or referred to an investigation."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    REFERRED = "REFERRED"


class FindingResult(StrEnum):
    """What a spot check found about one sampled recipient (R-SPT-1)."""

    CONFIRMED = "CONFIRMED"  # alive and eligible: the certification stands
    CONTRADICTS_CERTIFICATION = "CONTRADICTS_CERTIFICATION"  # the certification on file is not true
    NOT_FOUND = "NOT_FOUND"  # the recipient could not be found
    DIED = "DIED"  # the recipient has died (a DIED event is recorded)


class ReferralSource(StrEnum):
    """What a referral to an investigation comes from (R-ACC-3)."""

    TIP_OFF = "TIP_OFF"
    SPOT_CHECK = "SPOT_CHECK"


class ProcessErrorCode(StrEnum):
    """Machine-readable reasons for refusing an input; the API returns them as typed field errors."""

    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_MANY = "TOO_MANY"  # an input list longer than its documented cap
    DUPLICATE = "DUPLICATE"
    NOT_FOUND = "NOT_FOUND"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"  # outside the viewer's region or unit
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"  # R-PAP-5: fails the GB 11643 check
    PERSON_NOT_FOUND = "PERSON_NOT_FOUND"
    PERSON_NOT_IN_AREA = "PERSON_NOT_IN_AREA"  # the person is not a recipient of the reporting body
    INVALID_MONTH = "INVALID_MONTH"
    INVALID_PERIOD = "INVALID_PERIOD"
    NOT_A_REPORTING_BODY = "NOT_A_REPORTING_BODY"
    DATE_IN_FUTURE = "DATE_IN_FUTURE"
    DATE_OUT_OF_RANGE = "DATE_OUT_OF_RANGE"
    CONFLICTING_DATE = "CONFLICTING_DATE"  # a resubmitted row contradicts the one recorded
    OUTSIDE_CALENDAR = "OUTSIDE_CALENDAR"  # a date the statutory holiday calendar does not cover
    ALREADY_EXISTS = "ALREADY_EXISTS"
    ALREADY_HANDLED = "ALREADY_HANDLED"
    ALREADY_RECORDED = "ALREADY_RECORDED"
    COMPUTED_GROUP = "COMPUTED_GROUP"  # VERY_OLD follows from the birth date and is never recorded
    NO_NOTIFIER = "NO_NOTIFIER"
