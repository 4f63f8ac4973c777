"""Load policy TOML files into `Policy` objects, validating strictly (R-POL-1/2).

The shipped files (here, `yangbi.toml`) are read first, then every `*.toml` in
the folder a deployment names (in name order); all their `[[versions]]` are put in
effective-date order. Each version inherits every
key of the version before it and overrides only what it names, so a later version
(or a deployment's own file) states just what changed. A bad file is rejected with
a `PolicyError` naming the file, the key and the reason: a wrong policy must stop
the service at start-up, not pay someone wrongly months later.

The only I/O here is reading the files; the engine is handed a loaded `Policy` and never calls this.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from casehub.domain import CaseOutcome, CustodyMeasure, DependantChange, DependantRole, Penalty, Scheme
from casehub.errors import ConfigError
from casehub.policy.model import (
    REMINDER_FIELDS,
    DeathReportRule,
    FormRequirements,
    JudicialProfile,
    PayrollRules,
    Policy,
    PolicyVersion,
    PublicNoticeRules,
    RecoveryRules,
    ReportingBody,
    SampleMethod,
    SchemeRules,
    SpotCheckRules,
    SpotSample,
    StopEventReportRules,
    WageShare,
    WorkInjuryRules,
)

DEFAULT_POLICY_DIR = Path(__file__).resolve().parent
POLICY_DIR_ENV = "CASEHUB_POLICY_DIR"


class PolicyError(ConfigError):
    """A policy file is unreadable or invalid; says which file, which key and why."""

    def __init__(self, file: str | os.PathLike[str], key: str, reason: str) -> None:
        self.file = str(file)
        self.key = key
        self.reason = reason
        where = f"{self.file}: {key}" if key else self.file
        super().__init__(f"invalid policy {where}: {reason}")


# --- the schema: small value types, checked recursively -------------------------------------


@dataclass(frozen=True)
class _Int:
    low: int
    high: int


@dataclass(frozen=True)
class _Enum:
    enum: type[StrEnum]


@dataclass(frozen=True)
class _List:
    item: Any


@dataclass(frozen=True)
class _Table:
    fields: Mapping[str, Any]
    optional: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Map:
    """A table with caller-chosen keys (enum members when `key` is set) and uniform values."""

    key: type[StrEnum] | None
    value: Any
    require_all_keys: bool = False


_BOOL = bool
_STR = str
_DATE = dt.date
_PERCENT = _Int(0, 100)

_SCHEME_RULES = _Table(
    {
        "cycle_months": _Int(1, 120),
        "own_certification": _BOOL,
        "overdue_suspension": _BOOL,
        "judicial_suspension": _BOOL,
    }
)
_DEATH_REPORT = _Table(
    {
        "scheme": _Enum(Scheme),
        "reporter": _Enum(ReportingBody),
        "recipient": _Enum(ReportingBody),
        "due_day": _Int(1, 28),
        "rule": _STR,
    }
)
_FORM = _Table(
    {
        "signatures": _Map(None, _Int(1, 20)),
        "seals": _List(_STR),
        "evidence": _List(_STR),
        "sent_to": _Enum(ReportingBody),
        "attachments_required": _BOOL,
    },
    optional=frozenset({"attachments_required"}),
)
_JUDICIAL_PROFILE = _Table(
    {
        "suspending_measures": _List(_Enum(CustodyMeasure)),
        "suspending_penalties": _List(_Enum(Penalty)),
        "suspended_sentence_suspends": _BOOL,
        "outside_prison_suspends": _BOOL,
        "pay_back_outcomes": _List(_Enum(CaseOutcome)),
        "freeze_amount_during_sentence": _BOOL,
    }
)
_SAMPLE_KEYS = {
    SampleMethod.AREA: ("min_townships", "min_villages_per_township", "persons_per_village"),
    SampleMethod.UNIT: ("min_units", "persons_per_unit"),
}
_SPOT_SAMPLE = _Table(
    {"method": _Enum(SampleMethod)} | {name: _Int(1, 1000) for names in _SAMPLE_KEYS.values() for name in names},
    optional=frozenset(name for names in _SAMPLE_KEYS.values() for name in names),
)
_VERSION = _Table(
    {
        "id": _STR,
        "effective": _DATE,
        "source": _STR,
        "key_group_age": _Int(1, 150),
        "home_visit_interval_months": _Int(1, 60),
        "reminder_lead_days": _Int(0, 366),
        "reminder_message": _STR,
        "schemes": _Map(Scheme, _SCHEME_RULES, require_all_keys=True),
        "death_reports": _List(_DEATH_REPORT),
        "paper_forms": _Map(Scheme, _FORM),
        "township_summary": _FORM,
        "public_notice": _Table(
            {
                "interval_months": _Int(1, 120),
                "min_working_days": _Int(1, 365),
                "tipoff_phone_required": _BOOL,
            }
        ),
        "spot_check": _Table(
            {
                "interval_months": _Int(1, 120),
                "schemes": _List(_Enum(Scheme)),
                "samples": _Map(Scheme, _SPOT_SAMPLE),
            }
        ),
        "stop_event_report": _Table({"working_days": _Int(1, 365), "in_force_from": _DATE}),
        "judicial": _Table({"profile": _STR, "profiles": _Map(None, _JUDICIAL_PROFILE)}),
        "payroll": _Table({"processing_hold_days": _Int(1, 366)}),
        "recovery": _Table({"max_instalments": _Int(1, 120)}),
        "duplicate_receipt": _Table({"exclusive_pairs": _List(_List(_Enum(Scheme)))}),
        "work_injury": _Table(
            {
                "child_stop_age": _Int(1, 150),
                "child_unable_to_work_exempt": _BOOL,
                "student_extension": _BOOL,
                "student_extension_max_age": _Int(1, 150),
                "stop_changes": _Map(DependantRole, _List(_Enum(DependantChange)), require_all_keys=True),
                "wage_share": _Table(
                    {
                        "spouse_percent": _PERCENT,
                        "other_percent": _PERCENT,
                        "lone_elderly_or_orphan_extra_percent": _PERCENT,
                        "total_cap_percent": _PERCENT,
                    }
                ),
            }
        ),
    }
)
_FILE_KEYS = {"name": _STR, "title": _STR, "versions": None}
_ALWAYS_REQUIRED = ("id", "effective")


def _type_name(spec: Any) -> str:
    if spec is _BOOL:
        return "true or false"
    if spec is _STR:
        return "a string"
    if spec is _DATE:
        return "a date (YYYY-MM-DD)"
    if isinstance(spec, _Int):
        return f"an integer from {spec.low} to {spec.high}"
    if isinstance(spec, _Enum):
        return "one of " + ", ".join(m.value for m in spec.enum)
    if isinstance(spec, _List):
        return "a list"
    return "a table"


def _check(value: Any, spec: Any, key: str, file: str, *, partial: bool) -> None:
    """Raise PolicyError unless `value` matches `spec`; `partial` allows missing table keys."""

    def fail(reason: str) -> None:
        raise PolicyError(file, key, reason)

    if spec is _BOOL:
        if not isinstance(value, bool):
            fail(f"must be {_type_name(spec)}, got {value!r}")
    elif spec is _STR:
        if not isinstance(value, str) or not value.strip():
            fail(f"must be a non-empty string, got {value!r}")
    elif spec is _DATE:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            fail(f"must be {_type_name(spec)}, got {value!r}")
    elif isinstance(spec, _Int):
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"must be {_type_name(spec)}, got {value!r}")
        if not spec.low <= value <= spec.high:
            fail(f"must be {_type_name(spec)}, got {value}")
    elif isinstance(spec, _Enum):
        if value not in spec.enum.__members__:
            fail(f"must be {_type_name(spec)}, got {value!r}")
    elif isinstance(spec, _List):
        if not isinstance(value, list):
            fail(f"must be a list, got {value!r}")
        for i, item in enumerate(value):
            _check(item, spec.item, f"{key}[{i}]", file, partial=False)
    elif isinstance(spec, _Table):
        if not isinstance(value, dict):
            fail(f"must be a table, got {value!r}")
        for name in value:
            if name not in spec.fields:
                raise PolicyError(
                    file, _join(key, name), "unknown key (expected one of: " + ", ".join(sorted(spec.fields)) + ")"
                )
        for name, sub in spec.fields.items():
            if name in value:
                _check(value[name], sub, _join(key, name), file, partial=partial)
            elif not partial and name not in spec.optional:
                raise PolicyError(file, _join(key, name), "missing required key")
    elif isinstance(spec, _Map):
        if not isinstance(value, dict):
            fail(f"must be a table, got {value!r}")
        for name, item in value.items():
            if spec.key is not None and name not in spec.key.__members__:
                raise PolicyError(file, _join(key, name), f"unknown key (expected {_type_name(_Enum(spec.key))})")
            _check(item, spec.value, _join(key, name), file, partial=partial)
        if spec.require_all_keys and not partial and spec.key is not None:
            for member in spec.key:
                if member.value not in value:
                    raise PolicyError(file, _join(key, member.value), "missing required key")
    else:  # pragma: no cover - a programming error in the schema above
        raise TypeError(f"unknown schema node {spec!r}")


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; lists and scalars in `over` replace those in `base`."""
    out = copy.deepcopy(base)
    for name, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = _merge(out[name], value)
        else:
            out[name] = copy.deepcopy(value)
    return out


