"""Working days under the Chinese statutory calendar (R-PUB-1 notice periods, R-RPT-1 latencies).

The `chinesecalendar` package knows each year's public holidays and the adjusted working days
(调休) that the State Council announces every autumn for the next year. A date outside the years
it covers is an explicit error naming the date, never a guess: the cure is a newer package.

Counting is O(1) per question after a year has been seen once: each year's running count of
working days is computed once and cached.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

from casehub.errors import ValidationError
from casehub.processes.vocabulary import ProcessErrorCode


def _outside(day: dt.date, field: str, detail: str) -> ValidationError:
    return ValidationError(
        field,
        ProcessErrorCode.OUTSIDE_CALENDAR,
        f"{day.isoformat()} is outside the statutory holiday calendar ({detail}); "
        "install a newer chinesecalendar once that year's holidays are published",
    )


@lru_cache(maxsize=64)
def _running_counts(year: int) -> tuple[int, ...]:
    """Working days from 1 January up to and including each day of `year` (index: day of year - 1)."""
    day, counts, total = dt.date(year, 1, 1), [], 0
    while day.year == year:
        total += chinese_calendar.is_workday(day)
        counts.append(total)
        day += dt.timedelta(days=1)
    return tuple(counts)


def _counts(day: dt.date, field: str) -> tuple[int, ...]:
    try:
        return _running_counts(day.year)
    except NotImplementedError as exc:
        raise _outside(day, field, str(exc)) from None


def is_working_day(day: dt.date, *, field: str = "date") -> bool:
    counts = _counts(day, field)
    index = day.timetuple().tm_yday - 1
    return counts[index] > (counts[index - 1] if index else 0)


def working_days_after(start: dt.date, end: dt.date, *, field: str = "date") -> int:
    """Working days d with start < d <= end (0 when end <= start): how many working days `end` is after `start`."""
    if end <= start:
        return 0
    total = 0
    year = start.year
    before = _counts(start, field)[start.timetuple().tm_yday - 1]
    while year < end.year:
        total += _counts(dt.date(year, 12, 31), field)[-1] - before
        year, before = year + 1, 0
    return total + _counts(end, field)[end.timetuple().tm_yday - 1] - before


def working_days_from(first: dt.date, last: dt.date, *, field: str = "date") -> int:
    """Working days from `first` to `last`, both included (0 when last < first)."""
    if last < first:
        return 0
    return working_days_after(first, last, field=field) + is_working_day(first, field=field)


def nth_working_day(first: dt.date, n: int, *, field: str = "date") -> dt.date:
    """The day on which `n` working days are complete, counting from `first` (included when it is one)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, seen = first, 0
    while True:
        seen += is_working_day(day, field=field)
        if seen == n:
            return day
        day += dt.timedelta(days=1)
