"""Half-year periods ("2026-H1") for the public notice (R-PUB-1) and the spot check (R-SPT-1).

Both recur every `interval_months` of the policy; the Yangbi measure says half-yearly (每半年),
and only that interval is supported: another one in a policy is refused with a clear message
rather than mislabelled. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from casehub.errors import CasehubError, ValidationError
from casehub.processes.vocabulary import ProcessErrorCode

_LABEL = re.compile(r"^(\d{4})-H([12])$")
HALF_YEAR_MONTHS = 6


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    half: int  # 1: January to June, 2: July to December

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> Period:
        match = _LABEL.match((text or "").strip())
        if not match:
            raise ValidationError(
                field, ProcessErrorCode.INVALID_PERIOD, f"period {text!r} must look like 2026-H1 or 2026-H2"
            )
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls(day.year, 1 if day.month <= HALF_YEAR_MONTHS else 2)

    @property
    def label(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    def __str__(self) -> str:
        return self.label


def check_half_yearly(interval_months: int, what: str) -> None:
    """Refuse a policy whose interval is not the half-year these periods model."""
    if interval_months != HALF_YEAR_MONTHS:
        raise CasehubError(
            f"the policy sets the {what} interval to {interval_months} months; "
            f"casehub supports half-yearly periods ({HALF_YEAR_MONTHS} months) only"
        )
