"""The payroll's vocabulary as plain enums (imported by the models, the services and the schema)."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """A payroll month: OPEN while it is prepared, CLOSED once paid; a CLOSED month never changes."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class LineKind(StrEnum):
    """What a payment line pays (R-PAY-1/2)."""

    NORMAL = "NORMAL"  # the payroll month's own payment
    BACK_PAY = "BACK_PAY"  # a withheld month paid back (R-SUS-2, R-JUD-2)
    ADJUSTMENT = "ADJUSTMENT"  # a closed month paid less than was due, made good later (arrears, overrides)


class LineSource(StrEnum):
    SWEEP = "SWEEP"  # planned by the monthly sweep from the engine's decisions
    IMPORT = "IMPORT"  # recorded from the finance office's records (history, corrections)


class IntakeSource(StrEnum):
    """Where a certification that is not applied yet came from (R-CYC-4, Art. 8)."""

    APP_RESULT = "APP_RESULT"  # 云南人社12333 / 一部手机办事通 result received, not yet applied
    IMPORT_ROW = "IMPORT_ROW"  # a row of an import batch (data comparison, paper forms)
    PAPER_FORM = "PAPER_FORM"  # a paper form received at the bureau, being checked (R-PAP-*)


class IntakeStatus(StrEnum):
    RECEIVED = "RECEIVED"  # in processing
    APPLIED = "APPLIED"  # recorded on the timeline as a CERTIFIED event
    REJECTED = "REJECTED"  # refused (bad form, unknown person, failed face check)


class SweepStatus(StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class AdjustmentKind(StrEnum):
    """One row of the month's payroll adjustment list for the finance office."""

    NEW = "NEW"  # first payment of a new entitlement
    SUSPEND = "SUSPEND"  # paid last month, withheld this month (R-SUS-1, R-JUD-1)
    RESUME = "RESUME"  # withheld last month, paid this month
    BACK_PAY = "BACK_PAY"  # withheld months paid back this month (R-SUS-2, R-JUD-2)
    STOP = "STOP"  # work-injury benefit stopped (R-WID-1)
    END = "END"  # death (R-DTH-5)
    AMOUNT = "AMOUNT"  # the monthly amount changed
    ARREARS = "ARREARS"  # a closed month paid less than was due, paid now
    OVERRIDE = "OVERRIDE"  # a manual decision approved under four eyes
    HELD = "HELD"  # overdue, but a certification is in processing: not suspended this month
    RECOVER = "RECOVER"  # an overpayment found: a recovery case (R-PAY-4)
    DUPLICATE = "DUPLICATE"  # duplicate receipt found (R-DUP-1)
