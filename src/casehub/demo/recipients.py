"""Who the demo recipients are: the facts the timeline writer needs, and shared constants.

Generation-time values, not rows: a `Recipient` wraps its `PersonRow` and
`EntitlementRow`s with its behaviour and story; a work-injury dependant belongs to
a `Family`. Pure: no I/O, no randomness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from casehub.demo.rows import EntitlementRow, PersonRow, UnitRow
from casehub.domain import Channel, DependantChange, DependantRole, Scheme

LAUNCH = dt.date(2021, 11, 1)  # Art. 14: the measure, and so every timeline, starts here
STAFF_SINCE = dt.date(2021, 10, 25)  # staff accounts were opened the week before the launch
EMPLOYEE_ROLL_SINCE = dt.date(2000, 1, 1)  # older employee pensions were migrated with this start
RESIDENT_ROLLOUT = dt.date(2011, 7, 1)  # the resident pension reached the county (synthetic date)

# Yearly increases, effective each January (occurred_on) and recorded when decided in
# July: the resident pension's basic part in fen, employee pensions and the work-injury
# wage base by a percentage. Synthetic figures of plausible size.
RESIDENT_BASE_2021_FEN = 10_300
RAISES: dict[int, tuple[int, float]] = {
    2022: (500, 0.040),
    2023: (1_000, 0.038),
    2024: (2_000, 0.030),
    2025: (2_000, 0.020),
}
LATER_RAISE = (2_000, 0.020)


def raise_for(year: int) -> tuple[int, float]:
    return RAISES.get(year, LATER_RAISE)


def growth(until_year: int) -> float:
    """The employee-pension growth factor from the 2021 level to `until_year`."""
    factor = 1.0
    for year in range(2022, until_year + 1):
        factor *= 1 + raise_for(year)[1]
    return factor


def resident_base_fen(year: int) -> int:
    return RESIDENT_BASE_2021_FEN + sum(raise_for(y)[0] for y in range(2022, year + 1))


_HAZARD_AT_60 = 0.008  # annual probability of death at 60, rising ~10 % a year of age (Gompertz)


# Channel habits per scheme (R-CYC-4, Art. 7: the app is preferred).
CHANNEL_MIX: dict[Scheme, dict[Channel, int]] = {
    Scheme.RESIDENT_PENSION: {
        Channel.APP_SELF: 52,
        Channel.DATA_COMPARISON: 22,
        Channel.ONSITE_PAPER: 14,
        Channel.HOME_VISIT: 6,
        Channel.WINDOW: 6,
    },
    Scheme.AGENCY_PENSION: {
        Channel.APP_SELF: 60,
        Channel.DATA_COMPARISON: 15,
        Channel.ONSITE_PAPER: 15,
        Channel.WINDOW: 10,
    },
    Scheme.ENTERPRISE_PENSION: {
        Channel.APP_SELF: 58,
        Channel.DATA_COMPARISON: 20,
        Channel.ONSITE_PAPER: 10,
        Channel.WINDOW: 12,
    },
    Scheme.WORK_INJURY_LONG_TERM: {Channel.APP_SELF: 50, Channel.WINDOW: 30, Channel.ONSITE_PAPER: 20},
}


def hazard(age: float) -> float:
    return min(0.4, _HAZARD_AT_60 * 1.1 ** (age - 60))


@dataclass(slots=True, eq=False)
class Family:
    """The dependants of one worker who died of a work injury (R-WID-3)."""

    worker_died: dt.date
    wage_fen: int  # the worker's wage base at the later of the benefit start and the launch
    unit: UnitRow
    members: list[Recipient] = field(default_factory=list)
    cap_breach: Recipient | None = None  # whose yearly change is entered above the art. 39 cap, then amended

    def wage_in(self, year: int, base_year: int) -> float:
        wage = float(self.wage_fen)
        for y in range(base_year + 1, year + 1):
            wage *= 1 + raise_for(y)[1]
        return wage


@dataclass(slots=True, eq=False)
class Dependant:
    role: DependantRole
    family: Family
    share: float = 0.0  # of the worker's wage, after the cap
    story: str | None = None  # soon18, past18, employed, enlisted, adopted, remarried
    change: DependantChange | None = None
    change_on: dt.date | None = None
    prompt_report: bool = False  # forced stories are reported in time so that they always show


@dataclass(slots=True, eq=False)
class Recipient:
    person: PersonRow
    village: str
    township: str
    entitlements: list[EntitlementRow] = field(default_factory=list)
    behaviour: str = "prompt"  # prompt, sloppy (sometimes late) or lapsing (stops certifying)
    habit: Channel = Channel.APP_SELF
    story: str | None = None
    story_index: int = 0
    dependant: Dependant | None = None
    unit: UnitRow | None = None

    @property
    def first_start(self) -> dt.date:
        return min(e.start_month for e in self.entitlements)

    @property
    def schemes(self) -> list[Scheme]:
        return [e.scheme for e in self.entitlements]


@dataclass(slots=True)
class StaffDirectory:
    """Staff row ids by role and scope, for the timeline writer."""

    admin: int
    county: list[int]
    township: dict[str, int]
    village: dict[str, int]
    unit: dict[int, int]  # unit row id -> handler
    investigator: int
    auditor: int
    importer: int

    def local(self, village: str, township: str) -> int:
        """The village assistant where there is one, else the township centre."""
        return self.village.get(village) or self.township[township]