# --- building typed objects from a validated, merged table ----------------------------------


def _form(raw: Mapping[str, Any]) -> FormRequirements:
    return FormRequirements(
        signatures=MappingProxyType(dict(raw["signatures"])),
        seals=tuple(raw["seals"]),
        evidence=tuple(raw["evidence"]),
        sent_to=ReportingBody(raw["sent_to"]),
        attachments_required=raw.get("attachments_required", False),
    )


def _profile(name: str, raw: Mapping[str, Any]) -> JudicialProfile:
    return JudicialProfile(
        name=name,
        suspending_measures=frozenset(CustodyMeasure(m) for m in raw["suspending_measures"]),
        suspending_penalties=frozenset(Penalty(p) for p in raw["suspending_penalties"]),
        suspended_sentence_suspends=raw["suspended_sentence_suspends"],
        outside_prison_suspends=raw["outside_prison_suspends"],
        pay_back_outcomes=frozenset(CaseOutcome(o) for o in raw["pay_back_outcomes"]),
        freeze_amount_during_sentence=raw["freeze_amount_during_sentence"],
    )


def _spot_samples(spot: Mapping[str, Any], file: str, key: str) -> Mapping[Scheme, SpotSample]:
    """R-SPT-1: every scheme that is spot-checked has a sample, with the numbers its method needs."""
    samples: dict[Scheme, SpotSample] = {}
    for scheme in spot["schemes"]:
        if scheme not in spot["samples"]:
            raise PolicyError(
                file, f"{key}.samples.{scheme}", "missing: every scheme in spot_check.schemes needs a sample"
            )
    for scheme, raw in spot["samples"].items():
        method = SampleMethod(raw["method"])
        for name in _SAMPLE_KEYS[method]:
            if name not in raw:
                raise PolicyError(file, f"{key}.samples.{scheme}.{name}", f"missing required key for method {method}")
        samples[Scheme(scheme)] = SpotSample(method=method, **{name: raw[name] for name in _SAMPLE_KEYS[method]})
    return MappingProxyType(samples)


