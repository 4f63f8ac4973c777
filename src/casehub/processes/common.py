"""Helpers shared by the process services: collecting input problems, finding persons, months."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from casehub.errors import ValidationError, ValidationErrors
from casehub.idnumber import parse_id_number
from casehub.models import Person
from casehub.processes.vocabulary import ProcessErrorCode

MAX_INPUT_ROWS = 100  # cap on list inputs (rows of a report, evidence items); documented in docs/PROCESSES.md
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Problems:
    """Collects every problem in one input; `check()` raises them together (or nothing)."""

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def add(self, field: str, code: ProcessErrorCode, message: str) -> None:
        self.errors.append(ValidationError(field, code, message))

    def absorb(self, error: ValidationError) -> None:
        self.errors.append(error)

    def check(self) -> None:
        if self.errors:
            raise ValidationErrors(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)


def fail(field: str, code: ProcessErrorCode, message: str) -> ValidationError:
    """One problem, to raise."""
    return ValidationError(field, code, message)


def id_number(raw: str, field: str) -> str:
    """The normalised number, or a ValidationError with code INVALID_ID_NUMBER and the exact reason (R-PAP-5)."""
    try:
        return parse_id_number(raw, field=field).number
    except ValidationError as exc:
        raise ValidationError(field, ProcessErrorCode.INVALID_ID_NUMBER, exc.message) from None


async def person_by_id_number(raw: str, field: str) -> Person:
    number = id_number(raw, field)
    person = await Person.get_or_none(id_number=number).select_related("village")
    if person is None:
        raise ValidationError(field, ProcessErrorCode.PERSON_NOT_FOUND, f"no recipient with ID number {number}")
    return person


def parse_month(text: str, *, field: str = "month") -> dt.date:
    """"2026-10" → 2026-10-01."""
    match = _MONTH.match((text or "").strip())
    if match and 1 <= int(match[2]) <= 12:
        return dt.date(int(match[1]), int(match[2]), 1)
    raise fail(field, ProcessErrorCode.INVALID_MONTH, f"month {text!r} must look like 2026-10")


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def check_evidence(evidence: Sequence[str], field: str, problems: Problems) -> tuple[str, ...]:
    """Evidence references (file hashes, photo ids, form numbers): non-empty strings, capped."""
    if len(evidence) > MAX_INPUT_ROWS:
        problems.add(field, ProcessErrorCode.TOO_MANY, f"at most {MAX_INPUT_ROWS} evidence references")
    cleaned = tuple(e.strip() for e in evidence)
    if any(not e or len(e) > 200 for e in cleaned):
        problems.add(field, ProcessErrorCode.INVALID, "each evidence reference must be 1 to 200 characters")
    return cleaned
