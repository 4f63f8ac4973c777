"""`casehub demo`: a deterministic synthetic Yangbi county (漾濞彝族自治县) for trying casehub.

`load_demo` fills an empty database; the same `seed` and `today` give the same
rows, primary keys included. Nothing here reads the clock or the global random
state except `today`'s default (the current date in Beijing); all randomness
comes from one `random.Random(seed)` (`casehub.demo.county.build_county`, pure),
and the loader (`casehub.demo.loader`) only inserts what was built.

What is in it:

- County 532922 and its 9 townships (real codes and names), 70 invented villages and
  communities (12-digit codes starting with their township's 9 digits).
- 9 employer units: 3 agency/institution, 3 enterprise, 3 work-injury (UnitKind),
  with checksum-correct unified social credit codes.
- Staff, one account per scope; usernames:

  ============================== ================= =====================================
  username                       role              scope
  ============================== ================= =====================================
  ``admin``                      COUNTY_ADMIN      county 532922
  ``county1``, ``county2``       COUNTY_STAFF      county 532922
  ``township-<9-digit code>``    TOWNSHIP_STAFF    each township, e.g. township-532922101
  ``village-<12-digit code>``    VILLAGE_ASSISTANT the first 4 places of each township,
                                                   e.g. village-532922101001 (36 in all)
  ``unit-<credit code>``         UNIT_HANDLER      each unit, e.g. unit-12532922431705213F
  ``investigator``               INVESTIGATOR      county 532922
  ``auditor``                    AUDITOR           county 532922
  ``importer``                   IMPORT_SERVICE    county 532922
  ============================== ================= =====================================

- 60 staff accounts in all.
- `recipients` people with valid ID numbers from area 532922: about 82 % resident
  pension only, 6 % agency, 9 % enterprise (0.5 % of everyone also holds a resident
  pension: R-DUP-1), 3 % work-injury dependants (spouses, children — some turning 18
  in the coming months, some past it — and parents; art. 39 shares of their worker's
  wage). Pensioners are 55-95, about one in six 80 or older.
- Timelines from 2021-11-01 to yesterday exercising every EventType and Channel:
  certifications by the policy's cycles (some late, some lapsing), failed attempts,
  reminders, deaths (some recorded months late), custody and sentences, dependant
  changes, each January's increase (entered in July), and retracted and amended
  records. Natural keys are ``demo:<person id>:<n>``; source_adapter is ``demo``.
- The payroll of the 6 months before today's, each swept as of its last day with what
  was known then and closed at midnight after it by ``county1`` (`casehub.demo.payroll`):
  the ledger the overpayments (R-PAY-4) are found against. Today's month has no run yet.
"""

from __future__ import annotations

import datetime as dt
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from tortoise.transactions import in_transaction

from casehub.audit import seal_bulk_insert
from casehub.demo.clock import CST
from casehub.demo.county import build_county, check_arguments
from casehub.demo.loader import insert_county
from casehub.demo.payroll import PAYROLL_MONTHS
from casehub.demo.rows import County
from casehub.models import EmployerUnit, Entitlement, Event, PaymentLine, PayrollRun, Person, Region, Staff
from casehub.policy import Policy, default_policy

__all__ = ["County", "build_county", "load_demo"]


async def load_demo(
    *,
    recipients: int = 20_000,
    seed: int = 2021,
    console: Console | None = None,
    today: dt.date | None = None,
    policy: Policy | None = None,
) -> bool:
    """Fill an empty database with the demo county; False (and nothing written) if it is not empty.

    "Empty" means no region, person, staff, unit, entitlement, event, payroll run or payment
    line: the demo assigns every primary key itself. Everything is inserted in one
    transaction. `policy` (default: the shipped one) decides the past months' payroll.
    """
    for model in (Region, Person, Staff, EmployerUnit, Entitlement, Event, PayrollRun, PaymentLine):
        if await model.exists():
            return False
    today = today or dt.datetime.now(CST).date()
    check_arguments(recipients, today)
    started = time.perf_counter()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
    ) as progress:
        generating = progress.add_task("generating the county", total=recipients)
        paying = progress.add_task(f"paying the past {PAYROLL_MONTHS} months", total=recipients)
        county = build_county(
            recipients=recipients, seed=seed, today=today, policy=policy or default_policy(),
            progress=lambda n: progress.advance(generating, n), paying=lambda n: progress.advance(paying, n),
        )
        total = sum(len(rows) for _, rows in county.tables())
        inserting = progress.add_task("inserting rows", total=total)
        async with in_transaction() as conn:
            await insert_county(conn, county, lambda n: progress.advance(inserting, n))
            # the demo inserts past record_events: seal its events like any other write
            await seal_bulk_insert(1, len(county.events), source="demo", actor_id=None, using=conn)
    if console is not None:
        console.print(
            f"demo county loaded in {time.perf_counter() - started:.1f} s (seed {seed}, today {today}): "
            f"{len(county.regions)} regions, {len(county.units)} units, {len(county.staff)} staff, "
            f"{len(county.persons)} recipients, {len(county.entitlements)} entitlements, "
            f"{len(county.events)} events, {len(county.payroll_runs)} closed payroll months with "
            f"{len(county.payment_lines)} payment lines",
            highlight=False,
        )
    return True
