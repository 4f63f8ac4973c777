"""Half-yearly random spot checks of certification results (R-SPT-1/2), reproducible from a seed.

The draw (algorithm "sha256-rank-v1"), for each scheme the policy spot-checks:

1. The population is every recipient of the scheme currently paid (entitlement state ACTIVE, or
   not yet computed), grouped by township → village (method AREA, from the recipient's village
   code) or by employer unit (method UNIT). Only groups with someone in them take part.
2. Every candidate gets the rank `sha256("{seed}|{period}|{scheme}|{level}|{key}")` in hex, where
   `level` is TOWNSHIP, VILLAGE, UNIT or PERSON and `key` the region code, unit code or person id.
3. At each level the candidates with the lowest ranks are taken (ties by key): `min_townships`
   townships, then `min_villages_per_township` villages in each, then `persons_per_village` persons
   in each (AREA); or `min_units` units, then `persons_per_unit` persons in each (UNIT). Where a
   level has fewer candidates than the policy asks, all are taken and the shortfall is recorded.

The seed (given by the operator — e.g. a publicly drawn number — or 128 random bits), the
population snapshot with its SHA-256, the sample sizes used and the sample are stored together,
and audited, when the draw is made: before any finding can exist (findings are recorded on the
sampled items). `verify` recomputes the draw from what was stored and compares. Hash ranking needs
no particular random-number generator: anyone with the seed, the snapshot and a SHA-256 tool can
redo it, and a change in one group does not reshuffle the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from tortoise.transactions import in_transaction

from casehub import access
from casehub.audit import append_audit
from casehub.auth import Viewer
from casehub.cases import standing_events
from casehub.clock import county_day
from casehub.domain import EventType, Scheme
from casehub.engine.results import EntitlementStatus
from casehub.models import Entitlement, EntitlementState, Event, SpotCheck, SpotCheckItem
from casehub.policy import Policy, SampleMethod, SpotSample
from casehub.processes import events as timeline
from casehub.processes.common import Problems, check_evidence, fail
from casehub.processes.periods import Period, check_half_yearly
from casehub.processes.referrals import refer
from casehub.processes.vocabulary import FindingResult, ProcessErrorCode, ReferralSource

ALGORITHM = "sha256-rank-v1"
SOURCE = "spot_check"
MAX_SEED = 128
PAID = EntitlementStatus.ACTIVE


@dataclass(frozen=True, slots=True, order=True)
class Pick:
    scheme: Scheme
    position: int
    group_code: str  # village code (AREA) or unit code (UNIT)
    person_id: int


def rank(seed: str, period: str, scheme: str, level: str, key: str) -> str:
    return hashlib.sha256(f"{seed}|{period}|{scheme}|{level}|{key}".encode()).hexdigest()


def _lowest(keys: Sequence[str], k: int, seed: str, period: str, scheme: str, level: str) -> list[str]:
    return sorted(keys, key=lambda key: (rank(seed, period, scheme, level, key), key))[:k]


def draw(seed: str, period: str, population: Mapping[str, Any]) -> tuple[list[Pick], list[str]]:
    """The sample and the shortfalls, from a seed and a population snapshot (pure; see the module doc)."""
    picks: list[Pick] = []
    shortfalls: list[str] = []

    def take(keys: Sequence[str], k: int, scheme: str, level: str, within: str) -> list[str]:
        if len(keys) < k:
            shortfalls.append(f"{scheme} {level.lower()}s{within}: {len(keys)} of {k}")
        return _lowest(keys, k, seed, period, scheme, level)

    for scheme in sorted(population):
        spec = population[scheme]
        sample, groups = spec["sample"], spec["groups"]
        if spec["method"] == SampleMethod.AREA:
            chosen = [
                (village, groups[township][village])
                for township in take(list(groups), sample["min_townships"], scheme, "TOWNSHIP", "")
                for village in take(
                    list(groups[township]), sample["min_villages_per_township"], scheme, "VILLAGE", f" in {township}"
                )
            ]
            per_group = sample["persons_per_village"]
        else:
            chosen = [
                (unit, groups[unit]) for unit in take(list(groups), sample["min_units"], scheme, "UNIT", "")
            ]
            per_group = sample["persons_per_unit"]
        for group, members in chosen:
            for person in take([str(m) for m in members], per_group, scheme, "PERSON", f" in {group}"):
                picks.append(Pick(Scheme(scheme), len(picks) + 1, group, int(person)))
    return picks, shortfalls


def population_digest(population: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(population, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _sample_spec(sample: SpotSample) -> dict[str, Any]:
    if sample.method is SampleMethod.AREA:
        return {
            "min_townships": sample.min_townships,
            "min_villages_per_township": sample.min_villages_per_township,
            "persons_per_village": sample.persons_per_village,
        }
    return {"min_units": sample.min_units, "persons_per_unit": sample.persons_per_unit}


async def build_population(samples: Mapping[Scheme, SpotSample]) -> dict[str, Any]:
    """Who can be drawn, per scheme: recipients currently paid, grouped as the scheme's method says."""
    rows = await Entitlement.filter(scheme__in=list(samples)).values(
        "id", "scheme", "person_id", "person__village__code", "unit__code"
    )
    unpaid = set(
        await EntitlementState.filter(entitlement_id__in=[r["id"] for r in rows])
        .exclude(status=PAID).values_list("entitlement_id", flat=True)
    )
    members: dict[str, dict[tuple[str, ...], set[int]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        if r["id"] in unpaid:
            continue
        method = samples[Scheme(r["scheme"])].method
        if method is SampleMethod.AREA:
            village = r["person__village__code"]
            members[r["scheme"]][(village[:9], village)].add(r["person_id"])
        elif r["unit__code"]:
            members[r["scheme"]][(r["unit__code"],)].add(r["person_id"])
    population: dict[str, Any] = {}
    for scheme, sample in samples.items():
        groups: dict[str, Any] = {}
        for path, ids in members[scheme.value].items():
            if sample.method is SampleMethod.AREA:
                groups.setdefault(path[0], {})[path[1]] = sorted(ids)
            else:
                groups[path[0]] = sorted(ids)
        population[scheme.value] = {"method": sample.method.value, "sample": _sample_spec(sample), "groups": groups}
    return population


async def draw_spot_check(
    viewer: Viewer, *, period: str, policy: Policy, today: dt.date, seed: str | None = None
) -> SpotCheck:
    """Draw and record the half-year's sample (R-SPT-1/2); one spot check per period."""
    if not access.is_county_wide(viewer):
        raise fail("period", ProcessErrorCode.OUT_OF_SCOPE, "the county bureau draws the spot check")
    half = Period.parse(period)
    if half.start > today:
        raise fail("period", ProcessErrorCode.DATE_IN_FUTURE, f"{half} has not begun")
    version = policy.version_at(half.start)
    check_half_yearly(version.spot_check.interval_months, "spot check")
    seed = secrets.token_hex(16) if seed is None else seed.strip()
    if not 0 < len(seed) <= MAX_SEED:
        raise fail("seed", ProcessErrorCode.INVALID, f"the seed must be 1 to {MAX_SEED} characters")
    if await SpotCheck.exists(period=half.label):
        raise fail("period", ProcessErrorCode.ALREADY_EXISTS, f"the spot check for {half} has been drawn")
    samples = {s: version.spot_check.samples[s] for s in version.spot_check.schemes}
    population = await build_population(samples)
    picks, shortfalls = draw(seed, half.label, population)
    digest = population_digest(population)
    async with in_transaction() as conn:
        check = await SpotCheck.create(
            period=half.label, seed=seed, algorithm=ALGORITHM, policy_version=version.id, population=population,
            population_sha256=digest, shortfalls=shortfalls, drawn_at=dt.datetime.now(dt.UTC),
            drawn_by_id=viewer.staff_id, using_db=conn,
        )
        await SpotCheckItem.bulk_create(
            [
                SpotCheckItem(spot_check_id=check.id, position=p.position, scheme=p.scheme, person_id=p.person_id,
                              group_code=p.group_code)
                for p in picks
            ],
            using_db=conn,
        )
        await append_audit(
            "DRAW_SPOT_CHECK", "spot_check", check.id, actor_id=viewer.staff_id, using=conn,
            detail={
                "period": half.label, "seed": seed, "algorithm": ALGORITHM, "populationSha256": digest,
                "sample": [[p.scheme.value, p.group_code, p.person_id] for p in picks], "shortfalls": shortfalls,
            },
        )
    return check


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    population_ok: bool  # the stored snapshot still has the digest recorded at the draw
    sample_ok: bool  # recomputing the draw gives exactly the recorded items
    expected: int
    recorded: int
    missing: tuple[Pick, ...]  # drawn by the algorithm, not recorded
    unexpected: tuple[Pick, ...]  # recorded, not drawn by the algorithm


async def verify(check: SpotCheck) -> Verification:
    """Recompute the draw from the recorded seed and population and compare with the recorded sample."""
    if check.algorithm != ALGORITHM:
        raise fail("id", ProcessErrorCode.INVALID, f"unknown draw algorithm {check.algorithm!r}")
    expected, _ = draw(check.seed, check.period, check.population)
    recorded = [
        Pick(Scheme(i["scheme"]), i["position"], i["group_code"], i["person_id"])
        for i in await SpotCheckItem.filter(spot_check_id=check.id).values(
            "scheme", "position", "group_code", "person_id"
        )
    ]
    population_ok = population_digest(check.population) == check.population_sha256
    missing = tuple(sorted(set(expected) - set(recorded)))
    unexpected = tuple(sorted(set(recorded) - set(expected)))
    sample_ok = not missing and not unexpected
    return Verification(population_ok and sample_ok, population_ok, sample_ok, len(expected), len(recorded),
                        missing, unexpected)


# --- findings ---------------------------------------------------------------------------------


async def record_finding(
    viewer: Viewer, item_id: int, *, result: FindingResult, checked_on: dt.date, policy: Policy, today: dt.date,
    note: str | None = None, evidence: Sequence[str] = (), died_on: dt.date | None = None,
) -> SpotCheckItem:
    """Record what the check found about one sampled recipient (once).

    DIED records a DIED event; a finding that contradicts a certification — CONTRADICTS_CERTIFICATION,
    or a death before a certification on file — is referred to an investigation (R-ACC-3).
    """
    item = await access.spot_check_items(viewer).get_or_none(id=item_id).select_related(
        "spot_check", "person__village"
    )
    if item is None:
        raise fail("itemId", ProcessErrorCode.NOT_FOUND, f"no spot-check item {item_id} in your scope")
    if item.result is not None:
        raise fail("itemId", ProcessErrorCode.ALREADY_RECORDED, f"the finding for item {item.id} is recorded")
    problems = Problems()
    drawn_on = county_day(item.spot_check.drawn_at)
    if checked_on > today:
        problems.add("checkedOn", ProcessErrorCode.DATE_IN_FUTURE, f"{checked_on} is in the future")
    elif checked_on < drawn_on:
        problems.add("checkedOn", ProcessErrorCode.DATE_OUT_OF_RANGE, f"{checked_on} is before the draw ({drawn_on})")
    note = (note or "").strip() or None
    if result is FindingResult.CONTRADICTS_CERTIFICATION and not note:
        problems.add("note", ProcessErrorCode.REQUIRED, "say what contradicts the certification")
    if result is FindingResult.DIED:
        if died_on is None:
            problems.add("diedOn", ProcessErrorCode.REQUIRED, "a DIED finding needs the date of death")
        elif died_on > checked_on or died_on < item.person.birth_date:
            problems.add("diedOn", ProcessErrorCode.DATE_OUT_OF_RANGE, f"{died_on} is not a possible date of death")
    elif died_on is not None:
        problems.add("diedOn", ProcessErrorCode.INVALID, "only a DIED finding has a date of death")
    cleaned = check_evidence(evidence, "evidence", problems)
    problems.check()

    contradiction = note if result is FindingResult.CONTRADICTS_CERTIFICATION else None
    if result is FindingResult.DIED:
        certified_after = await _certified_after(item.person_id, died_on)
        if certified_after:
            contradiction = f"died on {died_on}, yet certified on {certified_after}"
    async with in_transaction() as conn:
        if result is FindingResult.DIED:
            key = f"spot-check:{item.spot_check.period}:{item.person.id_number}"
            recorded = await timeline.record(
                [timeline.draft(item.person_id, EventType.DIED, died_on, key, evidence=cleaned,
                                payload={"spotCheck": item.spot_check.period})],
                source=SOURCE, staff_id=viewer.staff_id, refresh=policy,
            )
            item.event_id = recorded[key].id
        if contradiction:
            referral = await refer(
                ReferralSource.SPOT_CHECK,
                summary=f"spot check {item.spot_check.period}, {item.scheme}: {contradiction}",
                person_id=item.person_id, region_id=item.person.village_id, actor_id=viewer.staff_id, using=conn,
            )
            item.referral_id = referral.id
        item.result, item.checked_on, item.died_on, item.note, item.evidence = (
            result, checked_on, died_on, note, list(cleaned)
        )
        item.recorded_by_id, item.recorded_at = viewer.staff_id, dt.datetime.now(dt.UTC)
        await item.save(using_db=conn)
        await append_audit(
            "RECORD_SPOT_CHECK_FINDING", "spot_check_item", item.id, actor_id=viewer.staff_id, using=conn,
            detail={"result": result.value, "checkedOn": checked_on.isoformat(), "referralId": item.referral_id,
                    "eventId": item.event_id},
        )
    return item


async def _certified_after(person_id: int, day: dt.date) -> dt.date | None:
    """The latest certification on file after `day`, if any, as the rules engine reads the timeline
    (R-TL-1: a retracted one does not count unless its retraction was retracted; an amended date counts)."""
    certified = await standing_events(Event.filter(person_id=person_id, type=EventType.CERTIFIED))
    return max((e.occurred_on for _, e in certified if e.occurred_on > day), default=None)


@dataclass(frozen=True, slots=True)
class Tally:
    scheme: Scheme
    sampled: int
    pending: int
    results: Mapping[FindingResult, int]


async def tally(check: SpotCheck) -> list[Tally]:
    """Per scheme: how many were sampled, how many still await a finding, and what was found."""
    rows = await SpotCheckItem.filter(spot_check_id=check.id).values("scheme", "result")
    by_scheme: dict[str, list[str | None]] = defaultdict(list)
    for r in rows:
        by_scheme[r["scheme"]].append(r["result"])
    out = []
    for scheme, results in sorted(by_scheme.items()):
        counts = Counter(r for r in results if r is not None)
        out.append(Tally(Scheme(scheme), len(results), results.count(None),
                         {f: counts.get(f.value, 0) for f in FindingResult}))
    return out