def _reminder_message(template: str, file: str, key: str) -> str:
    """The reminder template, checked: only the fields casehub fills in (REMINDER_FIELDS), plainly named."""
    allowed = ", ".join("{" + f + "}" for f in sorted(REMINDER_FIELDS))
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:
        raise PolicyError(file, key, f"is not a valid template ({exc}; a literal brace is {{{{ or }}}})") from None
    for name, spec, conversion in fields:
        if name not in REMINDER_FIELDS:
            raise PolicyError(file, key, f"unknown field {{{name}}}: the template may use {allowed}")
        if spec or conversion:
            raise PolicyError(file, key, f"field {{{name}}} takes no format or conversion: write it as {{{name}}}")
    return template


def _build_version(raw: Mapping[str, Any], file: str, key: str) -> PolicyVersion:
    judicial = raw["judicial"]
    if judicial["profile"] not in judicial["profiles"]:
        raise PolicyError(
            file,
            f"{key}.judicial.profile",
            f"names profile {judicial['profile']!r}, which is not under judicial.profiles "
            f"(have: {', '.join(sorted(judicial['profiles']))})",
        )
    wi = raw["work_injury"]
    if wi["student_extension_max_age"] < wi["child_stop_age"]:
        raise PolicyError(file, f"{key}.work_injury.student_extension_max_age", "must not be below child_stop_age")
    share = wi["wage_share"]
    if share["total_cap_percent"] < share["spouse_percent"]:
        raise PolicyError(file, f"{key}.work_injury.wage_share.total_cap_percent", "must not be below spouse_percent")
    pairs = raw["duplicate_receipt"]["exclusive_pairs"]
    for i, pair in enumerate(pairs):
        if len(pair) != 2 or pair[0] == pair[1]:
            raise PolicyError(
                file, f"{key}.duplicate_receipt.exclusive_pairs[{i}]", "must name two different schemes"
            )
    spot = raw["spot_check"]
    samples = _spot_samples(spot, file, f"{key}.spot_check")
    notice = raw["public_notice"]
    stop_report = raw["stop_event_report"]
    return PolicyVersion(
        id=raw["id"],
        effective=raw["effective"],
        source=raw["source"],
        file=file,
        schemes=MappingProxyType({Scheme(s): SchemeRules(**rules) for s, rules in raw["schemes"].items()}),
        death_reports=tuple(
            DeathReportRule(
                scheme=Scheme(r["scheme"]),
                reporter=ReportingBody(r["reporter"]),
                recipient=ReportingBody(r["recipient"]),
                due_day=r["due_day"],
                rule=r["rule"],
            )
            for r in raw["death_reports"]
        ),
        paper_forms=MappingProxyType({Scheme(s): _form(f) for s, f in raw["paper_forms"].items()}),
        township_summary=_form(raw["township_summary"]),
        public_notice=PublicNoticeRules(**notice),
        spot_check=SpotCheckRules(
            interval_months=spot["interval_months"],
            schemes=tuple(Scheme(s) for s in spot["schemes"]),
            samples=samples,
        ),
        key_group_age=raw["key_group_age"],
        home_visit_interval_months=raw["home_visit_interval_months"],
        reminder_lead_days=raw["reminder_lead_days"],
        reminder_message=_reminder_message(raw["reminder_message"], file, f"{key}.reminder_message"),
        stop_event_report=StopEventReportRules(**stop_report),
        payroll=PayrollRules(**raw["payroll"]),
        recovery=RecoveryRules(**raw["recovery"]),
        duplicate_pairs=tuple((Scheme(a), Scheme(b)) for a, b in pairs),
        judicial_profile=judicial["profile"],
        judicial_profiles=MappingProxyType({name: _profile(name, p) for name, p in judicial["profiles"].items()}),
        work_injury=WorkInjuryRules(
            child_stop_age=wi["child_stop_age"],
            child_unable_to_work_exempt=wi["child_unable_to_work_exempt"],
            student_extension=wi["student_extension"],
            student_extension_max_age=wi["student_extension_max_age"],
            stop_changes=MappingProxyType(
                {
                    DependantRole(role): frozenset(DependantChange(c) for c in changes)
                    for role, changes in wi["stop_changes"].items()
                }
            ),
            wage_share=WageShare(**share),
        ),
    )


