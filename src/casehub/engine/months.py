"""Calendar months for the rules engine.

In the engine's API a month is a `datetime.date` on the first day of the month
(the same convention as `Entitlement.start_month` in the models). Inside the
engine a month is an int index, `year * 12 + month - 1`, so that ranges, sets and
comparisons of months cost nothing. Pure: no I/O.
"""

from __future__ import annotations

import calendar
import datetime as dt

_FIRSTS: dict[int, dt.date] = {}
_BASE = 1900 * 12
_TABLE: tuple[dt.date, ...] = tuple(dt.date(i // 12, i % 12 + 1, 1) for i in range(_BASE, 2200 * 12))


def month_index(day: dt.date) -> int:
    """The month `day` falls in, as an int index."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    """The first day of month `index` (cached: one `date` object per month)."""
    if _BASE <= index < _BASE + len(_TABLE):
        return _TABLE[index - _BASE]
    first = _FIRSTS.get(index)
    if first is None:
        first = _FIRSTS[index] = dt.date(index // 12, index % 12 + 1, 1)
    return first


def month_range(start: int, stop: int) -> list[dt.date]:
    """The first days of months start, start+1, ..., stop-1."""
    if start >= _BASE and stop <= _BASE + len(_TABLE):
        return list(_TABLE[start - _BASE : stop - _BASE])
    return [month_start(i) for i in range(start, stop)]


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus `months` calendar months, the day clamped to the month's end (Aug 31 + 6 = Feb 28)."""
    index = month_index(day) + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday(birth_date: dt.date, age: int) -> dt.date:
    """The day a person born on `birth_date` reaches `age`; 29 February counts from 1 March.

    Interpretation: one has completed N years (周岁) once the anniversary has passed,
    so in a year without 29 February the birthday falls on 1 March.
    """
    year = birth_date.year + age
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return dt.date(year, 3, 1)
    return birth_date.replace(year=year)



def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years (周岁) on `day`; 29 February birthdays count from 1 March (`birthday`)."""
    years = day.year - birth_date.year
    return years if birthday(birth_date, years) <= day else years - 1
