"""Calendar helpers for the generator: months, years, random days and local clock times.

Times are drawn on the Asia/Shanghai wall clock (China has had no daylight saving
since 1991, so a fixed +08:00 offset is exact for every date generated here) and
returned in UTC, the way the database stores them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random

CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
UTC = dt.UTC
DAY = dt.timedelta(days=1)
_UTC_OFFSET_MINUTES = 8 * 60


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (Aug 31 + 6 months = Feb 28/29)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """Anniversaries: Feb 29 falls back to Feb 28 in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    return add_months(month_start(day), 1)


def between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A uniformly drawn day in [first, last]; `first` when the range is empty."""
    span = (last - first).days
    return first + dt.timedelta(days=rng.randint(0, span)) if span > 0 else first


def plus_days(rng: random.Random, day: dt.date, low: int, high: int) -> dt.date:
    return day + dt.timedelta(days=rng.randint(low, high))


def local_time(rng: random.Random, day: dt.date, from_hour: int, to_hour: int) -> dt.datetime:
    """A moment on `day` between from_hour:00 and to_hour:00 Beijing time, in UTC.

    `from_hour` must be 8 or later so that the UTC date is `day` too: recorded_at
    then never falls on a date before occurred_on, in either time zone.
    """
    second = rng.randrange(from_hour * 3600, to_hour * 3600) - _UTC_OFFSET_MINUTES * 60
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC) + dt.timedelta(seconds=second)


def local_fixed(day: dt.date, hour: int, second_offset: int = 0) -> dt.datetime:
    """`day` at hour:00 Beijing time plus `second_offset` seconds, in UTC (no randomness)."""
    seconds = (hour * 60 - _UTC_OFFSET_MINUTES) * 60 + second_offset
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC) + dt.timedelta(seconds=seconds)


def local_midnight(day: dt.date) -> dt.datetime:
    """The first moment of `day` in Beijing, in UTC."""
    return local_fixed(day, 0)
