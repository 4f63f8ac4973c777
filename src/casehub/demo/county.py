"""Build the demo county in memory: regions, units, staff, recipients and entitlements.

Pure: no I/O and no ORM. `build_county` draws everything from one
`random.Random(seed)` in a fixed order and hands each recipient to the timeline
writer (`casehub.demo.timeline`), then pays the last months' payroll from those
timelines (`casehub.demo.payroll`); the same arguments give the same county, row for
row. The database loader (`casehub.demo.loader`) only inserts what is built here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from casehub.demo import names
from casehub.demo.clock import (
    DAY,
    add_months,
    add_years,
    between,
    local_fixed,
    month_start,
    next_month,
    plus_days,
)
from casehub.demo.payroll import PAYROLL_MONTHS, build_payroll
from casehub.demo.places import (
    COUNTY_CODE,
    COUNTY_NAME,
    TOWNSHIPS,
    UNITS,
    VILLAGE_ASSISTANTS_PER_TOWNSHIP,
    place_weight,
)
from casehub.demo.recipients import (
    CHANNEL_MIX,
    EMPLOYEE_ROLL_SINCE,
    LAUNCH,
    RESIDENT_ROLLOUT,
    STAFF_SINCE,
    Dependant,
    Family,
    Recipient,
    StaffDirectory,
    growth,
    resident_base_fen,
)
from casehub.demo.rows import County, EntitlementRow, PersonRow, RegionRow, StaffRow, UnitRow
from casehub.demo.timeline import TimelineWriter, number_events
from casehub.domain import Channel, DependantChange, DependantRole, RegionLevel, Role, Scheme, UnitKind
from casehub.engine.months import age_on
from casehub.errors import ValidationError
from casehub.idnumber import make_id_number
from casehub.policy import Policy, default_policy

MIN_RECIPIENTS = 100  # below this not every story fits; every event type needs a few people
EARLIEST_TODAY = dt.date(2023, 11, 1)  # two years of timeline: room for late reports and corrections


def check_arguments(recipients: int, today: dt.date) -> None:
    if recipients < MIN_RECIPIENTS:
        raise ValidationError("recipients", "TOO_FEW", f"the demo county needs at least {MIN_RECIPIENTS} recipients")
    if today < EARLIEST_TODAY:
        raise ValidationError(
            "today", "TOO_EARLY", f"the demo timeline runs from {LAUNCH} and needs today >= {EARLIEST_TODAY}"
        )


def build_county(
    *,
    recipients: int,
    seed: int,
    today: dt.date,
    policy: Policy | None = None,
    payroll_months: int = PAYROLL_MONTHS,
    progress: Callable[[int], object] | None = None,
    paying: Callable[[int], object] | None = None,
) -> County:
    """The whole demo county; `progress(n)` is called as recipients' timelines are written, `paying(n)` as
    their last `payroll_months` payroll months are paid under `policy` (`casehub.demo.payroll`)."""
    check_arguments(recipients, today)
    rng = random.Random(seed)
    regions, region_by_code = _regions()
    units = _units(region_by_code)
    staff, directory = _staff(rng, region_by_code, units)
    people = Population(rng, today, region_by_code, units).build(recipients)
    writer = TimelineWriter(rng, today, directory)
    events = []
    reported = 0
    for i, recipient in enumerate(people, 1):
        events.extend(writer.write(recipient))
        if progress is not None and (i % 500 == 0 or i == len(people)):
            progress(i - reported)
            reported = i
    number_events(events)
    county = County(
        regions=regions,
        units=units,
        staff=staff,
        persons=[r.person for r in people],
        entitlements=sorted((e for r in people for e in r.entitlements), key=lambda e: e.id),
        events=events,
    )
    county.payroll_runs, county.payment_lines = build_payroll(
        county, policy or default_policy(), today=today, months=payroll_months, progress=paying
    )
    return county


def _regions() -> tuple[list[RegionRow], dict[str, RegionRow]]:
    county = RegionRow(1, COUNTY_CODE, COUNTY_NAME, RegionLevel.COUNTY, None)
    rows = [county]
    for t in TOWNSHIPS:
        rows.append(RegionRow(len(rows) + 1, t.code, t.name, RegionLevel.TOWNSHIP, county.id))
    for t, township in zip(TOWNSHIPS, rows[1:], strict=True):
        for code, name in t.places():
            rows.append(RegionRow(len(rows) + 1, code, name, RegionLevel.VILLAGE, township.id))
    return rows, {r.code: r for r in rows}


def _units(region_by_code: dict[str, RegionRow]) -> list[UnitRow]:
    return [
        UnitRow(i, spec.code, spec.name, spec.kind, region_by_code[spec.township].id) for i, spec in enumerate(UNITS, 1)
    ]


def _staff(
    rng: random.Random, region_by_code: dict[str, RegionRow], units: list[UnitRow]
) -> tuple[list[StaffRow], StaffDirectory]:
    created = local_fixed(STAFF_SINCE, 9)
    rows: list[StaffRow] = []

    def add(username: str, role: Role, region: str | None = None, unit: UnitRow | None = None) -> int:
        sex = rng.choice("MF")
        name = names.full_name(rng, sex, rng.randint(1965, 1998))
        region_id = region_by_code[region].id if region else (unit.region_id if unit else None)
        rows.append(StaffRow(len(rows) + 1, username, name, role, region_id, unit.id if unit else None, True, created))
        return len(rows)

    admin = add("admin", Role.COUNTY_ADMIN, COUNTY_CODE)
    county = [add(f"county{i}", Role.COUNTY_STAFF, COUNTY_CODE) for i in (1, 2)]
    township = {t.code: add(f"township-{t.code}", Role.TOWNSHIP_STAFF, t.code) for t in TOWNSHIPS}
    village = {
        code: add(f"village-{code}", Role.VILLAGE_ASSISTANT, code)
        for t in TOWNSHIPS
        for code, _ in t.places()[:VILLAGE_ASSISTANTS_PER_TOWNSHIP]
    }
    unit = {u.id: add(f"unit-{u.code}", Role.UNIT_HANDLER, unit=u) for u in units}
    investigator = add("investigator", Role.INVESTIGATOR, COUNTY_CODE)
    auditor = add("auditor", Role.AUDITOR, COUNTY_CODE)
    importer = add("importer", Role.IMPORT_SERVICE, COUNTY_CODE)
    return rows, StaffDirectory(admin, county, township, village, unit, investigator, auditor, importer)


# ---------------------------------------------------------------------------------------------

# Age at `today` of pension recipients: (band start, weight); bands are five years wide.
# The 55-59 band only for women retired at 50 or 55; resident pensions start at 60.
_AGE_BANDS = ((55, 10), (60, 24), (65, 24), (70, 20), (75, 14), (80, 10), (85, 6), (90, 2))

# One special story per chosen pensioner: (story, share of recipients, minimum count).
PENSIONER_STORIES = (
    ("custody", 0.002, 6),  # CUSTODY_STARTED/ENDED, and SENTENCED/SENTENCE_ENDED when convicted
    ("sentenced", 0.0005, 2),  # sentenced without custody; the first is amended on appeal
    ("fraud_after_death", 0.001, 1),  # certified after death, found late, certification retracted
    ("late_death", 0.001, 2),  # death recorded months late: an overpayment (R-PAY-4)
    ("death_amended", 0.002, 1),  # date of death corrected by an AMENDED event
    ("false_death", 0.0005, 1),  # death reported in error, RETRACTED
    ("wrong_person", 0.001, 1),  # paper certification entered for the wrong person, RETRACTED
    ("cert_amended", 0.001, 1),  # paper form date mistyped, AMENDED
)
# Work-injury children and spouses whose stories must appear whatever the size.
REQUIRED_CHILD_STORIES = ("soon18", "soon18", "past18", "past18", "employed", "enlisted", "adopted")
REQUIRED_SPOUSE_STORIES = ("remarried",)


_CHANGE_AGES = {"employed": (16.2, 17.8), "enlisted": (17.2, 17.9), "adopted": (2.0, 11.0)}

Member = tuple[Dependant, dt.date, str, str | None, str]  # dependant, birth, sex, surname, village


def _shares(members: list[Dependant]) -> None:
    """R-WID-3 / art. 39: 40 % spouse, 30 % others, +10 % orphan or lone elder; total <= wage."""
    has_spouse = any(m.role is DependantRole.SPOUSE for m in members)
    parents = [m for m in members if m.role is DependantRole.PARENT]
    for m in members:
        m.share = 0.4 if m.role is DependantRole.SPOUSE else 0.3
        orphan = m.role is DependantRole.CHILD
        lone_elder = m.role is DependantRole.PARENT and len(parents) == 1
        if not has_spouse and (orphan or lone_elder):
            m.share += 0.1
    total = sum(m.share for m in members)
    if total > 1:
        for m in members:
            m.share /= total


class Population:
    """Draws the recipients: who they are, where they live, what they receive."""

    def __init__(
        self, rng: random.Random, today: dt.date, region_by_code: dict[str, RegionRow], units: list[UnitRow]
    ) -> None:
        self.rng = rng
        self.today = today
        self.this_month = month_start(today)
        self.regions = region_by_code
        self.places = [code for t in TOWNSHIPS for code, _ in t.places()]
        self.place_weights = [place_weight(code) for code in self.places]
        self.units = {kind: [u for u in units if u.kind is kind] for kind in UnitKind}
        self.used_ids: set[str] = set()
        self.entitlement_ids = 0

    def build(self, n: int) -> list[Recipient]:
        rng = self.rng
        n_wi = max(14, round(n * 0.03))
        n_agency = max(4, round(n * 0.06))
        n_enterprise = max(6, round(n * 0.09))
        n_dual = max(2, round(n * 0.005))
        labels = ["W"] * n_wi + ["A"] * n_agency + ["E"] * n_enterprise
        labels += ["R"] * (n - len(labels))
        rng.shuffle(labels)
        dependants = iter(self._work_injury_families(n_wi))
        people: list[Recipient] = []
        duals = 0
        for person_id, label in enumerate(labels, 1):
            if label == "W":
                people.append(self._dependant(person_id, next(dependants)))
                continue
            scheme = {"A": Scheme.AGENCY_PENSION, "E": Scheme.ENTERPRISE_PENSION, "R": Scheme.RESIDENT_PENSION}[label]
            dual = scheme is not Scheme.RESIDENT_PENSION and duals < n_dual
            duals += dual
            people.append(self._pensioner(person_id, scheme, dual))
        self._assign_stories(people)
        return people

    # --- identity -----------------------------------------------------------------------------

    def _identity(
        self,
        person_id: int,
        sex: str,
        birth: dt.date,
        village: str,
        *,
        family: str | None = None,
        phone_share: float = 0.6,
    ) -> PersonRow:
        rng = self.rng
        while True:
            sequence = 2 * rng.randrange(1, 500) + (1 if sex == "M" else 0)  # odd for men
            number = make_id_number(COUNTY_CODE, birth, sequence)
            if number not in self.used_ids:
                self.used_ids.add(number)
                break
        name = names.full_name(rng, sex, birth.year, family)
        phone = names.phone(rng) if rng.random() < phone_share else None
        return PersonRow(person_id, number, name, birth, sex, phone, self.regions[village].id, local_fixed(LAUNCH, 9))

    def _birth_for_age(self, years: float) -> dt.date:
        return self.today - dt.timedelta(days=int(years * 365.2425))

    def _pensioner_age(self, min_age: int) -> float:
        bands = [(start, w) for start, w in _AGE_BANDS if start + 5 > min_age]
        start = self.rng.choices([b for b, _ in bands], [w for _, w in bands])[0]
        return max(min_age + 0.1, start + self.rng.random() * (5.5 if start == 90 else 5))

    def _village(self) -> str:
        return self.rng.choices(self.places, self.place_weights)[0]

    def _entitlement(
        self,
        person: PersonRow,
        scheme: Scheme,
        start: dt.date,
        amount: int,
        region: str,
        unit: UnitRow | None,
        role: DependantRole | None = None,
    ) -> EntitlementRow:
        self.entitlement_ids += 1
        created = local_fixed(start, 9, (self.entitlement_ids * 37) % 25_200)
        return EntitlementRow(
            self.entitlement_ids,
            person.id,
            scheme,
            start,
            amount,
            self.regions[region].id,
            unit.id if unit else None,
            role,
            created,
        )

    # --- pensioners ---------------------------------------------------------------------------

    def _pensioner(self, person_id: int, scheme: Scheme, dual: bool) -> Recipient:
        rng = self.rng
        female_share = {Scheme.RESIDENT_PENSION: 0.54, Scheme.AGENCY_PENSION: 0.45}.get(scheme, 0.4)
        sex = "F" if rng.random() < female_share else "M"
        if scheme is Scheme.RESIDENT_PENSION or dual:
            retire_at = 60
        elif scheme is Scheme.AGENCY_PENSION:
            retire_at = 60 if sex == "M" else 55
        else:
            retire_at = 60 if sex == "M" else rng.choice((50, 50, 50, 55, 55))
        age = self._pensioner_age(max(retire_at, 55))
        birth = self._birth_for_age(age)
        village = self._village()
        township = village[:9]
        person = self._identity(person_id, sex, birth, village, phone_share=0.75 if age < 75 else 0.35)
        r = Recipient(person, village, township)
        if scheme is Scheme.RESIDENT_PENSION or dual:
            r.entitlements.append(self._resident_entitlement(person, village))
        if scheme is not Scheme.RESIDENT_PENSION:
            kind = UnitKind.AGENCY if scheme is Scheme.AGENCY_PENSION else UnitKind.ENTERPRISE
            r.unit = rng.choice(self.units[kind])
            start = max(next_month(add_years(birth, retire_at)), EMPLOYEE_ROLL_SINCE)
            level = {Scheme.AGENCY_PENSION: (400_000, 800_000, 520_000)}.get(scheme, (200_000, 500_000, 280_000))
            amount = round(rng.triangular(*level) * growth(max(start, LAUNCH).year))
            r.entitlements.append(self._entitlement(person, scheme, start, amount, township, r.unit))
        person.created_at = min(e.created_at for e in r.entitlements)
        r.behaviour = rng.choices(("prompt", "sloppy", "lapsing"), (72, 20, 8))[0]
        r.habit = self._habit(scheme, age)
        return r

    def _resident_entitlement(self, person: PersonRow, village: str) -> EntitlementRow:
        rng = self.rng
        eligible = next_month(add_years(person.birth_date, 60))
        start = eligible if eligible >= RESIDENT_ROLLOUT else add_months(RESIDENT_ROLLOUT, rng.randrange(18))
        start = min(start, self.this_month)
        account_part = round(rng.triangular(300, 15_000, 1_500))  # the individual account's monthly share
        amount = resident_base_fen(max(start, LAUNCH).year) + account_part
        return self._entitlement(person, Scheme.RESIDENT_PENSION, start, amount, village, None)

    def _habit(self, scheme: Scheme, age: float) -> Channel:
        mix = dict(CHANNEL_MIX[scheme])
        if age >= 80 and Channel.HOME_VISIT in mix:  # R-KEY-1: the very old are visited at home
            mix[Channel.HOME_VISIT] *= 5
            mix[Channel.APP_SELF] //= 2
        return self.rng.choices(list(mix), list(mix.values()))[0]

    # --- work-injury dependants ---------------------------------------------------------------

    def _work_injury_families(self, n: int) -> list[Member]:
        """`n` dependants, family by family; the required stories go to the first families."""
        rng = self.rng
        child_stories = list(REQUIRED_CHILD_STORIES)
        spouse_stories = list(REQUIRED_SPOUSE_STORIES)
        out: list[Member] = []
        while len(out) < n:
            has_spouse = rng.random() < 0.75 or bool(spouse_stories)
            n_children = rng.choices((0, 1, 2, 3), (15, 45, 30, 10))[0]
            required = child_stories[:3]
            del child_stories[:3]
            n_children = max(n_children, len(required))
            n_parents = rng.choices((0, 1, 2), (50, 30, 20))[0]
            if not (has_spouse or n_children or n_parents):
                n_children = 1
            stories = required + [None] * (n_children - len(required))
            out.extend(self._family(has_spouse, stories, n_parents, spouse_stories))
        return out[:n]

    def _family(
        self, has_spouse: bool, child_stories: list[str | None], n_parents: int, spouse_stories: list[str]
    ) -> list[Member]:
        rng, today = self.rng, self.today
        horizon = today - DAY
        story_window = (LAUNCH + 120 * DAY, horizon - 120 * DAY)  # story events, reported in time
        surname = names.surname(rng)
        village = self._village()
        # Children with a required story first: the story fixes the birth date, and the
        # births bound the worker's death (every child was under 18 then).
        children: list[tuple[str | None, str, dt.date | None, dt.date | None]] = []
        for story in child_stories:
            sex = "M" if story == "enlisted" else rng.choice("MF")
            birth = change_on = None
            if story == "soon18":  # turns 18 within the next six months
                birth = add_years(plus_days(rng, today, 10, 180), -18)
            elif story == "past18":  # turned 18 since the launch: stops with no report (R-WID-1)
                birth = add_years(between(rng, LAUNCH + 120 * DAY, horizon - 30 * DAY), -18)
            elif story is not None:
                change_on = between(rng, *story_window)
                birth = change_on - dt.timedelta(days=int(rng.uniform(*_CHANGE_AGES[story]) * 365.2425))
            children.append((story, sex, birth, change_on))
        earliest = max([dt.date(2008, 1, 1)] + [b + 30 * DAY for _, _, b, _ in children if b])
        latest = min(
            [horizon - 90 * DAY]
            + [c - 120 * DAY for _, _, _, c in children if c]
            + [add_years(b, 18) - 120 * DAY for s, _, b, _ in children if s == "past18" and b]
        )
        worker_died = between(rng, earliest, max(earliest, latest))
        start = next_month(worker_died)
        wage = round(rng.triangular(300_000, 650_000, 420_000) * growth(max(start, LAUNCH).year))
        family = Family(worker_died, wage, rng.choice(self.units[UnitKind.WORK_INJURY]))
        members: list[Member] = []
        if has_spouse:
            d = Dependant(DependantRole.SPOUSE, family)
            sex = "F" if rng.random() < 0.9 else "M"
            birth = worker_died - dt.timedelta(days=int(rng.uniform(24, 55) * 365.2425))
            first, last = max(start + 90 * DAY, story_window[0]), story_window[1]
            if first <= last and (spouse_stories or rng.random() < 0.12):
                d.prompt_report = bool(spouse_stories)
                del spouse_stories[:1]
                d.story, d.change, d.change_on = "remarried", DependantChange.REMARRIED, between(rng, first, last)
            members.append((d, birth, sex, None, village))
        for story, sex, birth, change_on in children:
            d = Dependant(DependantRole.CHILD, family, story=story, prompt_report=story is not None)
            if birth is None:
                first = max(add_years(worker_died, -17) + 200 * DAY, add_years(today, -22))
                birth = between(rng, first, worker_died - 30 * DAY)
                story, change_on = self._random_child_story(sex, birth, start, story_window)
                d.story = story
            if story in _CHANGE_AGES:
                d.change, d.change_on = DependantChange(story.upper()), change_on
            members.append((d, birth, sex, surname, village))
        for i in range(n_parents):
            d = Dependant(DependantRole.PARENT, family)
            sex = "M" if i == 0 else "F"
            birth = self._birth_for_age(rng.uniform(62, 90))
            members.append((d, birth, sex, surname if sex == "M" else None, village))
        _shares([d for d, *_ in members])
        return members

    def _random_child_story(
        self, sex: str, birth: dt.date, start: dt.date, window: tuple[dt.date, dt.date]
    ) -> tuple[str | None, dt.date | None]:
        """Now and then a child is employed, enlists or is adopted, if its age allows it in the window."""
        rng = self.rng
        story = rng.choices((None, "employed", "enlisted", "adopted"), (90, 5, 3, 2))[0]
        if story is None or (story == "enlisted" and sex != "M"):
            return None, None
        low, high = _CHANGE_AGES[story]
        first = max(window[0], start + 90 * DAY, birth + dt.timedelta(days=int(low * 365.2425)))
        last = min(window[1], birth + dt.timedelta(days=int(high * 365.2425)))
        return (story, between(rng, first, last)) if first <= last else (None, None)

    def _dependant(self, person_id: int, spec: Member) -> Recipient:
        d, birth, sex, surname, village = spec
        rng = self.rng
        age = age_on(birth, self.today)
        phone_share = {DependantRole.SPOUSE: 0.9, DependantRole.PARENT: 0.4}.get(d.role, 0.5 if age >= 16 else 0)
        person = self._identity(person_id, sex, birth, village, family=surname, phone_share=phone_share)
        family = d.family
        start = next_month(family.worker_died)
        amount = round(family.wage_fen * d.share)
        r = Recipient(person, village, village[:9], dependant=d, unit=family.unit)
        r.entitlements.append(
            self._entitlement(person, Scheme.WORK_INJURY_LONG_TERM, start, amount, village[:9], family.unit, d.role)
        )
        person.created_at = r.entitlements[0].created_at
        family.members.append(r)
        r.behaviour = rng.choices(("prompt", "sloppy", "lapsing"), (70, 25, 5))[0]
        r.habit = self._habit(Scheme.WORK_INJURY_LONG_TERM, age)
        return r

    # --- stories ------------------------------------------------------------------------------

    def _assign_stories(self, people: list[Recipient]) -> None:
        """Give chosen pensioners one special story each; they certify promptly otherwise."""
        rng = self.rng
        n = len(people)
        pool = [r for r in people if r.dependant is None and r.first_start < LAUNCH]
        pool = rng.sample(pool, len(pool))
        for story, share, minimum in PENSIONER_STORIES:
            wanted = max(minimum, round(n * share))
            judicial = story in ("custody", "sentenced")
            chosen = [r for r in pool if not judicial or age_on(r.person.birth_date, self.today) <= 80][:wanted]
            for i, r in enumerate(chosen):
                r.story, r.story_index, r.behaviour = story, i, "prompt"
            taken = {id(r) for r in chosen}
            pool = [r for r in pool if id(r) not in taken]
        # R-WID-3: one family's yearly change is entered above the cap and then amended; it
        # falls on a member whose benefit does not stop (a parent, or a spouse who stays single).
        for r in people:
            d = r.dependant
            if (
                d is not None
                and len(d.family.members) >= 2
                and d.change is None
                and d.role is not DependantRole.CHILD
                and r.first_start < LAUNCH
            ):
                d.family.cap_breach = r
                break
