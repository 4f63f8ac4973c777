"""The county's calendar day (Asia/Shanghai), whatever the server's zone. Pure apart from the clock."""

from __future__ import annotations

import datetime as dt

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def today() -> dt.date:
    """Today in the county."""
    return dt.datetime.now(SHANGHAI).date()


def county_day(moment: dt.datetime) -> dt.date:
    """The county's calendar day at `moment` (an aware datetime)."""
    return moment.astimezone(SHANGHAI).date()
