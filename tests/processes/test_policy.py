"""The policy keys the processes added: spot-check samples per scheme, the home-visit interval, the reminder text."""

from __future__ import annotations

import pytest

from casehub.domain import Scheme
from casehub.policy import DEFAULT_POLICY_DIR, PolicyError, SampleMethod, default_policy, load_policy_files

SHIPPED = (DEFAULT_POLICY_DIR / "yangbi.toml").read_text("utf-8")


def test_shipped_samples_and_interval():
    v = default_policy().versions[0]
    samples = v.spot_check.samples
    resident = samples[Scheme.RESIDENT_PENSION]
    assert (resident.method, resident.min_townships, resident.min_villages_per_township,
            resident.persons_per_village) == (SampleMethod.AREA, 2, 2, 5)  # R-SPT-1
    agency = samples[Scheme.AGENCY_PENSION]
    assert (agency.method, agency.min_units, agency.persons_per_unit) == (SampleMethod.UNIT, 2, 3)
    assert set(samples) == set(v.spot_check.schemes)
    assert v.home_visit_interval_months == 3
    assert default_policy().versions[1].home_visit_interval_months == 3  # inherited


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("persons_per_village = 5\n", "", "samples.RESIDENT_PENSION.persons_per_village", "for method AREA"),
        ("min_units = 2\n", "", "samples.AGENCY_PENSION.min_units", "for method UNIT"),
        ('method = "UNIT"', 'method = "RANDOM"', "samples.AGENCY_PENSION.method", "one of AREA, UNIT"),
        ("persons_per_unit = 3", "persons_per_unit = 0", "samples.AGENCY_PENSION.persons_per_unit", "from 1"),
        ('schemes = ["RESIDENT_PENSION", "AGENCY_PENSION", "ENTERPRISE_PENSION"]',
         'schemes = ["RESIDENT_PENSION", "AGENCY_PENSION", "ENTERPRISE_PENSION", "WORK_INJURY_LONG_TERM"]',
         "samples.WORK_INJURY_LONG_TERM", "needs a sample"),
        ("home_visit_interval_months = 3", "home_visit_interval_months = 0", "home_visit_interval_months",
         "from 1 to 60"),
    ],
)
def test_bad_sample_or_interval_is_named(tmp_path, old, new, key, reason):
    assert old in SHIPPED, old
    path = tmp_path / "bad.toml"
    path.write_text(SHIPPED.replace(old, new, 1), "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_files([path])
    assert key in caught.value.key and reason in caught.value.reason


def test_the_reminder_message_is_policy_data_inherited_by_later_versions():
    first, later = default_policy().versions
    assert first.reminder_message.startswith("{name}您好：您领取的{schemes}资格认证将于{due_date}到期")
    assert later.reminder_message == first.reminder_message


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{name}{phone}", "unknown field {phone}: the template may use {days_left}, {due_date}, {name}, {schemes}"),
        ("{name.__class__}", "unknown field {name.__class__}"),
        ("{0}", "unknown field {0}"),
        ("{due_date:>20}", "takes no format or conversion"),
        ("{name!r}", "takes no format or conversion"),
        ("{name", "is not a valid template"),
    ],
)
def test_a_reminder_message_may_use_only_the_fields_casehub_fills_in(tmp_path, template, reason):
    old = 'reminder_message = "{name}您好：'
    assert old in SHIPPED
    path = tmp_path / "bad.toml"
    path.write_text(SHIPPED.replace(old, f'reminder_message = "{template}"\n# "', 1), "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_files([path])
    assert caught.value.key.endswith("reminder_message") and reason in caught.value.reason
