"""Chinese resident ID numbers (GB 11643): validation, derived facts, masking.

Birth date and sex are *derived* from the number and never typed twice
(RULES.md, Vocabulary). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

from casehub.errors import ValidationError

_REASONS = {
    InvalidLength: ("INVALID_LENGTH", "must be 18 characters: 17 digits and a check digit"),
    InvalidFormat: ("INVALID_FORMAT", "the first 17 characters must be digits"),
    InvalidChecksum: ("INVALID_CHECK_DIGIT", "the check digit does not match (ISO 7064 MOD 11-2)"),
    InvalidComponent: ("INVALID_COMPONENT", "the birth date or area code in it does not exist"),
}


@dataclass(frozen=True, slots=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F": digit 17 odd for male

    @property
    def area_code(self) -> str:
        return self.number[:6]


@functools.lru_cache(maxsize=4096)
def parse_id_number(raw: str, *, field: str = "idNumber") -> IdNumber:
    """Validate `raw` and return it with its derived birth date and sex.

    Raises `ValidationError` naming `field` and the exact reason. Pure, so answers are remembered
    (validating costs more than the lookup a number is asked for; errors are never cached).
    """
    text = (raw or "").strip().upper()
    try:
        number = ric.validate(text)
    except tuple(_REASONS) as exc:
        code, reason = _REASONS[type(exc)]
        raise ValidationError(field, code, f"invalid ID number {text!r}: {reason}") from None
    birth_date = ric.get_birth_date(number)
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_date=birth_date, sex=sex)


def make_id_number(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a checksum-correct number from its parts (used by synthetic data).

    `sequence` is the 3-digit order code; odd means male.
    """
    body = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def mask_id_number(number: str) -> str:
    """`532922********1234`: area kept, birth date and order code hidden."""
    return number[:6] + "*" * 8 + number[14:]


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)
