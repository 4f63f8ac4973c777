"""Builders for the payroll and casework tests: events at given times, months, sweeps."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from casehub.domain import Channel, EventType
from casehub.engine.months import add_months
from casehub.models import Entitlement, Event, Person, Staff
from casehub.payroll.runs import close_run
from casehub.payroll.sweep import SweepSummary, sweep

CST = dt.timezone(dt.timedelta(hours=8))
_keys = itertools.count(1)


def month(year: int, m: int) -> dt.date:
    return dt.date(year, m, 1)


def month_end(first: dt.date) -> dt.date:
    return add_months(first, 1) - dt.timedelta(days=1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), CST)


async def record(
    person: Person, type_: EventType, occurred_on: dt.date, recorded_on: dt.date | None = None, **payload
) -> Event:
    """An event that happened on `occurred_on` and reached the bureau on `recorded_on` (R-TL-2)."""
    return await Event.create(
        person=person, type=type_, occurred_on=occurred_on, recorded_at=at(recorded_on or occurred_on),
        source_adapter="test", natural_key=f"test:{next(_keys)}", payload=payload,
    )


async def certify(person: Person, on: dt.date, recorded_on: dt.date | None = None) -> Event:
    return await record(person, EventType.CERTIFIED, on, recorded_on, channel=Channel.APP_SELF)


async def entitlement(person: Person) -> Entitlement:
    return await Entitlement.get(person_id=person.id)


async def sweep_month(first: dt.date, tmp_path: Path | None = None, **kwargs) -> SweepSummary:
    """Sweep a month as of its last day, with "now" at the end of that day."""
    as_of = kwargs.pop("as_of", month_end(first))
    kwargs.setdefault("now", at(as_of, 18))
    return await sweep(first, as_of=as_of, report_dir=tmp_path, **kwargs)


async def sweep_and_close(first: dt.date, staff: Staff, tmp_path: Path | None = None, **kwargs) -> SweepSummary:
    summary = await sweep_month(first, tmp_path, **kwargs)
    await close_run(first, staff_id=staff.id)
    return summary