# --- reading files --------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise PolicyError(path, "", f"cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(path, "", f"is not valid TOML ({exc})") from None
    for name in data:
        if name not in _FILE_KEYS:
            raise PolicyError(path, name, "unknown top-level key (expected: " + ", ".join(sorted(_FILE_KEYS)) + ")")
    for name in ("name", "title"):
        if name in data:
            _check(data[name], _STR, name, str(path), partial=False)
    versions = data.get("versions")
    if not isinstance(versions, list) or not versions:
        raise PolicyError(path, "versions", "missing: a policy file needs at least one [[versions]]")
    return data


def load_policy_files(paths: Iterable[str | os.PathLike[str]]) -> Policy:
    """Build one policy from the given files; versions from all files, in effective-date order."""
    entries: list[tuple[dt.date, str, str, dict[str, Any]]] = []  # effective, file, key, raw
    name = None
    files = [Path(p) for p in paths]
    if not files:
        raise PolicyError("(no files)", "", "no policy files given")
    for path in files:
        data = _read(path)
        name = name or data.get("name")
        for i, raw in enumerate(data["versions"]):
            key = f"versions[{i}]"
            _check(raw, _VERSION, key, str(path), partial=True)
            for required in _ALWAYS_REQUIRED:
                if required not in raw:
                    raise PolicyError(path, f"{key}.{required}", "missing required key")
            entries.append((raw["effective"], str(path), f"{key} ({raw['id']})", raw))

    entries.sort(key=lambda e: e[0])
    seen_ids: dict[str, str] = {}
    versions: list[PolicyVersion] = []
    merged: dict[str, Any] = {}
    previous: tuple[dt.date, str] | None = None
    for effective, file, key, raw in entries:
        if raw["id"] in seen_ids:
            raise PolicyError(file, f"{key}.id", f"duplicate version id (also in {seen_ids[raw['id']]})")
        seen_ids[raw["id"]] = file
        if previous is not None and previous[0] == effective:
            raise PolicyError(file, f"{key}.effective", f"same effective date as version {previous[1]!r}")
        merged = _merge(merged, raw)
        _check(merged, _VERSION, key, file, partial=False)
        versions.append(_build_version(merged, file, key))
        previous = (effective, raw["id"])
    return Policy(name=name or files[0].stem, versions=tuple(versions))


def load_policy(folder: str | os.PathLike[str] | None = None, *, include_shipped: bool = True) -> Policy:
    """The shipped policy (Yangbi) plus every `*.toml` in a deployment's `folder`.

    A deployment's files add versions (CASEHUB_POLICY_DIR, docs/CONFIGURATION.md);
    with `include_shipped=False` the folder's files are the whole policy instead.
    """
    files = sorted(DEFAULT_POLICY_DIR.glob("*.toml")) if include_shipped else []
    if folder is not None:
        path = Path(folder)
        if not path.is_dir():
            raise PolicyError(path, "", "is not a folder")
        extra = sorted(path.glob("*.toml"))
        if not extra:
            raise PolicyError(path, "", "holds no *.toml policy files")
        shipped = {f.resolve() for f in files}
        files += [f for f in extra if f.resolve() not in shipped]
    return load_policy_files(files)


def policy_folder_from_env(environ: Mapping[str, str] | None = None) -> Path | None:
    """The folder named by CASEHUB_POLICY_DIR, or None when only the shipped policy applies."""
    value = (os.environ if environ is None else environ).get(POLICY_DIR_ENV, "").strip()
    return Path(value) if value else None


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The shipped policy, loaded once per process."""
    return load_policy()
